"""Group commit of the credit check rows: every check is recorded ("应查必查" is measured from these rows) and its
answer leaves only once its row is committed, but concurrent checks share one transaction.

The first check to arrive writes alone; the checks that arrive while a transaction is being written queue up and
the next of them writes the whole queue in one transaction (a leader/follower scheme: no timer, no thread of its
own, no added wait for a check that arrives alone). A check's rows are validated before they get here (a natural
person's query registration is refused, 428, before anything is written); if the shared transaction fails all the
same, every check of it is written again in a transaction of its own, so one bad row cannot take its neighbours
down.

Concurrent checks meet here on PostgreSQL, where they run in the shared thread pool and a commit waits for the
disk. On SQLite they run one after another on one thread of their own (``executor_of``), so each writes its own
short transaction: measured faster there than many threads contending for the interpreter lock.

The rows are inserted with statements compiled once, on a DBAPI connection of the write engine, in a transaction
begun and committed by hand (``checks.repository.insert_checks``): on this path SQLAlchemy's session and
transaction machinery cost more than the INSERT and the COMMIT themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from xinyong.checks import repository
from xinyong.core.db import Database, Prepared

# Further rows written in the check's transaction: (statement, values), e.g. a natural person's query registration.
Also = Sequence[tuple[Prepared, dict[str, Any]]]


class _Pending:
    __slots__ = ("also", "done", "error", "row")

    def __init__(self, row: dict[str, Any], also: Also) -> None:
        self.row = row
        self.also = also
        self.done = False
        self.error: BaseException | None = None


class CheckWriter:
    """Writes credit check rows of one database, several concurrent checks per transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._writing = threading.Lock()  # one writing transaction at a time (SQLite has one writer anyway)
        self._queue = threading.Lock()
        self._pending: list[_Pending] = []

    def write(self, row: dict[str, Any], also: Also = ()) -> None:
        """Insert the check row and ``also`` in one transaction; returns once committed, raises what the database
        raised."""
        item = _Pending(row, also)
        with self._queue:
            self._pending.append(item)
        with self._writing:
            if not item.done:  # not yet written by the previous transaction: write everything queued so far
                with self._queue:
                    batch, self._pending = self._pending, []
                self._commit(batch)
        if item.error is not None:
            raise item.error

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            self._transaction(batch)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:  # write each on its own: only the checks that fail by themselves are refused
                for p in batch:
                    self._commit([p])
        for p in batch:
            p.done = True

    def _transaction(self, batch: list[_Pending]) -> None:
        also: dict[Prepared, list[dict[str, Any]]] = {}
        for p in batch:
            for stmt, values in p.also:
                also.setdefault(stmt, []).append(values)
        repository.insert_checks(self.db.write_engine, [p.row for p in batch], also)


_CREATING = threading.Lock()


def executor_of(state: Any) -> ThreadPoolExecutor | None:
    """The threads the application's credit checks run on (``Settings.check_threads``), made on first use; None
    for the shared thread pool. Shut down with the application."""
    made: tuple[ThreadPoolExecutor | None] | None = getattr(state, "check_executor", None)
    if made is None:
        with _CREATING:
            made = getattr(state, "check_executor", None)
            if made is None:
                count = state.settings.check_threads
                if count is None:
                    count = repository.default_threads(state.db)
                made = state.check_executor = (
                    ThreadPoolExecutor(max_workers=count, thread_name_prefix="credit-check") if count > 0 else None,
                )
    return made[0]


def writer_of(state: Any) -> CheckWriter:
    """The application's writer (``app.state``), made on first use."""
    found: CheckWriter | None = getattr(state, "check_writer", None)
    if found is None:
        with _CREATING:
            found = getattr(state, "check_writer", None)
            if found is None:
                found = state.check_writer = CheckWriter(state.db)
    return found
