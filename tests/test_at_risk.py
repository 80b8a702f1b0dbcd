from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot import cli
from tests.conftest import MINI_COURSE
from tutor import Database, Settings
from tutor.reports import at_risk
from tutor.storage.models import Attempt, CourseRow, Enrollment, Learner, QuestionRow

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def _class(db: Database, now: datetime = NOW) -> None:
    """Ada studies daily, Bo stopped three weeks ago, Cy enrolled and never came back."""
    with db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        question = session.scalars(select(QuestionRow)).first()
        assert question is not None
        days = {"Ada": range(0, 10), "Bo": range(21, 28), "Cy": range(0)}
        for name, ago in days.items():
            learner = Learner(display_name=name, preferences={}, timezone="Europe/Berlin")
            session.add(learner)
            session.flush()
            session.add(Enrollment(learner_id=learner.id, course_id=course.id, card_position=0))
            for n in ago:
                session.add(Attempt(learner_id=learner.id, question_id=question.id,
                                    course_id=course.id, response="x", correct=True,
                                    score=1.0, hints_used=0, context="quiz",
                                    answered_at=now - timedelta(days=n, hours=1)))
        session.commit()


def test_learners_are_ranked_by_risk(mini_db: Database) -> None:
    _class(mini_db)
    rows = at_risk(mini_db, "mini", NOW)
    assert [r.learner for r in rows][-1] == "Ada"
    ada = rows[-1]
    assert (ada.days_inactive, ada.active_days_14, ada.streak) == (0, 10, 10)
    bo = next(r for r in rows if r.learner == "Bo")
    assert bo.days_inactive == 21 and bo.active_days_14 == 0
    assert min(r.risk for r in rows if r.learner != "Ada") > ada.risk
    assert at_risk(mini_db, "no-such-course", NOW) == []


def test_the_at_risk_report_on_the_command_line(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    runner.invoke(cli.app, ["content", "import", str(MINI_COURSE)])
    database = Database(Settings().resolved_database_url)
    _class(database)
    database.dispose()
    monkeypatch.setattr(cli, "clock", lambda: NOW)  # the report's "now", not the wall clock
    monkeypatch.setattr(cli.console, "width", 200)
    result = runner.invoke(cli.app, ["report", "at-risk", "--course", "mini", "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "Ada" not in result.output  # the two at the top are the other two
    assert "Bo" in result.output and "Cy" in result.output
    assert "no activity for 21 days" in result.output  # why Bo is at risk
    empty = runner.invoke(cli.app, ["report", "at-risk", "--course", "nope"])
    assert "No learners enrolled in 'nope'." in empty.output


def test_teachers_see_who_is_at_risk_and_why_in_report(mini_db: Database) -> None:
    from nudges.desk import Desk
    from tests.conftest import Chat
    from tutor import Tutor

    _class(mini_db)
    chat = Chat(Tutor(mini_db, desk=Desk(), teachers=["test:t1"], clock=lambda: NOW),
                user="t1")
    chat.say("/report mini")
    text = chat.text()
    assert "Most at risk of dropping out" in text
    assert "Bo: 93% (no activity for 21 days" in text
    assert "Cy: 98% (no activity in the last 30 days)" in text
    assert "Ada" not in text.split("Most at risk")[1]  # 19%: not at risk


def test_the_report_gives_the_reasons_in_the_teachers_language(mini_db: Database) -> None:
    from nudges.desk import Desk
    from tests.conftest import Chat
    from tutor import Tutor

    _class(mini_db)
    chat = Chat(Tutor(mini_db, desk=Desk(), teachers=["test:t1"], clock=lambda: NOW),
                user="t1")
    chat.say("/settings language 中文")
    chat.say("/report mini")
    text = chat.text()
    assert "已经 21 天没有活动" in text and "过去 30 天没有活动" in text, text
    assert "no activity" not in text
