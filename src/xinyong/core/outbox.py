"""The outbox of workflow results that are reported upward, written in the caller's transaction. In core (like the
audit log) so that any workflow can emit without importing ``exchange``, whose feed reads the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core.clock import get_clock
from xinyong.core.db import Base, UTCDateTime


class ExchangeOutbox(Base):
    """A workflow result to report upward (repair result, check feedback, rectification outcome).

    Written in the same transaction as the change; bulk records are not copied here, the feed reads them from
    ``credit_record`` itself.
    """

    __tablename__ = "exchange_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # a feed type: repair | joint_case | supervision
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # by the type's field codes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def emit(session: Session, *, kind: str, object_type: str, object_id: int, fields: dict[str, Any]) -> None:
    """Queue one result for the feed; it commits or rolls back with the change that caused it."""
    clean = {k: ("" if v is None else str(v)) for k, v in fields.items()}
    session.add(
        ExchangeOutbox(
            kind=kind, object_type=object_type, object_id=object_id, fields=clean, created_at=get_clock().now()
        )
    )
