"""The tamper-evident chain over credit records.

Every record, when it is written, gets the next position in one chain (``chain_seq``), the hash of the previous
link (``chain_prev``) and its own hash (``chain_hash``): SHA-256 over the previous hash, its position and its
immutable content (``HASHED_COLUMNS``). The writers compute the links in Python, in one pass per chunk, while they
hold the locked head row (``credit_record_chain_head``), so the bulk insert stays one executemany/COPY.

What a record says (who, what, which decision, its stored fields, when and from which file it was received) is
immutable: a correction is a new version. Its state (``MUTABLE_COLUMNS``: status, current version, publicity
window) changes through the audited record events; ``verify`` checks the status against those events and the
current flag against the versions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, update

from xinyong.core.audit import GENESIS_HASH
from xinyong.records.models import CreditRecord, RecordChainHead
from xinyong.records.states import STATUS_LABELS, VALID


class Content(NamedTuple):
    """A record's immutable content, in hashing order: the one list of these columns (``HASHED_COLUMNS``), which the
    writer's row type (``records.repository.NewRecord``) embeds. ``fields`` is hashed as its canonical JSON (sorted
    keys, orjson); as the writer holds them, dates are ISO text and ``submitted_at`` is in its stored form."""

    item_id: int
    item_code: str
    subject_kind: str
    entity_id: int | None
    person_id: int | None
    subject_name: str
    subject_category: str
    department_id: int
    document_number: str
    decision_date: Any
    fields: Any
    content_hash: str
    severity: str | None
    version: int
    supersedes_id: int | None
    publication_deadline: Any
    submitted_at: Any
    on_time: bool | None
    batch_id: int | None
    row_number: int | None
    file_sha256: str | None
    submitted_by_user_id: int | None
    submitted_by_token_id: int | None


# Immutable content, in hashing order.
HASHED_COLUMNS: tuple[str, ...] = Content._fields
# State that changes through audited events (``records.service.transition``/``set_publicity``, the expiry job).
MUTABLE_COLUMNS = ("status", "is_current", "published_at", "publicity_from", "publicity_until")
CHAIN_COLUMNS = ("chain_seq", "chain_prev", "chain_hash")
FIELDS_POSITION = HASHED_COLUMNS.index("fields")
SUBMITTED_POSITION = HASHED_COLUMNS.index("submitted_at")


def canonical_fields(fields: Any) -> str:
    """The stored fields as the chain hashes them: JSON with sorted keys (what the writer stores)."""
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS).decode()


def link_hash(prev: str, seq: int, values: Sequence[Any]) -> str:
    """The hash of one link: previous hash, position and the immutable values (``HASHED_COLUMNS`` order).

    Values are str, int, bool, None, ``date`` (or its ISO text: both serialise alike) and a timezone-aware
    ``submitted_at``; ``fields`` must already be its canonical JSON text.
    """
    return hashlib.sha256(orjson.dumps([prev, seq, *values])).hexdigest()


def _head_table() -> Table:
    return cast(Table, RecordChainHead.__table__)


def lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the chain head until the transaction ends (SQLite: the writer already holds the database write lock);
    returns (last position, last hash), creating the head row of an empty chain."""
    head = _head_table()
    row = conn.execute(select(head.c.last_seq, head.c.last_hash).where(head.c.id == 1).with_for_update()).first()
    if row is None:
        conn.execute(insert(head).values(id=1, last_seq=0, last_hash=GENESIS_HASH))
        return 0, GENESIS_HASH
    return int(row.last_seq), str(row.last_hash)


def set_head(conn: Connection, seq: int, last: str) -> None:
    """Move the locked head to the new last link."""
    head = _head_table()
    conn.execute(update(head).where(head.c.id == 1).values(last_seq=seq, last_hash=last))


