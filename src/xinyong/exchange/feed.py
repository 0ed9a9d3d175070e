"""The outbound feed: which changes are reported upward, read incrementally by id from the tables that hold them,
and their serialisation as JSON Lines and CSV in the national field layout.

Sources, each with its own id cursor (``SOURCES`` order is the order items take inside a batch):
``record`` — new credit records and new versions (``credit_record``, written in bulk by ``write_prepared``);
``record_event`` — state changes of those records (``credit_record_event``);
``list_event`` — list entries published and removed (``list_event``);
``outbox`` — repair results, check feedback (joint reward/punishment cases), rectification outcomes
(``exchange_outbox``, written by those workflows in their own transaction).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Table, Text, cast, func, select, text
from sqlalchemy.orm import Session

from xinyong.catalog.models import CatalogItem
from xinyong.core.clock import to_china
from xinyong.core.datafiles import shipped_loader, validated
from xinyong.core.db import Database
from xinyong.core.downloads import csv_text
from xinyong.exchange.models import ExchangeOutbox
from xinyong.lists import events as list_events
from xinyong.lists import rules as list_rules
from xinyong.records import states
from xinyong.records.models import CreditRecord, RecordEvent
from xinyong.subjects.models import Department, Entity

SOURCES = ("record", "record_event", "list_event", "outbox")
SOURCE_TABLES: dict[str, Table] = {
    "record": CreditRecord.__table__,  # type: ignore[dict-item]
    "record_event": RecordEvent.__table__,  # type: ignore[dict-item]
    "list_event": list_events.EVENTS_TABLE,
    "outbox": ExchangeOutbox.__table__,  # type: ignore[dict-item]
}
SOURCE_LABELS = {
    "record": "信用记录",
    "record_event": "记录状态变更",
    "list_event": "名单列入与移出",
    "outbox": "修复、核查反馈与整改结果",
}
OP_LABELS = {"add": "新增", "correct": "更正", "change": "变更"}
CSV_META = ("ITEM_KEY", "OP")
MULTI_SEPARATOR = ";"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(_Strict):
    """A new destination's settings unless given."""

    batch_size: int = Field(ge=1, le=100_000)
    max_attempts: int = Field(ge=1, le=100)
    backoff_seconds: float = Field(ge=0)
    backoff_max_seconds: float = Field(ge=0)
    timeout_seconds: float = Field(gt=0)
    max_pending: int = Field(ge=1, le=1000)


class TypeSpec(_Strict):
    """A feed type: its name and field layout (``catalog``: the catalogue item's own field codes, in order)."""

    name: str
    layout: Literal["catalog"] | list[tuple[str, str]]


class ExchangeRules(_Strict):
    """The reporting rules file (versioned reference data)."""

    version: str
    effective_from: date
    title: str
    basis: str
    division: str = Field(pattern=r"^\d{6}$")
    record_items: list[str]
    record_status_changes: list[str]
    list_steps: dict[str, str]
    defaults: Defaults
    types: dict[str, TypeSpec]

    @model_validator(mode="after")
    def _consistent(self) -> ExchangeRules:
        needed = [*self.record_items, *self.list_steps.values(), "record_status", "repair", "joint_case", "supervision"]
        missing = [t for t in needed if t not in self.types]
        if missing:
            raise ValueError(f"types 中缺少类型：{'、'.join(missing)}")
        unknown = [s for s in self.record_status_changes if s not in states.STATUS_LABELS]
        if unknown:
            raise ValueError(f"record_status_changes 中的状态不存在：{'、'.join(unknown)}")
        return self

    def type_name(self, code: str) -> str:
        """The Chinese name of a feed type."""
        spec = self.types.get(code)
        return spec.name if spec else code


def parse_rules(raw: object) -> ExchangeRules:
    """Validate a rules file's content; Chinese errors name the place."""
    return validated(raw, ExchangeRules, "信息报送规则")


