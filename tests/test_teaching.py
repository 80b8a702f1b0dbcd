"""Teachers in the core: the campaign draft in the conversation row (so a restart keeps it
and every platform gets it), the list and its changes, the report; one teacher check."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from nudges.desk import Desk
from tests.conftest import Chat
from tutor import Database, Identity, Image, Inbound, Text, Tutor
from tutor.storage.models import Campaign

TEACHER = "t1"


def _tutor(db: Database, charts: Path | None = None) -> Tutor:
    return Tutor(db, desk=Desk(), teachers=[f"test:{TEACHER}"], charts_dir=charts)


def test_a_draft_step_by_step_survives_a_restart(bundled_db: Database) -> None:
    chat = Chat(_tutor(bundled_db), user=TEACHER)
    chat.say("/campaign")
    assert "Which course?" in chat.text()
    chat.press("draft:course:python-basics")
    assert "Who should get it?" in chat.text()
    chat.press("draft:audience:0")
    chat.say("sometime soon")
    assert "daily 18:00" in chat.text()  # says how, and asks again
    chat = Chat(_tutor(bundled_db), user=TEACHER)  # a new process: the draft is in the row
    chat.say("weekdays 18:30")
    assert "{name}" in chat.text()
    chat.say("Hi {nmae}!")
    assert "The message again" in chat.text()  # an unknown placeholder
    chat.say("Hi {name}, {course} misses you!")
    assert "Preview" in chat.text() and "learners now" in chat.text()
    chat.press("draft:confirm:yes")
    assert "Campaign 1 created" in chat.text()
    chat.press("draft:confirm:yes")  # the same button again creates nothing
    assert "expired" in chat.text()
    with bundled_db.session() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert campaign.spec["schedule"]["cron"] == "30 18 * * mon-fri"
        assert campaign.created_by == f"test:{TEACHER}"


def test_a_draft_in_one_line_then_confirmed(bundled_db: Database) -> None:
    chat = Chat(_tutor(bundled_db), user=TEACHER)
    chat.say("/campaign python-basics | Reviews due | daily 18:00 | {due} reviews wait, {name}")
    assert "Preview" in chat.text() and "draft:confirm:yes" in chat.actions()
    chat.press("draft:confirm:no")
    assert "nothing was created" in chat.text()
    chat.say("/campaign python-basics | nobody | daily 18:00 | Hi")
    assert "I don't know the audience" in chat.text() and "reviews due" in chat.text()
    chat.say("/campaign python-basics | everyone | at some point | Hi")
    assert "daily 18:00" in chat.text()
    chat.say("/campaign no-such | everyone | daily 18:00 | Hi")
    assert "no course" in chat.text()
    chat.say("/campaign python-basics | everyone")
    assert "COURSE | AUDIENCE | SCHEDULE | MESSAGE" in chat.text()
    with bundled_db.session() as session:
        assert session.scalars(select(Campaign)).all() == []


def test_cancel_and_typing_after_the_draft_goes_back_to_learning(bundled_db: Database) -> None:
    chat = Chat(_tutor(bundled_db), user=TEACHER)
    chat.say("/campaign")
    chat.press("draft:course:python-basics")
    chat.press("draft:audience:1")
    chat.say("/cancel")
    assert "nothing was created" in chat.text()
    chat.say("daily 18:00")  # no draft: this is no schedule any more
    assert "Preview" not in chat.text() and "message?" not in chat.text()


def test_only_teachers_and_platform_staff_may(bundled_db: Database) -> None:
    tutor = _tutor(bundled_db)
    for command in ("campaign", "campaigns", "report"):
        [refused] = tutor.handle(Inbound(Identity("test", "learner"), "c", command=command))
        assert isinstance(refused, Text) and "That is for teachers" in refused.text
    refused_button = Chat(tutor, user="learner")
    refused_button.press("draft:confirm:yes")
    assert "That is for teachers" in refused_button.text()
    [listing] = tutor.handle(Inbound(Identity("test", "mod"), "c", command="campaigns",
                                     staff=True))  # e.g. a Discord server's teacher role
    assert isinstance(listing, Text) and "No campaigns yet" in listing.text


def test_the_list_status_changes_and_the_report(bundled_db: Database, tmp_path: Path) -> None:
    chat = Chat(_tutor(bundled_db, tmp_path), user=TEACHER)
    chat.say("/campaign python-basics | everyone | daily 18:00 | Hi {name}")
    chat.press("draft:confirm:yes")
    chat.say("/campaigns")
    assert "1. Hi {name}" in chat.text() and "(active)" in chat.text()
    chat.say("/campaigns pause 1")
    assert "is now paused" in chat.text()
    chat.say("/campaigns pause 9")
    assert "Not changed: there is no campaign 9" in chat.text()
    chat.say("/campaigns frobnicate")
    assert "`pause ID`" in chat.text()
    chat.say("/course python-basics")  # someone is enrolled: the overview has a class
    chat.say("/report python-basics")
    assert "📣 **Campaigns**" in chat.text()
    [image] = [r for r in chat.last if isinstance(r, Image)]
    assert image.path.is_file() and image.path.stat().st_size > 5000


def test_without_nudges_teachers_hear_why(bundled_db: Database) -> None:
    tutor = Tutor(bundled_db, teachers=[f"test:{TEACHER}"])
    [said] = tutor.handle(Inbound(Identity("test", TEACHER), "c", command="campaign"))
    assert isinstance(said, Text) and "without nudges" in said.text
