"""Plan task tracking (G4): the 36 tasks as data, quarterly progress reports by their responsible units."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit
from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.errors import NotFound, PermissionDenied, ValidationFailed
from xinyong.oversight.models import PlanItem, PlanItemUnit, PlanProgress
from xinyong.subjects.models import Department

STATUS_LABELS = {"not_started": "未启动", "in_progress": "推进中", "done": "已完成", "delayed": "滞后"}
OVERALL_LABELS = {"none": "未报送", **STATUS_LABELS}
MAX_TEXT = 2000


def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("xinyong.oversight").joinpath("data", "plan-tasks.json").read_bytes()
    )
    return data


def load_shipped(session: Session, *, actor: Actor) -> int:
    """Add the plan tasks not yet stored, with lead and responsible units ("*" = every department but the credit
    office); returns how many were added. Existing tasks are left as the credit office keeps them."""
    doc = _shipped()
    depts = {d.code: d for d in session.execute(select(Department)).scalars()}
    if not depts:
        return 0
    existing = set(session.execute(select(PlanItem.code)).scalars())
    everyone = [d.id for d in depts.values() if not d.is_credit_office]
    added = 0
    for order, raw in enumerate(doc["items"], start=1):
        if raw["code"] in existing:
            continue
        lead = depts.get(raw["lead"])
        item = PlanItem(
            code=raw["code"],
            section=raw["section"],
            title=raw["title"],
            description=raw["description"],
            lead_department_id=lead.id if lead else None,
            sort_order=order,
            data_version=doc["version"],
        )
        session.add(item)
        session.flush()
        unit_ids = everyone if raw["units"] == "*" else [depts[c].id for c in raw["units"] if c in depts]
        session.add_all(PlanItemUnit(plan_item_id=item.id, department_id=d) for d in sorted(set(unit_ids)))
        added += 1
    if added:
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="plan.load",
            object_type="plan_item",
            detail={"version": doc["version"], "added": added},
        )
    return added


def period_of(day: date) -> str:
    """The reporting period (a quarter) of a day, e.g. 2026-Q4."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass
class UnitStatus:
    """A responsible unit's latest report on a task."""

    department_id: int
    department_name: str
    period: str | None = None
    status: str | None = None
    progress: str | None = None
    problems: str | None = None
    reported_at: Any = None


@dataclass
class ItemStatus:
    """A plan task, its lead unit and each responsible unit's latest report."""

    item: PlanItem
    lead_name: str | None
    units: list[UnitStatus] = field(default_factory=list)

    @property
    def overall(self) -> str:
        """未报送 if no unit reported; 滞后 if any latest report says so; 已完成 when every unit has; else 推进中."""
        statuses = [u.status for u in self.units if u.status]
        if not statuses:
            return "none"
        if "delayed" in statuses:
            return "delayed"
        if len(statuses) == len(self.units) and all(s == "done" for s in statuses):
            return "done"
        if all(s == "not_started" for s in statuses):
            return "not_started"
        return "in_progress"

    @property
    def reported_units(self) -> int:
        """How many responsible units have reported at least once."""
        return sum(1 for u in self.units if u.status)


def overview(session: Session, *, department_id: int | None = None) -> list[ItemStatus]:
    """Every task with each responsible unit's latest report (one ranked query); only a department's own tasks when
    department_id is given."""
    names = {d: n for d, n in session.execute(select(Department.id, Department.short_name))}
    items = list(session.execute(select(PlanItem).order_by(PlanItem.sort_order)).scalars())
    units_stmt = select(PlanItemUnit.plan_item_id, PlanItemUnit.department_id)
    if department_id is not None:
        units_stmt = units_stmt.where(PlanItemUnit.department_id == department_id)
    units: dict[int, list[int]] = {}
    for item_id, dept_id in session.execute(units_stmt):
        units.setdefault(item_id, []).append(dept_id)
    ranked = select(
        PlanProgress,
        func.row_number()
        .over(
            partition_by=(PlanProgress.plan_item_id, PlanProgress.department_id),
            order_by=(PlanProgress.period.desc(), PlanProgress.id.desc()),
        )
        .label("rk"),
    ).subquery()
    latest = {
        (row.plan_item_id, row.department_id): row for row in session.execute(select(ranked).where(ranked.c.rk == 1))
    }
    result = []
    for item in items:
        if department_id is not None and item.id not in units:
            continue
        status = ItemStatus(item, names.get(item.lead_department_id) if item.lead_department_id else None)
        for dept_id in sorted(units.get(item.id, []), key=lambda d: d):
            u = UnitStatus(dept_id, names.get(dept_id, ""))
            if (row := latest.get((item.id, dept_id))) is not None:
                u.period, u.status, u.progress, u.problems, u.reported_at = (
                    row.period,
                    row.status,
                    row.progress,
                    row.problems,
                    row.reported_at,
                )
            status.units.append(u)
        result.append(status)
    return result


def submit_progress(
    session: Session,
    *,
    item_code: str,
    department_id: int | None,
    status: str,
    progress: str,
    problems: str | None,
    actor: Actor,
) -> PlanProgress:
    """A responsible unit's report for the current quarter; a second report in the quarter replaces the first."""
    item = session.execute(select(PlanItem).where(PlanItem.code == item_code)).scalar_one_or_none()
    if item is None:
        raise NotFound(f"计划任务{item_code}不存在。")
    if department_id is None or (
        session.get(PlanItemUnit, {"plan_item_id": item.id, "department_id": department_id}) is None
    ):
        raise PermissionDenied(f"本部门不是计划任务{item.code}“{item.title}”的责任单位，不能报送进展。")
    errors = []
    if status not in STATUS_LABELS:
        errors.append(f"进展状态：取值无效，应为{'、'.join(STATUS_LABELS.values())}之一")
    progress = (progress or "").strip()
    problems = (problems or "").strip() or None
    if not progress:
        errors.append("工作进展：不能为空")
    elif len(progress) > MAX_TEXT:
        errors.append(f"工作进展：不能超过{MAX_TEXT}字")
    if status == "delayed" and not problems:
        errors.append("存在问题：状态为“滞后”时须说明原因")
    if problems and len(problems) > MAX_TEXT:
        errors.append(f"存在问题：不能超过{MAX_TEXT}字")
    if errors:
        raise ValidationFailed("进展报告有误：" + "；".join(errors), details=errors)
    now = get_clock().now()
    period = period_of(get_clock().today())
    row = session.execute(
        select(PlanProgress).where(
            PlanProgress.plan_item_id == item.id,
            PlanProgress.department_id == department_id,
            PlanProgress.period == period,
        )
    ).scalar_one_or_none()
    replaced = row is not None
    if row is None:
        row = PlanProgress(plan_item_id=item.id, department_id=department_id, period=period)
        session.add(row)
    row.status, row.progress, row.problems = status, progress, problems
    row.reported_at, row.reported_by = now, actor.label
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="plan.progress",
        object_type="plan_progress",
        object_id=row.id,
        detail={"item": item.code, "period": period, "status": status, "replaced": replaced},
    )
    return row
