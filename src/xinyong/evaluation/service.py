"""Evaluation logic: publish model versions, grade everyone or a few (set-based), grade history, current grades.

Other domains call ``current_grade``, ``explain_grade``, ``list_memberships`` and ``mark_dirty`` from here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Select, Table, and_, bindparam, case, delete, func, insert, literal, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from xinyong.catalog.models import CatalogItem
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.datafiles import validation_problems
from xinyong.core.db import UTCDateTime
from xinyong.core.errors import Conflict, NotFound, ValidationFailed
from xinyong.evaluation import engine, repository
from xinyong.evaluation.dirty import mark_dirty
from xinyong.evaluation.models import (
    DirtySubject,
    DomainGrade,
    EntityGrade,
    EvaluationModel,
    EvaluationScratch,
    EvaluationSetting,
    GradeHistory,
    GradeSnapshot,
    IndustryGrade,
)
from xinyong.evaluation.schemas import GRADE_RANK, GRADES, RANK_GRADE, ModelDoc
from xinyong.subjects.models import Domain, Entity

__all__ = [
    "CurrentGrade",
    "RunResult",
    "current_grade",
    "evaluate_all",
    "evaluate_dirty",
    "evaluate_subjects",
    "explain_grade",
    "list_memberships",
    "mark_dirty",
    "public_grade",
]

SHIPPED = ("model-2026.1.json",)
PORTAL_GRADE_SETTING = "portal_shows_grade"
Progress = Callable[[str], None]
FULL_RUN_ABOVE = 200_000  # this many dirty entities are re-graded faster by one full run


# ----------------------------------------------------------------------------------------------------------------
# Model versions
# ----------------------------------------------------------------------------------------------------------------


def parse_model(content: bytes) -> ModelDoc:
    """Parse and check a model file; every problem is reported in Chinese with its location."""
    try:
        raw = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"评价模型文件不是有效的UTF-8 JSON：{exc}") from None
    try:
        return ModelDoc.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(raw, exc)
        raise ValidationFailed("评价模型文件有误：" + "；".join(problems), details=problems) from None


def _doc_sha(doc: ModelDoc) -> str:
    return hashlib.sha256(json.dumps(doc.model_dump(mode="json", by_alias=True), sort_keys=True).encode()).hexdigest()


def publish_model(session: Session, content: bytes, *, actor: Actor) -> tuple[EvaluationModel, bool]:
    """Publish a model version (immutable once published); returns the row and whether it was new."""
    doc = parse_model(content)
    sha = _doc_sha(doc)
    existing = session.execute(
        select(EvaluationModel).where(EvaluationModel.version == doc.version)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.content_sha256 != sha:
            raise Conflict(f"评价模型版本{doc.version}已发布且内容不同。已发布的版本不可修改，请使用新的版本号。")
        return existing, False
    known_items = set(session.execute(select(CatalogItem.code).distinct()).scalars())
    used = {it for _d, i in doc.indicators() for it in i.items} | {it for o in doc.overrides for it in o.when.items}
    used |= {it for w in doc.warnings for it in w.items}
    unknown = sorted(used - known_items)
    if unknown:
        raise ValidationFailed(f"评价模型引用了信用信息目录中不存在的信息类别：{'、'.join(unknown)}。")
    domains = set(session.execute(select(Domain.code)).scalars())
    bad_domains = sorted(({x.domain for x in doc.industry} | set(doc.default_domains)) - domains)
    if bad_domains:
        raise ValidationFailed(f"评价模型引用了不存在的监管领域：{'、'.join(bad_domains)}。")
    row = EvaluationModel(
        version=doc.version,
        title=doc.title,
        effective_from=doc.effective_from,
        content=doc.model_dump(mode="json", by_alias=True),
        content_sha256=sha,
        published_at=get_clock().now(),
        published_by=actor.label,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor=actor,
        action="evaluation.model_publish",
        object_type="evaluation_model",
        object_id=row.id,
        detail={"version": doc.version, "effective_from": doc.effective_from.isoformat(), "sha256": sha},
    )
    return row, True


def load_shipped(session: Session, *, actor: Actor) -> list[str]:
    """Publish the model versions shipped with the platform that are not loaded yet."""
    added = []
    for name in SHIPPED:
        content = resources.files("xinyong.evaluation").joinpath("data", name).read_bytes()
        row, new = publish_model(session, content, actor=actor)
        if new:
            added.append(row.version)
    return added


@lru_cache(maxsize=16)
def _doc_from(sha: str, payload: str) -> ModelDoc:
    return ModelDoc.model_validate(json.loads(payload))


def doc_of(row: EvaluationModel) -> ModelDoc:
    """The typed model of a stored version (cached by content digest)."""
    return _doc_from(row.content_sha256, json.dumps(row.content))


def model_in_force(session: Session, on: date | None = None) -> tuple[EvaluationModel, ModelDoc]:
    """The model version in force on a date (today by default); the shipped one is loaded on first use."""
    day = on or get_clock().today()
    stmt = (
        select(EvaluationModel)
        .where(EvaluationModel.effective_from <= day)
        .order_by(EvaluationModel.effective_from.desc(), EvaluationModel.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        if not session.execute(select(EvaluationModel.id).limit(1)).first():
            load_shipped(session, actor=Actor.system("evaluation"))
            row = session.execute(stmt).scalar_one_or_none()
        if row is None:
            raise NotFound(f"{day.isoformat()}没有生效的信用评价模型版本。")
    return row, doc_of(row)


def list_models(session: Session) -> list[EvaluationModel]:
    """Every published model version, newest first."""
    stmt = select(EvaluationModel).order_by(EvaluationModel.effective_from.desc(), EvaluationModel.id.desc())
    return list(session.execute(stmt).scalars())


# ----------------------------------------------------------------------------------------------------------------
# Lists (derived from records until the lists module exists)
# ----------------------------------------------------------------------------------------------------------------


def list_memberships(
    session: Session,
    *,
    on: date | None = None,
    entity_ids: Sequence[int] | None = None,
    person_ids: Sequence[int] | None = None,
) -> Select[Any]:
    """Current list entries (entity_id, person_id, list_code, record_id, since): the one source of list membership.

    The lists module (issue 8) replaces the body of ``repository.list_memberships``; callers do not change.
    """
    return repository.list_memberships(on=on or get_clock().today(), entity_ids=entity_ids, person_ids=person_ids)


def lists_of(session: Session, entity_id: int) -> list[dict[str, Any]]:
    """The lists an entity is on now, with the record behind each entry."""
    rows = session.execute(list_memberships(session, entity_ids=[entity_id])).all()
    return [
        {
            "list_code": r.list_code,
            "label": engine.LIST_LABELS.get(r.list_code, r.list_code),
            "record_id": r.record_id,
            "since": r.since,
        }
        for r in rows
    ]


# ----------------------------------------------------------------------------------------------------------------
# Runs
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """What an evaluation run did."""

    model_version: str
    evaluated: int
    changed: int
    warnings: int
    seconds: float
    timings: dict[str, float]


def _grade_char(col: Any) -> Any:
    return case((col == 1, "A"), (col == 2, "B"), (col == 3, "C"), else_="D")


def _rank_of(col: Any) -> Any:
    return case((col == "A", 1), (col == "B", 2), (col == "C", 3), else_=4)


def evaluate_all(session: Session, *, actor: Actor, progress: Progress | None = None) -> RunResult:
    """Grade every entity with the model in force (set-based), keep history, fire warnings, snapshot counts."""
    return _run(session, entity_ids=None, actor=actor, reason="full", progress=progress)


def evaluate_subjects(
    session: Session, entity_ids: Sequence[int], *, actor: Actor, reason: str = "incremental"
) -> RunResult:
    """Re-grade a few entities (the same SQL as a full run, restricted to them)."""
    ids = sorted(set(entity_ids))
    if not ids:
        row, _doc = model_in_force(session)
        return RunResult(row.version, 0, 0, 0, 0.0, {})
    return _run(session, entity_ids=ids, actor=actor, reason=reason, progress=None)


def evaluate_dirty(session: Session, *, actor: Actor, chunk: int = 20_000) -> RunResult:
    """Re-grade the entities whose records changed since their last evaluation (a full run when very many did)."""
    if dirty_count(session) > FULL_RUN_ABOVE:
        return evaluate_all(session, actor=actor)
    total: RunResult | None = None
    while True:
        ids = list(
            session.execute(select(DirtySubject.entity_id).order_by(DirtySubject.entity_id).limit(chunk)).scalars()
        )
        if not ids:
            break
        result = _run(session, entity_ids=ids, actor=actor, reason="incremental", progress=None)
        if total is None:
            total = result
        else:
            total.evaluated += result.evaluated
            total.changed += result.changed
            total.warnings += result.warnings
            total.seconds += result.seconds
    if total is None:
        row, _doc = model_in_force(session)
        return RunResult(row.version, 0, 0, 0, 0.0, {})
    return total


def dirty_count(session: Session) -> int:
    """How many entities wait for re-evaluation."""
    return int(session.execute(select(func.count()).select_from(DirtySubject)).scalar_one())


def _run(
    session: Session, *, entity_ids: list[int] | None, actor: Actor, reason: str, progress: Progress | None
) -> RunResult:
    from xinyong.evaluation import warnings as warnings_service

    started = time.perf_counter()
    timings: dict[str, float] = {}
    mark = started

    def step(label: str, key: str) -> None:
        nonlocal mark
        now_ = time.perf_counter()
        timings[key] = now_ - mark
        mark = now_
        if progress:
            progress(label)

    row, doc = model_in_force(session)
    clock = get_clock()
    today, now = clock.today(), clock.now()
    run_id = secrets.randbelow(2**31 - 2) + 1
    full = entity_ids is None
    if progress:
        progress("计算评分")
    if full:
        repository.prepare_full_run(session)
    repository.fill_scratch(session, doc, today, run_id, entity_ids)
    step("合并行业评价", "score")
    _apply_industry(session, doc, run_id, entity_ids=entity_ids)
    step("预警研判", "industry")
    fired = warnings_service.fire(session, doc=doc, version=row.version, run_id=run_id, entity_ids=entity_ids)
    step("写入等级与历史", "warnings")
    evaluated, changed = _write_grades(
        session, run_id=run_id, version=row.version, now=now, reason=reason, entity_ids=entity_ids
    )
    step("统计等级分布", "write")
    if full:
        _snapshot(session, today, row.version)
    repository.clear_scratch(session, run_id, full=full)
    if full:
        session.execute(delete(DirtySubject).where(DirtySubject.marked_at <= now))
    else:
        for start in range(0, len(entity_ids or []), 5000):
            part = (entity_ids or [])[start : start + 5000]
            session.execute(delete(DirtySubject).where(DirtySubject.entity_id.in_(part)))
    step("完成", "finish")
    if full or changed or fired:
        audit(
            session,
            actor=actor,
            action="evaluation.run",
            object_type="evaluation_model",
            object_id=row.id,
            detail={
                "model": row.version,
                "scope": "all" if full else "subjects",
                "entity_ids": None if full or len(entity_ids or []) > 20 else entity_ids,
                "evaluated": evaluated,
                "changed": changed,
                "warnings": fired,
            },
        )
    session.flush()
    return RunResult(row.version, evaluated, changed, fired, time.perf_counter() - started, timings)


def _apply_industry(session: Session, doc: ModelDoc, run_id: int, *, entity_ids: list[int] | None) -> None:
    """Combine industry grades with the public grade per domain; the overall grade is the worst domain grade."""
    s, ig = EvaluationScratch, IndustryGrade
    rows = session.execute(
        select(ig.entity_id, ig.domain_code, ig.grade, s.rank)
        .join(s, and_(s.entity_id == ig.entity_id, s.run_id == run_id))
        .where(ig.is_current.is_(True))
    ).all()
    if entity_ids is None:
        session.execute(delete(DomainGrade))
    else:
        for start in range(0, len(entity_ids), 5000):
            session.execute(delete(DomainGrade).where(DomainGrade.entity_id.in_(entity_ids[start : start + 5000])))
    if not rows:
        return
    rules = {x.domain: x.combine for x in doc.industry}
    n_domains = int(session.execute(select(func.count()).select_from(Domain)).scalar_one())
    per_entity: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for entity_id, domain, grade, rank in rows:
        per_entity[entity_id][domain] = (GRADE_RANK[grade], rank)
    updates: list[dict[str, Any]] = []
    domain_rows: list[dict[str, Any]] = []
    for entity_id, domains in per_entity.items():
        public_rank = next(iter(domains.values()))[1]
        combined: dict[str, int] = {}
        for domain, (industry_rank, _pr) in domains.items():
            rule = rules.get(domain, "worst")
            combined[domain] = (
                max(industry_rank, public_rank)
                if rule == "worst"
                else industry_rank
                if rule == "industry"
                else public_rank
            )
            domain_rows.append(
                {
                    "entity_id": entity_id,
                    "domain_code": domain,
                    "industry_grade": RANK_GRADE[industry_rank],
                    "grade": RANK_GRADE[combined[domain]],
                }
            )
        ranks = list(combined.values()) + ([public_rank] if len(combined) < n_domains else [])
        overall = max(ranks)
        if overall != public_rank:
            updates.append({"r": run_id, "e": entity_id, "o": overall})
    for start in range(0, len(domain_rows), 5000):
        session.execute(insert(DomainGrade), domain_rows[start : start + 5000])
    if updates:
        table = cast(Table, s.__table__)
        stmt = (
            update(table)
            .where(table.c.run_id == bindparam("r"), table.c.entity_id == bindparam("e"))
            .values(overall_rank=bindparam("o"))
        )
        session.execute(stmt, updates)


def _write_grades(
    session: Session, *, run_id: int, version: str, now: datetime, reason: str, entity_ids: list[int] | None
) -> tuple[int, int]:
    """History rows for changed grades, then the current grades replaced; returns (evaluated, changed)."""
    s, g = EvaluationScratch, EntityGrade
    at = literal(now, UTCDateTime())
    new_grade, new_overall = _grade_char(s.rank), _grade_char(s.overall_rank)
    changed_rows = (
        select(s.entity_id, literal(version), s.score, new_grade, new_overall, s.override_code, at, literal(reason))
        .select_from(s)
        .outerjoin(g, g.entity_id == s.entity_id)
        .where(
            s.run_id == run_id,
            or_(
                g.entity_id.is_(None),
                g.score != s.score,
                g.grade != new_grade,
                g.overall_grade != new_overall,
                g.model_version != version,
            ),
        )
    )
    if entity_ids is not None and len(entity_ids) <= 5000:
        # Tells PostgreSQL's planner how few rows this is (the scratch table's statistics may date from a full run).
        changed_rows = changed_rows.where(s.entity_id.in_(entity_ids))
    cols = ["entity_id", "model_version", "score", "grade", "overall_grade", "override_code", "computed_at", "reason"]
    # preserve_rowcount: SQLAlchemy only keeps the driver's row count of an INSERT … SELECT when asked (otherwise
    # PostgreSQL needed a COUNT afterwards, the slowest statement of a one-entity run).
    keep = {"preserve_rowcount": True}
    history = insert(cast(Table, GradeHistory.__table__)).from_select(cols, changed_rows)
    changed = cast(CursorResult[Any], session.execute(history, execution_options=keep)).rowcount
    if entity_ids is None:
        session.execute(delete(g))
    else:
        for start in range(0, len(entity_ids), 5000):
            session.execute(delete(g).where(g.entity_id.in_(entity_ids[start : start + 5000])))
    current = select(s.entity_id, literal(version), s.score, new_grade, new_overall, s.override_code, at).where(
        s.run_id == run_id
    )
    grades = insert(cast(Table, g.__table__)).from_select(cols[:-1], current)
    evaluated = cast(CursorResult[Any], session.execute(grades, execution_options=keep)).rowcount
    return evaluated, changed


# ----------------------------------------------------------------------------------------------------------------
# Distribution and snapshots
# ----------------------------------------------------------------------------------------------------------------


def distribution(session: Session) -> dict[str, dict[str, int]]:
    """How many entities hold each grade now: scopes "public", "overall" and every domain code."""
    g, dg = EntityGrade, DomainGrade
    # One scan with eight sums: no index holds the grades, and two GROUP BYs would read and sort the table twice.
    sums = [
        func.coalesce(func.sum(case((col == x, 1), else_=0)), 0) for col in (g.grade, g.overall_grade) for x in GRADES
    ]
    counts = [int(n) for n in session.execute(select(*sums)).one()]
    public = dict(zip(GRADES, counts[: len(GRADES)], strict=True))
    overall = dict(zip(GRADES, counts[len(GRADES) :], strict=True))
    result: dict[str, dict[str, int]] = {"public": public, "overall": overall}
    for code in session.execute(select(Domain.code).order_by(Domain.sort_order)).scalars():
        result[code] = dict(public)
    adjust = session.execute(
        select(dg.domain_code, g.grade, dg.grade, func.count())
        .join(g, g.entity_id == dg.entity_id)
        .group_by(dg.domain_code, g.grade, dg.grade)
    )
    for domain, public_grade, domain_grade, n in adjust:
        if domain in result:
            result[domain][public_grade] -= n
            result[domain][domain_grade] += n
    return result


def _snapshot(session: Session, day: date, version: str) -> None:
    session.execute(delete(GradeSnapshot).where(GradeSnapshot.day == day))
    rows = [
        {"day": day, "scope": scope, "grade": grade, "count": n, "model_version": version}
        for scope, counts in distribution(session).items()
        for grade, n in counts.items()
    ]
    if rows:
        session.execute(insert(GradeSnapshot), rows)


def snapshots(session: Session, *, scope: str = "overall", limit_days: int = 90) -> list[tuple[date, dict[str, int]]]:
    """Grade counts per day (newest ``limit_days`` days with a full run), oldest first."""
    days = list(
        session.execute(
            select(GradeSnapshot.day)
            .where(GradeSnapshot.scope == scope)
            .distinct()
            .order_by(GradeSnapshot.day.desc())
            .limit(limit_days)
        ).scalars()
    )
    if not days:
        return []
    out: dict[date, dict[str, int]] = {d: dict.fromkeys(GRADES, 0) for d in sorted(days)}
    for day, grade, n in session.execute(
        select(GradeSnapshot.day, GradeSnapshot.grade, GradeSnapshot.count).where(
            GradeSnapshot.scope == scope, GradeSnapshot.day.in_(days)
        )
    ):
        out[day][grade] = n
    return list(out.items())


# ----------------------------------------------------------------------------------------------------------------
# Reading grades
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentGrade:
    """An entity's current grade as other modules see it."""

    entity_id: int
    grade: str
    label: str
    score: int
    overall_grade: str
    overall_label: str
    model_version: str
    override_code: str | None
    computed_at: datetime
    portal_visible: bool


