"""ORM models of the item list, the inspector library, plans, published pools, tasks, assignments and results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.core.db import Base, UTCDateTime
from xinyong.subjects.models import Department, Entity


class InspectionItem(Base):
    """An item of a department's random-inspection list (随机抽查事项清单)."""

    __tablename__ = "inspection_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(40))
    domain_code: Mapped[str | None] = mapped_column(ForeignKey("domain.code"))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()


class Inspector(Base):
    """A person of the inspector library (执法检查人员名录库)."""

    __tablename__ = "inspector"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 执法证号
    name: Mapped[str] = mapped_column(String(60))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    qualifications: Mapped[list[str]] = mapped_column(JSON)  # domain codes the person may inspect in
    region_code: Mapped[str] = mapped_column(String(6))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()


class InspectorConflict(Base):
    """A reason an inspector must not inspect an entity (declared relation, own licensing of it)."""

    __tablename__ = "inspector_conflict"
    __table_args__ = (UniqueConstraint("inspector_id", "entity_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id", ondelete="CASCADE"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # declared | licensing
    note: Mapped[str | None] = mapped_column(Text)
    declared_on: Mapped[date] = mapped_column(Date)


class InspectionPlan(Base):
    """A random-inspection plan of one department or a joint plan of several (跨部门联合抽查)."""

    __tablename__ = "inspection_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    department_ids: Mapped[list[int]] = mapped_column(JSON)
    item_ids: Mapped[list[int]] = mapped_column(JSON)
    library_filter: Mapped[dict[str, Any]] = mapped_column(JSON)
    base_ratio: Mapped[str] = mapped_column(String(12))  # decimal as text: exact on both backends
    multipliers: Mapped[dict[str, str]] = mapped_column(JSON)
    min_interval_days: Mapped[int] = mapped_column(Integer)
    inspectors_per_task: Mapped[int] = mapped_column(Integer)
    seed_sources: Mapped[list[str]] = mapped_column(JSON)  # public future values, described before the draw
    seed_values: Mapped[list[str] | None] = mapped_column(JSON)
    rules_version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | published | drawn
    pool_version: Mapped[int] = mapped_column(Integer, default=0)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    lead_department: Mapped[Department] = relationship()


class InspectionPool(Base):
    """One grade stratum of a plan's entity library, snapshotted and published before the draw (versioned)."""

    __tablename__ = "inspection_pool"
    __table_args__ = (UniqueConstraint("plan_id", "version", "grade"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))
    size: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)  # how many the draw takes from this stratum
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)  # the published pool file (one line per entity)
    entity_ids: Mapped[str] = mapped_column(Text)  # comma-separated, aligned with the lines
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionTask(Base):
    """One inspection of one entity: drawn by a plan, or targeted (complaint, alert) and recorded separately."""

    __tablename__ = "inspection_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # random | targeted
    targeted_reason: Mapped[str | None] = mapped_column(String(20))
    targeted_note: Mapped[str | None] = mapped_column(Text)
    grade: Mapped[str | None] = mapped_column(String(1))
    draw_position: Mapped[int | None] = mapped_column(Integer)  # order of selection within the grade stratum
    item_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="assigned")  # assigned | recorded | published
    result: Mapped[str | None] = mapped_column(String(40))
    result_note: Mapped[str | None] = mapped_column(Text)
    inspected_on: Mapped[date | None] = mapped_column(Date)
    publish_deadline: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    entity: Mapped[Entity] = relationship()
    department: Mapped[Department] = relationship()
    assignments: Mapped[list[InspectionAssignment]] = relationship(
        order_by="InspectionAssignment.draw_index", back_populates="task"
    )


class InspectionAssignment(Base):
    """An inspector drawn for a task: assigned, or refused with the reason (then the draw continues)."""

    __tablename__ = "inspection_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("inspection_task.id", ondelete="CASCADE"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id"), index=True)
    draw_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # assigned | avoided | refused
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    task: Mapped[InspectionTask] = relationship(back_populates="assignments")
    inspector: Mapped[Inspector] = relationship()


class InspectionAttachment(Base):
    """A file attached to an inspection result (PDF or image)."""

    __tablename__ = "inspection_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("inspection_task.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
