"""Pages: requesting and downloading credit reports (console), verifying them and the public key (portal)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.datastructures import UploadFile

from xinyong.core import downloads
from xinyong.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from xinyong.core.policy import department_scope
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, accepts_upload, form_fields, public, render, requires
from xinyong.portal import service as portal_service
from xinyong.reports import service, signing
from xinyong.reports.models import CreditReport
from xinyong.subjects.models import Entity

router = APIRouter(include_in_schema=False)

Requester = Annotated[Principal, Depends(requires("reports.request"))]
Public = Annotated[Principal, Depends(public)]
MAX_UPLOAD = 20 * 1024 * 1024
REFRESH_SECONDS = 3  # how often the 生成中 page reloads itself


def _page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    issued: tuple[CreditReport, str] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    rules = service.load_rules()
    own = principal.entity_id is not None
    entity = session.get(Entity, principal.entity_id) if own else None
    if own:
        reports = service.reports_of(session, entity_id=principal.entity_id)
        purposes = rules.purposes
    elif principal.role == "entity":  # an entity account not linked to an entity sees no report
        reports, purposes = [], rules.purposes
    else:
        scope = department_scope(principal)
        reports = service.reports_of(session, department_id=scope)
        purposes = rules.purposes if scope.every else {k: rules.purposes[k] for k in rules.department_purposes}
    return render(
        request,
        "reports/console.html",
        {
            "rules": rules,
            "status_labels": service.STATUS_LABELS,
            "purposes": purposes,
            "entity": entity,
            "unlinked": principal.role == "entity" and not own,
            "reports": reports,
            "entities": {r.entity_id: session.get(Entity, r.entity_id) for r in reports},
            "error": error,
            "issued": issued,
            "form": form or {},
        },
        status_code=422 if error else 200,
    )


@router.get("/console/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: DbSession, principal: Requester) -> HTMLResponse:
    """An entity's own reports, or the reports a department requested, with the request form."""
    return _page(request, session, principal)


@router.post("/console/reports", response_class=HTMLResponse)
async def request_report(
    request: Request, session: DbSession, settings: AppSettings, principal: Requester
) -> HTMLResponse:
    """Issue a report now (the PDF is generated, signed and kept)."""
    form = await form_fields(request)
    try:
        if principal.entity_id is not None:
            entity_id = principal.entity_id
            requester = service.Requester(actor=principal.actor(), entity_id=entity_id)
        else:
            code = (form.get("subject") or "").strip()
            if not code:
                raise NotFound("请填写被查询市场主体的统一社会信用代码。")
            entity_id = portal_service.entity_by_code(session, code).id
            requester = service.Requester(
                actor=principal.actor(),
                department_id=principal.department_id,
                oversee=principal.can("records.oversee"),
            )
        issued = service.issue_report(
            session,
            background=True,
            entity_id=entity_id,
            edition=form.get("edition") or "",
            purpose=form.get("purpose") or "",
            purpose_note=form.get("purpose_note"),
            requester=requester,
            secret=settings.signing_secret,
            verify_base=settings.public_url,
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, session, principal, error=exc.message, form=form)
    report, code = issued
    if report.status == service.PENDING:
        session.commit()  # the worker reads the report in its own transaction
        request.app.state.report_renderer.submit(report.id)
        return _status_page(request, report, code=code)
    return _page(request, session, principal, issued=issued)


def _status_page(request: Request, report: CreditReport, *, code: str | None = None) -> HTMLResponse:
    pending = report.status == service.PENDING
    return render(
        request,
        "reports/status.html",
        {
            "r": report,
            "code": code or (report.pending_code if pending else None),
            "rules": service.load_rules(),
            "status_labels": service.STATUS_LABELS,
            "refresh_seconds": REFRESH_SECONDS if pending else None,
        },
        status_code=202 if pending else 200,
    )


