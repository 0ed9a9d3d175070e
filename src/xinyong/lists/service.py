"""Lists (T13, T17, T18), personal liability (T24) and bans (T23).

A listing is a state machine: 拟列入 (proposed) → 已告知 (noticed, the statement window runs) → 已决定 (decided) →
已公布 (published) → 已移出 (removed: expiry, early removal on application, revocation, or performance of a court
obligation). Illegal steps are refused; every step writes a ``list_event`` row and an audit event. Only the listing
department decides and removes ("谁认定、谁移出"). A published entry is also a credit record of the list's catalogue
item, so the portal, the evaluation and the commitment rules see it; removing the entry changes that record's state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.commitments.models import ListProposal
from xinyong.core import deadlines
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import get_calendar
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import date_value as _date_value
from xinyong.core.forms import text_value as _text
from xinyong.core.identifiers import InvalidIdentifier, mask_id_number, validate_resident_id, validate_uscc
from xinyong.core.policy import Departments, scope_of
from xinyong.core.security import Principal
from xinyong.disclosure.rules import add_months
from xinyong.ingestion import files as ingestion_files
from xinyong.ingestion import service as ingestion_service
from xinyong.lists.models import Ban, ListEntry, ListEvent
from xinyong.lists.rules import ListRule, ListRules, load_rules
from xinyong.records import service as records_service
from xinyong.records import states as record_states
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department, Entity, Person

PROPOSED = "proposed"
NOTICED = "noticed"
DECIDED = "decided"
PUBLISHED = "published"
REMOVED = "removed"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

SHARED_STATUSES = (PUBLISHED, REMOVED)
STATUS_LABELS = {
    PROPOSED: "拟列入",
    NOTICED: "已告知（陈述申辩期）",
    DECIDED: "已决定列入",
    PUBLISHED: "已公布",
    REMOVED: "已移出",
    REJECTED: "决定不予列入",
    WITHDRAWN: "已撤回",
}

TRANSITIONS: dict[str, frozenset[str]] = {
    PROPOSED: frozenset({NOTICED, WITHDRAWN}),
    NOTICED: frozenset({DECIDED, REJECTED}),
    DECIDED: frozenset({PUBLISHED}),
    PUBLISHED: frozenset({REMOVED}),
    REMOVED: frozenset(),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
}

REMOVAL_KINDS = {
    "expired": "期满移出",
    "early": "申请提前移出",
    "revoked": "撤销列入决定",
    "performed": "已履行义务移出",
}
# the credit record's state after a removal of each kind
REMOVAL_RECORD_STATE = {
    "expired": record_states.EXPIRED,
    "early": record_states.REPAIRED,
    "revoked": record_states.REVOKED,
    "performed": record_states.REPAIRED,
}

PERSON_CATEGORY = "自然人"


def check_transition(current: str, target: str) -> None:
    """Refuse a step the listing workflow does not allow, naming both states in Chinese."""
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS.get(current, frozenset()))) or "无（已结束）"
        raise Conflict(
            f"名单流程不能从“{STATUS_LABELS.get(current, current)}”进入“{STATUS_LABELS.get(target, target)}”。"
            f"当前可进入：{allowed}。"
        )


def _log(
    session: Session,
    entry_id: int,
    from_status: str | None,
    to_status: str,
    actor: Actor,
    note: str | None,
    *,
    department_code: str | None = None,
) -> None:
    """One line of an entry's workflow history (who, when, from which state to which, why)."""
    session.add(
        ListEvent(
            entry_id=entry_id,
            at=get_clock().now(),
            from_status=from_status,
            to_status=to_status,
            actor=actor.label,
            department_code=department_code or actor.department_code,
            note=note,
        )
    )


def _step(session: Session, entry: ListEntry, target: str, actor: Actor, note: str | None, **detail: Any) -> None:
    before = entry.status
    check_transition(before, target)
    entry.status = target
    _log(session, entry.id, before, target, actor, note)
    session.flush()
    audit(
        session,
        actor=actor,
        action=f"list.{target}",
        object_type="list_entry",
        object_id=entry.id,
        detail={"list_type": entry.list_type, "from": before, "to": target, "note": note, **detail},
    )


# --------------------------------------------------------------------------------------------------
# Field errors
# --------------------------------------------------------------------------------------------------


def _ids(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,，、\s]+", value) if v]
    out = []
    for v in value:
        out.append(int(v))
    return out


# --------------------------------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------------------------------


@dataclass
class Subject:
    """An entity or a person identified by USCC or ID number."""

    entity: Entity | None = None
    person: Person | None = None

    @property
    def name(self) -> str:
        return self.entity.name if self.entity else (self.person.name if self.person else "")

    @property
    def label(self) -> str:
        if self.entity is not None:
            return self.entity.uscc or self.entity.name
        return self.person.id_masked if self.person else ""


