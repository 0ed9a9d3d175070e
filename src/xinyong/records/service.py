"""Record logic: store a validated decision (idempotently, versioned), change its state, read a subject's record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.catalog.models import CatalogItem
from xinyong.catalog.schemas import ItemSpec
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import get_calendar
from xinyong.core.clock import CHINA_TZ, get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import CalendarMissing, NotFound
from xinyong.core.identifiers import describe_uscc, mask_id_number
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
    out: dict[str, Any] = {}
    for f in spec.fields:
        if f.code not in values:
            continue
        value = values[f.code]
        out[f.code] = mask_id_number(str(value)) if f.personal else _jsonable(value)
    return out


def content_hash(values: dict[str, Any]) -> str:
    """A digest of the validated values: the same decision sent twice hashes the same."""
    canonical = json.dumps({k: _jsonable(v) for k, v in values.items()}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


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
            notes.append(_name_review(session, record_name=name, registered=person.name, person=person))
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
        notes.append(_name_review(session, record_name=name, registered=entity.name, entity=entity))
    return category, entity, None, notes


def _alternative(spec: ItemSpec, values: dict[str, Any]) -> str | None:
    uscc_field = spec.field(spec.roles["uscc"])
    for code in uscc_field.alternatives:
        if values.get(code):
            return str(values[code])
    return None


def _name_review(
    session: Session, *, record_name: str, registered: str, entity: Entity | None = None, person: Person | None = None
) -> str:
    exists = session.execute(
        select(SubjectNameReview.id).where(
            SubjectNameReview.entity_id == (entity.id if entity else None),
            SubjectNameReview.person_id == (person.id if person else None),
            SubjectNameReview.reported_name == record_name,
            SubjectNameReview.status == "open",
        )
    ).first()
    if not exists:
        session.add(
            SubjectNameReview(
                entity_id=entity.id if entity else None,
                person_id=person.id if person else None,
                reported_name=record_name,
                registered_name=registered,
                status="open",
                created_at=get_clock().now(),
            )
        )
    return f"报送的名称“{record_name}”与登记名称“{registered}”不一致，已提交人工核对，未覆盖登记名称。"


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
    """Store a validated decision: new, unchanged (same content sent again) or a new version (content changed)."""
    roles = spec.roles
    document_number = str(values[roles["document_number"]])
    decided: date = values[roles["decision_date"]]
    digest = content_hash(values)
    current = session.execute(
        select(CreditRecord).where(
            CreditRecord.department_id == department.id,
            CreditRecord.item_code == spec.code,
            CreditRecord.document_number == document_number,
            CreditRecord.is_current.is_(True),
        )
    ).scalar_one_or_none()
    if current is not None and current.content_hash == digest:
        return StoreResult(current, UNCHANGED)
    category, entity, person, warnings = resolve_subject(session, spec, values, cipher=cipher, actor=provenance.actor)
    try:
        deadline = publication_deadline(session, spec, decided)
    except CalendarMissing as exc:
        deadline = None
        warnings.append(f"{exc.year}年工作日历尚未加载，公示期限待加载后计算。")
    now = get_clock().now()
    submitted_day = now.astimezone(CHINA_TZ).date()
    record = CreditRecord(
        item_id=item.id,
        item_code=spec.code,
        subject_kind="person" if person else "entity",
        entity_id=entity.id if entity else None,
        person_id=person.id if person else None,
        subject_name=str(values[roles["subject_name"]]),
        subject_category=category,
        department_id=department.id,
        document_number=document_number,
        decision_date=decided,
        fields=stored_fields(spec, values),
        content_hash=digest,
        status=states.VALID,
        version=(current.version + 1) if current else 1,
        is_current=True,
        supersedes_id=current.id if current else None,
        publication_deadline=deadline,
        submitted_at=now,
        on_time=(submitted_day <= deadline) if deadline else None,
        batch_id=provenance.batch_id,
        row_number=provenance.row_number,
        file_sha256=provenance.file_sha256,
        submitted_by_user_id=provenance.actor.user_id,
        submitted_by_token_id=provenance.actor.token_id,
    )
    if current is not None:
        current.is_current = False
        _event(session, current, states.CORRECTED, "报送单位提交了更正后的内容", provenance.actor)
        session.flush()
    session.add(record)
    session.flush()
    outcome = VERSIONED if current else CREATED
    audit(
        session,
        actor=provenance.actor,
        action=f"record.{outcome}",
        object_type="credit_record",
        object_id=record.id,
        detail={
            "item": spec.code,
            "document_number": document_number,
            "version": record.version,
            "batch": provenance.batch_id,
            "row": provenance.row_number,
        },
    )
    return StoreResult(record, outcome, warnings)


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
