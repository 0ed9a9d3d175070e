"""Voluntary registration (T11): information an entity declares itself, with attachments and a truthfulness
commitment; a department's verification, a false declaration being a breach of that commitment."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from xinyong.commitments.models import Commitment, CommitmentMatter, VoluntaryAttachment, VoluntaryInfo
from xinyong.commitments.service.commitments import create_commitment
from xinyong.commitments.service.fields import department_value, flag
from xinyong.commitments.service.fulfilment import BreachOutcome, record_fulfilment
from xinyong.commitments.service.matters import matter_by_code, save_matter
from xinyong.commitments.service.rules import FULFILLED, load_rules
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import date_value as _date
from xinyong.core.forms import text_value as _text
from xinyong.core.policy import ALL_DEPARTMENTS, Departments, scope_of
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department, Entity

VOLUNTARY_FIELDS = {
    "kind": "信息类别",
    "title": "信息名称",
    "content": "信息内容",
    "valid_from": "有效期自",
    "valid_until": "有效期至",
    "department": "核验部门",
    "truthful": "真实性承诺",
    "attachments": "附件",
    "legal_rep": "法定代表人",
}
VOLUNTARY_STATUS = {"unverified": "自愿注册（未经核验）", "verified": "自愿注册（已核验）", "false": "经核验不实"}
_MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


@dataclass(frozen=True)
class Upload:
    """One uploaded file."""

    filename: str
    data: bytes


def ensure_truth_matter(session: Session, *, actor: Actor) -> CommitmentMatter:
    """The system matter for truthfulness commitments of voluntary registration (created on first use)."""
    spec = load_rules().voluntary.truth_matter
    matter = matter_by_code(session, spec.code)
    if matter is not None:
        return matter
    return save_matter(
        session,
        values={
            "code": spec.code,
            "name": spec.name,
            "department": spec.department,
            "matter_kind": "service",
            "commitment_type": spec.commitment_type,
            "standard_text": spec.standard_text,
            "breach_liability": spec.breach_liability,
            "verification_working_days": spec.verification_working_days,
            "online_signing": False,
            "is_system": True,
            "legal_basis": "密政办规〔2021〕3号任务11",
        },
        actor=actor,
    )


def legal_rep_of(session: Session, entity_id: int) -> str | None:
    """The entity's legal representative in force today (from its relations), if known."""
    for rel in subjects_service.relations_of(session, entity_id, on=get_clock().today()):
        if rel.role == "legal_rep":
            return rel.person.name
    return None


def _check_upload(upload: Upload, errors: _Errors) -> str | None:
    rules = load_rules().voluntary
    name = PurePath(upload.filename or "").name
    suffix = PurePath(name).suffix.lower()
    ctype = rules.allowed_types.get(suffix)
    if ctype is None:
        errors.add("attachments", f"“{name}”的类型不允许，只接受{'、'.join(rules.allowed_types)}文件")
        return None
    if not upload.data:
        errors.add("attachments", f"“{name}”是空文件")
        return None
    if len(upload.data) > rules.max_attachment_bytes:
        limit = rules.max_attachment_bytes / 1024 / 1024
        errors.add("attachments", f"“{name}”超过{limit:g}MB的大小限制")
        return None
    if not upload.data.startswith(_MAGIC.get(ctype, (b"",))):
        errors.add("attachments", f"“{name}”的内容与扩展名{suffix}不符")
        return None
    return ctype


@dataclass(frozen=True)
class _VoluntaryValues:
    """Self-declared information's checked values, its uploads with their content types."""

    kind: str
    title: str
    content: str
    valid_from: date | None
    valid_until: date | None
    department: Department
    legal_rep: str
    checked: list[tuple[Upload, str | None]]


