"""Record logic: store a validated decision (idempotently, versioned), change its state, read a subject's record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from xinyong.catalog.models import CatalogItem
from xinyong.catalog.schemas import ItemSpec
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import get_calendar
from xinyong.core.clock import CHINA_TZ, get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import CalendarMissing, DomainError, NotFound
from xinyong.core.identifiers import USCC_ENTITY_TYPES, describe_uscc, mask_id_number
from xinyong.disclosure import rules as disclosure_rules
from xinyong.evaluation.dirty import mark_dirty
from xinyong.records import states
from xinyong.records.models import CreditRecord, RecordEvent
from xinyong.subjects.models import Department, Entity, Person, SubjectNameReview

CREATED, UNCHANGED, VERSIONED = "created", "unchanged", "versioned"
OUTCOME_LABELS = {CREATED: "新增", UNCHANGED: "重复报送，未变化", VERSIONED: "内容变化，已生成新版本"}


@dataclass(frozen=True)
class Provenance:
    """Where a submission came from."""

    actor: Actor
    batch_id: int | None = None
    row_number: int | None = None
    file_sha256: str | None = None


@dataclass
class StoreResult:
    """What storing one decision did."""

    record: CreditRecord
    outcome: str
    warnings: list[str] = field(default_factory=list)


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def stored_fields(spec: ItemSpec, values: dict[str, Any]) -> dict[str, Any]:
    """The values as kept in the record: JSON types, personal numbers masked (the clear number is encrypted)."""
    personal = {f.code for f in spec.fields if f.personal}
    out: dict[str, Any] = {}
    for code, value in values.items():  # validation returns fields in catalogue order
        if code in personal:
            out[code] = mask_id_number(str(value))
        elif type(value) is str:
            out[code] = value
        else:
            out[code] = _jsonable(value)
    return out


def content_hash(values: dict[str, Any]) -> str:
    """A digest of the validated values: the same decision sent twice hashes the same.

    The values are already normalised by validation (dates, Decimals, sorted enumerations), so the repr of the
    sorted items is canonical and several times cheaper than JSON.
    """
    return hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()


def publication_deadline(session: Session, spec: ItemSpec, decided: date) -> date | None:
    """Decision date + the item's working days (T12: 7), or None when the item has no deadline."""
    if spec.deadline_working_days is None:
        return None
    return get_calendar(session).add_working_days(decided, spec.deadline_working_days)


def resolve_subject(
    session: Session, spec: ItemSpec, values: dict[str, Any], *, cipher: FieldCipher, actor: Actor
) -> tuple[str, Entity | None, Person | None, list[str]]:
    """Find or register the subject a decision is about; a disagreeing name is queued for review, not overwritten."""
    roles = spec.roles
    category = str(values[roles["subject_category"]])
    name = str(values[roles["subject_name"]])
    now = get_clock().now()
    notes: list[str] = []
    if category == "自然人":
        id_type = str(values.get(roles["id_type"]) or "身份证")
        number = str(values[roles["id_number"]])
        index = cipher.blind_index(number)
        person = session.execute(
            select(Person).where(Person.id_type == id_type, Person.id_index == index)
        ).scalar_one_or_none()
        if person is None:
            person = Person(
                name=name,
                id_type=id_type,
                id_cipher=cipher.encrypt(number),
                id_index=index,
                id_masked=mask_id_number(number),
                created_at=now,
            )
            session.add(person)
            session.flush()
        elif person.name != name:
            notes.append(_name_review(session, record_name=name, registered=person.name, person_id=person.id))
        return category, None, person, notes
    uscc = values.get(roles["uscc"])
    entity = None
    if uscc:
        entity = session.execute(select(Entity).where(Entity.uscc == uscc)).scalar_one_or_none()
    else:
        reg_no = values.get(spec.roles.get("reg_no", "")) or _alternative(spec, values)
        if reg_no:
            entity = (
                session.execute(select(Entity).where((Entity.reg_no == reg_no) | (Entity.org_code == reg_no)))
                .scalars()
                .first()
            )
    if entity is None:
        info = describe_uscc(str(uscc)) if uscc else {}
        entity = Entity(
            uscc=uscc or None,
            reg_no=None if uscc else _alternative(spec, values),
            name=name,
            category=category,
            entity_type=info.get("entity_type_name") or ("个体工商户" if category == "个体工商户" else "未登记类型"),
            registering_authority=None,
            region_code=str(uscc)[2:8] if uscc else "230382",
            status="存续",
            created_at=now,
            updated_at=now,
        )
        session.add(entity)
        session.flush()
        notes.append(f"主体“{name}”此前未登记，已按报送信息建立主体档案。")
    elif entity.name != name:
        notes.append(_name_review(session, record_name=name, registered=entity.name, entity_id=entity.id))
    return category, entity, None, notes


