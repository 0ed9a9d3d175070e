"""Objections (T30): a subject disputes a record about itself; the record shows 异议中 at once; the providing
department verifies within the working-day deadline (one extension) and decides 维持 / 更正 / 撤销 with written
reasons; the applicant is notified and sees the history."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.catalog.models import CatalogItem
from xinyong.core import deadlines
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.datafiles import shipped_loader
from xinyong.core.db import get_or_404
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.policy import ALL_DEPARTMENTS, Departments, scope_of
from xinyong.core.security import Principal
from xinyong.evidence import service as evidence_service
from xinyong.evidence.service import DEFAULT_LIMITS
from xinyong.ingestion import service as ingestion_service
from xinyong.notices import service as notices
from xinyong.objections.models import Objection
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord, RecordEvent
from xinyong.subjects.models import Department, Entity, Person

PENDING, DECIDED = "pending", "decided"
ONLINE, WINDOW = "online", "window"
STATUS_LABELS = {PENDING: "异议处理中", DECIDED: "已办结"}
MAINTAIN, CORRECT, REVOKE = "maintain", "correct", "revoke"
MAX_TEXT = 2000


class ObjectionRules(BaseModel):
    """The objection rules file (deadlines are settings the credit office may change)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    effective_from: date
    title: str
    mark_immediately: bool
    decide_working_days: int = Field(ge=1)
    extended_working_days: int = Field(ge=1)
    max_extensions: int = Field(ge=0, le=1)
    withdraw_working_days: int = Field(ge=0)
    confidence: str = Field(pattern=r"^[VPU]$")
    source: str = Field(min_length=1)
    outcomes: dict[str, str]


def _check_rules(rules: ObjectionRules) -> None:
    if set(rules.outcomes) != {MAINTAIN, CORRECT, REVOKE}:
        raise ValidationFailed("异议处理规则文件有误：outcomes 须且只须包含 maintain、correct、revoke。")
    if rules.extended_working_days < rules.decide_working_days:
        raise ValidationFailed("异议处理规则文件有误：延长后的期限不能短于处理期限。")


load_rules = shipped_loader(
    "xinyong.objections", "objection-rules.json", ObjectionRules, "异议处理规则", check=_check_rules
)


def outcome_label(code: str | None) -> str:
    """维持 / 更正 / 撤销."""
    return load_rules().outcomes.get(code or "", "")


def _problems(items: list[tuple[str, str]], head: str) -> ValidationFailed:
    details = [{"field": f, "reason": r} for f, r in items]
    return ValidationFailed(f"{head}：" + "；".join(r for _f, r in items), details=details)


def file_objection(
    session: Session,
    *,
    record_id: int,
    entity_id: int,
    reasons: str,
    evidence: str,
    actor: Actor,
    files: list[evidence_service.Upload] | None = None,
    limits: evidence_service.Limits | None = None,
) -> Objection:
    """File an objection with its evidence (a description, files, or both); the record turns 异议中 at once.
    Nothing is written when anything is wrong."""
    record = get_or_404(session, CreditRecord, record_id, f"信用记录{record_id}不存在。")
    if record.entity_id != entity_id:
        raise PermissionDenied("只能对关于本单位的信用记录提出异议，该记录的信息主体不是本单位。")
    _check_open(record)
    uploads = _check_text_and_files(reasons, evidence, files, limits)
    objection = Objection(entity_id=entity_id)
    return _open(session, objection, record, reasons, evidence, uploads, limits, actor, "信息主体提出异议")


def _check_open(record: CreditRecord) -> None:
    if not record.is_current:
        raise Conflict("该记录已被更正后的新版本取代，请对当前版本提出异议。")
    if record.status == states.DISPUTED:
        raise Conflict("该记录已有正在处理的异议，请等待处理结果。")
    if record.status != states.VALID:
        raise Conflict(
            f"该记录状态为“{states.STATUS_LABELS[record.status]}”，不在门户公示，不能提出异议（如有疑问请联系信用办）。"
        )


