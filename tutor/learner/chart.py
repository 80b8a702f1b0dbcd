"""The /progress chart: mastery per skill and activity over the last two weeks."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no window, no display needed

import matplotlib.pyplot as plt

from tutor.learner.progress import Progress

__all__ = ["render_progress", "short"]


def render_progress(progress: Progress, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, (skills, days) = plt.subplots(
        2, 1, figsize=(9, 2.6 + 0.32 * max(len(progress.mastery), 3)),
        gridspec_kw={"height_ratios": [max(len(progress.mastery), 3), 3]})
    names = sorted(progress.mastery, key=lambda n: progress.mastery[n])
    values = [progress.mastery[n] * 100 for n in names]
    colours = ["#d9534f" if v < 50 else "#f0ad4e" if v < 80 else "#5cb85c" for v in values]
    skills.barh([short(n) for n in names], values, color=colours, height=0.6)
    skills.set_ylim(-0.8, max(len(names), 3) - 0.2)
    skills.set_xlim(0, 100)
    skills.set_xlabel("predicted chance of answering right (%)")
    skills.set_title(f"{progress.course}: mastery per skill", loc="left")
    if not names:
        skills.text(50, 0, "answer a few questions to see this", ha="center", va="center")
    days.bar(range(-len(progress.activity) + 1, 1), progress.activity, color="#337ab7",
             width=0.7)
    days.set_xticks(range(-len(progress.activity) + 1, 1, 2))
    days.set_xlabel("days ago (0 = today)")
    days.set_ylabel("activity")
    days.set_title(f"last {len(progress.activity)} days · streak: {progress.streak} "
                   f"day{'s' if progress.streak != 1 else ''}", loc="left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
