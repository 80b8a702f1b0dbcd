"""/progress: what the learner model says, in a few lines and a chart."""

from __future__ import annotations

from pathlib import Path

from tutor import i18n
from tutor.actions import Screen
from tutor.flows import menu, path, quizzes
from tutor.i18n import _, ngettext
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
    buttons = [Button(_("Menu"), Screen("menu"))]
    if due:
        text += "\n\n" + ngettext("🔁 {n} question due for review: /review",
                                  "🔁 {n} questions due for review: /review", due)
        buttons.insert(0, Button(_("Review now"), Screen("review")))
    replies: list[Reply] = [Text(text, buttons=(tuple(buttons),))]
    if charts_dir is not None and found.answered:
        from tutor.learner.chart import render_progress  # matplotlib loads only when asked

        path = charts_dir / f"progress-{turn.learner.id}-{course.slug}.png"
        replies.append(Image(render_progress(found, path),
                             caption=_("Your progress in {course}", course=found.course)))
    return replies


def _what_next(turn: Turn, course: CourseRow) -> str:
    """What to study next, with why, and the lessons the learner may skip."""
    chosen = learning_path.next_step(path.progress_of(turn, course))
    if chosen.kind == "done":
        return ""
    where = f" **{chosen.lesson.title}**" if chosen.lesson is not None else ""
    text = "\n\n👉 **" + _("Next:") + f"**{where} {chosen.reason}"
    skippable = [x.title for x in path.skippable(turn, course)]
    if skippable:
        text += "\n\n" + _("⏭️ You can skip: {lessons} (you know them already).",
                            lessons=", ".join(skippable))
    return text


def summary(found: Progress, target: float = 0.8) -> str:
    lines = [i18n.joined(
        ngettext("📈 **{course}**: {done} of {n} lesson done.",
                 "📈 **{course}**: {done} of {n} lessons done.", found.lessons,
                 course=found.course, done=found.lessons_done),
        ngettext("{n} question answered.", "{n} questions answered.", found.answered),
        _("**Level {level}**.", level=found.level))]
    if found.streak:
        lines.append(ngettext("🔥 Streak: **{n} day** in a row. Come back tomorrow to keep it "
                              "going!", "🔥 Streak: **{n} days** in a row. Come back tomorrow "
                              "to keep it going!", found.streak))
    else:
        lines.append(_("Answer a question today to start a streak."))
    lines.append(_week(found))
    ranked = sorted(found.mastery.items(), key=lambda item: -item[1])
    strong = [f"{name} ({i18n.percent(p)})" for name, p in ranked if p >= target]
    weak = [f"{name} ({i18n.percent(p)})" for name, p in reversed(ranked) if p < target]
    if strong:
        lines.append(_("💪 Strong: {skills}", skills="; ".join(strong[:3])))
    if weak:
        lines.append(_("🎯 To practise: {skills}", skills="; ".join(weak[:3])))
    if not found.mastery:
        lines.append(_("Take a /quiz and I'll show how each skill is coming along."))
    elif found.unpractised:
        lines.append(ngettext("Not practised yet: {n} skill.", "Not practised yet: {n} skills.",
                              len(found.unpractised)))
    return "\n\n".join(lines)  # paragraphs: one newline is only a soft break in Markdown


def _week(found: Progress) -> str:
    done, goal = found.week_active, found.weekly_goal
    head = ngettext("🎯 This week: **{done} of {n}** active day.",
                    "🎯 This week: **{done} of {n}** active days.", goal, done=done)
    if done >= goal:
        return i18n.joined(head, _("Weekly goal reached, well done!"))
    missing = goal - done
    # Today still counts while it lasts, if nothing has been done yet today.
    reachable = found.week_days_left + (0 if found.activity[-1] else 1)
    if missing <= reachable:
        return i18n.joined(head, ngettext("{n} more day by Sunday reaches your goal.",
                                          "{n} more days by Sunday reach your goal.", missing))
    return i18n.joined(head, _("Out of reach this week; a fresh week starts on Monday."))