load_rules = shipped_loader("xinyong.exchange", "exchange-rules.json", ExchangeRules, "信息报送规则")


@dataclass
class Item:
    """One reported change: a stable key (source:id), its type, the operation and its fields by code."""

    key: str
    type: str
    op: str
    fields: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)

    def line(self) -> bytes:
        """The item as one JSON Lines line."""
        return orjson.dumps(
            {"key": self.key, "type": self.type, "op": self.op, "fields": self.fields, "meta": self.meta}
        )


# --------------------------------------------------------------------------------------------------
# Horizon: the highest id of each source that no open transaction can still fill in below
# --------------------------------------------------------------------------------------------------


def horizon(db: Database) -> dict[str, int]:
    """The highest committed id of each source table.

    On PostgreSQL ids come from sequences in insert order, not commit order: a transaction that took id 100 may
    commit after another's id 101 is read, and a cursor past 101 would lose 100. Each table is therefore locked
    ``IN SHARE MODE`` in its own short transaction (one lock at a time, so no deadlock with writers): the lock waits
    for the writers in flight to commit, after which every id up to the maximum is final. Writers wait only for that
    one ``SELECT max(id)``. SQLite has one writer at a time, so ids are committed in order already.
    """
    result: dict[str, int] = {}
    postgres = db.dialect == "postgresql"
    for source, table in SOURCE_TABLES.items():
        with db.engine.begin() as conn:
            if postgres:
                conn.execute(text(f"LOCK TABLE {table.name} IN SHARE MODE"))
            result[source] = int(conn.execute(select(func.max(table.c.id))).scalar() or 0)
    return result


# --------------------------------------------------------------------------------------------------
# Readers: (session, after, upto, limit, rules) → (items, id scanned up to)
# --------------------------------------------------------------------------------------------------

Reader = Callable[[Session, int, int, int, ExchangeRules], tuple[list[Item], int]]


def _scanned(ids: list[int], limit: int, upto: int) -> int:
    """How far a limited read has looked: its last id when it was cut by the limit, else the whole range."""
    return ids[-1] if len(ids) >= limit else upto


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(_text(v) for v in value)
    return str(value)


def _fast_text(value: Any) -> str:
    if type(value) is str:
        return value
    return "" if value is None else _text(value)


@lru_cache(maxsize=512)
def _catalog_codes(item_id: int, payload: str) -> tuple[str, ...]:
    return tuple(f["code"] for f in json.loads(payload))


def _layouts(session: Session, item_ids: set[int]) -> dict[int, tuple[str, ...]]:
    if not item_ids:
        return {}
    rows = session.execute(select(CatalogItem.id, CatalogItem.fields).where(CatalogItem.id.in_(item_ids)))
    return {i: _catalog_codes(i, json.dumps(f)) for i, f in rows}


def _departments(session: Session) -> dict[int, Department]:
    return {d.id: d for d in session.execute(select(Department)).scalars()}


def read_records(session: Session, after: int, upto: int, limit: int, rules: ExchangeRules) -> tuple[list[Item], int]:
    """New credit records and versions of the reported items, in the catalogue's field codes."""
    rows = session.execute(
        select(
            CreditRecord.id,
            CreditRecord.item_id,
            CreditRecord.item_code,
            CreditRecord.version,
            CreditRecord.supersedes_id,
            CreditRecord.department_id,
            CreditRecord.document_number,
            CreditRecord.status,
            cast(CreditRecord.fields, Text).label("fields"),  # JSON text, parsed by orjson below (faster)
        )
        .where(CreditRecord.id > after, CreditRecord.id <= upto, CreditRecord.item_code.in_(rules.record_items))
        .order_by(CreditRecord.id)
        .limit(limit)
    ).all()
    layouts = _layouts(session, {r.item_id for r in rows})
    depts = _departments(session) if rows else {}
    items = []
    for r in rows:
        stored = orjson.loads(r.fields) if r.fields else {}
        dept = depts.get(r.department_id)
        items.append(
            Item(
                key=f"record:{r.id}",
                type=r.item_code,
                op="add" if r.version == 1 else "correct",
                fields={code: _fast_text(stored.get(code)) for code in layouts[r.item_id]},
                meta={
                    "record_id": r.id,
                    "version": r.version,
                    "supersedes": f"record:{r.supersedes_id}" if r.supersedes_id else None,
                    "department": dept.code if dept else None,
                    "status": states.STATUS_LABELS.get(r.status, r.status),
                },
            )
        )
    return items, _scanned([r.id for r in rows], limit, upto)


