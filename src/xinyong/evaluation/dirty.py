"""Marking entities for re-evaluation when their record changes (kept tiny: it runs inside ingestion)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from xinyong.core.clock import get_clock
from xinyong.evaluation.models import DirtySubject
from xinyong.subjects.models import Relation


def mark_dirty(
    session: Session, *, entity_ids: Iterable[int | None] = (), person_ids: Iterable[int | None] = ()
) -> int:
    """Queue entities for re-evaluation: the given ones and those whose legal representative is a given person."""
    ids = {i for i in entity_ids if i is not None}
    persons = sorted({p for p in person_ids if p is not None})
    for start in range(0, len(persons), 5000):
        ids.update(
            session.execute(
                select(Relation.entity_id).where(Relation.person_id.in_(persons[start : start + 5000]))
            ).scalars()
        )
    if not ids:
        return 0
    now = get_clock().now()
    # A plain executemany of one small statement: compiling a multi-row INSERT … ON CONFLICT for thousands of rows
    # cost more than the inserts themselves during bulk ingestion.
    conflict = "ON CONFLICT (entity_id) DO NOTHING"
    stmt = text(
        f"INSERT INTO {DirtySubject.__tablename__} (entity_id, marked_at) VALUES (:entity_id, :marked_at) {conflict}"
    )
    stmt = stmt.bindparams(bindparam("marked_at", type_=DirtySubject.__table__.c.marked_at.type))
    session.execute(stmt, [{"entity_id": i, "marked_at": now} for i in sorted(ids)])
    return len(ids)
