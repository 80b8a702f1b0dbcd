"""What to study next, and why: one step, chosen from what the learner has done and knows.

In this order:
1. a **refresher** when the learner struggles with a skill (three or more answers, mastery
   under STRUGGLING) that builds on a skill where they are below the course's target;
2. their **reviews**, when REVIEWS_FIRST or more are due;
3. the lesson they are **on** (begun, or opened, and not yet read to its end);
4. the next **lesson** whose prerequisites are learned (taught by a finished lesson, known
   from the placement check, or mastered), skipping lessons whose every skill they already
   know (these are marked "you can skip this", never hidden); among lessons the author
   numbered alike (any order), the one learners like this one went to next;
5. otherwise reviews, or nothing: the course is done.
A lesson whose prerequisites are not met is still taken when no other is left: the path
advises, it never locks anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tutor import i18n
from tutor.i18n import _, ngettext

__all__ = ["REVIEWS_FIRST", "STRUGGLING", "LessonInfo", "Progress", "Step", "can_skip",
           "next_step"]

STRUGGLING = 0.5  # mastery under this, after STRUGGLE_ANSWERS answers, is struggling
STRUGGLE_ANSWERS = 3
# A review session's worth of due questions comes before new material; fewer join the lesson
# quizzes, where the weakest skill's question goes first. With 3, reviews took three
# questions in five and learners reached the last lesson after about 150 questions in the
# learner simulation (development seeds); 5, 10 and 20 there: 150, 135 and 140 questions to
# mastery against 170.
REVIEWS_FIRST = 10

Kind = Literal["refresher", "review", "resume", "lesson", "done"]


@dataclass(frozen=True)
class LessonInfo:
    id: int
    title: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Progress:
    """What the path reads of one learner in one course."""

    lessons: Sequence[LessonInfo]  # in the authored order
    requires: Mapping[str, Sequence[str]]
    done: frozenset[int] = frozenset()  # finished lessons
    known: frozenset[str] = frozenset()  # skills the placement check found known
    mastery: Mapping[str, float] = field(default_factory=dict)  # practised skills
    answers: Mapping[str, int] = field(default_factory=dict)  # answers per skill
    due: int = 0
    reading: int | None = None  # the lesson the learner is on, not read to its end
    reading_card: int = 0  # where in it (0: not begun)
    current: int | None = None  # the lesson last opened, read through or not
    tier: Mapping[int, int] = field(default_factory=dict)  # lesson -> the author's order
    liked: Mapping[int, float] = field(default_factory=dict)  # lesson -> learners like you
    target: float = 0.8


@dataclass(frozen=True)
class Step:
    kind: Kind
    reason: str
    lesson: LessonInfo | None = None


def _learned(skill: str, progress: Progress) -> bool:
    return (skill in progress.known
            or progress.mastery.get(skill, 0.0) >= progress.target
            or any(skill in lesson.skills for lesson in progress.lessons
                   if lesson.id in progress.done))


def can_skip(lesson: LessonInfo, progress: Progress) -> bool:
    """Every skill of the lesson is known already (placement or mastery), though the
    lesson itself was never read."""
    return lesson.id not in progress.done and bool(lesson.skills) and all(
        s in progress.known or progress.mastery.get(s, 0.0) >= progress.target
        for s in lesson.skills)


def _missing(lesson: LessonInfo, progress: Progress) -> list[str]:
    """The skills `lesson` builds on that the learner has not learned yet."""
    needs = {n for s in lesson.skills for n in progress.requires.get(s, ())}
    return sorted(n for n in needs - set(lesson.skills) if not _learned(n, progress))


def _refresher(progress: Progress) -> Step | None:
    for skill, mastery in sorted(progress.mastery.items(), key=lambda kv: kv[1]):
        if mastery >= STRUGGLING or progress.answers.get(skill, 0) < STRUGGLE_ANSWERS:
            continue
        weak = [(progress.mastery[n], n) for n in progress.requires.get(skill, ())
                if n in progress.mastery and progress.mastery[n] < progress.target]
        if not weak:
            continue
        level, need = min(weak)
        teaching = next((lesson for lesson in progress.lessons if need in lesson.skills), None)
        # Not again while the learner is on it, or has just re-read it: the next answers
        # on the skill, not the same offer, say whether it helped.
        if teaching is not None and teaching.id != progress.current:
            return Step("refresher", _(
                "{skill} builds on {need}, where you are at {level}: a two-minute refresher "
                "first?", skill=skill.replace("-", " ").capitalize(),
                need=need.replace("-", " "), level=i18n.percent(level)), teaching)
    return None


def _tied(ready: list[LessonInfo], progress: Progress) -> Step | None:
    """Among ready lessons sharing the first one's order number (the author says: any
    order), the one learners like this one went to next, when the model says so."""
    tier = progress.tier.get(ready[0].id)
    tied = [x for x in ready if tier is not None and progress.tier.get(x.id) == tier]
    if len(tied) < 2 or not any(progress.liked.get(x.id) for x in tied):
        return None
    best = max(tied, key=lambda x: (progress.liked.get(x.id, 0.0), -tied.index(x)))
    others = ", ".join(x.title for x in tied if x is not best)
    return Step("lesson", _("Learners who studied what you have went on to {lesson} next (you "
                            "may take {others} in any order).", lesson=best.title,
                            others=others), best)


def next_step(progress: Progress) -> Step:
    if (refresher := _refresher(progress)) is not None:
        return refresher
    if progress.due >= REVIEWS_FIRST:
        return Step("review", ngettext(
            "{n} question is due for a refresh: reviewed on time, it sticks.",
            "{n} questions are due for a refresh: reviewed on time, they stick.", progress.due))
    reading = next((lesson for lesson in progress.lessons if lesson.id == progress.reading),
                   None)
    if reading is not None:
        return Step("resume", _("Back to {lesson}, where you left off.", lesson=reading.title)
                    if progress.reading_card else _("On to {lesson}.", lesson=reading.title),
                    reading)
    open_lessons = [lesson for lesson in progress.lessons if lesson.id not in progress.done]
    skipped = [lesson for lesson in open_lessons if can_skip(lesson, progress)]
    ready = [x for x in open_lessons if x not in skipped and not _missing(x, progress)]
    if ready and (tied := _tied(ready, progress)) is not None:
        return tied
    if ready:
        lesson = ready[0]
        passed = [s.title for s in skipped
                  if open_lessons.index(s) < open_lessons.index(lesson)]
        after = ", ".join(passed)
        needs = ", ".join(n.replace("-", " ") for n in sorted(
            {n for s in lesson.skills for n in progress.requires.get(s, ())}
            - set(lesson.skills)))
        if passed and needs:
            why = _("Next after {lessons}, which you already know; it builds on {skills}, "
                    "which you have covered.", lessons=after, skills=needs)
        elif passed:
            why = _("Next after {lessons}, which you already know.", lessons=after)
        elif needs:
            why = _("Next in the course; it builds on {skills}, which you have covered.",
                    skills=needs)
        else:
            why = _("Next in the course.")
        return Step("lesson", why, lesson)
    if open_lessons:
        lesson = next((x for x in open_lessons if x not in skipped), open_lessons[0])
        missing = _missing(lesson, progress)
        if lesson in skipped:
            return Step("lesson", _("You already know what {lesson} teaches: a quick look, or "
                                    "its quiz.", lesson=lesson.title), lesson)
        return Step("lesson", _("Next in the course (it builds on {skills}, which you have not "
                                "finished yet).",
                                skills=", ".join(m.replace("-", " ") for m in missing)), lesson)
    if progress.due:
        return Step("review", ngettext("Every lesson is done; {n} question is due for a refresh.",
                                       "Every lesson is done; {n} questions are due for a "
                                       "refresh.", progress.due))
    return Step("done", _("You have finished every lesson of this course."))
