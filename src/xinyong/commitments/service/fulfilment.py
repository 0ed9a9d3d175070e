"""Fulfilment and breach (T2, T3): the verification finding, and what a breach triggers (a negative record, a ban,
a proposal for the key-attention list, re-publication of a repaired record); the list proposals waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog import service as catalog_service
from xinyong.catalog.models import CatalogItem
from xinyong.commitments.models import Commitment, CommitmentBan, CommitmentMatter, ListProposal
from xinyong.commitments.service.fields import flag
from xinyong.commitments.service.queries import fulfilment_label, get_commitment
from xinyong.commitments.service.rules import BREACH_ITEM, FULFILLED, load_rules
from xinyong.commitments.service.storage import department_of, record_extra, store_commitment_record, subject_fields
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, NotFound
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import text_value as _text
from xinyong.core.policy import Departments, scope_of
from xinyong.disclosure import rules as disclosure_rules
from xinyong.ingestion import service as ingestion_service
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord

FULFILMENT_FIELDS = {
    "fulfilment": "承诺履行状态",
    "unfulfilled_content": "未履行内容",
    "accountability": "违诺责任追究内容",
    "is_false": "虚假承诺",
}


@dataclass
class BreachOutcome:
    """What a breach triggered."""

    record_id: int
    ban: CommitmentBan | None
    proposal: ListProposal | None
    reopened_record_id: int | None


def record_fulfilment(
    session: Session,
    *,
    commitment_id: int,
    values: dict[str, Any],
    actor: Actor,
    cipher: FieldCipher,
    department_id: Departments,
) -> tuple[Commitment, BreachOutcome | None]:
    """Record what the verification found; a breach (not 全部履行, or a false commitment) runs the breach flow.

    ``department_id`` is the caller's departments (``ALL_DEPARTMENTS`` for the credit office; None: refused).
    """
    rules = load_rules()
    commitment = get_commitment(session, commitment_id)
    scope = scope_of(department_id)
    if not scope.allows(commitment.department_id):
        raise scope.refusal(
            f"信用承诺{commitment.code}由{commitment.department.name}负责核查，本部门不能记录其履行情况。"
        )
    if commitment.fulfilment is not None:
        raise Conflict(
            f"信用承诺{commitment.code}的履行情况已于{commitment.verified_on}记录为“{fulfilment_label(commitment)}”，"
            "不能重复记录。"
        )
    errors = _Errors(FULFILMENT_FIELDS)
    state = _text(values, "fulfilment")
    if not state:
        errors.add("fulfilment", "必填项缺失")
    elif state not in rules.fulfilment_states:
        errors.add("fulfilment", f"应为：{'、'.join(rules.fulfilment_states)}")
    is_false = flag(values.get("is_false"))
    unfulfilled = _text(values, "unfulfilled_content")
    accountability = _text(values, "accountability")
    if state in rules.breach_states:
        if not unfulfilled:
            errors.add("unfulfilled_content", f"履行状态为{state}时必填")
        if not accountability:
            errors.add("accountability", f"履行状态为{state}时必填")
    if is_false and state == FULFILLED:
        errors.add("is_false", "虚假承诺不能记录为全部履行")
    errors.raise_if_any("履行情况有误，未记录")
    extra = record_extra(session, commitment, cipher)
    commitment.fulfilment = state
    commitment.unfulfilled_content = unfulfilled or None
    commitment.accountability = accountability or None
    commitment.is_false = is_false
    commitment.verified_on = get_clock().today()
    record = store_commitment_record(session, commitment, extra=extra, actor=actor, cipher=cipher)
    commitment.record_id = record.id
    session.flush()
    audit(
        session,
        actor=actor,
        action="commitment.fulfilment",
        object_type="commitment",
        object_id=commitment.id,
        detail={"code": commitment.code, "fulfilment": state, "false": is_false},
    )
    outcome = None
    if state in rules.breach_states:
        outcome = _breach(session, commitment, extra=extra, actor=actor, cipher=cipher)
    return commitment, outcome


def _breach(
    session: Session, commitment: Commitment, *, extra: dict[str, str], actor: Actor, cipher: FieldCipher
) -> BreachOutcome:
    """A negative record of the breach, then the matter's measures, then re-publication for 信用修复型."""
    rules = load_rules()
    matter = session.get(CommitmentMatter, commitment.matter_id)
    assert matter is not None
    today = get_clock().today()
    record = _breach_record(session, commitment, matter, extra=extra, today=today, actor=actor, cipher=cipher)
    commitment.breach_record_id = record.id
    ban, proposal = _breach_measures(session, commitment, matter, today=today)
    reopened = None
    if commitment.commitment_type == rules.repair_type and commitment.related_record_id:
        reopened = reopen_publicity(
            session,
            record_id=commitment.related_record_id,
            reason=f"信用修复承诺{commitment.code}未履行，已修复的信息恢复公示至最长公示期",
            actor=actor,
        ).id
    session.flush()
    audit(
        session,
        actor=actor,
        action="commitment.breach",
        object_type="commitment",
        object_id=commitment.id,
        detail={
            "code": commitment.code,
            "breach_record_id": record.id,
            "ban_until": ban.ends_on.isoformat() if ban else None,
            "key_attention_proposal": proposal.id if proposal else None,
            "reopened_record_id": reopened,
        },
    )
    return BreachOutcome(record.id, ban, proposal, reopened)


