"""ORM model of evidence files attached to objections and repair applications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class EvidenceFile(Base):
    """One uploaded evidence file (PDF, JPG or PNG, type checked by its content), kept in the database so that it is
    written in the same transaction as the application it belongs to."""

    __tablename__ = "evidence_file"
    __table_args__ = (Index("ix_evidence_file_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(12))  # objection | repair
    owner_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))  # the file name as uploaded (cleaned)
    content_type: Mapped[str] = mapped_column(String(40))  # from the magic bytes, never from the name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
