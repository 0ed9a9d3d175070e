"""Pages: an entity files objections and follows them; the providing department verifies, extends once and
decides."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from xinyong.catalog.models import CatalogItem
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import PermissionDenied
from xinyong.core.forms import form_action
from xinyong.core.policy import DepartmentScope, department_scope
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, CurrentPrincipal, DbSession, accepts_upload, form_fields, render, requires
from xinyong.evidence import service as evidence_service
from xinyong.evidence import uploads as evidence_uploads
from xinyong.objections import service
from xinyong.objections.models import Objection
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Department, Entity

router = APIRouter(include_in_schema=False)

Filer = Annotated[Principal, Depends(requires("objections.file"))]
Handler = Annotated[Principal, Depends(requires("objections.handle"))]
Decider = Annotated[Principal, Depends(requires("objections.decide"))]
Window = Annotated[Principal, Depends(requires("objections.window"))]


def _common(session: DbSession) -> dict[str, Any]:
    return {
        "rules": service.load_rules(),
        "status_labels": service.STATUS_LABELS,
        "state_labels": states.STATUS_LABELS,
        "outcome_label": service.outcome_label,
        "items": {i.id: i for i in session.execute(select(CatalogItem)).scalars()},
        "departments": {d.id: d for d in session.execute(select(Department)).scalars()},
    }


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
    mine = service.objections(session, entity_id=entity.id)
    records = [r for r in records_service.subject_records(session, entity_id=entity.id) if r.status == states.VALID]
    return render(
        request,
        "objections/my.html",
        {
            **_common(session),
            "entity": entity,
            "records": records,
            "objections": mine,
            "records_of": {o.id: session.get(CreditRecord, o.record_id) for o in mine},
            "histories": {o.id: service.history(session, o) for o in mine},
            "evidence": evidence_service.files_by_owner(
                session, owner_kind=evidence_service.OBJECTION, owner_ids=[o.id for o in mine]
            ),
            "error": error,
            "message": message,
            "form": form or {},
        },
        status_code=422 if error else 200,
    )


@router.get("/console/my/objections", response_class=HTMLResponse)
def my_objections(request: Request, session: DbSession, principal: Filer, record: int | None = None) -> HTMLResponse:
    """The entity's objections with their history, and the form to file one."""
    return _my_page(request, session, principal, form={"record": str(record)} if record else None)


@router.post(
    "/console/my/objections",
    response_class=HTMLResponse,
    dependencies=[accepts_upload(evidence_uploads.request_limit_mb)],
)
async def file(request: Request, session: DbSession, settings: AppSettings, principal: Filer) -> HTMLResponse:
    """File an objection with its evidence files: the record shows 异议中 at once."""
    entity = _my_entity(session, principal)
    form = await form_fields(request)
    files = await evidence_uploads.read_uploads(request, settings)
    raw = (form.get("record") or "").strip()

    def file_it() -> Objection:
        if not raw.isdigit():
            raise PermissionDenied("请选择要提出异议的信用记录。")
        return service.file_objection(
            session,
            record_id=int(raw),
            entity_id=entity.id,
            reasons=form.get("reasons") or "",
            evidence=form.get("evidence") or "",
            actor=principal.actor(),
            files=files,
            limits=evidence_uploads.limits(settings),
        )

    return form_action(
        session,
        file_it,
        done=lambda objection: _my_page(
            request,
            session,
            principal,
            message=f"异议已提交，编号{objection.number}；该信息已标注“异议处理中”，数据提供单位应于"
            f"{objection.due_on.isoformat()}前核查处理。",
        ),
        failed=lambda exc: _my_page(request, session, principal, error=exc.message, form=form),
    )


def _scope(principal: Principal) -> DepartmentScope:
    return department_scope(principal)


def own_objection(session: DbSession, principal: CurrentPrincipal, objection_id: int) -> Objection:
    """The objection of the path, when it concerns the caller's department's records (declared after the route's
    permission, which FastAPI checks first)."""
    objection = service.get_objection(session, objection_id)
    scope = _scope(principal)
    if not scope.allows(objection.department_id):
        raise scope.refusal("只能处理对本部门报送信息提出的异议。")
    return objection


OwnObjection = Annotated[Objection, Depends(own_objection)]


@router.get("/console/objections", response_class=HTMLResponse)
def handle_list(request: Request, session: DbSession, principal: Handler) -> HTMLResponse:
    """Objections to this department's records: pending by deadline, then decided."""
    scope = _scope(principal)
    pending = sorted(service.objections(session, department_id=scope, status=service.PENDING), key=lambda o: o.due_on)
    decided = service.objections(session, department_id=scope, status=service.DECIDED, limit=50)
    from xinyong.core.clock import get_clock

    return render(
        request,
        "objections/list.html",
        {
            **_common(session),
            "pending": pending,
            "decided": decided,
            "today": get_clock().today(),
            "applicants": {o.id: service.applicant_label(session, o) for o in pending + decided},
        },
    )


