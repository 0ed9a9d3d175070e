"""Public pages, login and logout, and the console home."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.accounts import service as accounts
from xinyong.core import audit as audit_service
from xinyong.core import calendar as calendar_service
from xinyong.core.errors import NotAuthenticated, TooManyAttempts
from xinyong.core.identifiers import check_uscc, describe_uscc
from xinyong.core.security import Principal
from xinyong.core.web import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AppSettings,
    DbSession,
    client_ip,
    public,
    render,
    requires,
)
from xinyong.subjects import service as subjects_service

router = APIRouter(include_in_schema=False)

Public = Annotated[Principal, Depends(public)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, _: Public, code: str | None = None) -> HTMLResponse:
    """The public home page, with the code checker."""
    result = None
    if code:
        check = check_uscc(code)
        result = {"check": check, "info": describe_uscc(check.code) if check.ok else None}
    return render(
        request,
        "home.html",
        {
            "counts": subjects_service.counts(session),
            "domains": subjects_service.list_domains(session),
            "departments": subjects_service.list_departments(session),
            "code": code or "",
            "result": result,
        },
    )


def _safe_next(target: str | None) -> str:
    if not target:
        return "/console"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/console"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: Public, next: str | None = None) -> Response:
    """The login page."""
    if principal.is_authenticated:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": next or "", "error": None, "username": ""})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    _: Public,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Check the password and open a session; the same message whatever part was wrong."""
    try:
        user = accounts.authenticate(
            session,
            username=username,
            password=password,
            ip=client_ip(request),
            max_failures=settings.login_max_failures,
            window_minutes=settings.login_window_minutes,
        )
    except (NotAuthenticated, TooManyAttempts) as exc:
        status = 429 if isinstance(exc, TooManyAttempts) else 401
        return render(request, "login.html", {"next": next, "error": exc.message, "username": username}, status)
    token, _row = accounts.start_session(
        session,
        user=user,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        hours=settings.session_hours,
        key=settings.session_key,
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = settings.mode == "production"
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=settings.session_hours * 3600,
        path="/",
    )
    # A fresh CSRF token after login, so a token planted before login is worthless.
    response.set_cookie(
        CSRF_COOKIE, secrets.token_urlsafe(32), httponly=True, samesite="strict", secure=secure, path="/"
    )
    return response


@router.post("/logout")
def logout(session: DbSession, principal: Public) -> Response:
    """End the session."""
    if principal.session_id is not None:
        accounts.end_session(session, session_id=principal.session_id, actor=principal.actor())
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/console", response_class=HTMLResponse)
def console_home(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(requires("console.enter"))]
) -> HTMLResponse:
    """The console dashboard: headline figures and the state of the calendar and audit chain."""
    years = calendar_service.list_years(session)
    head = session.get(audit_service.AuditHead, 1)
    return render(
        request,
        "console/index.html",
        {
            "counts": subjects_service.counts(session),
            "years": years,
            "audit_events": head.last_event_id if head else 0,
        },
    )
