"""ORM models of the evaluation: model versions, current grades and their history, industry grades, warnings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime
from xinyong.records.models import CreditRecord

# The columns the evaluation scores on, in entity order: a full run reads the archive from this index alone (no
# table lookups, no sort). Declared here because only the evaluation needs it.
EVALUATION_INDEX = Index(
    "ix_credit_record_evaluation",
    CreditRecord.entity_id,
    CreditRecord.is_current,
    CreditRecord.status,
    CreditRecord.item_code,
    CreditRecord.severity,
    CreditRecord.decision_date,
    CreditRecord.outcome,  # inspection result, complaint outcome, commitment fulfilment (records.outcome)
)


class EvaluationModel(Base):
    """One published version of the evaluation model (immutable once published)."""

    __tablename__ = "evaluation_model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str] = mapped_column(String(120))


class EntityGrade(Base):
    """An entity's current grade: the public evaluation (score, grade) and the overall grade with industry ones."""

    __tablename__ = "evaluation_grade"

    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(20))
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))
    overall_grade: Mapped[str] = mapped_column(String(1))
    override_code: Mapped[str | None] = mapped_column(String(40))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GradeHistory(Base):
    """A grade an entity was given (written when score, grade or model version changed)."""

    __tablename__ = "evaluation_grade_history"
    __table_args__ = (Index("ix_evaluation_grade_history_entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(20))
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))
    overall_grade: Mapped[str] = mapped_column(String(1))
    override_code: Mapped[str | None] = mapped_column(String(40))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(20))  # full | incremental


class EvaluationScratch(Base):
    """Working rows of one evaluation run (emptied when the run ends)."""

    __tablename__ = "evaluation_scratch"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    overall_rank: Mapped[int] = mapped_column(Integer)
    override_code: Mapped[str | None] = mapped_column(String(40))


class DirtySubject(Base):
    """An entity whose record changed since its last evaluation."""

    __tablename__ = "evaluation_dirty"

    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DomainGrade(Base):
    """An entity's grade in a supervision domain where an industry evaluation exists (elsewhere: the public grade)."""

    __tablename__ = "evaluation_domain_grade"

    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True)
    domain_code: Mapped[str] = mapped_column(ForeignKey("domain.code"), primary_key=True)
    industry_grade: Mapped[str] = mapped_column(String(1))
    grade: Mapped[str] = mapped_column(String(1))


class IndustryImport(Base):
    """One file of industry grades sent by a department."""

    __tablename__ = "evaluation_industry_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    domain_code: Mapped[str] = mapped_column(ForeignKey("domain.code"))
    filename: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class IndustryGrade(Base):
    """An industry evaluation of an entity in one domain (its own scale, and the platform grade it maps to)."""

    __tablename__ = "evaluation_industry_grade"
    __table_args__ = (Index("ix_evaluation_industry_grade_current", "entity_id", "domain_code", "is_current"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"))
    domain_code: Mapped[str] = mapped_column(ForeignKey("domain.code"))
    source_grade: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(1))
    evaluated_on: Mapped[date] = mapped_column(Date)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_industry_import.id"))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GradeSnapshot(Base):
    """How many entities held each grade on a day, per scope (public, overall or a domain code)."""

    __tablename__ = "evaluation_snapshot"
    __table_args__ = (UniqueConstraint("day", "scope", "grade"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    scope: Mapped[str] = mapped_column(String(32))
    grade: Mapped[str] = mapped_column(String(1))
    count: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(20))


class EarlyWarning(Base):
    """An early warning about an entity; one per cause."""

    __tablename__ = "evaluation_warning"
    __table_args__ = (UniqueConstraint("entity_id", "rule_code", "cause_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"), index=True)
    rule_code: Mapped[str] = mapped_column(String(40), index=True)
    rule_name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    cause_key: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WarningRecipient(Base):
    """A department a warning is addressed to, with its acknowledgement and follow-up."""

    __tablename__ = "evaluation_warning_recipient"
    __table_args__ = (
        UniqueConstraint("warning_id", "department_id"),
        Index("ix_evaluation_warning_recipient_dept", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("evaluation_warning.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    domain_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="new")  # new | acknowledged | following | closed
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(120))


class EvaluationSetting(Base):
    """A credit-office setting of the evaluation (e.g. whether the portal shows grades)."""

    __tablename__ = "evaluation_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))


WARNING_STATUS_LABELS = {"new": "待签收", "acknowledged": "已签收", "following": "跟进处置中", "closed": "已办结"}
