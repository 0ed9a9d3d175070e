"""Record logic: store a validated decision (idempotently, versioned), change its state, read a subject's record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from xinyong.catalog.models import CatalogItem
from xinyong.catalog.schemas import ItemSpec
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import WorkingCalendar, get_calendar
from xinyong.core.clock import CHINA_TZ, get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.db import bind_value as bind_value  # moved to core.db: re-exported for one release
from xinyong.core.db import raw_insert as raw_insert
from xinyong.core.errors import DomainError, NotFound, ValidationFailed
from xinyong.core.identifiers import USCC_ENTITY_TYPES, describe_uscc, mask_id_number
from xinyong.disclosure import rules as disclosure_rules
from xinyong.disclosure import service as disclosure_service
from xinyong.records import chain, repository, states
from xinyong.records.hooks import records_changed as mark_dirty
from xinyong.records.models import CreditRecord, RecordEvent
from xinyong.records.outcome import outcome_of
from xinyong.subjects.models import Department, Entity, Person, SubjectNameReview

NATURAL_PERSON = "自然人"
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
    record_id: int | None  # None for bulk file ingestion, which does not read the new ids back
    warnings: list[str]


class Prepared(NamedTuple):
    """One validated decision in the form it is stored, computed without the database.

    File ingestion computes these in worker processes and sends them as plain tuples (``marshal``), so every
    member is a str, int, bool, None, list of str or dict of str.
    """

    row_number: int | None
    document_number: str
    subject_category: str
    uscc: str | None  # None when the subject is found by resolve_subject (persons, subjects without a USCC)
    subject_name: str
    decision_date: str  # ISO date
    fields: str  # JSON text of the stored values (personal numbers masked)
    content_hash: str
    publication_deadline: str | None
    on_time: bool | None
    severity: str | None
    publicity_from: str | None
    publicity_until: str | None
    warnings: list[str]
    subject: dict[str, str] | None  # the values resolve_subject needs when uscc is None
    outcome: str | None = None  # the value copied into credit_record.outcome (records.outcome)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot store {type(value).__name__} in a credit record")


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class Preparer:
    """Turns validated values into ``Prepared`` rows: stored JSON, content hash, deadline, publicity window.

    Pure (no database), so that file ingestion can run it in worker processes. Publicity decisions are cached on
    the fields the rules engine reads (``disclosure.rules.input_fields``), which repeat across a file.
    """

    def __init__(
        self,
        spec: ItemSpec,
        *,
        calendar: WorkingCalendar | None,
        regimes: disclosure_rules.RegimeSet,
        submitted_day: date,
    ) -> None:
        roles = spec.roles
        self.spec = spec
        self.calendar = calendar
        self.regimes = regimes
        self.submitted_day = submitted_day
        self._doc, self._date = roles["document_number"], roles["decision_date"]
        self._category, self._name, self._uscc = roles["subject_category"], roles["subject_name"], roles["uscc"]
        self._personal = tuple(f.code for f in spec.fields if f.personal)
        wanted = {
            roles.get(r, "") for r in ("subject_category", "subject_name", "uscc", "id_type", "id_number", "reg_no")
        }
        wanted.discard("")
        self._subject_codes = tuple(sorted(wanted | set(spec.field(self._uscc).alternatives)))
        # Only the item's own fields can be in its values.
        by_code = {f.code: f for f in spec.fields}
        inputs = [by_code[c] for c in sorted(disclosure_rules.input_fields(regimes)) if c in by_code]
        self._plain_inputs = tuple(f.code for f in inputs if not f.multiple)
        self._multi_inputs = tuple(f.code for f in inputs if f.multiple)
        self._windows: dict[tuple[Any, ...], tuple[str | None, str | None, str | None, str | None]] = {}
        self._deadlines: dict[date, tuple[str | None, bool | None, str | None]] = {}
        penalty = spec.publicity_rule == "penalty"
        self._sector_fields = tuple(disclosure_service.sector_rules().fields) if penalty else ()
        self._sectors: dict[tuple[Any, ...], tuple[str | None]] = {}

    def _sector(self, values: dict[str, Any]) -> str | None:
        """The sector of a penalty (food, drugs, ...), recognised from its text fields; None for other items."""
        if not self._sector_fields:
            return None
        texts = tuple(values.get(c) for c in self._sector_fields)
        found = self._sectors.get(texts)
        if found is None:
            found = (disclosure_service.penalty_sector(dict(zip(self._sector_fields, texts, strict=True)))[0],)
            if len(self._sectors) >= 100_000:
                self._sectors.clear()
            self._sectors[texts] = found
        return found[0]

    def _window(
        self, category: str, decided: date, values: dict[str, Any], text: bytes
    ) -> tuple[str | None, str | None, str | None, str | None]:
        """(severity, publicity from, publicity until, problem) of a decision; ``text`` is its stored JSON."""
        get = values.get
        sector = self._sector(values)
        key = (
            sector,
            category,
            decided,
            *[get(c) for c in self._plain_inputs],
            *[_hashable(get(c)) for c in self._multi_inputs],
        )
        found = self._windows.get(key)
        if found is not None:
            return found
        try:
            window = disclosure_rules.decide(
                rules=self.regimes,
                item_code=self.spec.code,
                publicity_rule=self.spec.publicity_rule,
                subject_category=category,
                decision_date=decided,
                fields=orjson.loads(text),
                sector=sector,
            )
            shown = window.published and window.start is not None and window.max_end is not None
            found = (
                window.severity,
                window.start.isoformat() if shown and window.start else None,
                window.max_end.isoformat() if shown and window.max_end else None,
                None,
            )
        except DomainError as exc:  # e.g. a penalty older than every regime: the credit office must choose one
            found = (None, None, None, f"公示期未能计算：{exc.message}")
        if len(self._windows) >= 100_000:
            self._windows.clear()
        self._windows[key] = found
        return found

    def _deadline(self, decided: date) -> tuple[str | None, bool | None, str | None]:
        """(publication deadline, on time, problem) for a decision date."""
        found = self._deadlines.get(decided)
        if found is None:
            found = (None, None, None)
            if self.calendar is not None:
                try:
                    deadline = self.calendar.add_working_days(decided, self.spec.deadline_working_days or 0)
                    found = (deadline.isoformat(), self.submitted_day <= deadline, None)
                except ValidationFailed as exc:
                    found = (None, None, exc.message)
            self._deadlines[decided] = found
        return found

    def prepare(self, row_number: int | None, values: dict[str, Any]) -> Prepared:
        """The stored form of one validated decision."""
        warnings: list[str] = []
        stored = dict(values)
        clear: list[str] = []
        for code in self._personal:
            number = stored.get(code)
            if number is not None:
                clear.append(str(number))
                stored[code] = mask_id_number(str(number))
        text = orjson.dumps(stored, default=_json_default, option=orjson.OPT_SORT_KEYS)
        # The same decision sent twice hashes the same: the values are normalised by validation and the JSON is
        # canonical (sorted keys); the clear personal numbers count too, so a corrected ID number is a new version.
        digest = hashlib.sha256(text + "\x00".join(clear).encode()).hexdigest()
        decided: date = values[self._date]
        deadline, on_time, late_problem = self._deadline(decided)
        if late_problem:
            warnings.append(late_problem)
        category = str(values[self._category])
        severity, publicity_from, publicity_until, problem = self._window(category, decided, stored, text)
        if problem:
            warnings.append(problem)
        uscc = values.get(self._uscc)
        slow = category == NATURAL_PERSON or not uscc
        return Prepared(
            row_number,
            str(values[self._doc]),
            category,
            None if slow else str(uscc),
            str(values[self._name]),
            decided.isoformat(),
            text.decode(),
            digest,
            deadline,
            on_time,
            severity,
            publicity_from,
            publicity_until,
            warnings,
            {c: str(values[c]) for c in self._subject_codes if values.get(c) is not None} if slow else None,
            outcome_of(self.spec.code, stored),
        )


def preparer_for(session: Session, spec: ItemSpec) -> Preparer:
    """A Preparer with the calendar and publicity rules in force, for submissions made now."""
    return Preparer(
        spec,
        calendar=get_calendar(session) if spec.deadline_working_days is not None else None,
        regimes=disclosure_rules.load_regimes(),
        submitted_day=get_clock().now().astimezone(CHINA_TZ).date(),
    )


def _entity_row(p: Prepared, stamp: Any) -> tuple[Any, ...]:
    uscc = str(p.uscc)
    kind = USCC_ENTITY_TYPES.get((uscc[0], uscc[1]))  # the code is already validated
    category = p.subject_category
    entity_type = kind or ("个体工商户" if category == "个体工商户" else "未登记类型")
    return (uscc, None, p.subject_name, category, entity_type, None, uscc[2:8], "存续", stamp, stamp)


def _entities_for(session: Session, rows: list[Prepared], now: Any) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Entity ids for every USCC in the rows, registering unknown ones in bulk; notes per USCC."""
    wanted = {p.uscc: p for p in rows if p.uscc}
    ids: dict[str, int] = {}
    notes: dict[str, list[str]] = {}
    for entity_id, code, name in repository.entities_by_uscc(session, list(wanted)):
        ids[code] = entity_id
        reported = wanted[code].subject_name
        if name != reported:
            notes.setdefault(code, []).append(
                _name_review(session, record_name=reported, registered=name, entity_id=entity_id)
            )
    new_codes = [code for code in wanted if code not in ids]
    if new_codes:
        stamp = repository.entity_stamp(session, now)
        repository.insert_entities(session, [_entity_row(wanted[code], stamp) for code in new_codes])
        for entity_id, code, _name in repository.entities_by_uscc(session, new_codes):
            ids[code] = entity_id
            name = wanted[code].subject_name
            notes.setdefault(code, []).append(f"主体“{name}”此前未登记，已按报送信息建立主体档案。")
    return ids, notes


