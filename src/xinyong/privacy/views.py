"""Console pages of personal-information queries: the auditor's review, authorisations, the person's own list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from xinyong.core.clock import CHINA_TZ, get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import DomainError, ValidationFailed
from xinyong.core.forms import form_action
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, accepts_upload, render, requires
from xinyong.privacy import service
from xinyong.privacy.models import PersonAuthorisation
from xinyong.privacy.rules import rules_on
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department, Person

router = APIRouter(prefix="/console/privacy", include_in_schema=False)

Auditor = Annotated[Principal, Depends(requires("privacy.audit"))]
Authoriser = Annotated[Principal, Depends(requires("privacy.authorise"))]
Window = Annotated[Principal, Depends(requires("privacy.window"))]

PERSON_NOT_FOUND = "未找到该自然人，或姓名与证件号码不一致。"


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def _form(request: Request) -> tuple[dict[str, Any], bytes | None, str | None]:
    form = await request.form()
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    values["scope"] = [v for v in form.getlist("scope") if isinstance(v, str)]
    upload = form.get("file")
    content = file_name = None
    if upload is not None and not isinstance(upload, str) and upload.filename:
        content = await upload.read(service.AUTHORISATION_FILE_MAX + 1)
        file_name = upload.filename
    return values, content or None, file_name


def _person(session: DbSession, settings: AppSettings, name: str, id_number: str) -> Person:
    """A person by ID number whose registered name matches (the window has seen the identity document)."""
    try:
        person = subjects_service.find_person(session, cipher=get_cipher(settings.field_secret), id_number=id_number)
    except (ValueError, DomainError):
        person = None
    if person is None or person.name != name.strip():
        raise ValidationFailed(PERSON_NOT_FOUND, details=[{"field": "id_number", "message": PERSON_NOT_FOUND}])
    return person


# ------------------------------------------------------------------------------------------------ auditor


@router.get("/queries", response_class=HTMLResponse)
def queries_page(
    request: Request,
    session: DbSession,
    _: Auditor,
    actor: str = "",
    department: str = "",
    person: str = "",
    since: str = "",
    until: str = "",
    flagged: str = "",
    message: str | None = None,
) -> HTMLResponse:
    """Registrations, filtered by querier, department, person number, dates, flags."""
    departments = subjects_service.list_departments(session)
    dept = next((d for d in departments if d.code == department), None)
    person_id = int(person) if person.isdigit() else None
    f = service.QueryFilter(
        actor=actor.strip(),
        department_id=dept.id if dept else None,
        person_id=person_id,
        since=_day(since),
        until=_day(until),
        flagged=flagged == "1",
    )
    rows = service.registrations(session, f)
    return render(
        request,
        "privacy/queries.html",
        {
            "rows": rows,
            "departments": departments,
            "filters": {
                "actor": actor,
                "department": department,
                "person": person,
                "since": since,
                "until": until,
                "flagged": flagged,
            },
            "scopes": rules_on(get_clock().today()).scopes,
            "message": message,
        },
    )


@router.post("/queries/{query_id}/flag", response_class=HTMLResponse)
async def flag_query(request: Request, session: DbSession, principal: Auditor, query_id: int) -> Response:
    """Flag a registration as suspected misuse, with a note."""
    values, _content, _name = await _form(request)
    row = service.flag(session, query_id=query_id, note=str(values.get("note", "")), actor=principal.actor())
    return queries_page(request, session, principal, message=f"已将查询登记{row.id}标记为疑似违规查询。")


@router.get("/anomalies", response_class=HTMLResponse)
def anomalies_page(request: Request, session: DbSession, _: Auditor, day: str = "") -> HTMLResponse:
    """Users querying many unrelated persons in the window; queries outside working hours or on days off."""
    today = get_clock().today()
    chosen = _day(day) or today
    until = (
        get_clock().now() if chosen == today else datetime.combine(chosen + timedelta(days=1), time(0), tzinfo=CHINA_TZ)
    )
    found, rules = service.anomalies(session, until=until)
    late = service.off_hours(session, since=chosen - timedelta(days=30), until=chosen)
    return render(
        request,
        "privacy/anomalies.html",
        {"anomalies": found, "rules": rules, "off_hours": late, "day": chosen, "until": until},
    )


# ------------------------------------------------------------------------------------------------ authorisations


def _authorisations_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    message: str | None = None,
) -> HTMLResponse:
    today = get_clock().today()
    rows = service.authorisations(session, department_id=principal.department_id)
    persons = {p.id: p for p in (session.get(Person, r.person_id) for r in rows) if p is not None}
    return render(
        request,
        "privacy/authorisations.html",
        {
            "rows": rows,
            "persons": persons,
            "rules": rules_on(today),
            "today": today,
            "form": form or {},
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.get("/authorisations", response_class=HTMLResponse)
def authorisations_page(request: Request, session: DbSession, principal: Authoriser) -> HTMLResponse:
    """Authorisations recorded by the department, and the form to record one."""
    return _authorisations_page(request, session, principal)


@router.post(
    "/authorisations",
    response_class=HTMLResponse,
    dependencies=[accepts_upload(service.AUTHORISATION_FILE_MAX // 1048576 + 1)],
)
async def record_authorisation(
    request: Request, session: DbSession, settings: AppSettings, principal: Authoriser
) -> HTMLResponse:
    """Record a person's authorisation (uploaded letter or signed at the window), with scope and an end date."""
    values, content, file_name = await _form(request)

    def record() -> PersonAuthorisation:
        person = _person(session, settings, str(values.get("name", "")), str(values.get("id_number", "")))
        return service.record_authorisation(
            session,
            person=person,
            values=values,
            file_name=file_name,
            content=content,
            department_id=principal.department_id,
            actor=principal.actor(),
        )

    def refused(exc: DomainError) -> HTMLResponse:
        values.pop("id_number", None)  # the clear number is never echoed back into a page
        return _authorisations_page(request, session, principal, form=values, error=exc.message)

    return form_action(
        session,
        record,
        done=lambda auth: _authorisations_page(
            request,
            session,
            principal,
            message=f"已登记授权，授权编号{auth.id}（{auth.granted_on}至{auth.expires_on}）。查询时填写此编号。",
        ),
        failed=refused,
    )


