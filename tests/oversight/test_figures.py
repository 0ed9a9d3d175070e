"""The oversight dashboard's figures equal the hand-computed values on a small fixed dataset (both backends), and the
assessment workbook opens with the same numbers."""

from __future__ import annotations

import io
import json
from datetime import date
from importlib import resources

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pytest import approx
from tests.helpers import login, make_user
from tests.oversight.support import build

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.oversight import assessment, service


def _scjg_plan_items() -> int:
    doc = json.loads(resources.files("xinyong.oversight").joinpath("data", "plan-tasks.json").read_bytes())
    return sum(1 for i in doc["items"] if i["units"] == "*" or "scjg" in i["units"])


# scjg, by hand (see tests/oversight/support.py):
EXPECTED_SCJG = {
    "records": 3,  # decided 2026-11-25, 2026-10-09, 2026-03-02 (not the 2025 one)
    "on_time": 1,
    "late": 2,
    "batch_rows": 15,  # 10 + 5 (the batch at 2026-01-01 00:30 China time), not the 2025 one
    "rejected_rows": 2,
    "checks": 3,
    "checks_with_feedback": 2,
    "approvals": 6,
    "objections_due": 4,
    "objections_on_time": 2,
    "repairs_due": 2,
    "repairs_on_time": 1,
    "warnings": 3,
    "warnings_acknowledged": 2,
    "inspections_drawn": 4,
    "inspections_due": 5,
    "inspections_on_time": 3,
    "plan_items_reported": 2,
}


def _expected_score(plan_items: int) -> float:
    weighted = (
        20 * (1 / 3)
        + 15 * (1 - 2 / 15)
        + 15 * (3 / 6)
        + 10 * (2 / 3)
        + 10 * (2 / 4)
        + 10 * (1 / 2)
        + 10 * (2 / 3)
        + 5 * (3 / 5)
        + 5 * (2 / plan_items)
    )
    return round(weighted, 2)


def test_dashboard_figures_equal_hand_computed_values(db: Database, clock: FixedClock) -> None:
    with db.session() as s:
        build(s)
    with db.session() as s:
        p = service.period(2026)
        assert p.today == date(2026, 11, 28)
        figures = {f.code: f for f in service.department_figures(s, p)}
        scjg = figures["scjg"]
        for key, value in EXPECTED_SCJG.items():
            assert getattr(scjg, key) == value, key
        plan_items = _scjg_plan_items()
        assert scjg.plan_items == plan_items
        assert scjg.top_errors == [
            ("处罚决定日期", "不是有效的日期", 2),
            ("处罚类别", "取值无效", 2),
            ("统一社会信用代码", "校验位错误", 1),
        ]
        assert scjg.on_time_rate == 1 / 3
        assert scjg.rejection_rate == 2 / 15
        assert scjg.check_coverage == 0.5
        assert scjg.score(service.weighting_for(2026)) == _expected_score(plan_items)

        wjj = figures["wjj"]
        assert (wjj.records, wjj.on_time, wjj.late, wjj.warnings, wjj.warnings_acknowledged) == (1, 1, 0, 1, 1)
        assert (wjj.batch_rows, wjj.checks, wjj.objections_due, wjj.inspections_drawn) == (0, 0, 0, 0)
        assert wjj.rejection_rate is None and wjj.check_coverage is None  # nothing to measure: not scored
        # Only on-time rate (1), warnings (1) and plan reporting (0) count: (20 + 10) / (20 + 10 + 5) × 100.
        assert wjj.score(service.weighting_for(2026)) == round(30 * 100 / 35, 2)

        domains = {d.code: d for d in service.domain_figures(s, p)}
        assert domains["shichang"].grades == {"A": 1, "B": 0, "C": 0, "D": 1}
        assert domains["weijian"].grades == {"A": 1, "B": 0, "C": 1, "D": 0}
        assert (domains["shichang"].inspections_drawn, domains["shichang"].inspections_due) == (4, 5)
        assert domains["shichang"].inspections_on_time == 3
        assert (domains["weijian"].inspections_drawn, domains["weijian"].inspections_due) == (1, 1)
        assert domains["weijian"].inspections_on_time == 0
        assert domains["jiaoyu"].inspections_drawn == 0

        # The previous year sees only its own cases.
        last = {f.code: f for f in service.department_figures(s, service.period(2025))}["scjg"]
        assert (last.records, last.batch_rows, last.rejected_rows, last.checks, last.approvals) == (1, 100, 50, 1, 100)
        assert last.top_errors == [("许可编号", "不能为空", 3)]


