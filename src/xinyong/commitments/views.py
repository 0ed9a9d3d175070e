"""Pages: the matter list (console and public), commitments at approval, fulfilment, overdue verification,
online signing and voluntary registration by entities, verification by departments."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.commitments import service
from xinyong.commitments.models import Commitment, CommitmentMatter
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.downloads import download
from xinyong.core.errors import DomainError, NotFound, PermissionDenied
from xinyong.core.policy import department_scope
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, accepts_upload, form_fields, public, render, requires
from xinyong.education import service as education_service
from xinyong.privacy import service as privacy_service
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity, Person

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(requires("commitments.read"))]
Manager = Annotated[Principal, Depends(requires("commitments.manage"))]
MatterAdmin = Annotated[Principal, Depends(requires("commitments.matters"))]
Signer = Annotated[Principal, Depends(requires("commitments.sign"))]
Registrant = Annotated[Principal, Depends(requires("voluntary.register"))]
Verifier = Annotated[Principal, Depends(requires("voluntary.verify"))]
Public = Annotated[Principal, Depends(public)]

MATTER_FORM_KEYS = (
    "code",
    "name",
    "department",
    "matter_kind",
    "commitment_type",
    "standard_text",
    "breach_liability",
    "verification_working_days",
    "excluded_grades",
    "excluded_lists",
    "online_signing",
    "breach_ban_months",
    "breach_key_attention",
    "required_course",
    "legal_basis",
    "is_active",
)
COMMITMENT_FORM_KEYS = (
    "matter",
    "committer_category",
    "committer_name",
    "committer_code",
    "legal_rep",
    "id_type",
    "id_number",
    "reason",
    "content",
    "liability",
    "made_on",
    "openness",
    "related_record",
)


def _oversee(principal: Principal) -> bool:
    return principal.can("records.oversee")


def _common() -> dict[str, Any]:
    rules = service.load_rules()
    return {
        "rules": rules,
        "courses": education_service.courses(),
        "channel_labels": service.CHANNEL_LABELS,
        "fulfilment_label": service.fulfilment_label,
    }


# --------------------------------------------------------------------------------------------------
# Matters
# --------------------------------------------------------------------------------------------------


def _matters_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    dept = None if principal.can("commitments.matters") else principal.department_id
    return render(
        request,
        "commitments/matters.html",
        {
            **_common(),
            "matters": service.list_matters(session, department_id=dept),
            "departments": subjects_service.list_departments(session),
            "error": error,
            "message": message,
            "form": form or {"verification_working_days": service.load_rules().default_verification_working_days},
            "breach_measures": service.breach_measures,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/commitment-matters", response_class=HTMLResponse)
def matters_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """The commitment matter list (the credit office manages it; departments see their own)."""
    return _matters_page(request, session, principal)


@router.post("/console/commitment-matters", response_class=HTMLResponse)
async def create_matter(request: Request, session: DbSession, principal: MatterAdmin) -> HTMLResponse:
    """Add a matter to the list."""
    form = await form_fields(request, lists=True)
    values = {k: form.get(k) for k in MATTER_FORM_KEYS}
    values["is_active"] = True
    try:
        matter = service.save_matter(session, values=values, actor=principal.actor())
    except DomainError as exc:
        session.rollback()
        return _matters_page(request, session, principal, error=exc.message, form=values)
    return _matters_page(request, session, principal, message=f"已添加承诺事项“{matter.name}”（{matter.code}）。")


@router.get("/console/commitment-matters/{matter_id}", response_class=HTMLResponse)
def matter_page(request: Request, session: DbSession, principal: Reader, matter_id: int) -> HTMLResponse:
    """One matter, editable by the credit office."""
    matter = service.get_matter(session, matter_id)
    return _matter_edit(request, session, matter, _matter_form(matter))


def _matter_form(matter: CommitmentMatter) -> dict[str, Any]:
    out = {k: getattr(matter, k, None) for k in MATTER_FORM_KEYS}
    out["department"] = matter.department.code
    return out


def _matter_edit(
    request: Request,
    session: DbSession,
    matter: CommitmentMatter,
    form: dict[str, Any],
    *,
    error: str | None = None,
    message: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "commitments/matter.html",
        {
            **_common(),
            "matter": matter,
            "public": service.matter_public(matter),
            "form": form,
            "departments": subjects_service.list_departments(session),
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.post("/console/commitment-matters/{matter_id}", response_class=HTMLResponse)
async def update_matter(request: Request, session: DbSession, principal: MatterAdmin, matter_id: int) -> HTMLResponse:
    """Change a matter (the change is audited; commitments already made keep their own text)."""
    matter = service.get_matter(session, matter_id)
    form = await form_fields(request, lists=True)
    values = {k: form.get(k) for k in MATTER_FORM_KEYS}
    values["code"] = matter.code
    try:
        matter = service.save_matter(session, values=values, actor=principal.actor(), matter_id=matter_id)
    except DomainError as exc:
        session.rollback()
        return _matter_edit(request, session, service.get_matter(session, matter_id), values, error=exc.message)
    return _matter_edit(request, session, matter, _matter_form(matter), message="已保存。")


@router.get("/portal/commitment-matters", response_class=HTMLResponse)
def portal_matters(request: Request, session: DbSession, _: Public) -> HTMLResponse:
    """The public list of matters handled by credit commitment, grouped by department."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in service.list_matters(session, active_only=True, include_system=False):
        groups.setdefault(m.department.name, []).append(service.matter_public(m))
    return render(request, "commitments/portal_matters.html", {"groups": groups})


