"""ORM model of objections to credit records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class Objection(Base):
    """A subject's objection to a record about itself, verified by the providing department."""

    __tablename__ = "objection"
    __table_args__ = (Index("ix_objection_dept_status_due", "department_id", "status", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), index=True)  # the subject: an entity…
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)  # …or a natural person
    # online (the entity's own account) | window (a clerk at the credit service window, for a natural person who
    # showed the ID card; ``window_department_id`` is the clerk's department, which may see and print the outcome)
    filed_via: Mapped[str] = mapped_column(String(10), default="online", server_default="online")
    window_department_id: Mapped[int | None] = mapped_column(Integer)
    applicant_name: Mapped[str | None] = mapped_column(String(60))
    applicant_phone_cipher: Mapped[str | None] = mapped_column(Text)  # encrypted (core/crypto.py)
    applicant_phone_masked: Mapped[str | None] = mapped_column(String(20))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))  # the providing department
    reasons: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    prior_status: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))  # pending | decided
    filed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    extended_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(10))  # maintain | correct | revoke
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    new_record_id: Mapped[int | None] = mapped_column(Integer)  # the corrected version
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
