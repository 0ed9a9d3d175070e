"""A member of the public searches the demo city by partial Chinese name, opens a profile and reads its penalties."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from tests.conftest import TEST_SECRET
from tests.e2e.conftest import ARTIFACTS, rendered_fonts

from xinyong.core.db import Database
from xinyong.demo import service as demo

pytestmark = pytest.mark.e2e


def _entity_with_penalty(db: Database) -> tuple[str, str]:
    with db.session() as s:
        row = s.execute(
            text(
                "SELECT e.name, e.uscc FROM credit_record r JOIN entity e ON e.id = r.entity_id "
                "WHERE r.item_code = 'penalty' AND r.status = 'valid' AND r.publicity_from IS NOT NULL "
                "AND r.publicity_until >= :today AND e.name LIKE '密山市%' ORDER BY r.decision_date DESC LIMIT 1"
            ),
            {"today": "2026-11-28"},
        ).one()
    return str(row[0]), str(row[1])


def test_public_searches_by_partial_name_and_reads_penalties(live_server: str, live_db: Database, page) -> None:  # type: ignore[no-untyped-def]
    demo.generate(live_db, entities=300, secret_key=TEST_SECRET, records_per_entity=2.0)
    name, code = _entity_with_penalty(live_db)
    core = name.removeprefix("密山市")
    query = f"密山 {core[:3]}"  # two partial terms, both must match
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(live_server + "/")
    page.get_by_role("link", name="信用信息查询").first.click()
    page.get_by_placeholder("输入企业名称关键词").fill(query)
    page.get_by_role("button", name="查询").click()
    assert "个市场主体" in page.get_by_role("status").inner_text()
    page.screenshot(path=str(ARTIFACTS / "portal-search.png"), full_page=True)

    page.get_by_role("link", name=name, exact=True).first.click()
    assert page.locator("h1").first.inner_text() == name
    assert code in page.locator(".facts").first.inner_text()
    penalties = page.locator("#section-records table.records tr", has_text="行政处罚信息")
    assert penalties.count() >= 1
    first = penalties.first.inner_text()
    assert ("罚" in first and "有效" in first) or "异议中" in first
    fonts = rendered_fonts(page, "h1")
    assert any("CJK" in f or "WenQuanYi" in f or "Noto Sans SC" in f for f in fonts), fonts
    page.screenshot(path=str(ARTIFACTS / "portal-profile.png"), full_page=True)

    penalties.first.get_by_role("link").click()
    assert page.locator("h1").first.inner_text() == "行政处罚信息"
    assert "处罚依据" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "portal-record.png"), full_page=True)

    page.goto(f"{live_server}/portal/entities/{code}/print")
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "portal-print.png"), full_page=True)
