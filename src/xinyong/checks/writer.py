"""Group commit of the credit check rows: every check is recorded ("应查必查" is measured from these rows) and its
answer leaves only once its row is committed, but concurrent checks share one transaction.

The first check to arrive writes alone; the checks that arrive while a transaction is being written queue up and
the next of them writes the whole queue in one transaction (a leader/follower scheme: no timer, no thread of its
own, no added wait for a check that arrives alone). A check whose extra step fails (a natural person's purpose
statement, written in its savepoint) is refused alone; if the shared transaction fails, every check of it is
written again in a transaction of its own, so one bad row cannot take its neighbours down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.orm import Session

from xinyong.checks.models import CreditCheck
from xinyong.core.db import Database, Prepared

AfterInsert = Callable[[Session], None]
COLUMNS = [c for c in CreditCheck.__table__.columns if c.key != "id"]
_INSERT = Prepared(insert(CreditCheck).values({c.key: bindparam(c.key, type_=c.type) for c in COLUMNS}))


class _Pending:
    __slots__ = ("done", "error", "row", "then")

    def __init__(self, row: dict[str, Any], then: AfterInsert | None) -> None:
        self.row = row
        self.then = then
        self.done = False
        self.error: BaseException | None = None


class CheckWriter:
    """Writes credit check rows of one database, several concurrent checks per transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._writing = threading.Lock()  # one writing transaction at a time (SQLite has one writer anyway)
        self._queue = threading.Lock()
        self._pending: list[_Pending] = []

    def write(self, row: dict[str, Any], then: AfterInsert | None = None) -> None:
        """Insert the check row (and run ``then`` in the same transaction, e.g. the purpose registration of a
        natural person); returns once committed, raises what ``then`` or the database raised."""
        item = _Pending(row, then)
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
            with self.db.session() as session:
                plain = [p.row for p in batch if p.then is None]
                if plain:
                    _INSERT.execute_many(session, plain)
                for p in batch:
                    if p.then is None:
                        continue
                    try:
                        with session.begin_nested():
                            _INSERT.execute_many(session, [p.row])
                            p.then(session)
                    except Exception as exc:  # refused (e.g. no purpose stated): this check only
                        p.error = exc
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:  # write each on its own: only the checks that fail by themselves are refused
                for p in batch:
                    p.error = None
                    self._commit([p])
        for p in batch:
            p.done = True


_CREATING = threading.Lock()


def writer_of(state: Any) -> CheckWriter:
    """The application's writer (``app.state``), made on first use."""
    found: CheckWriter | None = getattr(state, "check_writer", None)
    if found is None:
        with _CREATING:
            found = getattr(state, "check_writer", None)
            if found is None:
                found = state.check_writer = CheckWriter(state.db)
    return found
