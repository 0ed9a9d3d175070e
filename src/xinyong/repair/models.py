"""ORM models of credit repair applications and their periodic re-checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class RepairApplication(Base):
    """An entity's application to repair one credit record (early end of publicity, early list removal, other)."""

    __tablename__ = "repair_application"
    __table_args__ = (Index("ix_repair_application_dept_status_due", "department_id", "status", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))  # the deciding department
    form: Mapped[str] = mapped_column(String(12))  # publicity | list | other
    reason: Mapped[str] = mapped_column(Text)
    performance: Mapped[str] = mapped_column(Text)  # how the decision's obligations were performed
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # the eligibility checks passed, as shown
    status: Mapped[str] = mapped_column(String(12))  # pending | approved | rejected | revoked
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # the department decides by this day (working days)
    feedback_due_on: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class RecheckDraw(Base):
    """A verifiable random sample of approved repairs for re-checking (seed, ordered pool and its SHA-256)."""

    __tablename__ = "repair_recheck_draw"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    rate_percent: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(200))
    pool: Mapped[list[str]] = mapped_column(JSON)  # application numbers in pool order
    pool_sha256: Mapped[str] = mapped_column(String(64))
    selected: Mapped[list[str]] = mapped_column(JSON)  # application numbers in selection order
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    drawn_by: Mapped[str] = mapped_column(String(120))


class RecheckCase(Base):
    """One sampled repair under re-check and its finding."""

    __tablename__ = "repair_recheck"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("repair_recheck_draw.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("repair_application.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # pending | confirmed | revoked
    finding: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    breach_record_id: Mapped[int | None] = mapped_column(Integer)