# --------------------------------------------------------------------------------------------------
# Commitments at approval, fulfilment, overdue verification
# --------------------------------------------------------------------------------------------------


def _person_of(row: Any) -> int | None:
    return row.person_id  # type: ignore[no-any-return]


def _list_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    dept = department_scope(principal)
    own = (
        service.list_matters(session, department_id=principal.department_id, active_only=True)
        if principal.department_id
        else []
    )
    commitments, withheld = privacy_service.withhold_persons(
        session, request, principal, service.list_commitments(session, department_id=dept), _person_of, ["commitments"]
    )
    return render(
        request,
        "commitments/list.html",
        {
            **_common(),
            "commitments": commitments,
            "withheld": withheld,
            "matters": [m for m in own if not m.is_system],
            "can_manage": principal.can("commitments.manage"),
            "overdue": len(service.overdue_verifications(session, department_id=dept)),
            "error": error,
            "form": form or {"openness": "可向社会公开", "committer_category": "法人及非法人组织"},
        },
        status_code=422 if error else 200,
    )


@router.get("/console/commitments", response_class=HTMLResponse)
def commitments_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """The department's commitments, and the form to record one made at approval."""
    return _list_page(request, session, principal)


@router.post("/console/commitments", response_class=HTMLResponse)
async def create_commitment(
    request: Request, session: DbSession, settings: AppSettings, principal: Manager
) -> Response:
    """Record a commitment made at approval."""
    form = await form_fields(request, lists=True)
    values = {k: form.get(k) for k in COMMITMENT_FORM_KEYS}
    if principal.department_id is None:
        return _list_page(request, session, principal, error="当前账号未归属任何部门，不能受理信用承诺。", form=values)
    try:
        c = service.create_commitment(
            session,
            values=values,
            channel="department",
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
            department_id=principal.department_id,
        )
    except DomainError as exc:
        session.rollback()
        return _list_page(request, session, principal, error=exc.message, form=values)
    return RedirectResponse(f"/console/commitments/{c.id}?created=1", status_code=303)


@router.get("/console/commitments/overdue", response_class=HTMLResponse)
def overdue_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """Verification reminders: overdue commitments and those due within five days."""
    dept = department_scope(principal)
    overdue = service.overdue_verifications(session, department_id=dept)
    due_soon = service.due_soon(session, department_id=dept)
    _shown, withheld = privacy_service.withhold_persons(
        session, request, principal, [*overdue, *due_soon], _person_of, ["commitments"]
    )
    if withheld:
        overdue, due_soon = [c for c in overdue if c.person_id is None], [c for c in due_soon if c.person_id is None]
    return render(
        request,
        "commitments/overdue.html",
        {
            **_common(),
            "overdue": overdue,
            "due_soon": due_soon,
            "withheld": withheld,
            "by_department": service.overdue_counts(session) if _oversee(principal) else [],
        },
    )


def _own_commitment(session: DbSession, principal: Principal, commitment_id: int) -> Commitment:
    c = service.get_commitment(session, commitment_id)
    if not department_scope(principal).allows(c.department_id):
        raise NotFound(f"信用承诺{commitment_id}不存在。")
    return c


def _detail(
    request: Request,
    session: DbSession,
    principal: Principal,
    c: Commitment,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "commitments/detail.html",
        {
            **_common(),
            "c": c,
            "record": session.get(CreditRecord, c.record_id) if c.record_id else None,
            "breach_record": session.get(CreditRecord, c.breach_record_id) if c.breach_record_id else None,
            "can_record": principal.can("commitments.manage") and c.fulfilment is None,
            "error": error,
            "message": message,
            "form": form or {},
        },
        status_code=422 if error else 200,
    )


