"""The teachers' dashboard over HTTP (FastAPI's TestClient, the real app and templates):
sign-in links, sessions, CSRF, authorisation by course, and what each page shows and does."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.web import Dashboard, create_app
from content import bundled_course_paths
from nudges.campaign import CampaignSpec, Schedule, Variant
from tests.conftest import MINI_COURSE, import_path
from tests.test_at_risk import NOW, _class
from tutor import Database
from tutor.dashboard.access import LINKS_PER_WINDOW, Access, TooManyLinks
from tutor.storage.models import (
    Campaign,
    CourseRow,
    Enrollment,
    Identity,
    Learner,
    LoginLink,
    Nudge,
    RiskAlert,
)

TEACHER = "telegram:100"  # teaches the mini course only
ADMIN = "telegram:1"  # in TEACHERS: every course


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def school(sqlite_db: Database) -> Database:
    """The mini course with Ada, Bo and Cy (Bo and Cy at risk), and the bundled
    earth-science course with a learner of its own, taught by someone else."""
    import_path(sqlite_db, MINI_COURSE)
    _class(sqlite_db)
    earth = next(p for p in bundled_course_paths() if p.name == "earth-science")
    import_path(sqlite_db, earth)
    with sqlite_db.session() as session:
        course_id = session.scalar(select(CourseRow.id).where(CourseRow.slug == "earth-science"))
        other = Learner(display_name="Eve", preferences={}, timezone="UTC")
        session.add(other)
        session.flush()
        session.add(Enrollment(learner_id=other.id, course_id=course_id, card_position=0))
        for n, learner in enumerate(session.scalars(select(Learner).order_by(Learner.id))):
            session.add(Identity(learner_id=learner.id, platform="telegram",
                                 platform_user_id=str(700 + n)))
        session.commit()
    Access(sqlite_db, [ADMIN]).grant("mini", TEACHER, "admin", NOW)
    return sqlite_db


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def web(school: Database, clock: Clock) -> Iterator[TestClient]:
    dashboard = Dashboard(school, Access(school, [ADMIN]), "s" * 40, "http://testserver",
                          clock=clock)
    with TestClient(create_app(dashboard), follow_redirects=False) as client:
        yield client


def _spec(course: str = "mini") -> dict[str, object]:
    return CampaignSpec(name="c", course=course, schedule=Schedule(kind="cron", cron="0 18 * * *"),
                        variants=[Variant(text="Hi {name}")]).model_dump(mode="json")


def ids(db: Database) -> dict[str, int]:
    with db.session() as session:
        return dict(session.execute(select(Learner.display_name, Learner.id)).all())


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has a form with its CSRF token"
    return found.group(1)


def sign_in(client: TestClient, db: Database, who: str = TEACHER) -> str:
    """Sign in with a fresh link; the session's CSRF token."""
    token = Access(db, [ADMIN]).issue_link(who, NOW)
    page = client.get(f"/login/{token}")
    answer = client.post(f"/login/{token}", data={"csrf": csrf(page.text)})
    assert answer.status_code == 303, answer.text
    return csrf(client.get("/courses/mini").text)


# -- signing in ----------------------------------------------------------------------------

def test_a_link_signs_in_once_and_only_with_the_button(web: TestClient,
                                                       school: Database) -> None:
    token = Access(school, [ADMIN]).issue_link(TEACHER, NOW)
    for _ in range(2):  # a chat app previewing the link spends nothing
        page = web.get(f"/login/{token}")
        assert page.status_code == 200 and "Sign in to the dashboard" in page.text
    signed = web.post(f"/login/{token}", data={"csrf": csrf(page.text)})
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert web.get("/").headers["location"] == "/courses/mini"  # the one course taught
    assert "Mini course" in web.get("/courses/mini").text

    web.cookies.clear()
    again = web.post(f"/login/{token}", data={"csrf": csrf(web.get(f"/login/{token}").text)})
    assert again.status_code == 403 and "used or has expired" in again.text


def test_an_expired_link_is_refused(web: TestClient, school: Database, clock: Clock) -> None:
    token = Access(school, [ADMIN]).issue_link(TEACHER, NOW)
    clock.now = NOW + timedelta(minutes=15, seconds=1)
    page = web.get(f"/login/{token}")
    assert web.post(f"/login/{token}", data={"csrf": csrf(page.text)}).status_code == 403
    assert web.get("/courses/mini").status_code == 401


def test_an_unknown_link_is_refused(web: TestClient) -> None:
    page = web.get("/login/not-a-token")
    assert web.post("/login/not-a-token", data={"csrf": csrf(page.text)}).status_code == 403


