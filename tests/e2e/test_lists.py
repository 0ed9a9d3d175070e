"""A listing goes from proposal to publication in the console; a clerk of another department runs a credit check on
the listed company's legal representative and records feedback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from tests.commitments.support import entity, penalty
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import login_page as _login
from tests.helpers import make_user
from tests.ingestion.samples import company_code
from tests.lists.support import person_id

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


def test_listing_to_publication_then_a_clerk_checks_and_records_feedback(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, browser, shared_clock: FixedClock
) -> None:
    with live_db.session() as s:
        entity(s, 1)
        basis = penalty(s, 1).id
    make_user(live_db, "lister", "operator", "scjg")
    make_user(live_db, "reviewer", "reviewer", "scjg")
    make_user(live_db, "clerk", "operator", "fgj")
    ARTIFACTS.mkdir(exist_ok=True)

    # The market regulation operator proposes and serves the prior notice.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/lists", "lister")
    page.locator("#l-type").select_option("serious")
    page.locator("#l-subject").fill(company_code(1))
    page.locator("#l-reason").fill("在食品中违法添加非食用物质，被处以从重罚款并吊销食品生产许可证")
    page.locator("#l-basis").fill("《市场监督管理严重违法失信名单管理办法》第九条")
    page.locator("#l-records").fill(str(basis))
    page.locator("#r1-role").select_option("legal_rep")
    page.locator("#r1-name").fill("王建国")
    page.locator("#r1-id").fill(person_id(1))
    page.get_by_role("button", name="提出申请").click()
    page.wait_for_url(re.compile(r".*/console/lists/\d+$"))
    entry_url = page.url
    assert "拟列入" in page.locator("#entry-status").inner_text()
    page.get_by_label("告知书文号").fill("密市监告〔2026〕12号")
    page.get_by_role("button", name="已送达告知书").click()
    assert "已告知" in page.locator("#entry-status").inner_text()
    assert "陈述申辩期至2026-11-09" in page.locator("#entry").inner_text()  # 5 working days from Mon 2 Nov
    ctx.close()

    # After the statement window the reviewer decides and publishes.
    shared_clock.advance(days=8)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/lists", "reviewer")
    page.goto(entry_url)
    page.locator("#d-approve").select_option("1")
    page.locator("#d-doc").fill("密市监严〔2026〕12号")
    page.locator("#d-note").fill("当事人未在期限内陈述申辩，符合列入条件")
    page.get_by_role("button", name="作出决定").click()
    assert "已决定列入" in page.locator("#entry-status").inner_text()
    page.get_by_role("button", name="公布名单").click()
    assert "已公布" in page.locator("#entry-status").inner_text()
    assert "2026-11-10至2029-11-09" in page.locator("#entry").inner_text()
    page.screenshot(path=str(ARTIFACTS / "lists-entry.png"), full_page=True)
    ctx.close()

    # A clerk of the development and reform bureau checks the legal representative for procurement.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/checks", "clerk")
    page.get_by_label("统一社会信用代码或身份证号码").fill(person_id(1))
    page.get_by_label("办理事项").select_option("procurement")
    page.get_by_label("查询目的").fill("政府采购供应商资格审查")  # a natural person: purpose and legal basis
    page.get_by_label("法律依据").select_option("pipl-13-1-3")
    page.get_by_role("button", name="核查").click()
    page.wait_for_url(re.compile(r".*/console/checks/HC\w+$"))
    result = page.locator("#check-result").inner_text()
    assert "不予办理" in result and "严重失信主体名单" in result and "CJ-02" in result
    assert "作为密山市兴凯食品有限公司1的责任人员" in result
    page.get_by_role("button", name="提交反馈").click()
    alert = page.get_by_role("alert").inner_text()
    assert "办理结果（outcome）：必填项缺失" in alert and "CJ-02" in alert
    page.get_by_label("办理结果").select_option("refused")
    page.get_by_label("已实施").check()
    page.get_by_role("button", name="提交反馈").click()
    assert "已记录办理结果" in page.get_by_role("status").inner_text()
    assert "CJ-02：已实施" in page.locator("#feedback").inner_text()
    page.screenshot(path=str(ARTIFACTS / "lists-check.png"), full_page=True)
    ctx.close()
