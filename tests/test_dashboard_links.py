"""`/dashboard` in a chat, and `tutorbot web` on the command line: who gets a sign-in link,
where, and what the link then opens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.discord import TutorDiscordBot
from tests.conftest import MINI_COURSE, Chat, import_path
from tests.fake_discord import DiscordHarness
from tests.test_at_risk import NOW
from tutor import Database, Tutor
from tutor.dashboard.access import Access
from tutor.flows.dashboard import DashboardLinks
from tutor.messages import Identity, Inbound
from tutor.storage.models import CourseRow, LoginLink, StudyGroup

BASE = "https://tutor.example.org"


def _tutor(db: Database, links: bool = True) -> Tutor:
    return Tutor(db, teachers=["test:boss"], clock=lambda: NOW,
                 links=DashboardLinks(Access(db, ["test:boss"]), BASE) if links else None)


def test_a_teacher_gets_a_link_that_signs_them_in(mini_db: Database) -> None:
    chat = Chat(_tutor(mini_db), user="boss")
    chat.say("/dashboard")
    found = re.search(rf"{BASE}/login/(\S+)", chat.text())
    assert found and "works once, for 15 minutes" in chat.text()
    assert Access(mini_db, ["test:boss"]).redeem(found.group(1), NOW) == "test:boss"


def test_learners_and_unlisted_people_get_no_link(mini_db: Database) -> None:
    learner = Chat(_tutor(mini_db), user="ann")
    learner.say("/dashboard")
    assert "/login/" not in learner.text() and "courses you teach" in learner.text()
    without = Chat(_tutor(mini_db, links=False), user="ann")
    without.say("/dashboard")
    assert "That is for teachers" in without.text()
    teacher = Chat(_tutor(mini_db, links=False), user="boss")
    teacher.say("/dashboard")
    assert "not running here" in teacher.text() and "WEB_PORT" in teacher.text()
    with mini_db.session() as session:
        assert not session.scalars(select(LoginLink)).all()


def test_a_link_is_never_posted_in_a_group_and_a_servers_teacher_is_listed(
        mini_db: Database) -> None:
    tutor = _tutor(mini_db)
    with mini_db.session() as session:
        course = session.scalar(select(CourseRow.id))
        session.add(StudyGroup(platform="test", group_id="guild-1", channel_id="",
                               course_id=course))
        session.commit()
    staff = Identity("test", "mod")
    replies = tutor.handle(Inbound.from_text(staff, "channel-9", "/dashboard", is_group=True,
                                             group_id="guild-1", staff=True))
    said = " ".join(getattr(r, "text", "") for r in replies)
    assert "private chat" in said and "/login/" not in said
    assert Access(mini_db, []).courses("test:mod") == [("mini", "Mini course")]
    private = tutor.handle(Inbound.from_text(staff, "dm", "/dashboard"))
    assert "/login/" in " ".join(getattr(r, "text", "") for r in private)
    member = Identity("test", "member")  # not staff: listed for nothing
    tutor.handle(Inbound.from_text(member, "channel-9", "/dashboard", is_group=True,
                                   group_id="guild-1"))
    assert Access(mini_db, []).courses("test:member") == []


def test_the_sixth_link_in_15_minutes_is_refused(mini_db: Database) -> None:
    chat = Chat(_tutor(mini_db), user="boss")
    for _ in range(5):
        chat.say("/dashboard")
        assert "/login/" in chat.text()
    chat.say("/dashboard")
    assert "/login/" not in chat.text() and "ask again in" in chat.text()


runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMPORT_BUNDLED_COURSES", "false")
    monkeypatch.setenv("WEB_BASE_URL", BASE)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TEACHERS", raising=False)
    db = Database(f"sqlite:///{tmp_path / 'data' / 'tutorbot.db'}")
    import_path(db, MINI_COURSE)
    return db


def test_the_command_line_lists_teachers_and_makes_links(env: Database) -> None:
    refused = runner.invoke(app, ["web", "login-link", "--teacher", "telegram:5"])
    assert refused.exit_code == 1 and "teaches no course here" in refused.output
    assert runner.invoke(app, ["web", "login-link", "--teacher", "fax:5"]).exit_code == 2
    added = runner.invoke(app, ["web", "teachers", "add", "mini", "telegram:5"])
    assert added.exit_code == 0 and "telegram:5 now teaches mini" in added.output
    assert "no course 'nope'" in runner.invoke(app, ["web", "teachers", "add", "nope",
                                                     "telegram:5"]).output
    listed = runner.invoke(app, ["web", "teachers", "list"])
    assert re.search(r"mini\s+telegram:5\s+\(added by admin", listed.output)
    made = runner.invoke(app, ["web", "login-link", "--teacher", "telegram:5"])
    assert made.exit_code == 0, made.output
    token = made.output.strip().removeprefix(f"{BASE}/login/")
    assert Access(env, []).redeem(token, NOW.replace(year=2100)) is None  # long expired
    removed = runner.invoke(app, ["web", "teachers", "remove", "mini", "telegram:5"])
    assert "no longer teaches mini" in removed.output
    assert Access(env, []).courses("telegram:5") == []


def test_discord_a_servers_teacher_asks_in_the_server_then_gets_the_link_in_a_dm(
        bundled_db: Database) -> None:
    from tests.test_discord import _make_teacher, run

    with bundled_db.session() as session:
        course = session.scalar(select(CourseRow.id).where(CourseRow.slug == "python-basics"))
        session.commit()

    async def scenario(bot: TutorDiscordBot, harness: DiscordHarness) -> None:
        teacher = _make_teacher(harness)
        with bundled_db.session() as session:
            session.add(StudyGroup(platform="discord", group_id=str(harness.guild.id),
                                   channel_id="", course_id=course))
            session.commit()
        said = await harness.command("dashboard", teacher)
        assert said[0].ephemeral and "private chat" in said[0].text
        assert "/login/" not in said[0].text
        said = await harness.command("dashboard", teacher, guild=False)
        assert re.search(rf"{BASE}/login/\S+", said[-1].text), said[-1].text
        said = await harness.command("dashboard", harness.member(1), guild=False)
        assert "/login/" not in said[-1].text

    run(bundled_db, scenario, links=DashboardLinks(Access(bundled_db, []), BASE))
    teachers = Access(bundled_db, []).grants("python-basics")
    assert [g.added_by.split(" ")[:2] for g in teachers] == [["discord", "server"]]
