"""Teachers hear about learners in trouble: one alert per crossing, a daily number and a
digest, the teacher's three answers, and the alert as the teacher receives it."""

from __future__ import annotations

import asyncio
import random
import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from nudges.alerts import ALERT, DIGEST, TEACHER, plan_alerts
from nudges.desk import Desk
from nudges.dispatcher import Dispatcher
from tests.conftest import Chat
from tests.test_at_risk import NOW, _class
from tests.test_nudges import Recorder, dispatch_until
from tutor import Database, Tutor
from tutor.alerts import scan
from tutor.storage.models import (
    Attempt,
    CourseRow,
    Identity,
    Learner,
    Nudge,
    QuestionRow,
    RiskAlert,
)


def _reachable(db: Database) -> dict[str, int]:
    """Ada, Bo and Cy of the at-risk class, each reachable on Telegram."""
    with db.session() as session:
        ids = dict(session.execute(select(Learner.display_name, Learner.id)).all())
        for n, who in enumerate(sorted(ids.values())):
            session.add(Identity(learner_id=who, platform="telegram",
                                 platform_user_id=str(700 + n)))
        session.commit()
    return ids


def _teacher(db: Database) -> Chat:
    chat = Chat(Tutor(db, desk=Desk(), teachers=["test:t1"], clock=lambda: NOW), user="t1")
    chat.say("/start")  # the bot can write to a teacher who has talked to it
    return chat


def _alerts(db: Database) -> dict[str, RiskAlert]:
    with db.session() as session:
        return {session.get(Learner, a.learner_id).display_name: a  # type: ignore[union-attr]
                for a in session.scalars(select(RiskAlert).order_by(RiskAlert.id))}


def test_one_alert_per_crossing(mini_db: Database) -> None:
    _class(mini_db)
    ids = _reachable(mini_db)
    assert len(scan(mini_db, NOW)) == 2  # Bo (93%) and Cy (98%); Ada (19%) is fine
    assert scan(mini_db, NOW + timedelta(hours=1)) == []  # still over: no second alert
    with mini_db.session() as session:  # Bo comes back for a week
        course = session.scalars(select(CourseRow)).one()
        question = session.scalars(select(QuestionRow)).first()
        assert question is not None
        session.add_all(Attempt(learner_id=ids["Bo"], question_id=question.id,
                                course_id=course.id, response="x", correct=True, score=1.0,
                                hints_used=0, context="quiz",
                                answered_at=NOW + timedelta(days=d, hours=2))
                        for d in range(7))
        session.commit()
    back = NOW + timedelta(days=6, hours=3)
    assert scan(mini_db, back) == []
    assert _alerts(mini_db)["Bo"].cleared_at is not None  # under the line: cleared
    assert scan(mini_db, back + timedelta(hours=1)) == []
    gone_again = scan(mini_db, back + timedelta(days=20))
    with mini_db.session() as session:  # Bo (and now Ada) crossed again; Cy's is still open
        again = {session.get(Learner, a.learner_id).display_name: a  # type: ignore[union-attr]
                 for a in session.scalars(select(RiskAlert).where(RiskAlert.id.in_(
                     gone_again)))}
    assert sorted(again) == ["Ada", "Bo"]
    assert again["Bo"].reasons[0] == {"kind": "quiet", "n": 20}  # data: worded when read


def test_an_alert_reads_in_the_teachers_language(mini_db: Database) -> None:
    """The scheduler raises an alert in no one's language; each teacher reads its reasons
    in their own, and an alert raised before reasons were kept as data keeps its words."""
    _class(mini_db)
    ids = _reachable(mini_db)
    scan(mini_db, NOW)  # Bo and Cy
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        session.add(RiskAlert(course_id=course.id, learner_id=ids["Ada"], risk=0.9,
                              reasons=["no activity in the last 30 days"], raised_at=NOW))
        session.commit()
    teacher = _teacher(mini_db)
    teacher.say("/settings language es")
    with mini_db.session() as session:
        plan_alerts(session, NOW, ["test:t1"], per_day=5)
        session.commit()
        texts = {n.text.split("**")[1]: n.text for n in session.scalars(
            select(Nudge).where(Nudge.rule == ALERT))}
    assert "podría abandonar" in texts["Cy"], texts
    assert "sin actividad en los últimos 30 días" in texts["Cy"]
    assert "sin actividad desde hace" in texts["Bo"], texts
    assert "no activity in the last 30 days" in texts["Ada"]  # as it was stored


