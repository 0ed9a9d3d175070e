"""The listing workflow's events read in id order, with their entries (the upward feed reads them page by page)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from xinyong.lists.models import ListEntry, ListEvent

EVENTS_TABLE = cast(Table, ListEvent.__table__)
"""The events' table, whose id the feed's cursor follows (and locks while it reads the maximum)."""


def events_between(
    session: Session, *, after: int, upto: int, to_statuses: Iterable[str], limit: int
) -> list[tuple[ListEvent, ListEntry]]:
    """Events with ``after < id <= upto`` that moved an entry to one of ``to_statuses``, oldest first, at most
    ``limit``; each with its entry."""
    rows = session.execute(
        select(ListEvent, ListEntry)
        .join(ListEntry, ListEntry.id == ListEvent.entry_id)
        .where(ListEvent.id > after, ListEvent.id <= upto, ListEvent.to_status.in_(list(to_statuses)))
        .order_by(ListEvent.id)
        .limit(limit)
    ).all()
    return [(event, entry) for event, entry in rows]
