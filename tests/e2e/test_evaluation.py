"""A department officer opens an entity's grade explanation in the console; the charts draw from local ECharts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from tests.e2e.conftest import ARTIFACTS
from tests.evaluation.support import ACTOR, code, entity, penalty
from tests.helpers import PASSWORD, make_user

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.evaluation import service

pytestmark = pytest.mark.e2e


def test_an_officer_opens_an_entity_grade_explanation(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, page, clock: FixedClock
) -> None:
    with live_db.session() as s:
        penalty(s, code(50), "密市监罚〔2026〕12号", date(2026, 9, 1), ["罚款"])
        penalty(s, code(51), "密市监罚〔2026〕51号", date(2026, 11, 20), ["吊销许可证件"])
        entity(s, code(50), registered=date(2016, 5, 1))
        service.evaluate_all(s, actor=ACTOR)
    make_user(live_db, "op", "operator", "scjg")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server + "/console/evaluation")
    page.get_by_label("用户名").fill("op")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/console/evaluation$"))
    # The charts are drawn by the vendored ECharts from the JSON endpoint (no CDN, no inline script).
    page.wait_for_selector("#chart-domains[data-rendered=true] canvas", timeout=15000)
    page.wait_for_selector("#chart-warnings[data-rendered=true] canvas", timeout=15000)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluation-overview.png"), full_page=True)

    page.get_by_label("查询主体").fill(code(50))
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="密山市测试企业" + code(50)[-6:]).click()
    page.wait_for_url(re.compile(r".*/console/evaluation/entities/\d+$"))
    assert "综合信用等级：B级（信用风险一般）" in page.locator("#grade").inner_text()
    factors = page.locator("#factors tbody tr.factor")
    points = [int(p.replace("+", "")) for p in factors.locator("td.points").all_inner_texts()]
    assert sum(points) == int(page.locator("#total").inner_text()) == 710
    assert "密市监罚〔2026〕12号" in page.locator("#factors").inner_text()
    assert (
        "完成信用修复：处罚 密市监罚〔2026〕12号 可提前结束公示，评分预计 +50"
        in page.locator("#suggestions").inner_text()
    )
    page.screenshot(path=str(ARTIFACTS / "evaluation-entity.png"), full_page=True)

    page.get_by_role("complementary", name="管理后台导航").get_by_role("link", name="预警信息").click()
    assert "密市监罚〔2026〕51号" in page.locator("#inbox").inner_text()
    page.locator("#inbox select[name=status]").first.select_option("acknowledged")
    page.locator("#inbox button").first.click()
    assert "已保存处理结果" in page.get_by_role("status").inner_text()
    assert "已签收" in page.locator("#inbox").inner_text()
    page.screenshot(path=str(ARTIFACTS / "evaluation-warnings.png"), full_page=True)
