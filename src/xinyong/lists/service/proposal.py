"""The first step of a listing: a department's proposal, or one taken up from a commitment breach (issue 5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments import lookups as commitment_lookups
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import text_value as _text
from xinyong.core.policy import Departments, scope_of
from xinyong.lists.models import ListEntry
from xinyong.lists.rules import ListRule, ListRules, load_rules
from xinyong.lists.service.common import DECIDED, NOTICED, PROPOSED, PUBLISHED, department_of, log_event, parse_ids
from xinyong.lists.service.liability import legal_rep_for_entity, parse_responsible, registered_responsible
from xinyong.lists.service.subjects import Subject, classify_code, find_subject, person_for
from xinyong.records import states as record_states
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Department, Entity, Person

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


@dataclass
class _Draft:
    """A proposal whose fields have all been checked, ready to be written."""

    rule: ListRule
    list_type: str
    subject: Subject
    domain: str | None
    reason: str
    legal_basis: str | None
    basis_ids: list[int]
    responsible: list[dict[str, Any]]
    legal_rep: str | None


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
    dept = department_of(session, department_id)
    draft = _checked_proposal(session, values, actor=actor, cipher=cipher, proposal_id=proposal_id)
    entity = draft.subject.entity
    if entity is not None and draft.rule.personal_liability and not draft.responsible and values.get("use_registered"):
        draft.responsible = registered_responsible(session, entity.id, on=get_clock().today())
    _refuse_duplicate(session, draft)
    return _write_proposal(session, draft, dept=dept, actor=actor, proposal_id=proposal_id)


def _checked_proposal(
    session: Session, values: dict[str, Any], *, actor: Actor, cipher: FieldCipher, proposal_id: int | None
) -> _Draft:
    """Every field of a proposal checked, all errors raised together.

    Side effect: a person subject or responsible person not yet registered is registered here (as at intake)."""
    rules = load_rules()
    errors = _Errors(PROPOSAL_FIELDS)
    list_type = _text(values, "list_type")
    rule = _list_rule(rules, list_type, errors)
    subject = _proposal_subject(session, values, errors, actor=actor, cipher=cipher)
    domain = _proposal_domain(rules, rule, _text(values, "domain") or None, errors)
    reason = _text(values, "reason")
    if not reason:
        errors.add("reason", "必填项缺失")
    basis_ids = _basis_records(session, values.get("basis_records"), subject, errors)
    if rule is not None and rule.nature == "negative" and not basis_ids and proposal_id is None:
        errors.add("basis_records", "列入失信类名单须至少有一条依据的信用记录")
    responsible = parse_responsible(session, values.get("responsible"), errors, cipher=cipher, actor=actor)
    if subject.person is not None and responsible:
        errors.add("responsible", "自然人不另列责任人员")
    legal_rep = _text(values, "legal_rep") or None
    if _legal_rep_missing(session, subject, legal_rep, responsible, basis_ids):
        errors.add("legal_rep", "该单位未登记法定代表人，请填写法定代表人姓名或在责任人员中注明")
    errors.raise_if_any("列入申请有误，未保存")
    assert rule is not None
    legal_basis = _text(values, "legal_basis") or None
    return _Draft(rule, list_type, subject, domain, reason, legal_basis, basis_ids, responsible, legal_rep)


def _list_rule(rules: ListRules, list_type: str, errors: _Errors) -> ListRule | None:
    """The rule of a list that goes through this workflow (court lists are imported instead)."""
    rule = rules.lists.get(list_type)
    if rule is None:
        errors.add(
            "list_type", f"“{list_type}”不存在，可选：{'、'.join(f'{k}（{v.name}）' for k, v in rules.lists.items())}"
        )
    elif not rule.workflow:
        errors.add("list_type", f"{rule.name}由人民法院认定，通过导入方式归集，不经本流程")
    return rule


def _proposal_subject(
    session: Session, values: dict[str, Any], errors: _Errors, *, actor: Actor, cipher: FieldCipher
) -> Subject:
    """The registered entity or person; a person not yet registered is registered with the name given."""
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
                subject = Subject(person=person_for(session, name=name, id_number=number, cipher=cipher, actor=actor))
    except ValidationFailed as exc:
        errors.add("subject", exc.message.split("：", 1)[-1])
    return subject


def _proposal_domain(rules: ListRules, rule: ListRule | None, domain: str | None, errors: _Errors) -> str | None:
    """The key-attention domain, checked against the known ones and required where the list needs one."""
    if domain is not None and domain not in rules.key_attention_domains:
        errors.add(
            "domain",
            f"“{domain}”不存在，可选：{'、'.join(f'{k}（{v}）' for k, v in rules.key_attention_domains.items())}",
        )
    if rule is not None and rule.domains_required and domain is None:
        errors.add("domain", f"{rule.name}须注明所属领域")
    return domain


def _basis_records(session: Session, raw: Any, subject: Subject, errors: _Errors) -> list[int]:
    """The ids of the basis records; each must be the subject's own, current and valid."""
    try:
        basis_ids = parse_ids(raw)
    except (TypeError, ValueError):
        errors.add("basis_records", "应为信用记录编号（整数）的列表")
        return []
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
    return basis_ids


