"""Early warning (T7): rules from the model file, fired once per cause, addressed to the supervising departments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import Conflict, NotFound, ValidationFailed
from xinyong.core.policy import Departments, scope_of
from xinyong.evaluation import engine, repository
from xinyong.evaluation.models import (
    WARNING_STATUS_LABELS,
    EarlyWarning,
    EntityGrade,
    EvaluationScratch,
    IndustryGrade,
    WarningRecipient,
)
from xinyong.evaluation.schemas import RANK_GRADE, ModelDoc, WarningRule
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Department, Domain, Entity, Relation, department_domain

GRADE_WORDS = {
    "A": "A级（信用风险低）",
    "B": "B级（信用风险一般）",
    "C": "C级（信用风险较高）",
    "D": "D级（信用风险高）",
}
ITEM_WORDS = {
    "penalty": "行政处罚",
    "serious_list": "严重失信主体名单",
    "judgment_debtor": "失信被执行人",
    "commitment": "信用承诺",
    "complaint": "投诉举报",
}


@dataclass(frozen=True)
class _Candidate:
    entity_id: int
    rule: WarningRule
    cause_key: str
    detail: str
    record_id: int | None = None


def _rank_of(col: Any) -> Any:
    from sqlalchemy import case

    return case((col == "A", 1), (col == "B", 2), (col == "C", 3), else_=4)


def _in_scope(col: Any, ids: Sequence[int] | None) -> list[Any]:
    return [] if ids is None else [col.in_(list(ids))]


def _candidates(session: Session, *, doc: ModelDoc, run_id: int, entity_ids: Sequence[int] | None) -> list[_Candidate]:
    today = get_clock().today()
    c = CreditRecord
    found: list[_Candidate] = []
    new_record: list[Any] = []  # one SELECT per rule
    new_record_rules: list[WarningRule] = []
    for rule in doc.warnings:
        since = today - timedelta(days=rule.within_days)
        if rule.kind == "grade_drop":
            s, g = EvaluationScratch, EntityGrade
            drops = session.execute(
                select(s.entity_id, g.overall_grade, s.overall_rank)
                .join(g, g.entity_id == s.entity_id)
                .where(
                    s.run_id == run_id,
                    s.overall_rank >= 1 + rule.steps,
                    s.overall_rank - _rank_of(g.overall_grade) >= rule.steps,
                )
            ).all()
            for entity_id, old, new_rank in drops:
                new = RANK_GRADE[new_rank]
                found.append(
                    _Candidate(
                        entity_id,
                        rule,
                        f"drop:{old}>{new}:{today.isoformat()}",
                        f"综合信用等级由{GRADE_WORDS[old]}降至{GRADE_WORDS[new]}。",
                    )
                )
        elif rule.kind == "new_record":
            # One statement for every rule of this kind (UNION ALL, rule number first): fewer round trips.
            new_record.append(
                select(
                    literal(len(new_record)),
                    c.id,
                    c.entity_id,
                    c.department_id,
                    c.item_code,
                    c.document_number,
                    c.decision_date,
                ).where(
                    repository.match(rule.items, rule.severities, rule.field),
                    c.decision_date > since,
                    c.is_current.is_(True),
                    c.status.in_(engine.LIVE_STATUSES),
                    c.entity_id.isnot(None),
                    *_in_scope(c.entity_id, entity_ids),
                )
            )
            new_record_rules.append(rule)
        elif rule.kind == "record_count":
            match = repository.match(rule.items, rule.severities, rule.field)
            counts = session.execute(
                select(c.entity_id, func.count(), func.min(c.decision_date))
                .where(
                    match,
                    c.decision_date > since,
                    c.is_current.is_(True),
                    c.status.in_(engine.LIVE_STATUSES),
                    c.entity_id.isnot(None),
                    *_in_scope(c.entity_id, entity_ids),
                )
                .group_by(c.entity_id)
                .having(func.count() >= rule.threshold)
            ).all()
            for count_entity, n, first in counts:
                what = "、".join(ITEM_WORDS.get(i, i) for i in rule.items)
                found.append(
                    _Candidate(
                        int(count_entity or 0),
                        rule,
                        f"count:{first.isoformat()}",
                        f"{rule.within_days}日内{what}记录{n}条（自{first.isoformat()}起），达到预警阈值{rule.threshold}条。",
                    )
                )
        elif rule.kind == "related_listed":
            r = Relation
            persons = None
            if entity_ids is not None:
                persons = select(r.person_id).where(r.entity_id.in_(list(entity_ids))).scalar_subquery()
            m = repository.list_memberships(on=today, person_ids=persons).subquery("m")
            related = session.execute(
                select(r.entity_id, r.role, m.c.person_id, m.c.list_code, m.c.since, m.c.record_id)
                .join(m, m.c.person_id == r.person_id)
                .where(
                    m.c.list_code.in_(rule.lists),
                    m.c.since > since,
                    r.role.in_(rule.roles),
                    or_(r.end_date.is_(None), r.end_date >= today),
                    *_in_scope(r.entity_id, entity_ids),
                )
            ).all()
            role_words = {"legal_rep": "法定代表人", "principal": "主要负责人", "controller": "实际控制人"}
            for entity_id, role, person_id, list_code, listed_on, rid in related:
                found.append(
                    _Candidate(
                        entity_id,
                        rule,
                        f"person:{person_id}:{list_code}:{listed_on.isoformat()}",
                        f"{role_words.get(role, role)}于{listed_on.isoformat()}被列入"
                        f"{engine.LIST_LABELS.get(list_code, list_code)}。",
                        rid,
                    )
                )
    if new_record:
        stmt: Any = new_record[0] if len(new_record) == 1 else union_all(*new_record)
        for number, rid, rec_entity, dept_id, item, doc_no, decided in session.execute(stmt):
            found.append(
                _Candidate(
                    int(rec_entity or 0),
                    new_record_rules[number],
                    f"rec:{dept_id}:{item}:{doc_no}"[:200],
                    f"{decided.isoformat()}新增{ITEM_WORDS.get(item, item)}记录（文书号 {doc_no}）。",
                    rid,
                )
            )
    order = {rule.code: i for i, rule in enumerate(doc.warnings)}
    found.sort(key=lambda cand: order[cand.rule.code])  # in the model's rule order, as before
    return found


def _domains_of(session: Session, doc: ModelDoc, entity_ids: list[int]) -> dict[int, list[str]]:
    """The supervision domains of each entity: the model's defaults, those of departments that reported on it,
    and those where it holds an industry grade."""
    out: dict[int, set[str]] = {e: set(doc.default_domains) for e in entity_ids}
    c, dd = CreditRecord, department_domain
    for start in range(0, len(entity_ids), 5000):
        part = entity_ids[start : start + 5000]
        for entity_id, domain in session.execute(
            select(c.entity_id, dd.c.domain_code)
            .join(dd, dd.c.department_id == c.department_id)
            .where(c.entity_id.in_(part), c.is_current.is_(True))
            .distinct()
        ):
            out[entity_id].add(domain)
        for entity_id, domain in session.execute(
            select(IndustryGrade.entity_id, IndustryGrade.domain_code).where(
                IndustryGrade.entity_id.in_(part), IndustryGrade.is_current.is_(True)
            )
        ):
            out[entity_id].add(domain)
    order = {
        code: i for i, code in enumerate(session.execute(select(Domain.code).order_by(Domain.sort_order)).scalars())
    }
    return {e: sorted(d, key=lambda x: order.get(x, 99)) for e, d in out.items()}


def fire(session: Session, *, doc: ModelDoc, version: str, run_id: int, entity_ids: Sequence[int] | None) -> int:
    """Create the warnings whose cause is new (a cause already warned about never fires again); returns how many."""
    candidates = _candidates(session, doc=doc, run_id=run_id, entity_ids=entity_ids)
    if not candidates:
        return 0
    unique: dict[tuple[int, str, str], _Candidate] = {}
    for cand in candidates:
        unique.setdefault((cand.entity_id, cand.rule.code, cand.cause_key), cand)
    ids = sorted({k[0] for k in unique})
    seen: set[tuple[int, str, str]] = set()
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        seen.update(
            (e, r, k)
            for e, r, k in session.execute(
                select(EarlyWarning.entity_id, EarlyWarning.rule_code, EarlyWarning.cause_key).where(
                    EarlyWarning.entity_id.in_(part)
                )
            )
        )
    fresh = [cand for key, cand in unique.items() if key not in seen]
    if not fresh:
        return 0
    domains = _domains_of(session, doc, sorted({c.entity_id for c in fresh}))
    supervisors: dict[str, list[int]] = defaultdict(list)
    for dept_id, domain in session.execute(select(department_domain.c.department_id, department_domain.c.domain_code)):
        supervisors[domain].append(dept_id)
    now = get_clock().now()
    rows = [
        {
            "entity_id": cand.entity_id,
            "rule_code": cand.rule.code,
            "rule_name": cand.rule.name,
            "level": cand.rule.level,
            "cause_key": cand.cause_key,
            "detail": cand.detail,
            "record_id": cand.record_id,
            "model_version": version,
            "created_at": now,
        }
        for cand in fresh
    ]
    table = cast(Table, EarlyWarning.__table__)
    for start in range(0, len(rows), 5000):
        session.execute(insert(table), rows[start : start + 5000])
    # Ids back by the natural key (no RETURNING: SQLite would insert row by row).
    new_ids: dict[tuple[int, str, str], int] = {}
    entity_list = sorted({c.entity_id for c in fresh})
    for start in range(0, len(entity_list), 5000):
        for wid, e, r, k in session.execute(
            select(EarlyWarning.id, EarlyWarning.entity_id, EarlyWarning.rule_code, EarlyWarning.cause_key).where(
                EarlyWarning.entity_id.in_(entity_list[start : start + 5000]), EarlyWarning.created_at == now
            )
        ):
            new_ids[(e, r, k)] = wid
    recipients: list[dict[str, Any]] = []
    for cand in fresh:
        addressed: set[int] = set()
        for domain in domains.get(cand.entity_id, []):
            for dept_id in supervisors.get(domain, []):
                if dept_id not in addressed:
                    addressed.add(dept_id)
                    recipients.append(
                        {
                            "warning_id": new_ids[(cand.entity_id, cand.rule.code, cand.cause_key)],
                            "department_id": dept_id,
                            "domain_code": domain,
                            "status": "new",
                        }
                    )
    rtable = cast(Table, WarningRecipient.__table__)
    for start in range(0, len(recipients), 5000):
        session.execute(insert(rtable), recipients[start : start + 5000])
    return len(fresh)


# ----------------------------------------------------------------------------------------------------------------
# Inbox
# ----------------------------------------------------------------------------------------------------------------


def inbox(
    session: Session, *, department_id: Departments, status: str | None = None, limit: int = 200
) -> list[tuple[WarningRecipient, EarlyWarning, Entity, Department]]:
    """Warnings addressed to the departments in scope (``ALL_DEPARTMENTS``: every one; None: none), newest first."""
    stmt = (
        select(WarningRecipient, EarlyWarning, Entity, Department)
        .join(EarlyWarning, EarlyWarning.id == WarningRecipient.warning_id)
        .join(Entity, Entity.id == EarlyWarning.entity_id)
        .join(Department, Department.id == WarningRecipient.department_id)
    )
    stmt = stmt.where(scope_of(department_id).where(WarningRecipient.department_id))
    if status:
        stmt = stmt.where(WarningRecipient.status == status)
    stmt = stmt.order_by(EarlyWarning.created_at.desc(), EarlyWarning.id.desc()).limit(limit)
    return [(r, w, e, d) for r, w, e, d in session.execute(stmt).all()]


TRANSITIONS = {
    "new": {"acknowledged", "following", "closed"},
    "acknowledged": {"following", "closed"},
    "following": {"following", "closed"},
    "closed": set(),
}


def handle(
    session: Session, *, recipient_id: int, status: str, note: str | None, department_id: Departments, actor: Actor
) -> WarningRecipient:
    """Acknowledge a warning or record its follow-up; a department handles only warnings addressed to it."""
    row = session.get(WarningRecipient, recipient_id)
    if row is None:
        raise NotFound(f"预警{recipient_id}不存在。")
    scope = scope_of(department_id)
    if not scope.allows(row.department_id):
        raise scope.refusal("该预警未发送给本部门，不能处理。")
    if status not in WARNING_STATUS_LABELS:
        raise ValidationFailed(f"处理状态“{status}”无效。")
    if status not in TRANSITIONS[row.status]:
        raise Conflict(f"预警当前为“{WARNING_STATUS_LABELS[row.status]}”，不能变为“{WARNING_STATUS_LABELS[status]}”。")
    text = (note or "").strip()
    if status in ("following", "closed") and not text:
        raise ValidationFailed("跟进处置情况：请填写处置措施或办结说明。")
    before = row.status
    row.status = status
    if text:
        row.note = (row.note + "\n" if row.note else "") + f"{get_clock().today().isoformat()} {text}"[:2000]
    row.updated_at, row.updated_by = get_clock().now(), actor.label
    session.flush()
    audit(
        session,
        actor=actor,
        action="evaluation.warning_handle",
        object_type="evaluation_warning",
        object_id=row.warning_id,
        detail={"recipient": row.id, "from": before, "to": status, "note": text[:200] or None},
    )
    return row


def stats_by_domain(session: Session) -> list[dict[str, Any]]:
    """Per domain: warnings addressed to its departments, by follow-up status."""
    r = WarningRecipient
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(WARNING_STATUS_LABELS, 0))
    for domain, status, n in session.execute(
        select(r.domain_code, r.status, func.count(func.distinct(r.warning_id))).group_by(r.domain_code, r.status)
    ):
        counts[domain or ""][status] = n
    out = []
    for code, name in session.execute(select(Domain.code, Domain.name).order_by(Domain.sort_order)):
        row = counts.get(code, dict.fromkeys(WARNING_STATUS_LABELS, 0))
        out.append({"code": code, "name": name, **row, "total": sum(row.values())})
    return out


def stats_by_rule(session: Session) -> list[tuple[str, int]]:
    """Warnings fired per rule."""
    rows = session.execute(
        select(EarlyWarning.rule_name, func.count()).group_by(EarlyWarning.rule_name).order_by(func.count().desc())
    )
    return [(name, n) for name, n in rows]


def daily_counts(session: Session, *, days: int = 30) -> list[tuple[str, int]]:
    """Warnings created per day over the last ``days`` days (China dates)."""
    from xinyong.core.clock import to_china

    today = get_clock().today()
    start = today - timedelta(days=days - 1)
    counts = dict.fromkeys([(start + timedelta(days=i)).isoformat() for i in range(days)], 0)
    since = get_clock().now() - timedelta(days=days + 1)
    for (created,) in session.execute(select(EarlyWarning.created_at).where(EarlyWarning.created_at >= since)):
        key = to_china(created).date().isoformat()
        if key in counts:
            counts[key] += 1
    return list(counts.items())


def warnings_of(session: Session, entity_id: int) -> list[EarlyWarning]:
    """An entity's warnings, newest first."""
    stmt = select(EarlyWarning).where(EarlyWarning.entity_id == entity_id).order_by(EarlyWarning.id.desc())
    return list(session.execute(stmt).scalars())


def recipients_of(session: Session, warning_ids: list[int]) -> dict[int, list[tuple[WarningRecipient, Department]]]:
    """The departments each warning went to."""
    out: dict[int, list[tuple[WarningRecipient, Department]]] = defaultdict(list)
    if not warning_ids:
        return out
    for rec, dept in session.execute(
        select(WarningRecipient, Department)
        .join(Department, Department.id == WarningRecipient.department_id)
        .where(WarningRecipient.warning_id.in_(warning_ids))
        .order_by(Department.sort_order)
    ):
        out[rec.warning_id].append((rec, dept))
    return out
