"""/progress: what the learner model says, in a few lines and a chart."""

from __future__ import annotations

from pathlib import Path

from tutor.flows import menu
from tutor.learner.fitting import course_model
from tutor.learner.progress import Progress, learner_progress
from tutor.learner.reviews import due_count
from tutor.messages import Button, Image, Reply, Text
from tutor.turn import Turn

__all__ = ["progress", "summary"]

TARGET = 0.8  # "strong" from here: the success rate the quizzes aim for


def progress(turn: Turn, charts_dir: Path | None) -> list[Reply]:
    course = turn.course()
    if course is None:
        return menu.choose_course(turn)
    found = learner_progress(turn.session, turn.learner, course, turn.now,
                             course_model(turn.session, course))
    due = due_count(turn.session, turn.learner.id, course.id, turn.now)
    text = summary(found)
    buttons = [Button("Menu", "menu")]
    if due:
        text += f"\n\n🔁 {due} question{'s' if due != 1 else ''} due for review: /review"
        buttons.insert(0, Button("Review now", "review"))
    replies: list[Reply] = [Text(text, buttons=(tuple(buttons),))]
    if charts_dir is not None and found.answered:
        from tutor.learner.chart import render_progress  # matplotlib loads only when asked

        path = charts_dir / f"progress-{turn.learner.id}-{course.slug}.png"
        replies.append(Image(render_progress(found, path), caption=f"Your progress in "
                                                                  f"{found.course}"))
    return replies


def summary(found: Progress) -> str:
    lines = [f"📈 **{found.course}**: {found.lessons_done} of {found.lessons} lessons done, "
             f"{found.answered} question{'s' if found.answered != 1 else ''} answered."]
    if found.streak:
        lines.append(f"🔥 Streak: **{found.streak} day{'s' if found.streak != 1 else ''}** in "
                     "a row. Come back tomorrow to keep it going!")
    else:
        lines.append("Answer a question today to start a streak.")
    ranked = sorted(found.mastery.items(), key=lambda item: -item[1])
    strong = [f"{name} ({p:.0%})" for name, p in ranked if p >= TARGET]
    weak = [f"{name} ({p:.0%})" for name, p in reversed(ranked) if p < TARGET]
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
