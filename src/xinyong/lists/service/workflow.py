"""Notice → statement → decision → publication → removal or expiry of a proposed listing (T13, T17, T18)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments import lookups as commitment_lookups
from xinyong.core import deadlines
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import get_calendar
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.disclosure.rules import add_months
from xinyong.lists.models import ListEntry
from xinyong.lists.rules import load_rules
from xinyong.lists.service.common import (
    DECIDED,
    NOTICED,
    PUBLISHED,
    REJECTED,
    REMOVAL_KINDS,
    REMOVAL_RECORD_STATE,
    REMOVED,
    STATUS_LABELS,
    WITHDRAWN,
    check_transition,
    get_entry,
    log_event,
    require_owner,
    rule_for,
    step,
)
from xinyong.lists.service.credit_records import record_fields, store_record
from xinyong.lists.service.liability import legal_rep_name, record_personal_liability
from xinyong.records import service as records_service
from xinyong.records import states as record_states
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Entity, Person


def notice_due(entry: ListEntry, session: Session) -> date | None:
    """The last working day to serve the prior notice after the proposal."""
    rule = rule_for(entry.list_type)
    return get_calendar(session).add_working_days(entry.proposed_on, rule.notice_working_days)


def give_notice(
    session: Session, *, entry_id: int, document: str, department_id: int | None, actor: Actor
) -> ListEntry:
    """Serve the prior notice (告知); the statement window runs from today for the list's working days."""
    entry = get_entry(session, entry_id)
    require_owner(entry, department_id, "送达告知书")
    if not document.strip():
        raise ValidationFailed(
            "告知书文号（document）：必填项缺失", details=[{"field": "document", "reason": "必填项缺失"}]
        )
    check_transition(entry.status, NOTICED)
    rule = rule_for(entry.list_type)
    today = get_clock().today()
    entry.notice_on = today
    entry.notice_document = document.strip()
    window = deadlines.set_deadline(
        session,
        entry,
        "statement_until",
        start=today,
        working_days=rule.statement_working_days,
        label="陈述申辩期限",
        party_window=True,
        open_when={"status": [NOTICED]},
    )
    step(session, entry, NOTICED, actor, f"告知书{entry.notice_document}，陈述申辩期至{window.label()}")
    return entry


def record_statement(
    session: Session, *, entry_id: int, statement: str, actor: Actor, department_id: int | None = None
) -> ListEntry:
    """Record the subject's statement or objection, within the window only, by the identifying department (``None``:
    a system caller such as an import)."""
    entry = get_entry(session, entry_id)
    if department_id is not None:
        require_owner(entry, department_id, "记录陈述申辩")
    if entry.status != NOTICED:
        raise Conflict(f"名单记录当前为“{STATUS_LABELS[entry.status]}”，只有在陈述申辩期内才能记录陈述申辩。")
    assert entry.statement_until is not None
    today = get_clock().today()
    if today > entry.statement_until:
        raise Conflict(f"陈述申辩期已于{entry.statement_until.isoformat()}届满，不能再记录陈述申辩。")
    if not statement.strip():
        raise ValidationFailed(
            "陈述申辩内容（statement）：必填项缺失", details=[{"field": "statement", "reason": "必填项缺失"}]
        )
    entry.statement = statement.strip()
    session.flush()
    log_event(session, entry.id, NOTICED, NOTICED, actor, f"陈述申辩：{entry.statement}")
    audit(session, actor=actor, action="list.statement", object_type="list_entry", object_id=entry.id, detail={})
    return entry


