"""Marking entities for re-evaluation when their record changes (kept tiny: it runs inside ingestion). Registered
with ``records.hooks`` when the evaluation package is imported."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.evaluation.models import DirtySubject
from xinyong.records.hooks import on_records_changed, on_regrade
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
    # A plain driver executemany: through the ORM (or a compiled multi-row INSERT) the marks of a large file cost
    # more than the inserts themselves.
    bind = session.get_bind()
    dialect = bind.dialect
    process = DirtySubject.__table__.c.marked_at.type.dialect_impl(dialect).bind_processor(dialect)
    now = get_clock().now()
    marked_at = process(now) if process else now
    mark = "?" if dialect.name == "sqlite" else "%s"
    sql = (
        f"INSERT INTO {DirtySubject.__tablename__} (entity_id, marked_at) VALUES ({mark}, {mark}) "
        "ON CONFLICT (entity_id) DO NOTHING"
    )
    raw: Any = session.connection().connection.dbapi_connection
    cur = raw.cursor()
    try:
        cur.executemany(sql, [(i, marked_at) for i in sorted(ids)])
    finally:
        cur.close()
    return len(ids)


on_records_changed(mark_dirty)


def regrade(session: Session, *, actor: Actor, entity_ids: Sequence[int] | None = None) -> None:
    """Re-grade the given entities now, or (None) every queued one (``records.hooks.regrade`` asks for it)."""
    from xinyong.evaluation import service  # the scoring model loads only when grading

    if entity_ids is None:
        service.evaluate_dirty(session, actor=actor)
    else:
        service.evaluate_subjects(session, list(entity_ids), actor=actor)


on_regrade(regrade)
