"""The charts say their point at a glance: whole skill names, the goal, dates with today,
whole-number counts. Each test also saves its PNG under the test's folder to look at."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.text import Text

from tests.conftest import Chat
from tutor import Database, QuestionReply, Tutor
from tutor.learner.chart import label, progress_figure, render_progress
from tutor.learner.progress import Progress
from tutor.overview import class_overview, overview_figure

LONG = "Naming values with variables and reassigning them, and reading them back"
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _progress() -> Progress:
    return Progress(course="Python Basics", mastery={LONG: 0.42, "Loops": 0.91},
                    unpractised=(), activity=(0,) * 10 + (3, 0, 10, 2), streak=1, answered=15,
                    lessons_done=1, lessons=8, target=0.8, today=date(2026, 12, 2))


def _ticks(labels: list[Text]) -> list[str]:
    return [t.get_text() for t in labels]


def test_the_progress_chart_names_skills_whole_and_shows_the_goal(tmp_path: Path) -> None:
    figure = progress_figure(_progress())
    skills, days = figure.axes
    names = _ticks(skills.get_yticklabels())
    assert "Naming values with variables\nand reassigning them, and\nreading them back" in names
    assert all("…" not in n for n in names)  # nothing cut when three lines hold it
    goal = [line for line in skills.get_lines()
            if np.allclose(np.asarray(line.get_xdata(), dtype=float), 80.0)]
    assert goal, "the goal line is missing"
    assert any("goal 80%" in t.get_text() for t in skills.texts)
    assert any(t.get_text() == "42%" for t in skills.texts)
    assert _ticks(days.get_xticklabels())[-1] == "today"
    assert _ticks(days.get_xticklabels())[-2] == "Tue\n1"
    assert all(float(t).is_integer() for t in days.get_yticks())
    assert days.get_ylabel() == "things done"
    plt.close(figure)
    render_progress(_progress(), tmp_path / "progress.png")  # look at it there


def test_a_skill_name_too_long_for_three_lines_is_shortened_at_a_word() -> None:
    shown = label("word " * 40)
    assert shown.count("\n") == 2 and shown.endswith("…") and "wor…" not in shown


def test_the_class_overview_counts_whole_learners_and_marks_today(mini_db: Database,
                                                                  tmp_path: Path) -> None:
    for user, days_ago in (("a", 0), ("b", 1)):  # two learners: ticks must not be 0.25
        moment = NOW - timedelta(days=days_ago)

        def clock(at: datetime = moment) -> datetime:
            return at

        chat = Chat(Tutor(mini_db, clock=clock), user,
                    name=f"Learner with a long name {user}")
        chat.say("/course mini")
        chat.say("/quiz 1")
        question = next(r for r in chat.last if isinstance(r, QuestionReply))
        chat.press(f"ans:{question.question_id}:{question.correct[0]}")
    figure = overview_figure(mini_db, "mini", NOW)
    heat, active, risk = figure.axes[0], figure.axes[2], figure.axes[3]
    assert all(float(t).is_integer() for t in active.get_yticks())
    assert _ticks(active.get_xticklabels())[-1] == "today"
    assert active.get_ylabel() == "learners"
    assert "Learner with a long name a" in _ticks(heat.get_yticklabels())
    assert "counting" in _ticks(heat.get_xticklabels())
    assert any(t.get_text().endswith("%") for t in heat.texts)  # the numbers, not only hues
    assert risk.get_title(loc="left") == "Most at risk of dropping out"
    plt.close(figure)
    assert class_overview(mini_db, "mini", NOW, tmp_path / "class.png") is not None
