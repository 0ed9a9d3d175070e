"""The draw (RFC 3797, stratified by grade) and inspector assignment, with avoidance (回避)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.db import bind_value, raw_insert
from xinyong.core.errors import Conflict, NotFound, ValidationFailed
from xinyong.inspections import draw
from xinyong.inspections.models import (
    InspectionAssignment,
    InspectionItem,
    InspectionPlan,
    InspectionPool,
    InspectionTask,
    Inspector,
    InspectorConflict,
)
from xinyong.inspections.service._common import _assignment
from xinyong.inspections.service.plans import get_plan
from xinyong.inspections.service.rules import GRADES, load_rules
from xinyong.records.models import CreditRecord


def stratum_sources(sources: Sequence[Sequence[int]], grade: str) -> list[list[int]]:
    """The seed sources of a grade stratum: the plan's, then the grade's number (A=1 … D=4) as a last source."""
    return [list(s) for s in sources] + [[GRADES.index(grade) + 1]]


def task_sources(sources: Sequence[Sequence[int]], task_number: int) -> list[list[int]]:
    """The seed sources of the inspector draw for the n-th task (1-based): the plan's, then 0, then n."""
    return [list(s) for s in sources] + [[0], [task_number]]


def task_key(plan_key: bytes, task_number: int) -> bytes:
    """``draw.make_key(task_sources(sources, n))`` from the plan's own key: its sources, then "0./", then "n./"."""
    return b"%s0./%d./" % (plan_key, task_number)


def seeds_text(sources: Sequence[Sequence[int]]) -> str:
    """A seeds file for ``xinyong draw``: one source per line."""
    return "".join(" ".join(str(v) for v in s) + "\n" for s in sources)


@dataclass
class TeamDraw:
    """The inspectors drawn for one task: assigned ones, and avoided/refused ones with the reason."""

    assigned: list[int] = field(default_factory=list)
    skipped: list[tuple[int, int, str, str]] = field(default_factory=list)  # (inspector, draw index, status, reason)
    indexes: dict[int, int] = field(default_factory=dict)


def draw_team(
    key: bytes,
    pool: Sequence[int],
    *,
    size: int,
    avoid: Callable[[int], str | None],
    refused: Mapping[int, str] | None = None,
) -> TeamDraw:
    """Walk the RFC 3797 sequence over the inspector pool; avoided or refused people are skipped with the reason."""
    team = TeamDraw()
    refused = refused or {}
    for index, position in enumerate(draw.positions(key, len(pool), len(pool))):
        inspector = pool[position]
        team.indexes[inspector] = index
        if inspector in refused:
            team.skipped.append((inspector, index, "refused", refused[inspector]))
            continue
        reason = avoid(inspector)
        if reason is not None:
            team.skipped.append((inspector, index, "avoided", reason))
            continue
        team.assigned.append(inspector)
        if len(team.assigned) == size:
            return team
    raise ValidationFailed(f"符合条件且无需回避的检查人员不足{size}人，无法组成检查组，请充实执法检查人员名录库。")


def inspector_pool(session: Session, plan: InspectionPlan) -> list[Inspector]:
    """Active inspectors of the participating departments qualified for the plan's domains, ordered by code."""
    domains = {
        d
        for d in session.execute(
            select(InspectionItem.domain_code).where(InspectionItem.id.in_(plan.item_ids))
        ).scalars()
        if d
    }
    people = session.execute(
        select(Inspector)
        .where(Inspector.department_id.in_(plan.department_ids), Inspector.is_active.is_(True))
        .order_by(Inspector.code)
    ).scalars()
    return [p for p in people if not domains or domains & set(p.qualifications)]


def inspector_line(inspector: Inspector) -> str:
    """One published line of the inspector pool."""
    return f"{inspector.code}\t{inspector.name}"