def test_alerts_reach_teachers_within_a_daily_number(mini_db: Database) -> None:
    _class(mini_db)
    with mini_db.session() as session:  # an alert about each of the three
        course = session.scalars(select(CourseRow)).one()
        session.add_all(RiskAlert(course_id=course.id, learner_id=who, risk=0.9,
                                  reasons=["no activity in the last 30 days"], raised_at=NOW)
                        for who in session.scalars(select(Learner.id)))
        session.commit()
    with mini_db.session() as session:
        assert plan_alerts(session, NOW, ["test:t1"], per_day=2) == 0  # never talked to us
        session.commit()
    _teacher(mini_db)
    with mini_db.session() as session:
        assert plan_alerts(session, NOW, ["test:t1", "test:nobody"], per_day=2) == 3
        assert plan_alerts(session, NOW, ["test:t1"], per_day=2) == 0  # each alert once
        session.commit()
        sent = list(session.scalars(select(Nudge).order_by(Nudge.id)))
    assert [n.rule for n in sent] == [ALERT, ALERT, DIGEST]
    assert "Ada" in sent[0].text or "Bo" in sent[0].text or "Cy" in sent[0].text
    assert sent[2].text.count("may be dropping out") == 1
    assert sent[2].due_at.hour == 18  # the digest goes out in the evening


def test_the_teachers_three_answers(mini_db: Database) -> None:
    _class(mini_db)
    _reachable(mini_db)
    scan(mini_db, NOW)
    alerts = _alerts(mini_db)
    teacher = _teacher(mini_db)
    teacher.press(f"alert:{alerts['Bo'].id}:encourage")
    assert "To Bo:" in teacher.text() and "Hi Bo!" in teacher.text()
    teacher.say("Bo, your spot in the course is waiting. Shall we look at lesson 2 together?")
    assert "Shall we look at lesson 2 together?" in teacher.text()
    teacher.press(f"alert:{alerts['Bo'].id}:send")
    assert "Your message to Bo goes out" in teacher.text()
    teacher.press(f"alert:{alerts['Cy'].id}:contact")
    assert "you will contact Cy" in teacher.text()
    teacher.press(f"alert:{alerts['Cy'].id}:dismiss")
    assert "Dismissed" in teacher.text()
    learner = Chat(Tutor(mini_db, desk=Desk(), clock=lambda: NOW), user="someone")
    learner.press(f"alert:{alerts['Bo'].id}:dismiss")
    assert "That is for teachers" in learner.text()
    after = _alerts(mini_db)
    assert (after["Bo"].status, after["Bo"].handled_by) == ("encouraged", "test:t1")
    assert after["Cy"].status == "dismissed"  # the last answer stands
    with mini_db.session() as session:
        [message] = session.scalars(select(Nudge).where(Nudge.rule == TEACHER))
        assert message.text.startswith("Bo, your spot") and message.user_id == "701"


def test_an_alert_arrives_with_the_teachers_answers(mini_db: Database) -> None:
    _class(mini_db)
    scan(mini_db, NOW)
    _teacher(mini_db)
    with mini_db.session() as session:
        session.execute(update(Identity).where(Identity.platform == "test")
                        .values(platform="telegram"))  # the teacher, reachable on Telegram
        session.commit()
        plan_alerts(session, NOW, ["telegram:t1"])
        session.commit()
    channel = Recorder()
    dispatcher = Dispatcher(mini_db, {"telegram": channel}, clock=lambda: NOW,
                            idle_seconds=0.05)

    asyncio.run(dispatch_until(dispatcher, channel, 2))
    user, text, buttons = channel.sent[0]
    assert user == "t1" and "may be dropping out of Mini course" in text
    assert [label for label, _ in buttons] == ["💬 Send encouragement", "📞 I'll contact them",
                                               "✖️ Dismiss"]


def test_the_automatic_at_risk_nudge_holds_a_control_share_out(mini_db: Database) -> None:
    from nudges.planner import AT_RISK_CONTROL, AT_RISK_RULE, plan
    from tests.test_nudges import _learners

    _learners(mini_db, ["UTC"] * 60, course="mini")  # never active: all at risk
    evening = NOW.replace(hour=18, minute=5)  # the default study hour
    with mini_db.session() as session:
        plan(session, evening, rng=random.Random(4))
        session.commit()
        statuses = [n.status for n in session.scalars(select(Nudge).where(
            Nudge.rule == AT_RISK_RULE))]
        held = list(session.scalars(select(Nudge).where(Nudge.status == "control")))
    assert len(statuses) == 60
    assert 0.5 * AT_RISK_CONTROL <= statuses.count("control") / 60 <= 2.5 * AT_RISK_CONTROL
    assert all(n.text == "" and n.action == "" for n in held)  # nothing to send


