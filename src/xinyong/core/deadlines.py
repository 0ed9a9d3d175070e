"""Deadlines counted over provisional calendar days, and their correction when the year's notice is loaded.

A workflow computes a deadline with :func:`compute` and, when it is provisional, registers where it is stored with
:func:`track` (table, row, column, start, working days, whether the window was granted to a party, and the states in
which the row is still open). Loading a notice (:func:`load_notice`) recomputes every open registered deadline,
audits each change and returns the list for the credit office. A window granted to a party (statement, objection,
repair, rectification) never shrinks below what the party was told; a department's internal deadline follows the
notice either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import CalendarYear, Deadline, YearData, get_calendar, store_year
from xinyong.core.clock import get_clock
from xinyong.core.db import Base, UTCDateTime


class TrackedDeadline(Base):
    """A stored deadline that was counted over a provisional year, with what is needed to count it again."""

    __tablename__ = "calendar_deadline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[int] = mapped_column(Integer)
    column_name: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(80))  # what the deadline is, in Chinese (for the change list)
    start: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    value: Mapped[date] = mapped_column(Date)  # the date stored (and told) when registered or last recomputed
    party_window: Mapped[bool] = mapped_column(Boolean)
    open_when: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {column: [values]}: the row is still open
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    previous_value: Mapped[date | None] = mapped_column(Date)
    recomputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def compute(session: Session, start: date, working_days: int) -> Deadline:
    """The date working_days after start, marked provisional when counted over a year with no loaded notice."""
    return get_calendar(session).deadline(start, working_days)


def is_provisional(session: Session, day: date | None) -> bool:
    """Whether a stored deadline (counted from today or earlier) falls in a year with no loaded notice."""
    return day is not None and get_calendar(session).is_provisional_day(day)


def provisional_on(obj: Any, day: date | None) -> bool:
    """Whether a deadline stored on a loaded object is provisional (for the API's ``…_provisional`` fields)."""
    session = object_session(obj)
    return session is not None and is_provisional(session, day)


def track(
    session: Session,
    obj: Any,
    column: str,
    deadline: Deadline,
    *,
    start: date,
    working_days: int,
    label: str,
    party_window: bool,
    open_when: dict[str, list[Any]] | None = None,
) -> None:
    """Register a provisional deadline stored on obj.column (nothing to do for an official one); a previous
    registration of the same column is superseded."""
    state = sa_inspect(obj)
    if state.identity is None:
        session.flush()
    row_id = int(state.identity[0])
    table = obj.__table__.name
    session.execute(
        update(TrackedDeadline)
        .where(
            TrackedDeadline.table_name == table,
            TrackedDeadline.row_id == row_id,
            TrackedDeadline.column_name == column,
            TrackedDeadline.active.is_(True),
        )
        .values(active=False)
    )
    if not deadline.provisional:
        return
    session.add(
        TrackedDeadline(
            table_name=table,
            row_id=row_id,
            column_name=column,
            label=label,
            start=start,
            working_days=working_days,
            value=deadline.day,
            party_window=party_window,
            open_when=open_when,
            active=True,
            created_at=get_clock().now(),
        )
    )


def set_deadline(
    session: Session,
    obj: Any,
    column: str,
    *,
    start: date,
    working_days: int,
    label: str,
    party_window: bool,
    open_when: dict[str, list[Any]] | None = None,
) -> Deadline:
    """Compute a deadline, store it on obj.column and register it when provisional."""
    deadline = compute(session, start, working_days)
    setattr(obj, column, deadline.day)
    track(
        session,
        obj,
        column,
        deadline,
        start=start,
        working_days=working_days,
        label=label,
        party_window=party_window,
        open_when=open_when,
    )
    return deadline


@dataclass(frozen=True)
class Change:
    """One deadline moved (or kept for the party) after a notice was loaded."""

    label: str
    table_name: str
    row_id: int
    old: date
    computed: date
    new: date  # what is stored now: the computed date, or the old one when a party's window would shrink

    @property
    def kept_for_party(self) -> bool:
        """Whether the party keeps the longer window it was told."""
        return self.new != self.computed


def recompute_open(session: Session, *, actor: Actor) -> list[Change]:
    """Count every open registered deadline again with the calendar as now loaded; audit and return each change."""
    calendar = get_calendar(session)
    tables = Base.metadata.tables
    changes: list[Change] = []
    now = get_clock().now()
    for tracked in session.execute(
        select(TrackedDeadline).where(TrackedDeadline.active.is_(True)).order_by(TrackedDeadline.id)
    ).scalars():
        table = tables.get(tracked.table_name)
        if table is None or tracked.column_name not in table.c:
            tracked.active = False
            continue
        pk = next(iter(table.primary_key.columns))
        wanted = [table.c[tracked.column_name], *(table.c[c] for c in (tracked.open_when or {}))]
        row = session.execute(select(*wanted).where(pk == tracked.row_id)).first()
        still_open = row is not None and row[0] == tracked.value
        if still_open and row is not None and tracked.open_when:
            still_open = all(row[i + 1] in allowed for i, allowed in enumerate(tracked.open_when.values()))
        if not still_open:
            tracked.active = False  # decided, withdrawn or changed since: nothing to correct
            continue
        fresh = calendar.deadline(tracked.start, tracked.working_days)
        new = max(fresh.day, tracked.value) if tracked.party_window else fresh.day
        if not fresh.provisional:
            tracked.active = False
        if new == tracked.value:
            continue
        session.execute(update(table).where(pk == tracked.row_id).values({tracked.column_name: new}))
        change = Change(tracked.label, tracked.table_name, tracked.row_id, tracked.value, fresh.day, new)
        tracked.previous_value, tracked.value, tracked.recomputed_at = tracked.value, new, now
        audit(
            session,
            actor=actor,
            action="calendar.deadline_recomputed",
            object_type=tracked.table_name,
            object_id=tracked.row_id,
            detail={
                "deadline": tracked.label,
                "from": change.old.isoformat(),
                "to": change.new.isoformat(),
                "computed": change.computed.isoformat(),
                "kept_for_party": change.kept_for_party,
            },
        )
        changes.append(change)
    session.flush()
    return changes


@dataclass(frozen=True)
class LoadResult:
    """A loaded notice and the deadlines it moved."""

    year: CalendarYear
    changes: list[Change]


def load_notice(
    session: Session,
    data: YearData,
    *,
    actor: Actor,
    replace: bool = False,
    confirm_conflicts: bool = False,
    source: str = "notice",
) -> LoadResult:
    """Load a year's notice, then recompute the open deadlines that were counted provisionally."""
    row = store_year(session, data, source=source, actor=actor, replace=replace, confirm_conflicts=confirm_conflicts)
    return LoadResult(row, recompute_open(session, actor=actor))


def recent_changes(session: Session, *, limit: int = 200) -> list[TrackedDeadline]:
    """The deadlines moved by the latest notices, newest first (for the credit office's calendar page)."""
    return list(
        session.execute(
            select(TrackedDeadline)
            .where(TrackedDeadline.recomputed_at.is_not(None))
            .order_by(TrackedDeadline.recomputed_at.desc(), TrackedDeadline.id)
            .limit(limit)
        ).scalars()
    )


def open_count(session: Session) -> int:
    """How many stored deadlines are provisional and still open."""
    return int(session.execute(select(func.count()).where(TrackedDeadline.active.is_(True))).scalar_one())
