"""ORM models of subjects, departments and supervision domains."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.core.db import Base, UTCDateTime

department_domain = Table(
    "department_domain",
    Base.metadata,
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
    Column("domain_code", ForeignKey("domain.code", ondelete="CASCADE"), primary_key=True),
)


class Domain(Base):
    """A supervision domain (the 16 of seed task T14)."""

    __tablename__ = "domain"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Department(Base):
    """A government department (or the court, or the central bank branch) that supplies or uses credit data."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    is_credit_office: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    domains: Mapped[list[Domain]] = relationship(secondary=department_domain, order_by=Domain.sort_order)


class Entity(Base):
    """A market entity (法人及非法人组织 or 个体工商户), keyed by its Unified Social Credit Code."""

    __tablename__ = "entity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    reg_no: Mapped[str | None] = mapped_column(String(20), index=True)  # 工商注册号 (older)
    org_code: Mapped[str | None] = mapped_column(String(10), index=True)  # 组织机构代码 (older)
    name: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(20))  # 法人及非法人组织 | 个体工商户
    entity_type: Mapped[str] = mapped_column(String(40))
    registering_authority: Mapped[str | None] = mapped_column(String(80))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(4), index=True)
    registered_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="存续")
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Person(Base):
    """A natural person; the ID number is stored encrypted, found by a keyed blind index, shown masked."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("id_type", "id_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    id_type: Mapped[str] = mapped_column(String(20), default="身份证")
    id_cipher: Mapped[str] = mapped_column(Text)
    id_index: Mapped[str] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Relation(Base):
    """A person's role in an entity (法定代表人, 主要负责人, 实际控制人) over a period."""

    __tablename__ = "subject_relation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # legal_rep | principal | controller
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    entity: Mapped[Entity] = relationship()
    person: Mapped[Person] = relationship()


class SubjectNameReview(Base):
    """A reported name that disagrees with the registered one, queued for a person to check."""

    __tablename__ = "subject_name_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    reported_name: Mapped[str] = mapped_column(String(200))
    registered_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | accepted | rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


RELATION_ROLES = {"legal_rep": "法定代表人", "principal": "主要负责人", "controller": "实际控制人"}
ENTITY_CATEGORIES = ("法人及非法人组织", "个体工商户")
ENTITY_STATUSES = ("存续", "在业", "吊销", "注销", "迁出", "歇业")
