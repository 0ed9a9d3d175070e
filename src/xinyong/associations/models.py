"""ORM models of industry associations, their console users, members and the association's own member information.

Association information is a data source of its own kind: it never enters the government credit record
(`credit_record`) and is always shown labelled 行业协会信息（非政府部门认定）.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class Association(Base):
    """A registered industry association or chamber of commerce (行业协会商会)."""

    __tablename__ = "association"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    supervising_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class AssociationUser(Base):
    """A console user acting for an association (role `association`); a user belongs to one association."""

    __tablename__ = "association_user"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"), index=True)


class AssociationMember(Base):
    """An entity's membership of an association; removal keeps the row (status removed)."""

    __tablename__ = "association_member"
    __table_args__ = (UniqueConstraint("association_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # active | removed
    joined_on: Mapped[date | None] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))


class AssociationInfo(Base):
    """One item of the association's own member credit information: a self-discipline commitment, a training, or a
    self-discipline measure (自律惩戒)."""

    __tablename__ = "association_info"
    __table_args__ = (Index("ix_association_info_assoc_entity", "association_id", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("association.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # commitment | training | discipline
    measure: Mapped[str | None] = mapped_column(String(20))  # for discipline: 警告, 通报批评, …
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