def _check_text_and_files(
    reasons: str,
    evidence: str,
    files: list[evidence_service.Upload] | None,
    limits: evidence_service.Limits | None,
    problems: list[tuple[str, str]] | None = None,
) -> list[evidence_service.Upload]:
    """Every problem with the reasons, the evidence and its files at once (refused with all of them)."""
    problems = list(problems or [])
    reasons, evidence = (reasons or "").strip(), (evidence or "").strip()
    if not reasons:
        problems.append(("reasons", "异议理由：必填项缺失"))
    elif len(reasons) > MAX_TEXT:
        problems.append(("reasons", f"异议理由：不超过{MAX_TEXT}字"))
    uploads = evidence_service.chosen(files or [])
    if not evidence and not uploads:
        problems.append(("evidence", "证明材料：必填项缺失（请说明证明材料的名称、文号等，或上传证明材料文件）"))
    elif len(evidence) > MAX_TEXT:
        problems.append(("evidence", f"证明材料：不超过{MAX_TEXT}字"))
    if uploads:
        problems.extend(("evidence_files", p) for p in evidence_service.check(uploads, limits or DEFAULT_LIMITS))
    if problems:
        raise _problems(problems, "异议申请有误，未提交")
    return uploads


def _open(
    session: Session,
    objection: Objection,
    record: CreditRecord,
    reasons: str,
    evidence: str,
    uploads: list[evidence_service.Upload],
    limits: evidence_service.Limits | None,
    actor: Actor,
    who: str,
) -> Objection:
    """Store the (checked) objection with its files and mark the record 异议中."""
    rules = load_rules()
    today = get_clock().today()
    due = deadlines.compute(session, today, rules.decide_working_days)
    objection.number = f"tmp-{secrets.token_hex(8)}"
    objection.record_id = record.id
    objection.department_id = record.department_id
    objection.reasons = reasons.strip()
    objection.evidence = evidence.strip()
    objection.prior_status = record.status
    objection.status = PENDING
    objection.filed_on = today
    objection.due_on = due.day
    objection.created_at = get_clock().now()
    objection.created_by = actor.label
    session.add(objection)
    session.flush()
    deadlines.track(
        session,
        objection,
        "due_on",
        due,
        start=today,
        working_days=rules.decide_working_days,
        label="异议处理期限",
        party_window=True,
        open_when={"status": [PENDING]},
    )
    objection.number = f"YY{today:%Y%m%d}{objection.id:06d}"
    records_service.transition(
        session,
        record_id=record.id,
        target=states.DISPUTED,
        reason=f"{who}（{objection.number}），标注“异议处理中”",
        actor=actor,
    )
    attached = evidence_service.attach(
        session,
        owner_kind=evidence_service.OBJECTION,
        owner_id=objection.id,
        uploads=uploads,
        limits=limits or DEFAULT_LIMITS,
        actor=actor,
    )
    session.flush()
    audit(
        session,
        actor=actor,
        action="objection.file",
        object_type="objection",
        object_id=objection.id,
        detail={
            "number": objection.number,
            "record_id": record.id,
            "due_on": due.day.isoformat(),
            "filed_via": objection.filed_via or "online",
            "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in attached],
        },
    )
    return objection


PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def _mask_phone(phone: str) -> str:
    if len(phone) == 11 and phone.startswith("1"):
        return phone[:3] + "****" + phone[-4:]
    return phone[:4] + "****" + phone[-2:]