@router.get("/console/commitments/{commitment_id}", response_class=HTMLResponse)
def commitment_page(
    request: Request, session: DbSession, principal: Reader, commitment_id: int, created: int = 0
) -> HTMLResponse:
    """One commitment with every template field, its record and the fulfilment form."""
    c = _own_commitment(session, principal, commitment_id)
    privacy_service.gate_ids(
        session,
        request,
        principal,
        [c.person_id] if c.person_id else [],
        ["commitments"],
        reference=f"commitment:{c.id}",
    )
    message = f"已受理信用承诺，承诺编码{c.code}，已记入承诺人信用记录。" if created else None
    return _detail(request, session, principal, c, message=message)


@router.post("/console/commitments/{commitment_id}/fulfilment", response_class=HTMLResponse)
async def record_fulfilment(
    request: Request, session: DbSession, settings: AppSettings, principal: Manager, commitment_id: int
) -> HTMLResponse:
    """Record the verification finding (a breach runs the breach flow)."""
    c = _own_commitment(session, principal, commitment_id)
    person = session.get(Person, c.person_id) if c.person_id is not None else None
    if person is not None:  # the page shows the commitment again: under the purpose stated when it was opened
        privacy_service.reuse_registration(session, request, principal, person, ["commitments"], f"commitment:{c.id}")
    form = await form_fields(request, lists=True)
    values = {k: form.get(k) for k in ("fulfilment", "unfulfilled_content", "accountability", "is_false")}
    try:
        c, outcome = service.record_fulfilment(
            session,
            commitment_id=c.id,
            values=values,
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
            department_id=department_scope(principal),
        )
    except DomainError as exc:
        session.rollback()
        return _detail(
            request, session, principal, service.get_commitment(session, commitment_id), error=exc.message, form=values
        )
    message = f"已记录履行情况：{service.fulfilment_label(c)}。"
    if outcome is not None:
        parts = ["已生成违背信用承诺信息并记入信用记录"]
        if outcome.ban is not None:
            parts.append(f"{outcome.ban.ends_on.isoformat()}前不得适用告知承诺制")
        if outcome.proposal is not None:
            parts.append("已提请列入重点关注对象名单（待名单认定）")
        if outcome.reopened_record_id is not None:
            parts.append(f"已修复的信用记录{outcome.reopened_record_id}恢复公示")
        message += "；".join(parts) + "。"
    return _detail(request, session, principal, c, message=message)


# --------------------------------------------------------------------------------------------------
# Entities: online signing and voluntary registration
# --------------------------------------------------------------------------------------------------


def _my_entity(session: DbSession, principal: Principal) -> Entity:
    entity = session.get(Entity, principal.entity_id) if principal.entity_id else None
    if entity is None:
        raise PermissionDenied("当前账号未关联市场主体，请联系信用办管理员关联后再办理。")
    return entity


def _my_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    entity = _my_entity(session, principal)
    matters = [m for m in service.list_matters(session, active_only=True) if m.online_signing]
    return render(
        request,
        "commitments/my.html",
        {
            **_common(),
            "entity": entity,
            "matters": matters,
            "commitments": service.list_commitments(session, entity_id=entity.id),
            "legal_rep": service.legal_rep_of(session, entity.id) or "",
            "error": error,
            "message": message,
            "form": form or {"openness": "可向社会公开"},
        },
        status_code=422 if error else 200,
    )


@router.get("/console/my/commitments", response_class=HTMLResponse)
def my_commitments(request: Request, session: DbSession, principal: Signer) -> HTMLResponse:
    """The entity's own commitments and the online signing form."""
    return _my_page(request, session, principal)


@router.post("/console/my/commitments", response_class=HTMLResponse)
async def sign(request: Request, session: DbSession, settings: AppSettings, principal: Signer) -> HTMLResponse:
    """The entity signs a commitment online for a matter open to online signing."""
    entity = _my_entity(session, principal)
    form = await form_fields(request, lists=True)
    matter = service.matter_by_code(session, str(form.get("matter") or ""))
    values = {
        "matter": form.get("matter"),
        "committer_category": entity.category,
        "committer_name": entity.name,
        "committer_code": entity.uscc,
        "legal_rep": form.get("legal_rep"),
        "reason": form.get("reason") or (matter.name if matter else ""),
        "content": matter.standard_text if matter else "",
        "liability": matter.breach_liability if matter else "",
        "made_on": get_clock().today().isoformat(),
        "openness": form.get("openness"),
    }
    if not form.get("agree"):
        error = "请阅读承诺书并勾选“本单位作出上述承诺”后再提交。"
        return _my_page(request, session, principal, form=form, error=error)
    try:
        c = service.create_commitment(
            session,
            values=values,
            channel="online",
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
            entity_id=entity.id,
        )
    except DomainError as exc:
        session.rollback()
        return _my_page(request, session, principal, error=exc.message, form=form)
    return _my_page(request, session, principal, message=f"承诺已提交，承诺编码{c.code}，已记入本单位信用记录。")