def _breach_record(
    session: Session,
    commitment: Commitment,
    matter: CommitmentMatter,
    *,
    extra: dict[str, str],
    today: date,
    actor: Actor,
    cipher: FieldCipher,
) -> CreditRecord:
    """The negative record of the breach (违背信用承诺信息), submitted by the verifying department."""
    department = department_of(session, commitment.department_id)
    fields = subject_fields(commitment, extra)
    fields.update(
        {
            "WSH": f"WN{commitment.code}",
            "CNBM": commitment.code,
            "CNLX": commitment.commitment_type,
            "LXZT": commitment.fulfilment,
            "SFXJ": "是" if commitment.is_false else "否",
            "NR": commitment.unfulfilled_content,
            "ZJNR": commitment.accountability,
            "JDRQ": today.isoformat(),
            "JDJG": department.name,
            "JDJGDM": department.uscc,
            "SJLY": department.name,
            "SJLYDM": department.uscc,
            "BZ": f"承诺事项：{matter.name}（{matter.code}）",
        }
    )
    result, _spec = ingestion_service.submit_one(
        session, kind=BREACH_ITEM, fields=fields, department_code=department.code, actor=actor, cipher=cipher
    )
    return result.record


def _breach_measures(
    session: Session, commitment: Commitment, matter: CommitmentMatter, *, today: date
) -> tuple[CommitmentBan | None, ListProposal | None]:
    """The matter's measures: a ban from commitment-based approval, a proposal for the key-attention list."""
    subject = {"entity_id": commitment.entity_id, "person_id": commitment.person_id}
    ban = None
    if matter.breach_ban_months:
        ends = disclosure_rules.add_months(today, matter.breach_ban_months) - timedelta(days=1)
        ban = CommitmentBan(
            **subject,
            commitment_id=commitment.id,
            starts_on=today,
            ends_on=ends,
            reason=f"违背信用承诺{commitment.code}（{matter.name}）",
            created_at=get_clock().now(),
        )
        session.add(ban)
    proposal = None
    if matter.breach_key_attention:
        proposal = ListProposal(
            **subject,
            list_item="key_attention",
            department_id=commitment.department_id,
            commitment_id=commitment.id,
            reason=f"违背信用承诺{commitment.code}（{matter.name}）：{commitment.unfulfilled_content}",
            status="pending",
            created_at=get_clock().now(),
        )
        session.add(proposal)
    return ban, proposal


def reopen_publicity(session: Session, *, record_id: int, reason: str, actor: Actor) -> CreditRecord:
    """Put a repaired (or expired) record back to 有效 and publish it again up to its maximum publicity period."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"信用记录{record_id}不存在。")
    if record.status in (states.REPAIRED, states.EXPIRED):
        records_service.transition(session, record_id=record.id, target=states.VALID, reason=reason, actor=actor)
    item = session.get(CatalogItem, record.item_id)
    assert item is not None
    spec = catalog_service.spec_of(item)
    window = disclosure_rules.decide(
        rules=disclosure_rules.load_regimes(),
        item_code=record.item_code,
        publicity_rule=spec.publicity_rule,
        subject_category=record.subject_category,
        decision_date=record.decision_date,
        fields=record.fields,
    )
    if window.published:
        records_service.set_publicity(
            session,
            record_id=record.id,
            publicity_from=window.start,
            publicity_until=window.max_end,
            reason=reason,
            actor=actor,
        )
    return record


def pending_proposals(session: Session, *, limit: int = 200) -> list[ListProposal]:
    """List proposals from commitment breaches waiting for the listing workflow."""
    stmt = select(ListProposal).where(ListProposal.status == "pending").order_by(ListProposal.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())
