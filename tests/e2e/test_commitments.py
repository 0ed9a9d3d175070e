"""An entity signs a commitment online and sees it on its page; an operator records its breach."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from tests.commitments.support import entity, matter
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import login_page as _login
from tests.helpers import make_user

from xinyong.accounts.models import User
from xinyong.core.db import Database

pytestmark = pytest.mark.e2e


def test_entity_signs_online_and_operator_records_a_breach(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, browser
) -> None:
    with live_db.session() as s:
        matter(
            s,
            code="SCJG-ZDXY",
            name="市场主体主动信用承诺",
            commitment_type="主动型",
            matter_kind="service",
            online_signing=True,
            breach_ban_months=12,
        )
        company = entity(s)
        entity_id = company.id
    make_user(live_db, "company", "entity", dept=None)
    make_user(live_db, "clerk", "operator", "scjg")
    with live_db.session() as s:
        s.execute(update(User).where(User.username == "company").values(entity_id=entity_id))

    # The entity signs online and sees the commitment on its page.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/my/commitments", "company")
    page.get_by_label("承诺事项").select_option("SCJG-ZDXY")
    page.get_by_label("法定代表人").fill("王建国")
    page.get_by_label("公开类型").select_option("可向社会公开")
    page.get_by_role("button", name="签署承诺").click()
    assert "请阅读承诺书并勾选" in page.get_by_role("alert").inner_text()
    page.get_by_label("本单位已阅读承诺书").check()
    page.get_by_role("button", name="签署承诺").click()
    status = page.get_by_role("status").inner_text()
    code = re.search(r"承诺编码(\d{20})", status)
    assert code, status
    row = page.get_by_role("row").filter(has_text=code.group(1))
    assert "市场主体主动信用承诺" in row.inner_text() and "待核查" in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "commitments-entity.png"), full_page=True)
    ctx.close()

    # The market-regulation operator finds it, records a breach, and the constraint follows.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/commitments", "clerk")
    page.get_by_role("link", name=code.group(1)).click()
    page.get_by_label("承诺履行状态").select_option("全部未履行")
    page.get_by_role("button", name="记录履行情况").click()
    assert "未履行内容（unfulfilled_content）：履行状态为全部未履行时必填" in page.get_by_role("alert").inner_text()
    page.get_by_label("承诺履行状态").select_option("全部未履行")
    page.get_by_label("未履行内容").fill("承诺的食品安全自查制度未建立")
    page.get_by_label("违诺责任追究内容").fill("记入信用记录，12个月内不适用告知承诺制")
    page.get_by_role("button", name="记录履行情况").click()
    message = page.get_by_role("status").inner_text()
    assert "已生成违背信用承诺信息并记入信用记录" in message
    assert "前不得适用告知承诺制" in message
    assert "违背信用承诺信息" in page.locator("table").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "commitments-breach.png"), full_page=True)
    ctx.close()
