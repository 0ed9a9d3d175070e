"""Execution and results: tasks, recording and publishing results, what the public sees."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from xinyong.core import deadlines
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, NotFound, PermissionDenied
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.policy import ALL_DEPARTMENTS, Departments, scope_of
from xinyong.ingestion import service as ingestion_service
from xinyong.inspections.models import (
    InspectionAssignment,
    InspectionItem,
    InspectionPlan,
    InspectionTask,
    Inspector,
)
from xinyong.inspections.service.attachments import Upload, accepted_uploads, store_attachments
from xinyong.inspections.service.pool import current_pools
from xinyong.inspections.service.rules import INSPECTION_ITEM, load_rules
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department, Entity


def get_task(session: Session, task_id: int) -> InspectionTask:
    """A task with its entity and assignments."""
    task = session.execute(
        select(InspectionTask)
        .options(selectinload(InspectionTask.entity), selectinload(InspectionTask.assignments))
        .where(InspectionTask.id == task_id)
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("检查任务不存在。")
    return task


def inspector_for_user(session: Session, user_id: int | None) -> Inspector | None:
    """The library entry linked to a login account."""
    if user_id is None:
        return None
    return session.execute(select(Inspector).where(Inspector.user_id == user_id)).scalar_one_or_none()


def tasks_for_inspector(session: Session, inspector_id: int) -> list[InspectionTask]:
    """The tasks an inspector is assigned to, open ones first."""
    stmt = (
        select(InspectionTask)
        .options(selectinload(InspectionTask.entity))
        .join(InspectionAssignment, InspectionAssignment.task_id == InspectionTask.id)
        .where(InspectionAssignment.inspector_id == inspector_id, InspectionAssignment.status == "assigned")
        .order_by(InspectionTask.status, InspectionTask.id)
    )
    return list(session.execute(stmt).scalars())


def plan_tasks(session: Session, plan_id: int, *, offset: int = 0, limit: int | None = None) -> list[InspectionTask]:
    """A plan's tasks in draw order (grade, then order of selection), a page of them when ``limit`` is given."""
    stmt = (
        select(InspectionTask)
        .options(selectinload(InspectionTask.entity), selectinload(InspectionTask.assignments))
        .where(InspectionTask.plan_id == plan_id)
        .order_by(InspectionTask.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def count_plan_tasks(session: Session, plan_id: int) -> int:
    """How many tasks a plan's draw created."""
    return int(session.scalar(select(func.count()).where(InspectionTask.plan_id == plan_id)) or 0)


def record_result(
    session: Session,
    *,
    task_id: int,
    result: str,
    note: str,
    inspected_on: date | None,
    legal_rep: str | None,
    attachments: Sequence[Upload] = (),
    actor: Actor,
    inspector_id: int | None,
    cipher: FieldCipher,
    publish: bool = True,
) -> InspectionTask:
    """Record an inspection result (by an inspector of the team); it is due for publication within 20 working days.

    With ``publish`` (the default) the result is published at once as an ``inspection`` credit record.
    """
    rules = load_rules()
    task = get_task(session, task_id)
    if inspector_id is not None and inspector_id not in {
        a.inspector_id for a in task.assignments if a.status == "assigned"
    }:
        raise PermissionDenied("您不在该任务的检查组中。")
    if task.status != "assigned":
        raise Conflict("该任务的检查结果已记录。")
    errors = _Errors(
        {"result": "检查结果", "inspected_on": "检查日期", "legal_rep": "法定代表人", "attachments": "附件"}
    )
    today = get_clock().today()
    if result not in rules.results:
        errors.add("result", f"应为：{'、'.join(rules.results)}")
    if inspected_on is None:
        errors.add("inspected_on", "必填项缺失")
    elif inspected_on > today:
        errors.add("inspected_on", "不能晚于今天")
    if task.entity.category == "法人及非法人组织" and not (legal_rep or "").strip():
        errors.add("legal_rep", "法人及非法人组织必须填写法定代表人")
    kept = accepted_uploads(attachments, errors)
    errors.raise_if_any("检查结果未保存")
    assert inspected_on is not None
    task.result = result
    task.result_note = note.strip() or None
    task.inspected_on = inspected_on
    task.status = "recorded"
    deadlines.set_deadline(
        session,
        task,
        "publish_deadline",
        start=today,
        working_days=load_rules().publish_working_days,
        label="抽查结果公示期限",
        party_window=False,
        open_when={"status": ["recorded"]},
    )
    store_attachments(session, task.id, kept)
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_task.result",
        object_type="inspection_task",
        object_id=task.id,
        detail={"result": result, "deadline": task.publish_deadline.isoformat() if task.publish_deadline else None},
    )
    if publish:
        publish_result(session, task_id=task.id, legal_rep=legal_rep, actor=actor, cipher=cipher)
    return task


def publish_result(
    session: Session, *, task_id: int, legal_rep: str | None, actor: Actor, cipher: FieldCipher
) -> CreditRecord:
    """Publish a recorded result: an ``inspection`` credit record (the archive's validation, publicity, audit)."""
    task = get_task(session, task_id)
    if task.status != "recorded":
        raise Conflict("只有已记录、尚未公示的检查结果可以公示。")
    department = session.get(Department, task.department_id)
    assert department is not None and task.inspected_on is not None and task.result is not None
    entity = task.entity
    items = list(session.execute(select(InspectionItem).where(InspectionItem.id.in_(task.item_ids))).scalars())
    if task.kind == "random":
        method = "双随机抽查"
    else:
        method = "投诉举报核查" if task.targeted_reason == "complaint" else "重点检查"
    fields: dict[str, Any] = {
        "XDR_MC": entity.name,
        "XDR_LB": entity.category,
        "XDR_SHXYM": entity.uscc,
        "WSH": task.code,
        "NR": "；".join(i.name for i in items),
        "JCFS": method,
        "JCJG": task.result,
        "JDRQ": task.inspected_on.isoformat(),
        "JDJG": department.name,
        "JDJGDM": department.uscc,
        "SJLY": department.name,
        "SJLYDM": department.uscc,
    }
    if legal_rep and legal_rep.strip():
        fields["FRDB"] = legal_rep.strip()
    if task.result_note:
        fields["BZ"] = task.result_note[:500]
    stored, _spec = ingestion_service.submit_one(
        session, kind=INSPECTION_ITEM, fields=fields, department_code=department.code, actor=actor, cipher=cipher
    )
    task.record_id = stored.record.id
    task.published_on = get_clock().today()
    task.status = "published"
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_task.publish",
        object_type="inspection_task",
        object_id=task.id,
        detail={"record_id": stored.record.id, "on_time": task.published_on <= (task.publish_deadline or date.max)},
    )
    return stored.record