def _supersede(session: Session, rec: Any, now: Any, actor: Actor) -> None:
    """Retire the current version of a decision that arrived with changed content."""
    target = states.CORRECTED if states.CORRECTED in states.TRANSITIONS[rec.status] else rec.status
    session.execute(update(CreditRecord).where(CreditRecord.id == rec.id).values(is_current=False, status=target))
    session.add(
        RecordEvent(
            record_id=rec.id,
            at=now,
            from_status=rec.status,
            to_status=target,
            reason="报送单位提交了更正后的内容",
            actor=actor.label,
        )
    )


def write_prepared(
    session: Session,
    *,
    item: CatalogItem,
    spec: ItemSpec,
    department: Department,
    rows: list[Prepared],
    provenance: Provenance,
    cipher: FieldCipher,
    want_ids: bool = True,
) -> list[Stored]:
    """Store prepared decisions: new, unchanged (same content again) or a new version (content changed).

    One query finds the current versions, one the subjects; the records go in with one executemany (SQLite) or
    COPY (PostgreSQL); the audit trail gets one event for the call. Rows must have distinct document numbers.
    With ``want_ids`` False (file ingestion) the new record ids are not read back.
    """
    now = get_clock().now()
    docs = [p.document_number for p in rows]
    current = repository.current_versions(session, item_code=spec.code, department_id=department.id, docs=docs)
    results: list[Stored | None] = [None] * len(rows)
    todo: list[int] = []
    for i, p in enumerate(rows):
        existing = current.get(p.document_number)
        if existing is not None and existing.content_hash == p.content_hash:
            results[i] = Stored(UNCHANGED, existing.id, [])
        else:
            todo.append(i)
    if todo:
        write = _Write(session, item, spec, department, provenance, cipher, now, current)
        records, warnings_of = write.new_records([rows[i] for i in todo])
        session.flush()  # the ORM's pending rows (new persons, events) go first, on the same connection
        repository.insert_chained(session, records, now)
        # The evaluation re-grades these subjects at the end of the batch (or `xinyong evaluate --dirty`).
        mark_dirty(
            session,
            entity_ids=[r.content.entity_id for r in records],
            person_ids=[r.content.person_id for r in records],
        )
        new_ids: list[int | None] = [None] * len(records)
        if want_ids:
            keys = [(r.content.document_number, r.content.version) for r in records]
            new_ids = list(repository.ids_of(session, item_code=spec.code, department_id=department.id, keys=keys))
        for i, record_id, warnings in zip(todo, new_ids, warnings_of, strict=True):
            outcome = VERSIONED if rows[i].document_number in current else CREATED
            results[i] = Stored(outcome, record_id, warnings)
    done = [r for r in results if r is not None]
    _audit_store(session, spec, department, provenance, rows, done)
    session.flush()
    return done