def test_assessment_workbook_opens_with_the_right_numbers(db: Database, clock: FixedClock) -> None:
    with db.session() as s:
        build(s)
    with db.session() as s:
        data = assessment.workbook_bytes(s, service.period(2026))
    wb = load_workbook(io.BytesIO(data))
    # openpyxl writes 16 significant digits: compare fractions approximately (to 1e-12), counts exactly.
    assert wb.sheetnames == ["考核评分表", "评分权重", "指标说明"]
    ws = wb["考核评分表"]
    header = [c.value for c in ws[2]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=3, values_only=True)}
    assert "ysj" not in rows  # the credit office assesses, it is not assessed
    scjg = rows["scjg"]
    assert scjg["部门"] == "密山市市场监督管理局"
    assert scjg["报送信息（条）"] == 3 and scjg["按期报送（条）"] == 1 and scjg["逾期报送（条）"] == 2
    assert scjg["信息报送及时率"] == approx(1 / 3)
    assert scjg["退回率"] == approx(2 / 15)
    assert scjg["信用核查覆盖率"] == 0.5
    assert scjg["异议按期办结率"] == 0.5
    assert scjg["预警签收率"] == approx(2 / 3)
    assert scjg["抽查结果按期公示率"] == approx(3 / 5)
    assert scjg["得分"] == _expected_score(_scjg_plan_items())
    assert ws.cell(row=3, column=header.index("信息报送及时率") + 1).number_format == "0.00%"
    weights = wb["评分权重"]
    assert weights["B1"].value == "2026.1"
    assert sum(r[2] for r in weights.iter_rows(min_row=7, values_only=True)) == 100


def test_dashboard_pages_and_export_for_the_credit_office_only(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    with db.session() as s:
        build(s)
    make_user(db, "office", "admin", "ysj")
    make_user(db, "op", "operator", "scjg")
    login(client, "op")
    assert client.get("/console/oversight").status_code == 403
    assert client.get("/api/v1/oversight/dashboard").status_code == 403
    client.post("/logout", data={}, follow_redirects=False)
    client.cookies.clear()
    login(client, "office")
    page = client.get("/console/oversight?year=2026")
    assert page.status_code == 200
    assert "部门履职监测（2026年度）" in page.text and "密山市市场监督管理局" in page.text
    api = client.get("/api/v1/oversight/dashboard", params={"year": 2026}).json()
    scjg = next(d for d in api["departments"] if d["code"] == "scjg")
    assert scjg["rates"]["on_time_rate"] == 33.33 and scjg["rates"]["rejection_rate"] == 13.33
    assert scjg["score"] == _expected_score(_scjg_plan_items())
    xlsx = client.get("/console/oversight/assessment.xlsx?year=2026")
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(xlsx.content))["考核评分表"]["A3"].value is not None
    # The weighting is versioned data: 2025 has no version in force, so figures are shown without scores.
    assert service.weighting_for(2025) is None and service.weighting_for(2027).version == "2026.1"  # type: ignore[union-attr]
    old = client.get("/console/oversight?year=2025")
    assert old.status_code == 200 and "该年度没有生效的考核权重版本，不计算得分" in old.text
    assert all(d["score"] is None for d in client.get("/api/v1/oversight/dashboard?year=2025").json()["departments"])
    old_xlsx = load_workbook(io.BytesIO(client.get("/console/oversight/assessment.xlsx?year=2025").content))
    assert "未计算得分" in old_xlsx["评分权重"]["B1"].value
    assert client.get("/api/v1/oversight/dashboard?year=1999").status_code == 422
