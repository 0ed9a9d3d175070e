"""Disclosure logic: what the public may see of a record, why its window is what it is, and the daily expiry job.

The portal never trusts a job to have run: visibility is always computed against the clock's today
(``visible_on``). The daily ``refresh`` only moves records whose window has ended to 公示期满 through the records
state machine, so the archive's states agree with what the portal shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Table, and_, insert, select, update
from sqlalchemy.orm import Session

from xinyong.catalog.models import CatalogItem
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.datafiles import shipped_loader
from xinyong.core.db import get_or_404
from xinyong.core.errors import DomainError, ValidationFailed
from xinyong.core.identifiers import mask_name
from xinyong.disclosure import rules as disclosure_rules
from xinyong.disclosure.models import JobRun
from xinyong.records import states
from xinyong.records.models import CreditRecord, RecordEvent

REFRESH_JOB = "disclosure.refresh"
# States in which a record is shown while its window is open: 异议中 stays visible, marked as under objection.
SHOWN_STATES = (states.VALID, states.DISPUTED)

# --------------------------------------------------------------------------------------------------
# Reference data: public display (masking) and penalty sectors
# --------------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Strict):
    confidence: str = Field(pattern=r"^[VPU]$")
    source: str = Field(min_length=1)


class PersonNames(_Sourced):
    """Items whose natural-person subjects are shown by full name; elsewhere only the surname."""

    full_name_items: list[str]


class HiddenFields(_Sourced):
    """Field codes ending with these suffixes are never shown publicly (ID types and numbers)."""

    suffixes: list[str] = Field(min_length=1)


class DisplayRules(_Strict):
    """The public display rules file."""

    version: str = Field(pattern=r"^\d{4}\.\d+$")
    title: str
    notes: str
    person_names: PersonNames
    hidden_field_suffixes: HiddenFields


class SectorRule(_Sourced):
    """A penalty belongs to the sector when one of its keywords occurs in the listed fields."""

    sector: str
    keywords: list[str] = Field(min_length=1)


class SectorRules(_Strict):
    """The penalty sector recognition file."""

    version: str = Field(pattern=r"^\d{4}\.\d+$")
    title: str
    notes: str
    fields: list[str] = Field(min_length=1)
    rules: list[SectorRule]


display_rules = shipped_loader("xinyong.disclosure", "public-display.json", DisplayRules, "公开展示规则")


def _check_sectors(found: SectorRules) -> None:
    """The sectors must be those of the publicity regimes."""
    known = disclosure_rules.load_regimes().sectors
    unknown = [r.sector for r in found.rules if r.sector not in known]
    if unknown:
        raise ValidationFailed(f"处罚领域识别规则有误：领域代码{'、'.join(unknown)}未在公示期限规则中定义。")


sector_rules = shipped_loader(
    "xinyong.disclosure", "penalty-sectors.json", SectorRules, "处罚领域识别规则", check=_check_sectors
)


def penalty_sector(fields: dict[str, Any]) -> tuple[str | None, str | None]:
    """The sector of a penalty recognised from its legal basis / conduct type, with the Chinese reason."""
    data = sector_rules()
    regimes = disclosure_rules.load_regimes()
    for rule in data.rules:
        for code in data.fields:
            text = str(fields.get(code) or "")
            for word in rule.keywords:
                if word and word in text:
                    reason = (
                        f"字段{code}含“{word}”，认定处罚属{regimes.sectors[rule.sector]}领域"
                        f"（依据：{rule.source}；[{rule.confidence}]）"
                    )
                    return rule.sector, reason
    return None, None


def public_name(name: str, *, subject_kind: str, item_code: str) -> str:
    """The subject name as the public sees it: natural persons masked except on lists that publish names."""
    if subject_kind != "person" or item_code in display_rules().person_names.full_name_items:
        return name
    return mask_name(name)


def hidden_field(code: str, *, personal: bool) -> bool:
    """Whether a field is kept off public pages."""
    return personal or code.endswith(tuple(display_rules().hidden_field_suffixes.suffixes))


# --------------------------------------------------------------------------------------------------
# Visibility
# --------------------------------------------------------------------------------------------------


def public_item_ids(session: Session) -> list[int]:
    """Ids of catalogue items (every version) whose openness is 社会公开."""
    return list(session.execute(select(CatalogItem.id).where(CatalogItem.openness == "public")).scalars())


def visible_on(day: date, item_ids: list[int]) -> ColumnElement[bool]:
    """The SQL condition for records the portal shows on a day (current, public item, shown state, window open)."""
    return and_(
        CreditRecord.is_current.is_(True),
        CreditRecord.item_id.in_(item_ids),
        CreditRecord.status.in_(SHOWN_STATES),
        CreditRecord.publicity_from.is_not(None),
        CreditRecord.publicity_from <= day,
        CreditRecord.publicity_until >= day,
    )


def is_visible(record: CreditRecord, item: CatalogItem, day: date) -> bool:
    """The same test as ``visible_on`` for one loaded record."""
    return (
        record.is_current
        and item.openness == "public"
        and record.status in SHOWN_STATES
        and record.publicity_from is not None
        and record.publicity_until is not None
        and record.publicity_from <= day <= record.publicity_until
    )


# --------------------------------------------------------------------------------------------------
# Explanation (console)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowExplanation:
    """Why a record has its publicity window, and whether the portal shows it today."""

    record: CreditRecord
    item: CatalogItem
    decision: disclosure_rules.PublicityDecision | None
    error: str | None
    shown_today: bool
    reasons_today: list[str]
    stored_matches: bool


def explain(session: Session, record_id: int) -> WindowExplanation:
    """Recompute the record's window with the rules engine and say which rule produced it and why."""
    record = get_or_404(session, CreditRecord, record_id, f"信用记录{record_id}不存在。")
    item = session.get(CatalogItem, record.item_id)
    assert item is not None
    decision: disclosure_rules.PublicityDecision | None = None
    error = None
    try:
        decision = decide_for(
            record.item_code, item.publicity_rule, record.subject_category, record.decision_date, record.fields
        )
    except DomainError as exc:
        error = exc.message
    today = get_clock().today()
    reasons: list[str] = []
    if not record.is_current:
        reasons.append("该记录已被新版本取代（已更正），门户只显示当前版本。")
    if item.openness != "public":
        reasons.append(f"目录项“{item.name}”的开放属性不是社会公开，任何时候都不在门户显示。")
    if record.status not in SHOWN_STATES:
        reasons.append(f"记录状态为“{states.STATUS_LABELS[record.status]}”，不在门户显示。")
    if record.publicity_from is None or record.publicity_until is None:
        reasons.append("按公示规则不公示（或公示期未能计算）。")
    elif today < record.publicity_from:
        reasons.append(f"公示期自{record.publicity_from.isoformat()}开始，尚未开始公示。")
    elif today > record.publicity_until:
        reasons.append(f"公示期已于{record.publicity_until.isoformat()}届满，自次日起不再显示。")
    shown = is_visible(record, item, today)
    if shown:
        reasons.append(
            f"今天（{today.isoformat()}）在公示期{record.publicity_from}至{record.publicity_until}内，门户正在显示"
            + ("，并标注“异议中”。" if record.status == states.DISPUTED else "。")
        )
    stored = (record.publicity_from, record.publicity_until)
    expected = (decision.start, decision.max_end) if decision and decision.published else (None, None)
    return WindowExplanation(record, item, decision, error, shown, reasons, stored == expected)


