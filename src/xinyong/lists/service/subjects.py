"""The subject of a listing or a ban: an entity or a person found by USCC or ID number."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import ValidationFailed
from xinyong.core.identifiers import InvalidIdentifier, validate_resident_id, validate_uscc
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity, Person


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


def person_for(session: Session, *, name: str, id_number: str, cipher: FieldCipher, actor: Actor) -> Person:
    """The registered person with this ID number, registered now under ``name`` when unknown."""
    found = subjects_service.find_person(session, cipher=cipher, id_number=id_number)
    if found is not None:
        return found
    return subjects_service.create_person(session, cipher=cipher, name=name, id_number=id_number, actor=actor)