def current_grade(session: Session, subject_id: int) -> CurrentGrade | None:
    """The entity's current grade (None when it has not been evaluated yet)."""
    row = session.get(EntityGrade, subject_id)
    if row is None:
        return None
    model = session.execute(select(EvaluationModel).where(EvaluationModel.version == row.model_version)).scalar_one()
    doc = doc_of(model)
    return CurrentGrade(
        entity_id=row.entity_id,
        grade=row.grade,
        label=doc.label(row.grade),
        score=row.score,
        overall_grade=row.overall_grade,
        overall_label=doc.label(row.overall_grade),
        model_version=row.model_version,
        override_code=row.override_code,
        computed_at=row.computed_at,
        portal_visible=portal_shows_grade(session),
    )


def public_grade(session: Session, subject_id: int) -> dict[str, str] | None:
    """What the public portal may show: the overall grade and its meaning, only if the credit office allows it."""
    if not portal_shows_grade(session):
        return None
    found = current_grade(session, subject_id)
    if found is None:
        return None
    return {"grade": found.overall_grade, "label": found.overall_label, "model_version": found.model_version}


def explain_grade(session: Session, subject_id: int) -> Any:
    """The explanation of an entity's grade (see ``explain.explain``)."""
    from xinyong.evaluation.explain import explain

    return explain(session, subject_id)


