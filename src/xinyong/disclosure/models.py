"""ORM models of the disclosure domain: the state of its scheduled jobs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import UNMANAGED_PREFIXES, Base, UTCDateTime


class JobRun(Base):
    """The last run of a daily job (e.g. ``disclosure.refresh``), so that start-up runs it at most once a day."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_day: Mapped[date] = mapped_column(Date)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str | None] = mapped_column(Text)


# Search index objects created by migrations 0005 and 0015 outside the ORM (FTS5 virtual table and its shadow tables on
# SQLite, the pg_trgm GIN index on PostgreSQL); schema comparison must leave them alone.
SEARCH_INDEX_OBJECTS = ("entity_fts", "ix_entity_name_trgm", "search_index_control")
UNMANAGED_PREFIXES.update(SEARCH_INDEX_OBJECTS)
