"""Registering many entities at once without paying the name-search index row by row (SQLite).

On SQLite the portal's name search is an FTS5 trigram table over ``entity.name`` kept in sync by triggers
(migration 0005). FTS5 flushes its pending data at the end of every statement that touches it, so with the
per-row trigger an ``executemany`` of N entities writes N tiny index segments. A bulk writer instead raises the flag
in ``search_index_control`` (migration 0015), inserts, indexes the new rows with one ``INSERT … SELECT`` and lowers
the flag — all inside its own transaction, so other connections never see the flag raised, and a rollback undoes
all of it. On PostgreSQL the trigram GIN index is maintained by the server; nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def insert_entities_sqlite(raw: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert entity rows on a raw sqlite3 connection (inside the caller's transaction) and index their names.

    New rows must get ids above the current maximum (autoincrement, or explicit ids continuing from it).
    """
    if not rows:
        return
    cur = raw.cursor()
    try:
        (before,) = cur.execute("SELECT coalesce(max(id), 0) FROM entity").fetchone()
        cur.execute("UPDATE search_index_control SET deferred = 1 WHERE id = 1")
        marks = ", ".join("?" * len(columns))
        try:
            cur.executemany(f"INSERT INTO entity ({', '.join(columns)}) VALUES ({marks})", rows)
        finally:
            # Even when a row fails (and a caller goes on in the same transaction), the rows already in are indexed
            # and the trigger is back before anything else can insert.
            cur.execute("INSERT INTO entity_fts(rowid, name) SELECT id, name FROM entity WHERE id > ?", (before,))
            cur.execute("UPDATE search_index_control SET deferred = 0 WHERE id = 1")
    finally:
        cur.close()