class Avoidance:
    """Avoidance rules (回避) for a set of entities: declared conflicts, own licensing, the previous inspection."""

    def __init__(self, session: Session, entity_ids: Sequence[int], *, exclude_plan_id: int | None = None) -> None:
        rules = load_rules()
        self.labels = rules.avoidance_kinds
        self.conflicts: dict[tuple[int, int], str] = {}
        self.previous: dict[int, set[int]] = {}
        ids = list(entity_ids)
        # Inspectors with a login: a licence of the entity that their own account submitted counts as their own
        # licensing (本人办理过该主体的行政许可), whether or not they declared it.
        accounts = dict(
            session.execute(
                select(Inspector.user_id, Inspector.id).where(Inspector.user_id.is_not(None), Inspector.is_active)
            ).all()
        )
        for chunk in _chunks(ids, 50_000):
            for entity_id, inspector_id, kind in session.execute(
                select(InspectorConflict.entity_id, InspectorConflict.inspector_id, InspectorConflict.kind).where(
                    _among(session, InspectorConflict.entity_id, chunk)
                )
            ):
                self.conflicts.setdefault((entity_id, inspector_id), kind)
            if accounts:
                for licensed_id, user_id in session.execute(
                    select(CreditRecord.entity_id, CreditRecord.submitted_by_user_id)
                    .where(
                        _among(session, CreditRecord.entity_id, chunk),
                        CreditRecord.item_code.in_(rules.licensing_items),
                        CreditRecord.submitted_by_user_id.in_(list(accounts)),
                    )
                    .distinct()
                ):
                    self.conflicts.setdefault((int(licensed_id or 0), accounts[user_id]), "licensing")
            latest = (
                select(InspectionTask.entity_id, func.max(InspectionTask.id).label("task_id"))
                .where(_among(session, InspectionTask.entity_id, chunk))
                .group_by(InspectionTask.entity_id)
            )
            if exclude_plan_id is not None:
                latest = latest.where((InspectionTask.plan_id.is_(None)) | (InspectionTask.plan_id != exclude_plan_id))
            sub = latest.subquery()
            for entity_id, inspector_id in session.execute(
                select(sub.c.entity_id, InspectionAssignment.inspector_id)
                .join(InspectionAssignment, InspectionAssignment.task_id == sub.c.task_id)
                .where(InspectionAssignment.status == "assigned")
            ):
                self.previous.setdefault(int(entity_id), set()).add(int(inspector_id))

    def reason(self, entity_id: int, inspector_id: int) -> str | None:
        """Why the inspector must not inspect the entity, or None."""
        kind = self.conflicts.get((entity_id, inspector_id))
        if kind is not None:
            return self.labels[kind]
        if inspector_id in self.previous.get(entity_id, ()):
            return self.labels["previous"]
        return None


def _among(session: Session, column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids`` with the ids bound as one parameter (tens of thousands of placeholders cost more to
    compile than the query takes): a JSON array unpacked by json_each on SQLite, an integer array on PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer())))
    values: Any = select(literal_column("value")).select_from(func.json_each(bindparam(None, json.dumps(list(ids)))))
    return column.in_(values.scalar_subquery())


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def parse_seed_values(values: Sequence[str], *, expected: int) -> list[list[int]]:
    """The published values of the plan's seed sources, one per source, in the published order."""
    texts = [v for v in values if v is not None]
    if len(texts) != expected or any(not str(v).strip() for v in texts):
        raise ValidationFailed(f"随机源取值：计划公布了{expected}个随机源，须逐一填写其开奖（公布）结果。")
    return [draw.parse_source(str(v), number=i + 1) for i, v in enumerate(texts)]


def run_draw(session: Session, *, plan_id: int, seed_values: Sequence[str], actor: Actor) -> list[InspectionTask]:
    """Draw the plan (see ``draw_plan``) and return its tasks, in draw order."""
    draw_plan(session, plan_id=plan_id, seed_values=seed_values, actor=actor)
    return list(
        session.execute(
            select(InspectionTask).where(InspectionTask.plan_id == plan_id).order_by(InspectionTask.id)
        ).scalars()
    )


def draw_plan(session: Session, *, plan_id: int, seed_values: Sequence[str], actor: Actor) -> int:
    """Draw the entities of each grade stratum and a team of inspectors for each; create the tasks (their number)."""
    plan = get_plan(session, plan_id)
    if plan.status == "draft":
        raise Conflict("请先公布检查对象名录库和随机源，再进行抽取。")
    if plan.status == "drawn":
        raise Conflict("该计划已完成抽取，结果已公开，不能重新抽取。")
    sources = parse_seed_values(seed_values, expected=len(plan.seed_sources))
    selected = _draw_entities(session, plan, sources)
    people = inspector_pool(session, plan)
    pool_ids = [p.id for p in people]
    avoidance = Avoidance(session, [e for _, _, e in selected], exclude_plan_id=plan.id)
    now = get_clock().now()
    # Rows, not ORM objects, written with the driver's executemany (SQLite) or COPY (PostgreSQL): a 50,000-entity
    # draw writes about 150,000 rows, and the ORM's bookkeeping cost several times the inserts themselves.
    task_table = InspectionTask.__table__
    stamp = bind_value(session, task_table, "created_at", now)  # type: ignore[arg-type]
    items = bind_value(session, task_table, "item_ids", list(plan.item_ids))  # type: ignore[arg-type]
    task_rows: list[tuple[Any, ...]] = []
    teams: list[tuple[str, list[tuple[int, int, str, str | None]]]] = []
    plan_key = draw.make_key(sources)
    for number, (grade, order, entity_id) in enumerate(selected, start=1):
        team = draw_team(
            task_key(plan_key, number),
            pool_ids,
            size=plan.inspectors_per_task,
            avoid=lambda inspector, e=entity_id: avoidance.reason(e, inspector),  # type: ignore[misc]
        )
        code = f"{plan.code}-{number:06d}"
        task_rows.append(
            (code, plan.id, plan.lead_department_id, entity_id, "random", grade, order, items, "assigned", stamp)
        )
        members: list[tuple[int, int, str, str | None]] = list(team.skipped)
        members += [(inspector, team.indexes[inspector], "assigned", None) for inspector in team.assigned]
        teams.append((code, members))
    if task_rows:
        _insert_tasks(session, plan.id, task_rows, teams, stamp)
    plan.seed_values = [" ".join(map(str, s)) for s in sources]
    plan.status = "drawn"
    plan.drawn_at = now
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_plan.draw",
        object_type="inspection_plan",
        object_id=plan.id,
        detail={
            "seed_values": plan.seed_values,
            "tasks": len(task_rows),
            "pool_version": plan.pool_version,
            "inspector_pool_sha256": draw.pool_hash(inspector_line(p) for p in people),
        },
    )
    return len(task_rows)