def read_record_events(
    session: Session, after: int, upto: int, limit: int, rules: ExchangeRules
) -> tuple[list[Item], int]:
    """State changes (revoked, repaired, published again) of the reported records."""
    rows = session.execute(
        select(RecordEvent, CreditRecord, Entity.uscc)
        .join(CreditRecord, CreditRecord.id == RecordEvent.record_id)
        .outerjoin(Entity, Entity.id == CreditRecord.entity_id)
        .where(
            RecordEvent.id > after,
            RecordEvent.id <= upto,
            RecordEvent.to_status.in_(rules.record_status_changes),
            RecordEvent.from_status.is_not(None),
            CreditRecord.item_code.in_(rules.record_items),
        )
        .order_by(RecordEvent.id)
        .limit(limit)
    ).all()
    depts = _departments(session) if rows else {}
    items = []
    for event, record, uscc in rows:
        dept = depts.get(record.department_id)
        values = {
            "XXLB": record.item_code,
            "WSH": record.document_number,
            "XDR_MC": record.subject_name,
            "XDR_SHXYM": uscc or "",
            "YZT": states.STATUS_LABELS.get(event.from_status or "", event.from_status or ""),
            "XZT": states.STATUS_LABELS.get(event.to_status, event.to_status),
            "BGRQ": to_china(event.at).date().isoformat(),
            "BGYY": event.reason or "",
            "SJLYDM": dept.code if dept else "",
        }
        items.append(
            Item(
                key=f"record_event:{event.id}",
                type="record_status",
                op="change",
                fields=_in_layout(rules, "record_status", values),
                meta={"record": f"record:{record.id}"},
            )
        )
    return items, _scanned([row[0].id for row in rows], limit, upto)


def read_list_events(
    session: Session, after: int, upto: int, limit: int, rules: ExchangeRules
) -> tuple[list[Item], int]:
    """List entries published and removed (红黑名单, key attention, judgment debtors…)."""
    rows = list_events.events_between(session, after=after, upto=upto, to_statuses=rules.list_steps, limit=limit)
    depts = _departments(session) if rows else {}
    names = list_rules.load_rules()
    items = []
    for event, entry in rows:
        kind = rules.list_steps[event.to_status]
        dept = depts.get(entry.department_id)
        person = entry.person_id is not None
        values = {
            "MDLX": entry.list_type,
            "MDMC": names.list_name(entry.list_type),
            "XDR_MC": entry.subject_name,
            "XDR_SHXYM": "" if person else (entry.subject_code or ""),
            "XDR_ZJHM": (entry.subject_code or "") if person else "",
            "RDBM": dept.name if dept else "",
            "RDBMDM": dept.code if dept else "",
            "RDWH": entry.document_number or "",
            "LRSY": entry.reason,
            "LRYJ": entry.legal_basis or "",
            "LRRQ": _text(entry.published_on),
            "YXQZ": _text(entry.ends_on),
            "YCRQ": _text(entry.removed_on),
            "YCFS": _removal_label(entry.removal_kind),
            "YCYY": entry.removal_reason or "",
            "ZRZT": f"list_entry:{entry.parent_id}" if entry.parent_id else "",
        }
        items.append(
            Item(
                key=f"list_event:{event.id}",
                type=kind,
                op="add",
                fields=_in_layout(rules, kind, values),
                meta={"entry": f"list_entry:{entry.id}"},
            )
        )
    return items, _scanned([row[0].id for row in rows], limit, upto)


