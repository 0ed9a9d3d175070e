"""Helpers for inspection tests: a library of entities with grades, inspectors, plans."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session
from tests.factories import ACTOR, CIPHER, company_code

from xinyong.inspections import service
from xinyong.inspections.models import InspectionPlan, Inspector
from xinyong.subjects.models import Entity

__all__ = ["ACTOR", "CIPHER", "SEEDS", "entities", "inspectors", "plan"]

SEEDS = ["9319", "2 5 12 8 10", "9 18 26 34 41 45"]


def entities(session: Session, n: int, *, start: int = 1, industry: str = "F", **overrides: Any) -> list[Entity]:
    """n registered companies (inserted directly: the library is what is tested, not registration)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(start, start + n):
        values: dict[str, Any] = {
            "uscc": company_code(i),
            "name": f"密山市兴凯商贸有限公司{i}",
            "category": "法人及非法人组织",
            "entity_type": "有限责任公司",
            "region_code": "230382",
            "industry_code": industry,
            "registered_on": date(2020, 1, 1),
            "status": "存续",
            "created_at": now,
            "updated_at": now,
        }
        values.update(overrides)
        rows.append(Entity(**values))
    session.add_all(rows)
    session.flush()
    return rows


def inspectors(
    session: Session, n: int, *, dept: str = "scjg", domain: str = "shichang", start: int = 1
) -> list[Inspector]:
    """n active inspectors of a department qualified in a domain."""
    return [
        service.save_inspector(
            session,
            values={
                "code": f"{dept.upper()}-{i:04d}",
                "name": f"检查员{dept}{i}",
                "department": dept,
                "qualifications": [domain],
            },
            actor=ACTOR,
        )
        for i in range(start, start + n)
    ]


def plan(session: Session, code: str = "SCJG-2026-01", **overrides: Any) -> InspectionPlan:
    """A market-regulation plan over the whole library (min interval 0 unless overridden)."""
    values: dict[str, Any] = {
        "code": code,
        "name": "2026年度企业公示信息随机抽查",
        "departments": ["scjg"],
        "items": ["SCJG-001"],
        "base_ratio": "0.1",
        "min_interval_days": "0",
        "seed_sources": ["2026年12月1日中国福利彩票双色球开奖号码", "2026年12月1日体育彩票排列5", "上证指数收盘点位"],
        "period_start": "2026-12-01",
        "period_end": "2026-12-31",
    }
    values.update(overrides)
    return service.create_plan(session, values=values, actor=ACTOR)
