"""Request plumbing: the database session, the caller, permissions on routes, CSRF and templates."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from xinyong.core import calendar as calendar_service
from xinyong.core.clock import demo_today, get_clock, to_china
from xinyong.core.config import Settings
from xinyong.core.db import Database
from xinyong.core.errors import DomainError, NotAuthenticated, PermissionDenied
from xinyong.core.identifiers import mask_resident_ids
from xinyong.core.nav import nav_for
from xinyong.core.security import ANONYMOUS, PERMISSION_LABELS, Principal, role_label

SESSION_COOKIE = "xy_session"
CSRF_COOKIE = "xy_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "web" / "templates"
STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"


def get_database(request: Request) -> Database:
    """The application's database."""
    return request.app.state.db  # type: ignore[no-any-return]


def get_settings_dep(request: Request) -> Settings:
    """The application's settings."""
    return request.app.state.settings  # type: ignore[no-any-return]


def db_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route succeeds, rolled back otherwise."""
    db = get_database(request)
    with db.session(write=request.method not in SAFE_METHODS) as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]


def client_ip(request: Request) -> str | None:
    """The caller's address: the connection's, or the one a trusted reverse proxy forwarded
    (``XINYONG_TRUSTED_PROXIES``, applied by middleware: X-Forwarded-For is never read here)."""
    return request.client.host if request.client else None


Authenticator = Callable[[Request, Session], Principal | None]
"""Who a request's credentials (bearer token, session cookie) name, or None for the anonymous public; raises
NotAuthenticated for a bearer token it refuses. ``accounts`` provides it; ``create_app`` registers it."""

_authenticators: list[Authenticator] = []


def register_authenticator(authenticator: Authenticator) -> None:
    """Install the function that turns a request's credentials into a principal (core imports no domain, so the
    accounts package hands it in at start-up). Registering again replaces it."""
    _authenticators[:] = [authenticator]


def get_principal(request: Request, session: DbSession) -> Principal:
    """Who is calling: a bearer token, a web session, or the anonymous public."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if not _authenticators:
        raise RuntimeError("no authenticator registered (core.web.register_authenticator)")
    principal = _authenticators[0](request, session) or ANONYMOUS
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page (the double-submit cookie is set by middleware)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


async def csrf_protect(request: Request) -> None:
    """Reject unsafe cookie-authenticated requests whose form or header lacks the CSRF token."""
    if request.method in SAFE_METHODS or request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if request.url.path.startswith("/api/") and SESSION_COOKIE not in request.cookies:
        return  # no ambient credential to abuse: the route's permission check answers (401 for the anonymous)
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise PermissionDenied("页面已过期或请求来源无法验证（CSRF校验失败），请刷新页面后重试。")


async def form_fields(request: Request, *, lists: bool = False) -> dict[str, Any]:
    """A posted form's text fields (uploaded files left out). With ``lists``, a field sent several times (checkboxes,
    multi-selects) gives the list of its values; otherwise the last value wins, so a repeated field cannot turn a
    text into a list."""
    form = await request.form()
    if not lists:
        return {key: value for key, value in form.items() if isinstance(value, str)}
    out: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = values if len(values) > 1 else (values[0] if values else None)
    return out


def permission_denied(principal: Principal, permission: str) -> PermissionDenied:
    """The 403 for a signed-in caller lacking ``permission`` (saying so when its account has no department)."""
    label = PERMISSION_LABELS.get(permission, permission)
    if principal.lacks_department:
        return PermissionDenied(
            f"当前账号（{role_label(principal.role)}）未归属任何部门，没有“{label}”权限；请联系信用办管理员为账号指定部门。"
        )
    return PermissionDenied(f"当前账号（{role_label(principal.role)}）没有“{label}”权限。")


def requires(permission: str) -> Callable[..., Principal]:
    """A route dependency: the caller must hold the permission (401 when anonymous, 403 otherwise)."""

    def dependency(principal: CurrentPrincipal, _csrf: Annotated[None, Depends(csrf_protect)]) -> Principal:
        if not principal.can(permission):
            if not principal.is_authenticated:
                raise NotAuthenticated("请先登录。")
            raise permission_denied(principal, permission)
        return principal

    dependency.xinyong_permission = permission  # type: ignore[attr-defined]
    return dependency


