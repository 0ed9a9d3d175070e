"""Tamper evidence: verify both chains and the published anchors; write the daily anchor; checksum exports."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit
from xinyong.core.audit import GENESIS_HASH, Actor, AuditEvent
from xinyong.core.clock import get_clock
from xinyong.core.errors import ValidationFailed
from xinyong.integrity.models import ChainAnchor
from xinyong.records import chain
from xinyong.records.models import CreditRecord


@dataclass(frozen=True)
class Check:
    """One part of the verification: its name, whether it holds, and the Chinese finding."""

    name: str
    ok: bool
    message: str


def anchor_hash(day: date, record_seq: int, record_hash: str, audit_event_id: int, audit_hash: str, prev: str) -> str:
    """The hash of an anchor, linking it to the previous one."""
    body = [day.isoformat(), record_seq, record_hash, audit_event_id, audit_hash, prev]
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()


def anchor_due(session: Session, *, day: date | None = None) -> bool:
    """Whether today's anchor has not been written yet."""
    day = day or get_clock().today()
    return session.execute(select(ChainAnchor.id).where(ChainAnchor.day == day)).first() is None


def make_anchor(session: Session, *, actor: Actor, day: date | None = None) -> tuple[ChainAnchor, bool]:
    """Write the day's anchor (the heads of both chains) once: (anchor, whether it was written now)."""
    day = day or get_clock().today()
    head = audit.lock_head(session)  # audit first, then records (see audit.lock_head)
    record_seq, record_hash = chain.lock_head(session.connection())
    existing = session.execute(select(ChainAnchor).where(ChainAnchor.day == day)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    last = session.execute(select(ChainAnchor).order_by(ChainAnchor.day.desc()).limit(1)).scalar_one_or_none()
    if last is not None and last.day > day:
        raise ValidationFailed(f"已有{last.day.isoformat()}的锚点，不能补写更早日期{day.isoformat()}的锚点。")
    prev = last.hash if last is not None else GENESIS_HASH
    anchor = ChainAnchor(
        day=day,
        made_at=get_clock().now(),
        record_seq=record_seq,
        record_hash=record_hash,
        audit_event_id=head.last_event_id,
        audit_hash=head.last_hash,
        prev_hash=prev,
        hash=anchor_hash(day, record_seq, record_hash, head.last_event_id, head.last_hash, prev),
    )
    session.add(anchor)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="integrity.anchor",
        object_type="chain_anchor",
        object_id=anchor.id,
        detail={"day": day.isoformat(), "record_seq": record_seq, "audit_event_id": head.last_event_id},
    )
    return anchor, True


def anchors(session: Session, *, limit: int | None = None) -> list[ChainAnchor]:
    """The published anchors, newest first."""
    stmt = select(ChainAnchor).order_by(ChainAnchor.day.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def anchor_dict(anchor: ChainAnchor) -> dict[str, Any]:
    """An anchor as published (JSON on the portal, read back by ``verify --published``)."""
    return {
        "day": anchor.day.isoformat(),
        "record_seq": anchor.record_seq,
        "record_hash": anchor.record_hash,
        "audit_event_id": anchor.audit_event_id,
        "audit_hash": anchor.audit_hash,
        "prev_hash": anchor.prev_hash,
        "hash": anchor.hash,
    }


def _check_anchor(session: Session, a: dict[str, Any], *, source: str) -> str | None:
    """What is wrong between one anchor and the chains today (None when it holds)."""
    day = a["day"]
    seq = int(a["record_seq"])
    if seq:
        row = session.execute(
            select(
                CreditRecord.id, CreditRecord.item_code, CreditRecord.document_number, CreditRecord.chain_hash
            ).where(CreditRecord.chain_seq == seq)
        ).first()
        if row is None:
            return f"{source}{day}的锚点记载记录链第{seq}号链节，该链节已不存在（记录被删除）。"
        if row.chain_hash != a["record_hash"]:
            which = chain.describe(row.id, row.item_code, row.document_number)
            return f"{source}{day}的锚点与记录链不符：第{seq}号链节{which}的哈希已改变——该日之前的记录历史被改写。"
    event_id = int(a["audit_event_id"])
    if event_id:
        ev = session.get(AuditEvent, event_id)
        if ev is None:
            return f"{source}{day}的锚点记载审计链第{event_id}号事件，该事件已不存在（被删除）。"
        if ev.hash != a["audit_hash"]:
            return f"{source}{day}的锚点与审计链不符：第{event_id}号事件的哈希已改变——该日之前的审计历史被改写。"
    return None


def verify_anchors(session: Session, published: list[dict[str, Any]] | None = None) -> Check:
    """The stored anchors link to each other and match both chains; a published copy (if given) matches too."""
    stored = sorted(anchors(session), key=lambda a: a.day)
    prev = GENESIS_HASH
    for a in stored:
        expected = anchor_hash(a.day, a.record_seq, a.record_hash, a.audit_event_id, a.audit_hash, a.prev_hash)
        if a.prev_hash != prev or a.hash != expected:
            return Check("anchors", False, f"锚点表被改动：{a.day.isoformat()}的锚点与其哈希或前一锚点不符。")
        prev = a.hash
        problem = _check_anchor(session, anchor_dict(a), source="")
        if problem:
            return Check("anchors", False, problem)
    by_day = {a.day.isoformat(): anchor_dict(a) for a in stored}
    for entry in published or []:
        mine = by_day.get(str(entry.get("day")))
        if mine is None:
            return Check("anchors", False, f"已发布的{entry.get('day')}锚点在锚点表中不存在（锚点表被改动）。")
        if any(mine[k] != entry.get(k) for k in ("record_seq", "record_hash", "audit_event_id", "audit_hash")):
            return Check("anchors", False, f"已发布的{entry['day']}锚点与锚点表不符（锚点表被改写）。")
        problem = _check_anchor(session, entry, source="已发布的")
        if problem:
            return Check("anchors", False, problem)
    extra = f"，并与已发布的{len(published)}个锚点核对一致" if published else ""
    return Check("anchors", True, f"每日锚点一致：共{len(stored)}个锚点{extra}。")


def load_published(path: Path) -> list[dict[str, Any]]:
    """Anchors saved from the portal (``/portal/integrity.json``)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"无法读取已发布锚点文件“{path}”：{exc}") from None
    entries = data.get("anchors") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "day" in e for e in entries):
        raise ValidationFailed(f"已发布锚点文件“{path}”格式不对：应为门户网站“数据完整性”页面提供的JSON。")
    return entries


def verify_all(session: Session, *, published: list[dict[str, Any]] | None = None) -> list[Check]:
    """Check the audit chain, the record chain (and the record states) and the anchors."""
    audit_result = audit.verify(session)
    record_result = chain.verify(session.connection())
    return [
        Check("audit", audit_result.ok, audit_result.message),
        Check("records", record_result.ok, record_result.message),
        verify_anchors(session, published),
    ]


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of an export, as served in ``X-Content-SHA256``."""
    return hashlib.sha256(data).hexdigest()
