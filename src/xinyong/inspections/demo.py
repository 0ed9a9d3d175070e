"""Demo data for random inspections: the item list, inspectors, one drawn plan with some published results."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from xinyong.accounts.models import User
from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.inspections import service
from xinyong.inspections.models import InspectionPlan

INSPECTORS = 10
RESULTS = 12
SEED_SOURCES = ["中国福利彩票双色球第2026135期开奖号码（7个）", "体育彩票排列5第26318期开奖号码"]
SEED_VALUES = ["3 9 14 22 27 31 6", "2 6 0 8 5"]


def seed(db: Database, *, secret_key: str) -> dict[str, int]:
    """Add the item list and, on a database without plans, inspectors and one drawn plan with some results."""
    actor = Actor.system("demo")
    with db.session() as session:
        items = service.load_shipped_items(session, actor=actor)
        if session.execute(select(func.count()).select_from(InspectionPlan)).scalar_one():
            return {"items": items, "tasks": 0, "results": 0}
        linked = session.execute(select(User.username).where(User.username == "scjg_inspector")).scalar_one_or_none()
        for n in range(1, INSPECTORS + 1):
            service.save_inspector(
                session,
                values={
                    "code": f"23038200{n:04d}",
                    "name": f"市场监管执法人员{n:02d}",
                    "department": "scjg",
                    "qualifications": ["shichang"],
                    "username": linked if n == 1 else "",
                },
                actor=actor,
            )
        today = get_clock().today()
        plan = service.create_plan(
            session,
            values={
                "code": f"SCJG-{today.year}-SJ01",
                "name": f"{today.year}年度批发和零售业企业公示信息双随机抽查",
                "departments": ["scjg"],
                "items": ["SCJG-001", "SCJG-002"],
                "industries": ["F"],
                "base_ratio": "0.005",
                "min_interval_days": "365",
                "seed_sources": SEED_SOURCES,
                "period_start": (today - timedelta(days=30)).isoformat(),
                "period_end": (today + timedelta(days=60)).isoformat(),
            },
            actor=actor,
        )
        service.publish_pool(session, plan_id=plan.id, actor=actor)
        tasks = service.run_draw(session, plan_id=plan.id, seed_values=SEED_VALUES, actor=actor)
    results = 0
    cipher = get_cipher(secret_key)
    outcomes = ["未发现问题", "未发现问题", "未发现问题", "发现问题已责令整改", "未按规定公示年报"]
    with db.session() as session:
        for task in tasks[:RESULTS]:
            team = service.get_task(session, task.id).assignments
            inspector = next(a.inspector_id for a in team if a.status == "assigned")
            service.record_result(
                session,
                task_id=task.id,
                result=outcomes[results % len(outcomes)],
                note="",
                inspected_on=get_clock().today() - timedelta(days=1),
                legal_rep=service.legal_rep_of(session, task.entity_id) or "王建国",
                actor=actor,
                inspector_id=inspector,
                cipher=cipher,
            )
            results += 1
    return {"items": items, "tasks": len(tasks), "results": results, "inspectors": INSPECTORS}
