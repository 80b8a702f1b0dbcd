"""The class overview for teachers: a mastery heatmap (learners by skill), active learners
per day over the last four weeks, and the learners most at risk of dropping out."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from tutor.learner.adaptive import standing
from tutor.learner.fitting import course_model
from tutor.learner.progress import activity_moments
from tutor.reports import at_risk
from tutor.storage.database import Database
from tutor.storage.models import CourseRow, Enrollment, Learner, SkillRow
from tutor.turn import as_utc

__all__ = ["DAYS", "ROWS", "class_overview"]

DAYS = 28
ROWS = 30  # learners in the heatmap: the most recently active


def class_overview(database: Database, course: str, now: datetime, path: Path) -> Path | None:
    """Draw the overview into `path` (PNG); None when there is no such course."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from tutor.learner.chart import short

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
    days = [as_utc(now).date() - timedelta(days=d) for d in range(DAYS - 1, -1, -1)]
    active = [len({who for who, ms in moments.items()
                   if any(as_utc(m).date() == day for m in ms)}) for day in days]
    risky = list(at_risk(database, course, now))[:10]

    path.parent.mkdir(parents=True, exist_ok=True)
    figure = plt.figure(figsize=(12, 8.5))
    layout = figure.add_gridspec(2, 2, height_ratios=[3, 2], width_ratios=[3, 2])
    heat = figure.add_subplot(layout[0, :])
    image = heat.imshow(grid if grid.size else np.zeros((1, 1)), aspect="auto", vmin=0, vmax=1,
                        cmap="RdYlGn")
    heat.set_xticks(range(len(skills)), [short(d, 28) for _, d in skills], rotation=30,
                    ha="right", fontsize=8)
    heat.set_yticks(range(len(recent)), [name[:18] for _, name in recent], fontsize=7)
    heat.set_title(f"{title}: mastery by learner and skill (blank: not practised)", loc="left")
    figure.colorbar(image, ax=heat, fraction=0.02, label="P(right)")
    bars = figure.add_subplot(layout[1, 0])
    bars.bar(range(DAYS), active, color="#4361ee")
    bars.set_xticks(range(0, DAYS, 7), [d.strftime("%d %b") for d in days[::7]])
    bars.set_title("Active learners per day", loc="left")
    table = figure.add_subplot(layout[1, 1])
    table.axis("off")
    table.set_title("Most at risk of dropping out", loc="left")
    lines = [f"{r.learner[:20]:<20} {r.risk:4.0%}  {r.days_inactive:>2} d inactive"
             for r in risky] or ["nobody enrolled yet"]
    table.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path

