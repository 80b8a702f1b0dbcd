"""The /progress chart: where each skill stands against the course's goal, and what the
learner did on each of the last two weeks' days.

Drawn to be read at a glance on a phone: whole skill names (wrapped, never cut mid-word),
the goal as a line, the days as dates with today marked, whole-number counts.
"""

from __future__ import annotations

import functools
import textwrap
from datetime import timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no window, no display needed

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tutor import i18n
from tutor.i18n import _, ngettext
from tutor.learner.progress import Progress

__all__ = ["label", "progress_figure", "render_progress"]

RED, AMBER, GREEN, BLUE, GREY = "#d9534f", "#f0ad4e", "#5cb85c", "#337ab7", "#888888"
# Fonts for Chinese text, tried after DejaVu Sans for the characters it lacks (matplotlib
# falls back glyph by glyph); a machine without any shows boxes (docs/deploy.md).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC")


@functools.cache
def _fonts() -> list[str]:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *(name for name in CJK_FONTS if name in installed)]


def render_progress(progress: Progress, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context({"font.family": _fonts()}):
        figure = progress_figure(progress)
        figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def progress_figure(progress: Progress) -> Figure:
    rows = max(len(progress.mastery), 1)
    figure, (skills, days) = plt.subplots(
        2, 1, figsize=(7.5, 2.4 + 0.6 * rows), layout="constrained",
        gridspec_kw={"height_ratios": [rows + 0.6, 2.6]})
    _skills(skills, progress)
    _days(days, progress)
    return figure


def _skills(axes: Axes, progress: Progress) -> None:
    goal = progress.target * 100
    names = sorted(progress.mastery, key=lambda n: progress.mastery[n])
    values = [progress.mastery[n] * 100 for n in names]
    colours = [GREEN if v >= goal else AMBER if v >= goal - 25 else RED for v in values]
    axes.barh(range(len(names)), values, color=colours, height=0.62)
    axes.set_yticks(range(len(names)), [label(n) for n in names], fontsize=9)
    for row, value in enumerate(values):
        axes.text(min(value + 1.5, 92), row, f"{value:.0f}%", va="center", fontsize=9)
    axes.axvline(goal, color=GREY, linestyle="--", linewidth=1.2)
    axes.text(goal, len(names) - 0.35, " " + _("goal {percent}", percent=f"{goal:.0f}%"),
              color=GREY, fontsize=9, va="bottom")
    axes.set_xlim(0, 100)
    axes.set_ylim(-0.6, max(len(names), 1) - 0.1)
    axes.set_xlabel(_("chance of answering a question on it right (%)"))
    done = sum(v >= goal for v in values)
    axes.set_title(ngettext("{course}: {done} of {n} practised skill at the goal",
                            "{course}: {done} of {n} practised skills at the goal", len(names),
                            course=progress.course, done=done), loc="left", fontsize=11)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if not names:
        axes.set_yticks([])
        axes.text(50, 0, _("answer a few questions to see your skills here"), ha="center",
                  va="center", color=GREY)


def _days(axes: Axes, progress: Progress) -> None:
    counts = progress.activity
    positions = range(len(counts))
    colours = [BLUE if c else GREY for c in counts]
    axes.bar(positions, counts, color=colours, width=0.7)
    if progress.today is not None:
        dates = [progress.today - timedelta(days=len(counts) - 1 - i) for i in positions]
        ticks = [f"{i18n.weekday(d)}\n{d.day}" for d in dates]
        ticks[-1] = _("today")
        axes.set_xticks(list(positions), ticks, fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(max(counts, default=0), 1) * 1.15)
    axes.set_ylabel(_("things done"))
    streak = ngettext("{n} day", "{n} days", progress.streak)
    axes.set_title(_("Your last {days} days (answers, lessons, questions) · streak: {streak}",
                     days=len(counts), streak=streak), loc="left", fontsize=10)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def label(name: str, width: int = 30, lines: int = 3) -> str:
    """A skill's name on at most three lines, shortened at a word if it is longer still."""
    return "\n".join(textwrap.wrap(name, width, max_lines=lines, placeholder=" …"))
