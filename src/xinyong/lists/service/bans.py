"""Market and industry bans (T23) from a court or administrative decision, for an entity and named persons."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import date_value as _date_value
from xinyong.core.forms import text_value as _text
from xinyong.lists.models import Ban
from xinyong.lists.rules import load_rules
from xinyong.lists.service.common import department_of
from xinyong.lists.service.liability import parse_responsible
from xinyong.lists.service.subjects import Subject, find_subject
from xinyong.subjects.models import Entity, Person

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
    dept = department_of(session, department_id)
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
    responsible = parse_responsible(session, values.get("responsible"), errors, cipher=cipher, actor=actor)
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
