from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from bot.telegram.channel import TelegramChannel
from nudges.campaign import CampaignError, CampaignSpec, Schedule, load_spec
from nudges.channel import Unreachable
from nudges.dispatcher import Dispatcher
from nudges.planner import plan
from nudges.timing import after_quiet_hours, latest_occurrence
from tests.bulk import enroll_many
from tests.fake_telegram import FakeTelegram
from tutor import Database
from tutor.actions import encode
from tutor.messages import Button
from tutor.storage.models import (
    CourseRow,
    Enrollment,
    Identity,
    Learner,
    Nudge,
    QuestionRow,
    ReviewCard,
)

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
DAILY = Schedule(kind="cron", cron="0 18 * * *")


def test_local_time_holds_across_daylight_saving_on_both_sides() -> None:
    # Berlin springs forward on 2026-03-29: 18:00 is 17:00 UTC before, 16:00 UTC after.
    before = latest_occurrence(DAILY, BERLIN, datetime(2026, 3, 28, 17, 30, tzinfo=UTC))
    after = latest_occurrence(DAILY, BERLIN, datetime(2026, 3, 30, 16, 30, tzinfo=UTC))
    assert before == datetime(2026, 3, 28, 17, 0, tzinfo=UTC)
    assert after == datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
    # New York changed three weeks earlier (2026-03-08), and falls back on 2026-11-01.
    spring = latest_occurrence(DAILY, NEW_YORK, datetime(2026, 3, 9, 22, 30, tzinfo=UTC))
    autumn = latest_occurrence(DAILY, NEW_YORK, datetime(2026, 11, 2, 23, 30, tzinfo=UTC))
    assert spring == datetime(2026, 3, 9, 22, 0, tzinfo=UTC)  # EDT, UTC-4
    assert autumn == datetime(2026, 11, 2, 23, 0, tzinfo=UTC)  # EST, UTC-5


def test_a_missed_occurrence_goes_late_once_or_not_at_all() -> None:
    occurrence = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)  # 18:00 in Berlin
    assert latest_occurrence(DAILY, BERLIN, occurrence + timedelta(hours=5)) == occurrence
    assert latest_occurrence(DAILY, BERLIN, occurrence + timedelta(hours=7)) is None
    assert latest_occurrence(DAILY, BERLIN, occurrence - timedelta(minutes=1)) is None


def test_relative_and_one_off_schedules() -> None:
    relative = Schedule(kind="after_inactivity", days=3, hour=9)
    last = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)  # Monday 22:00 in Berlin
    due = datetime(2026, 6, 4, 7, 0, tzinfo=UTC)  # Thursday 09:00 in Berlin
    assert latest_occurrence(relative, BERLIN, due + timedelta(minutes=3), last) == due
    assert latest_occurrence(relative, BERLIN, due - timedelta(hours=1), last) is None
    assert latest_occurrence(relative, BERLIN, due, None) is None  # never active
    once = Schedule(kind="once", at=datetime(2026, 12, 1, 18, 0))
    assert latest_occurrence(once, "Asia/Tokyo", datetime(2026, 12, 1, 9, 1, tzinfo=UTC)) == \
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_quiet_hours_hold_a_nudge_until_they_end() -> None:
    tz = ZoneInfo(BERLIN)
    late = datetime(2026, 6, 1, 23, 30, tzinfo=tz)
    assert after_quiet_hours(late, BERLIN, (22, 8)) == datetime(2026, 6, 2, 8, 0, tzinfo=tz)
    early = datetime(2026, 6, 2, 6, 0, tzinfo=tz)
    assert after_quiet_hours(early, BERLIN, (22, 8)) == datetime(2026, 6, 2, 8, 0, tzinfo=tz)
    noon = datetime(2026, 6, 2, 12, 0, tzinfo=tz)
    assert after_quiet_hours(noon, BERLIN, (22, 8)) == noon
    assert after_quiet_hours(noon, BERLIN, (12, 14)) == datetime(2026, 6, 2, 14, 0, tzinfo=tz)


def test_campaign_files_report_every_problem_with_where(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncourse: python-basics\nschedule: {kind: cron, cron: 'soon'}\n"
                   "variants:\n  - text: 'Hi {nam}'\n", encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_spec(bad)
    message = str(caught.value)
    assert f"{bad}: schedule.cron" in message and "not a cron expression" in message
    assert f"{bad}: variants.0.text" in message and "unknown placeholder {nam}" in message
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CampaignError, match=r"broken.yaml:\d+: not valid YAML"):
        load_spec(broken)