def _alternative(spec: ItemSpec, values: dict[str, Any]) -> str | None:
    uscc_field = spec.field(spec.roles["uscc"])
    for code in uscc_field.alternatives:
        if values.get(code):
            return str(values[code])
    return None


def _bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows the fast way for the backend."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # With RETURNING, SQLAlchemy sends multi-row VALUES batches ("insertmanyvalues") instead of one statement per
        # row; the ids are not needed here.
        conn.execute(insert(table).returning(table.c.id), rows)
    else:
        conn.execute(insert(table), rows)


def _name_review(
    session: Session, *, record_name: str, registered: str, entity_id: int | None = None, person_id: int | None = None
) -> str:
    """Queue a reported name that disagrees with the registered one (once per name), and say so."""
    exists = session.execute(
        select(SubjectNameReview.id).where(
            SubjectNameReview.entity_id == entity_id,
            SubjectNameReview.person_id == person_id,
            SubjectNameReview.reported_name == record_name,
            SubjectNameReview.status == "open",
        )
    ).first()
    if not exists:
        session.add(
            SubjectNameReview(
                entity_id=entity_id,
                person_id=person_id,
                reported_name=record_name,
                registered_name=registered,
                status="open",
                created_at=get_clock().now(),
            )
        )
        session.flush()
    return f"报送的名称“{record_name}”与登记名称“{registered}”不一致，已提交人工核对，未覆盖登记名称。"


@dataclass(frozen=True)
class Stored:
    """What storing one row of a bulk call did."""

    outcome: str
    record_id: int
    warnings: list[str]


def _entity_values(spec: ItemSpec, values: dict[str, Any], category: str, now: Any) -> dict[str, Any]:
    uscc = values.get(spec.roles["uscc"])
    kind = USCC_ENTITY_TYPES.get((str(uscc)[0], str(uscc)[1])) if uscc else None  # the code is already validated
    return {
        "uscc": uscc or None,
        "reg_no": None if uscc else _alternative(spec, values),
        "name": str(values[spec.roles["subject_name"]]),
        "category": category,
        "entity_type": kind or ("个体工商户" if category == "个体工商户" else "未登记类型"),
        "registering_authority": None,
        "region_code": str(uscc)[2:8] if uscc else "230382",
        "status": "存续",
        "created_at": now,
        "updated_at": now,
    }


