"""The entity library and its published pool (检查对象名录库), stratified by credit grade."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import Conflict, ValidationFailed
from xinyong.inspections import draw
from xinyong.inspections.models import (
    InspectionPlan,
    InspectionPool,
    InspectionTask,
)
from xinyong.inspections.service.plans import get_plan
from xinyong.inspections.service.rules import GRADES, load_rules
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Entity


def subject_grades(session: Session, entity_ids: Iterable[int]) -> dict[int, str]:
    """Current overall credit grades (A–D, from the evaluation) of entities; an ungraded entity is missing.

    Callers give ungraded entities the rules' ``unknown_grade`` (B, normal supervision).
    """
    from xinyong.evaluation.models import EntityGrade

    ids = list(entity_ids)
    out: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        rows = session.execute(
            select(EntityGrade.entity_id, EntityGrade.overall_grade).where(EntityGrade.entity_id.in_(part))
        )
        out.update((entity_id, grade) for entity_id, grade in rows)
    return out


@dataclass(frozen=True)
class Stratum:
    """One grade's part of the library: pool lines and entity ids in published order, and the number to draw."""

    grade: str
    lines: list[str]
    entity_ids: list[int]
    count: int

    @cached_property
    def text(self) -> str:
        """The published pool file."""
        return draw.pool_text(self.lines)

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the published pool file."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def stratum_count(size: int, base_ratio: Decimal, multiplier: Decimal) -> int:
    """How many a grade stratum gives: size × base ratio × multiplier, rounded half up, at most the size."""
    wanted = (Decimal(size) * base_ratio * multiplier).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(size, int(wanted))


def pool_line(uscc: str, name: str) -> str:
    """One published pool line: the code and the name (white space runs as one space), separated by a tab."""
    return f"{uscc}\t{' '.join(name.split())}" if _SPACE.search(name) else f"{uscc}\t{name}"


_SPACE = re.compile(r"\s")


def library_rows(session: Session, plan: InspectionPlan, *, today: date) -> list[tuple[int, str, str, str | None]]:
    """The entities matching the plan's library filter, ordered by code: (id, code, name, current overall grade).

    Entities inspected at random within the plan's minimum interval are left out (no entity inspected again
    too soon); entities without a Unified Social Credit Code cannot be published in a pool and are left out too.
    The grade is None for an entity the evaluation has not graded yet. One query without ORDER BY (the table is
    read in storage order, then sorted here: a million-entity library costs a second, not an index walk).
    """
    from xinyong.evaluation.models import EntityGrade

    rules = load_rules()
    f = plan.library_filter
    stmt = (
        select(Entity.id, Entity.uscc, Entity.name, EntityGrade.overall_grade)
        .outerjoin(EntityGrade, EntityGrade.entity_id == Entity.id)
        .where(Entity.uscc.is_not(None))
    )
    if f.get("statuses"):
        stmt = stmt.where(Entity.status.in_(f["statuses"]))
    if f.get("regions"):
        stmt = stmt.where(_any_prefix(Entity.region_code, f["regions"]))
    industries = list(f.get("industries") or [])
    if f.get("domain"):
        domain_inds = rules.domain_industries.get(f["domain"], [])
        if domain_inds:
            industries = (
                [i for i in industries if any(i.startswith(d) for d in domain_inds)]
                if industries
                else list(domain_inds)
            )
            if not industries:
                return []
    if industries:
        stmt = stmt.where(_any_prefix(Entity.industry_code, industries))
    if f.get("min_registered_months"):
        months = int(f["min_registered_months"])
        stmt = stmt.where(Entity.registered_on <= _months_before(today, months))
    list_query = select(CreditRecord.entity_id).where(
        CreditRecord.is_current.is_(True), CreditRecord.status == states.VALID, CreditRecord.entity_id.is_not(None)
    )
    if f.get("include_lists"):
        stmt = stmt.where(Entity.id.in_(list_query.where(CreditRecord.item_code.in_(f["include_lists"]))))
    if f.get("exclude_lists"):
        stmt = stmt.where(Entity.id.not_in(list_query.where(CreditRecord.item_code.in_(f["exclude_lists"]))))
    if plan.min_interval_days:
        since = get_clock().now() - timedelta(days=plan.min_interval_days)
        recent = select(InspectionTask.entity_id).where(
            InspectionTask.kind == "random", InspectionTask.created_at >= since
        )
        stmt = stmt.where(Entity.id.not_in(recent))
    # Plain driver tuples: the four columns need no type processing, and a Row object per entity costs more
    # than SQLite's own work for it.
    result = session.connection().execute(stmt)
    rows: list[Any] = list(result.cursor.fetchall())
    result.close()
    rows.sort(key=itemgetter(1))
    return rows