@dataclass
class _Write:
    """What every new record of one ``write_prepared`` call shares."""

    session: Session
    item: CatalogItem
    spec: ItemSpec
    department: Department
    provenance: Provenance
    cipher: FieldCipher
    now: Any
    current: dict[str, Any]  # the current versions, by document number

    def new_records(self, rows: list[Prepared]) -> tuple[list[repository.NewRecord], list[list[str]]]:
        """The rows to insert and the warnings of each (about the subject first, then about the decision); the
        versions they replace are retired."""
        entity_ids, entity_notes = _entities_for(self.session, rows, self.now)
        stored_at = repository.submitted_at(self.session, self.now)
        records: list[repository.NewRecord] = []
        warnings_of: list[list[str]] = []
        for p in rows:
            warnings: list[str] = []
            entity_id: int | None
            person_id: int | None
            if p.uscc:
                entity_id, person_id = entity_ids[p.uscc], None
                warnings.extend(entity_notes.get(p.uscc, ()))
            else:
                entity_id, person_id = self._resolve(p, warnings)
            warnings.extend(p.warnings)
            previous = self.current.get(p.document_number)
            records.append(self._record(p, entity_id, person_id, previous, stored_at))
            warnings_of.append(warnings)
            if previous is not None:
                _supersede(self.session, previous, self.now, self.provenance.actor)
        return records, warnings_of

    def _resolve(self, p: Prepared, warnings: list[str]) -> tuple[int | None, int | None]:
        """(entity id, person id) of a subject found or registered by ``resolve_subject``; notes go to warnings."""
        assert p.subject is not None
        _cat, entity, person, notes = resolve_subject(
            self.session, self.spec, p.subject, cipher=self.cipher, actor=self.provenance.actor
        )
        warnings.extend(notes)
        return (entity.id if entity else None), (person.id if person else None)

    def _record(
        self, p: Prepared, entity_id: int | None, person_id: int | None, previous: Any, stored_at: Any
    ) -> repository.NewRecord:
        provenance = self.provenance
        # Positional, in ``chain.Content`` order: keywords cost several times as much, once per row of a file.
        content = chain.Content(
            self.item.id,  # item_id
            self.spec.code,  # item_code
            "person" if person_id else "entity",  # subject_kind
            entity_id,  # entity_id
            person_id,  # person_id
            p.subject_name,  # subject_name
            p.subject_category,  # subject_category
            self.department.id,  # department_id
            p.document_number,  # document_number
            p.decision_date,  # decision_date
            p.fields,  # fields
            p.content_hash,  # content_hash
            p.severity,  # severity
            previous.version + 1 if previous else 1,  # version
            previous.id if previous else None,  # supersedes_id
            p.publication_deadline,  # publication_deadline
            stored_at,  # submitted_at
            p.on_time,  # on_time
            provenance.batch_id,  # batch_id
            p.row_number,  # row_number
            provenance.file_sha256,  # file_sha256
            provenance.actor.user_id,  # submitted_by_user_id
            provenance.actor.token_id,  # submitted_by_token_id
        )
        return repository.NewRecord(content, states.VALID, True, p.publicity_from, p.publicity_until, p.outcome)