def register_voluntary(
    session: Session,
    *,
    entity_id: int,
    values: dict[str, Any],
    uploads: list[Upload],
    actor: Actor,
    cipher: FieldCipher,
) -> VoluntaryInfo:
    """Register self-declared information with attachments and its truthfulness commitment (one transaction)."""
    entity = session.get(Entity, entity_id)
    if entity is None or not entity.uscc:
        raise PermissionDenied("当前账号未关联有统一社会信用代码的市场主体，不能自愿注册信息。")
    declared = _voluntary_values(session, entity, values, uploads)
    commitment = _truthfulness_commitment(session, entity, declared, actor=actor, cipher=cipher)
    now = get_clock().now()
    info = VoluntaryInfo(
        entity_id=entity.id,
        kind=declared.kind,
        title=declared.title,
        content=declared.content,
        valid_from=declared.valid_from,
        valid_until=declared.valid_until,
        department_id=declared.department.id,
        commitment_id=commitment.id,
        status="unverified",
        created_at=now,
        created_by=actor.label,
    )
    session.add(info)
    session.flush()
    for upload, ctype in declared.checked:
        assert ctype is not None
        session.add(
            VoluntaryAttachment(
                info_id=info.id,
                filename=PurePath(upload.filename).name[:200],
                content_type=ctype,
                size=len(upload.data),
                sha256=hashlib.sha256(upload.data).hexdigest(),
                data=upload.data,
                created_at=now,
            )
        )
    session.flush()
    audit(
        session,
        actor=actor,
        action="voluntary.register",
        object_type="voluntary_info",
        object_id=info.id,
        detail={
            "entity_id": entity.id,
            "kind": declared.kind,
            "title": declared.title,
            "commitment": commitment.code,
            "attachments": len(uploads),
        },
    )
    return info


def _voluntary_values(
    session: Session, entity: Entity, values: dict[str, Any], uploads: list[Upload]
) -> _VoluntaryValues:
    """Check the declared information and its uploads; every field error is raised at once."""
    rules = load_rules().voluntary
    errors = _Errors(VOLUNTARY_FIELDS)
    kind = _text(values, "kind")
    if kind not in rules.kinds:
        errors.add("kind", f"应为：{'、'.join(f'{k}（{v}）' for k, v in rules.kinds.items())}")
    title = _text(values, "title")
    if not title:
        errors.add("title", "必填项缺失")
    elif len(title) > 200:
        errors.add("title", "不超过200字")
    content = _text(values, "content")
    if not content:
        errors.add("content", "必填项缺失")
    valid_from = _date(values, "valid_from", errors, required=False)
    valid_until = _date(values, "valid_until", errors, required=False)
    if valid_from and valid_until and valid_until < valid_from:
        errors.add("valid_until", "不能早于有效期自")
    department = department_value(session, values, "department", errors)
    if not flag(values.get("truthful")):
        errors.add("truthful", "须承诺所注册信息真实、准确、完整")
    legal_rep = _text(values, "legal_rep") or legal_rep_of(session, entity.id) or ""
    if entity.category == "法人及非法人组织" and not legal_rep:
        errors.add("legal_rep", "本主体未登记法定代表人，请填写")
    if len(uploads) > rules.max_attachments:
        errors.add("attachments", f"最多上传{rules.max_attachments}个附件")
    checked = [(u, _check_upload(u, errors)) for u in uploads]
    errors.raise_if_any("自愿注册信息有误，未保存")
    assert department is not None
    return _VoluntaryValues(
        kind=kind,
        title=title,
        content=content,
        valid_from=valid_from,
        valid_until=valid_until,
        department=department,
        legal_rep=legal_rep,
        checked=checked,
    )


def _truthfulness_commitment(
    session: Session, entity: Entity, declared: _VoluntaryValues, *, actor: Actor, cipher: FieldCipher
) -> Commitment:
    """The entity's truthfulness commitment under the system matter, verified by the verifying department."""
    kinds = load_rules().voluntary.kinds
    matter = ensure_truth_matter(session, actor=actor)
    commitment = create_commitment(
        session,
        values={
            "matter": matter.code,
            "committer_category": entity.category,
            "committer_name": entity.name,
            "committer_code": entity.uscc,
            "legal_rep": declared.legal_rep,
            "reason": f"自愿注册{kinds[declared.kind]}信息“{declared.title}”",
            "content": matter.standard_text,
            "liability": matter.breach_liability,
            "made_on": get_clock().today().isoformat(),
            "openness": "可向社会公开",
        },
        channel="voluntary",
        actor=actor,
        cipher=cipher,
        entity_id=entity.id,
    )
    # The department that verifies the information also verifies its truthfulness commitment.
    commitment.department_id = declared.department.id
    return commitment