def legal_rep_of(session: Session, entity_id: int) -> str | None:
    """The entity's current legal representative, to prefill the result form."""
    for rel in subjects_service.relations_of(session, entity_id, on=get_clock().today()):
        if rel.role == "legal_rep":
            return rel.person.name
    return None


def overdue_results(session: Session, *, department_id: Departments = ALL_DEPARTMENTS) -> list[InspectionTask]:
    """Recorded results not yet published whose 20-working-day deadline has passed."""
    stmt = (
        select(InspectionTask)
        .options(selectinload(InspectionTask.entity))
        .where(InspectionTask.status == "recorded", InspectionTask.publish_deadline < get_clock().today())
    )
    stmt = stmt.where(scope_of(department_id).where(InspectionTask.department_id))
    return list(session.execute(stmt.order_by(InspectionTask.publish_deadline)).scalars())


def published_results(session: Session, plan_id: int) -> list[InspectionTask]:
    """A plan's published results (what the portal shows)."""
    return [t for t in plan_tasks(session, plan_id) if t.status == "published"]


def item_names(session: Session, ids: Sequence[int]) -> list[str]:
    """Item names for display, in the given order."""
    found = {i.id: i.name for i in session.execute(select(InspectionItem).where(InspectionItem.id.in_(ids))).scalars()}
    return [found[i] for i in ids if i in found]


def targeted_tasks(session: Session, *, department_id: Departments = ALL_DEPARTMENTS) -> list[InspectionTask]:
    """Targeted (non-random) inspections, newest first."""
    stmt = select(InspectionTask).options(selectinload(InspectionTask.entity)).where(InspectionTask.kind == "targeted")
    stmt = stmt.where(scope_of(department_id).where(InspectionTask.department_id))
    return list(session.execute(stmt.order_by(InspectionTask.id.desc())).scalars())


def plan_public(session: Session, plan: InspectionPlan) -> dict[str, Any]:
    """What the public API shows of a plan: pool hashes, seeds, the draw and published results."""
    pools = current_pools(session, plan) if plan.pool_version else []
    tasks = (
        session.execute(
            select(
                InspectionTask.grade,
                InspectionTask.draw_position,
                Entity.uscc,
                Entity.name,
                InspectionTask.status,
                InspectionTask.result,
                InspectionTask.published_on,
            )
            .join(Entity, Entity.id == InspectionTask.entity_id)
            .where(InspectionTask.plan_id == plan.id)
            .order_by(InspectionTask.id)
        ).all()
        if plan.status == "drawn"
        else []
    )
    return {
        "code": plan.code,
        "name": plan.name,
        "status": plan.status,
        "joint": len(plan.department_ids) > 1,
        "period": [plan.period_start.isoformat(), plan.period_end.isoformat()],
        "base_ratio": plan.base_ratio,
        "multipliers": plan.multipliers,
        "seed_sources": plan.seed_sources,
        "seed_values": plan.seed_values,
        "pool_version": plan.pool_version,
        "strata": [{"grade": p.grade, "size": p.size, "count": p.count, "sha256": p.sha256} for p in pools],
        "selected": [
            {
                "grade": t.grade,
                "order": t.draw_position,
                "uscc": t.uscc,
                "name": t.name,
                "result": t.result if t.status == "published" else None,
                "published_on": t.published_on.isoformat() if t.published_on else None,
            }
            for t in tasks
        ],
    }
