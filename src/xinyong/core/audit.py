"""The audit trail: who did what to which object, when, from where and why, each event hash-chained."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core.clock import get_clock
from xinyong.core.db import Base, UTCDateTime

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, an API token or the system itself (CLI, scheduled job)."""

    label: str
    user_id: int | None = None
    token_id: int | None = None
    department_code: str | None = None
    role: str | None = None
    ip: str | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """An actor for work that no person started (CLI, jobs)."""
        return cls(label=label, role="system")


class AuditEvent(Base):
    """One audited action, linked to the previous one by its hash."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_id: Mapped[int | None] = mapped_column(Integer)
    department_code: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(120))
    purpose: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """A single row holding the chain's head; locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


def _canonical(event: Any) -> bytes:
    body = {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "user_id": event.user_id,
        "token_id": event.token_id,
        "department_code": event.department_code,
        "role": event.role,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "purpose": event.purpose,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: Any) -> str:
    """The SHA-256 of the event's canonical content, including the previous hash."""
    return hashlib.sha256(_canonical(event)).hexdigest()


def lock_head(session: Session) -> AuditHead:
    """Lock (creating it if needed) the audit chain's head row until the transaction ends.

    Writers that extend both chains (records and audit) lock this one first, then the record chain's head, so two
    such writers never wait on each other in opposite orders.
    """
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_event_id=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    purpose: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction."""
    head = lock_head(session)
    event = AuditEvent(
        id=head.last_event_id + 1,
        occurred_at=get_clock().now(),
        actor=actor.label,
        user_id=actor.user_id,
        token_id=actor.token_id,
        department_code=actor.department_code,
        role=actor.role,
        ip=actor.ip,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        purpose=purpose,
        detail=json.loads(json.dumps(detail, ensure_ascii=False, default=str)) if detail is not None else None,
        prev_hash=head.last_hash,
    )
    event.hash = compute_hash(event)
    session.add(event)
    head.last_event_id = event.id
    head.last_hash = event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the chain."""

    ok: bool
    checked: int
    message: str
    broken_event_id: int | None = None


def verify(session: Session, *, batch: int = 5000) -> VerifyResult:
    """Recompute every link in order and report the first broken one."""
    prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    last_id = 0
    while True:
        table = AuditEvent.__table__
        chunk = session.execute(select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch)).all()
        if not chunk:
            break
        for ev in chunk:
            if ev.id != expected_id:
                return VerifyResult(
                    False, checked, f"审计链断裂：缺少第{expected_id}号事件（可能被删除）。", expected_id
                )
            if ev.prev_hash != prev:
                return VerifyResult(
                    False, checked, f"审计链断裂：第{ev.id}号事件记录的前一哈希与第{ev.id - 1}号事件不符。", ev.id
                )
            if compute_hash(ev) != ev.hash:
                return VerifyResult(
                    False, checked, f"审计链断裂：第{ev.id}号事件的内容与其哈希不符（已被篡改）。", ev.id
                )
            prev = ev.hash
            expected_id += 1
            checked += 1
            last_id = ev.id
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_event_id != checked or head.last_hash != prev):
        return VerifyResult(
            False,
            checked,
            f"审计链断裂：链头指向第{head.last_event_id}号事件，但实际只有{checked}条连续事件。",
            checked + 1,
        )
    return VerifyResult(True, checked, f"审计链完整：共校验{checked}条事件。")
