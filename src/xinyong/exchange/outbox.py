"""The outbox of workflow results that are reported upward, written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from xinyong.core.clock import get_clock
from xinyong.exchange.models import ExchangeOutbox


def emit(session: Session, *, kind: str, object_type: str, object_id: int, fields: dict[str, Any]) -> None:
    """Queue one result for the feed; it commits or rolls back with the change that caused it."""
    clean = {k: ("" if v is None else str(v)) for k, v in fields.items()}
    session.add(
        ExchangeOutbox(
            kind=kind, object_type=object_type, object_id=object_id, fields=clean, created_at=get_clock().now()
        )
    )
