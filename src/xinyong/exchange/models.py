"""ORM models of upward reporting (destinations, batches, attempts, the outbox of workflow results) and of API clients
(third-party credit agencies and industry associations, subjects' authorisations, usage statistics)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.accounts.models import ApiClient as ApiClient  # kept importable here: API clients are in accounts
from xinyong.core.db import Base, UTCDateTime
from xinyong.core.outbox import ExchangeOutbox as ExchangeOutbox  # kept importable here: the outbox is in core


class ExchangeDestination(Base):
    """A platform the feed goes to: an HTTP endpoint or a directory for offline transfer, with its retry policy."""

    __tablename__ = "exchange_destination"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # http | directory
    url: Mapped[str | None] = mapped_column(String(500))
    directory: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    types: Mapped[list[str]] = mapped_column(JSON)  # feed types sent; empty: all
    batch_size: Mapped[int] = mapped_column(Integer)
    max_attempts: Mapped[int] = mapped_column(Integer)
    backoff_seconds: Mapped[float] = mapped_column(Float)
    backoff_max_seconds: Mapped[float] = mapped_column(Float)
    timeout_seconds: Mapped[float] = mapped_column(Float)
    max_pending: Mapped[int] = mapped_column(Integer)  # batches built but not yet acknowledged
    acked_cursor: Mapped[dict[str, int]] = mapped_column(JSON)  # source → last id acknowledged by the receiver
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExchangeBatch(Base):
    """One incremental batch for one destination: built once from a cursor range, resent identically until acked."""

    __tablename__ = "exchange_batch"
    __table_args__ = (
        UniqueConstraint("destination_id", "sequence"),
        Index("ix_exchange_batch_destination_status", "destination_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(80), unique=True)  # the idempotent batch id the receiver dedups by
    destination_id: Mapped[int] = mapped_column(ForeignKey("exchange_destination.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    cursor_from: Mapped[dict[str, int]] = mapped_column(JSON)
    cursor_to: Mapped[dict[str, int]] = mapped_column(JSON)
    item_count: Mapped[int] = mapped_column(Integer)
    type_counts: Mapped[dict[str, int]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))  # of the JSON Lines content
    content: Mapped[str] = mapped_column(Text)  # JSON Lines, one item a line
    csv_files: Mapped[dict[str, str]] = mapped_column(JSON)  # file name → CSV text, one file per type
    status: Mapped[str] = mapped_column(String(12))  # pending | sent | acknowledged | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExchangeAttempt(Base):
    """One delivery attempt of a batch (HTTP request or files written) and its outcome."""

    __tablename__ = "exchange_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("exchange_batch.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class SubjectAuthorisation(Base):
    """A subject's recorded authorisation for one client to query its credit information (scope and expiry)."""

    __tablename__ = "subject_authorisation"
    __table_args__ = (
        Index("ix_subject_authorisation_client_entity", "client_id", "entity_id"),
        Index("ix_subject_authorisation_client_person", "client_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    subject_label: Mapped[str] = mapped_column(String(200))  # USCC or masked ID number
    scope: Mapped[list[str]] = mapped_column(JSON)  # records | lists | grade
    purpose: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[str] = mapped_column(String(200))  # the signed authorisation's number
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class ApiClientUsage(Base):
    """Calls of one client to one endpoint on one day (flushed from in-process counters)."""

    __tablename__ = "api_client_usage"
    __table_args__ = (UniqueConstraint("client_id", "day", "endpoint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_client.id"))
    day: Mapped[date] = mapped_column(Date)
    endpoint: Mapped[str] = mapped_column(String(200))
    calls: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer)  # of which refused by the rate limit
