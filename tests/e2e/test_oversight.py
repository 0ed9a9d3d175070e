"""The credit office opens the oversight dashboard; the charts draw from the vendored ECharts (no CDN, no inline
script) and the assessment table downloads as a workbook that opens."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from tests.e2e.conftest import ARTIFACTS
from tests.helpers import PASSWORD, make_user
from tests.oversight.support import build

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database

pytestmark = pytest.mark.e2e

CHARTS = ["#chart-reporting", "#chart-handling", "#chart-grades", "#chart-inspections"]


def test_the_credit_office_opens_the_oversight_dashboard(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, page, clock: FixedClock
) -> None:
    with live_db.session() as s:
        build(s)
    make_user(live_db, "office", "admin", "ysj")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)
    page.goto(live_server + "/console/oversight?year=2026")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/console/oversight(\?year=2026)?$"))
    for chart in CHARTS:
        canvas = page.wait_for_selector(f"{chart}[data-rendered=true] canvas", timeout=15000)
        assert canvas is not None
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, chart
        # The canvas is not blank: some pixel differs from the first one.
        assert page.evaluate(
            """(sel) => { const c = document.querySelector(sel + ' canvas'); const ctx = c.getContext('2d');
                 const d = ctx.getImageData(0, 0, c.width, c.height).data;
                 for (let i = 4; i < d.length; i += 4) {
                   if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) return true; }
                 return false; }""",
            chart,
        ), f"{chart} drew nothing"
    assert not [e for e in errors if "Content Security Policy" in e or "图表" in e], errors
    assert external == [], external
    row = page.locator("#departments tr[data-code=scjg]")
    assert "33.33%" in row.inner_text() and "13.33%" in row.inner_text()
    assert "处罚决定日期：不是有效的日期（2）" in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "oversight-dashboard.png"), full_page=True)

    with page.expect_download() as info:
        page.locator("#export").click()
    path = info.value.path()
    wb = load_workbook(io.BytesIO(open(path, "rb").read()))  # noqa: SIM115
    assert wb["考核评分表"]["B2"].value == "部门"

    page.get_by_role("link", name="计划任务进展").first.click()
    page.wait_for_url(re.compile(r".*/console/oversight/plan$"))
    t1 = page.locator("#plan tr[data-code=T1]")
    assert "推进中" in t1.locator("td.status").inner_text()  # one of its 20 units reported
    t1.locator("summary").click()
    assert "市场监督管理局：已完成（2026-Q4）已完成清单梳理" in t1.inner_text()
    page.screenshot(path=str(ARTIFACTS / "oversight-plan.png"), full_page=True)