def decide_for(
    item_code: str, publicity_rule: str, subject_category: str, decision_date: date, fields: dict[str, Any]
) -> disclosure_rules.PublicityDecision:
    """The rules engine's decision for a record, with the penalty sector recognised from its fields."""
    sector, reason = penalty_sector(fields) if publicity_rule == "penalty" else (None, None)
    decision = disclosure_rules.decide(
        rules=disclosure_rules.load_regimes(),
        item_code=item_code,
        publicity_rule=publicity_rule,
        subject_category=subject_category,
        decision_date=decision_date,
        fields=fields,
        sector=sector,
    )
    if reason:
        decision.explanation.insert(1, reason)
    return decision


# --------------------------------------------------------------------------------------------------
# The daily job
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshResult:
    """What one run of the expiry job did."""

    day: date
    expired: int
    by_item: dict[str, int]


def refresh(session: Session, *, actor: Actor, day: date | None = None, chunk: int = 5000) -> RefreshResult:
    """Move every current 有效 record whose publicity ended before ``day`` (today) to 公示期满, audited.

    Each record gets a state event (through the state machine's transition check); the audit trail gets one event
    for the run with the counts. Records under objection keep their state: the objection decides them.
    """
    day = day or get_clock().today()
    states.check_transition(states.VALID, states.EXPIRED)
    now = get_clock().now()
    by_item: dict[str, int] = {}
    total = 0
    first_id = last_id = None
    while True:
        rows = session.execute(
            select(CreditRecord.id, CreditRecord.item_code, CreditRecord.publicity_until)
            .where(
                CreditRecord.status == states.VALID,
                CreditRecord.publicity_until < day,
                CreditRecord.is_current.is_(True),
            )
            .order_by(CreditRecord.id)
            .limit(chunk)
        ).all()
        if not rows:
            break
        ids = [r.id for r in rows]
        session.execute(
            update(CreditRecord)
            .where(CreditRecord.id.in_(ids), CreditRecord.status == states.VALID)
            .values(status=states.EXPIRED)
        )
        session.execute(
            insert(cast(Table, RecordEvent.__table__)),
            [
                {
                    "record_id": r.id,
                    "at": now,
                    "from_status": states.VALID,
                    "to_status": states.EXPIRED,
                    "reason": f"公示期已于{r.publicity_until.isoformat()}届满，自动停止公示",
                    "actor": actor.label,
                }
                for r in rows
            ],
        )
        for r in rows:
            by_item[r.item_code] = by_item.get(r.item_code, 0) + 1
        total += len(rows)
        first_id = ids[0] if first_id is None else first_id
        last_id = ids[-1]
    summary = {"day": day.isoformat(), "expired": total, "by_item": dict(sorted(by_item.items()))}
    if total:
        summary["record_ids"] = [first_id, last_id]
    audit(session, actor=actor, action="disclosure.refresh", object_type="credit_record", detail=summary)
    run = session.get(JobRun, REFRESH_JOB)
    if run is None:
        run = JobRun(name=REFRESH_JOB, last_day=day, last_at=now)
        session.add(run)
    run.last_day, run.last_at = day, now
    run.summary = json.dumps(summary, ensure_ascii=False)
    session.flush()
    return RefreshResult(day, total, by_item)


def refresh_due(session: Session, *, day: date | None = None) -> bool:
    """Whether the daily job has not run yet today."""
    day = day or get_clock().today()
    run = session.get(JobRun, REFRESH_JOB)
    return run is None or run.last_day < day


def last_refresh(session: Session) -> JobRun | None:
    """The last run of the daily job."""
    return session.get(JobRun, REFRESH_JOB)