def decide(
    session: Session,
    *,
    entry_id: int,
    approve: bool,
    note: str,
    document_number: str | None,
    department_id: int | None,
    actor: Actor,
) -> ListEntry:
    """The reviewer of the proposing department decides, after the statement window (or after a statement)."""
    entry = get_entry(session, entry_id)
    require_owner(entry, department_id, "作出列入决定")
    target = DECIDED if approve else REJECTED
    check_transition(entry.status, target)
    if actor.label == entry.proposed_by:
        raise PermissionDenied("提出列入申请的人员不能审核自己的申请，请由本部门审核人作出决定。")
    today = get_clock().today()
    assert entry.statement_until is not None
    if today <= entry.statement_until and not entry.statement:
        raise Conflict(
            f"陈述申辩期至{entry.statement_until.isoformat()}（含）届满，届满前当事人未提出陈述申辩的，不能作出决定。"
        )
    errors = _Errors({"note": "审核意见", "document_number": "列入决定文书号"})
    if not note.strip():
        errors.add("note", "必填项缺失")
    if approve and not (document_number or "").strip():
        errors.add("document_number", "决定列入的须填写决定文书号")
    errors.raise_if_any("审核决定有误，未保存")
    entry.decided_on = today
    entry.decided_by = actor.label
    entry.decision_note = note.strip()
    entry.document_number = (document_number or "").strip() or None
    step(session, entry, target, actor, entry.decision_note, document_number=entry.document_number)
    if entry.proposal_id is not None:
        proposal = commitment_lookups.proposal(session, entry.proposal_id)
        if proposal is not None:
            proposal.status = "listed" if approve else "rejected"
    return entry


def publish(
    session: Session, *, entry_id: int, department_id: int | None, actor: Actor, cipher: FieldCipher
) -> ListEntry:
    """Publish a decided listing: its period starts, it becomes a credit record, named persons are recorded (T24)."""
    entry = get_entry(session, entry_id)
    require_owner(entry, department_id, "公布名单")
    check_transition(entry.status, PUBLISHED)
    rule = rule_for(entry.list_type)
    today = get_clock().today()
    entry.published_on = today
    entry.ends_on = add_months(today, rule.duration_months) - timedelta(days=1) if rule.duration_months else None
    if rule.early_removal_after_months is not None:
        entry.early_removal_from = add_months(today, rule.early_removal_after_months)
    dept = entry.department
    assert entry.document_number is not None
    domain = load_rules().key_attention_domains.get(entry.domain or "", "")
    content = f"列入{rule.name}" + (f"（{domain}领域）" if domain else "") + f"：{entry.reason}"
    if entry.person_id is not None:
        person = session.get(Person, entry.person_id)
        assert person is not None
        fields = record_fields(
            entry,
            dept,
            name=person.name,
            uscc=None,
            id_number=cipher.decrypt(person.id_cipher),
            legal_rep=None,
            document_number=entry.document_number,
            content=content,
        )
    else:
        entity = session.get(Entity, entry.entity_id)
        assert entity is not None
        legal_rep = legal_rep_name(session, entry)
        fields = record_fields(
            entry,
            dept,
            category=entity.category,
            name=entity.name,
            uscc=entity.uscc,
            id_number=None,
            legal_rep=legal_rep,
            document_number=entry.document_number,
            content=content,
        )
    entry.record_id = store_record(session, entry, fields, actor=actor, cipher=cipher).id
    step(session, entry, PUBLISHED, actor, f"列入期限至{entry.ends_on.isoformat() if entry.ends_on else '移出之日'}")
    record_personal_liability(session, entry, actor=actor, cipher=cipher)
    return entry


def withdraw(session: Session, *, entry_id: int, reason: str, department_id: int | None, actor: Actor) -> ListEntry:
    """The proposing department withdraws a proposal before the notice."""
    entry = get_entry(session, entry_id)
    require_owner(entry, department_id, "撤回列入申请")
    step(session, entry, WITHDRAWN, actor, reason.strip() or "撤回")
    return entry


