"""Console pages of the evaluation: grades and charts, an entity's explanation, warnings inbox, industry imports,
model versions and settings, and an entity's view of its own grade."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.core.errors import DomainError, NotFound, PermissionDenied
from xinyong.core.policy import ALL_DEPARTMENTS, scope_of
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, accepts_upload, render, requires
from xinyong.evaluation import industry, service
from xinyong.evaluation import warnings as warnings_service
from xinyong.evaluation.engine import LIST_LABELS
from xinyong.evaluation.models import WARNING_STATUS_LABELS
from xinyong.ingestion.files import FileRejected, save_upload
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department, Entity

router = APIRouter(prefix="/console/evaluation", include_in_schema=False)

Reader = Annotated[Principal, Depends(requires("evaluation.read"))]
Manager = Annotated[Principal, Depends(requires("evaluation.manage"))]
Importer = Annotated[Principal, Depends(requires("evaluation.industry"))]
Handler = Annotated[Principal, Depends(requires("warnings.handle"))]
Own = Annotated[Principal, Depends(requires("evaluation.own"))]
REASONS = {"full": "全量评价", "incremental": "记录变化后重新评价"}


def _is_office(session: DbSession, principal: Principal) -> bool:
    if principal.can("evaluation.manage"):
        return True
    dept = session.get(Department, principal.department_id) if principal.department_id else None
    return bool(dept and dept.is_credit_office)


@router.get("", response_class=HTMLResponse)
def overview(request: Request, session: DbSession, _: Reader, q: str | None = None) -> HTMLResponse:
    """Grade distribution (charts), the model in force, and a search for an entity's grade."""
    row, doc = service.model_in_force(session)
    dist = service.distribution(session)
    return render(
        request,
        "evaluation/overview.html",
        {
            "model": row,
            "doc": doc,
            "dist": dist,
            "total": sum(dist["overall"].values()),
            "dirty": service.dirty_count(session),
            "domains": {d.code: d.name for d in subjects_service.list_domains(session)},
            "q": q or "",
            "found": service.find_entities(session, q) if q else None,
        },
    )


def _entity_context(session: DbSession, entity_id: int) -> dict[str, object]:
    explanation = service.explain_grade(session, entity_id)
    warnings = warnings_service.warnings_of(session, entity_id)
    return {
        "ex": explanation,
        "entity": explanation.entity,
        "current": service.current_grade(session, entity_id),
        "history": service.history(session, entity_id),
        "domains": service.domain_grades(session, entity_id),
        "industry": industry.industry_grades_of(session, entity_id),
        "lists": service.lists_of(session, entity_id),
        "warnings": warnings,
        "recipients": warnings_service.recipients_of(session, [w.id for w in warnings]),
        "reasons": REASONS,
        "list_labels": LIST_LABELS,
        "status_labels": WARNING_STATUS_LABELS,
    }


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, session: DbSession, principal: Reader, entity_id: int) -> HTMLResponse:
    """An entity's grade with its explanation, history, domain grades and warnings; when the explanation shows the
    legal representative's own records, a stated purpose and basis (registered) are needed."""
    from xinyong.privacy import service as privacy_service

    context = _entity_context(session, entity_id)
    explanation: Any = context["ex"]
    privacy_service.gate_ids(
        session, request, principal, explanation.related_persons, ["records"], reference=f"grade:{entity_id}"
    )
    context["own_view"] = False
    return render(request, "evaluation/entity.html", context)


@router.get("/mine", response_class=HTMLResponse)
def own_page(request: Request, session: DbSession, principal: Own) -> HTMLResponse:
    """The entity's own grade and how to raise it."""
    if principal.entity_id is None:
        raise NotFound("当前账号未关联市场主体。")
    context = _entity_context(session, principal.entity_id)
    context["own_view"] = True
    return render(request, "evaluation/entity.html", context)


@router.get("/warnings", response_class=HTMLResponse)
def inbox(
    request: Request, session: DbSession, principal: Handler, status: str | None = None, all: bool = False
) -> HTMLResponse:
    """The department's warnings inbox (the credit office may see every department's)."""
    office = _is_office(session, principal)
    every = office and (all or principal.department_id is None)
    scope = ALL_DEPARTMENTS if every else scope_of(principal.department_id)
    return render(
        request,
        "evaluation/warnings.html",
        {
            "rows": warnings_service.inbox(session, department_id=scope, status=status or None),
            "status": status or "",
            "status_labels": WARNING_STATUS_LABELS,
            "by_domain": warnings_service.stats_by_domain(session),
            "by_rule": warnings_service.stats_by_rule(session),
            "office": office,
            "all": every,
            "message": request.query_params.get("done"),
        },
    )