def file_at_window(
    session: Session,
    *,
    document_number: str,
    id_number: str,
    name: str,
    phone: str,
    reasons: str,
    evidence: str,
    actor: Actor,
    cipher: FieldCipher,
    window_department_id: int | None,
    files: list[evidence_service.Upload] | None = None,
    limits: evidence_service.Limits | None = None,
) -> Objection:
    """A clerk at the credit service window files an objection for a natural person who showed the ID card: the
    number entered must be that of the record's subject (compared through the person blind index; the number is
    neither stored nor shown). The objection then follows the same workflow. Nothing is written when anything is
    wrong, and a mismatching number is refused."""
    from xinyong.subjects import service as subjects_service

    document_number, name, phone = (document_number or "").strip(), (name or "").strip(), (phone or "").strip()
    problems: list[tuple[str, str]] = []
    if not document_number:
        problems.append(("document_number", "决定文书号：必填项缺失"))
    if not (id_number or "").strip():
        problems.append(("id_number", "身份证号码：必填项缺失（请核验本人身份证件后录入）"))
    if not name:
        problems.append(("name", "姓名：必填项缺失"))
    elif len(name) > 60:
        problems.append(("name", "姓名：不超过60字"))
    phone = phone.replace(" ", "")
    if not phone:
        problems.append(("phone", "联系电话：必填项缺失"))
    elif not PHONE.match(phone):
        problems.append(("phone", "联系电话：应为11位手机号码或带区号的固定电话"))
    if problems:
        raise _problems(problems, "异议申请有误，未提交")
    person = subjects_service.find_person(session, cipher=cipher, id_number=id_number)  # Chinese error if invalid
    stmt = (
        select(CreditRecord)
        .where(
            CreditRecord.document_number == document_number,
            CreditRecord.subject_kind == "person",
            CreditRecord.is_current.is_(True),
        )
        .order_by(CreditRecord.id.desc())
    )
    candidates = list(session.execute(stmt).scalars())
    if not candidates:
        raise NotFound(f"未找到决定文书号为“{document_number}”的自然人信用记录，请核对文书号。")
    record = next((r for r in candidates if person is not None and r.person_id == person.id), None)
    if record is None or person is None:
        raise PermissionDenied(
            "身份证号码与该信用记录的信息主体不一致，不能代为提出异议：只能由信息主体本人（核验身份证件后）提出，未提交。"
        )
    if name != person.name.strip():
        raise PermissionDenied("姓名与身份证号码登记的姓名不一致，请核对身份证件，未提交。")
    _check_open(record)
    uploads = _check_text_and_files(reasons, evidence, files, limits)
    objection = Objection(
        person_id=person.id,
        filed_via=WINDOW,
        window_department_id=window_department_id,
        applicant_name=name,
        applicant_phone_cipher=cipher.encrypt(phone),
        applicant_phone_masked=_mask_phone(phone),
    )
    return _open(
        session, objection, record, reasons, evidence, uploads, limits, actor, "信息主体本人在信用服务窗口提出异议"
    )


def applicant_label(session: Session, objection: Objection) -> str:
    """Who objected, as staff pages show it (a person's ID number only masked)."""
    if objection.entity_id is not None:
        entity = session.get(Entity, objection.entity_id)
        return f"{entity.name}（{entity.uscc}）" if entity else ""
    person = session.get(Person, objection.person_id) if objection.person_id else None
    masked = person.id_masked if person else ""
    phone = objection.applicant_phone_masked
    return f"{objection.applicant_name}（自然人，身份证号码{masked}，联系电话{phone}，窗口受理）"


def _notify(session: Session, objection: Objection, *, title: str, body: str, link: str) -> None:
    """An entity reads notices on its console; a natural person (no account) learns the outcome at the window,
    where the clerk's department sees and prints it (the contact phone is kept for the clerk to call)."""
    if objection.entity_id is not None:
        notices.notify(session, entity_id=objection.entity_id, title=title, body=body, link=link)


def get_objection(session: Session, objection_id: int) -> Objection:
    """An objection by id."""
    objection = get_or_404(session, Objection, objection_id, f"异议申请{objection_id}不存在。")
    return objection


def _own_department(session: Session, objection: Objection, department_id: Departments) -> None:
    scope = scope_of(department_id)
    if not scope.allows(objection.department_id):
        dept = session.get(Department, objection.department_id)
        owner = dept.name if dept else "数据提供单位"
        raise scope.refusal(f"异议{objection.number}由{owner}核查处理，本部门不能办理。")


def extend(session: Session, *, objection_id: int, reason: str, actor: Actor, department_id: Departments) -> Objection:
    """Extend the deadline once (to the extended working days counted from filing), with a written reason."""
    rules = load_rules()
    objection = get_objection(session, objection_id)
    _own_department(session, objection, department_id)
    if objection.status != PENDING:
        raise Conflict(f"异议{objection.number}已办结，不能延期。")
    if objection.extended_on is not None or rules.max_extensions == 0:
        raise Conflict(f"异议{objection.number}已延期一次，不能再次延期。")
    reason = (reason or "").strip()
    if not reason:
        raise _problems([("reason", "延期理由：必填项缺失")], "延期申请有误")
    before = objection.due_on
    objection.extended_on = get_clock().today()
    objection.extension_reason = reason
    deadlines.set_deadline(
        session,
        objection,
        "due_on",
        start=objection.filed_on,
        working_days=rules.extended_working_days,
        label="异议处理期限（延期后）",
        party_window=True,
        open_when={"status": [PENDING]},
    )
    session.flush()
    _notify(
        session,
        objection,
        title=f"异议{objection.number}处理期限已延长",
        body=f"处理期限由{before.isoformat()}延长至{objection.due_on.isoformat()}。理由：{reason}",
        link="/console/my/objections",
    )
    audit(
        session,
        actor=actor,
        action="objection.extend",
        object_type="objection",
        object_id=objection.id,
        detail={"number": objection.number, "from": before.isoformat(), "to": objection.due_on.isoformat()},
    )
    return objection


