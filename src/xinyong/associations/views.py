"""Pages: the credit office registers associations and links their users; an association manages its members, sees
their public credit status and records its own member information (labelled as non-government information)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse

from xinyong.associations import service
from xinyong.associations.models import Association
from xinyong.core.errors import DomainError
from xinyong.core.forms import form_action
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, accepts_upload, form_fields, render, requires
from xinyong.subjects import service as subjects_service

router = APIRouter(include_in_schema=False)

Admin = Annotated[Principal, Depends(requires("associations.admin"))]
Manager = Annotated[Principal, Depends(requires("association.manage"))]


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    rules = service.load_rules()
    return render(request, template, {"rules": rules, "label": rules.label, **context}, status_code=status_code)


# --------------------------------------------------------------------------------------------------
# The credit office
# --------------------------------------------------------------------------------------------------


def _admin_page(
    request: Request, session: DbSession, *, message: str | None = None, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return _page(
        request,
        "associations/admin.html",
        {
            "associations": service.all_associations(session),
            "departments": subjects_service.list_departments(session),
            "message": message,
            "error": error,
        },
        status,
    )


@router.get("/console/associations", response_class=HTMLResponse)
def admin(request: Request, session: DbSession, _: Admin) -> HTMLResponse:
    """Registered associations, their member counts and users."""
    return _admin_page(request, session)


@router.post("/console/associations", response_class=HTMLResponse)
async def register(request: Request, session: DbSession, principal: Admin) -> HTMLResponse:
    """Register an association."""
    form = await form_fields(request)
    return form_action(
        session,
        lambda: service.register(
            session,
            uscc=form.get("uscc", ""),
            name=form.get("name", ""),
            supervising_department=form.get("department") or None,
            actor=principal.actor(),
        ),
        done=lambda row: _admin_page(request, session, message=f"已登记行业协会“{row.name}”。"),
        failed=lambda exc: _admin_page(request, session, error=exc.message, status=exc.status_code),
    )


@router.post("/console/associations/{association_id}/users", response_class=HTMLResponse)
async def link_user(request: Request, association_id: int, session: DbSession, principal: Admin) -> HTMLResponse:
    """Link a user with the role 行业协会 to the association."""
    form = await form_fields(request)
    return form_action(
        session,
        lambda: service.link_user(
            session, association_id=association_id, username=form.get("username", ""), actor=principal.actor()
        ),
        done=lambda _user: _admin_page(request, session, message=f"已关联账号“{form.get('username', '')}”。"),
        failed=lambda exc: _admin_page(request, session, error=exc.message, status=exc.status_code),
    )


# --------------------------------------------------------------------------------------------------
# The association
# --------------------------------------------------------------------------------------------------


def _members_page(
    request: Request,
    session: DbSession,
    association: Association,
    *,
    message: str | None = None,
    error: str | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return _page(
        request,
        "associations/members.html",
        {
            "association": association,
            "members": service.members(session, association=association, include_removed=True),
            "message": message,
            "error": error,
            "errors": errors or [],
        },
        status,
    )


@router.get("/console/association", response_class=HTMLResponse)
def members(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """The association's members and their public credit status."""
    return _members_page(request, session, service.association_of(session, principal.user_id))


@router.post("/console/association/members", response_class=HTMLResponse)
async def add_member(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """Add a member by its Unified Social Credit Code."""
    association = service.association_of(session, principal.user_id)
    form = await form_fields(request)
    try:
        joined = date.fromisoformat(form["joined_on"]) if form.get("joined_on") else None
        entity = service.add_member(
            session, association=association, uscc=form.get("uscc", ""), joined_on=joined, actor=principal.actor()
        )
    except ValueError:
        return _members_page(request, session, association, error="入会日期：不是有效的日期", status=422)
    except DomainError as exc:
        session.rollback()
        return _members_page(request, session, association, error=exc.message, status=exc.status_code)
    return _members_page(request, session, association, message=f"已将{entity.name}加入会员名单。")


@router.post("/console/association/members/import", response_class=HTMLResponse, dependencies=[accepts_upload(50)])
async def import_members(request: Request, session: DbSession, principal: Manager, file: UploadFile) -> HTMLResponse:
    """Import members from a CSV file; nothing is written when any row is wrong."""
    association = service.association_of(session, principal.user_id)
    content = await file.read()

    def imported(result: service.ImportResult) -> HTMLResponse:
        if result.errors:
            return _members_page(
                request,
                session,
                association,
                error=f"导入未完成：{len(result.errors)}处错误，所有行均未导入，请改正后重新上传。",
                errors=result.errors,
                status=422,
            )
        return _members_page(
            request,
            session,
            association,
            message=f"导入完成：共{result.rows}行，新增会员{result.added}个，已是会员{result.already}个。",
        )

    return form_action(
        session,
        lambda: service.import_members(session, association=association, content=content, actor=principal.actor()),
        done=imported,
        failed=lambda exc: _members_page(request, session, association, error=exc.message, status=exc.status_code),
    )


@router.post("/console/association/members/{entity_id}/remove", response_class=HTMLResponse)
async def remove_member(request: Request, entity_id: int, session: DbSession, principal: Manager) -> HTMLResponse:
    """Remove a member from the list."""
    association = service.association_of(session, principal.user_id)
    form = await form_fields(request)
    return form_action(
        session,
        lambda: service.remove_member(
            session,
            association=association,
            entity_id=entity_id,
            actor=principal.actor(),
            reason=form.get("reason", ""),
        ),
        done=lambda _removed: _members_page(request, session, association, message="已移出会员名单。"),
        failed=lambda exc: _members_page(request, session, association, error=exc.message, status=exc.status_code),
    )


def _member_page(
    request: Request,
    session: DbSession,
    association: Association,
    entity_id: int,
    *,
    message: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    entity, member = service.member_entity(session, association, entity_id)
    return _page(
        request,
        "associations/member.html",
        {
            "association": association,
            "entity": entity,
            "member": member,
            "infos": service.infos(session, association=association, entity_id=entity_id),
            "message": message,
            "error": error,
            "form": form or {},
        },
        status,
    )


@router.get("/console/association/members/{entity_id}", response_class=HTMLResponse)
def member(request: Request, entity_id: int, session: DbSession, principal: Manager) -> HTMLResponse:
    """A member's association information and the form to record more."""
    return _member_page(request, session, service.association_of(session, principal.user_id), entity_id)


@router.post("/console/association/members/{entity_id}/info", response_class=HTMLResponse)
async def record_info(request: Request, entity_id: int, session: DbSession, principal: Manager) -> HTMLResponse:
    """Record a self-discipline commitment, a training or a self-discipline measure about a member."""
    association = service.association_of(session, principal.user_id)
    form = await form_fields(request)

    def failed(exc: DomainError) -> HTMLResponse:
        if exc.status_code == 404:
            raise exc
        return _member_page(
            request, session, association, entity_id, error=exc.message, form=form, status=exc.status_code
        )

    return form_action(
        session,
        lambda: service.record_info(
            session, association=association, entity_id=entity_id, values=form, actor=principal.actor()
        ),
        done=lambda _info: _member_page(request, session, association, entity_id, message="已记录行业协会信息。"),
        failed=failed,
    )
