"""ORM models of commitment matters, commitments, breach measures and voluntarily registered information."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.core.db import Base, UTCDateTime
from xinyong.subjects.models import Department


class CommitmentMatter(Base):
    """A matter (approval, certificate, service) where a credit commitment replaces or supplements documents (T1)."""

    __tablename__ = "commitment_matter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    matter_kind: Mapped[str] = mapped_column(String(20))  # approval | certificate | service
    commitment_type: Mapped[str] = mapped_column(String(10))
    standard_text: Mapped[str] = mapped_column(Text)
    breach_liability: Mapped[str] = mapped_column(Text)
    verification_working_days: Mapped[int] = mapped_column(Integer)
    excluded_grades: Mapped[list[str]] = mapped_column(JSON)
    excluded_lists: Mapped[list[str]] = mapped_column(JSON)
    online_signing: Mapped[bool] = mapped_column(Boolean, default=False)  # an entity may sign it online itself
    breach_ban_months: Mapped[int | None] = mapped_column(Integer)  # exclusion from commitment-based approval
    breach_key_attention: Mapped[bool] = mapped_column(Boolean, default=False)  # propose the key-attention list
    required_course: Mapped[str | None] = mapped_column(String(40))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()


class CommitmentSerial(Base):
    """The last serial used for a division and day: 承诺编码 = division + date + serial, allocated atomically."""

    __tablename__ = "commitment_serial"

    division: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


class Commitment(Base):
    """One credit commitment with every field of the national template, its fulfilment and its credit record."""

    __tablename__ = "commitment"
    __table_args__ = (
        Index("ix_commitment_dept_pending", "department_id", "fulfilment", "verify_by"),
        Index("ix_commitment_entity", "entity_id"),
        Index("ix_commitment_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("commitment_matter.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    committer_category: Mapped[str] = mapped_column(String(20))
    committer_name: Mapped[str] = mapped_column(String(200))
    committer_code: Mapped[str | None] = mapped_column(String(18))  # USCC (organisations); persons: see person_id
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    commitment_type: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text)
    liability: Mapped[str] = mapped_column(Text)
    made_on: Mapped[date] = mapped_column(Date)
    accepting_unit: Mapped[str] = mapped_column(String(200))
    accepting_unit_code: Mapped[str] = mapped_column(String(18))
    openness: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(12))  # department | online | voluntary
    verify_by: Mapped[date] = mapped_column(Date)
    related_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))  # 信用修复型: the penalty
    fulfilment: Mapped[str | None] = mapped_column(String(10))  # None: not verified yet
    unfulfilled_content: Mapped[str | None] = mapped_column(Text)
    accountability: Mapped[str | None] = mapped_column(Text)  # 违诺责任追究内容
    is_false: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_on: Mapped[date | None] = mapped_column(Date)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))
    breach_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))

    matter: Mapped[CommitmentMatter] = relationship()
    department: Mapped[Department] = relationship()


class CommitmentBan(Base):
    """A subject excluded from commitment-based approval for a period after a breach (a matter's breach measure)."""

    __tablename__ = "commitment_ban"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ListProposal(Base):
    """A proposal to put a subject on a list (e.g. key attention), pending the listing workflow (issue 8)."""

    __tablename__ = "commitment_list_proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_item: Mapped[str] = mapped_column(String(40))  # catalogue item code of the list, e.g. key_attention
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VoluntaryInfo(Base):
    """Information an entity registers about itself (T11), shown as self-declared until a department verifies it."""

    __tablename__ = "voluntary_info"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))  # the department that verifies it
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))  # the truthfulness commitment
    status: Mapped[str] = mapped_column(String(12), default="unverified")  # unverified | verified | false
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by: Mapped[str | None] = mapped_column(String(120))
    verify_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))

    attachments: Mapped[list[VoluntaryAttachment]] = relationship(order_by="VoluntaryAttachment.id")
    department: Mapped[Department] = relationship()


class VoluntaryAttachment(Base):
    """A file attached to voluntarily registered information (kept in the database, checked by type and size)."""

    __tablename__ = "voluntary_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    info_id: Mapped[int] = mapped_column(ForeignKey("voluntary_info.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