def verify_voluntary(
    session: Session,
    *,
    info_id: int,
    truthful: bool,
    note: str,
    actor: Actor,
    cipher: FieldCipher,
    department_id: Departments,
) -> tuple[VoluntaryInfo, BreachOutcome | None]:
    """A department's finding on self-declared information; false information is a breach of its commitment."""
    info = get_voluntary(session, info_id)
    scope = scope_of(department_id)
    if not scope.allows(info.department_id):
        raise scope.refusal(f"该自愿注册信息由{info.department.name}核验，本部门不能核验。")
    if info.status != "unverified":
        raise Conflict(f"该自愿注册信息已核验（{VOLUNTARY_STATUS[info.status]}），不能重复核验。")
    note = note.strip()
    if not truthful and not note:
        raise ValidationFailed(
            "核验意见（note）：认定信息不实时必填，请写明不实之处。",
            details=[{"field": "note", "name": "核验意见", "reason": "认定信息不实时必填"}],
        )
    values: dict[str, Any] = {"fulfilment": FULFILLED}
    if not truthful:
        values = {
            "fulfilment": "全部未履行",
            "is_false": True,
            "unfulfilled_content": f"自愿注册的“{info.title}”信息经核验不实：{note}",
            "accountability": "按违背信用承诺处理，记入信用记录并依法公示",
        }
    _commitment, outcome = record_fulfilment(
        session,
        commitment_id=info.commitment_id,
        values=values,
        actor=actor,
        cipher=cipher,
        department_id=ALL_DEPARTMENTS,  # the verifying department was checked above; the commitment is the entity's
    )
    info.status = "verified" if truthful else "false"
    info.verified_at = get_clock().now()
    info.verified_by = actor.label
    info.verify_note = note or None
    session.flush()
    audit(
        session,
        actor=actor,
        action="voluntary.verify",
        object_type="voluntary_info",
        object_id=info.id,
        detail={"status": info.status, "note": note},
    )
    return info, outcome


def get_voluntary(session: Session, info_id: int) -> VoluntaryInfo:
    """Voluntarily registered information by id."""
    info = session.get(VoluntaryInfo, info_id)
    if info is None:
        raise NotFound(f"自愿注册信息{info_id}不存在。")
    return info


def list_voluntary(
    session: Session,
    *,
    entity_id: int | None = None,
    department_id: Departments = ALL_DEPARTMENTS,
    status: str | None = None,
) -> list[VoluntaryInfo]:
    """Voluntarily registered information, newest first."""
    stmt = select(VoluntaryInfo).options(selectinload(VoluntaryInfo.attachments)).order_by(VoluntaryInfo.id.desc())
    if entity_id is not None:
        stmt = stmt.where(VoluntaryInfo.entity_id == entity_id)
    stmt = stmt.where(scope_of(department_id).where(VoluntaryInfo.department_id))
    if status is not None:
        stmt = stmt.where(VoluntaryInfo.status == status)
    return list(session.execute(stmt.limit(500)).scalars())


@dataclass(frozen=True)
class DeclaredItem:
    """A self-declared item as a profile shows it."""

    kind: str
    title: str
    content: str
    valid_from: date | None
    valid_until: date | None
    verified: bool
    label: str
    registered_on: date
    attachments: int


def declared_items(session: Session, *, entity_id: int) -> list[DeclaredItem]:
    """The entity's voluntarily registered information for its profile: verified and not-yet-verified items, labelled.

    Information found false is not shown as the entity's own declaration (the breach is in its credit record).
    """
    kinds = load_rules().voluntary.kinds
    out = []
    for info in list_voluntary(session, entity_id=entity_id):
        if info.status == "false":
            continue
        out.append(
            DeclaredItem(
                kind=kinds.get(info.kind, info.kind),
                title=info.title,
                content=info.content,
                valid_from=info.valid_from,
                valid_until=info.valid_until,
                verified=info.status == "verified",
                label=VOLUNTARY_STATUS[info.status],
                registered_on=info.created_at.date(),
                attachments=len(info.attachments),
            )
        )
    return out


def get_attachment(session: Session, attachment_id: int) -> VoluntaryAttachment:
    """An attachment by id."""
    row = session.get(VoluntaryAttachment, attachment_id)
    if row is None:
        raise NotFound(f"附件{attachment_id}不存在。")
    return row
