"""A clerk at the credit service window files an objection for a natural person (ID card checked), the providing
department decides it, and the clerk prints the outcome notice (Debian Chromium, the real application)."""

from __future__ import annotations

import re

import pytest
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import login_page as _login
from tests.helpers import make_user
from tests.objections.window_support import DOC, LI, ZHANG, person_penalty

from xinyong.core.db import Database

pytestmark = pytest.mark.e2e


def test_window_clerk_files_for_a_person_and_prints_the_outcome(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, browser
) -> None:
    with live_db.session() as s:
        person_penalty(s)
    make_user(live_db, "clerk", "operator", "ysj")
    make_user(live_db, "reviewer", "reviewer", "scjg")
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/objections/window", "clerk")
    page.get_by_label("信用记录的决定文书号").fill(DOC)
    page.get_by_label("姓名（与身份证件一致）").fill("张三")
    page.get_by_label("身份证号码").fill(LI)  # someone else's card
    page.get_by_label("联系电话").fill("13845671234")
    page.get_by_label("异议理由").fill("罚款已当场缴纳，金额记载有误")
    page.get_by_label("证明材料（名称、文号等）").fill("缴款收据（编号0012345）")
    page.get_by_role("button", name="受理异议").click()
    assert "身份证号码与该信用记录的信息主体不一致" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("身份证号码").input_value() == ""  # the number is not echoed back
    page.get_by_label("身份证号码").fill(ZHANG)
    page.get_by_role("button", name="受理异议").click()
    status = page.get_by_role("status").inner_text()
    assert "异议已受理" in status and "异议处理中" in status
    assert ZHANG not in page.content()
    ctx.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/objections", "reviewer")
    page.get_by_role("link", name=re.compile(r"^YY\d+")).first.click()
    assert "张三（自然人" in page.content()
    page.get_by_label("处理结果").select_option(label="撤销")
    page.get_by_label("处理理由").fill("处罚决定已被复议机关撤销")
    page.get_by_role("button", name="提交决定").click()
    assert "已办结：撤销" in page.get_by_role("status").inner_text()
    ctx.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/objections/window", "clerk")
    page.get_by_role("link", name="处理结果告知书").click()
    outcome = page.locator("#outcome").inner_text()
    assert "撤销" in outcome and "处罚决定已被复议机关撤销" in outcome
    assert "信用信息异议处理结果告知书" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "objection-window-outcome.png"), full_page=True)
    ctx.close()
