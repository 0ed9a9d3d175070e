"""The daily anchors: the heads of both chains, written once a day and published on the portal."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class ChainAnchor(Base):
    """The heads of the record chain and the audit chain on one day, themselves linked anchor to anchor."""

    __tablename__ = "chain_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    record_seq: Mapped[int] = mapped_column(Integer)
    record_hash: Mapped[str] = mapped_column(String(64))
    audit_event_id: Mapped[int] = mapped_column(Integer)
    audit_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
