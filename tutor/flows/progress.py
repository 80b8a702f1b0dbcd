"""/progress: what the learner model says, in a few lines and a chart."""

from __future__ import annotations

from pathlib import Path

from tutor.actions import Screen
from tutor.flows import menu, path, quizzes
from tutor.learner import path as learning_path
from tutor.learner.progress import Progress, learner_progress
from tutor.learner.reviews import due_count
from tutor.messages import Button, Image, Reply, Text
from tutor.storage.models import CourseRow
from tutor.turn import Turn

__all__ = ["progress", "summary"]

def progress(turn: Turn, charts_dir: Path | None) -> list[Reply]:
    course = turn.course()
    if course is None:
        return menu.choose_course(turn)
    found = learner_progress(turn.session, turn.learner, course, turn.now,
                             quizzes.learner_model(turn, course)[0],  # once a turn
                             level=turn.enrollment(course).level)
    due = due_count(turn.session, turn.learner.id, course.id, turn.now)
    text = summary(found, course.target_success) + _what_next(turn, course)
    buttons = [Button("Menu", Screen("menu"))]
    if due:
        text += f"\n\n🔁 {due} question{'s' if due != 1 else ''} due for review: /review"
        buttons.insert(0, Button("Review now", Screen("review")))
    replies: list[Reply] = [Text(text, buttons=(tuple(buttons),))]
    if charts_dir is not None and found.answered:
        from tutor.learner.chart import render_progress  # matplotlib loads only when asked

        path = charts_dir / f"progress-{turn.learner.id}-{course.slug}.png"
        replies.append(Image(render_progress(found, path), caption=f"Your progress in "
                                                                  f"{found.course}"))
    return replies


def _what_next(turn: Turn, course: CourseRow) -> str:
    """What to study next, with why, and the lessons the learner may skip."""
    chosen = learning_path.next_step(path.progress_of(turn, course))
    if chosen.kind == "done":
        return ""
    where = f" **{chosen.lesson.title}**" if chosen.lesson is not None else ""
    text = f"\n\n👉 **Next:**{where} {chosen.reason}"
    skippable = [x.title for x in path.skippable(turn, course)]
    if skippable:
        text += f"\n\n⏭️ You can skip: {', '.join(skippable)} (you know them already)."
    return text


def summary(found: Progress, target: float = 0.8) -> str:
    lines = [f"📈 **{found.course}**: {found.lessons_done} of {found.lessons} lessons done, "
             f"{found.answered} question{'s' if found.answered != 1 else ''} answered, "
             f"**level {found.level}**."]
    if found.streak:
        lines.append(f"🔥 Streak: **{found.streak} day{'s' if found.streak != 1 else ''}** in "
                     "a row. Come back tomorrow to keep it going!")
    else:
        lines.append("Answer a question today to start a streak.")
    lines.append(_week(found))
    ranked = sorted(found.mastery.items(), key=lambda item: -item[1])
    strong = [f"{name} ({p:.0%})" for name, p in ranked if p >= target]
    weak = [f"{name} ({p:.0%})" for name, p in reversed(ranked) if p < target]
    if strong:
        lines.append("💪 Strong: " + "; ".join(strong[:3]))
    if weak:
        lines.append("🎯 To practise: " + "; ".join(weak[:3]))
    if not found.mastery:
        lines.append("Take a /quiz and I'll show how each skill is coming along.")
    elif found.unpractised:
        lines.append(f"Not practised yet: {len(found.unpractised)} skill"
                     f"{'s' if len(found.unpractised) != 1 else ''}.")
    return "\n\n".join(lines)  # paragraphs: one newline is only a soft break in Markdown


def _week(found: Progress) -> str:
    done, goal = found.week_active, found.weekly_goal
    head = f"🎯 This week: **{done} of {goal}** active day{'s' if goal != 1 else ''}"
    if done >= goal:
        return f"{head}. Weekly goal reached, well done!"
    missing = goal - done
    # Today still counts while it lasts, if nothing has been done yet today.
    reachable = found.week_days_left + (0 if found.activity[-1] else 1)
    if missing <= reachable:
        return f"{head}: {missing} more day{'s' if missing != 1 else ''} by Sunday reaches " \
               "your goal."
    return f"{head}. Out of reach this week; a fresh week starts on Monday."
