"""ORM models of the plan's trackable tasks (T1–T32, G1–G4) and the departments' progress reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class PlanItem(Base):
    """One task of the implementation plan, with its lead unit (牵头单位)."""

    __tablename__ = "plan_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # T1 … T32, G1 … G4
    section: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    data_version: Mapped[str] = mapped_column(String(20))


class PlanItemUnit(Base):
    """A responsible unit (责任单位) of a plan task: it reports progress on it."""

    __tablename__ = "plan_item_unit"

    plan_item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), primary_key=True, index=True)


class PlanProgress(Base):
    """A department's progress report on one task for one period (a repeat in the period replaces it)."""

    __tablename__ = "plan_progress"
    __table_args__ = (UniqueConstraint("plan_item_id", "department_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_item_id: Mapped[int] = mapped_column(ForeignKey("plan_item.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-Qn
    status: Mapped[str] = mapped_column(String(12))  # not_started | in_progress | done | delayed
    progress: Mapped[str] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_by: Mapped[str] = mapped_column(String(120))
