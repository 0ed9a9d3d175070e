"""A department creates a plan and draws; an inspector records the result; the public sees it."""

from __future__ import annotations

import re

import pytest
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import login_page as _login
from tests.helpers import make_user
from tests.inspections.support import ACTOR, entities

from xinyong.core.db import Database
from xinyong.inspections import service

pytestmark = pytest.mark.e2e


def test_department_draws_inspector_records_public_sees(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, browser
) -> None:
    make_user(live_db, "clerk", "operator", "scjg")
    make_user(live_db, "insp1", "inspector", "scjg")
    make_user(live_db, "insp2", "inspector", "scjg")
    with live_db.session() as s:
        service.load_shipped_items(s, actor=ACTOR)
        entities(s, 8)
        for n in (1, 2):
            service.save_inspector(
                s,
                values={
                    "code": f"SCJG-{n:04d}",
                    "name": f"检查员{n}",
                    "department": "scjg",
                    "qualifications": ["shichang"],
                    "username": f"insp{n}",
                },
                actor=ACTOR,
            )

    # The market-regulation clerk creates a plan, publishes the pool and seeds, then draws.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/inspections", "clerk")
    page.get_by_label("计划编号").fill("SCJG-2026-E2E")
    page.get_by_label("计划名称").fill("企业公示信息随机抽查")
    page.get_by_label("抽查事项").select_option("SCJG-001")
    page.get_by_label("基础抽查比例").fill("0.25")
    page.get_by_label("同一主体最短抽查间隔").fill("0")
    page.get_by_label("随机源（每行一个").fill("2026年12月1日双色球开奖号码")
    page.get_by_label("计划开始日期").fill("2026-12-01")
    page.get_by_label("计划结束日期").fill("2026-12-31")
    page.get_by_role("button", name="创建计划").click()
    assert "已创建抽查计划SCJG-2026-E2E" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="公布名录库和随机源").click()
    assert "共8户" in page.get_by_role("status").inner_text()
    page.get_by_label("2026年12月1日双色球开奖号码").fill("3 9 14 22 27 31 6")
    page.get_by_role("button", name="抽取").click()
    assert "抽取完成：共抽中2户" in page.get_by_role("status").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inspections-plan.png"), full_page=True)
    ctx.close()

    # An inspector (both are on every team: the library has two) records a result.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/inspections/my", "insp1")
    first = page.get_by_role("link", name=re.compile(r"SCJG-2026-E2E-\d+")).first
    task_code = first.inner_text()
    first.click()
    page.get_by_label("检查结果").select_option("发现问题已责令整改")
    page.get_by_label("检查日期").fill("2026-11-27")
    page.get_by_label("法定代表人").fill("王建国")
    page.get_by_label("检查情况说明").fill("未按规定公示即时信息，已责令限期改正")
    page.get_by_role("button", name="提交检查结果").click()
    assert "检查结果已记录并公示" in page.get_by_role("status").inner_text()
    ctx.close()

    # The public sees the plan's pool hash, seeds and the result.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(live_server + "/portal/inspections")
    page.get_by_role("link", name="SCJG-2026-E2E").click()
    body = page.locator("main").inner_text()
    assert "3 9 14 22 27 31 6" in body and "SHA-256" in body
    row = page.get_by_role("row").filter(has_text="发现问题已责令整改")
    assert row.count() == 1
    row.get_by_role("link").click()
    assert task_code in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "inspections-portal.png"), full_page=True)
    ctx.close()