def _legal_rep_missing(
    session: Session, subject: Subject, legal_rep: str | None, responsible: list[dict[str, Any]], basis_ids: list[int]
) -> bool:
    """An organisation (not a 个体工商户) with no legal representative given, named, registered or recorded."""
    return (
        subject.entity is not None
        and subject.entity.category != "个体工商户"
        and not legal_rep
        and not any(r["role"] == "legal_rep" for r in responsible)
        and legal_rep_for_entity(session, subject.entity.id, basis_ids) is None
    )


def _refuse_duplicate(session: Session, draft: _Draft) -> None:
    """Refuse a second proposal while the subject is in this list's workflow or on the list."""
    subject = draft.subject
    owner = (
        ListEntry.entity_id == subject.entity.id
        if subject.entity is not None
        else ListEntry.person_id == (subject.person.id if subject.person else None)
    )
    active = session.execute(
        select(ListEntry.id).where(
            ListEntry.list_type == draft.list_type,
            ListEntry.status.in_((PROPOSED, NOTICED, DECIDED, PUBLISHED)),
            ListEntry.parent_id.is_(None),
            owner,
        )
    ).first()
    if active is not None:
        raise Conflict(f"该主体已在{draft.rule.name}的列入流程中或已被列入（名单记录{active[0]}），不能重复申请。")


def _write_proposal(
    session: Session, draft: _Draft, *, dept: Department, actor: Actor, proposal_id: int | None
) -> ListEntry:
    """Write the proposed entry, its first step and the audit event."""
    subject = draft.subject
    entry = ListEntry(
        list_type=draft.list_type,
        domain=draft.domain,
        entity_id=subject.entity.id if subject.entity else None,
        person_id=subject.person.id if subject.person else None,
        subject_name=subject.name,
        subject_code=subject.label,
        department_id=dept.id,
        status=PROPOSED,
        reason=draft.reason,
        legal_basis=draft.legal_basis,
        basis_record_ids=draft.basis_ids,
        responsible=draft.responsible,
        proposal_id=proposal_id,
        proposed_on=get_clock().today(),
        proposed_by=actor.label,
        extra={"legal_rep": draft.legal_rep} if draft.legal_rep else {},
        created_at=get_clock().now(),
    )
    session.add(entry)
    session.flush()
    log_event(session, entry.id, None, PROPOSED, actor, draft.reason)
    audit(
        session,
        actor=actor,
        action="list.proposed",
        object_type="list_entry",
        object_id=entry.id,
        detail={
            "list_type": draft.list_type,
            "subject": entry.subject_code,
            "basis": draft.basis_ids,
            "department": dept.code,
        },
    )
    return entry


def pending_commitment_proposals(
    session: Session, *, department_id: Departments
) -> list[commitment_lookups.ListProposal]:
    """Key-attention proposals the commitment module raised after a breach, not yet taken into the workflow, of the
    departments in scope (None: no department, nothing)."""
    return commitment_lookups.pending_proposals(session, scope_of(department_id))


def take_up_proposal(
    session: Session, *, proposal_id: int, domain: str, department_id: int | None, actor: Actor, cipher: FieldCipher
) -> ListEntry:
    """Start the listing workflow from a commitment breach proposal (its breach record is the basis)."""
    proposal = commitment_lookups.proposal(session, proposal_id)
    if proposal is None or proposal.status != "pending":
        raise NotFound(f"待处理的列入建议{proposal_id}不存在。")
    if proposal.department_id != department_id:
        raise PermissionDenied("只有提出建议的部门可以据此发起列入流程。")
    breach = commitment_lookups.breach_record_of(session, proposal.commitment_id)
    basis = [breach] if breach else []
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