def test_the_session_cookie_is_secure_behind_https(school: Database, clock: Clock) -> None:
    dashboard = Dashboard(school, Access(school, [ADMIN]), "s" * 40, "https://tutor.example.org",
                          clock=clock)
    with TestClient(create_app(dashboard), base_url="https://testserver",
                    follow_redirects=False) as client:
        token = Access(school, [ADMIN]).issue_link(TEACHER, NOW)
        page = client.get(f"/login/{token}")
        signed = client.post(f"/login/{token}", data={"csrf": csrf(page.text)})
        assert "secure" in signed.headers["set-cookie"].lower()


def test_link_requests_are_rate_limited(school: Database) -> None:
    access = Access(school, [ADMIN])
    for _ in range(LINKS_PER_WINDOW):
        access.issue_link(TEACHER, NOW)
    with pytest.raises(TooManyLinks, match="ask again in 14 min"):
        access.issue_link(TEACHER, NOW + timedelta(seconds=30))
    access.issue_link(ADMIN, NOW)  # another teacher's budget is their own
    access.issue_link(TEACHER, NOW + timedelta(minutes=15, seconds=1))


def test_signing_out_ends_the_session(web: TestClient, school: Database) -> None:
    token = sign_in(web, school)
    assert web.post("/logout", data={"csrf": token}).status_code == 303
    assert web.get("/courses/mini").status_code == 401


# -- guards ----------------------------------------------------------------------------

def test_every_form_needs_the_sessions_csrf_token(web: TestClient, school: Database) -> None:
    sign_in(web, school)
    with school.session() as session:
        session.add(Campaign(name="c", course_id=session.scalar(select(CourseRow.id).where(
            CourseRow.slug == "mini")), spec=_spec(), status="active", created_by=TEACHER))
        session.commit()
    for data in ({}, {"csrf": "forged"}):
        refused = web.post("/courses/mini/campaigns/1/pause", data=data)
        assert refused.status_code == 403, data
        refused = web.post("/logout", data=data)
        assert refused.status_code == 403
    with school.session() as session:
        assert session.get(Campaign, 1).status == "active"  # type: ignore[union-attr]


def test_another_teachers_course_learner_alert_and_campaign_are_404(
        web: TestClient, school: Database) -> None:
    assert web.get("/courses/mini").status_code == 401  # not signed in
    token = sign_in(web, school)
    eve = ids(school)["Eve"]
    with school.session() as session:
        earth = session.scalar(select(CourseRow.id).where(CourseRow.slug == "earth-science"))
        session.add(Campaign(name="theirs", course_id=earth, spec=_spec("earth-science"),
                             status="active", created_by=ADMIN))
        session.add(RiskAlert(course_id=earth, learner_id=eve, risk=0.9, reasons=[],
                              raised_at=NOW))
        session.commit()
    for path in ("/courses/earth-science", "/courses/earth-science/campaigns",
                 "/courses/earth-science/content", f"/courses/earth-science/learners/{eve}",
                 f"/courses/mini/learners/{eve}", "/courses/no-such-course"):
        assert web.get(path).status_code == 404, path
    for path in ("/courses/mini/campaigns/1/pause", "/courses/earth-science/campaigns/1/pause",
                 f"/courses/mini/learners/{eve}/message"):
        answer = web.post(path, data={"csrf": token, "text": "hi", "nonce": "n" * 10})
        assert answer.status_code == 404, path
    assert web.post("/courses/mini/alerts/1", data={"csrf": token, "status": "dismissed"}
                    ).status_code == 404
    with school.session() as session:
        assert session.get(Campaign, 1).status == "active"  # type: ignore[union-attr]
        assert session.get(RiskAlert, 1).status == "new"  # type: ignore[union-attr]
        assert not session.scalars(select(Nudge)).all()


def test_teachers_see_their_courses_and_admins_all(web: TestClient, school: Database) -> None:
    sign_in(web, school, ADMIN)
    listing = web.get("/").text
    assert "Mini course" in listing and "Earth" in listing
    assert web.get("/courses/earth-science").status_code == 200


