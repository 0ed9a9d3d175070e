"""Reading list entries: an entry's history, filtered lists, what a viewer may see, what is in force."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.core.clock import get_clock
from xinyong.core.security import Principal
from xinyong.lists.models import ListEntry, ListEvent
from xinyong.lists.service.common import PUBLISHED, REMOVED, SHARED_STATUSES


def events(session: Session, entry_id: int) -> list[ListEvent]:
    """The steps of an entry, oldest first."""
    return list(
        session.execute(select(ListEvent).where(ListEvent.entry_id == entry_id).order_by(ListEvent.id)).scalars()
    )


def list_entries(
    session: Session,
    *,
    list_type: str | None = None,
    status: str | None = None,
    department_id: int | None = None,
    viewer: Principal | None = None,
    limit: int = 200,
) -> list[ListEntry]:
    """Entries, newest first, filtered; for a ``viewer``, only those it may see (``may_see``)."""
    stmt = select(ListEntry)
    if viewer is not None and not viewer.can("records.oversee"):
        stmt = stmt.where(
            or_(ListEntry.department_id == (viewer.department_id or 0), ListEntry.status.in_(SHARED_STATUSES))
        )
    if list_type:
        stmt = stmt.where(ListEntry.list_type == list_type)
    if status:
        stmt = stmt.where(ListEntry.status == status)
    if department_id is not None:
        stmt = stmt.where(ListEntry.department_id == department_id)
    return list(session.execute(stmt.order_by(ListEntry.id.desc()).limit(limit)).scalars())


def may_see(entry: ListEntry, viewer: Principal) -> bool:
    """A department sees its own entries at every step; other departments' only once published (or removed from
    publication); the credit office sees all. Proposals under way are the identifying department's own file."""
    return (
        viewer.can("records.oversee")
        or (viewer.department_id is not None and entry.department_id == viewer.department_id)
        or entry.status in SHARED_STATUSES
    )


def active_entries(
    session: Session, *, entity_id: int | None = None, person_id: int | None = None, on: date | None = None
) -> list[ListEntry]:
    """The subject's entries in force on a day (published, period not ended)."""
    if entity_id is None and person_id is None:
        return []
    today = on or get_clock().today()
    stmt = select(ListEntry).where(
        ListEntry.status == PUBLISHED,
        or_(ListEntry.ends_on.is_(None), ListEntry.ends_on >= today),
        ListEntry.published_on <= today,
    )
    stmt = stmt.where(ListEntry.entity_id == entity_id) if entity_id else stmt.where(ListEntry.person_id == person_id)
    return list(session.execute(stmt.order_by(ListEntry.published_on.desc())).scalars())


def public_entries(session: Session, *, list_type: str, today: date | None = None, limit: int = 200) -> list[ListEntry]:
    """Published entries of a public list (not key attention, which is for government use), for the portal."""
    day = today or get_clock().today()
    stmt = (
        select(ListEntry)
        .where(
            ListEntry.list_type == list_type,
            or_(
                ListEntry.status == PUBLISHED,
                (ListEntry.status == REMOVED) & (ListEntry.offline_by >= day) & (ListEntry.removed_on > day),
            ),
            ListEntry.parent_id.is_(None),
        )
        .order_by(ListEntry.published_on.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())
