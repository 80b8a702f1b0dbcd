"""Group quizzes as one core flow: started, answered and closed through the core, with
every deadline in the database, so a restart, a crash or a second process changes nothing
the group sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from content import bundled_course_paths
from tests.conftest import import_path
from tutor import Database, Identity, Inbound, Reply, Text, Tutor
from tutor.actions import Vote
from tutor.flows.group_quiz import LEASE, parse_request
from tutor.messages import GroupQuestion, Posting, Sent
from tutor.storage.models import Attempt, CourseRow, GroupPoints, GroupQuiz, QuestionRow

START = datetime(2026, 12, 2, 23, 50, tzinfo=UTC)  # late at night: no hour is special here
GROUP = "-5001"
MEMBERS = {"11": "Ann", "12": "Bob", "13": "Cy"}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def course_db(database: Database) -> Database:
    for path in bundled_course_paths():
        import_path(database, path)
    return database


def _tutor(db: Database, clock: Clock) -> Tutor:
    return Tutor(db, clock=clock, group_quiz_seconds=20)


def _start(tutor: Tutor, text: str = "python-basics", user: str = "11") -> list[Reply]:
    return tutor.handle(Inbound(Identity("test", user), GROUP, command="groupquiz", text=text,
                                is_group=True, display_name=MEMBERS.get(user, "Zed")))


def _post(tutor: Tutor, asked: GroupQuestion, poll: str) -> None:
    """What an adapter does after putting the question in the chat."""
    tutor.record_sent("test", Sent(asked.question.question_id, GROUP, poll, f"m-{poll}",
                                   quiz_id=asked.quiz_id))


def _vote(tutor: Tutor, user: str, poll: str, option: int, chat: str = GROUP) -> str:
    replies = tutor.handle(Inbound(Identity("test", user), chat, is_group=chat == GROUP,
                                   action=Vote(poll, option), display_name=MEMBERS[user]))
    return " ".join(r.text for r in replies if isinstance(r, Text))


def _right(asked: GroupQuestion) -> tuple[int, int]:
    right = asked.question.correct[0]
    return right, (right + 1) % len(asked.question.options)


def _texts(posting: Posting) -> str:
    return "\n".join(r.text for r in posting.replies if isinstance(r, Text))


def _first_question(tutor: Tutor, text: str = "python-basics 2") -> GroupQuestion:
    announced, asked = _start(tutor, text)
    assert isinstance(announced, Text) and isinstance(asked, GroupQuestion)
    return asked


def test_a_two_question_quiz_from_start_to_final_scores(course_db: Database) -> None:
    clock = Clock()
    tutor = _tutor(course_db, clock)
    announced, asked = _start(tutor, "python-basics 2")
    assert isinstance(announced, Text) and "Group quiz: Python Basics" in announced.text
    assert "2 questions of 20 seconds" in announced.text
    assert isinstance(asked, GroupQuestion) and asked.question.fits_poll
    assert (asked.number, asked.total, asked.seconds) == (1, 2, 20)
    _post(tutor, asked, "p1")
    right, wrong = _right(asked)
    assert "answer is in" in _vote(tutor, "11", "p1", right)
    assert "answer is in" in _vote(tutor, "12", "p1", right)
    assert "answer is in" in _vote(tutor, "13", "p1", wrong)
    assert "first answer counts" in _vote(tutor, "11", "p1", wrong)  # Ann's second: no
    clock.advance(15)
    assert tutor.due("test") == []  # still open
    clock.advance(10)
    [posting] = tutor.due("test")
    assert "Time's up!" in _texts(posting) and "✅ Ann, Bob" in _texts(posting)
    assert "❌ Cy" in _texts(posting) and posting.closed_message_id == "m-p1"
    following = posting.replies[-1]
    assert isinstance(following, GroupQuestion) and following.number == 2
    assert following.question.question_id != asked.question.question_id
    assert "closed" in _vote(tutor, "13", "p1", right)  # too late for the first question
    _post(tutor, following, "p2")
    tutor.posted(posting)
    right, wrong = _right(following)
    _vote(tutor, "11", "p2", right)
    _vote(tutor, "13", "p2", right)
    clock.advance(25)
    [last] = tutor.due("test")
    assert "✅ Ann, Cy" in _texts(last)
    assert "Final scores" in _texts(last)
    board = _texts(last).split("Final scores")[1]
    assert board.index("Ann: 2 points") < board.index("Bob: 1 point") and "Cy: 1 point" in board
    tutor.posted(last)
    clock.advance(60)
    assert tutor.due("test") == []  # over
    with course_db.session() as session:
        assert session.scalars(select(GroupQuiz.closes_at)).one() is None
        points = {p.learner_id: p.points for p in session.scalars(select(GroupPoints))}
        assert sorted(points.values()) == [1, 1, 2]
        contexts = session.scalars(select(Attempt.context)).all()
        assert contexts == ["group"] * 5  # each member's own learner model, first answers


def test_a_restart_during_a_question_still_posts_its_results(course_db: Database) -> None:
    clock = Clock()
    asked = _first_question(_tutor(course_db, clock), "python-basics")
    _post(_tutor(course_db, clock), asked, "p1")
    right, _ = _right(asked)
    _vote(_tutor(course_db, clock), "12", "p1", right)
    # The process stops here; the next one starts after the question's time ran out.
    course_db.dispose()
    clock.advance(300)
    restarted = _tutor(Database(course_db.url.render_as_string(hide_password=False)), clock)
    [posting] = restarted.due("test")
    assert "✅ Bob" in _texts(posting) and "Final scores" not in _texts(posting)
    restarted.posted(posting)
    assert restarted.due("test") == []


def test_two_processes_close_a_question_once_and_a_crash_is_taken_over(
        course_db: Database) -> None:
    clock = Clock()
    url = course_db.url.render_as_string(hide_password=False)
    first, second = _tutor(course_db, clock), _tutor(Database(url), clock)
    asked = _first_question(first, "python-basics")
    _post(first, asked, "p1")
    _vote(first, "11", "p1", _right(asked)[0])
    clock.advance(30)
    claimed = first.due("test")
    assert len(claimed) == 1 and second.due("test") == []  # claimed by the first
    # The first process is killed before posting: once its claim runs out, the second posts.
    clock.advance(LEASE.total_seconds() + 1)
    [again] = second.due("test")
    assert _texts(again) == _texts(claimed[0])
    second.posted(again)
    first.posted(claimed[0])  # a late report from the first changes nothing
    with course_db.session() as session:
        assert [p.points for p in session.scalars(select(GroupPoints))] == [1]


def test_a_question_that_never_reached_the_chat_ends_the_quiz_quietly(
        course_db: Database) -> None:
    clock = Clock()
    tutor = _tutor(course_db, clock)
    _first_question(tutor)  # the platform refused to post it
    clock.advance(60)
    assert tutor.due("test") == []
    assert isinstance(_start(tutor)[-1], GroupQuestion)  # the chat is free again


def test_the_quiz_stops_when_its_results_cannot_be_posted(course_db: Database) -> None:
    clock = Clock()
    tutor = _tutor(course_db, clock)
    asked = _first_question(tutor, "python-basics 3")
    _post(tutor, asked, "p1")
    clock.advance(30)
    [posting] = tutor.due("test")
    tutor.posted(posting, delivered=False)  # say, the bot was removed from the group
    clock.advance(300)
    assert tutor.due("test") == []


def test_one_quiz_at_a_time_in_a_chat(course_db: Database) -> None:
    tutor = _tutor(course_db, Clock())
    _first_question(tutor)
    [busy] = _start(tutor, user="12")
    assert "running here already" in busy.text  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "said"), [
    ("no-such-course", "There is no course called `no-such-course`"),
    ("python-basics 99", "1 to 20 questions"),
    ("python-basics 2s", "5 to 600 seconds"),
    ("python-basics earth-science", "optionally with a course"),
    ("", "Which course?"),
])
def test_a_request_the_core_cannot_run_says_why(course_db: Database, text: str, said: str
                                               ) -> None:
    [reply] = _start(_tutor(course_db, Clock()), text, user="99")
    assert isinstance(reply, Text) and said in reply.text


def test_a_group_quiz_is_only_for_groups(course_db: Database) -> None:
    tutor = _tutor(course_db, Clock())
    [reply] = tutor.handle(Inbound(Identity("test", "11"), "11", command="groupquiz"))
    assert "Group quizzes are for groups" in reply.text  # type: ignore[union-attr]


def test_the_group_course_or_the_starters_course_is_used(course_db: Database) -> None:
    tutor = _tutor(course_db, Clock())
    tutor.handle(Inbound(Identity("test", "11"), "11", command="course", text="earth-science"))
    assert _course_of(course_db, _first_question(tutor, "")) == "earth-science"  # theirs
    end_all(course_db)
    [linked] = tutor.handle(Inbound(Identity("test", "t1"), GROUP, command="group",
                                    text="course python-basics", is_group=True, staff=True))
    assert "now studies **Python Basics**" in linked.text  # type: ignore[union-attr]
    assert _course_of(course_db, _first_question(tutor, "")) == "python-basics"


def end_all(db: Database) -> None:
    with db.session() as session:
        for quiz in session.scalars(select(GroupQuiz)):
            quiz.closes_at = None
        session.commit()


def _course_of(db: Database, asked: GroupQuestion) -> str:
    with db.session() as session:
        return session.scalar(select(CourseRow.slug).join(
            QuestionRow, QuestionRow.course_id == CourseRow.id).where(
            QuestionRow.id == asked.question.question_id)) or ""


def test_a_vote_from_another_chat_and_an_unknown_poll_are_refused(course_db: Database) -> None:
    clock = Clock()
    tutor = _tutor(course_db, clock)
    asked = _first_question(tutor)
    _post(tutor, asked, "p1")
    assert "not valid here" in _vote(tutor, "11", "p1", 0, chat="a-private-chat")
    assert "closed" in _vote(tutor, "11", "p-unknown", 0)
    with course_db.session() as session:
        assert session.scalars(select(Attempt)).all() == []


def test_a_forwarded_private_quiz_poll_answered_by_someone_else_is_ignored(
        course_db: Database) -> None:
    tutor = _tutor(course_db, Clock())
    tutor.handle(Inbound(Identity("test", "11"), "11", command="quiz", text="1"))
    with course_db.session() as session:
        question = session.scalars(select(QuestionRow.id)).first()
    assert question is not None
    tutor.record_sent("test", Sent(question, "11", "p-private", "m1", for_user="11"))
    replies = tutor.handle(Inbound(Identity("test", "12"), "", action=Vote("p-private", 0)))
    assert replies == []
    with course_db.session() as session:
        assert session.scalars(select(Attempt)).all() == []


@pytest.mark.parametrize(("text", "expected"), [
    ("", (None, 1, 30)), ("3", (None, 3, 30)), ("45s", (None, 1, 45)),
    ("python-basics 3 20s", ("python-basics", 3, 20)),
    ("20S Python-Basics", ("Python-Basics", 1, 20)),
])
def test_requests_read_as_course_count_and_seconds(text: str, expected: tuple[object, ...]
                                                   ) -> None:
    request = parse_request(text, 30)
    assert not isinstance(request, str)
    assert (request.course, request.questions, request.seconds) == expected


def test_group_settings_are_for_teachers_and_the_leaderboard_for_everyone(
        course_db: Database) -> None:
    clock = Clock()
    tutor = _tutor(course_db, clock)

    def say(user: str, command: str, text: str = "", staff: bool = False) -> str:
        replies = tutor.handle(Inbound(Identity("test", user), GROUP, command=command,
                                       text=text, is_group=True, staff=staff,
                                       display_name=MEMBERS.get(user, "Zed")))
        return " ".join(r.text for r in replies if isinstance(r, Text))

    assert "That is for teachers" in say("11", "group", "timezone Berlin")
    assert "UTC+05:30" in say("t1", "group", "timezone +5:30", staff=True)
    assert "I don't know the time zone" in say("t1", "group", "timezone Narnia", staff=True)
    assert "There is no course" in say("t1", "group", "course nope", staff=True)
    assert "`/group course" in say("t1", "group", "colour blue", staff=True)
    assert "No points yet this week" in say("13", "leaderboard")
    asked = _first_question(tutor, "python-basics")
    _post(tutor, asked, "p1")
    right, _ = _right(asked)
    for user in ("11", "12"):
        _vote(tutor, user, "p1", right)
    clock.advance(30)
    [posting] = tutor.due("test")
    tutor.posted(posting)
    board = say("13", "leaderboard")
    assert "**1.** Ann: 1" in board and "Bob: 1" in board
    assert "stays off" in say("12", "leaderboard", "optout")
    assert "Bob" not in say("13", "leaderboard")
    clock.advance(7 * 24 * 3600)  # a new week in the group's time zone
    assert "No points yet this week" in say("13", "leaderboard")


def test_results_posted_later_speak_the_language_the_quiz_was_started_in(
        course_db: Database) -> None:
    clock = Clock()
    tutor = _tutor(course_db, clock)
    announced, asked = tutor.handle(Inbound(
        Identity("test", "11"), GROUP, command="groupquiz", text="python-basics 2",
        is_group=True, display_name="Ann", language="es"))
    assert isinstance(announced, Text) and "Cuestionario de grupo: Python Basics" in \
        announced.text
    assert isinstance(asked, GroupQuestion)
    _post(tutor, asked, "p1")
    right, _ = _right(asked)
    _vote(tutor, "12", "p1", right)  # Bob's app says nothing: the group's results do not
    clock.advance(25)  # change with who answered; the scheduler posts them, in Spanish
    [posting] = tutor.due("test")
    assert "¡Se acabó el tiempo!** (pregunta 1 de 2)" in _texts(posting)
    following = posting.replies[-1]
    assert isinstance(following, GroupQuestion) and "Cuestionario de grupo" in \
        following.question.header
