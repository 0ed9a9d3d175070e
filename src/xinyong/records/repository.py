"""Raw SQL of the records archive: the bulk lookups and inserts behind ``records.service.write_prepared``.

The records go in with one executemany (SQLite) or COPY (PostgreSQL) per call, chained under the locked heads
(``records.chain``); the lookups bind their lists of document numbers or USCCs as one parameter
(``core.db.one_of``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from xinyong.core.audit import lock_head as audit_lock_head
from xinyong.core.db import bind_value, one_of, raw_insert
from xinyong.records import chain
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Entity
from xinyong.subjects.search_index import insert_entities_sqlite

_CHUNK = 5000  # values bound in one lookup


class NewRecord(NamedTuple):
    """One credit_record row to insert: its hashed content (``chain.Content``), then the state it starts in and the
    outcome column (derived from the fields, not hashed). Values are in their stored form (see ``bind_value``)."""

    content: chain.Content
    status: str
    is_current: bool
    publicity_from: str | None
    publicity_until: str | None
    outcome: str | None


# The columns of a chained insert: the content, the starting state, then each record's link in the chain.
_STATE_COLUMNS = NewRecord._fields[1:]
INSERT_COLUMNS = (*chain.HASHED_COLUMNS, *_STATE_COLUMNS, *chain.CHAIN_COLUMNS)
_SUBMITTED = chain.SUBMITTED_POSITION


def submitted_at(session: Session, now: datetime) -> Any:
    """The submission time in the stored form of ``credit_record.submitted_at``."""
    return bind_value(session, cast(Table, CreditRecord.__table__), "submitted_at", now)


def insert_chained(session: Session, records: list[NewRecord], now: datetime) -> None:
    """Chain the new records in one pass under the locked heads and insert them in one executemany or COPY.

    The audit head is locked first (see ``core.audit.lock_head``). The hash takes ``now``, the submission time, as
    the timestamp, not its backend-specific stored form.
    """
    audit_lock_head(session)
    hashed = []
    for r in records:
        values = list(r.content)
        values[_SUBMITTED] = now
        hashed.append(values)
    links = chain.extend(session.connection(), hashed)
    raw_insert(
        session,
        "credit_record",
        INSERT_COLUMNS,
        [(*r.content, *r[1:], *link) for r, link in zip(records, links, strict=True)],
    )


def current_versions(session: Session, *, item_code: str, department_id: int, docs: list[str]) -> dict[str, Any]:
    """The current version (id, hash, version, status) of each decision already received, by document number."""
    current: dict[str, Any] = {}
    for start in range(0, len(docs), _CHUNK):
        for rec in session.execute(
            select(
                CreditRecord.id,
                CreditRecord.document_number,
                CreditRecord.content_hash,
                CreditRecord.version,
                CreditRecord.status,
            ).where(
                CreditRecord.department_id == department_id,
                CreditRecord.item_code == item_code,
                one_of(session, CreditRecord.document_number),
                CreditRecord.is_current.is_(True),
            ),
            {"many": docs[start : start + _CHUNK]},
        ):
            current[rec.document_number] = rec
    return current


def ids_of(session: Session, *, item_code: str, department_id: int, keys: list[tuple[str, int]]) -> list[int]:
    """The ids of records just inserted, by their natural key (document number, version)."""
    wanted = set(keys)
    found: dict[tuple[str, int], int] = {}
    docs = [doc for doc, _version in keys]
    for start in range(0, len(docs), _CHUNK):
        for record_id, doc, version in session.execute(
            select(CreditRecord.id, CreditRecord.document_number, CreditRecord.version).where(
                CreditRecord.department_id == department_id,
                CreditRecord.item_code == item_code,
                one_of(session, CreditRecord.document_number),
                CreditRecord.is_current.is_(True),
            ),
            {"many": docs[start : start + _CHUNK]},
        ):
            if (doc, version) in wanted:
                found[(doc, version)] = record_id
    return [found[key] for key in keys]


ENTITY_COLUMNS = (
    "uscc",
    "reg_no",
    "name",
    "category",
    "entity_type",
    "registering_authority",
    "region_code",
    "status",
    "created_at",
    "updated_at",
)


def entities_by_uscc(session: Session, codes: list[str]) -> Iterator[tuple[int, str, str]]:
    """(id, USCC, name) of the registered entities among ``codes``."""
    for start in range(0, len(codes), _CHUNK):
        for entity_id, found, name in session.execute(
            select(Entity.id, Entity.uscc, Entity.name).where(one_of(session, Entity.uscc)),
            {"many": codes[start : start + _CHUNK]},
        ):
            yield entity_id, str(found), name


def entity_stamp(session: Session, now: datetime) -> Any:
    """A timestamp in the stored form of ``entity.created_at``/``updated_at``."""
    return bind_value(session, cast(Table, Entity.__table__), "created_at", now)


def insert_entities(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Register entities (``ENTITY_COLUMNS`` tuples, stored form) in one executemany or COPY; on SQLite the
    name-search index is filled once, not row by row. Read their ids back with ``entities_by_uscc`` (RETURNING in
    parameter order would make SQLite run one statement per row)."""
    raw_insert(session, "entity", ENTITY_COLUMNS, rows, sqlite_writer=insert_entities_sqlite)
