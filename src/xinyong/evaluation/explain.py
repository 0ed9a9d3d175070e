"""Explaining a grade: every factor with its points and the records behind it, and what would raise it.

The arithmetic mirrors ``engine.py`` exactly (integer per cent decay, truncating division, caps), so the factors
add up to the score that the set-based run stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.core.clock import get_clock
from xinyong.core.errors import NotFound
from xinyong.evaluation import engine, repository
from xinyong.evaluation.models import EntityGrade
from xinyong.evaluation.schemas import GRADE_RANK, RANK_GRADE, Indicator, ModelDoc
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Department, Entity, Relation

SEVERITY_WORDS = {"minor": "轻微", "general": "一般", "serious": "严重"}


@dataclass(frozen=True)
class RecordShare:
    """One record behind a factor, with its weight and its share of the points."""

    record_id: int
    item_code: str
    document_number: str
    decision_date: date
    department: str
    severity: str | None
    percent: int
    share: float
    subject_name: str


@dataclass
class Factor:
    """One contributing factor: an indicator (or the base score, or the 0–1000 bound) and its points."""

    dimension: str
    code: str
    name: str
    points: int
    detail: str
    records: list[RecordShare] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    """Something the entity could do to raise its score or grade."""

    text: str
    gain: int


@dataclass
class Explanation:
    """The full explanation of one entity's grade."""

    entity: Entity
    model_version: str
    as_of: date
    factors: list[Factor]
    score: int
    score_grade: str
    grade: str
    label: str
    override: str | None
    suggestions: list[Suggestion]
    stored: EntityGrade | None
    related_persons: list[int] = field(default_factory=list)  # persons whose records the explanation shows

    @property
    def up_to_date(self) -> bool:
        """Whether the stored grade equals what the record gives today."""
        return self.stored is not None and self.stored.score == self.score and self.stored.grade == self.grade


def _records(session: Session, doc: ModelDoc, *, entity_id: int | None = None, person_ids: list[int] | None = None):  # type: ignore[no-untyped-def]
    c = CreditRecord
    stmt = select(c, Department.short_name).join(Department, Department.id == c.department_id)
    stmt = stmt.where(c.is_current.is_(True), c.status.in_(list(doc.record_statuses)))
    if entity_id is not None:
        stmt = stmt.where(c.entity_id == entity_id)
    else:
        if not person_ids:
            return []
        stmt = stmt.where(c.person_id.in_(person_ids))
    return session.execute(stmt.order_by(c.decision_date.desc(), c.id.desc())).all()


def _matches(ind_items: list[str], severities: list[str], cond: object, rec: CreditRecord) -> bool:
    if rec.item_code not in ind_items:
        return False
    if severities and rec.severity not in severities:
        return False
    return engine.field_matches(cond, rec.fields or {})  # type: ignore[arg-type]