def public(principal: CurrentPrincipal, _csrf: Annotated[None, Depends(csrf_protect)]) -> Principal:
    """A route dependency marking the route open to everyone."""
    return principal


public.xinyong_permission = "public"  # type: ignore[attr-defined]


UploadLimit = int | Callable[[Settings], int] | None


def accepts_upload(limit_mb: UploadLimit = None) -> Any:
    """Declare a route that takes files (``dependencies=[accepts_upload(...)]``): its request body may reach
    ``limit_mb`` MB (a number, a function of the settings, or None for ``max_request_mb``). Every other route takes
    at most ``max_body_kb``; the limit is enforced by middleware on the bytes received (``app.SecurityHeaders``)."""

    def upload_route() -> None:
        return None

    upload_route.xinyong_upload = (limit_mb,)  # type: ignore[attr-defined]
    return Depends(upload_route)


def upload_limit_bytes(route: Any, settings: Settings) -> int | None:
    """The body limit in bytes of a route declared with ``accepts_upload``, else None."""
    dependant = getattr(route, "dependant", None)
    for dep in dependant.dependencies if dependant is not None else []:
        marker = getattr(dep.call, "xinyong_upload", None)
        if marker is None:
            continue
        (limit,) = marker
        mb = settings.max_request_mb if limit is None else limit(settings) if callable(limit) else limit
        return min(mb, settings.max_request_mb) * 1024 * 1024
    return None


def route_permission(route: Any) -> str | None:
    """The permission a route declared via ``requires``/``public``, or None."""
    dependant = getattr(route, "dependant", None)
    for dep in dependant.dependencies if dependant is not None else []:
        found = _find_permission(dep)
        if found:
            return found
    return None


def _find_permission(dep: Any) -> str | None:
    perm = getattr(dep.call, "xinyong_permission", None)
    if perm:
        return str(perm)
    for sub in dep.dependencies:
        found = _find_permission(sub)
        if found:
            return found
    return None


def _fmt_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_china(value).strftime(fmt) if value else ""


def make_templates() -> Jinja2Templates:
    """The Jinja2 environment with the platform's filters and globals."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters["dt"] = _fmt_dt
    env.filters["role_label"] = role_label
    env.globals["csrf_field"] = CSRF_FIELD
    env.globals["now"] = lambda: to_china(get_clock().now())
    env.globals["demo_today"] = demo_today
    return templates


def error_payload(exc: DomainError) -> dict[str, Any]:
    """The JSON body of a domain error."""
    body: dict[str, Any] = {"error": {"code": exc.code, "message": exc.message}}
    if exc.details is not None:
        body["error"]["details"] = exc.details
    return body


def render(request: Request, template: str, context: dict[str, object], status_code: int = 200) -> HTMLResponse:
    """Render a page with the common context (caller, CSRF token, console navigation)."""
    principal = getattr(request.state, "principal", None)
    base = {
        "principal": principal,
        "csrf_token": csrf_token(request),
        "nav": nav_for(principal) if principal is not None else [],
        "due": calendar_service.due_label(request.app.state.db),
    }
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
    if template.startswith(PUBLIC_TEMPLATES):
        # The public portal never shows a full resident ID number, whatever free text carried it (issue 29, 5).
        page = bytes(response.body).decode("utf-8")
        masked = mask_resident_ids(page)
        if masked != page:
            fresh = HTMLResponse(masked, status_code=status_code)
            kept = [h for h in response.raw_headers if h[0] not in (b"content-length", b"content-type")]
            fresh.raw_headers = [*fresh.raw_headers, *kept]
            response = fresh
    return response


# Templates of pages anyone may see: resident ID numbers in them are masked as a last line of defence.
PUBLIC_TEMPLATES = ("portal/", "home.html")