def _learners(db: Database, zones: list[str], course: str = "python-basics") -> list[int]:
    with db.session() as session:
        course_row = session.scalars(select(CourseRow).where(CourseRow.slug == course)).one()
        ids = []
        for n, tz in enumerate(zones):
            learner = Learner(display_name=f"L{n}", timezone=tz, preferences={})
            learner.identities.append(Identity(platform="telegram",
                                               platform_user_id=str(5000 + n)))
            session.add(learner)
            session.flush()
            session.add(Enrollment(learner_id=learner.id, course_id=course_row.id,
                                   card_position=0))
            ids.append(learner.id)
        session.commit()
        return ids


def _campaign(db: Database, **spec: object) -> int:
    data = {"name": "Evening", "course": "python-basics",
            "schedule": {"kind": "cron", "cron": "0 18 * * *"},
            "variants": [{"text": "Hi {name}, time for {course}!"}], "control_share": 0.0,
            **spec}
    with db.session() as session:
        from nudges.admin import create

        campaign = create(session, CampaignSpec.model_validate(data), "test")
        session.commit()
        return campaign.id


def test_planning_is_local_idempotent_capped_and_respects_the_learner(
        bundled_db: Database) -> None:
    berlin, tokyo, paused, blocked = _learners(bundled_db, [BERLIN, "Asia/Tokyo", BERLIN,
                                                            BERLIN])
    with bundled_db.session() as session:
        session.get(Learner, paused).preferences = {"reminders": False}  # type: ignore[union-attr]
        session.scalars(select(Identity).where(Identity.learner_id == blocked)).one() \
            .unreachable_since = datetime(2026, 1, 1, tzinfo=UTC)
        session.commit()
    first = _campaign(bundled_db)
    second = _campaign(bundled_db, name="Second")
    evening_berlin = datetime(2026, 6, 1, 16, 10, tzinfo=UTC)  # 18:10 Berlin, 01:10 Tokyo
    with bundled_db.session() as session:
        report = plan(session, evening_berlin, cap=1, rng=random.Random(1))
        session.commit()
        rows = session.scalars(select(Nudge).order_by(Nudge.id)).all()
        assert {r.learner_id for r in rows} == {berlin}  # Tokyo's 18:00 has not come
        assert [r.campaign_id for r in rows if r.status == "pending"] == [first]
        # Over the cap of one a day: the second campaign, and the automatic "at risk" one.
        assert [(r.campaign_id, r.rule) for r in rows if r.status == "skipped"] == \
            [(second, "campaign"), (None, "atrisk")]
        assert rows[0].text == "Hi L0, time for Python Basics!"
        assert rows[0].action.startswith("lesson:")
        assert report.planned == 1 and report.capped == 2
        again = plan(session, evening_berlin + timedelta(minutes=1), cap=1)
        assert again.planned == again.capped == 0  # the same occurrence is not planned twice
    tokyo_evening = datetime(2026, 6, 2, 9, 5, tzinfo=UTC)
    with bundled_db.session() as session:
        plan(session, tokyo_evening, cap=1)
        session.commit()
        assert session.scalars(select(Nudge.learner_id).where(
            Nudge.status == "pending", Nudge.learner_id == tokyo)).all() == [tokyo]


def test_the_control_group_gets_nothing_and_automatic_reminders_come_at_study_time(
        bundled_db: Database) -> None:
    ids = _learners(bundled_db, [BERLIN] * 40)
    _campaign(bundled_db, control_share=0.25)
    with bundled_db.session() as session:
        plan(session, datetime(2026, 6, 1, 16, 5, tzinfo=UTC), cap=1, rng=random.Random(7))
        session.commit()
        statuses = session.scalars(select(Nudge.status)).all()
        assert 4 <= statuses.count("control") <= 18 and "pending" in statuses
        assert all(n.text == "" for n in session.scalars(select(Nudge).where(
            Nudge.status == "control")))
    # A learner with a review due hears about it at their study hour (18 by default).
    with bundled_db.session() as session:
        question = session.scalars(select(QuestionRow).join(CourseRow).where(
            CourseRow.slug == "python-basics")).first()
        assert question is not None
        session.add(ReviewCard(learner_id=ids[0], question_id=question.id,
                               course_id=question.course_id, due=datetime(2026, 6, 2, tzinfo=UTC),
                               card={}, reviews=1))
        session.commit()
        plan(session, datetime(2026, 6, 2, 16, 2, tzinfo=UTC), cap=2)  # room beside the campaign
        session.commit()
        auto = session.scalars(select(Nudge).where(Nudge.rule == "review")).one()
        assert auto.learner_id == ids[0] and auto.action == "review"
        assert "1 question of Python Basics is due" in auto.text