def classify_code(code: str) -> tuple[str, str]:
    """('entity', USCC) or ('person', ID number) for a code; a Chinese error when it is neither."""
    raw = (code or "").strip().upper()
    if not raw:
        raise ValidationFailed(
            "主体代码（subject）：必填项缺失", details=[{"field": "subject", "reason": "必填项缺失"}]
        )
    uscc_error = None
    try:
        return "entity", validate_uscc(raw)
    except InvalidIdentifier as exc:
        uscc_error = exc.reason
    try:
        return "person", validate_resident_id(raw).number
    except InvalidIdentifier as exc:
        reason = f"既不是有效的统一社会信用代码（{uscc_error}），也不是有效的身份证号码（{exc.reason}）"
        raise ValidationFailed(
            f"主体代码（subject）：{reason}", details=[{"field": "subject", "reason": reason}]
        ) from None


def find_subject(session: Session, code: str, *, cipher: FieldCipher) -> Subject:
    """The registered subject with this USCC or ID number (an empty Subject when none is registered)."""
    kind, number = classify_code(code)
    if kind == "entity":
        entity = session.execute(select(Entity).where(Entity.uscc == number)).scalar_one_or_none()
        return Subject(entity=entity)
    person = session.execute(
        select(Person).where(Person.id_type == "身份证", Person.id_index == cipher.blind_index(number))
    ).scalar_one_or_none()
    return Subject(person=person)


def _person_for(session: Session, *, name: str, id_number: str, cipher: FieldCipher, actor: Actor) -> Person:
    found = subjects_service.find_person(session, cipher=cipher, id_number=id_number)
    if found is not None:
        return found
    return subjects_service.create_person(session, cipher=cipher, name=name, id_number=id_number, actor=actor)


def _department(session: Session, department_id: int | None) -> Department:
    if department_id is None:
        raise PermissionDenied("当前账号或令牌未归属任何部门，不能办理名单事项。")
    dept = session.get(Department, department_id)
    if dept is None:
        raise NotFound(f"部门{department_id}不存在。")
    return dept


# --------------------------------------------------------------------------------------------------
# Proposal → notice → statement → decision → publication
# --------------------------------------------------------------------------------------------------

PROPOSAL_FIELDS = {
    "list_type": "名单类型",
    "subject": "主体代码",
    "subject_name": "主体名称",
    "domain": "重点关注领域",
    "reason": "列入事由",
    "legal_basis": "列入依据",
    "basis_records": "依据的信用记录",
    "responsible": "责任人员",
    "legal_rep": "法定代表人",
}


def rule_for(list_type: str) -> ListRule:
    """The rule of a list type, or a Chinese error naming the known ones."""
    rules = load_rules()
    rule = rules.lists.get(list_type)
    if rule is None:
        known = "、".join(f"{k}（{v.name}）" for k, v in rules.lists.items())
        raise ValidationFailed(f"名单类型“{list_type}”不存在，可选：{known}")
    return rule


def _responsible(
    session: Session, raw: Any, errors: _Errors, *, cipher: FieldCipher, actor: Actor
) -> list[dict[str, Any]]:
    roles = load_rules().responsible_roles
    out: list[dict[str, Any]] = []
    for i, person in enumerate(raw or []):
        where = f"第{i + 1}名责任人员"
        role = str(person.get("role") or "").strip()
        name = str(person.get("name") or "").strip()
        number = str(person.get("id_number") or "").strip()
        if role not in roles:
            errors.add(
                "responsible", f"{where}的身份“{role}”无效，可选：{'、'.join(f'{k}（{v}）' for k, v in roles.items())}"
            )
            continue
        if not name:
            errors.add("responsible", f"{where}的姓名缺失")
            continue
        try:
            number = validate_resident_id(number).number
        except InvalidIdentifier as exc:
            errors.add("responsible", f"{where}的身份证号码无效：{exc.reason}")
            continue
        p = _person_for(session, name=name, id_number=number, cipher=cipher, actor=actor)
        out.append({"role": role, "role_name": roles[role], "name": name, "person_id": p.id, "id_masked": p.id_masked})
    return out


def registered_responsible(session: Session, entity_id: int, *, on: date) -> list[dict[str, Any]]:
    """The entity's registered legal representative, principal and actual controller in force on a date."""
    roles = load_rules().responsible_roles
    return [
        {
            "role": r.role,
            "role_name": roles.get(r.role, r.role),
            "name": r.person.name,
            "person_id": r.person_id,
            "id_masked": r.person.id_masked,
        }
        for r in subjects_service.relations_of(session, entity_id, on=on)
        if r.role in roles
    ]


