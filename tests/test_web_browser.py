"""The dashboard in a real browser: Playwright driving Debian's chromium against the app
served by uvicorn on 127.0.0.1 (skipped, saying why, where either is missing)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.web import Dashboard
from bot.web.serve import serve_dashboard
from tests.test_at_risk import NOW
from tests.test_web import ADMIN, TEACHER, Clock, ids, school  # noqa: F401 (a fixture)
from tutor import Database
from tutor.dashboard.access import Access

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine "
                                "(apt-get install chromium; .ci/run does)")
SHOTS = Path(__file__).parent.parent / "screenshots"


@pytest.fixture
def served(school: Database) -> Iterator[str]:  # noqa: F811 (the fixture above)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    dashboard = Dashboard(school, Access(school, [ADMIN]), "s" * 40, base, clock=Clock(NOW))
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete,
                              args=(serve_dashboard(dashboard, "127.0.0.1", port, stop),))
    thread.start()
    # No timed waits on thread primitives here: under libfaketime (CI's clock runs) a
    # Condition's deadline is computed on the faked clock and never comes. Plain sleeps
    # and an untimed join are relative, and safe.
    for _ in range(200):  # until it listens
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield base
    loop.call_soon_threadsafe(stop.set)
    thread.join()
    loop.close()


def test_a_teacher_signs_in_sorts_the_class_and_runs_a_campaign(
        served: str, school: Database) -> None:  # noqa: F811
    token = Access(school, [ADMIN]).issue_link(TEACHER, NOW)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{served}/login/{token}")
        page.get_by_role("button", name="Sign in to the dashboard").click()
        page.wait_for_url(f"{served}/courses/mini")
        assert page.get_by_role("heading", name="Mini course").is_visible()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SHOTS / "dashboard-class.png", full_page=True)

        page.get_by_role("link", name="Learner", exact=True).click()  # sort by name
        page.wait_for_url("**sort=name**")
        names = page.locator("table.mastery tbody tr td:first-child").all_inner_texts()
        assert names == sorted(names, key=str.lower) and "Ada" in names

        page.get_by_role("link", name="Campaigns", exact=True).click()
        page.get_by_role("link", name="New campaign").click()
        page.get_by_label("Name").fill("Back to counting")
        page.locator("input[name=aud_inactive]").check()
        page.locator("input[name=inactive_days]").fill("7")
        page.locator("textarea[name=text_1]").fill("Hi {name}, five minutes of {course}?")
        # The live count: fetched as the form changes, no button pressed.
        sync_api.expect(page.locator("#preview")).to_contain_text("learner now", timeout=5000)
        page.screenshot(path=SHOTS / "dashboard-new-campaign.png", full_page=True)
        page.get_by_role("button", name="Create campaign").click()
        row = page.locator("table.campaigns tbody tr").first
        sync_api.expect(row).to_contain_text("Back to counting")
        row.get_by_role("button", name="Pause").click()
        sync_api.expect(page.locator("table.campaigns tbody tr").first).to_contain_text(
            "paused")

        bo = ids(school)["Bo"]
        page.goto(f"{served}/courses/mini/learners/{bo}")
        page.get_by_label("Message to Bo").fill("We miss you, Bo!")
        page.get_by_role("button", name="Send").click()
        sync_api.expect(page.get_by_role("status")).to_contain_text("Queued")
        page.screenshot(path=SHOTS / "dashboard-learner.png", full_page=True)

        page.get_by_role("link", name="Content", exact=True).click()
        sync_api.expect(page.get_by_role("heading", name="Lessons")).to_be_visible()
        page.screenshot(path=SHOTS / "dashboard-content.png", full_page=True)

        page.get_by_role("button", name="Sign out").click()
        page.goto(f"{served}/courses/mini")
        sync_api.expect(page.get_by_role("heading")).to_contain_text("Please sign in")
        browser.close()
