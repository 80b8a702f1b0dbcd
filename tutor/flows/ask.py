"""Questions in the learner's own words: grounded answers with sources, honest declines,
follow-ups in context, and hints (never answers) while a quiz question is open."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from tutor import i18n
from tutor.actions import OpenCard
from tutor.flows import quizzes
from tutor.grading import display_options
from tutor.i18n import N_, _
from tutor.markup import plain
from tutor.messages import Button, Reply, Text
from tutor.qa.answerer import Answer, Answerer, Source
from tutor.storage.models import AskedQuestion, CardRow, CourseRow, LessonRow, QuestionRow
from tutor.turn import Turn, as_utc

__all__ = ["ask", "reads_as_question", "reads_as_question_about_quiz"]

FOLLOW_UP_WINDOW = timedelta(minutes=30)
HISTORY_TURNS = 3
# Words a question starts with. While a quiz question is open, "is it the mantle?" and the
# like are hedged answers, so help is asked for only with the others (or "I don't get").
_ASKING = r"what|why|how|when|where|which|who|whose|whom|can|could|does|do|did|should|would|" \
    r"explain|tell me|define|describe"
_QUESTION_START = re.compile(rf"^({_ASKING}|is|are|was|were|will)\b", re.IGNORECASE)
_ASKING_FOR_HELP = re.compile(rf"^({_ASKING}|i don'?t (get|understand))\b", re.IGNORECASE)
_REFERRING = re.compile(r"\b(it|its|that|this|they|them|those|these|there|he|she|one)\b",
                        re.IGNORECASE)
_CONTINUING = re.compile(r"^(and|but|so|then|also|why|how come|what about|how about)\b",
                         re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]{3,}")
_FUNCTION_WORDS = frozenset({
    "and", "but", "so", "then", "also", "why", "how", "come", "what", "about", "the", "does",
    "did", "was", "were", "are", "its", "that", "this", "they", "them", "those", "these",
    "there", "one", "with", "from", "for", "into", "happen", "happens", "happened", "mean",
    "means", "more", "cause", "causes", "caused", "work", "works", "make", "makes", "made",
})
PREPARING = N_("⏳ I'm still preparing the course search (it takes a minute or so after a "
               "course is added), and found nothing yet. Please ask again in a moment.")
NOT_SET_UP = N_("Questions need the course search, which is not set up here.")


def reads_as_question(text: str) -> bool:
    text = text.strip()
    return len(text.split()) >= 2 and (text.endswith("?") or bool(_QUESTION_START.match(text)))


def reads_as_question_about_quiz(text: str) -> bool:
    """Stricter while a question is open: "is it the mantle?" is a hedged answer, but
    "what does int(3.9) give?" asks for help."""
    text = text.strip()
    return len(text.split()) >= 3 and bool(_ASKING_FOR_HELP.match(text))


def ask(turn: Turn, answerer: Answerer | None, text: str, llm_quota: int) -> list[Reply]:
    question = " ".join(text.split())
    if answerer is None:
        return [Text(_(NOT_SET_UP))]
    if not question:
        return [Text(_("Ask me anything about your course, e.g. `/ask what is a variable?`"))]
    if turn.state.question_id is not None:
        return _hint(turn, answerer, question, llm_quota)
    course = turn.course()
    recent = _recent(turn)
    follows = recent[-1] if recent and is_follow_up(question) else None
    query = f"{follows.text} {question}" if follows else question
    use_llm = answerer.llm is not None and _llm_calls_today(turn) < llm_quota
    answer = answerer.answer(query, course=course.slug if course else None,
                             history=[(q.text, q.answer) for q in recent], use_llm=use_llm,
                             already_said=follows.answer if follows else "")
    if not answer.covered and answerer.source.preparing:
        return [Text(_(PREPARING))]  # not a gap in the course: the index is not whole yet
    turn.session.add(AskedQuestion(
        learner_id=turn.learner.id, course_id=course.id if course else None, asked_at=turn.now,
        text=question[:2000], answer=answer.text, answered=answer.covered,
        confidence=answer.confidence, engine=answer.engine,
        closest="; ".join(s.label for s in answer.closest)))
    return [_render(turn, answer)]


def is_follow_up(question: str) -> bool:
    """Needs the question before to make sense: it points back ("that", "it") or carries
    on ("and", "what about"), and names at most one thing of its own. "Why is the sky
    blue?" stands alone; "and why?" and "what causes that?" do not."""
    own = [w for w in _WORDS.findall(question.lower()) if w not in _FUNCTION_WORDS]
    return len(own) <= 1 and bool(_REFERRING.search(question) or _CONTINUING.match(question))


def _recent(turn: Turn) -> list[AskedQuestion]:
    since = turn.now - FOLLOW_UP_WINDOW
    rows = turn.session.scalars(select(AskedQuestion).where(
        AskedQuestion.learner_id == turn.learner.id, AskedQuestion.answered.is_(True))
        .order_by(AskedQuestion.asked_at.desc(), AskedQuestion.id.desc())
        .limit(HISTORY_TURNS)).all()
    return [r for r in reversed(rows) if as_utc(r.asked_at) >= since]


