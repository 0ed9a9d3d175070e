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


def copy_sqlite_to_postgres(sqlite_path: str, pg_url: str, *, skip: Sequence[str] = ()) -> dict[str, int]:
    """Copy every table of a migrated SQLite database into a freshly migrated PostgreSQL database of the same
    schema (``COPY … FROM STDIN``), so that both backends are measured on the same data. The PostgreSQL tables are
    emptied first (what migrations seeded is replaced by the SQLite rows); foreign keys are not checked during the
    copy (``session_replication_role = replica``, the rows come from a consistent database); the secondary indexes
    of the large tables are dropped and rebuilt; sequences continue after the copied ids; ANALYZE at the end.
    Returns the rows copied per table."""
    import sqlite3

    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(pg_url)
    src = sqlite3.connect(sqlite_path)
    pg_tables = None
    copied: dict[str, int] = {}
    started = time.perf_counter()
    with psycopg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database
    ) as pg:
        pg.execute("SET session_replication_role = replica")
        pg.execute("SET timezone = 'UTC'")
        pg.execute("SET maintenance_work_mem = '1GB'")
        pg_tables = {
            name: [
                c
                for (c,) in pg.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = %s ORDER BY ordinal_position",
                    (name,),
                ).fetchall()
            ]
            for (name,) in pg.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version'"
            ).fetchall()
        }
        bools = {
            (t, c)
            for t, c in pg.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND data_type = 'boolean'"
            ).fetchall()
        }
        pg.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in pg_tables) + " CASCADE")
        pg.commit()
        for table, pg_cols in sorted(pg_tables.items()):
            if table in skip:
                continue
            have = {r[1] for r in src.execute(f'PRAGMA table_info("{table}")')}
            if not have:
                continue
            (count,) = src.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            if not count:
                continue
            cols = [c for c in pg_cols if c in have]
            indexes: list[tuple[str, str]] = []
            if count > 200_000:  # drop the secondary indexes while copying, rebuild after
                indexes = pg.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
                    "AND i.tablename = %s AND i.indexname NOT IN (SELECT conname FROM pg_constraint)",
                    (table,),
                ).fetchall()
                for name, _sql in indexes:
                    pg.execute(f'DROP INDEX "{name}"')
            flags = [(table, c) in bools for c in cols]
            quoted = ", ".join(f'"{c}"' for c in cols)
            with pg.cursor().copy(f'COPY "{table}" ({quoted}) FROM STDIN') as cp:
                for row in src.execute(f'SELECT {quoted} FROM "{table}"'):
                    if any(flags):
                        row = tuple(bool(v) if f and v is not None else v for v, f in zip(row, flags, strict=True))
                    cp.write_row(row)
            pg.commit()
            for _name, sql in indexes:
                pg.execute(sql)
            pg.commit()
            copied[table] = count
            if count > 100_000:
                print(f"  copied {table}: {count:,} rows ({time.perf_counter() - started:.0f} s)", flush=True)
        for table, pg_cols in pg_tables.items():
            if "id" in pg_cols:
                seq = pg.execute("SELECT pg_get_serial_sequence(%s, 'id')", (f'public."{table}"',)).fetchone()
                if seq and seq[0]:
                    pg.execute(f'SELECT setval(%s, (SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)', (seq[0],))
        pg.execute("SET session_replication_role = origin")
        pg.commit()
        pg.autocommit = True
        pg.execute("ANALYZE")
    src.close()
    return copied
