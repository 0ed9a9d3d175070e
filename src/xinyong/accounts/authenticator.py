"""The request authenticator ``core.web`` calls (registered by ``create_app``): a bearer token, else the web session
cookie, else nobody (the anonymous public)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.core.errors import NotAuthenticated
from xinyong.core.security import Principal
from xinyong.core.web import SAFE_METHODS, SESSION_COOKIE, client_ip, get_database, get_settings_dep


def _touch(request: Request, session: Session, session_id: int) -> None:
    """Record a session's use: in the request's own transaction when it writes, else in a short one of its own
    (a SQLite read transaction must not turn into a write)."""
    if request.method not in SAFE_METHODS:
        accounts.touch_session(session, session_id)
        return
    with get_database(request).session() as writer:
        accounts.touch_session(writer, session_id)


def authenticate_request(request: Request, session: Session) -> Principal | None:
    """Who the request's credentials name; None for the anonymous public. A refused bearer token is an error, a
    stale session cookie is not (the caller is simply anonymous)."""
    ip = client_ip(request)
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        ttl = get_settings_dep(request).token_cache_seconds
        bearer = accounts.principal_for_bearer(session, auth[7:].strip(), ip=ip, ttl=ttl)
        if bearer is None:
            raise NotAuthenticated("访问令牌无效、已过期或已被吊销。")
        request.state.via_token = True
        return bearer
    if token := request.cookies.get(SESSION_COOKIE):
        settings = get_settings_dep(request)
        found = accounts.resolve_session(
            session, token, key=settings.session_key, idle_minutes=settings.session_idle_minutes
        )
        if found is not None:
            web_session, user = found
            if accounts.session_needs_touch(web_session):
                _touch(request, session, web_session.id)
            return accounts.principal_for_user(user, session_id=web_session.id, ip=ip)
    return None
