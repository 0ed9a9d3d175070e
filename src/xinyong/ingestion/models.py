"""ORM models of ingestion batches and their rejected rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class Batch(Base):
    """One submitted file (or API batch) of one catalogue item from one department."""

    __tablename__ = "ingest_batch"
    __table_args__ = (Index("ix_ingest_batch_dept_sha", "department_id", "item_code", "file_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str | None] = mapped_column(String(255))
    file_kind: Mapped[str | None] = mapped_column(String(10))
    encoding: Mapped[str | None] = mapped_column(String(20))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # running | completed | rejected | failed
    message: Mapped[str | None] = mapped_column(Text)  # why a whole file was refused
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    versioned: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str] = mapped_column(String(120))
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_by_token_id: Mapped[int | None] = mapped_column(Integer)


class BatchError(Base):
    """One problem of one row (or of the file, row 0 / 1 for headers)."""

    __tablename__ = "ingest_error"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batch.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    field_code: Mapped[str] = mapped_column(String(40))
    field_name: Mapped[str] = mapped_column(String(80))
    value: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