def _detail(
    request: Request,
    session: DbSession,
    principal: Principal,
    objection: Objection,
    *,
    error: str | None = None,
    message: str | None = None,
) -> HTMLResponse:
    record = session.get(CreditRecord, objection.record_id)
    assert record is not None
    return render(
        request,
        "objections/detail.html",
        {
            **_common(session),
            "o": objection,
            "record": record,
            "applicant": service.applicant_label(session, objection),
            "fields": service.correctable_fields(session, record),
            "history": service.history(session, objection),
            "evidence": evidence_service.files_of(
                session, owner_kind=evidence_service.OBJECTION, owner_id=objection.id
            ),
            "can_decide": principal.can("objections.decide"),
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


# --------------------------------------------------------------------------------------------------
# The credit service window: objections of natural persons (no accounts), filed by a clerk after checking the ID card
# --------------------------------------------------------------------------------------------------


def _window_scope(principal: Principal) -> DepartmentScope:
    return department_scope(principal)


def _window_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    filed: Objection | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    scope = _window_scope(principal)
    stmt = select(Objection).where(Objection.filed_via == service.WINDOW).order_by(Objection.id.desc()).limit(100)
    stmt = stmt.where(scope.where(Objection.window_department_id))
    filed_here = list(session.execute(stmt).scalars())
    kept = {k: v for k, v in (form or {}).items() if k not in ("id_number", "csrf_token")}  # never echo the number
    return render(
        request,
        "objections/window.html",
        {
            **_common(session),
            "filed_here": filed_here,
            "records_of": {o.id: session.get(CreditRecord, o.record_id) for o in filed_here},
            "error": error,
            "filed": filed,
            "form": kept,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/objections/window", response_class=HTMLResponse)
def window_page(request: Request, session: DbSession, principal: Window) -> HTMLResponse:
    """The window form and the objections this window filed, with their outcomes."""
    return _window_page(request, session, principal)


@router.post(
    "/console/objections/window",
    response_class=HTMLResponse,
    dependencies=[accepts_upload(evidence_uploads.request_limit_mb)],
)
async def window_file(request: Request, session: DbSession, settings: AppSettings, principal: Window) -> HTMLResponse:
    """File for a natural person whose ID card the clerk checked; a number not the record's subject is refused."""
    form = await form_fields(request)
    files = await evidence_uploads.read_uploads(request, settings)
    return form_action(
        session,
        lambda: service.file_at_window(
            session,
            document_number=form.get("document_number") or "",
            id_number=form.get("id_number") or "",
            name=form.get("name") or "",
            phone=form.get("phone") or "",
            reasons=form.get("reasons") or "",
            evidence=form.get("evidence") or "",
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
            window_department_id=principal.department_id,
            files=files,
            limits=evidence_uploads.limits(settings),
        ),
        done=lambda objection: _window_page(request, session, principal, filed=objection),
        failed=lambda exc: _window_page(request, session, principal, error=exc.message, form=form),
    )


@router.get("/console/objections/window/{objection_id}", response_class=HTMLResponse)
def window_sheet(request: Request, session: DbSession, principal: Window, objection_id: int) -> HTMLResponse:
    """The receipt and, once decided, the outcome notice, for the clerk to print and hand to the person."""
    objection = service.get_objection(session, objection_id)
    scope = _window_scope(principal)
    if objection.filed_via != service.WINDOW or not (
        scope.allows(objection.window_department_id) or scope.allows(objection.department_id)
    ):
        raise PermissionDenied("只能查看本窗口受理的异议。")
    record = session.get(CreditRecord, objection.record_id)
    return render(
        request,
        "objections/window_sheet.html",
        {
            **_common(session),
            "o": objection,
            "record": record,
            "applicant": service.applicant_label(session, objection),
            "history": service.history(session, objection),
            "evidence": _files(session, objection),
        },
    )


def _files(session: DbSession, objection: Objection) -> list[Any]:
    return evidence_service.files_of(session, owner_kind=evidence_service.OBJECTION, owner_id=objection.id)


@router.get("/console/objections/{objection_id}", response_class=HTMLResponse)
def detail(request: Request, session: DbSession, principal: Handler, objection: OwnObjection) -> HTMLResponse:
    """One objection: the record, the reasons and evidence, extension and decision forms."""
    return _detail(request, session, principal, objection)


@router.post("/console/objections/{objection_id}/extend", response_class=HTMLResponse)
async def extend(request: Request, session: DbSession, principal: Handler, objection: OwnObjection) -> HTMLResponse:
    """Extend the deadline once, with a reason."""
    form = await form_fields(request)
    return form_action(
        session,
        lambda: service.extend(
            session,
            objection_id=objection.id,
            reason=form.get("reason") or "",
            actor=principal.actor(),
            department_id=_scope(principal),
        ),
        done=lambda o: _detail(request, session, principal, o, message=f"已延期至{o.due_on.isoformat()}。"),
        failed=lambda exc: _detail(request, session, principal, objection, error=exc.message),
    )


@router.post("/console/objections/{objection_id}/decision", response_class=HTMLResponse)
async def decide(
    request: Request, session: DbSession, settings: AppSettings, principal: Decider, objection: OwnObjection
) -> HTMLResponse:
    """维持 / 更正 / 撤销 with written reasons; the applicant is notified."""
    form = await form_fields(request)
    corrected = {k.removeprefix("f_"): v for k, v in form.items() if k.startswith("f_")}
    record = session.get(CreditRecord, objection.record_id)
    if record is not None:  # only fields the department actually changed count as the correction
        corrected = {k: v for k, v in corrected.items() if str(record.fields.get(k) or "") != v.strip()}
    return form_action(
        session,
        lambda: service.decide(
            session,
            objection_id=objection.id,
            outcome=form.get("outcome") or "",
            reason=form.get("reason") or "",
            actor=principal.actor(),
            department_id=_scope(principal),
            cipher=get_cipher(settings.field_secret),
            corrected_fields=corrected,
        ),
        done=lambda o: _detail(request, session, principal, o, message=f"已办结：{service.outcome_label(o.outcome)}。"),
        failed=lambda exc: _detail(request, session, principal, objection, error=exc.message),
    )
