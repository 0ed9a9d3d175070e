"""ORM models of credit checks run by approvals, with the approver's feedback, and reported approval counts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class CreditCheck(Base):
    """One credit check (T22): who checked whom for which matter, what was found and what the approver did.

    It is also the query log of §9 for natural persons (time, querier, department, purpose, what was shown).
    """

    __tablename__ = "credit_check"
    __table_args__ = (Index("ix_credit_check_dept_matter", "department_id", "matter", "checked_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # entity | person | unknown
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    subject_label: Mapped[str] = mapped_column(String(200))  # USCC or masked ID number, never the clear number
    matter: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    checked_by: Mapped[str] = mapped_column(String(120))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_on: Mapped[date] = mapped_column(Date)
    conclusion: Mapped[str] = mapped_column(String(10))  # deny | restrict | allow
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    feedback_by: Mapped[str | None] = mapped_column(String(120))
    outcome: Mapped[str | None] = mapped_column(String(12))  # approved | restricted | refused
    feedback: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    feedback_note: Mapped[str | None] = mapped_column(Text)


class ApprovalReport(Base):
    """How many approvals of a matter a department handled in a month, to measure checked-versus-approved."""

    __tablename__ = "approval_report"
    __table_args__ = (UniqueConstraint("department_id", "matter", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    matter: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    approvals: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_by: Mapped[str] = mapped_column(String(120))