def _entities_by_uscc(
    session: Session, spec: ItemSpec, rows: list[dict[str, Any]], now: Any
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Entity ids for every USCC in the rows, registering unknown ones in bulk; notes per USCC."""
    uscc_field, name_field, cat_field = spec.roles["uscc"], spec.roles["subject_name"], spec.roles["subject_category"]
    wanted = {str(v[uscc_field]): v for v in rows if v.get(uscc_field) and v[cat_field] != "自然人"}
    ids: dict[str, int] = {}
    notes: dict[str, list[str]] = {}
    codes = list(wanted)
    for start in range(0, len(codes), 5000):
        part = codes[start : start + 5000]
        for entity_id, found, name in session.execute(
            select(Entity.id, Entity.uscc, Entity.name).where(Entity.uscc.in_(part))
        ):
            code = str(found)
            ids[code] = entity_id
            reported = str(wanted[code][name_field])
            if name != reported:
                notes.setdefault(code, []).append(
                    _name_review(session, record_name=reported, registered=name, entity_id=entity_id)
                )
    missing = [_entity_values(spec, v, str(v[cat_field]), now) for code, v in wanted.items() if code not in ids]
    if missing:
        # A plain executemany, then one query for the new ids: RETURNING in parameter order would make SQLite
        # run one statement per row.
        _bulk_insert(session, cast(Table, Entity.__table__), missing)
        new_codes = [str(m["uscc"]) for m in missing]
        for entity_id, found in session.execute(select(Entity.id, Entity.uscc).where(Entity.uscc.in_(new_codes))):
            code = str(found)
            ids[code] = entity_id
            notes.setdefault(code, []).append(f"主体“{wanted[code][name_field]}”此前未登记，已按报送信息建立主体档案。")
    return ids, notes


def store_many(
    session: Session,
    *,
    item: CatalogItem,
    spec: ItemSpec,
    department: Department,
    rows: list[tuple[int | None, dict[str, Any]]],
    provenance: Provenance,
    cipher: FieldCipher,
) -> list[Stored]:
    """Store validated decisions in bulk: new, unchanged (same content again) or a new version (content changed).

    One query finds the current versions, one the subjects; records go in with one multi-row INSERT; the audit trail
    gets one event for the call. Rows must have distinct document numbers.
    """
    roles = spec.roles
    doc_field, date_field = roles["document_number"], roles["decision_date"]
    now = get_clock().now()
    submitted_day = now.astimezone(CHINA_TZ).date()
    docs = [str(v[doc_field]) for _, v in rows]
    current: dict[str, Any] = {}
    for start in range(0, len(docs), 5000):
        for rec in session.execute(
            select(
                CreditRecord.id,
                CreditRecord.document_number,
                CreditRecord.content_hash,
                CreditRecord.version,
                CreditRecord.status,
            ).where(
                CreditRecord.department_id == department.id,
                CreditRecord.item_code == spec.code,
                CreditRecord.document_number.in_(docs[start : start + 5000]),
                CreditRecord.is_current.is_(True),
            )
        ):
            current[rec.document_number] = rec
    results: list[Stored | None] = [None] * len(rows)
    todo: list[int] = []
    for i, (_row, values) in enumerate(rows):
        digest = content_hash(values)
        values["__hash"] = digest
        existing = current.get(docs[i])
        if existing is not None and existing.content_hash == digest:
            results[i] = Stored(UNCHANGED, existing.id, [])
        else:
            todo.append(i)
    if todo:
        entity_ids, entity_notes = _entities_by_uscc(session, spec, [rows[i][1] for i in todo], now)
        calendar = get_calendar(session) if spec.deadline_working_days is not None else None
        regimes = disclosure_rules.load_regimes()
        inserts: list[dict[str, Any]] = []
        warnings_of: list[list[str]] = []
        for i in todo:
            row_number, values = rows[i]
            digest = values.pop("__hash")
            warnings: list[str] = []
            category = str(values[roles["subject_category"]])
            uscc = values.get(roles["uscc"])
            entity_id = person_id = None
            if uscc and category != "自然人":
                entity_id = entity_ids[str(uscc)]
                warnings.extend(entity_notes.get(str(uscc), []))
            else:
                _cat, entity, person, notes = resolve_subject(
                    session, spec, values, cipher=cipher, actor=provenance.actor
                )
                entity_id, person_id = (entity.id if entity else None), (person.id if person else None)
                warnings.extend(notes)
            decided: date = values[date_field]
            deadline = None
            if calendar is not None:
                try:
                    deadline = calendar.add_working_days(decided, spec.deadline_working_days or 0)
                except CalendarMissing as exc:
                    warnings.append(f"{exc.year}年工作日历尚未加载，公示期限待加载后计算。")
            fields_json = stored_fields(spec, values)
            publicity_from = publicity_until = severity = None
            try:
                window = disclosure_rules.decide(
                    rules=regimes,
                    item_code=spec.code,
                    publicity_rule=spec.publicity_rule,
                    subject_category=category,
                    decision_date=decided,
                    fields=fields_json,
                )
                severity = window.severity
                if window.published:
                    publicity_from, publicity_until = window.start, window.max_end
            except DomainError as exc:  # e.g. a penalty older than every regime: the credit office must choose one
                warnings.append(f"公示期未能计算：{exc.message}")
            previous = current.get(docs[i])
            inserts.append(
                {
                    "item_id": item.id,
                    "item_code": spec.code,
                    "subject_kind": "person" if person_id else "entity",
                    "entity_id": entity_id,
                    "person_id": person_id,
                    "subject_name": str(values[roles["subject_name"]]),
                    "subject_category": category,
                    "department_id": department.id,
                    "document_number": docs[i],
                    "decision_date": decided,
                    "fields": fields_json,
                    "content_hash": digest,
                    "status": states.VALID,
                    "version": previous.version + 1 if previous else 1,
                    "is_current": True,
                    "supersedes_id": previous.id if previous else None,
                    "publication_deadline": deadline,
                    "submitted_at": now,
                    "on_time": (submitted_day <= deadline) if deadline else None,
                    "severity": severity,
                    "publicity_from": publicity_from,
                    "publicity_until": publicity_until,
                    "batch_id": provenance.batch_id,
                    "row_number": row_number,
                    "file_sha256": provenance.file_sha256,
                    "submitted_by_user_id": provenance.actor.user_id,
                    "submitted_by_token_id": provenance.actor.token_id,
                }
            )
            warnings_of.append(warnings)
        superseded = [current[docs[i]] for i in todo if docs[i] in current]
        for rec in superseded:
            target = states.CORRECTED if states.CORRECTED in states.TRANSITIONS[rec.status] else rec.status
            session.execute(
                update(CreditRecord).where(CreditRecord.id == rec.id).values(is_current=False, status=target)
            )
            session.add(
                RecordEvent(
                    record_id=rec.id,
                    at=now,
                    from_status=rec.status,
                    to_status=target,
                    reason="报送单位提交了更正后的内容",
                    actor=provenance.actor.label,
                )
            )
        # Core executemany, not the ORM's bulk path, and no RETURNING (on SQLite that means a statement per row):
        # the new ids come back with one query on the natural key.
        _bulk_insert(session, cast(Table, CreditRecord.__table__), inserts)
        mark_dirty(  # the evaluation re-grades these subjects at the end of the batch (or `xinyong evaluate --dirty`)
            session, entity_ids=[ins["entity_id"] for ins in inserts], person_ids=[ins["person_id"] for ins in inserts]
        )
        keys = {(ins["document_number"], ins["version"]) for ins in inserts}
        found_ids: dict[tuple[str, int], int] = {}
        new_docs = [ins["document_number"] for ins in inserts]
        for start in range(0, len(new_docs), 5000):
            for record_id, doc, version in session.execute(
                select(CreditRecord.id, CreditRecord.document_number, CreditRecord.version).where(
                    CreditRecord.department_id == department.id,
                    CreditRecord.item_code == spec.code,
                    CreditRecord.document_number.in_(new_docs[start : start + 5000]),
                    CreditRecord.is_current.is_(True),
                )
            ):
                if (doc, version) in keys:
                    found_ids[(doc, version)] = record_id
        new_ids = [found_ids[(ins["document_number"], ins["version"])] for ins in inserts]
        for i, record_id, warnings in zip(todo, new_ids, warnings_of, strict=True):
            results[i] = Stored(VERSIONED if docs[i] in current else CREATED, record_id, warnings)
    done = [r for r in results if r is not None]
    created = [r.record_id for r in done if r.outcome == CREATED]
    versioned = [r.record_id for r in done if r.outcome == VERSIONED]
    if created or versioned:
        detail: dict[str, Any] = {
            "item": spec.code,
            "department": department.code,
            "batch": provenance.batch_id,
            "created": len(created),
            "versioned": len(versioned),
            "unchanged": len(done) - len(created) - len(versioned),
            "record_ids": [min(created + versioned), max(created + versioned)],
        }
        if len(rows) == 1:
            detail["document_number"] = docs[0]
        audit(
            session,
            actor=provenance.actor,
            action="record.store",
            object_type="credit_record",
            object_id=(created + versioned)[0] if len(rows) == 1 else None,
            detail=detail,
        )
    session.flush()
    return done


def store(
    session: Session,
    *,
    item: CatalogItem,
    spec: ItemSpec,
    department: Department,
    values: dict[str, Any],
    provenance: Provenance,
    cipher: FieldCipher,
) -> StoreResult:
    """Store one validated decision (see ``store_many``)."""
    [stored] = store_many(
        session,
        item=item,
        spec=spec,
        department=department,
        rows=[(provenance.row_number, values)],
        provenance=provenance,
        cipher=cipher,
    )
    record = session.get(CreditRecord, stored.record_id)
    assert record is not None
    session.refresh(record)
    return StoreResult(record, stored.outcome, stored.warnings)


def _event(session: Session, record: CreditRecord, target: str, reason: str | None, actor: Actor) -> None:
    states.check_transition(record.status, target)
    session.add(
        RecordEvent(
            record_id=record.id,
            at=get_clock().now(),
            from_status=record.status,
            to_status=target,
            reason=reason,
            actor=actor.label,
        )
    )
    record.status = target


def transition(session: Session, *, record_id: int, target: str, reason: str, actor: Actor) -> CreditRecord:
    """Change a record's state through the state machine; illegal transitions are refused."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"信用记录{record_id}不存在。")
    before = record.status
    _event(session, record, target, reason, actor)
    mark_dirty(session, entity_ids=[record.entity_id], person_ids=[record.person_id])
    session.flush()
    audit(
        session,
        actor=actor,
        action="record.transition",
        object_type="credit_record",
        object_id=record.id,
        detail={"from": before, "to": target, "reason": reason},
    )
    return record


def subject_records(
    session: Session, *, entity_id: int | None = None, person_id: int | None = None, history: bool = False
) -> list[CreditRecord]:
    """A subject's whole credit record in one query, newest decisions first (current versions unless history)."""
    stmt = select(CreditRecord)
    stmt = (
        stmt.where(CreditRecord.entity_id == entity_id)
        if entity_id
        else stmt.where(CreditRecord.person_id == person_id)
    )
    if not history:
        stmt = stmt.where(CreditRecord.is_current.is_(True))
    return list(session.execute(stmt.order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())).scalars())


