"""In the browser: a clerk opening a natural person's list entry is asked for purpose and basis first; the auditor then
sees the registration and flags it; the credit service window prints it for the person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import login_page as _login
from tests.helpers import make_user
from tests.lists.support import person_id
from tests.privacy.support import build

from xinyong.core.clock import CHINA_TZ, FixedClock, get_clock, set_clock
from xinyong.core.db import Database

pytestmark = pytest.mark.e2e


@pytest.fixture
def shared_clock() -> Iterator[FixedClock]:
    """A fixed clock the live server (same process) reads too."""
    previous = get_clock()
    fixed = FixedClock(datetime(2026, 11, 2, 10, 0, tzinfo=CHINA_TZ))
    set_clock(fixed)
    yield fixed
    set_clock(previous)


def test_purpose_asked_registered_reviewed_and_printed(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, browser, shared_clock: FixedClock
) -> None:
    w = build(live_db, shared_clock)
    make_user(live_db, "clerk", "operator", "scjg")
    make_user(live_db, "aud", "auditor", None)
    make_user(live_db, "window", "admin", "scjg")
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, f"/console/lists/{w.person_entry_id}", "clerk")
    assert "须说明查询目的" in page.get_by_role("alert").inner_text()
    page.get_by_label("查询目的").fill("办理食品经营许可审查")
    page.get_by_label("法律依据").select_option("admin-licensing")
    page.get_by_role("button", name="登记并查看").click()
    page.wait_for_url(re.compile(r".*purpose=.*"))
    assert "王建国" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "privacy-purpose.png"), full_page=True)
    ctx.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/privacy/queries", "aud")
    row = page.locator("#queries tbody tr").first
    assert "clerk" in row.inner_text() and "办理食品经营许可审查" in row.inner_text()
    row.get_by_label("理由").fill("与承办事项无关")
    row.get_by_role("button", name="标记疑似违规").click()
    assert "疑似违规" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(ARTIFACTS / "privacy-audit.png"), full_page=True)
    ctx.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/privacy/person-report", "window")
    page.get_by_label("姓名").fill("王建国")
    page.get_by_label("身份证号码").fill(person_id(1))
    page.get_by_label("已核验本人有效身份证件原件").check()
    page.get_by_role("button", name="查询").click()
    report = page.locator("#person-report").inner_text()
    assert "clerk" in report and "办理食品经营许可审查" in report and person_id(1) not in page.content()
    page.screenshot(path=str(ARTIFACTS / "privacy-person-report.png"), full_page=True)
    ctx.close()