def extend(conn: Connection, rows: Iterable[Sequence[Any]]) -> list[tuple[int, str, str]]:
    """Chain new records (their ``HASHED_COLUMNS`` values) after the head: (position, previous hash, hash) each.

    Locks the head, computes every link in one pass and moves the head, all in the caller's transaction, which
    must then insert the records with these values.
    """
    seq, prev = lock_head(conn)
    links: list[tuple[int, str, str]] = []
    sha256, dumps = hashlib.sha256, orjson.dumps
    for values in rows:
        seq += 1
        digest = sha256(dumps([prev, seq, *values])).hexdigest()
        links.append((seq, prev, digest))
        prev = digest
    if links:
        set_head(conn, seq, prev)
    return links


def values_getter(columns: Sequence[str]) -> itemgetter[Any]:
    """A getter taking the ``HASHED_COLUMNS`` values, in order, out of a tuple laid out as ``columns``."""
    return itemgetter(*[columns.index(c) for c in HASHED_COLUMNS])


def describe(record_id: Any, item_code: Any, document_number: Any) -> str:
    """How a report names a record: id, catalogue item and document number."""
    return f"记录{record_id}（{item_code}，文书号“{document_number}”）"


@dataclass(frozen=True)
class ChainResult:
    """The outcome of checking the record chain."""

    ok: bool
    checked: int
    message: str
    record_id: int | None = None
    seq: int | None = None


def _row_values(row: Any) -> list[Any]:
    values = [getattr(row, c) for c in HASHED_COLUMNS]
    values[FIELDS_POSITION] = canonical_fields(values[FIELDS_POSITION])
    return values


def verify(conn: Connection, *, batch: int = 5000) -> ChainResult:
    """Recompute every link in chain order and report the first broken one, naming the record."""
    table = cast(Table, CreditRecord.__table__)
    cols = [table.c.id, *[table.c[c] for c in HASHED_COLUMNS], *[table.c[c] for c in CHAIN_COLUMNS]]
    prev_hash, prev_desc, prev_id = GENESIS_HASH, "链首", None
    expected = 1
    last_seq = 0
    while True:
        chunk = conn.execute(
            select(*cols).where(table.c.chain_seq > last_seq).order_by(table.c.chain_seq).limit(batch)
        ).all()
        if not chunk:
            break
        for row in chunk:
            here = describe(row.id, row.item_code, row.document_number)
            if row.chain_seq != expected:
                return ChainResult(
                    False,
                    expected - 1,
                    f"记录链断裂：缺少第{expected}号链节（该记录已被删除），"
                    f"它位于{prev_desc}与{here}（第{row.chain_seq}号链节）之间。",
                    row.id,
                    expected,
                )
            if link_hash(row.chain_prev or "", row.chain_seq, _row_values(row)) != row.chain_hash:
                return ChainResult(
                    False,
                    expected - 1,
                    f"记录链断裂：{here}（第{row.chain_seq}号链节）的内容与其哈希不符（已被篡改）。",
                    row.id,
                    row.chain_seq,
                )
            if row.chain_prev != prev_hash:
                return ChainResult(
                    False,
                    expected - 1,
                    f"记录链断裂：{prev_desc}（第{expected - 1}号链节）的哈希与下一链节{here}所记录的不符"
                    f"——{prev_desc}被改动后重新计算了哈希。",
                    prev_id,
                    expected - 1,
                )
            prev_hash, prev_desc, prev_id = row.chain_hash, here, row.id
            last_seq = expected
            expected += 1
    checked = expected - 1
    seq, head_hash = read_head(conn)
    if seq != checked:
        return ChainResult(
            False,
            checked,
            f"记录链断裂：链头记载共{seq}个链节，实际只连续到第{checked}号（{prev_desc}），其后的记录已被删除。",
            prev_id,
            checked + 1,
        )
    if head_hash != prev_hash:
        return ChainResult(
            False,
            checked,
            f"记录链断裂：最后一个链节{prev_desc}（第{checked}号）的哈希与链头不符——它被改动后重新计算了哈希。",
            prev_id,
            checked,
        )
    unchained = conn.execute(
        select(table.c.id, table.c.item_code, table.c.document_number)
        .where(table.c.chain_seq.is_(None))
        .order_by(table.c.id)
        .limit(1)
    ).first()
    if unchained is not None:
        count = conn.execute(select(func.count()).where(table.c.chain_seq.is_(None))).scalar_one()
        return ChainResult(
            False,
            checked,
            f"记录链不完整：{describe(*unchained)}等{count}条记录不在链中（绕过系统直接写入）。",
            unchained.id,
        )
    return _verify_state(conn, checked)


