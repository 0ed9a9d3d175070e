"""Account logic: users, password login with throttling, web sessions and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.sql.elements import ColumnElement

from xinyong.accounts.models import ApiClient, ApiToken, LoginAttempt, User, WebSession
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import Conflict, NotAuthenticated, NotFound, TooManyAttempts, ValidationFailed
from xinyong.core.security import (
    DEPARTMENT_ROLES,
    NO_DEPARTMENT_MESSAGE,
    ROLE_PERMISSIONS,
    Principal,
    check_password_strength,
    digest,
    effective_permissions,
    hash_password,
    new_secret_token,
    parse_role,
    verify_password,
)
from xinyong.subjects import service as subjects_service

LOGIN_FAILED = "用户名或密码错误。"


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    role: str,
    department_code: str | None = None,
    actor: Actor,
    check_strength: bool = True,
) -> User:
    """Create a user account with an argon2 password hash."""
    try:
        role_value = parse_role(role).value
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    username = username.strip()
    if not username or len(username) > 60:
        raise ValidationFailed("用户名不能为空，且不超过60个字符。")
    if session.execute(select(User.id).where(User.username == username)).first():
        raise Conflict(f"用户名“{username}”已存在。")
    if check_strength and (reason := check_password_strength(password)):
        raise ValidationFailed(reason)
    department_code = (department_code or "").strip() or None
    if role_value in DEPARTMENT_ROLES and department_code is None:
        raise ValidationFailed(NO_DEPARTMENT_MESSAGE)
    department = subjects_service.department_by_code(session, department_code) if department_code else None
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role_value,
        department_id=department.id if department else None,
        created_at=get_clock().now(),
    )
    session.add(user)
    session.flush()
    audit(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        detail={"username": username, "role": role_value, "department": department_code},
    )
    return user


def _failures(session: Session, condition: ColumnElement[bool], since: datetime) -> tuple[int, datetime | None]:
    row = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            condition,
            LoginAttempt.success.is_(False),
            LoginAttempt.at > since,  # type: ignore[arg-type]
        )
    ).one()
    return int(row[0]), row[1]


def _throttle(session: Session, *, username: str, ip: str | None, max_failures: int, window: timedelta) -> None:
    now = get_clock().now()
    since = now - window
    last_success = session.execute(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.success.is_(True))
    ).scalar()
    user_failures, user_last = _failures(session, LoginAttempt.username == username, max(since, last_success or since))
    # One address guessing many usernames is throttled too, at a higher bar.
    excess, last = user_failures - max_failures, user_last
    if ip:
        ip_failures, ip_last = _failures(session, LoginAttempt.ip == ip, since)
        if ip_failures - 4 * max_failures > excess:
            excess, last = ip_failures - 4 * max_failures, ip_last
    if excess >= 0 and last is not None:
        until = last + min(timedelta(seconds=30 * 2**excess), window)
        if now < until:
            seconds = int((until - now).total_seconds()) + 1
            when = f"{(seconds + 59) // 60}分钟" if seconds > 60 else f"{seconds}秒"
            raise TooManyAttempts(f"登录失败次数过多，请{when}后再试。")


def authenticate(
    session: Session, *, username: str, password: str, ip: str | None, max_failures: int = 5, window_minutes: int = 15
) -> User:
    """Check a password login; the same message for any wrong part, and slower after repeated failures."""
    username = username.strip()
    _throttle(session, username=username, ip=ip, max_failures=max_failures, window=timedelta(minutes=window_minutes))
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.is_active
    now = get_clock().now()
    session.add(LoginAttempt(username=username, ip=ip, at=now, success=bool(ok)))
    if not ok or user is None:
        session.flush()
        raise NotAuthenticated(LOGIN_FAILED)
    user.last_login_at = now
    audit(
        session,
        actor=Actor(label=user.username, user_id=user.id, role=user.role, ip=ip),
        action="user.login",
        object_type="user",
        object_id=user.id,
    )
    return user


def session_digest(token: str, key: str) -> str:
    """What is stored of a session cookie: its HMAC under the session secret (a new secret ends every session)."""
    return hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()


def start_session(
    session: Session, *, user: User, ip: str | None, user_agent: str | None, hours: int, key: str
) -> tuple[str, WebSession]:
    """Open a web session; returns the cookie value and the stored row."""
    token, _lookup, _plain = new_secret_token("s")
    now = get_clock().now()
    row = WebSession(
        token_hash=session_digest(token, key),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=hours),
        ip=ip,
        user_agent=(user_agent or "")[:300],
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_session(session: Session, token: str, *, key: str, idle_minutes: int) -> tuple[WebSession, User] | None:
    """The live session and its user for a cookie value, or None: unknown, logged out, past its absolute
    lifetime, or unused for ``idle_minutes`` (the caller records the use: ``touch_session``)."""
    digest_ = session_digest(token, key)
    row = session.execute(select(WebSession).where(WebSession.token_hash == digest_)).scalar_one_or_none()
    now = get_clock().now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if (row.last_seen_at or row.created_at) + timedelta(minutes=idle_minutes) <= now:
        return None
    user = row.user
    if not user.is_active:
        return None
    return row, user


TOUCH_EVERY = timedelta(minutes=1)


def session_needs_touch(row: WebSession) -> bool:
    """Whether the session's last use is worth writing (at most once a minute per session)."""
    return (row.last_seen_at or row.created_at) + TOUCH_EVERY <= get_clock().now()