def _audit_store(
    session: Session,
    spec: ItemSpec,
    department: Department,
    provenance: Provenance,
    rows: list[Prepared],
    done: list[Stored],
) -> None:
    """One audit event for a ``write_prepared`` call that changed anything."""
    changed = [r for r in done if r.outcome != UNCHANGED]
    if not changed:
        return
    ids = [r.record_id for r in changed if r.record_id is not None]
    detail: dict[str, Any] = {
        "item": spec.code,
        "department": department.code,
        "batch": provenance.batch_id,
        "created": sum(1 for r in changed if r.outcome == CREATED),
        "versioned": sum(1 for r in changed if r.outcome == VERSIONED),
        "unchanged": len(done) - len(changed),
    }
    if ids:
        detail["record_ids"] = [min(ids), max(ids)]
    if len(rows) == 1:
        detail["document_number"] = rows[0].document_number
    audit(
        session,
        actor=provenance.actor,
        action="record.store",
        object_type="credit_record",
        object_id=ids[0] if len(rows) == 1 and ids else None,
        detail=detail,
    )


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
    """Store validated decisions in bulk (see ``write_prepared``); each result carries its record id."""
    preparer = preparer_for(session, spec)
    prepared = [preparer.prepare(row_number, values) for row_number, values in rows]
    return write_prepared(
        session, item=item, spec=spec, department=department, rows=prepared, provenance=provenance, cipher=cipher
    )


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


def set_publicity(
    session: Session,
    *,
    record_id: int,
    publicity_from: date | None,
    publicity_until: date | None,
    reason: str,
    actor: Actor,
) -> CreditRecord:
    """Set a record's publicity window (None, None: not shown on the portal), with the reason in the audit trail.

    Used when the submitter's openness withholds a record from the portal, and when a broken 信用修复型 commitment
    re-opens a repaired penalty's publicity.
    """
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"信用记录{record_id}不存在。")

    def _iso(day: date | None) -> str | None:
        return day.isoformat() if day else None

    before = [_iso(record.publicity_from), _iso(record.publicity_until)]
    record.publicity_from, record.publicity_until = publicity_from, publicity_until
    session.flush()
    audit(
        session,
        actor=actor,
        action="record.publicity",
        object_type="credit_record",
        object_id=record.id,
        detail={"from": before, "to": [_iso(publicity_from), _iso(publicity_until)], "reason": reason},
    )
    return record