def _removal_label(kind: str | None) -> str:
    from xinyong.lists.service import REMOVAL_KINDS

    return REMOVAL_KINDS.get(kind or "", kind or "")


def read_outbox(session: Session, after: int, upto: int, limit: int, rules: ExchangeRules) -> tuple[list[Item], int]:
    """Repair results, joint reward/punishment cases and rectification outcomes queued by their workflows."""
    rows = list(
        session.execute(
            select(ExchangeOutbox)
            .where(ExchangeOutbox.id > after, ExchangeOutbox.id <= upto)
            .order_by(ExchangeOutbox.id)
            .limit(limit)
        ).scalars()
    )
    items = [
        Item(
            key=f"outbox:{row.id}",
            type=row.kind,
            op="add",
            fields=_in_layout(rules, row.kind, row.fields),
            meta={"object": f"{row.object_type}:{row.object_id}"},
        )
        for row in rows
    ]
    return items, _scanned([r.id for r in rows], limit, upto)


READERS: dict[str, Reader] = {
    "record": read_records,
    "record_event": read_record_events,
    "list_event": read_list_events,
    "outbox": read_outbox,
}


def _in_layout(rules: ExchangeRules, kind: str, values: dict[str, Any]) -> dict[str, str]:
    layout = rules.types[kind].layout
    assert layout != "catalog"
    return {code: _text(values.get(code)) for code, _name in layout}


def collect(
    session: Session, *, start: dict[str, int], upto: dict[str, int], limit: int, types: list[str]
) -> tuple[list[Item], dict[str, int]]:
    """Up to ``limit`` items after ``start`` and up to ``upto`` per source, and how far each source was read."""
    rules = load_rules()
    items: list[Item] = []
    reached = {s: start.get(s, 0) for s in SOURCES}
    capacity = limit
    for source in SOURCES:
        after, end = reached[source], upto.get(source, 0)
        if end <= after or capacity <= 0:
            continue
        got, scanned = READERS[source](session, after, end, capacity, rules)
        reached[source] = scanned
        capacity -= len(got)
        items.extend(i for i in got if not types or i.type in types)
    return items, reached


# --------------------------------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------------------------------


def jsonl(items: list[Item]) -> str:
    """The items as JSON Lines (UTF-8, LF, a newline after each line)."""
    return b"".join(i.line() + b"\n" for i in items).decode()


def sha256_text(content: str) -> str:
    """SHA-256 of the UTF-8 bytes."""
    return hashlib.sha256(content.encode()).hexdigest()


def csv_files(batch_number: str, items: list[Item]) -> dict[str, str]:
    """One CSV per type (RFC 4180, UTF-8): the item key, the operation, then the type's field codes in layout order
    (cells that would start a formula neutralised: the receiving office opens them in Excel)."""
    by_type: dict[str, list[Item]] = {}
    for item in items:
        by_type.setdefault(item.type, []).append(item)
    files = {}
    for kind in sorted(by_type):
        group = by_type[kind]
        columns: dict[str, None] = {}
        for item in group:
            columns.update(dict.fromkeys(item.fields))
        rows = [[item.key, item.op, *(item.fields.get(c, "") for c in columns)] for item in group]
        files[f"{batch_number}.{kind}.csv"] = csv_text([[*CSV_META, *columns], *rows])
    return files


def field_names(kind: str, session: Session | None = None) -> list[tuple[str, str]]:
    """The layout of a type as (code, Chinese name); catalogue types read the catalogue in force."""
    rules = load_rules()
    layout = rules.types[kind].layout
    if layout != "catalog":
        return list(layout)
    if session is None:
        return []
    row = session.execute(
        select(CatalogItem).where(CatalogItem.code == kind).order_by(CatalogItem.id.desc()).limit(1)
    ).scalar_one_or_none()
    return [(f["code"], f["name"]) for f in row.fields] if row else []
