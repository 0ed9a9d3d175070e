"""Personal liability (T24): the responsible persons a decision names, the legal representative, and the
child entries and personal records written when a listing is published."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.identifiers import InvalidIdentifier, validate_resident_id
from xinyong.lists.models import ListEntry
from xinyong.lists.rules import load_rules
from xinyong.lists.service.common import PUBLISHED, log_event, rule_for
from xinyong.lists.service.credit_records import record_fields, store_record
from xinyong.lists.service.subjects import person_for
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Person


def parse_responsible(
    session: Session, raw: Any, errors: _Errors, *, cipher: FieldCipher, actor: Actor
) -> list[dict[str, Any]]:
    """The responsible persons given (role, name, ID number), each registered; errors go to ``errors``."""
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
        p = person_for(session, name=name, id_number=number, cipher=cipher, actor=actor)
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


def legal_rep_name(session: Session, entry: ListEntry) -> str | None:
    """The legal representative the decision names, else the registered or recorded one."""
    named = next((r["name"] for r in entry.responsible if r["role"] == "legal_rep"), None) or entry.extra.get(
        "legal_rep"
    )
    if named:
        return str(named)
    assert entry.entity_id is not None
    return legal_rep_for_entity(session, entry.entity_id, entry.basis_record_ids)


def record_personal_liability(session: Session, entry: ListEntry, *, actor: Actor, cipher: FieldCipher) -> None:
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
        fields = record_fields(
            child,
            entry.department,
            name=person.name,
            uscc=None,
            id_number=cipher.decrypt(person.id_cipher),
            legal_rep=None,
            document_number=child.document_number or "",
            content=child.reason,
        )
        child.record_id = store_record(session, child, fields, actor=actor, cipher=cipher).id
        log_event(session, child.id, None, PUBLISHED, actor, f"个人责任：{named['role_name']}（名单记录{entry.id}）")
        audit(
            session,
            actor=actor,
            action="list.personal_liability",
            object_type="list_entry",
            object_id=child.id,
            detail={"parent": entry.id, "role": named["role"], "person_id": person.id, "record_id": child.record_id},
        )
