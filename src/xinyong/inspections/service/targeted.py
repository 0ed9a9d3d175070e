"""Targeted inspections (complaints, alerts): recorded separately from random ones."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import NotFound, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.inspections.models import (
    InspectionItem,
    InspectionTask,
    Inspector,
)
from xinyong.inspections.service._common import _assignment, _department
from xinyong.inspections.service.drawing import Avoidance
from xinyong.inspections.service.rules import load_rules
from xinyong.subjects.models import Department, Entity


def create_targeted(
    session: Session,
    *,
    department_code: str,
    uscc: str,
    reason: str,
    note: str,
    item_codes: Sequence[str],
    inspector_ids: Sequence[int],
    actor: Actor,
) -> InspectionTask:
    """A targeted (non-random) inspection for a complaint or alert, with inspectors named by the department."""
    rules = load_rules()
    errors = _Errors(
        {
            "uscc": "统一社会信用代码",
            "reason": "检查原因",
            "note": "线索说明",
            "items": "检查事项",
            "inspectors": "检查人员",
        }
    )
    department = _department(session, department_code)
    if department is None:
        raise NotFound("部门不存在。")
    entity = session.execute(select(Entity).where(Entity.uscc == uscc.strip().upper())).scalar_one_or_none()
    if entity is None:
        errors.add("uscc", "市场主体不在主体库中")
    if reason not in rules.targeted_reasons:
        errors.add("reason", f"应为：{'、'.join(rules.targeted_reasons.values())}")
    if not note.strip():
        errors.add("note", "请说明投诉举报或预警线索")
    items, people = _items_and_people(session, department, item_codes, inspector_ids, errors)
    errors.raise_if_any("定向检查未登记")
    assert entity is not None
    _check_avoidance(session, entity.id, people)
    today = get_clock().today()
    serial = (
        session.execute(
            select(func.count()).select_from(InspectionTask).where(InspectionTask.kind == "targeted")
        ).scalar_one()
        + 1
    )
    now = get_clock().now()
    task = InspectionTask(
        code=f"DX-{today:%Y%m%d}-{serial:05d}",
        plan_id=None,
        department_id=department.id,
        entity_id=entity.id,
        kind="targeted",
        targeted_reason=reason,
        targeted_note=note.strip(),
        item_ids=[i.id for i in items if i is not None],
        status="assigned",
        created_at=now,
    )
    session.add(task)
    for index, p in enumerate(people):
        assert p is not None
        session.add(_assignment(task, p.id, index, "assigned", None, now))
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_task.targeted",
        object_type="inspection_task",
        object_id=task.id,
        detail={"entity_id": entity.id, "reason": reason},
    )
    return task


def _items_and_people(
    session: Session,
    department: Department,
    item_codes: Sequence[str],
    inspector_ids: Sequence[int],
    errors: _Errors,
) -> tuple[list[InspectionItem | None], list[Inspector | None]]:
    """The named items and inspectors; an error unless all are the department's own (inspectors active, enough)."""
    rules = load_rules()
    items = [
        session.execute(select(InspectionItem).where(InspectionItem.code == c.upper())).scalar_one_or_none()
        for c in item_codes
    ]
    if not items or any(i is None or i.department_id != department.id for i in items):
        errors.add("items", "至少选择一个本部门的抽查事项")
    people = [session.get(Inspector, i) for i in inspector_ids]
    if len(people) < rules.min_inspectors_per_task or any(
        p is None or not p.is_active or p.department_id != department.id for p in people
    ):
        errors.add("inspectors", f"至少指派{rules.min_inspectors_per_task}名本部门在岗检查人员")
    return items, people


def _check_avoidance(session: Session, entity_id: int, people: Sequence[Inspector | None]) -> None:
    """Refuse the team if one of its inspectors must avoid the entity (回避)."""
    avoidance = Avoidance(session, [entity_id])
    for p in people:
        assert p is not None
        if why := avoidance.reason(entity_id, p.id):
            raise ValidationFailed(f"检查人员（inspectors）：{p.name}须回避（{why}）")
