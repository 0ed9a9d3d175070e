"""Console pages for users and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from xinyong.accounts import service
from xinyong.core.errors import DomainError
from xinyong.core.security import ROLE_LABELS, Principal
from xinyong.core.web import DbSession, render, requires
from xinyong.subjects import service as subjects_service

router = APIRouter(prefix="/console", include_in_schema=False)

Admin = Annotated[Principal, Depends(requires("admin.users"))]


def _page(request: Request, session: DbSession, **extra: object) -> HTMLResponse:
    return render(
        request,
        "console/users.html",
        {
            "users": service.list_users(session),
            "tokens": service.list_tokens(session),
            "departments": subjects_service.list_departments(session),
            "roles": ROLE_LABELS,
            "new_token": None,
            "error": None,
            "message": None,
            **extra,
        },
    )


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: DbSession, _: Admin) -> HTMLResponse:
    """Users and tokens."""
    return _page(request, session)


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    session: DbSession,
    principal: Admin,
    username: Annotated[str, Form()],
    display_name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()],
    department: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Create an account; the password must meet the strength rule."""
    try:
        user = service.create_user(
            session,
            username=username,
            display_name=display_name.strip() or username,
            password=password,
            role=role,
            department_code=department or None,
            actor=principal.actor(),
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, session, error=exc.message)
    return _page(request, session, message=f"已创建用户 {user.username}。")


@router.post("/users/{user_id}/active", response_class=HTMLResponse)
def set_active(
    request: Request, session: DbSession, principal: Admin, user_id: int, active: Annotated[str, Form()]
) -> HTMLResponse:
    """Disable or re-enable an account."""
    try:
        service.set_active(session, user_id=user_id, active=active == "1", actor=principal.actor())
    except DomainError as exc:
        session.rollback()
        return _page(request, session, error=exc.message)
    return _page(request, session)


@router.post("/users/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: DbSession,
    principal: Admin,
    department: Annotated[str, Form()],
    role: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    expires_days: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Issue a token; it is shown once and never again."""
    try:
        days = int(expires_days) if expires_days.strip() else None
    except ValueError:
        return _page(request, session, error="有效天数应为整数。")
    try:
        token, _row = service.create_token(
            session,
            department_code=department,
            role=role,
            name=name or None,
            expires_days=days,
            actor=principal.actor(),
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, session, error=exc.message)
    return _page(request, session, new_token=token)


@router.post("/users/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, session: DbSession, principal: Admin, token_id: int) -> HTMLResponse:
    """Revoke a token at once."""
    service.revoke_token(session, token_id=token_id, actor=principal.actor())
    return _page(request, session)
