"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong import __version__
from xinyong.core.clock import apply_setting as apply_clock_setting
from xinyong.core.clock import get_clock
from xinyong.core.config import Settings, get_settings
from xinyong.core.db import Database
from xinyong.core.errors import DomainError, NotAuthenticated, RequestTooLarge
from xinyong.core.web import (
    CSRF_COOKIE,
    STATIC_DIR,
    error_payload,
    make_templates,
    register_authenticator,
    route_permission,
    upload_limit_bytes,
)
from xinyong.privacy.service import PurposeRequired

log = logging.getLogger("xinyong")

FIELD_TYPES = {
    "missing": "必填项缺失",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "date_from_datetime_parsing": "应为YYYY-MM-DD格式的日期",
    "date_parsing": "应为YYYY-MM-DD格式的日期",
    "json_invalid": "JSON格式错误",
    "bool_parsing": "应为是/否",
    "string_too_long": "超过最大长度",
    "string_too_short": "长度不足",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/healthz"


def _error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "error.html", {"status": status, "title": title, "message": message}, status_code=status
    )


TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "请求方式不支持",
    409: "操作冲突",
    422: "填写有误",
    413: "内容过大",
    429: "操作过于频繁",
    500: "系统错误",
}


def _purpose_page(request: Request, exc: PurposeRequired) -> Response:
    """The form asking for a purpose and basis, re-sending the page's own query string (GET) once filled in."""
    from xinyong.core.web import render
    from xinyong.privacy.rules import rules_on

    scopes = rules_on(get_clock().today()).scopes
    stated = {k: request.query_params.get(k, "") for k in ("purpose", "basis", "authorisation")}
    keep = [(k, v) for k, v in request.query_params.multi_items() if k not in stated]
    context: dict[str, object] = {
        "message": exc.message,
        "sections": [scopes.get(s, s) for s in exc.sections],
        "method": request.method,
        "action": request.url.path,
        "keep": keep,
        "stated": stated,
    }
    return render(request, "privacy/purpose.html", context, status_code=exc.status_code)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PurposeRequired)
    async def purpose_required(request: Request, exc: PurposeRequired) -> Response:
        if _wants_json(request):
            return JSONResponse(error_payload(exc), status_code=exc.status_code)
        return _purpose_page(request, exc)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        retry = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
        headers = {"Retry-After": str(retry)} if retry else None
        if _wants_json(request):
            return JSONResponse(error_payload(exc), status_code=exc.status_code, headers=headers)
        if isinstance(exc, NotAuthenticated) and request.method == "GET":
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        page = _error_page(request, exc.status_code, TITLES.get(exc.status_code, "出错了"), exc.message)
        page.headers.update(headers or {})
        return page

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
            errors.append({"field": ".".join(loc), "message": FIELD_TYPES.get(err.get("type", ""), "取值无效")})
        message = "；".join(f"{e['field']}：{e['message']}" for e in errors) or "请求内容无效"
        if _wants_json(request):
            body = {"error": {"code": "validation_failed", "message": f"请求内容有误：{message}", "details": errors}}
            return JSONResponse(body, status_code=422)
        return _error_page(request, 422, TITLES[422], message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "您访问的页面不存在或已被移除。", 405: "不支持该请求方式。"}
        message = messages.get(exc.status_code, str(exc.detail))
        if _wants_json(request):
            return JSONResponse(
                {"error": {"code": f"http_{exc.status_code}", "message": message}}, status_code=exc.status_code
            )
        return _error_page(request, exc.status_code, TITLES.get(exc.status_code, "出错了"), message)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, exc: Exception) -> Response:
        # A number or text the database cannot hold (e.g. an id beyond 64 bits, found by schemathesis): bad input.
        log.info("value out of range on %s %s: %s", request.method, request.url.path, str(exc)[:200])
        message = "请求中的数值或文本超出允许范围。"
        if _wants_json(request):
            return JSONResponse({"error": {"code": "out_of_range", "message": message}}, status_code=422)
        return _error_page(request, 422, TITLES[422], message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return _unexpected(request)


def _unexpected(request: Request) -> Response:
    """The 500 answer (logged with the traceback of the exception being handled)."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    message = "系统内部错误，请稍后再试。如问题持续，请联系信用办系统管理员。"
    if _wants_json(request):
        return JSONResponse({"error": {"code": "internal_error", "message": message}}, status_code=500)
    return _error_page(request, 500, TITLES[500], message)


# Every response: no framing, no sniffing, scripts and styles only from our own static files (no inline code).
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _human_limit(limit: int) -> str:
    return f"{limit // (1024 * 1024)}MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)}KB"


def _too_large(request: Request, limit: int, upload: bool) -> Response:
    """The 413 answer (Chinese) for a body beyond the route's limit."""
    if upload:
        message = f"上传内容超过该功能的上限{_human_limit(limit)}，请拆分后分批上传。"
    else:
        message = f"请求内容超过上限{_human_limit(limit)}，请精简后重新提交。"
    if _wants_json(request):
        return JSONResponse({"error": {"code": "too_large", "message": message}}, status_code=413)
    return _error_page(request, 413, "内容过大", message)


class _BodyOverLimit(RequestTooLarge):
    """Raised into the application by the counting ``receive`` (whatever the route makes of it, the answer is
    the middleware's 413)."""


UploadRoutes = list[tuple[Any, frozenset[str], int]]


def upload_routes(app: FastAPI, settings: Settings) -> UploadRoutes:
    """(path regex, methods, body limit in bytes) of every route declared with ``accepts_upload``."""
    found = []
    for route in _api_routes(app.routes):
        limit = upload_limit_bytes(route, settings)
        if limit is not None:
            found.append((route.path_regex, frozenset(route.methods or ()), limit))
    return found


class SecurityHeaders:
    """Pure ASGI middleware on every HTTP response: the security headers (each only when the route did not set its
    own), the CSRF double-submit cookie when a page issued a new token, the body limit of the route (413; counted
    on the bytes received, so a chunked body without Content-Length is held to it too) and the 500 answer for an
    unhandled error, so that it carries the headers too. (Not ``@app.middleware("http")``: its task, memory stream
    and response re-wrapping cost more than a whole constant-JSON request.)"""

    def __init__(self, app: ASGIApp, settings: Settings, uploads: UploadRoutes | None = None) -> None:
        self.app = app
        self.settings = settings
        self.uploads = uploads or []
        fixed = dict(SECURITY_HEADERS)
        if settings.mode == "production":
            fixed["Strict-Transport-Security"] = "max-age=31536000"
        self.fixed = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in fixed.items()]
        self.csp = (b"content-security-policy", CSP.encode("latin-1"))

    def _headers(self, scope: Scope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in headers}
        out = list(headers)
        out.extend(h for h in self.fixed if h[0] not in present)
        if b"content-security-policy" not in present and not scope["path"].startswith("/api/docs"):
            out.append(self.csp)
        new_csrf = scope["state"].get("new_csrf")
        if new_csrf and not Request(scope).cookies.get(CSRF_COOKIE):
            cookie = Response()
            cookie.set_cookie(
                CSRF_COOKIE,
                new_csrf,
                httponly=True,
                samesite="strict",
                secure=self.settings.mode == "production",
                path="/",
            )
            out.extend(h for h in cookie.raw_headers if h[0] == b"set-cookie")
        return out

    def _body_limit(self, scope: Scope) -> tuple[int, bool]:
        """The route's body limit in bytes, and whether it is an upload route."""
        path, method = scope["path"], scope["method"]
        for regex, methods, limit in self.uploads:
            if method in methods and regex.match(path):
                return limit, True
        return self.settings.max_body_kb * 1024, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        started = False
        limit, upload = self._body_limit(scope)
        received, exceeded = 0, False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = self._headers(scope, list(message.get("headers", [])))
            await send(message)

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyOverLimit("请求内容过大。")
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyOverLimit("请求内容过大。")
            return message

        async def guarded_send(message: Message) -> None:
            if not exceeded:  # once over the limit, whatever the route answers is replaced by the 413
                await send_with_headers(message)

        request = Request(scope, receive)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:  # refused before a byte of the body is read
            await _too_large(request, limit, upload)(scope, receive, send_with_headers)
            return
        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:  # answered here, so that the 500 page carries the headers too
            if started:
                raise
            if not exceeded:
                await _unexpected(request)(scope, receive, send_with_headers)
        if exceeded and not started:
            await _too_large(request, limit, upload)(scope, receive, send_with_headers)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    # FastAPI >= 0.160 keeps included routers as wrappers holding the original router; older ones copy routes.
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (inner := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(inner.routes)
        elif isinstance(getattr(route, "routes", None), list):
            yield from _api_routes(route.routes)


def _check_routes_declare_permissions(app: FastAPI) -> None:
    routes = list(_api_routes(app.routes))
    missing = [f"{sorted(r.methods or ())} {r.path}" for r in routes if route_permission(r) is None]
    if missing:
        raise RuntimeError("routes without a declared permission (use requires() or public): " + ", ".join(missing))
    if not routes:
        raise RuntimeError("no API routes found: the permission check cannot see the routers")


def _daily_refresh(app: FastAPI) -> None:
    """Run the publicity expiry job once a day, at the first start-up of the day (the portal does not depend on it:
    what it shows is computed against today's date)."""
    from xinyong.core.audit import Actor
    from xinyong.disclosure import service as disclosure_service

    try:
        with app.state.db.session() as session:
            if disclosure_service.refresh_due(session):
                result = disclosure_service.refresh(session, actor=Actor.system("disclosure.refresh"))
                log.info("publicity refresh: %s records reached the end of publicity", result.expired)
                from xinyong.lists import service as lists_service

                removed = lists_service.expire_due(session, actor=Actor.system("lists.expire"))
                log.info("list expiry: %s entries reached the end of their period", len(removed))
    except Exception:  # a failed job must not keep the platform from starting; the CLI can be run by hand
        log.exception("publicity refresh at start-up failed")


def _privacy_bases() -> list[Any]:
    """The legal bases a query may cite today (for the purpose fields of forms)."""
    from xinyong.privacy.rules import rules_on

    today = get_clock().today()
    return list(rules_on(today).bases_in_force(today))


def _daily_anchor(app: FastAPI) -> None:
    """Write the day's anchor (both chain heads, published on the portal) at the first start-up of the day."""
    from xinyong.core.audit import Actor
    from xinyong.integrity import service as integrity

    try:
        with app.state.db.session() as session:
            if integrity.anchor_due(session):
                anchor, _written = integrity.make_anchor(session, actor=Actor.system("integrity.anchor"))
                log.info(
                    "daily anchor %s: records #%s, audit #%s", anchor.day, anchor.record_seq, anchor.audit_event_id
                )
    except Exception:  # a failed job must not keep the platform from starting; `xinyong audit anchor` can be run
        log.exception("daily anchor at start-up failed")


def _requeue_reports(app: FastAPI) -> None:
    """Queue the credit reports a restart left 生成中, so none is lost."""
    try:
        app.state.report_renderer.requeue_pending()
    except Exception:  # a failed job must not keep the platform from starting; the next start tries again
        log.exception("re-queueing pending credit reports failed")


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the application: routers, error handlers, templates, static files."""
    import xinyong.models  # noqa: F401  (every mapper known before the first flush)
    from xinyong.accounts.authenticator import authenticate_request

    register_authenticator(authenticate_request)  # core.web asks accounts who a request's credentials name
    settings = settings or get_settings()
    apply_clock_setting(settings.clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.disclosure_refresh_on_startup:
            _daily_refresh(app)
        if settings.anchor_on_startup:
            _daily_anchor(app)
        _requeue_reports(app)
        # Everything loaded so far (modules, mappers, templates, rules) lives as long as the process: moved out of
        # the collector's sight, a full collection no longer walks it (it took half a second at a time in the
        # middle of API requests).
        gc.collect()
        gc.freeze()
        yield
        gc.unfreeze()  # collectable again once the application stops (tests start many in one process)
        app.state.report_renderer.shutdown()
        meter = getattr(app.state, "client_meter", None)
        if meter is not None:  # API clients' usage counted since the last flush
            meter.flush(app.state.db)
        checks = getattr(app.state, "check_executor", None)
        if checks is not None and checks[0] is not None:  # the credit checks' own threads (checks.writer)
            checks[0].shutdown(wait=True)
        app.state.check_executor = None  # made again if the application starts again
        executor = getattr(app.state, "ingest_executor", None)
        if executor is not None:  # queued uploads are dropped; a running one finishes its chunk and can be re-sent
            executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        lifespan=lifespan,
        title="信用密山 · 公共信用信息平台 API",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url, echo=settings.sql_echo)
    app.state.templates = make_templates()
    from xinyong.reports.worker import ReportRenderer

    app.state.report_renderer = ReportRenderer(app.state.db, settings.signing_secret)
    app.state.templates.env.globals["settings"] = settings
    app.state.templates.env.globals["privacy_bases"] = _privacy_bases
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    from xinyong.accounts import views as accounts_views
    from xinyong.associations import views as associations_views
    from xinyong.catalog import api as catalog_api
    from xinyong.catalog import views as catalog_views
    from xinyong.checks import api as checks_api
    from xinyong.checks import views as checks_views
    from xinyong.commitments import api as commitments_api
    from xinyong.commitments import views as commitments_views
    from xinyong.education import views as education_views
    from xinyong.evaluation import api as evaluation_api
    from xinyong.evaluation import views as evaluation_views
    from xinyong.evidence import views as evidence_views
    from xinyong.exchange import api as exchange_api
    from xinyong.exchange import views as exchange_views
    from xinyong.ingestion import api as ingestion_api
    from xinyong.ingestion import views as ingestion_views
    from xinyong.inspections import views as inspections_views
    from xinyong.integrity import views as integrity_views
    from xinyong.lists import api as lists_api
    from xinyong.lists import supervision_api
    from xinyong.lists import views as lists_views
    from xinyong.objections import views as objections_views
    from xinyong.oversight import api as oversight_api
    from xinyong.oversight import views as oversight_views
    from xinyong.portal import api as portal_api
    from xinyong.portal import views as portal_views
    from xinyong.privacy import views as privacy_views
    from xinyong.repair import views as repair_views
    from xinyong.reports import api as reports_api
    from xinyong.reports import views as reports_views
    from xinyong.subjects import api as subjects_api
    from xinyong.subjects import views as subjects_views
    from xinyong.web import admin_views, api, views

    app.include_router(checks_api.router)
    app.include_router(api.router)
    app.include_router(subjects_api.router)
    app.include_router(portal_api.router)  # /api/v1/subjects/{code}
    app.include_router(catalog_api.router)
    app.include_router(ingestion_api.router)
    app.include_router(commitments_api.router)
    app.include_router(evaluation_api.router)
    app.include_router(lists_api.router)
    app.include_router(supervision_api.router)
    app.include_router(exchange_api.router)
    app.include_router(views.router)
    app.include_router(accounts_views.router)
    app.include_router(admin_views.router)
    app.include_router(catalog_views.router)
    app.include_router(ingestion_views.router)
    app.include_router(subjects_views.router)
    app.include_router(portal_views.router)
    app.include_router(portal_views.console_router)
    app.include_router(integrity_views.router)
    app.include_router(commitments_views.router)
    app.include_router(education_views.router)
    app.include_router(inspections_views.router)
    app.include_router(evaluation_views.router)
    app.include_router(checks_views.router)
    app.include_router(lists_views.router)
    app.include_router(reports_api.router)
    app.include_router(reports_views.router)
    app.include_router(repair_views.router)
    app.include_router(objections_views.router)
    app.include_router(evidence_views.router)
    app.include_router(oversight_api.router)
    app.include_router(oversight_views.router)
    app.include_router(associations_views.router)
    app.include_router(exchange_views.router)
    app.include_router(privacy_views.router)

    _install_error_handlers(app)
    _check_routes_declare_permissions(app)

    app.add_middleware(SecurityHeaders, settings=settings, uploads=upload_routes(app, settings))
    if settings.trusted_proxy_list:
        # X-Forwarded-For / -Proto believed only from the configured reverse proxies (the server itself is started
        # without proxy headers: uvicorn's default trusts them from 127.0.0.1, so anyone on the host could pick
        # the address the login and search throttles count).
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    return app