@router.post("/warnings/{recipient_id}")
def handle_warning(
    session: DbSession,
    principal: Handler,
    recipient_id: int,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Acknowledge a warning or record its follow-up."""
    dept = ALL_DEPARTMENTS if _is_office(session, principal) else scope_of(principal.department_id)
    row = warnings_service.handle(
        session, recipient_id=recipient_id, status=status, note=note, department_id=dept, actor=principal.actor()
    )
    return RedirectResponse(f"/console/evaluation/warnings?done={row.id}", status_code=303)


def _model_context(session: DbSession, **extra: object) -> dict[str, object]:
    row, doc = service.model_in_force(session)
    return {
        "models": service.list_models(session),
        "model": row,
        "doc": doc,
        "portal": service.portal_shows_grade(session),
        "list_labels": LIST_LABELS,
        "error": None,
        "message": None,
        **extra,
    }


@router.get("/model", response_class=HTMLResponse)
def model_page(request: Request, session: DbSession, _: Reader) -> HTMLResponse:
    """The model in force (dimensions, indicators, overrides, grades, warning rules), versions and settings."""
    return render(request, "evaluation/model.html", _model_context(session))


@router.post("/model", response_class=HTMLResponse, dependencies=[accepts_upload(20)])
def publish(request: Request, session: DbSession, principal: Manager, file: UploadFile) -> HTMLResponse:
    """Publish a new model version from an uploaded JSON file."""
    content = file.file.read(2_000_000)
    try:
        row, new = service.publish_model(session, content, actor=principal.actor())
    except DomainError as exc:
        session.rollback()
        return render(request, "evaluation/model.html", _model_context(session, error=exc.message), status_code=422)
    message = (
        f"已发布评价模型{row.version}版，自{row.effective_from.isoformat()}起生效；生效后运行全量评价即按新模型重新评级。"
        if new
        else f"评价模型{row.version}版已存在且内容相同，未作改动。"
    )
    return render(request, "evaluation/model.html", _model_context(session, message=message))


@router.post("/settings")
def settings(session: DbSession, principal: Manager, portal: Annotated[str, Form()] = "") -> Response:
    """Whether the public portal shows grades."""
    service.set_portal_shows_grade(session, portal == "on", actor=principal.actor())
    return RedirectResponse("/console/evaluation/model", status_code=303)


@router.post("/run", response_class=HTMLResponse)
def run(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """Re-grade every entity now."""
    result = service.evaluate_all(session, actor=principal.actor())
    message = (
        f"已按模型{result.model_version}版评价主体{result.evaluated:,}个，等级或分数变化{result.changed:,}个，"
        f"新增预警{result.warnings:,}条，用时{result.seconds:.1f}秒。"
    )
    return render(request, "evaluation/model.html", _model_context(session, message=message))


def _industry_context(session: DbSession, principal: Principal, **extra: object) -> dict[str, object]:
    _row, doc = service.model_in_force(session)
    office = _is_office(session, principal)
    dept = session.get(Department, principal.department_id) if principal.department_id else None
    own = {d.code for d in dept.domains} if dept else set()
    scales = [x for x in doc.industry if office or x.domain in own]
    return {
        "scales": scales,
        "imports": industry.recent_imports(session, department_id=None if office else principal.department_id),
        "domains": {d.code: d.name for d in subjects_service.list_domains(session)},
        "result": None,
        "error": None,
        **extra,
    }


@router.get("/industry", response_class=HTMLResponse)
def industry_page(request: Request, session: DbSession, principal: Importer) -> HTMLResponse:
    """Import a department's industry grades."""
    return render(request, "evaluation/industry.html", _industry_context(session, principal))


@router.post("/industry", response_class=HTMLResponse, dependencies=[accepts_upload(200)])
def industry_upload(
    request: Request,
    session: DbSession,
    principal: Importer,
    file: UploadFile,
    domain: Annotated[str, Form()],
) -> HTMLResponse:
    """Import a file of industry grades, then re-grade the entities it names."""
    if principal.department_id is None:
        raise PermissionDenied("当前账号未关联部门，不能导入行业评价。")
    department = session.get(Department, principal.department_id)
    assert department is not None
    _row, doc = service.model_in_force(session)
    tmp = Path(tempfile.mkdtemp(prefix="xy-industry-"))
    try:
        path = tmp / "upload"
        try:
            save_upload(file.file, path, max_bytes=200_000_000)
            result = industry.import_grades(
                session,
                path=path,
                filename=file.filename,
                department=department,
                domain_code=domain,
                doc=doc,
                actor=principal.actor(),
                may_import_any_domain=_is_office(session, principal),
            )
        except (DomainError, FileRejected) as exc:
            session.rollback()
            context = _industry_context(session, principal, error=exc.message)
            return render(request, "evaluation/industry.html", context, status_code=422)
        service.evaluate_subjects(session, result.entity_ids, actor=principal.actor())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return render(request, "evaluation/industry.html", _industry_context(session, principal, result=result))


def entity_by_id(session: DbSession, entity_id: int) -> Entity:
    """An entity or a Chinese 404."""
    row = session.get(Entity, entity_id)
    if row is None:
        raise NotFound(f"市场主体{entity_id}不存在。")
    return row
