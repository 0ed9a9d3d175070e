"""Writing the city's chunks with the driver directly (SQLite ``executemany``, PostgreSQL ``COPY``), a few chunks per
transaction, ids assigned after the current maximum."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from xinyong.core.errors import Conflict
from xinyong.demo.service.city import Chunk
from xinyong.subjects.search_index import insert_entities_sqlite

CHUNK = 20_000  # entities per write (with their persons and relations)
TX_CHUNKS = 10  # chunks per transaction


_PERSON_COLS = ("id", "name", "id_type", "id_cipher", "id_index", "id_masked", "created_at")
_ENTITY_COLS = (
    "id",
    "uscc",
    "reg_no",
    "org_code",
    "name",
    "category",
    "entity_type",
    "registering_authority",
    "region_code",
    "industry_code",
    "registered_on",
    "status",
    "address",
    "created_at",
    "updated_at",
)
_RELATION_COLS = ("id", "entity_id", "person_id", "role", "start_date", "end_date")
_TABLES = (("person", _PERSON_COLS), ("entity", _ENTITY_COLS), ("subject_relation", _RELATION_COLS))


def _write_chunk(conn: Connection, dialect: str, chunk: Chunk) -> None:
    raw: Any = conn.connection.driver_connection
    batches = (chunk.persons, chunk.entities, chunk.relations)
    if dialect == "postgresql":
        with raw.cursor() as cur:
            for (table, cols), rows in zip(_TABLES, batches, strict=True):
                if rows:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        return
    cur = raw.cursor()
    try:
        for (table, cols), rows in zip(_TABLES, batches, strict=True):
            if rows and table == "entity":
                insert_entities_sqlite(raw, cols, rows)
            elif rows:
                marks = ", ".join("?" * len(cols))
                cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
    finally:
        cur.close()


def highest_ids(conn: Connection, dialect: str) -> tuple[int, int, int]:
    """The highest id in use (or handed out by a PostgreSQL sequence) of entity, person and relation."""
    out = []
    for table in ("entity", "person", "subject_relation"):
        value = int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())
        if dialect == "postgresql":
            seq = conn.execute(text(f"SELECT pg_get_serial_sequence('{table}', 'id')")).scalar_one()
            if seq:
                last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
                value = max(value, int(last) if called else int(last) - 1)
        out.append(value)
    return out[0], out[1], out[2]


def _sync_sequences(conn: Connection) -> None:
    """Move PostgreSQL id sequences past the ids assigned here."""
    for table in ("entity", "person", "subject_relation"):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}), (SELECT count(*) > 0 FROM {table}))"
            )
        )


def chunk_sizes(total: int) -> list[int]:
    """``total`` entities in chunks of at most :data:`CHUNK`."""
    return [min(CHUNK, total - done) for done in range(0, total, CHUNK)]


@dataclass
class Progress:
    """Rows committed so far and what they contain."""

    entities: int = 0
    persons: int = 0
    relations: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    first_company_id: int | None = None

    def add(self, chunk: Chunk) -> None:
        self.entities += len(chunk.entities)
        self.persons += len(chunk.persons)
        self.relations += len(chunk.relations)
        self.counts.update(chunk.counts)
        if self.first_company_id is None:
            self.first_company_id = chunk.first_company_id

    def merge(self, other: Progress) -> None:
        self.entities += other.entities
        self.persons += other.persons
        self.relations += other.relations
        self.counts.update(other.counts)
        if self.first_company_id is None:
            self.first_company_id = other.first_company_id


def write_all(
    conn: Connection,
    dialect: str,
    stream: Iterator[Chunk],
    max_ids: tuple[int, int, int],
    done: Progress,
    progress: Callable[[int], None] | None,
) -> None:
    """Write the chunks, TX_CHUNKS per transaction; ``done`` counts what is committed."""
    expected = max_ids
    pending = Progress()  # written in the open transaction
    tx = None
    try:
        for chunk in stream:
            if tx is None:
                tx = conn.begin()
                if dialect == "postgresql":
                    conn.exec_driver_sql("LOCK TABLE entity, person, subject_relation IN SHARE ROW EXCLUSIVE MODE")
                if highest_ids(conn, dialect) != expected:
                    raise Conflict("生成演示数据期间，主体或自然人数据被其他程序写入，请稍后重试。")
            _write_chunk(conn, dialect, chunk)
            n = len(chunk.entities)
            expected = (expected[0] + n, expected[1] + len(chunk.persons), expected[2] + len(chunk.relations))
            pending.add(chunk)
            if progress is not None:
                progress(n)
            if pending.entities >= TX_CHUNKS * CHUNK:
                _commit(conn, dialect, tx)
                tx = None
                done.merge(pending)
                pending = Progress()
        if tx is not None:
            _commit(conn, dialect, tx)
            tx = None
            done.merge(pending)
    finally:
        if tx is not None:
            tx.rollback()
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _commit(conn: Connection, dialect: str, tx: Any) -> None:
    if dialect == "postgresql":
        _sync_sequences(conn)
    tx.commit()