def _llm_calls_today(turn: Turn) -> int:
    start = turn.now.replace(hour=0, minute=0, second=0, microsecond=0)
    return turn.session.scalar(select(func.count()).select_from(AskedQuestion).where(
        AskedQuestion.learner_id == turn.learner.id, AskedQuestion.engine == "llm",
        AskedQuestion.asked_at >= start)) or 0


OWN_WORK_COURSE = N_("🔍 I can't see your code, so I can't tell what is wrong in it. Here is "
                     "what the course says that may help:")
OWN_WORK_TEACHER = N_("🔍 I can't see your code, so I can't tell what is wrong in it. Your "
                      "teacher can help with it: show them the code and what you expected it "
                      "to do.")
NOT_COVERED = N_("🤔 This course does not cover that, as far as I can tell, so I won't guess.")


def _render(turn: Turn, answer: Answer) -> Text:
    if answer.engine == "own_work":
        lines = [_(OWN_WORK_TEACHER)]
        buttons = _lesson_buttons(turn, answer, lines)
        return Text("\n".join(lines), buttons=tuple(buttons))
    if answer.elsewhere is not None:
        return _elsewhere(turn, answer.elsewhere)
    if not answer.covered:
        lines = [_(NOT_COVERED)]
        buttons = _lesson_buttons(turn, answer, lines)
        lines.append("\n" + _("I've noted the question so your teacher can see what is "
                              "missing."))
        return Text("\n".join(lines), buttons=tuple(buttons))
    labels = "; ".join(dict.fromkeys(s.label for s in answer.sources))
    buttons = [(Button(_("Open: {card}", card=s.card_title)[:60], OpenCard(card.id)),)
               for s in answer.sources if (card := _card(turn, s)) is not None]
    body = i18n.joined(_("That is a `{error}`.", error=answer.error) if answer.error else "",
                       answer.text)
    lead = _(OWN_WORK_COURSE) + "\n\n" if answer.own_work else ""
    return Text(lead + body + "\n\n📖 *" + _("Source: {sources}", sources=labels) + "*",
                buttons=tuple(buttons))


def _elsewhere(turn: Turn, source: Source) -> Text:
    """Not in this course, but another one covers it: say which, and open it there."""
    course = plain(source.course_title or source.course)
    card = _card(turn, source)
    buttons = ((Button(_("Open: {card}", card=source.card_title)[:60], OpenCard(card.id)),),) \
        if card else ()
    return Text(_(NOT_COVERED) + "\n\n" + _("Another course covers it: *{course}*, {where}.",
                                             course=course, where=source.label),
                buttons=buttons)


def _lesson_buttons(turn: Turn, answer: Answer, lines: list[str]) -> list[tuple[Button, ...]]:
    """The closest lessons, listed in `lines`, with a button each."""
    buttons: list[tuple[Button, ...]] = []
    if answer.closest:
        lines.append("\n" + _("The closest lessons the course has:"))
        for source in answer.closest:
            lines.append(f"- {source.label}")
            card = _card(turn, source)
            if card is not None:
                buttons.append((Button(_("Open {lesson}", lesson=source.lesson_label)[:60],
                                       OpenCard(card.id)),))
    return buttons


def _card(turn: Turn, source: Source) -> CardRow | None:
    return turn.session.scalar(
        select(CardRow).join(LessonRow, CardRow.lesson_id == LessonRow.id)
        .join(CourseRow, LessonRow.course_id == CourseRow.id)
        .where(CourseRow.slug == source.course, LessonRow.slug == source.lesson,
               CardRow.key == source.card, CardRow.retired.is_(False)))


def _hint(turn: Turn, answerer: Answerer, text: str, llm_quota: int) -> list[Reply]:
    """A question about the open quiz question gets help towards it, never its answer."""
    question = turn.session.get(QuestionRow, turn.state.question_id)
    if question is None:
        return quizzes.ask(turn)
    if turn.state.hints_used < len(question.hints):
        return quizzes.hint(turn)
    if answerer.llm is not None and _llm_calls_today(turn) < llm_quota:
        options = display_options(question)
        answers = [options[i] for i in quizzes.correct_indices(question)] if options \
            else list(question.answers)
        hint = answerer.llm.hint(question.prompt, answers, text)
        if hint:
            turn.state.hints_used += 1
            # Socratic: the guiding question first, where to read up after it.
            pointer = _card_pointer(turn, answerer, question.prompt)
            after = "\n\n" + _("If you want to read up: {where}.", where=pointer) \
                if pointer else ""
            return [Text(f"💡 {hint}{after}\n\n_"
                         + _("The question is still open when you are ready.") + "_")]
    pointer = _card_pointer(turn, answerer, question.prompt)
    if not pointer:
        return [Text(_("I can't give the answer away, but you can /skip to see it."))]
    return [Text(_("💡 I can't give the answer away, but {where} explains it. The question is "
                   "still open when you are ready.", where=pointer))]


def _card_pointer(turn: Turn, answerer: Answerer, prompt: str) -> str:
    """“The core” in Lesson 1 (Inside the Earth): the card a quiz question is about."""
    course = turn.course()
    evidence = answerer.evidence(prompt, course=course.slug if course else None)
    if not evidence.passages:
        return ""
    source = Source.of(evidence.passages[0])
    where = f"{source.lesson_label} ({source.lesson_title})" if source.lesson_number \
        else source.lesson_title
    return _("“{card}” in {where}", card=source.card_title, where=where)
