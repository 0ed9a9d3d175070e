"""ORM models of credit records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class CreditRecord(Base):
    """One version of one decision about one subject; corrections add versions, nothing is deleted."""

    __tablename__ = "credit_record"
    __table_args__ = (
        UniqueConstraint("department_id", "item_code", "document_number", "version"),
        # An entity's current records: the evaluation's covering index (entity_id, is_current, …) leads with them.
        # Most records are about entities, so the persons' index leaves out the rows without a person.
        Index(
            "ix_credit_record_person_current",
            "person_id",
            "is_current",
            sqlite_where=text("person_id IS NOT NULL"),
            postgresql_where=text("person_id IS NOT NULL"),
        ),
        Index("ix_credit_record_dept_deadline", "department_id", "publication_deadline"),
        Index("ix_credit_record_item_decided", "item_code", "decision_date"),  # portal publicity lists
        Index("ix_credit_record_status_until", "status", "publicity_until"),  # the daily expiry job
        Index("ix_credit_record_chain_seq", "chain_seq", unique=True),  # the tamper-evident chain's order
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_item.id"))
    item_code: Mapped[str] = mapped_column(String(40))  # indexed with decision_date
    subject_kind: Mapped[str] = mapped_column(String(10))  # entity | person
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_category: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    document_number: Mapped[str] = mapped_column(String(100))
    decision_date: Mapped[date] = mapped_column(Date, index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))  # indexed with publicity_until
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))
    publication_deadline: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publicity_from: Mapped[date | None] = mapped_column(Date)
    publicity_until: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[int | None] = mapped_column(Integer, index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_by_token_id: Mapped[int | None] = mapped_column(Integer)
    # The tamper-evident chain (records/chain.py): position, the previous link's hash, and this link's hash over
    # the immutable content (``chain.HASHED_COLUMNS``) and the previous hash.
    chain_seq: Mapped[int | None] = mapped_column(Integer)
    chain_prev: Mapped[str | None] = mapped_column(String(64))
    chain_hash: Mapped[str | None] = mapped_column(String(64))
    # A copy of the one field value the evaluation filters on (``records.outcome``: inspection result, complaint
    # outcome, commitment fulfilment), held by the evaluation's covering index. Derived from ``fields``, not hashed.
    outcome: Mapped[str | None] = mapped_column(String(60))


class RecordEvent(Base):
    """A state change of a record, with its reason (the audit trail holds the same, chained)."""

    __tablename__ = "credit_record_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(120))


class RecordChainHead(Base):
    """The single row holding the record chain's head; locking it serialises appends to the chain."""

    __tablename__ = "credit_record_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