def remove(
    session: Session,
    *,
    entry_id: int,
    kind: str,
    reason: str,
    department_id: int | None,
    actor: Actor,
    enforce_owner: bool = True,
    on: date | None = None,
) -> ListEntry:
    """Remove a published entry (expiry, early removal on application, revocation, performance)."""
    entry = get_entry(session, entry_id)
    if entry.parent_id is not None:
        raise Conflict("责任人员的名单记录随所在单位的名单记录一并移出，请移出单位的名单记录。")
    if enforce_owner:
        require_owner(entry, department_id, "移出名单")
    if kind not in REMOVAL_KINDS:
        raise ValidationFailed(
            f"移出方式（kind）：“{kind}”无效，可选：{'、'.join(f'{k}（{v}）' for k, v in REMOVAL_KINDS.items())}"
        )
    check_transition(entry.status, REMOVED)
    rule = rule_for(entry.list_type)
    today = on or get_clock().today()
    if not reason.strip():
        raise ValidationFailed("移出理由（reason）：必填项缺失", details=[{"field": "reason", "reason": "必填项缺失"}])
    if kind == "early":
        if rule.early_removal_after_months is None:
            raise Conflict(f"{rule.name}不适用提前移出。")
        assert entry.early_removal_from is not None
        if today < entry.early_removal_from:
            raise Conflict(
                f"{rule.name}列入满{rule.early_removal_after_months}个月后（{entry.early_removal_from.isoformat()}起）"
                f"方可申请提前移出，条件：{rule.early_removal_conditions}。"
            )
    if kind == "expired" and entry.ends_on is not None and today <= entry.ends_on:
        raise Conflict(f"名单期限至{entry.ends_on.isoformat()}，尚未届满。")
    if kind == "performed" and entry.list_type != "judgment_debtor":
        raise ValidationFailed("“已履行义务移出”仅适用于失信被执行人名单。")
    offline = deadlines.compute(session, today, rule.removal_offline_working_days)
    for target in [entry, *session.execute(select(ListEntry).where(ListEntry.parent_id == entry.id)).scalars()]:
        target.removal_kind = kind
        target.removed_on = today
        target.removal_reason = reason.strip()
        target.offline_by = offline.day
        deadlines.track(
            session,
            target,
            "offline_by",
            offline,
            start=today,
            working_days=rule.removal_offline_working_days,
            label="名单移出后撤下公示期限",
            party_window=False,
            open_when={"status": [REMOVED]},
        )
        step(session, target, REMOVED, actor, f"{REMOVAL_KINDS[kind]}：{reason.strip()}", kind=kind)
        if target.record_id is not None:
            record = session.get(CreditRecord, target.record_id)
            if record is not None and record.is_current and record.status == record_states.VALID:
                records_service.transition(
                    session,
                    record_id=record.id,
                    target=REMOVAL_RECORD_STATE[kind],
                    reason=f"移出{rule.name}：{REMOVAL_KINDS[kind]}",
                    actor=actor,
                )
                if record.publicity_until is None or record.publicity_until > today:
                    records_service.set_publicity(
                        session,
                        record_id=record.id,
                        publicity_from=record.publicity_from,
                        publicity_until=today,
                        reason=f"已移出{rule.name}，门户网站于{offline.label()}前停止公示",
                        actor=actor,
                    )
    return entry


def expire_due(session: Session, *, actor: Actor, on: date | None = None) -> list[int]:
    """Remove every published entry whose period has ended (the day after its last day); returns their ids."""
    today = on or get_clock().today()
    due = (
        session.execute(
            select(ListEntry.id).where(
                ListEntry.status == PUBLISHED,
                ListEntry.parent_id.is_(None),
                ListEntry.ends_on.is_not(None),
                ListEntry.ends_on < today,
            )
        )
        .scalars()
        .all()
    )
    for entry_id in due:
        remove(
            session,
            entry_id=entry_id,
            kind="expired",
            reason="列入期限届满",
            department_id=None,
            actor=actor,
            enforce_owner=False,
            on=today,
        )
    return list(due)


def escalation_due(session: Session, *, on: date | None = None) -> list[ListEntry]:
    """Entries on a list with an escalation rule for longer than its period (e.g. 3 years on the abnormal
    operations list → the serious-dishonesty list), for the listing department to propose."""
    today = on or get_clock().today()
    out: list[ListEntry] = []
    for list_type, rule in load_rules().lists.items():
        if rule.escalate_after_months is None:
            continue
        rows = session.execute(
            select(ListEntry).where(
                ListEntry.list_type == list_type,
                ListEntry.status == PUBLISHED,
                ListEntry.published_on <= add_months(today, -rule.escalate_after_months),
            )
        ).scalars()
        out.extend(rows)
    return out