def propose(
    session: Session,
    *,
    values: dict[str, Any],
    department_id: int | None,
    actor: Actor,
    cipher: FieldCipher,
    proposal_id: int | None = None,
) -> ListEntry:
    """A department proposes a listing with its basis records; every field error is reported at once."""
    rules = load_rules()
    dept = _department(session, department_id)
    errors = _Errors(PROPOSAL_FIELDS)
    list_type = _text(values, "list_type")
    rule = rules.lists.get(list_type)
    if rule is None:
        errors.add(
            "list_type", f"“{list_type}”不存在，可选：{'、'.join(f'{k}（{v.name}）' for k, v in rules.lists.items())}"
        )
    elif not rule.workflow:
        errors.add("list_type", f"{rule.name}由人民法院认定，通过导入方式归集，不经本流程")
    subject = Subject()
    code = _text(values, "subject")
    try:
        subject = find_subject(session, code, cipher=cipher)
        kind, number = classify_code(code)
        if kind == "entity" and subject.entity is None:
            errors.add("subject", f"统一社会信用代码{number}的主体尚未登记")
        if kind == "person" and subject.person is None:
            name = _text(values, "subject_name")
            if not name:
                errors.add("subject_name", "该自然人尚未登记，须填写姓名")
            else:
                subject = Subject(person=_person_for(session, name=name, id_number=number, cipher=cipher, actor=actor))
    except ValidationFailed as exc:
        errors.add("subject", exc.message.split("：", 1)[-1])
    domain = _text(values, "domain") or None
    if domain is not None and domain not in rules.key_attention_domains:
        errors.add(
            "domain",
            f"“{domain}”不存在，可选：{'、'.join(f'{k}（{v}）' for k, v in rules.key_attention_domains.items())}",
        )
    if rule is not None and rule.domains_required and domain is None:
        errors.add("domain", f"{rule.name}须注明所属领域")
    reason = _text(values, "reason")
    if not reason:
        errors.add("reason", "必填项缺失")
    try:
        basis_ids = _ids(values.get("basis_records"))
    except (TypeError, ValueError):
        basis_ids = []
        errors.add("basis_records", "应为信用记录编号（整数）的列表")
    for rid in basis_ids:
        rec = session.get(CreditRecord, rid)
        owner_ok = rec is not None and (
            (subject.entity is not None and rec.entity_id == subject.entity.id)
            or (subject.person is not None and rec.person_id == subject.person.id)
        )
        if rec is None or not owner_ok:
            errors.add("basis_records", f"信用记录{rid}不存在或不属于该主体")
        elif not rec.is_current or rec.status != record_states.VALID:
            errors.add(
                "basis_records",
                f"信用记录{rid}已{record_states.STATUS_LABELS[rec.status]}或已被新版本取代，不能作为列入依据",
            )
    if rule is not None and rule.nature == "negative" and not basis_ids and proposal_id is None:
        errors.add("basis_records", "列入失信类名单须至少有一条依据的信用记录")
    responsible = _responsible(session, values.get("responsible"), errors, cipher=cipher, actor=actor)
    if subject.person is not None and responsible:
        errors.add("responsible", "自然人不另列责任人员")
    legal_rep = _text(values, "legal_rep") or None
    if (
        subject.entity is not None
        and subject.entity.category != "个体工商户"
        and not legal_rep
        and not any(r["role"] == "legal_rep" for r in responsible)
        and legal_rep_for_entity(session, subject.entity.id, basis_ids) is None
    ):
        errors.add("legal_rep", "该单位未登记法定代表人，请填写法定代表人姓名或在责任人员中注明")
    errors.raise_if_any("列入申请有误，未保存")
    assert rule is not None
    if subject.entity is not None and rule.personal_liability and not responsible and values.get("use_registered"):
        responsible = registered_responsible(session, subject.entity.id, on=get_clock().today())
    owner = (
        ListEntry.entity_id == subject.entity.id
        if subject.entity is not None
        else ListEntry.person_id == (subject.person.id if subject.person else None)
    )
    active = session.execute(
        select(ListEntry.id).where(
            ListEntry.list_type == list_type,
            ListEntry.status.in_((PROPOSED, NOTICED, DECIDED, PUBLISHED)),
            ListEntry.parent_id.is_(None),
            owner,
        )
    ).first()
    if active is not None:
        raise Conflict(f"该主体已在{rule.name}的列入流程中或已被列入（名单记录{active[0]}），不能重复申请。")
    today = get_clock().today()
    entry = ListEntry(
        list_type=list_type,
        domain=domain,
        entity_id=subject.entity.id if subject.entity else None,
        person_id=subject.person.id if subject.person else None,
        subject_name=subject.name,
        subject_code=subject.label,
        department_id=dept.id,
        status=PROPOSED,
        reason=reason,
        legal_basis=_text(values, "legal_basis") or None,
        basis_record_ids=basis_ids,
        responsible=responsible,
        proposal_id=proposal_id,
        proposed_on=today,
        proposed_by=actor.label,
        extra={"legal_rep": legal_rep} if legal_rep else {},
        created_at=get_clock().now(),
    )
    session.add(entry)
    session.flush()
    _log(session, entry.id, None, PROPOSED, actor, reason)
    audit(
        session,
        actor=actor,
        action="list.proposed",
        object_type="list_entry",
        object_id=entry.id,
        detail={"list_type": list_type, "subject": entry.subject_code, "basis": basis_ids, "department": dept.code},
    )
    return entry


def get_entry(session: Session, entry_id: int) -> ListEntry:
    """A list entry by id."""
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound(f"名单记录{entry_id}不存在。")
    return entry


