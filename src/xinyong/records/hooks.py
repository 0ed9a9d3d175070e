"""Who is told when credit records are written or change state, and who re-grades their subjects on request.
``records`` and the writers (ingestion) import no consumer: the evaluation registers its re-grading queue and its
grader here when its package is imported (``xinyong.models`` imports every domain, so the application, the CLI and
the tests always have them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy.orm import Session

from xinyong.core.audit import Actor

RecordsChanged = Callable[..., int]
"""``(session, *, entity_ids, person_ids) -> int``: called in the writer's transaction with the subjects whose
records changed (ids may be None)."""

_listeners: list[RecordsChanged] = []


def on_records_changed(listener: RecordsChanged) -> None:
    """Register ``listener`` (once) to be called whenever records of some subjects change."""
    if listener not in _listeners:
        _listeners.append(listener)


def records_changed(
    session: Session, *, entity_ids: Iterable[int | None] = (), person_ids: Iterable[int | None] = ()
) -> int:
    """Tell every listener which entities and persons had records written or changed; the sum of what they did."""
    entities, persons = tuple(entity_ids), tuple(person_ids)
    return sum(listener(session, entity_ids=entities, person_ids=persons) for listener in _listeners)


Regrader = Callable[..., object]
"""``(session, *, actor, entity_ids) -> object``: re-grade the given entities now, or (None) every queued subject."""

_regraders: list[Regrader] = []


def on_regrade(regrader: Regrader) -> None:
    """Register ``regrader`` (once) to be called by ``regrade``."""
    if regrader not in _regraders:
        _regraders.append(regrader)


def regrade(session: Session, *, actor: Actor, entity_ids: Sequence[int] | None = None) -> None:
    """Re-grade now: the given entities, or (None) every subject ``records_changed`` queued."""
    for regrader in _regraders:
        regrader(session, actor=actor, entity_ids=entity_ids)
