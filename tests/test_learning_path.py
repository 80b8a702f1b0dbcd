"""Learning paths: the next step and its reason (tutor.learner.path), and the same in a
conversation: Continue, /next, the menu, /progress, the lesson list and the end of a quiz."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests.conftest import Chat, import_path
from tests.test_at_risk import NOW
from tutor import Database, Tutor
from tutor.learner.path import REVIEWS_FIRST, LessonInfo, Progress, can_skip, next_step
from tutor.storage.models import Enrollment, LessonRow

LESSONS = [LessonInfo(1, "Values", ("types", "variables")),
           LessonInfo(2, "Decisions", ("booleans", "conditionals")),
           LessonInfo(3, "Loops", ("loops",)),
           LessonInfo(4, "Lists", ("lists",))]
REQUIRES = {"variables": ("types",), "conditionals": ("booleans",),
            "loops": ("conditionals", "variables"), "lists": ("loops",)}


def progress(**changes: object) -> Progress:
    return Progress(lessons=LESSONS, requires=REQUIRES, **changes)  # type: ignore[arg-type]


def test_a_new_learner_starts_at_the_beginning() -> None:
    step = next_step(progress())
    assert (step.kind, step.lesson, step.reason) == ("lesson", LESSONS[0], "Next in the course.")


def test_the_next_lesson_says_what_it_builds_on() -> None:
    step = next_step(progress(done=frozenset({1, 2})))
    assert step.lesson == LESSONS[2]
    assert step.reason == ("Next in the course; it builds on conditionals, variables, which "
                           "you have covered.")


def test_a_struggle_on_a_skill_with_a_weak_foundation_offers_a_refresher() -> None:
    step = next_step(progress(done=frozenset({1, 2, 3}),
                              mastery={"loops": 0.3, "conditionals": 0.4, "variables": 0.9},
                              answers={"loops": 4, "conditionals": 3, "variables": 5}))
    assert step.kind == "refresher" and step.lesson == LESSONS[1]
    assert step.reason == ("Loops builds on conditionals, where you are at 40%: a two-minute "
                           "refresher first?")
    reread = next_step(progress(done=frozenset({1, 2, 3}), current=2,
                                mastery={"loops": 0.3, "conditionals": 0.4},
                                answers={"loops": 4}))
    assert reread.kind == "lesson"  # just re-read it: not offered again at once
    # Two answers are not yet a struggle, and a strong foundation needs no refresher.
    assert next_step(progress(done=frozenset({1, 2, 3}), mastery={
        "loops": 0.3, "conditionals": 0.4}, answers={"loops": 2})).kind == "lesson"
    assert next_step(progress(done=frozenset({1, 2, 3}), mastery={
        "loops": 0.3, "conditionals": 0.9}, answers={"loops": 5})).kind == "lesson"


def test_due_reviews_come_before_new_material_and_a_lesson_begun_before_both() -> None:
    assert next_step(progress(due=REVIEWS_FIRST)).kind == "review"
    # Fewer wait for the lesson quizzes, which take due reviews into their choice.
    assert next_step(progress(due=REVIEWS_FIRST - 1)).kind == "lesson"
    step = next_step(progress(reading=2, reading_card=3))
    assert (step.kind, step.lesson) == ("resume", LESSONS[1])
    assert step.reason == "Back to Decisions, where you left off."
    assert next_step(progress(reading=2)).reason == "On to Decisions."


def test_lessons_already_known_are_passed_over_and_said_so() -> None:
    known = progress(known=frozenset({"types", "variables", "booleans", "conditionals"}))
    assert [can_skip(x, known) for x in LESSONS] == [True, True, False, False]
    step = next_step(known)
    assert step.lesson == LESSONS[2]
    assert step.reason.startswith("Next after Values, Decisions, which you already know")
    everything = progress(known=frozenset(s for x in LESSONS for s in x.skills))
    step = next_step(everything)  # never hidden: the first one is still offered
    assert step.lesson == LESSONS[0] and "You already know" in step.reason


def test_a_lesson_waits_for_what_it_builds_on_but_is_never_locked() -> None:
    lessons = [LessonInfo(1, "Loops", ("loops",)), LessonInfo(2, "Basics", ("conditionals",))]
    found = Progress(lessons=lessons, requires={"loops": ("conditionals",)})
    assert next_step(found).lesson == lessons[1]  # the foundation first
    assert next_step(Progress(lessons=lessons, requires={"loops": ("conditionals",)},
                              done=frozenset({2}))).lesson == lessons[0]
    only = Progress(lessons=lessons[:1], requires={"loops": ("conditionals",)})
    step = next_step(only)
    assert step.lesson == lessons[0] and "not finished yet" in step.reason


def test_a_finished_course_is_done_or_reviewed() -> None:
    assert next_step(progress(done=frozenset({1, 2, 3, 4}))).kind == "done"
    assert next_step(progress(done=frozenset({1, 2, 3, 4}), due=1)).kind == "review"


# -- in a conversation, on the bundled Python course -----------------------------------

def _chat(db: Database) -> Chat:
    chat = Chat(Tutor(db))
    chat.say("/course python-basics")
    return chat


def _lesson(db: Database, slug: str) -> LessonRow:
    with db.session() as session:
        found = session.scalars(select(LessonRow).where(LessonRow.slug == slug)).first()
        assert found is not None
        session.expunge(found)
        return found


def test_finishing_a_lesson_leads_to_the_recommended_one(bundled_db: Database) -> None:
    chat = _chat(bundled_db)
    for _ in range(20):
        chat.say("/next")
        if "You finished" in chat.text():
            break
    assert "You finished **Values and variables**" in chat.text()
    second = _lesson(bundled_db, "numbers")
    assert f"lesson:{second.id}" in chat.actions()
    chat.say("/menu")
    assert "👉 Next in the course" in chat.text() and "Continue: Numbers" in " ".join(
        b.label for r in chat.last for row in getattr(r, "buttons", ()) for b in row)
    chat.say("/next")  # outside a lesson, /next takes the recommended step
    assert "Numbers" in chat.text() and "👉 Next in the course" in chat.text()


def test_known_lessons_are_marked_and_passed_over(bundled_db: Database) -> None:
    chat = _chat(bundled_db)
    with bundled_db.session() as session:
        enrollment = session.scalars(select(Enrollment)).one()
        enrollment.known_skills = ["types", "variables", "arithmetic"]
        session.commit()
    chat.say("/lessons")
    assert "1. ▫️ Values and variables (you can skip this" in chat.text()
    assert "3. ▫️ Working with text\n" in chat.text() + "\n"
    chat.say("/menu")
    assert "Continue: Working with text" in " ".join(
        b.label for r in chat.last for row in getattr(r, "buttons", ()) for b in row)
    assert "which you already know" in chat.text()
    chat.say("/progress")
    assert "**Next:** **Working with text**" in chat.text()
    assert "You can skip: Values and variables, Numbers and arithmetic" in chat.text()


def test_a_struggle_in_a_quiz_ends_with_the_refresher_offer(bundled_db: Database) -> None:
    chat = _chat(bundled_db)
    chat.say("/quiz 4")  # decisions: booleans and conditionals, every answer skipped
    for _ in range(5):
        chat.say("/skip")
    chat.say("/quiz 5")  # loops, which build on conditionals
    for _ in range(5):
        chat.say("/skip")
    assert "Quiz finished: **0 of 5**" in chat.text()
    assert "Loops builds on conditionals, where you are at" in chat.text()
    decisions = _lesson(bundled_db, "decisions")
    assert f"lesson:{decisions.id}" in chat.actions()
    chat.say("/menu")
    assert "a two-minute refresher first?" in chat.text()


# -- placement --------------------------------------------------------------------------

def _answer_as(chat: Chat, db: Database, knows: set[str]) -> int:
    """Answer the open placement questions as a learner who knows exactly `knows`: the
    expected answer when every skill of the question is known, /skip otherwise. The number
    of questions asked."""
    from tutor.grading import expected_answer
    from tutor.storage.models import ConversationState, QuestionRow

    for asked in range(20):
        with db.session() as session:
            state = session.scalars(select(ConversationState)).one()
            if state.question_id is None:
                return asked
            question = session.get(QuestionRow, state.question_id)
            assert question is not None
            if set(question.skills) <= knows:
                answer = ",".join(str(i + 1) for i in range(len(question.options))
                                  if question.options[i] in question.answers) \
                    if question.kind == "multiple" else expected_answer(question)
            else:
                answer = "/skip"
        chat.say(answer)
    raise AssertionError("the check never ended")


def test_a_new_learner_is_offered_the_check_and_may_ignore_it(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/course python-basics")
    assert "Know some of this already?" in chat.text() and "placement" in chat.actions()
    assert "card 1 of" in chat.text()  # the first card is shown all the same
    chat.say("/next")
    chat.say("/course earth-science")
    chat.say("/course python-basics")  # back to a course begun: no second offer
    assert "Know some of this already?" not in chat.text()


def test_the_check_finds_what_a_learner_knows(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/course python-basics")
    chat.press("placement")
    assert [getattr(r, "header", "") for r in chat.last][-1] == "Placement check · question 1"
    knows = {"types", "variables", "arithmetic", "strings", "booleans"}
    asked = _answer_as(chat, bundled_db, knows)
    assert asked <= 8 and f"Check done after {asked} questions" in chat.text()
    with bundled_db.session() as session:
        enrollment = session.scalars(select(Enrollment)).one()
        found = set(enrollment.known_skills)
        assert found <= knows and {"types", "variables"} <= found
        assert enrollment.placed_at is not None
    assert "You can skip: Values and variables" in chat.text()
    chat.say("/lessons")
    assert "1. ▫️ Values and variables (you can skip this" in chat.text()


def test_a_beginner_starts_at_the_beginning(bundled_db: Database) -> None:
    chat = Chat(Tutor(bundled_db))
    chat.say("/course python-basics")
    chat.press("placement")
    asked = _answer_as(chat, bundled_db, set())
    assert asked <= 5 and "Let's start from the beginning" in chat.text()
    assert "👉 On to Values and variables." in chat.text()
    chat.press("continue")
    assert "Values and variables" in chat.text()


# -- learners like you --------------------------------------------------------------------

def test_lessons_in_any_order_follow_learners_like_you_and_ties_fall_back() -> None:
    lessons = [LessonInfo(1, "Basics", ("a",)), LessonInfo(2, "Left", ("b",)),
               LessonInfo(3, "Right", ("c",))]
    found = Progress(lessons=lessons, requires={}, done=frozenset({1}),
                     tier={1: 1, 2: 2, 3: 2}, liked={2: 0.1, 3: 0.7})
    step = next_step(found)
    assert step.lesson == lessons[2]
    assert step.reason == ("Learners who studied what you have went on to Right next (you "
                           "may take Left in any order).")
    no_model = Progress(lessons=lessons, requires={}, done=frozenset({1}),
                        tier={1: 1, 2: 2, 3: 2})
    assert next_step(no_model).lesson == lessons[1]  # the author's order breaks the tie
    own_tiers = Progress(lessons=lessons, requires={}, done=frozenset({1}),
                         tier={1: 1, 2: 2, 3: 3}, liked={2: 0.1, 3: 0.7})
    assert next_step(own_tiers).lesson == lessons[1]  # an authored order is kept


def _any_order_course(folder: Path) -> Path:
    folder.mkdir()
    (folder / "course.yaml").write_text(
        "id: paths\ntitle: Paths\ndescription: Three lessons, two in any order.\n"
        "skills:\n  a: A\n  b: B\n  c: C\n", encoding="utf-8")
    for number, (slug, order, skill) in enumerate(
            (("basics", 1, "a"), ("left", 2, "b"), ("right", 2, "c")), 1):
        (folder / f"0{number}-{slug}.md").write_text(
            f"---\nid: {slug}\ntitle: {slug.capitalize()}\norder: {order}\nskills: [{skill}]\n"
            f"---\n\n# {slug}\n\nText.\n\n```question\nid: {slug}-q\ntype: true_false\n"
            f"prompt: Fine?\nskills: [{skill}]\ndifficulty: 1\nanswer: true\n"
            "explanation: Yes.\n```\n", encoding="utf-8")
    return folder


def test_learners_like_you_decide_between_lessons_in_any_order(sqlite_db: Database,
                                                               tmp_path: Path) -> None:
    from tests.bulk import enroll_many
    from tutor.learner.refit import refit
    from tutor.storage.models import Attempt, CourseRow, QuestionRow

    import_path(sqlite_db, _any_order_course(tmp_path / "paths"))
    with sqlite_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        question = {q.key: q.id for q in session.scalars(select(QuestionRow))}
        enroll_many(session, range(100, 125), course.id, platform="other")
        for learner in range(100, 125):  # they all went from the basics to the right one
            for minute, key in enumerate(("basics-q", "right-q", "left-q")):
                session.add(Attempt(learner_id=learner, question_id=question[key],
                                    course_id=course.id, response="true", correct=True,
                                    score=1.0, hints_used=0, context="quiz",
                                    answered_at=NOW + timedelta(minutes=minute)))
        session.commit()
    chat = Chat(Tutor(sqlite_db, clock=lambda: NOW + timedelta(hours=1)))
    chat.say("/course paths")
    chat.say("/quiz 1")
    chat.say("true")
    chat.say("/lesson 1")
    chat.say("/next")  # the last card: the lesson is finished
    chat.say("/menu")
    assert "Next in the course" in chat.text()  # no model fitted yet: the author's order
    assert [f.paths for f in refit(sqlite_db, "paths", NOW)] == [25]
    chat.say("/menu")
    assert "Learners who studied what you have went on to Right next" in chat.text()