def _own(entry: ListEntry, department_id: int | None, what: str) -> None:
    if department_id != entry.department_id:
        raise PermissionDenied(f"“谁认定、谁移出”：只有作出列入的部门（{entry.department.name}）可以{what}。")


def notice_due(entry: ListEntry, session: Session) -> date | None:
    """The last working day to serve the prior notice after the proposal."""
    rule = rule_for(entry.list_type)
    return get_calendar(session).add_working_days(entry.proposed_on, rule.notice_working_days)


def give_notice(
    session: Session, *, entry_id: int, document: str, department_id: int | None, actor: Actor
) -> ListEntry:
    """Serve the prior notice (告知); the statement window runs from today for the list's working days."""
    entry = get_entry(session, entry_id)
    _own(entry, department_id, "送达告知书")
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
    _step(session, entry, NOTICED, actor, f"告知书{entry.notice_document}，陈述申辩期至{window.label()}")
    return entry


def record_statement(
    session: Session, *, entry_id: int, statement: str, actor: Actor, department_id: int | None = None
) -> ListEntry:
    """Record the subject's statement or objection, within the window only, by the identifying department (``None``:
    a system caller such as an import)."""
    entry = get_entry(session, entry_id)
    if department_id is not None:
        _own(entry, department_id, "记录陈述申辩")
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
    _log(session, entry.id, NOTICED, NOTICED, actor, f"陈述申辩：{entry.statement}")
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
    _own(entry, department_id, "作出列入决定")
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
    _step(session, entry, target, actor, entry.decision_note, document_number=entry.document_number)
    if entry.proposal_id is not None:
        proposal = session.get(ListProposal, entry.proposal_id)
        if proposal is not None:
            proposal.status = "listed" if approve else "rejected"
    return entry


def _record_fields(
    entry: ListEntry,
    dept: Department,
    *,
    category: str = "法人及非法人组织",
    name: str,
    uscc: str | None,
    id_number: str | None,
    legal_rep: str | None,
    document_number: str,
    content: str,
) -> dict[str, Any]:
    fields: dict[str, Any] = {"XDR_MC": name}
    if id_number:
        fields.update({"XDR_LB": PERSON_CATEGORY, "XDR_ZJLX": "身份证", "XDR_ZJHM": id_number})
    else:
        assert entry.entity_id is not None
        fields.update({"XDR_LB": category, "XDR_SHXYM": uscc})
        if legal_rep:
            fields["FRDB"] = legal_rep
    assert entry.decided_on is not None
    fields.update(
        {
            "WSH": document_number,
            "NR": content,
            "JDRQ": entry.decided_on.isoformat(),
            "JDJG": dept.name,
            "JDJGDM": dept.uscc,
            "SJLY": dept.name,
            "SJLYDM": dept.uscc,
        }
    )
    return fields


def _store_record(
    session: Session, entry: ListEntry, fields: dict[str, Any], *, actor: Actor, cipher: FieldCipher
) -> CreditRecord:
    rule = rule_for(entry.list_type)
    result, _spec = ingestion_service.submit_one(
        session, kind=rule.item, fields=fields, department_code=entry.department.code, actor=actor, cipher=cipher
    )
    record = result.record
    if record.publicity_from is not None or record.publicity_until is not None:  # a public list: shown while on it
        records_service.set_publicity(
            session,
            record_id=record.id,
            publicity_from=entry.published_on,
            publicity_until=entry.ends_on,
            reason=f"{rule.name}公布期间与名单期限一致",
            actor=actor,
        )
    return record