def touch_session(session: Session, session_id: int) -> None:
    """Record that a session was just used (idle expiry counts from here)."""
    session.execute(update(WebSession).where(WebSession.id == session_id).values(last_seen_at=get_clock().now()))


def end_all_sessions(session: Session, *, actor: Actor, reason: str) -> int:
    """Log everyone out (session secret rotation): every live session is revoked, audited with the count."""
    now = get_clock().now()
    live = select(WebSession.id).where(WebSession.revoked_at.is_(None), WebSession.expires_at > now)
    ids = list(session.execute(live).scalars())
    if ids:
        session.execute(update(WebSession).where(WebSession.id.in_(ids)).values(revoked_at=now))
    detail = {"sessions": len(ids), "reason": reason}
    audit(session, actor=actor, action="user.logout_all", object_type="user", detail=detail)
    return len(ids)


def end_session(session: Session, *, session_id: int, actor: Actor) -> None:
    """Revoke a web session (logout)."""
    row = session.get(WebSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = get_clock().now()
        audit(session, actor=actor, action="user.logout", object_type="user", object_id=row.user_id)


def principal_for_user(user: User, *, session_id: int | None = None, ip: str | None = None) -> Principal:
    """The principal of a logged-in user."""
    dept = user.department
    return Principal(
        role=user.role,
        permissions=effective_permissions(user.role, user.department_id),
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        department_id=user.department_id,
        department_code=dept.code if dept else None,
        department_name=dept.name if dept else None,
        entity_id=user.entity_id,
        session_id=session_id,
        ip=ip,
    )


def create_token(
    session: Session,
    *,
    department_code: str | None,
    role: str,
    actor: Actor,
    name: str | None = None,
    scopes: list[str] | None = None,
    expires_days: int | None = None,
    client_id: int | None = None,
) -> tuple[str, ApiToken]:
    """Issue a bearer token for a department (or a registered API client) and role; only its digest is stored."""
    try:
        role_value = parse_role(role).value
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    department_code = (department_code or "").strip() or None
    if (department_code is None) == (client_id is None):
        raise ValidationFailed("令牌须属于一个部门或一个已登记的接口调用方（二者选一）。")
    if role_value in DEPARTMENT_ROLES and department_code is None:
        raise ValidationFailed(NO_DEPARTMENT_MESSAGE)
    department = subjects_service.department_by_code(session, department_code) if department_code else None
    allowed = ROLE_PERMISSIONS[role_value]
    chosen = sorted(allowed if scopes is None else set(scopes))
    extra = [s for s in chosen if s not in allowed]
    if extra:
        raise ValidationFailed(f"权限范围超出角色允许的范围：{'、'.join(extra)}。")
    token, lookup, token_hash = new_secret_token("xy")
    now = get_clock().now()
    row = ApiToken(
        prefix=lookup,
        token_hash=token_hash,
        name=name or f"{department.short_name if department else client_id}·{role_value}",
        role=role_value,
        department_id=department.id if department else None,
        client_id=client_id,
        scopes=chosen,
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=row.id,
        detail={
            "department": department.code if department else None,
            "client": client_id,
            "role": role_value,
            "scopes": chosen,
            "expires_days": expires_days,
        },
    )
    return token, row


def resolve_token(session: Session, token: str) -> ApiToken | None:
    """The live token row for a bearer token, or None."""
    found = resolve_token_and_client(session, token)
    return found[0] if found else None


def resolve_token_and_client(session: Session, token: str) -> tuple[ApiToken, int | None] | None:
    """The live token row and, for a registered API client's token, the client's calls per minute (one query)."""

    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "xy":
        return None
    found = session.execute(
        select(ApiToken, ApiClient.active, ApiClient.rate_per_minute)
        .outerjoin(ApiClient, ApiClient.id == ApiToken.client_id)
        .where(ApiToken.prefix == parts[1])
    ).one_or_none()
    if found is None:
        return None
    row, client_active, rate = found
    if row.token_hash != digest(token) or row.revoked_at is not None:
        return None
    if row.client_id is not None and not client_active:
        return None
    now = get_clock().now()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return row, rate


def principal_for_token(row: ApiToken, *, ip: str | None = None, client_rate: int | None = None) -> Principal:
    """The principal of an API token: its scopes, never more than its role allows."""
    dept = row.department if row.department_id is not None else None
    return Principal(
        role=row.role,
        permissions=effective_permissions(row.role, row.department_id, frozenset(row.scopes)),
        token_id=row.id,
        username=None,
        display_name=row.name,
        department_id=row.department_id,
        department_code=dept.code if dept else None,
        department_name=dept.name if dept else None,
        ip=ip,
        client_id=row.client_id,
        client_rate=client_rate,
    )


# Bearer tokens resolved recently, by the digest of the token: (principal without the caller's address, valid until
# (monotonic seconds), the token's own expiry). Only live tokens are remembered; the check of the expiry is repeated
# on every use, and any change to a token, an API client or a department empties the memory when it is committed.
_TOKEN_CACHE: dict[str, tuple[Principal, float, datetime | None]] = {}
_TOKEN_CACHE_LOCK = threading.Lock()
_TOKEN_CACHE_MAX = 10_000


def clear_token_cache() -> None:
    """Forget every remembered token (after a revocation or a change of token, client or department)."""
    with _TOKEN_CACHE_LOCK:
        _TOKEN_CACHE.clear()


def remembered_principal(token: str, *, ip: str | None) -> Principal | None:
    """The principal of a bearer token this process resolved less than ``token_cache_seconds`` ago and that has not
    expired since, else None (unknown, stale or expired: resolve it with ``principal_for_bearer``)."""
    key = digest(token)
    found = _TOKEN_CACHE.get(key)
    if found is None:
        return None
    principal, until, expires_at = found
    if time.monotonic() < until and (expires_at is None or expires_at > get_clock().now()):
        return replace(principal, ip=ip)
    with _TOKEN_CACHE_LOCK:
        _TOKEN_CACHE.pop(key, None)
    return None


def principal_for_bearer(session: Session, token: str, *, ip: str | None, ttl: float) -> Principal | None:
    """The principal of a live bearer token (remembered for ``ttl`` seconds), or None."""
    remembered = remembered_principal(token, ip=ip)
    if remembered is not None:
        return remembered
    resolved = resolve_token_and_client(session, token)
    if resolved is None:
        return None
    row, rate = resolved
    principal = principal_for_token(row, client_rate=rate)
    if ttl > 0:
        with _TOKEN_CACHE_LOCK:
            if len(_TOKEN_CACHE) >= _TOKEN_CACHE_MAX:
                _TOKEN_CACHE.clear()
            _TOKEN_CACHE[digest(token)] = (principal, time.monotonic() + ttl, row.expires_at)
    return replace(principal, ip=ip)


def _mark_token_change(_mapper: Any, _connection: Any, target: Any) -> None:
    clear_token_cache()  # at once (this process's other requests) and again when the change is committed
    session = object_session(target)
    if session is not None:
        session.info["token_cache_stale"] = True


@event.listens_for(Session, "after_commit")
def _clear_on_commit(session: Session) -> None:
    if session.info.pop("token_cache_stale", False):
        clear_token_cache()


def _watch_token_changes() -> None:
    from xinyong.subjects.models import Department

    for model in (ApiToken, ApiClient, Department):
        for name in ("after_insert", "after_update", "after_delete"):
            event.listen(model, name, _mark_token_change)


def revoke_token(session: Session, *, token_id: int, actor: Actor) -> ApiToken:
    """Revoke a token at once."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"令牌{token_id}不存在。")
    if row.revoked_at is None:
        row.revoked_at = get_clock().now()
        audit(session, actor=actor, action="token.revoke", object_type="api_token", object_id=row.id)
    return row


def set_active(session: Session, *, user_id: int, active: bool, actor: Actor) -> User:
    """Enable or disable an account; disabling also ends its open web sessions."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户{user_id}不存在。")
    if actor.user_id == user_id and not active:
        raise Conflict("不能停用当前登录的账号。")
    if user.is_active != active:
        user.is_active = active
        if not active:
            now = get_clock().now()
            for row in session.execute(
                select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
            ).scalars():
                row.revoked_at = now
        audit(
            session,
            actor=actor,
            action="user.enable" if active else "user.disable",
            object_type="user",
            object_id=user_id,
        )
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by department then username."""
    return list(session.execute(select(User).order_by(User.department_id, User.role, User.username)).scalars())


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, newest first."""
    return list(session.execute(select(ApiToken).order_by(ApiToken.id.desc())).scalars())


_watch_token_changes()
