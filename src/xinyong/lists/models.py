"""ORM models of list entries and their workflow, bans, rectification orders, interviews and special campaigns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.core.db import Base, UTCDateTime
from xinyong.subjects.models import Department


def not_null(column: str) -> dict[str, Any]:
    """The dialect options of a partial index over the rows where ``column`` is set."""
    return {"sqlite_where": text(f"{column} IS NOT NULL"), "postgresql_where": text(f"{column} IS NOT NULL")}


class ListEntry(Base):
    """One subject on one list, from the department's proposal to its removal (a state machine, every step audited).

    An entry for a responsible person (T24) has ``parent_id`` set to the organisation's entry and shares its dates.
    """

    __tablename__ = "list_entry"
    # A subject's entries (the credit check, the portal): an entry is about an entity or a person, so each index
    # leaves out the rows of the other kind. Full indexes on a column that is mostly NULL made SQLite's planner,
    # from ANALYZE's statistics, scan the whole table for a person (1.5 ms a check at 20,000 entries).
    __table_args__ = (
        Index("ix_list_entry_entity_status", "entity_id", "status", **not_null("entity_id")),
        Index("ix_list_entry_person_status", "person_id", "status", **not_null("person_id")),
        Index("ix_list_entry_type_status", "list_type", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_type: Mapped[str] = mapped_column(String(20))
    domain: Mapped[str | None] = mapped_column(String(30))  # key-attention domain (T18)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_code: Mapped[str | None] = mapped_column(String(24))  # USCC, or the masked ID number of a person
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    basis_record_ids: Mapped[list[int]] = mapped_column(JSON)
    responsible: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # named persons: role, name, person_id
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("list_entry.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("commitment_list_proposal.id"))
    proposed_on: Mapped[date] = mapped_column(Date)
    proposed_by: Mapped[str] = mapped_column(String(120))
    notice_on: Mapped[date | None] = mapped_column(Date)
    notice_document: Mapped[str | None] = mapped_column(String(100))
    statement_until: Mapped[date | None] = mapped_column(Date)
    statement: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_note: Mapped[str | None] = mapped_column(Text)
    document_number: Mapped[str | None] = mapped_column(String(100))
    published_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # last day on the list; None: until removed
    early_removal_from: Mapped[date | None] = mapped_column(Date)
    removal_kind: Mapped[str | None] = mapped_column(String(12))  # expired | early | revoked | performed
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_reason: Mapped[str | None] = mapped_column(Text)
    offline_by: Mapped[date | None] = mapped_column(Date)  # the portal stops showing it by then
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON)  # court fields of a judgment debtor etc.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship()


class ListEvent(Base):
    """A step of a list entry's workflow (the audit trail holds the same, chained)."""

    __tablename__ = "list_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entry.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(120))
    department_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class Ban(Base):
    """A market or industry ban (T23) on an entity or a responsible person, for a period or permanently."""

    __tablename__ = "list_ban"
    __table_args__ = (  # partial, as the list entries' subject indexes are
        Index("ix_list_ban_entity", "entity_id", "starts_on", **not_null("entity_id")),
        Index("ix_list_ban_person", "person_id", "starts_on", **not_null("person_id")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    subject_name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(20))  # market | industry | qualification
    domain: Mapped[str] = mapped_column(String(30))
    content: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)  # the court or administrative decision
    document_number: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # None: permanent
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("list_ban.id"))  # the entity's ban for a person's ban
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))

    department: Mapped[Department] = relationship()


class RectificationOrder(Base):
    """An order to rectify within a deadline in working days (T19), with its follow-up."""

    __tablename__ = "rectification_order"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    subject_name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    basis_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # open | rectified | failed
    follow_ups: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))

    department: Mapped[Department] = relationship()


class Interview(Base):
    """A reminder or warning interview (提示约谈 / 警示约谈) by the identifying department; its record is a credit
    record of the catalogue item ``interview``."""

    __tablename__ = "credit_interview"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # reminder | warning
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    subject_name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_order.id"))
    document_number: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(Text)
    record_text: Mapped[str] = mapped_column(Text)
    commitments: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))

    department: Mapped[Department] = relationship()


class Campaign(Base):
    """A special campaign against dishonesty in a key domain (T20): targets, rectification progress, closing report."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    goal: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # open | closed
    closing_report: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))

    department: Mapped[Department] = relationship()