def test_the_intervention_report_against_the_control_group(mini_db: Database) -> None:
    from nudges.interventions import interventions
    from nudges.sampler import CONTROL
    from tests.test_nudges import _learners

    ids = _learners(mini_db, ["UTC"] * 12, course="mini")
    with mini_db.session() as session:
        course = session.scalars(select(CourseRow)).one()
        question = session.scalars(select(QuestionRow)).first()
        assert question is not None

        def came_back(who: int, after: timedelta) -> None:
            session.add(Attempt(learner_id=who, question_id=question.id, course_id=course.id,
                                response="x", correct=True, score=1.0, hints_used=0,
                                context="quiz", answered_at=NOW + after))

        for n, who in enumerate(ids[:8]):  # 4 nudged (3 come back), 4 held out (1 does)
            held = n >= 4
            session.add(Nudge(key=f"auto:atrisk:{course.id}:2026-06-30:{who}", rule="atrisk",
                              learner_id=who, platform="telegram", user_id=str(5000 + n),
                              variant=CONTROL if held else 0, text="", action="",
                              due_at=NOW, sent_at=None if held else NOW,
                              status="control" if held else "sent"))
            if n in (0, 1, 2, 4):
                came_back(who, timedelta(hours=30))
        came_back(ids[6], timedelta(hours=80))  # too late to count
        encouraged = RiskAlert(course_id=course.id, learner_id=ids[8], risk=0.9, reasons=[],
                               raised_at=NOW, status="encouraged")
        contacted = RiskAlert(course_id=course.id, learner_id=ids[9], risk=0.9, reasons=[],
                              raised_at=NOW, status="contacting", handled_by="test:t1",
                              handled_at=NOW)
        session.add_all([encouraged, contacted])
        session.flush()
        session.add(Nudge(key=f"encourage:{encouraged.id}", rule=TEACHER, learner_id=ids[8],
                          platform="telegram", user_id="5008", text="Hi", action="",
                          due_at=NOW, sent_at=NOW, status="sent"))
        came_back(ids[8], timedelta(hours=2))
        session.commit()
        rows = {r.kind: r for r in interventions(session, "mini")}
        assert interventions(session, "no-such-course") == []
    nudged, control = rows["automatic at-risk nudge"], rows["control (no nudge)"]
    assert (nudged.count, nudged.came_back, control.count, control.came_back) == (4, 3, 4, 1)
    assert nudged.lift.startswith("+50% ±")  # 75% against 25%
    assert (rows["teacher's encouragement"].count, rows["teacher's encouragement"].came_back) \
        == (1, 1)
    assert rows["teacher will contact"].came_back == 0


def test_a_servers_teachers_get_alerts_and_a_teacher_may_take_the_digest(mini_db: Database
                                                                      ) -> None:
    from tutor import Identity as Who
    from tutor import Inbound

    _class(mini_db)
    scan(mini_db, NOW)
    tutor = Tutor(mini_db, desk=Desk(), clock=lambda: NOW)
    tutor.handle(Inbound(Who("discord", "99"), "c1", command="help", is_group=True,
                         group_id="g1", staff=True))  # Discord says: this member teaches
    digest_only = Chat(Tutor(mini_db, desk=Desk(), teachers=["test:t1"], clock=lambda: NOW),
                       user="t1")
    digest_only.say("/settings alerts digest")
    assert "once a day" in digest_only.text()
    with mini_db.session() as session:
        assert plan_alerts(session, NOW, ["test:t1"], per_day=5) == 2
        session.commit()
        sent = {(n.platform, n.rule) for n in session.scalars(select(Nudge))}
    assert sent == {("discord", ALERT), ("test", DIGEST)}


def test_a_course_may_draw_its_own_line(mini_db: Database, tmp_path: Path) -> None:
    from content import load_course
    from tests.conftest import MINI_COURSE

    with mini_db.session() as session:
        session.execute(update(CourseRow).values(alert_at=0.95))
        session.commit()
    _class(mini_db)
    raised = scan(mini_db, NOW, at=0.5)  # the course's own line wins over the deployment's
    assert [a.learner_id for a in _alerts(mini_db).values() if a.id in raised] == \
        [_reachable(mini_db)["Cy"]]  # 98%; Bo's 93% is under this course's line
    folder = tmp_path / "mini"
    shutil.copytree(MINI_COURSE, folder)
    meta = folder / "course.yaml"
    meta.write_text(meta.read_text() + "alert_at: 0.7\n")
    assert load_course(folder).unwrap().alert_at == 0.7
    meta.write_text(meta.read_text().replace("alert_at: 0.7", "alert_at: 1.5"))
    problems = [str(p) for p in load_course(folder).problems]
    assert any("course.yaml" in p and "alert_at" in p for p in problems), problems