def decide(
    session: Session,
    *,
    objection_id: int,
    outcome: str,
    reason: str,
    actor: Actor,
    department_id: Departments,
    cipher: FieldCipher,
    corrected_fields: dict[str, Any] | None = None,
) -> Objection:
    """维持 (back to 有效), 更正 (a new version with the corrected fields), 撤销 (off the portal); reasons required."""
    rules = load_rules()
    objection = get_objection(session, objection_id)
    _own_department(session, objection, department_id)
    if objection.status != PENDING:
        raise Conflict(f"异议{objection.number}已办结（{outcome_label(objection.outcome)}），不能重复决定。")
    reason = (reason or "").strip()
    problems = []
    if outcome not in rules.outcomes:
        problems.append(("outcome", f"处理结果应为：{'、'.join(rules.outcomes.values())}"))
    if not reason:
        problems.append(("reason", "处理理由：必填项缺失（须书面说明理由）"))
    changes = {k: v for k, v in (corrected_fields or {}).items() if v not in (None, "")}
    if outcome == CORRECT and not changes:
        problems.append(("fields", "更正：须填写更正后的内容"))
    if problems:
        raise _problems(problems, "异议处理结果有误，未保存")
    record = session.get(CreditRecord, objection.record_id)
    assert record is not None
    label = rules.outcomes[outcome]
    why = f"异议{objection.number}处理结果：{label}。{reason}"
    if outcome == MAINTAIN:
        records_service.transition(session, record_id=record.id, target=states.VALID, reason=why, actor=actor)
    elif outcome == REVOKE:
        records_service.transition(session, record_id=record.id, target=states.REVOKED, reason=why, actor=actor)
    else:
        objection.new_record_id = _correct(session, record, changes, actor=actor, cipher=cipher)
    objection.status = DECIDED
    objection.outcome = outcome
    objection.outcome_reason = reason
    objection.decided_at = get_clock().now()
    objection.decided_on = get_clock().today()
    objection.decided_by = actor.label
    session.flush()
    effects = {
        MAINTAIN: "原信息维持不变，恢复正常公示。",
        CORRECT: "原信息已按核查结果更正，门户显示更正后的内容。",
        REVOKE: "原信息已撤销，不再在门户公示（仍保存在信用档案中，标注“已撤销”）。",
    }
    _notify(
        session,
        objection,
        title=f"异议{objection.number}已处理：{label}",
        body=f"{effects[outcome]}理由：{reason}",
        link="/console/my/objections",
    )
    audit(
        session,
        actor=actor,
        action="objection.decide",
        object_type="objection",
        object_id=objection.id,
        detail={
            "number": objection.number,
            "outcome": outcome,
            "new_record_id": objection.new_record_id,
            "on_time": objection.decided_on <= objection.due_on,
        },
    )
    return objection


def _correct(
    session: Session, record: CreditRecord, changes: dict[str, Any], *, actor: Actor, cipher: FieldCipher
) -> int:
    """Store the corrected content as a new version of the decision (the old one turns 已更正)."""
    item = session.get(CatalogItem, record.item_id)
    department = session.get(Department, record.department_id)
    assert item is not None and department is not None
    fields = {**record.fields, **changes}
    if record.person_id is not None:  # the record keeps the ID number masked; the new version needs it whole
        from xinyong.catalog import service as catalog_service

        id_field = catalog_service.spec_of(item).roles.get("id_number")
        person = session.get(Person, record.person_id)
        if id_field and person is not None:
            fields[id_field] = cipher.decrypt(person.id_cipher)
    result, _spec = ingestion_service.submit_one(
        session, kind=item.code, fields=fields, department_code=department.code, actor=actor, cipher=cipher
    )
    if result.record.id == record.id:
        raise ValidationFailed("更正后的内容与原信息相同，请选择“维持”或修改更正内容。")
    return result.record.id