def history(session: Session, entity_id: int, *, limit: int = 50) -> list[GradeHistory]:
    """An entity's grade history, newest first, with the model version used."""
    stmt = select(GradeHistory).where(GradeHistory.entity_id == entity_id).order_by(GradeHistory.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def domain_grades(session: Session, entity_id: int) -> list[dict[str, Any]]:
    """The entity's grade in each of the 16 domains: the public grade, or combined with the industry grade."""
    current = session.get(EntityGrade, entity_id)
    special = {
        d.domain_code: d
        for d in session.execute(select(DomainGrade).where(DomainGrade.entity_id == entity_id)).scalars()
    }
    out = []
    for domain in session.execute(select(Domain).order_by(Domain.sort_order)).scalars():
        found = special.get(domain.code)
        out.append(
            {
                "code": domain.code,
                "name": domain.name,
                "grade": found.grade if found else (current.grade if current else None),
                "industry_grade": found.industry_grade if found else None,
            }
        )
    return out


def find_entities(session: Session, query: str, *, limit: int = 20) -> list[tuple[Entity, EntityGrade | None]]:
    """Entities by USCC or part of the name, with their current grade."""
    q = query.strip()
    if not q:
        return []
    cond = Entity.uscc == q.upper() if len(q) == 18 and q.isalnum() else Entity.name.contains(q)
    rows = session.execute(
        select(Entity, EntityGrade).outerjoin(EntityGrade, EntityGrade.entity_id == Entity.id).where(cond).limit(limit)
    ).all()
    return [(e, g) for e, g in rows]


# ----------------------------------------------------------------------------------------------------------------
# Settings
# ----------------------------------------------------------------------------------------------------------------


def portal_shows_grade(session: Session) -> bool:
    """Whether the credit office lets the public portal show grades (off until it decides)."""
    row = session.get(EvaluationSetting, PORTAL_GRADE_SETTING)
    return bool(row.value) if row is not None else False


def set_portal_shows_grade(session: Session, value: bool, *, actor: Actor) -> None:
    """Turn the portal grade display on or off (audited)."""
    row = session.get(EvaluationSetting, PORTAL_GRADE_SETTING)
    before = bool(row.value) if row else False
    if row is None:
        row = EvaluationSetting(
            key=PORTAL_GRADE_SETTING, value=value, updated_at=get_clock().now(), updated_by=actor.label
        )
        session.add(row)
    else:
        row.value, row.updated_at, row.updated_by = value, get_clock().now(), actor.label
    session.flush()
    audit(
        session,
        actor=actor,
        action="evaluation.setting",
        object_type="evaluation_setting",
        object_id=None,
        detail={"key": PORTAL_GRADE_SETTING, "from": before, "to": value},
    )