def read_head(conn: Connection) -> tuple[int, str]:
    """The chain head (0 and the genesis hash for a database that has none)."""
    head = _head_table()
    row = conn.execute(select(head.c.last_seq, head.c.last_hash).where(head.c.id == 1)).first()
    return (0, GENESIS_HASH) if row is None else (int(row.last_seq), str(row.last_hash))


def _verify_state(conn: Connection, checked: int) -> ChainResult:
    """The mutable state against its history: each status is the last status event's (or 有效 without one), and a
    record is the current version exactly when no later version supersedes it."""
    wrong = conn.execute(
        text(
            "SELECT r.id, r.item_code, r.document_number, r.status, e.to_status FROM credit_record r "
            "LEFT JOIN (SELECT record_id, MAX(id) AS last_id FROM credit_record_event GROUP BY record_id) l "
            "ON l.record_id = r.id LEFT JOIN credit_record_event e ON e.id = l.last_id "
            "WHERE r.status <> COALESCE(e.to_status, :valid) ORDER BY r.id LIMIT 1"
        ),
        {"valid": VALID},
    ).first()
    if wrong is not None:
        shown = STATUS_LABELS.get(wrong.status, wrong.status)
        expected = STATUS_LABELS.get(wrong.to_status or VALID, wrong.to_status)
        return ChainResult(
            False,
            checked,
            f"记录状态被绕过系统修改：{describe(wrong.id, wrong.item_code, wrong.document_number)}的状态为“{shown}”，"
            f"但其状态变更记录的最后结果是“{expected}”。",
            wrong.id,
        )
    current = conn.execute(
        text(
            "SELECT r.id, r.item_code, r.document_number, r.is_current FROM credit_record r "
            "WHERE r.is_current = (EXISTS (SELECT 1 FROM credit_record n WHERE n.supersedes_id = r.id)) "
            "ORDER BY r.id LIMIT 1"
        )
    ).first()
    if current is not None:
        what = "被新版本取代却仍标为现行版本" if current.is_current else "没有新版本却被标为已取代"
        return ChainResult(
            False,
            checked,
            f"记录状态被绕过系统修改：{describe(current.id, current.item_code, current.document_number)}{what}。",
            current.id,
        )
    return ChainResult(True, checked, f"记录链完整：共校验{checked}条信用记录。")


def backfill(conn: Connection, *, batch: int = 5000) -> int:
    """Chain the records that have no link yet, in id order (the migration that introduces the chain)."""
    table = cast(Table, CreditRecord.__table__)
    cols = [table.c.id, *[table.c[c] for c in HASHED_COLUMNS]]
    done = 0
    last_id = 0
    while True:
        chunk = conn.execute(
            select(*cols).where(table.c.chain_seq.is_(None), table.c.id > last_id).order_by(table.c.id).limit(batch)
        ).all()
        if not chunk:
            return done
        links = extend(conn, [_row_values(row) for row in chunk])
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("rid"))
            .values(chain_seq=bindparam("s"), chain_prev=bindparam("p"), chain_hash=bindparam("h")),
            [
                {"rid": row.id, "s": seq, "p": prev, "h": digest}
                for row, (seq, prev, digest) in zip(chunk, links, strict=True)
            ],
        )
        done += len(chunk)
        last_id = chunk[-1].id