def explain(session: Session, entity_id: int) -> Explanation:
    """Recompute the entity's score from its record, factor by factor, with suggestions."""
    from xinyong.evaluation.service import model_in_force

    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFound(f"市场主体{entity_id}不存在。")
    row, doc = model_in_force(session)
    today = get_clock().today()
    own = _records(session, doc, entity_id=entity_id)
    reps = list(
        session.execute(
            select(Relation.person_id).where(
                Relation.entity_id == entity_id,
                Relation.role == "legal_rep",
                or_(Relation.end_date.is_(None), Relation.end_date >= today),
            )
        ).scalars()
    )
    rep_records = _records(session, doc, person_ids=reps)
    memberships = session.execute(repository.list_memberships(on=today, entity_ids=[entity_id])).all()
    lists = {m.list_code for m in memberships}

    factors: list[Factor] = [Factor("基础分", "base", "基础分", doc.base_score, "模型设定的起始分")]
    suggestions: list[Suggestion] = []
    for dim, ind in doc.indicators():
        if ind.kind == "age":
            pts = engine.age_points(ind, today, entity.registered_on)
            years = f"成立于{entity.registered_on.isoformat()}" if entity.registered_on else "未登记成立日期"
            factors.append(Factor(dim.name, ind.code, ind.name, pts, years))
            if entity.registered_on is not None:
                for band in reversed(ind.bands):
                    if band.points > pts:
                        reach = engine.years_before(today, band.min_years)
                        wait = (entity.registered_on - reach).days
                        if wait > 0:
                            when = today + timedelta(days=wait)
                            suggestions.append(
                                Suggestion(
                                    f"持续合规经营：{when.isoformat()}成立满{band.min_years}年，"
                                    f"评分预计 +{band.points - pts}",
                                    band.points - pts,
                                )
                            )
                        break
        elif ind.kind == "status":
            pts = ind.status_points.get(entity.status, 0)
            factors.append(Factor(dim.name, ind.code, ind.name, pts, f"登记状态：{entity.status}"))
        elif ind.kind == "list":
            member = ind.list_code in lists
            pts = ind.points if member else 0
            label = engine.LIST_LABELS.get(ind.list_code or "", ind.name)
            factors.append(Factor(dim.name, ind.code, ind.name, pts, f"{'在' if member else '不在'}{label}中"))
            if member and pts < 0:
                text = ind.advice.format(points=-pts, document="") if ind.advice else f"移出{label}，评分预计 +{-pts}"
                suggestions.append(Suggestion(text, -pts))
        else:
            factors.append(
                _records_factor(doc, dim.name, ind, today, own if ind.subject == "self" else rep_records, suggestions)
            )
    total = sum(f.points for f in factors)
    score = min(1000, max(0, total))
    if score != total:
        factors.append(Factor("调整", "bound", "分数上下限调整", score - total, "评分限定在0—1000分之间"))
    score_grade = doc.grade_for(score)
    rank = GRADE_RANK[score_grade]
    override = None
    for o in sorted(doc.overrides, key=lambda o: -GRADE_RANK[o.at_best]):
        hit = False
        if o.when.list_code is not None:
            hit = o.when.list_code in lists
        else:
            for rec, _dept in own:
                if not _matches(o.when.items, list(o.when.severities), None, rec):
                    continue
                if o.when.within_days and (today - rec.decision_date).days >= o.when.within_days:
                    continue
                hit = True
                if o.when.within_days:
                    until = rec.decision_date + timedelta(days=o.when.within_days)
                    suggestions.append(
                        Suggestion(f"“{o.name}”限定等级最高为{o.at_best}级，{until.isoformat()}起不再适用", 0)
                    )
        cap = GRADE_RANK[o.at_best]
        if hit and cap > rank:
            rank = cap
            override = override or o.name
    grade = RANK_GRADE[rank]
    for i, s in enumerate(suggestions):
        if s.gain > 0 and not override:
            better = doc.grade_for(min(1000, score + s.gain))
            if GRADE_RANK[better] < GRADE_RANK[grade]:
                suggestions[i] = Suggestion(f"{s.text}，等级可升至{better}级", s.gain)
    suggestions.sort(key=lambda s: -s.gain)
    stored = session.get(EntityGrade, entity_id)
    return Explanation(
        entity=entity,
        model_version=row.version,
        as_of=today,
        factors=factors,
        score=score,
        score_grade=score_grade,
        grade=grade,
        label=doc.label(grade),
        override=override,
        suggestions=suggestions[:8],
        stored=stored,
        related_persons=sorted({rec.person_id for rec, _dept in rep_records if rec.person_id is not None}),
    )


def _records_factor(
    doc: ModelDoc,
    dim: str,
    ind: Indicator,
    today: date,
    rows: list,
    suggestions: list[Suggestion],  # type: ignore[type-arg]
) -> Factor:
    shares: list[RecordShare] = []
    total_pct = 0
    for rec, dept in rows:
        if not _matches(ind.items, list(ind.severities), ind.field, rec):
            continue
        pct = engine.decay_percent(doc, ind.decay, today, rec.decision_date)
        total_pct += pct
        shares.append(
            RecordShare(
                record_id=rec.id,
                item_code=rec.item_code,
                document_number=rec.document_number,
                decision_date=rec.decision_date,
                department=dept,
                severity=rec.severity,
                percent=pct,
                share=ind.points_each * pct / 100,
                subject_name=rec.subject_name,
            )
        )
    pts = engine.record_points(ind, total_pct)
    unit = f"每条{ind.points_each:+d}分"
    decay = "，按决定日期衰减" if ind.decay else ""
    cap = f"，封顶{ind.cap:+d}分" if ind.cap is not None else ""
    detail = f"{len(shares)}条记录，{unit}{decay}{cap}" if shares else "无相关记录"
    if ind.points_each < 0:
        for share in shares:
            if share.percent == 0:
                continue
            gain = engine.record_points(ind, total_pct - share.percent) - pts
            if gain <= 0:
                continue
            if ind.advice:
                text = ind.advice.format(document=share.document_number, points=gain)
            else:
                text = (
                    f"依法消除{ind.name}记录 {share.document_number} 的影响（如信用修复、异议更正），评分预计 +{gain}"
                )
            suggestions.append(Suggestion(text, gain))
    return Factor(dim, ind.code, ind.name, pts, detail, shares)