class Recorder:
    platform = "telegram"
    rate_per_second = 1000.0
    paces_itself = False

    def __init__(self, blocked: set[str] | None = None) -> None:
        self.sent: list[tuple[str, str, list[tuple[str, str]]]] = []  # (label, wire form)
        self.blocked = blocked or set()

    async def send(self, user_id: str, text: str, buttons: Sequence[Button]) -> None:
        if user_id in self.blocked:
            raise Unreachable("bot was blocked by the user")
        self.sent.append((user_id, text, [(b.label, encode(b.action)) for b in buttons]))


async def dispatch_until(dispatcher: Dispatcher, channel: Recorder, sent: int,
                         linger: float = 0.0) -> None:
    """Run the dispatcher until the channel has `sent` messages (and `linger` seconds more,
    to see that nothing else goes out)."""
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    while len(channel.sent) < sent:
        await asyncio.sleep(0.01)
    await asyncio.sleep(linger)
    stop.set()
    await task


def test_the_dispatcher_sends_each_due_nudge_once_and_marks_the_blocked(
        bundled_db: Database) -> None:
    ids = _learners(bundled_db, [BERLIN] * 3)
    _campaign(bundled_db)
    now = datetime(2026, 6, 1, 16, 5, tzinfo=UTC)
    with bundled_db.session() as session:
        plan(session, now, cap=1)
        session.add(Nudge(key="in-flight", campaign_id=None, rule="review",
                          learner_id=ids[0], platform="telegram", user_id="5000", variant=0,
                          text="x", action="", due_at=now, status="sending", claimed_by="old",
                          error=""))
        session.commit()
    channel = Recorder(blocked={"5002"})
    dispatcher = Dispatcher(bundled_db, {"telegram": channel}, clock=lambda: now,
                            idle_seconds=0.05)
    before = {o: REGISTRY.get_sample_value("tutorbot_nudges_total", {
        "platform": "telegram", "outcome": o}) or 0.0 for o in ("sent", "failed")}

    asyncio.run(dispatch_until(dispatcher, channel, 2, linger=0.2))
    assert sorted(u for u, _, _ in channel.sent) == ["5000", "5001"]
    for outcome, more in (("sent", 2), ("failed", 1)):  # what an operator's metrics say
        assert REGISTRY.get_sample_value("tutorbot_nudges_total", {
            "platform": "telegram", "outcome": outcome}) == before[outcome] + more
    assert channel.sent[0][2][-1][1].startswith("mute:c")  # every nudge can be stopped
    with bundled_db.session() as session:
        statuses = dict(session.execute(select(Nudge.key, Nudge.status)).all())
        assert statuses.pop("in-flight") == "unknown"  # never sent twice after a crash
        assert sorted(v for k, v in statuses.items() if k.startswith("c")) == \
            ["failed", "sent", "sent"]
        assert session.scalars(select(Identity.unreachable_since).where(
            Identity.platform_user_id == "5002")).one() is not None


def test_dispatching_at_telegrams_rate_earns_no_429(bundled_db: Database) -> None:
    from telegram import Bot

    from bot.telegram.channel import TelegramChannel
    from tests.fake_telegram import FakeTelegram

    _learners(bundled_db, ["UTC"] * 75)
    _campaign(bundled_db, schedule={"kind": "cron", "cron": "0 12 * * *"})
    now = datetime(2026, 6, 1, 12, 1, tzinfo=UTC)
    with bundled_db.session() as session:
        plan(session, now, cap=1)
        session.commit()

    async def run() -> tuple[int, int, float]:
        fake = FakeTelegram(overall_limit=30)
        await fake.start()
        bot = Bot(fake.token, base_url=fake.base_url)
        await bot.initialize()
        dispatcher = Dispatcher(bundled_db, {"telegram": TelegramChannel(bot)},
                                clock=lambda: now, idle_seconds=0.05)
        stop = asyncio.Event()
        started = asyncio.get_running_loop().time()
        task = asyncio.create_task(dispatcher.run(stop))
        await fake.wait(lambda: len(fake.sent) >= 75, 30)
        elapsed = asyncio.get_running_loop().time() - started
        stop.set()
        await task
        await bot.shutdown()
        await fake.stop()
        return len(fake.sent), fake.refused, elapsed

    sent, refused, elapsed = asyncio.run(run())
    assert sent == 75 and refused == 0
    assert elapsed > 2.0  # 75 messages at 30 a second: spread out, not a burst


