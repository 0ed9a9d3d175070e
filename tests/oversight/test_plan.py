"""Plan tasks (T1–T32, G1–G4) are data with lead and responsible units; a responsible department reports progress,
the credit office sees each task's status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.helpers import csrf_from, login, make_user

from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.oversight import plan
from xinyong.oversight.models import PlanItem, PlanProgress


def test_the_36_tasks_are_seeded_once_with_their_units(db: Database) -> None:
    with db.session() as s:
        assert plan.load_shipped(s, actor=Actor.system("test")) == 0  # already loaded by init: no duplicates
        codes = list(s.execute(select(PlanItem.code).order_by(PlanItem.sort_order)).scalars())
        assert codes == [f"T{i}" for i in range(1, 33)] + ["G1", "G2", "G3", "G4"]
        t31 = next(i for i in plan.overview(s) if i.item.code == "T31")
        assert t31.lead_name == "民政局" and [u.department_name for u in t31.units] == ["民政局"]
        t13 = next(i for i in plan.overview(s) if i.item.code == "T13")
        assert t13.lead_name == "人民法院"


def test_a_department_reports_progress_and_the_office_sees_it(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    make_user(db, "op", "operator", "scjg")
    make_user(db, "office", "admin", "ysj")
    login(client, "op")
    page = client.get("/console/plan/my")
    assert page.status_code == 200 and "T16" in page.text and "T13 " not in page.text
    token = csrf_from(page.text)

    def post(code: str, **data: str) -> object:
        return client.post(f"/console/plan/my/{code}", data={"csrf_token": token, **data})

    bad = post("T16", status="delayed", progress="抽查计划已制定")
    assert bad.status_code == 422 and "存在问题：状态为“滞后”时须说明原因" in bad.text
    not_mine = post("T13", status="done", progress="已公开")
    assert not_mine.status_code == 403 and "不是计划任务T13" in not_mine.text
    ok = post("T16", status="in_progress", progress="已按信用等级制定抽查比例")
    assert ok.status_code == 200 and "已报送计划任务T16在2026-Q4的进展" in ok.text
    again = post("T16", status="done", progress="全年抽查计划已完成")
    assert again.status_code == 200
    with db.session() as s:
        rows = s.execute(select(func.count()).select_from(PlanProgress)).scalar_one()
        assert rows == 1  # the second report of the quarter replaced the first
    client.cookies.clear()
    login(client, "office")
    status = client.get("/console/oversight/plan")
    assert status.status_code == 200
    assert "市场监督管理局：已完成（2026-Q4）全年抽查计划已完成" in status.text