def _voluntary_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    entity = _my_entity(session, principal)
    return render(
        request,
        "commitments/my_voluntary.html",
        {
            **_common(),
            "entity": entity,
            "infos": service.list_voluntary(session, entity_id=entity.id),
            "status_labels": service.VOLUNTARY_STATUS,
            "departments": subjects_service.list_departments(session),
            "legal_rep": service.legal_rep_of(session, entity.id) or "",
            "error": error,
            "message": message,
            "form": form or {},
        },
        status_code=422 if error else 200,
    )


@router.get("/console/my/voluntary", response_class=HTMLResponse)
def my_voluntary(request: Request, session: DbSession, principal: Registrant) -> HTMLResponse:
    """The entity's self-declared information and the registration form."""
    return _voluntary_page(request, session, principal)


@router.post("/console/my/voluntary", response_class=HTMLResponse, dependencies=[accepts_upload(50)])
async def register_voluntary(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: Registrant,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI reads the default, never mutates it)
) -> HTMLResponse:
    """Register information with attachments and the truthfulness commitment."""
    entity = _my_entity(session, principal)
    form = await form_fields(request, lists=True)
    form.pop("files", None)
    limit = service.load_rules().voluntary.max_attachment_bytes
    uploads = [service.Upload(f.filename or "", await f.read(limit + 1)) for f in files if f.filename]
    try:
        info = service.register_voluntary(
            session,
            entity_id=entity.id,
            values=form,
            uploads=uploads,
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        )
    except DomainError as exc:
        session.rollback()
        return _voluntary_page(request, session, principal, error=exc.message, form=form)
    return _voluntary_page(
        request, session, principal, message=f"已注册“{info.title}”，在核验前显示为“自愿注册（未经核验）”。"
    )


# --------------------------------------------------------------------------------------------------
# Departments: verifying voluntary information
# --------------------------------------------------------------------------------------------------


def _verify_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    message: str | None = None,
) -> HTMLResponse:
    dept = department_scope(principal)
    infos = service.list_voluntary(session, department_id=dept)
    return render(
        request,
        "commitments/voluntary.html",
        {
            **_common(),
            "infos": infos,
            "status_labels": service.VOLUNTARY_STATUS,
            "entities": {i.entity_id: session.get(Entity, i.entity_id) for i in infos},
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/voluntary", response_class=HTMLResponse)
def voluntary_page(request: Request, session: DbSession, principal: Verifier) -> HTMLResponse:
    """Voluntary information the department is to verify."""
    return _verify_page(request, session, principal)


@router.post("/console/voluntary/{info_id}", response_class=HTMLResponse)
async def verify(
    request: Request, session: DbSession, settings: AppSettings, principal: Verifier, info_id: int
) -> HTMLResponse:
    """Confirm the information or find it false (a breach of its truthfulness commitment)."""
    form = await form_fields(request, lists=True)
    try:
        info, _outcome = service.verify_voluntary(
            session,
            info_id=info_id,
            truthful=form.get("outcome") == "verified",
            note=str(form.get("note") or ""),
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
            department_id=department_scope(principal),
        )
    except DomainError as exc:
        session.rollback()
        return _verify_page(request, session, principal, error=exc.message)
    text = "已核验属实" if info.status == "verified" else "已认定不实，按违背信用承诺处理并记入信用记录"
    return _verify_page(request, session, principal, message=f"“{info.title}”{text}。")


@router.get("/console/voluntary/attachments/{attachment_id}")
def attachment(session: DbSession, principal: Verifier, attachment_id: int) -> Response:
    """Download an attachment (the verifying department or the credit office)."""
    row = service.get_attachment(session, attachment_id)
    info = service.get_voluntary(session, row.info_id)
    if not department_scope(principal).allows(info.department_id):
        raise NotFound(f"附件{attachment_id}不存在。")
    return download(row.data, filename=f"attachment-{row.id}{_suffix(row.filename)}", media_type=row.content_type)


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return re.sub(r"[^a-z0-9.]", "", name[dot:].lower()) if dot >= 0 else ""