def test_the_campaign_command_line(bundled_db: Database, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    url = str(bundled_db.engine.url)
    monkeypatch.setenv("DATABASE_URL", url)
    _learners(bundled_db, [BERLIN] * 4)
    spec = tmp_path / "evening.yaml"
    spec.write_text("name: Evening\ncourse: python-basics\n"
                    "schedule: {kind: cron, cron: '0 18 * * *'}\n"
                    "variants:\n  - text: 'Hi {name}, {course} is waiting.'\n", "utf-8")
    runner = CliRunner()
    created = runner.invoke(app, ["campaign", "create", str(spec)])
    assert created.exit_code == 0 and "campaign 1 created" in created.output
    shown = runner.invoke(app, ["campaign", "preview", "1"])
    assert "Audience now: 4 learners" in shown.output and "Hi L" in shown.output
    said = " ".join(shown.output.split())
    assert re.search(r"First send: \d{4}-\d\d-\d\d \d\d:00 UTC", said), said
    described = " ".join(runner.invoke(app, ["campaign", "show", "1"]).output.split())
    assert "Audience: everyone enrolled; 10% held out as the control group." in described
    assert "Schedule: on the cron schedule `0 18 * * *`, in each learner's own time." in \
        described
    assert "Message 1: Hi {name}, {course} is waiting." in described
    assert "Next send: " in described and "UTC" in described
    assert "{}" not in described and "control_share" not in described
    assert runner.invoke(app, ["campaign", "pause", "1"]).exit_code == 0
    listed = runner.invoke(app, ["campaign", "list"])
    assert "paused" in listed.output
    assert runner.invoke(app, ["campaign", "cancel", "1"]).exit_code == 0
    again = runner.invoke(app, ["campaign", "resume", "1"])
    assert again.exit_code == 1 and "cancelled" in again.output
    missing = runner.invoke(app, ["campaign", "show", "9"])
    assert missing.exit_code == 1 and "no campaign 9" in missing.output
    report = runner.invoke(app, ["report", "campaigns"])
    assert report.exit_code == 0 and "Evening" in report.output
    image = runner.invoke(app, ["report", "class", "--course", "python-basics",
                                "--out", str(tmp_path / "class.png")])
    assert image.exit_code == 0 and (tmp_path / "class.png").stat().st_size > 5000


@pytest.mark.postgres
def test_only_one_process_plans_on_postgresql(postgres_url: str) -> None:
    from nudges.service import NudgeService

    first, second = Database(postgres_url), Database(postgres_url)
    try:
        one, other = NudgeService(first, {}), NudgeService(second, {})
        assert one._holds_scheduler_lock()
        assert not other._holds_scheduler_lock()  # it only sends
        one.release_lock()  # the planner's process ends: another takes over
        assert other._holds_scheduler_lock()
        other.release_lock()
    finally:
        first.dispose()
        second.dispose()


def test_group_and_mastery_audiences(bundled_db: Database) -> None:
    from nudges.audience import recipients
    from nudges.campaign import Audience
    from tutor.storage.models import Attempt, GroupPoints

    ids = _learners(bundled_db, ["UTC"] * 3)
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with bundled_db.session() as session:
        course = session.scalars(select(CourseRow).where(
            CourseRow.slug == "python-basics")).one()
        session.add(GroupPoints(platform="discord", group_id="g1", learner_id=ids[0],
                                week_start=now.date(), points=2))
        question = session.scalars(select(QuestionRow).where(
            QuestionRow.course_id == course.id)).first()
        assert question is not None
        for n in range(3):  # the second learner keeps missing this skill
            session.add(Attempt(learner_id=ids[1], question_id=question.id,
                                course_id=course.id, response="x", correct=False, score=0.0,
                                hints_used=0, context="quiz",
                                answered_at=now - timedelta(hours=n + 1)))
        session.commit()
        group = recipients(session, course, Audience(kind="group", platform="discord",
                                                     group="g1"), now)
        weak = recipients(session, course, Audience(kind="mastery_below",
                                                    skill=question.skills[0], below=0.6), now)
    assert [r.learner_id for r in group] == [ids[0]]
    assert [r.learner_id for r in weak] == [ids[1]]  # unpractised skills are not "below"


def test_a_half_hour_time_zone_gets_its_nudges_at_its_own_hour() -> None:
    from nudges.timing import _trigger, after_quiet_hours

    trigger = _trigger("0 18 * * *", "UTC+05:30")
    fire = trigger.get_next_fire_time(None, datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2026, 12, 2, 12, 30, tzinfo=UTC)
    held = after_quiet_hours(datetime(2026, 12, 2, 18, 0, tzinfo=UTC), "UTC+05:30", (22, 8))
    assert held.astimezone(UTC) == datetime(2026, 12, 3, 2, 30, tzinfo=UTC)  # 08:00 there


def _one_nudge_world(db: Database, count: int) -> datetime:
    now = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    with db.session() as session:
        course = session.scalars(select(CourseRow)).first()
        assert course is not None
        enroll_many(session, range(9001, 9001 + count), course.id, platform="telegram",
                    user_id=lambda i: str(i))
        session.add_all(Nudge(key=f"k{i}", rule="review", learner_id=i, platform="telegram",
                              user_id=str(i), variant=0, text="x", action="", due_at=now,
                              status="pending", claimed_by="", error="")
                        for i in range(9001, 9001 + count))
        session.commit()
    return now


def test_a_refused_nudge_is_retried_in_one_layer_only(bundled_db: Database) -> None:
    """The limiter paces and never retries; the dispatcher retries a 429 five times."""
    from telegram.ext import ExtBot

    from bot.telegram.limits import ChatRateLimiter

    now = _one_nudge_world(bundled_db, 1)

    async def run() -> int:
        fake = FakeTelegram()
        fake.failures["sendMessage"] = [(429, "Too Many Requests: retry after 1", 1)] * 50
        await fake.start()
        bot = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=ChatRateLimiter())
        await bot.initialize()
        dispatcher = Dispatcher(bundled_db, {"telegram": TelegramChannel(bot)},
                                clock=lambda: now, idle_seconds=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        await fake.wait(lambda: dispatcher_done(bundled_db), 30)
        stop.set()
        await task
        await bot.shutdown()
        await fake.stop()
        return sum(1 for method, _ in fake.calls if method == "sendMessage")

    assert asyncio.run(run()) == 5  # not 5 x 6 (limiter) x 4 (adapter)
    with bundled_db.session() as session:
        assert session.scalars(select(Nudge.error)).one() == "rate limited five times"


def dispatcher_done(db: Database) -> bool:
    with db.session() as session:
        return not session.scalars(select(Nudge.id).where(
            Nudge.status.in_(("pending", "sending")))).first()


def test_the_rate_limiter_alone_keeps_nudges_under_telegrams_limit(bundled_db: Database
                                                                   ) -> None:
    from telegram.ext import ExtBot

    from bot.telegram.limits import ChatRateLimiter

    now = _one_nudge_world(bundled_db, 75)

    async def run() -> tuple[int, int, float]:
        fake = FakeTelegram(overall_limit=30)
        await fake.start()
        bot = ExtBot(fake.token, base_url=fake.base_url, rate_limiter=ChatRateLimiter())
        await bot.initialize()
        channel = TelegramChannel(bot)
        assert channel.paces_itself
        dispatcher = Dispatcher(bundled_db, {"telegram": channel}, clock=lambda: now,
                                idle_seconds=0.05)
        stop = asyncio.Event()
        started = asyncio.get_running_loop().time()
        task = asyncio.create_task(dispatcher.run(stop))
        await fake.wait(lambda: len(fake.sent) >= 75, 30)
        elapsed = asyncio.get_running_loop().time() - started
        stop.set()
        await task
        await bot.shutdown()
        await fake.stop()
        return len(fake.sent), fake.refused, elapsed

    sent, refused, elapsed = asyncio.run(run())
    assert sent == 75 and refused == 0
    assert elapsed > 2.0