def _may_see(principal: Principal, report: CreditReport) -> bool:
    return (
        (
            principal.entity_id is not None
            and report.entity_id == principal.entity_id
            and report.requester_kind == "entity"
        )
        or (principal.department_id is not None and report.department_id == principal.department_id)
        or principal.can("records.oversee")
    )


def _own_report(session: DbSession, principal: Principal, report_id: int) -> CreditReport:
    report = service.get_report(session, report_id)
    if not _may_see(principal, report):
        raise PermissionDenied("只能查看本单位申请的信用报告。")
    return report


@router.get("/console/reports/{report_id}", response_class=HTMLResponse)
def report_status(request: Request, session: DbSession, principal: Requester, report_id: int) -> HTMLResponse:
    """A report's state: 生成中 (the page refreshes itself), 已生成 (download), 生成失败 (reason, retry)."""
    return _status_page(request, _own_report(session, principal, report_id))


@router.post("/console/reports/{report_id}/retry", response_class=HTMLResponse)
def retry(request: Request, session: DbSession, principal: Requester, report_id: int) -> HTMLResponse:
    """Queue a failed report again (same number and verification code)."""
    report = _own_report(session, principal, report_id)
    service.retry(session, report_id=report.id, actor=principal.actor())
    session.commit()
    request.app.state.report_renderer.submit(report.id)
    return _status_page(request, report)


@router.get("/console/reports/{report_id}/pdf")
def download(session: DbSession, principal: Requester, report_id: int) -> Response:
    """The signed PDF of a report its requester (or the credit office) may see."""
    report = service.get_report(session, report_id)
    if not _may_see(principal, report):
        raise PermissionDenied("只能下载本单位申请的信用报告。")
    if report.status != service.READY:
        raise Conflict(f"信用报告{report.number}{service.STATUS_LABELS[report.status]}，暂不能下载。")
    return downloads.download(report.pdf, filename=f"{report.number}.pdf", media_type="application/pdf")


def _verify_page(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    result: service.Verification | None,
    form: dict[str, str],
) -> HTMLResponse:
    key = signing.public_key(settings.signing_secret)
    return render(
        request,
        "reports/verify.html",
        {
            "result": result,
            "form": form,
            "rules": service.load_rules(),
            "public_pem": signing.public_pem(settings.signing_secret),
            "key_id": signing.key_id(key),
            "previous_keys": service.published_keys(session, settings.signing_secret)[1:],
            "kinds": list(portal_service.LIST_KINDS.values()),
        },
        status_code=200 if result is None or result.ok else 422,
    )


@router.get("/portal/reports/verify", response_class=HTMLResponse)
def verify_page(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    _: Public,
    number: str | None = None,
    code: str | None = None,
) -> HTMLResponse:
    """Verification: number + code (the QR code on a report opens this page filled in)."""
    result = None
    if number is not None or code is not None:
        result = service.verify_number(session, number=number or "", code=code or "", secret=settings.signing_secret)
    return _verify_page(request, session, settings, result, {"number": number or "", "code": code or ""})


@router.post(
    "/portal/reports/verify", response_class=HTMLResponse, dependencies=[accepts_upload(MAX_UPLOAD // 1048576 + 1)]
)
async def verify_upload(request: Request, session: DbSession, settings: AppSettings, _: Public) -> HTMLResponse:
    """Verification of an uploaded PDF: the platform's signature, unchanged since issue."""
    form = await request.form()
    upload = form.get("file")
    data = b""
    if isinstance(upload, UploadFile):
        data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        result = service.Verification(False, "文件超过20MB，不是本平台签发的信用报告。")
    else:
        result = service.verify_file(session, data=data, secret=settings.signing_secret)
    return _verify_page(request, session, settings, result, {})


@router.get("/portal/reports/public-key.pem", response_class=PlainTextResponse)
def public_key(settings: AppSettings, _: Public) -> PlainTextResponse:
    """The Ed25519 public key that verifies the platform's credit reports (PEM)."""
    return PlainTextResponse(signing.public_pem(settings.signing_secret), media_type="application/x-pem-file")