@router.post("/authorisations/{authorisation_id}/revoke", response_class=HTMLResponse)
def revoke_authorisation(
    request: Request, session: DbSession, principal: Authoriser, authorisation_id: int
) -> HTMLResponse:
    """The person withdrew the authorisation."""
    auth = service.revoke_authorisation(
        session, authorisation_id=authorisation_id, department_id=principal.department_id, actor=principal.actor()
    )
    return _authorisations_page(request, session, principal, message=f"授权编号{auth.id}已撤回。")


# ------------------------------------------------------------------------------------------------ the person


@router.get("/person-report", response_class=HTMLResponse)
def person_report_form(request: Request, _: Window) -> HTMLResponse:
    """The credit service window: after checking the person's identity document, list who queried them."""
    return render(request, "privacy/person_report.html", {"form": {}, "rows": None})


@router.post("/person-report", response_class=HTMLResponse)
async def person_report(request: Request, session: DbSession, settings: AppSettings, principal: Window) -> Response:
    """The printable list of registered queries of the person who is at the window."""
    values, _content, _name = await _form(request)
    shown = {k: values.get(k, "") for k in ("name",)}
    if values.get("verified") != "1":
        return render(
            request,
            "privacy/person_report.html",
            {"form": shown, "rows": None, "error": "请先核验本人有效身份证件原件，并勾选确认。"},
            status_code=422,
        )
    try:
        person = _person(session, settings, str(values.get("name", "")), str(values.get("id_number", "")))
    except DomainError as exc:
        return render(
            request, "privacy/person_report.html", {"form": shown, "rows": None, "error": exc.message}, status_code=422
        )
    rows = service.queries_about(session, person_id=person.id)
    # the window's own look-up is itself an access to the person's information: registered under PIPL art. 45
    service.register(
        session,
        principal,
        [person],
        ["records"],
        service.QueryRequest(purpose="应本人申请出具被查询记录", basis="pipl-45"),
        path="POST /console/privacy/person-report",
    )
    departments = {d.id: d.name for d in session.execute(select(Department)).scalars()}
    return render(
        request,
        "privacy/person_report.html",
        {
            "form": shown,
            "person": person,
            "rows": rows,
            "departments": departments,
            "scopes": rules_on(get_clock().today()).scopes,
            "printed_at": get_clock().now(),
        },
    )
