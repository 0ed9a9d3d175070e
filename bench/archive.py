"""Shared helpers of the benchmarks that need a large synthetic credit archive on SQLite (bench/evaluate.py,
bench/portal.py): SQLite writes the records itself with recursive CTEs over a row number, in chunks, with the
record indexes dropped during the load and rebuilt afterwards. The Python generators need tens of minutes for
10,000,000 rows on this machine; this takes a few.

Everything is deterministic: each column is a function of the row number ``n`` (multiplicative hashes modulo
small primes), so the same sizes always give the same archive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

CHUNK = 1_000_000  # records per INSERT … SELECT (one transaction each)


def item_case(mix: Sequence[tuple[str, float]], expr: str, buckets: int = 10_000) -> str:
    """A SQL CASE choosing an item code from ``mix`` (code, share) by ``expr`` (an integer in [0, buckets))."""
    total = sum(share for _code, share in mix)
    bounds, acc = [], 0.0
    for code, share in mix:
        acc += share
        bounds.append((code, round(acc / total * buckets)))
    whens = " ".join(f"WHEN {expr} < {b} THEN '{c}'" for c, b in bounds[:-1])
    return f"CASE {whens} ELSE '{bounds[-1][0]}' END"


def drop_record_indexes(cur: Any) -> list[str]:
    """Drop the secondary indexes of ``credit_record`` (what the schema has now); returns their CREATE statements."""
    rows = cur.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'credit_record' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in rows:
        cur.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [sql for _name, sql in rows]


def rebuild_indexes(cur: Any, statements: Sequence[str]) -> None:
    """Recreate the dropped indexes and refresh the planner's statistics."""
    for sql in statements:
        cur.execute(sql)
    cur.execute("ANALYZE")


def insert_records(
    raw: Any,
    total: int,
    statement: Callable[[int, int], str],
    *,
    started: float | None = None,
    step: int = CHUNK,
    after_chunk: Callable[[Any, int, int], None] | None = None,
) -> None:
    """Run ``statement(first, last)`` — an ``INSERT … SELECT`` over ``seq(n)`` for n in [first, last] — chunk by
    chunk (each committed), with the ``credit_record`` indexes dropped before and rebuilt after.

    Use :func:`seq` in the statement for the row numbers. SQLite only (the caller passes a raw sqlite3 connection).
    """
    started = time.perf_counter() if started is None else started
    cur = raw.cursor()
    cur.execute("PRAGMA synchronous=OFF")
    cur.execute("PRAGMA cache_size=-1000000")
    indexes = drop_record_indexes(cur)
    raw.commit()
    for start in range(0, total, step):
        last = min(total, start + step)
        cur.execute(statement(start + 1, last))
        if after_chunk is not None:
            after_chunk(cur, start + 1, last)
        raw.commit()
        print(f"  … {last:,} records ({time.perf_counter() - started:.0f} s)", flush=True)
    print("  rebuilding indexes …", flush=True)
    rebuild_indexes(cur, indexes)
    cur.execute("PRAGMA synchronous=NORMAL")
    raw.commit()
    print(f"  indexes rebuilt ({time.perf_counter() - started:.0f} s)", flush=True)


def seq(first: int, last: int) -> str:
    """The recursive CTE of the row numbers ``first..last`` (name ``seq``, column ``n``), without ``WITH``."""
    return f"RECURSIVE seq(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM seq WHERE n < {last})"
