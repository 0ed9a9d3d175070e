"""Pages: the credit check for clerks (with feedback), a small embeddable check page, statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.checks import service
from xinyong.checks.models import CreditCheck
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import DomainError, NotFound
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, form_fields, render, requires
from xinyong.lists.rules import load_rules
from xinyong.privacy import service as privacy_service
from xinyong.subjects.models import Person

router = APIRouter(include_in_schema=False)

Checker = Annotated[Principal, Depends(requires("checks.run"))]
Stats = Annotated[Principal, Depends(requires("checks.stats"))]

# the embeddable page may be framed by the platform's own pages and approval systems on the same site
EMBED_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
}


def _feedback_values(form: dict[str, Any], check: CreditCheck) -> dict[str, Any]:
    measures = []
    for m in check.result.get("measures", []):
        choice = form.get(f"applied_{m['code']}")
        measures.append(
            {
                "code": m["code"],
                "applied": True if choice == "1" else (False if choice == "0" else None),
                "reason": form.get(f"reason_{m['code']}"),
            }
        )
    return {"outcome": form.get("outcome"), "measures": measures, "note": form.get("note")}


def _page(
    request: Request,
    template: str,
    *,
    check: CreditCheck | None = None,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    message: str | None = None,
    recent: list[CreditCheck] | None = None,
    embed: bool = False,
) -> HTMLResponse:
    rules = load_rules()
    response = render(
        request,
        template,
        {
            "check": check,
            "result": service.check_json(check) if check else None,
            "matters": rules.matters,
            "outcomes": service.OUTCOMES,
            "form": form or {},
            "error": error,
            "message": message,
            "recent": recent or [],
            "embed": embed,
            "base_path": "/embed/check" if embed else "/console/checks",
        },
        status_code=422 if error else 200,
    )
    if embed:
        response.headers.update(EMBED_HEADERS)
    return response


def _own(session: DbSession, principal: Principal, code: str) -> CreditCheck:
    check = service.get_check(session, code)
    if not service.owns_check(check, department_id=principal.department_id, actor_label=principal.actor().label):
        raise NotFound(f"核查记录{code}不存在。")
    return check


def _shown(request: Request, session: DbSession, principal: Principal, code: str) -> CreditCheck:
    """The department's check, its display registered when it is about a natural person (under the check's purpose)."""
    check = _own(session, principal, code)
    person = session.get(Person, check.person_id) if check.person_id is not None else None
    if person is not None:
        privacy_service.reuse_registration(session, request, principal, person, ["checks"], f"check:{check.code}")
    return check


@router.get("/console/checks", response_class=HTMLResponse)
def checks_page(request: Request, session: DbSession, principal: Checker) -> HTMLResponse:
    """The clerk's check form and the department's recent checks."""
    recent = service.recent_checks(
        session, department_id=principal.department_id, checked_by=principal.actor().label, limit=20
    )
    return _page(request, "checks/console.html", recent=recent)


async def _run(
    request: Request, session: DbSession, settings: AppSettings, principal: Principal, embed: bool
) -> Response:
    form = await form_fields(request)
    template = "checks/embed.html" if embed else "checks/console.html"
    try:
        check = service.run_check(
            session,
            subject=form.get("subject", ""),
            matter=form.get("matter", ""),
            department_id=principal.department_id,
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        )
        person = session.get(Person, check.person_id) if check.person_id is not None else None
        if person is not None:
            privacy_service.gate(
                session, request, principal, [person], ["checks"], extra=form, reference=f"check:{check.code}"
            )
    except DomainError as exc:
        session.rollback()
        return _page(request, template, form=form, error=exc.message, embed=embed)
    return RedirectResponse(f"{'/embed/check' if embed else '/console/checks'}/{check.code}", status_code=303)


@router.post("/console/checks", response_class=HTMLResponse)
async def run_check(request: Request, session: DbSession, settings: AppSettings, principal: Checker) -> Response:
    """Run a check from the console."""
    return await _run(request, session, settings, principal, embed=False)


@router.get("/console/checks/statistics", response_class=HTMLResponse)
def statistics_page(request: Request, session: DbSession, _: Stats) -> HTMLResponse:
    """Checks per department and matter, feedback completeness, coverage of reported approvals."""
    return render(request, "checks/statistics.html", {"rows": service.statistics(session)})


@router.get("/console/checks/{code}", response_class=HTMLResponse)
def check_page(request: Request, session: DbSession, principal: Checker, code: str) -> HTMLResponse:
    """A check's result and its feedback form."""
    return _page(request, "checks/console.html", check=_shown(request, session, principal, code))


async def _feedback(request: Request, session: DbSession, principal: Principal, code: str, embed: bool) -> Response:
    check = _shown(request, session, principal, code)
    form = await form_fields(request)
    template = "checks/embed.html" if embed else "checks/console.html"
    try:
        service.record_feedback(
            session,
            code=code,
            values=_feedback_values(form, check),
            department_id=principal.department_id,
            actor=principal.actor(),
        )
    except DomainError as exc:
        session.rollback()
        shown = _shown(request, session, principal, code)
        return _page(request, template, check=shown, form=form, error=exc.message, embed=embed)
    return _page(request, template, check=check, message="已记录办理结果。", embed=embed)


@router.post("/console/checks/{code}/feedback", response_class=HTMLResponse)
async def feedback(request: Request, session: DbSession, principal: Checker, code: str) -> Response:
    """Record what the approver did."""
    return await _feedback(request, session, principal, code, embed=False)


@router.get("/embed/check", response_class=HTMLResponse)
def embed_page(request: Request, session: DbSession, principal: Checker) -> HTMLResponse:
    """A small check page an approval system can show in a frame (same site)."""
    return _page(request, "checks/embed.html", embed=True)


@router.post("/embed/check", response_class=HTMLResponse)
async def embed_run(request: Request, session: DbSession, settings: AppSettings, principal: Checker) -> Response:
    """Run a check from the embedded page."""
    return await _run(request, session, settings, principal, embed=True)


@router.get("/embed/check/{code}", response_class=HTMLResponse)
def embed_result(request: Request, session: DbSession, principal: Checker, code: str) -> HTMLResponse:
    """A check's result in the embedded page."""
    return _page(request, "checks/embed.html", check=_shown(request, session, principal, code), embed=True)


@router.post("/embed/check/{code}/feedback", response_class=HTMLResponse)
async def embed_feedback(request: Request, session: DbSession, principal: Checker, code: str) -> Response:
    """Record feedback from the embedded page."""
    return await _feedback(request, session, principal, code, embed=True)