def versions_of(session: Session, record: CreditRecord) -> list[CreditRecord]:
    """Every version of the same decision, oldest first."""
    stmt = select(CreditRecord).where(
        CreditRecord.department_id == record.department_id,
        CreditRecord.item_code == record.item_code,
        CreditRecord.document_number == record.document_number,
    )
    return list(session.execute(stmt.order_by(CreditRecord.version)).scalars())


@dataclass(frozen=True)
class Timeliness:
    """A department's on-time reporting."""

    department_code: str
    department_name: str
    total: int
    on_time: int
    late: int
    unknown: int

    @property
    def rate(self) -> float | None:
        """The on-time share of records whose deadline is known."""
        known = self.on_time + self.late
        return self.on_time / known if known else None


def timeliness(session: Session, *, since: date | None = None) -> list[Timeliness]:
    """Per department: records received, on time (within 7 working days of the decision), late, not yet known."""
    stmt = (
        select(
            Department.code,
            Department.name,
            func.count(CreditRecord.id),
            func.count(CreditRecord.id).filter(CreditRecord.on_time.is_(True)),
            func.count(CreditRecord.id).filter(CreditRecord.on_time.is_(False)),
        )
        .join(CreditRecord, CreditRecord.department_id == Department.id)
        .where(CreditRecord.version == 1)
        .group_by(Department.code, Department.name, Department.sort_order)
        .order_by(Department.sort_order)
    )
    if since is not None:
        stmt = stmt.where(CreditRecord.decision_date >= since)
    return [
        Timeliness(code, name, total, ok, late, total - ok - late)
        for code, name, total, ok, late in session.execute(stmt)
    ]


def overdue(session: Session, *, department_id: int | None = None, limit: int = 200) -> list[CreditRecord]:
    """Records that arrived after their publication deadline, most overdue first."""
    stmt = select(CreditRecord).where(CreditRecord.on_time.is_(False), CreditRecord.version == 1)
    if department_id is not None:
        stmt = stmt.where(CreditRecord.department_id == department_id)
    return list(session.execute(stmt.order_by(CreditRecord.publication_deadline).limit(limit)).scalars())
