"""The class overview for teachers: a mastery heatmap (learners by skill), active learners
per day over the last four weeks, and the learners most at risk of dropping out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from textwrap import shorten
from typing import Any

from sqlalchemy import select

from tutor.content_report import CardVerdicts, content_feedback
from tutor.learner.adaptive import standing
from tutor.learner.fitting import course_model
from tutor.learner.progress import active_per_day, activity_moments
from tutor.reports import at_risk
from tutor.storage.database import Database
from tutor.storage.models import CourseRow, Enrollment, Learner, SkillRow
from tutor.turn import as_utc

__all__ = ["DAYS", "ROWS", "class_overview", "overview_figure"]

DAYS = 28
ROWS = 30  # learners in the heatmap: the most recently active


def class_overview(database: Database, course: str, now: datetime, path: Path) -> Path | None:
    """Draw the overview into `path` (PNG); None when there is no such course."""
    import matplotlib.pyplot as plt

    figure = overview_figure(database, course, now)
    if figure is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def overview_figure(database: Database, course: str, now: datetime) -> Any:
    """The overview as a matplotlib Figure; None when there is no such course."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    with database.session() as session:
        row = session.scalar(select(CourseRow).where(CourseRow.slug == course))
        if row is None:
            return None
        model = course_model(session, row)
        skills = session.execute(select(SkillRow.slug, SkillRow.description).where(
            SkillRow.course_id == row.id, SkillRow.retired.is_(False))
            .order_by(SkillRow.slug)).all()
        moments = activity_moments(session, row.id, as_utc(now) - timedelta(days=DAYS))
        enrolled = session.execute(select(Learner.id, Learner.display_name).join(
            Enrollment, Enrollment.learner_id == Learner.id).where(
            Enrollment.course_id == row.id)).all()
        recent = sorted(enrolled, key=lambda lr: max(
            (as_utc(m) for m in moments.get(lr[0], [])), default=as_utc(now) - timedelta(
                days=10_000)), reverse=True)[:ROWS]
        grid = np.full((len(recent), len(skills)), np.nan)
        for i, (learner_id, _) in enumerate(recent):
            mastery = standing(session, learner_id, row.id, model).mastery(model)
            for j, (slug, _) in enumerate(skills):
                if slug in mastery:
                    grid[i, j] = mastery[slug]
        title = row.title
        row_target = row.target_success
    days = [as_utc(now).date() - timedelta(days=d) for d in range(DAYS - 1, -1, -1)]
    active = active_per_day(moments, days[-1], DAYS)
    risky = list(at_risk(database, course, now))[:10]
    confusing = content_feedback(database, course, most=3)

    figure = plt.figure(figsize=(12, 5.2 + 0.28 * max(len(recent), 4)), layout="constrained")
    layout = figure.add_gridspec(2, 2, height_ratios=[max(len(recent), 4), 7],
                                 width_ratios=[3, 2])
    _heatmap(figure.add_subplot(layout[0, :]), figure, grid, recent, skills, title,
             row_target)
    _active(figure.add_subplot(layout[1, 0]), days, active, len(enrolled))
    _at_risk(figure.add_subplot(layout[1, 1]), risky, confusing)
    return figure


def _heatmap(axes: Any, figure: Any, grid: Any, recent: list[Any], skills: Sequence[Any],
             title: str, target: float) -> None:
    import numpy as np

    from tutor.learner.chart import label

    image = axes.imshow(grid if grid.size else np.zeros((1, 1)), aspect="auto", vmin=0,
                        vmax=1, cmap="RdYlGn")
    for (i, j), value in np.ndenumerate(grid):
        if not np.isnan(value):  # the number itself: colour alone is hard to read exactly
            axes.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7,
                      color="black" if 0.25 < value < 0.8 else "white")
    # The skills' ids: short words that fit side by side (the descriptions do not).
    axes.set_xticks(range(len(skills)), [label(slug.replace("-", " "), 12, 2)
                                         for slug, _ in skills], fontsize=9)
    axes.set_yticks(range(len(recent)), [name[:28] for _, name in recent], fontsize=9)
    axes.set_title(f"{title}: chance of a right answer, by learner and skill (goal "
                   f"{target:.0%}; blank: not practised yet)", loc="left")
    figure.colorbar(image, ax=axes, fraction=0.02, format="{x:.0%}")


def _active(axes: Any, days: list[Any], active: list[int], enrolled: int) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.bar(range(len(days)), active, color="#4361ee")
    ticks = list(range(len(days) - 1, -1, -7))[::-1]
    names = [days[t].strftime("%a %d %b") for t in ticks]
    names[-1] = "today"
    axes.set_xticks(ticks, names, fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(max(active, default=0), 1) * 1.15)
    axes.set_ylabel("learners")
    axes.set_title(f"Learners active each day, of {enrolled} enrolled", loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _at_risk(axes: Any, risky: list[Any], confusing: Sequence[CardVerdicts]) -> None:
    axes.axis("off")
    axes.set_title("Most at risk of dropping out", loc="left")
    lines = [f"{r.learner[:18]:<18} {r.risk:4.0%}  "
             f"{shorten((r.reasons or ('-',))[0], 44, placeholder='…')}"
             for r in risky] or ["nobody enrolled yet"]
    if confusing:  # which card to rewrite: the report has the comments and the questions
        lines += ["", "Cards marked confusing"]
        lines += [f"{v.confusing:>3} ✗ {v.clear:>3} ✓  "
                  + shorten(f"{v.lesson} › {v.card}" if v.card else f"{v.lesson} (lesson)", 48,
                            placeholder="…") for v in confusing]
    axes.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9)