def _draw_entities(
    session: Session, plan: InspectionPlan, sources: Sequence[Sequence[int]]
) -> list[tuple[str, int, int]]:
    """The entities drawn from each grade stratum of the current pool: (grade, position in draw order, entity id)."""
    selected: list[tuple[str, int, int]] = []  # (grade, position in draw order, entity id)
    # The pool files themselves (tens of megabytes for a city) are not needed: the ids are aligned with them.
    for grade, count, entity_ids in session.execute(
        select(InspectionPool.grade, InspectionPool.count, InspectionPool.entity_ids)
        .where(InspectionPool.plan_id == plan.id, InspectionPool.version == plan.pool_version)
        .order_by(InspectionPool.grade)
    ):
        if count == 0:
            continue
        ids = [int(x) for x in entity_ids.split(",")] if entity_ids else []
        key = draw.make_key(stratum_sources(sources, grade))
        for order, position in enumerate(draw.positions(key, len(ids), count), start=1):
            selected.append((grade, order, ids[position]))
    return selected


def _insert_tasks(
    session: Session,
    plan_id: int,
    task_rows: list[tuple[Any, ...]],
    teams: Sequence[tuple[str, Sequence[tuple[int, int, str, str | None]]]],
    stamp: Any,
) -> None:
    """Write the drawn tasks, then their teams (assigned, avoided and refused inspectors) with the new task ids."""
    raw_insert(session, "inspection_task", _TASK_COLUMNS, task_rows)
    task_ids = dict(
        session.execute(select(InspectionTask.code, InspectionTask.id).where(InspectionTask.plan_id == plan_id)).all()
    )
    raw_insert(
        session,
        "inspection_assignment",
        _ASSIGNMENT_COLUMNS,
        [
            (task_ids[code], inspector, index, status, reason, stamp)
            for code, members in teams
            for inspector, index, status, reason in members
        ],
    )


_TASK_COLUMNS = (
    "code",
    "plan_id",
    "department_id",
    "entity_id",
    "kind",
    "grade",
    "draw_position",
    "item_ids",
    "status",
    "created_at",
)
_ASSIGNMENT_COLUMNS = ("task_id", "inspector_id", "draw_index", "status", "reason", "created_at")


def refuse_assignment(session: Session, *, assignment_id: int, reason: str, actor: Actor) -> InspectionAssignment:
    """An assigned inspector is refused (e.g. a conflict found late): recorded, and the draw continues for a new one."""
    if not reason.strip():
        raise ValidationFailed("回避原因（reason）：必填项缺失")
    assignment = session.get(InspectionAssignment, assignment_id)
    if assignment is None or assignment.status != "assigned":
        raise NotFound("该检查人员分派不存在或已不在检查组中。")
    task = session.get(InspectionTask, assignment.task_id)
    assert task is not None
    if task.status != "assigned":
        raise Conflict("检查结果已记录，不能再调整检查组。")
    if task.plan_id is None:
        raise Conflict("定向检查的检查人员由部门指派，请直接调整。")
    plan = get_plan(session, task.plan_id)
    assert plan.seed_values is not None
    sources = [draw.parse_source(v) for v in plan.seed_values]
    assignment.status = "refused"
    assignment.reason = reason.strip()
    existing = {a.inspector_id: a for a in task.assignments}
    refused = {a.inspector_id: a.reason or "" for a in task.assignments if a.status == "refused"}
    avoidance = Avoidance(session, [task.entity_id], exclude_plan_id=plan.id)
    number = int(task.code.rsplit("-", 1)[1])
    team = draw_team(
        draw.make_key(task_sources(sources, number)),
        [p.id for p in inspector_pool(session, plan)],
        size=plan.inspectors_per_task,
        avoid=lambda inspector: avoidance.reason(task.entity_id, inspector),
        refused=refused,
    )
    now = get_clock().now()
    for inspector in team.assigned:
        if inspector not in existing:
            session.add(_assignment(task, inspector, team.indexes[inspector], "assigned", None, now))
    for inspector, index, status, why in team.skipped:
        if inspector not in existing:
            session.add(_assignment(task, inspector, index, status, why, now))
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_task.refuse_inspector",
        object_type="inspection_task",
        object_id=task.id,
        detail={"inspector_id": assignment.inspector_id, "reason": assignment.reason},
    )
    return assignment
