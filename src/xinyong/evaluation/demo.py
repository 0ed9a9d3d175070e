"""Demo data of the evaluation: industry grades from the tax and housing departments, then a full grading run."""

from __future__ import annotations

import random
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.db import Database
from xinyong.evaluation import service
from xinyong.evaluation.models import IndustryGrade
from xinyong.subjects.models import Department, Entity

# (domain, department code, share of entities, source grades with weights)
DEMO_INDUSTRY = [
    ("shuiwu", "sw", 0.25, {"A": 30, "B": 45, "M": 15, "C": 7, "D": 3}),
    ("zhujian", "zjj", 0.03, {"AAA": 20, "AA": 40, "A": 30, "B": 8, "C": 2}),
    ("jiaotong", "jtj", 0.02, {"AA": 15, "A": 45, "B": 30, "C": 7, "D": 3}),
]


def add_industry_grades(session: Session, *, seed: int) -> int:
    """Give a share of the entities tax, construction and transport grades (once; skipped if any exist)."""
    if session.execute(select(func.count()).select_from(IndustryGrade)).scalar_one():
        return 0
    _row, doc = service.model_in_force(session)
    scales = {x.domain: x.scale for x in doc.industry}
    rng = random.Random(f"{seed}:industry")
    now = get_clock().now()
    evaluated_on = date(get_clock().today().year, 4, 30)
    if evaluated_on > get_clock().today():
        evaluated_on = evaluated_on.replace(year=evaluated_on.year - 1)
    total = 0
    for domain, dept_code, share, weights in DEMO_INDUSTRY:
        if domain not in scales:
            continue
        dept_id = session.execute(select(Department.id).where(Department.code == dept_code)).scalar_one_or_none()
        if dept_id is None:
            continue
        grades, cum = list(weights), list(weights.values())
        rows: list[dict[str, Any]] = []
        for (entity_id,) in session.execute(select(Entity.id).order_by(Entity.id)):
            if rng.random() >= share:
                continue
            source = rng.choices(grades, cum)[0]
            rows.append(
                {
                    "entity_id": entity_id,
                    "domain_code": domain,
                    "source_grade": source,
                    "grade": scales[domain][source],
                    "evaluated_on": evaluated_on,
                    "department_id": dept_id,
                    "import_id": None,
                    "is_current": True,
                    "created_at": now,
                }
            )
            if len(rows) >= 20_000:
                session.execute(insert(cast(Table, IndustryGrade.__table__)), rows)
                total += len(rows)
                rows = []
        if rows:
            session.execute(insert(cast(Table, IndustryGrade.__table__)), rows)
            total += len(rows)
    return total


def run(db: Database, *, seed: int) -> service.RunResult:
    """Demo industry grades, then grade every entity (called at the end of ``xinyong demo``)."""
    with db.session() as session:
        add_industry_grades(session, seed=seed)
    with db.session() as session:
        return service.evaluate_all(session, actor=Actor.system("demo"))