def correctable_fields(session: Session, record: CreditRecord) -> list[tuple[str, str, str]]:
    """(code, name, current value) of the fields a department may correct (not the subject's identity)."""
    from xinyong.catalog import service as catalog_service

    item = session.get(CatalogItem, record.item_id)
    assert item is not None
    spec = catalog_service.spec_of(item)
    identity = {spec.roles.get(k) for k in ("subject_name", "subject_category", "uscc", "id_type", "id_number")}
    out = []
    for f in spec.fields:
        if f.code in identity or f.personal:
            continue
        value = record.fields.get(f.code)
        out.append((f.code, f.name, "" if value is None else str(value)))
    return out


def objections(
    session: Session,
    *,
    entity_id: int | None = None,
    department_id: Departments = ALL_DEPARTMENTS,
    status: str | None = None,
    limit: int = 200,
) -> list[Objection]:
    """Objections, newest first."""
    stmt = select(Objection).order_by(Objection.id.desc()).limit(limit)
    if entity_id is not None:
        stmt = stmt.where(Objection.entity_id == entity_id)
    stmt = stmt.where(scope_of(department_id).where(Objection.department_id))
    if status is not None:
        stmt = stmt.where(Objection.status == status)
    return list(session.execute(stmt).scalars())


def history(session: Session, objection: Objection) -> list[RecordEvent]:
    """The record's state changes since the objection was filed (what the applicant sees)."""
    ids = [objection.record_id] + ([objection.new_record_id] if objection.new_record_id else [])
    stmt = (
        select(RecordEvent)
        .where(RecordEvent.record_id.in_(ids), RecordEvent.at >= objection.created_at)
        .order_by(RecordEvent.at, RecordEvent.id)
    )
    return list(session.execute(stmt).scalars())


def overdue(session: Session, *, department_id: Departments = ALL_DEPARTMENTS) -> list[Objection]:
    """Pending objections past their deadline."""
    today = get_clock().today()
    stmt = select(Objection).where(Objection.status == PENDING, Objection.due_on < today).order_by(Objection.due_on)
    stmt = stmt.where(scope_of(department_id).where(Objection.department_id))
    return list(session.execute(stmt).scalars())


@dataclass(frozen=True)
class ObjectionStats:
    """Objections against one providing department's records."""

    department: str
    total: int
    pending: int
    maintain: int
    correct: int
    revoke: int
    extended: int
    on_time: int
    late: int
    pending_overdue: int


def statistics(session: Session) -> list[ObjectionStats]:
    """Per providing department: objections, outcomes, extensions, decisions on time."""
    today = get_clock().today()
    o = Objection
    stmt = (
        select(
            Department.name,
            func.count(o.id),
            func.count(o.id).filter(o.status == PENDING),
            func.count(o.id).filter(o.outcome == MAINTAIN),
            func.count(o.id).filter(o.outcome == CORRECT),
            func.count(o.id).filter(o.outcome == REVOKE),
            func.count(o.id).filter(o.extended_on.is_not(None)),
            func.count(o.id).filter(o.decided_on <= o.due_on),
            func.count(o.id).filter(o.decided_on > o.due_on),
            func.count(o.id).filter(o.status == PENDING, o.due_on < today),
        )
        .join(Department, Department.id == o.department_id)
        .group_by(Department.name)
        .order_by(func.count(o.id).desc())
    )
    return [ObjectionStats(str(row[0]), *(int(x or 0) for x in row[1:])) for row in session.execute(stmt)]


def entity_name(session: Session, entity_id: int) -> str:
    """The entity's name, for pages."""
    entity = session.get(Entity, entity_id)
    return entity.name if entity else ""


def _may_read_evidence(session: Session, principal: Principal, objection_id: int) -> bool:
    """The objector, the deciding department and the window that filed for a person (``evidence.service``)."""
    o = get_objection(session, objection_id)
    return (principal.entity_id is not None and principal.entity_id == o.entity_id) or (
        principal.department_id is not None
        and principal.can("objections.handle")
        and principal.department_id in (o.department_id, o.window_department_id)
    )


evidence_service.register_owner_reader(evidence_service.OBJECTION, _may_read_evidence)