def test_the_access_log_holds_no_names_ids_or_tokens(
        web: TestClient, school: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tutorbot.web.access")
    token = Access(school, [ADMIN]).issue_link(TEACHER, NOW)
    web.post(f"/login/{token}", data={"csrf": csrf(web.get(f"/login/{token}").text)})
    bo = ids(school)["Bo"]
    web.get("/courses/mini?q=Ada")
    web.get(f"/courses/mini/learners/{bo}")
    lines = [r.getMessage() for r in caplog.records if r.name == "tutorbot.web.access"]
    assert "GET /courses/{course}/learners/{learner_id} 200" in " ".join(lines)
    logged = "\n".join(lines)
    for secret in ("Ada", "Bo", token, f"/{bo}"):
        assert secret not in logged


# -- the pages -------------------------------------------------------------------------

def test_the_class_page(web: TestClient, school: Database) -> None:
    token = sign_in(web, school)
    with school.session() as session:
        course = session.scalar(select(CourseRow.id).where(CourseRow.slug == "mini"))
        session.add(RiskAlert(course_id=course, learner_id=ids(school)["Bo"], risk=0.93,
                              reasons=["no activity for 21 days"], raised_at=NOW))
        session.get(Learner, ids(school)["Cy"]).display_name = "<script>x()</script>"  # type: ignore[union-attr]
        session.commit()
    page = web.get("/courses/mini").text
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page
    assert page.index("Bo") < page.index("Ada")  # the riskiest first
    assert "counting" in page and "no activity for 21 days" in page
    assert "<svg" in page and "Learners active each day" in page
    by_name = web.get("/courses/mini?sort=name").text
    assert by_name.index(">Ada<") < by_name.index(">Bo<")
    only = web.get("/courses/mini?q=ad").text
    assert ">Ada<" in only and ">Bo<" not in only.split('id="risk"')[0]
    risky = web.get("/courses/mini?at_risk=true").text.split('id="risk"')[0]
    assert ">Ada<" not in risky and ">Bo<" in risky

    answered = web.post("/courses/mini/alerts/1", data={"csrf": token, "status": "contacting"})
    assert answered.status_code == 303
    with school.session() as session:
        alert = session.get(RiskAlert, 1)
        assert alert is not None and (alert.status, alert.handled_by) == ("contacting", TEACHER)
    assert web.post("/courses/mini/alerts/1", data={"csrf": token, "status": "deleted"}
                    ).status_code == 400


def test_a_learners_page_and_the_message_box(web: TestClient, school: Database) -> None:
    token = sign_in(web, school)
    ada = ids(school)["Ada"]
    page = web.get(f"/courses/mini/learners/{ada}")
    assert page.status_code == 200 and "Ada" in page.text and "Recent answers" in page.text
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    for _ in range(2):  # a double click sends once
        sent = web.post(f"/courses/mini/learners/{ada}/message",
                        data={"csrf": token, "nonce": nonce, "text": "Keep going, Ada!"})
        assert sent.status_code == 303 and sent.headers["location"].endswith("sent=queued")
    with school.session() as session:
        nudges = session.scalars(select(Nudge)).all()
        assert [(n.rule, n.text, n.learner_id) for n in nudges] == [
            ("teacher", "Keep going, Ada!", ada)]
        # 12:00 UTC is 14:00 in Berlin, outside the default quiet hours: it goes now.
        assert nudges[0].due_at.replace(tzinfo=NOW.tzinfo) == NOW
    assert "Queued" in web.get(sent.headers["location"]).text
    assert web.post(f"/courses/mini/learners/{ada}/message",
                    data={"csrf": token, "nonce": "x" * 10, "text": ""}).status_code == 422


def test_creating_pausing_and_cancelling_a_campaign(web: TestClient, school: Database) -> None:
    token = sign_in(web, school)
    form = {"csrf": token, "name": "Come back", "aud_inactive": "1", "inactive_days": "7",
            "aud_risk_above": "1", "above": "50", "schedule": "weekdays", "time": "18:30",
            "text_1": "Hi {name}, {course} misses you", "button_1": "lesson",
            "text_2": "{name}: five minutes today?", "button_2": "review", "control": "20"}
    preview = web.post("/courses/mini/new-campaign", data={**form, "go": "preview"})
    assert preview.status_code == 200
    # Bo (quiet for three weeks) is both inactive 7+ days and at risk; Cy never started
    # (not 'inactive'), Ada is active.
    assert "<strong>1</strong> learner now" in preview.text
    created = web.post("/courses/mini/new-campaign", data={**form, "go": "create"})
    assert created.status_code == 303
    with school.session() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert campaign.created_by == TEACHER and campaign.spec["control_share"] == 0.2
        assert campaign.spec["audience"]["kind"] == "inactive"
        assert campaign.spec["audience"]["also"][0]["kind"] == "risk_above"
        assert campaign.spec["schedule"]["cron"] == "30 18 * * mon-fri"
        assert len(campaign.spec["variants"]) == 2
    listing = web.get("/courses/mini/campaigns").text
    assert "learners inactive for 7+ days and whose risk of dropping out is above 50%" in listing
    for verb, status in (("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")):
        assert web.post(f"/courses/mini/campaigns/{campaign.id}/{verb}",
                        data={"csrf": token}).status_code == 303
        with school.session() as session:
            assert session.get(Campaign, campaign.id).status == status  # type: ignore[union-attr]
    again = web.post(f"/courses/mini/campaigns/{campaign.id}/resume", data={"csrf": token})
    assert again.status_code == 409 and "cancelled" in again.text


def test_a_wrong_campaign_form_says_what_is_wrong(web: TestClient, school: Database) -> None:
    token = sign_in(web, school)
    wrong = web.post("/courses/mini/new-campaign", data={
        "csrf": token, "aud_mastery_below": "1", "schedule": "daily", "time": "25:00",
        "text_1": "Hi {nmae}", "go": "create"})
    assert wrong.status_code == 422
    assert "pick the skill" in wrong.text and "not a time like 18:00" in wrong.text
    wrong = web.post("/courses/mini/new-campaign", data={
        "csrf": token, "schedule": "daily", "time": "18:00", "text_1": "Hi {nmae}",
        "go": "create"})
    assert wrong.status_code == 422 and "unknown placeholder {nmae}" in wrong.text
    with school.session() as session:
        assert not session.scalars(select(Campaign)).all()


def test_the_content_page_and_a_reimport(web: TestClient, school: Database,
                                         tmp_path: Path) -> None:
    token = sign_in(web, school)
    page = web.get("/courses/mini/content").text
    assert "Lessons" in page and "Asked, but not in the course" in page
    missed = page.split("The most missed questions")[1].split("</table>")[0]
    assert "What comes after one?" in missed and "100%" in missed  # Ada's and Bo's answers
    folder = tmp_path / "mini"
    shutil.copytree(MINI_COURSE, folder)
    with school.session() as session:
        session.scalars(select(CourseRow).where(CourseRow.slug == "mini")).one() \
            .source_path = str(folder)
        session.commit()
    lesson = folder / "02-colours.md"
    good = lesson.read_text()
    lesson.write_text("no front matter here\n")
    broken = web.post("/courses/mini/content/reimport", data={"csrf": token})
    assert broken.status_code == 422 and "02-colours.md" in broken.text
    assert "nothing was changed" in broken.text
    assert web.get("/courses/mini/content").text.count("<tr") == page.count("<tr")
    lesson.write_text(good)
    done = web.post("/courses/mini/content/reimport", data={"csrf": token})
    assert done.status_code == 303
    assert "Imported again" in web.get(done.headers["location"]).text


def test_a_teachers_message_keeps_the_daily_cap(school: Database, clock: Clock) -> None:
    ada = ids(school)["Ada"]
    with school.session() as session:
        session.add(Nudge(key="earlier", learner_id=ada, platform="telegram", user_id="700",
                          text="a campaign's", due_at=NOW - timedelta(hours=2), status="sent"))
        session.commit()
    dashboard = Dashboard(school, Access(school, [ADMIN]), "s" * 40, "http://testserver",
                          clock=clock, cap=1)
    with TestClient(create_app(dashboard), follow_redirects=False) as client:
        token = sign_in(client, school)
        client.post(f"/courses/mini/learners/{ada}/message",
                    data={"csrf": token, "nonce": "n" * 10, "text": "Well done!"})
    with school.session() as session:
        due = session.scalars(select(Nudge.due_at).where(Nudge.key != "earlier")).one()
    # Ada had her one nudge of the day: hers waits for tomorrow, after her quiet hours
    # (08:00 in Berlin, 06:00 UTC in summer).
    assert due.replace(tzinfo=NOW.tzinfo) == datetime(2026, 7, 1, 6, 0, tzinfo=NOW.tzinfo)


@pytest.mark.parametrize("attempts", [2])
def test_a_link_is_spent_once_on_either_database(database: Database, attempts: int) -> None:
    import_path(database, MINI_COURSE)
    access = Access(database, [])
    access.grant("mini", TEACHER, "admin", NOW)
    token = access.issue_link(TEACHER, NOW)
    spent = [access.redeem(token, NOW + timedelta(minutes=1)) for _ in range(attempts)]
    assert spent == [TEACHER, None]
    late = access.issue_link(TEACHER, NOW)
    assert access.redeem(late, NOW + timedelta(minutes=16)) is None
    with database.session() as session:  # only the hash is kept
        assert not session.scalars(select(LoginLink).where(LoginLink.token_hash == token)
                                   ).all()


def test_admins_edit_who_teaches_a_course_and_teachers_cannot(web: TestClient,
                                                               school: Database) -> None:
    token = sign_in(web, school)  # a teacher, not an admin
    page = web.get("/courses/mini/content").text
    assert TEACHER in page and 'name="change" value="add"' not in page
    refused = web.post("/courses/mini/teachers",
                       data={"csrf": token, "teacher": "telegram:555", "change": "add"})
    assert refused.status_code == 403
    web.cookies.clear()
    token = sign_in(web, school, ADMIN)
    for wrong in ("telegram:abc", "fax:5", "telegram:5 <b>"):
        assert web.post("/courses/mini/teachers", data={
            "csrf": token, "teacher": wrong, "change": "add"}).status_code == 400
    assert web.post("/courses/mini/teachers", data={
        "csrf": token, "teacher": "telegram:555", "change": "add"}).status_code == 303
    assert Access(school, []).courses("telegram:555") == [("mini", "Mini course")]
    web.post("/courses/mini/teachers", data={
        "csrf": token, "teacher": TEACHER, "change": "remove"})
    assert Access(school, []).courses(TEACHER) == []


def test_health_and_readiness_for_an_operator(school: Database, clock: Clock) -> None:
    loading: list[str | None] = ["the search index is being built"]
    dashboard = Dashboard(school, Access(school, [ADMIN]), "s" * 40, "http://testserver",
                          clock=clock, index_problem=lambda: loading[0])
    with TestClient(create_app(dashboard)) as client:
        assert client.get("/healthz").json() == {"status": "alive"}  # no sign-in needed
        waiting = client.get("/readyz")
        assert waiting.status_code == 503
        assert waiting.json()["problems"] == ["the search index is being built"]
        loading[0] = None
        assert client.get("/readyz").json() == {"status": "ready", "problems": []}
    # A PostgreSQL server that is down: nothing listens on port 1.
    lost = Database("postgresql+psycopg://postgres@127.0.0.1:1/test", migrate=False)
    broken = Dashboard(lost, Access(lost, []), "s" * 40, "http://testserver", clock=clock)
    with TestClient(create_app(broken)) as client:
        answer = client.get("/readyz")
        assert answer.status_code == 503 and answer.json()["problems"]
        assert client.get("/healthz").status_code == 200  # alive, though not ready
    lost.dispose()


def test_metrics_count_turns_and_the_outbox_and_name_no_learner(
        web: TestClient, school: Database) -> None:
    from tests.conftest import Chat
    from tutor import Tutor

    chat = Chat(Tutor(school), user="metrics-learner", name="Zelda Secretname")
    chat.say("/start")
    chat.say("hello there")
    with school.session() as session:
        session.add(Nudge(key="m1", learner_id=ids(school)["Ada"], platform="telegram",
                          user_id="700", text="Hi Ada", due_at=NOW))
        session.commit()
    from tutor.inbox import Inbox

    inbox = Inbox(school, "telegram")
    for seq in (1, 2):
        inbox.put(seq, 700, '{"text": "Zelda says hello there"}')
    inbox.claim(700)
    inbox.done(1)
    scraped = web.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith(
        "text/plain")
    text = scraped.text
    assert 'tutorbot_updates_total{kind="command",platform="test"}' in text
    assert 'tutorbot_updates_total{kind="text",platform="test"}' in text
    assert "tutorbot_turn_seconds_bucket" in text
    assert 'tutorbot_outbox_nudges{status="pending"} 1.0' in text
    assert 'tutorbot_inbox_waiting{platform="telegram"} 1.0' in text
    assert 'tutorbot_inbox_oldest_waiting_seconds{platform="telegram"}' in text
    for private in ("Zelda", "Secretname", "hello there", "Hi Ada", "metrics-learner"):
        assert private not in text


def test_the_class_reads_every_learners_standing_in_one_query(school: Database) -> None:
    from tutor.learner.adaptive import standing, standings
    from tutor.learner.fitting import course_model

    with school.session() as session:
        course = session.scalars(select(CourseRow).where(CourseRow.slug == "mini")).one()
        model = course_model(session, course)
        everyone = standings(session, course.id, model)
        for learner_id in ids(school).values():
            alone = standing(session, learner_id, course.id, model)
            found = everyone.get(learner_id)
            assert (found.mastery(model) if found else {}) == alone.mastery(model)