def publish(
    session: Session, *, entry_id: int, department_id: int | None, actor: Actor, cipher: FieldCipher
) -> ListEntry:
    """Publish a decided listing: its period starts, it becomes a credit record, named persons are recorded (T24)."""
    entry = get_entry(session, entry_id)
    _own(entry, department_id, "公布名单")
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
        fields = _record_fields(
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
        legal_rep = _legal_rep_name(session, entry)
        fields = _record_fields(
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
    entry.record_id = _store_record(session, entry, fields, actor=actor, cipher=cipher).id
    _step(session, entry, PUBLISHED, actor, f"列入期限至{entry.ends_on.isoformat() if entry.ends_on else '移出之日'}")
    _personal_liability(session, entry, actor=actor, cipher=cipher)
    return entry


def legal_rep_for_entity(session: Session, entity_id: int, basis_record_ids: list[int] | None = None) -> str | None:
    """The entity's registered legal representative, else the one named on its basis or latest records."""
    for r in subjects_service.relations_of(session, entity_id, on=get_clock().today()):
        if r.role == "legal_rep":
            return r.person.name
    records: list[CreditRecord] = [r for r in (session.get(CreditRecord, i) for i in basis_record_ids or []) if r]
    if not records:
        records = list(
            session.execute(
                select(CreditRecord)
                .where(CreditRecord.entity_id == entity_id, CreditRecord.is_current.is_(True))
                .order_by(CreditRecord.id.desc())
                .limit(20)
            ).scalars()
        )
    for rec in records:
        for key, value in rec.fields.items():
            if key.endswith("FRDB") and value:
                return str(value)
    return None


def _legal_rep_name(session: Session, entry: ListEntry) -> str | None:
    """The legal representative the decision names, else the registered or recorded one."""
    named = next((r["name"] for r in entry.responsible if r["role"] == "legal_rep"), None) or entry.extra.get(
        "legal_rep"
    )
    if named:
        return str(named)
    assert entry.entity_id is not None
    return legal_rep_for_entity(session, entry.entity_id, entry.basis_record_ids)


def _personal_liability(session: Session, entry: ListEntry, *, actor: Actor, cipher: FieldCipher) -> None:
    """Record the listing against each person the decision names (T24): a child entry and a personal record."""
    rule = rule_for(entry.list_type)
    if not entry.responsible or not rule.personal_liability:
        return
    for i, named in enumerate(entry.responsible):
        person = session.get(Person, named["person_id"])
        assert person is not None
        child = ListEntry(
            list_type=entry.list_type,
            domain=entry.domain,
            entity_id=None,
            person_id=person.id,
            subject_name=person.name,
            subject_code=person.id_masked,
            department_id=entry.department_id,
            status=PUBLISHED,
            reason=f"作为{entry.subject_name}的{named['role_name']}，对其列入{rule.name}负有责任：{entry.reason}",
            legal_basis=entry.legal_basis,
            basis_record_ids=[entry.record_id] if entry.record_id else [],
            responsible=[],
            parent_id=entry.id,
            proposed_on=entry.proposed_on,
            proposed_by=entry.proposed_by,
            notice_on=entry.notice_on,
            statement_until=entry.statement_until,
            decided_on=entry.decided_on,
            decided_by=entry.decided_by,
            document_number=f"{entry.document_number}-{i + 1}",
            published_on=entry.published_on,
            ends_on=entry.ends_on,
            early_removal_from=entry.early_removal_from,
            extra={"role": named["role"], "organisation": entry.subject_name},
            created_at=get_clock().now(),
        )
        child.department = entry.department
        session.add(child)
        session.flush()
        fields = _record_fields(
            child,
            entry.department,
            name=person.name,
            uscc=None,
            id_number=cipher.decrypt(person.id_cipher),
            legal_rep=None,
            document_number=child.document_number or "",
            content=child.reason,
        )
        child.record_id = _store_record(session, child, fields, actor=actor, cipher=cipher).id
        _log(session, child.id, None, PUBLISHED, actor, f"个人责任：{named['role_name']}（名单记录{entry.id}）")
        audit(
            session,
            actor=actor,
            action="list.personal_liability",
            object_type="list_entry",
            object_id=child.id,
            detail={"parent": entry.id, "role": named["role"], "person_id": person.id, "record_id": child.record_id},
        )


def withdraw(session: Session, *, entry_id: int, reason: str, department_id: int | None, actor: Actor) -> ListEntry:
    """The proposing department withdraws a proposal before the notice."""
    entry = get_entry(session, entry_id)
    _own(entry, department_id, "撤回列入申请")
    _step(session, entry, WITHDRAWN, actor, reason.strip() or "撤回")
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
        _own(entry, department_id, "移出名单")
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
        _step(session, target, REMOVED, actor, f"{REMOVAL_KINDS[kind]}：{reason.strip()}", kind=kind)
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


def events(session: Session, entry_id: int) -> list[ListEvent]:
    """The steps of an entry, oldest first."""
    return list(
        session.execute(select(ListEvent).where(ListEvent.entry_id == entry_id).order_by(ListEvent.id)).scalars()
    )


def list_entries(
    session: Session,
    *,
    list_type: str | None = None,
    status: str | None = None,
    department_id: int | None = None,
    viewer: Principal | None = None,
    limit: int = 200,
) -> list[ListEntry]:
    """Entries, newest first, filtered; for a ``viewer``, only those it may see (``may_see``)."""
    stmt = select(ListEntry)
    if viewer is not None and not viewer.can("records.oversee"):
        stmt = stmt.where(
            or_(ListEntry.department_id == (viewer.department_id or 0), ListEntry.status.in_(SHARED_STATUSES))
        )
    if list_type:
        stmt = stmt.where(ListEntry.list_type == list_type)
    if status:
        stmt = stmt.where(ListEntry.status == status)
    if department_id is not None:
        stmt = stmt.where(ListEntry.department_id == department_id)
    return list(session.execute(stmt.order_by(ListEntry.id.desc()).limit(limit)).scalars())


def may_see(entry: ListEntry, viewer: Principal) -> bool:
    """A department sees its own entries at every step; other departments' only once published (or removed from
    publication); the credit office sees all. Proposals under way are the identifying department's own file."""
    return (
        viewer.can("records.oversee")
        or (viewer.department_id is not None and entry.department_id == viewer.department_id)
        or entry.status in SHARED_STATUSES
    )


def active_entries(
    session: Session, *, entity_id: int | None = None, person_id: int | None = None, on: date | None = None
) -> list[ListEntry]:
    """The subject's entries in force on a day (published, period not ended)."""
    if entity_id is None and person_id is None:
        return []
    today = on or get_clock().today()
    stmt = select(ListEntry).where(
        ListEntry.status == PUBLISHED,
        or_(ListEntry.ends_on.is_(None), ListEntry.ends_on >= today),
        ListEntry.published_on <= today,
    )
    stmt = stmt.where(ListEntry.entity_id == entity_id) if entity_id else stmt.where(ListEntry.person_id == person_id)
    return list(session.execute(stmt.order_by(ListEntry.published_on.desc())).scalars())


def public_entries(session: Session, *, list_type: str, today: date | None = None, limit: int = 200) -> list[ListEntry]:
    """Published entries of a public list (not key attention, which is for government use), for the portal."""
    day = today or get_clock().today()
    stmt = (
        select(ListEntry)
        .where(
            ListEntry.list_type == list_type,
            or_(
                ListEntry.status == PUBLISHED,
                (ListEntry.status == REMOVED) & (ListEntry.offline_by >= day) & (ListEntry.removed_on > day),
            ),
            ListEntry.parent_id.is_(None),
        )
        .order_by(ListEntry.published_on.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


# --------------------------------------------------------------------------------------------------
# Commitments' key-attention proposals (issue 5)
# --------------------------------------------------------------------------------------------------


def pending_commitment_proposals(session: Session, *, department_id: Departments) -> list[ListProposal]:
    """Key-attention proposals the commitment module raised after a breach, not yet taken into the workflow, of the
    departments in scope (None: no department, nothing)."""
    stmt = select(ListProposal).where(ListProposal.status == "pending")
    stmt = stmt.where(scope_of(department_id).where(ListProposal.department_id))
    return list(session.execute(stmt.order_by(ListProposal.id)).scalars())


def take_up_proposal(
    session: Session, *, proposal_id: int, domain: str, department_id: int | None, actor: Actor, cipher: FieldCipher
) -> ListEntry:
    """Start the listing workflow from a commitment breach proposal (its breach record is the basis)."""
    from xinyong.commitments.models import Commitment

    proposal = session.get(ListProposal, proposal_id)
    if proposal is None or proposal.status != "pending":
        raise NotFound(f"待处理的列入建议{proposal_id}不存在。")
    if proposal.department_id != department_id:
        raise PermissionDenied("只有提出建议的部门可以据此发起列入流程。")
    commitment = session.get(Commitment, proposal.commitment_id)
    basis = [commitment.breach_record_id] if commitment is not None and commitment.breach_record_id else []
    if proposal.entity_id is not None:
        entity = session.get(Entity, proposal.entity_id)
        assert entity is not None
        subject = entity.uscc or ""
        name = entity.name
    else:
        person = session.get(Person, proposal.person_id)
        assert person is not None
        subject = cipher.decrypt(person.id_cipher)
        name = person.name
    list_type = {"key_attention": "key_attention", "serious_list": "serious"}.get(proposal.list_item, "key_attention")
    entry = propose(
        session,
        values={
            "list_type": list_type,
            "subject": subject,
            "subject_name": name,
            "domain": domain,
            "reason": proposal.reason,
            "basis_records": basis,
        },
        department_id=department_id,
        actor=actor,
        cipher=cipher,
        proposal_id=proposal.id,
    )
    proposal.status = "in_workflow"
    return entry


# --------------------------------------------------------------------------------------------------
# Dishonest judgment debtors from the court (T13)
# --------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What a court file import did."""

    accepted: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_judgment_debtors(
    session: Session, *, path: Path, filename: str | None, actor: Actor, cipher: FieldCipher
) -> ImportResult:
    """Import the court's list (CSV/XLSX, headers are catalogue field codes or their Chinese names).

    Each row becomes a judgment-debtor credit record and a published list entry for 2 years from its 发布日期
    (the list's duration as data); a case already on the list is skipped. Row errors are reported, good rows kept.
    """
    from xinyong.catalog import service as catalog_service

    rule = rule_for("judgment_debtor")
    _item, spec = catalog_service.item_for(session, rule.item)
    by_name = {f.name: f.code for f in spec.fields}
    codes = {f.code for f in spec.fields}
    court = subjects_service.department_by_code(session, "fy")
    source, rows = ingestion_files.open_source(path, filename=filename)
    headers = [h if h in codes else by_name.get(h, h) for h in source.headers]
    unknown = [h for h in headers if h not in codes]
    if unknown:
        raise ValidationFailed(
            f"文件表头有不认识的列：{'、'.join(unknown)}（应为信用信息目录中失信被执行人信息的字段）"
        )
    result = ImportResult()
    for row_number, cells in rows:
        values = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)}
        values = {k: v for k, v in values.items() if str(v).strip()}
        case = str(values.get("AH", "")).strip()
        exists = session.execute(
            select(ListEntry.id).where(
                ListEntry.list_type == "judgment_debtor",
                ListEntry.document_number == case,
                ListEntry.status == PUBLISHED,
            )
        ).first()
        if case and exists:
            result.skipped += 1
            continue
        nested = session.begin_nested()
        try:
            stored, _ = ingestion_service.submit_one(
                session, kind=rule.item, fields=values, department_code=court.code, actor=actor, cipher=cipher
            )
            record = stored.record
            published = date.fromisoformat(str(record.fields.get("FBRQ") or record.decision_date.isoformat()))
            ends = add_months(published, rule.duration_months) - timedelta(days=1) if rule.duration_months else None
            entry = ListEntry(
                list_type="judgment_debtor",
                entity_id=record.entity_id,
                person_id=record.person_id,
                subject_name=record.subject_name,
                subject_code=(
                    str(record.fields.get("XDR_SHXYM") or "") or mask_id_number(str(values.get("XDR_ZJHM", "")))
                ),
                department_id=court.id,
                status=PUBLISHED,
                reason=str(record.fields.get("SXQX") or ""),
                legal_basis=str(record.fields.get("ZXYJWH") or ""),
                basis_record_ids=[record.id],
                responsible=[],
                proposed_on=record.decision_date,
                proposed_by=actor.label,
                decided_on=record.decision_date,
                decided_by=str(record.fields.get("ZXFY") or court.name),
                document_number=case,
                published_on=published,
                ends_on=ends,
                early_removal_from=published,
                record_id=record.id,
                extra={k: record.fields.get(k) for k in ("ZXFY", "SXYW", "LXQK", "SXQX", "LARQ", "FRDB")},
                created_at=get_clock().now(),
            )
            session.add(entry)
            session.flush()
            note = f"人民法院公布失信被执行人（{case}），导入自{source.sha256[:12]}"
            _log(session, entry.id, None, PUBLISHED, actor, note, department_code=court.code)
            nested.commit()
            result.accepted += 1
        except DomainError as exc:
            nested.rollback()
            result.errors.append({"row": row_number, "message": exc.message})
    audit(
        session,
        actor=actor,
        action="list.import_judgment_debtors",
        object_type="list_entry",
        object_id=None,
        detail={
            "file_sha256": source.sha256,
            "accepted": result.accepted,
            "skipped": result.skipped,
            "rejected": len(result.errors),
        },
    )
    return result


# --------------------------------------------------------------------------------------------------
# Bans (T23)
# --------------------------------------------------------------------------------------------------

BAN_FIELDS = {
    "subject": "主体代码",
    "scope": "禁入范围",
    "domain": "领域",
    "content": "禁入内容",
    "basis": "作出依据",
    "document_number": "决定文书号",
    "starts_on": "禁入起始日期",
    "ends_on": "禁入截止日期",
    "permanent": "终身禁入",
    "responsible": "责任人员",
}


def create_ban(
    session: Session, *, values: dict[str, Any], department_id: int | None, actor: Actor, cipher: FieldCipher
) -> Ban:
    """Record a market or industry ban from a court or administrative decision, for an entity and named persons."""
    rules = load_rules()
    dept = _department(session, department_id)
    errors = _Errors(BAN_FIELDS)
    subject = Subject()
    try:
        subject = find_subject(session, _text(values, "subject"), cipher=cipher)
        if subject.entity is None and subject.person is None:
            errors.add("subject", "该主体尚未登记")
    except ValidationFailed as exc:
        errors.add("subject", exc.message.split("：", 1)[-1])
    scope = _text(values, "scope")
    if scope not in rules.ban_scopes:
        errors.add("scope", f"“{scope}”无效，可选：{'、'.join(f'{k}（{v}）' for k, v in rules.ban_scopes.items())}")
    domain = _text(values, "domain")
    if domain not in rules.ban_domains:
        errors.add("domain", f"“{domain}”无效，可选：{'、'.join(f'{k}（{v}）' for k, v in rules.ban_domains.items())}")
    for key in ("content", "basis", "document_number"):
        if not _text(values, key):
            errors.add(key, "必填项缺失")
    starts = _date_value(values, "starts_on", errors, required=True)
    permanent = values.get("permanent") in (True, "1", "true", "on", "是")
    ends = _date_value(values, "ends_on", errors, required=not permanent)
    if permanent and ends is not None:
        errors.add("ends_on", "终身禁入不填截止日期")
    if starts and ends and ends < starts:
        errors.add("ends_on", "截止日期早于起始日期")
    responsible = _responsible(session, values.get("responsible"), errors, cipher=cipher, actor=actor)
    errors.raise_if_any("禁入决定有误，未保存")
    now = get_clock().now()
    assert starts is not None

    def make(entity: Entity | None, person: Person | None, name: str, parent: Ban | None, note: str = "") -> Ban:
        ban = Ban(
            entity_id=entity.id if entity else None,
            person_id=person.id if person else None,
            subject_name=name,
            scope=scope,
            domain=domain,
            content=_text(values, "content") + note,
            basis=_text(values, "basis"),
            document_number=_text(values, "document_number"),
            starts_on=starts,
            ends_on=None if permanent else ends,
            department_id=dept.id,
            parent_id=parent.id if parent else None,
            created_at=now,
            created_by=actor.label,
        )
        session.add(ban)
        session.flush()
        return ban

    ban = make(subject.entity, subject.person, subject.name, None)
    for named in responsible:
        person = session.get(Person, named["person_id"])
        make(None, person, named["name"], ban, f"（作为{subject.name}的{named['role_name']}）")
    audit(
        session,
        actor=actor,
        action="ban.create",
        object_type="list_ban",
        object_id=ban.id,
        detail={
            "subject": subject.label,
            "scope": scope,
            "domain": domain,
            "starts_on": starts.isoformat(),
            "ends_on": None if permanent else (ends.isoformat() if ends else None),
            "persons": [r["person_id"] for r in responsible],
        },
    )
    return ban


def revoke_ban(session: Session, *, ban_id: int, reason: str, department_id: int | None, actor: Actor) -> Ban:
    """Revoke a ban (the deciding department only); bans of its named persons end with it."""
    ban = session.get(Ban, ban_id)
    if ban is None:
        raise NotFound(f"禁入记录{ban_id}不存在。")
    if ban.department_id != department_id:
        raise PermissionDenied("只有作出禁入决定的部门可以撤销。")
    if ban.revoked_on is not None:
        raise Conflict("该禁入已撤销。")
    today = get_clock().today()
    for b in [ban, *session.execute(select(Ban).where(Ban.parent_id == ban.id)).scalars()]:
        b.revoked_on = today
        b.revoked_reason = reason.strip() or "撤销"
    session.flush()
    audit(
        session, actor=actor, action="ban.revoke", object_type="list_ban", object_id=ban.id, detail={"reason": reason}
    )
    return ban


def active_bans(
    session: Session, *, entity_id: int | None = None, person_id: int | None = None, on: date | None = None
) -> list[Ban]:
    """Bans in force for the subject on a day."""
    if entity_id is None and person_id is None:
        return []
    day = on or get_clock().today()
    stmt = select(Ban).where(
        Ban.starts_on <= day, or_(Ban.ends_on.is_(None), Ban.ends_on >= day), Ban.revoked_on.is_(None)
    )
    stmt = stmt.where(Ban.entity_id == entity_id) if entity_id else stmt.where(Ban.person_id == person_id)
    return list(session.execute(stmt.order_by(Ban.starts_on.desc())).scalars())


def list_bans(session: Session, *, department_id: int | None = None, limit: int = 200) -> list[Ban]:
    """Bans, newest first."""
    stmt = select(Ban)
    if department_id is not None:
        stmt = stmt.where(Ban.department_id == department_id)
    return list(session.execute(stmt.order_by(Ban.id.desc()).limit(limit)).scalars())


def entry_json(entry: ListEntry) -> dict[str, Any]:
    """A list entry for the API (ID numbers only masked)."""
    rules = load_rules()
    return {
        "id": entry.id,
        "list_type": entry.list_type,
        "list_name": rules.list_name(entry.list_type),
        "domain": entry.domain,
        "domain_name": rules.key_attention_domains.get(entry.domain or ""),
        "subject_name": entry.subject_name,
        "subject_code": entry.subject_code,
        "department": entry.department.name,
        "status": entry.status,
        "status_label": STATUS_LABELS[entry.status],
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "basis_records": entry.basis_record_ids,
        "responsible": [
            {"role": r["role"], "role_name": r["role_name"], "name": r["name"], "id_masked": r.get("id_masked")}
            for r in entry.responsible
        ],
        "parent_id": entry.parent_id,
        "proposed_on": _iso(entry.proposed_on),
        "notice_on": _iso(entry.notice_on),
        "notice_document": entry.notice_document,
        "statement_until": _iso(entry.statement_until),
        "statement": entry.statement,
        "decided_on": _iso(entry.decided_on),
        "document_number": entry.document_number,
        "published_on": _iso(entry.published_on),
        "ends_on": _iso(entry.ends_on),
        "early_removal_from": _iso(entry.early_removal_from),
        "removal_kind": entry.removal_kind,
        "removed_on": _iso(entry.removed_on),
        "removal_reason": entry.removal_reason,
        "record_id": entry.record_id,
    }


def ban_json(ban: Ban) -> dict[str, Any]:
    """A ban for the API and the portal."""
    return ban_values(ban, ban.department.name)


def ban_values(ban: Any, department: str, rules: ListRules | None = None) -> dict[str, Any]:
    """A ban as the API and the credit check show it, from a ``Ban`` or a row of its columns (the check reads rows)
    and the deciding department's name."""
    rules = rules or load_rules()
    return {
        "id": ban.id,
        "subject_name": ban.subject_name,
        "scope": ban.scope,
        "scope_name": rules.ban_scopes.get(ban.scope, ban.scope),
        "domain": ban.domain,
        "domain_name": rules.ban_domains.get(ban.domain, ban.domain),
        "content": ban.content,
        "basis": ban.basis,
        "document_number": ban.document_number,
        "department": department,
        "starts_on": ban.starts_on.isoformat(),
        "ends_on": _iso(ban.ends_on),
        "permanent": ban.ends_on is None,
        "revoked_on": _iso(ban.revoked_on),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