def _any_prefix(column: Any, prefixes: Sequence[str]) -> Any:
    from sqlalchemy import or_

    return or_(*(column.like(f"{p}%") for p in prefixes))


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)


def build_strata(
    rows: Sequence[Sequence[Any]],
    grades: Mapping[int, str] | None,
    *,
    base_ratio: Decimal,
    multipliers: Mapping[str, str],
    allowed: Sequence[str] = GRADES,
) -> list[Stratum]:
    """Split library rows (id, code, name[, grade]) by grade and size each stratum's draw.

    ``grades`` overrides the rows' own grade column when given; an ungraded entity gets the rules' setting.
    """
    unknown = load_rules().unknown_grade
    by_grade: dict[str, tuple[list[str], list[int]]] = {g: ([], []) for g in GRADES}
    space = _SPACE.search
    for row in rows:
        entity_id, uscc, name = row[0], row[1], row[2]
        grade = (grades.get(entity_id) if grades is not None else (row[3] if len(row) > 3 else None)) or unknown
        lines, ids = by_grade[grade]
        lines.append(f"{uscc}\t{' '.join(name.split())}" if space(name) else f"{uscc}\t{name}")
        ids.append(entity_id)
    strata = []
    for grade in GRADES:
        if grade not in allowed:
            continue
        lines, ids = by_grade[grade]
        count = stratum_count(len(lines), base_ratio, Decimal(multipliers[grade]))
        strata.append(Stratum(grade=grade, lines=lines, entity_ids=ids, count=count))
    return strata


def publish_pool(
    session: Session, *, plan_id: int, actor: Actor, grades: Mapping[int, str] | None = None
) -> list[InspectionPool]:
    """Snapshot the library by grade (a new version), publish its hashes and the seed sources before the draw."""
    plan = get_plan(session, plan_id)
    if plan.status == "drawn":
        raise Conflict("该计划已完成抽取，名录库不能再更改。")
    today = get_clock().today()
    rows = library_rows(session, plan, today=today)
    strata = build_strata(
        rows,
        grades,
        base_ratio=Decimal(plan.base_ratio),
        multipliers=plan.multipliers,
        allowed=plan.library_filter.get("grades") or GRADES,
    )
    if not any(s.lines for s in strata):
        raise ValidationFailed("按该计划的名录库条件没有可抽查的市场主体，请调整条件。")
    plan.pool_version += 1
    now = get_clock().now()
    pools = []
    for s in strata:
        pool = InspectionPool(
            plan_id=plan.id,
            version=plan.pool_version,
            grade=s.grade,
            size=len(s.lines),
            count=s.count,
            sha256=s.sha256,
            content=s.text,
            entity_ids=",".join(map(str, s.entity_ids)),
            created_at=now,
        )
        session.add(pool)
        pools.append(pool)
    plan.status = "published"
    plan.published_at = now
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_plan.publish_pool",
        object_type="inspection_plan",
        object_id=plan.id,
        detail={
            "version": plan.pool_version,
            "strata": {p.grade: {"size": p.size, "count": p.count, "sha256": p.sha256} for p in pools},
            "seed_sources": plan.seed_sources,
        },
    )
    return pools


def current_pools(session: Session, plan: InspectionPlan) -> list[InspectionPool]:
    """The plan's latest published pool, one row per grade (the pool file itself is loaded when read)."""
    return list(
        session.execute(
            select(InspectionPool)
            .options(defer(InspectionPool.content), defer(InspectionPool.entity_ids))
            .where(InspectionPool.plan_id == plan.id, InspectionPool.version == plan.pool_version)
            .order_by(InspectionPool.grade)
        ).scalars()
    )
