"""Console page of integrity education: the course list, sessions, completions for entities and persons."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from xinyong.core.crypto import get_cipher
from xinyong.core.errors import ValidationFailed
from xinyong.core.forms import form_action
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, render, requires
from xinyong.education import service
from xinyong.education.models import CourseCompletion, CourseSession
from xinyong.privacy import service as privacy_service
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity, Person

router = APIRouter(prefix="/console/education", include_in_schema=False)

Manager = Annotated[Principal, Depends(requires("education.manage"))]


def _person_of(row: Any) -> int | None:
    return row.person_id  # type: ignore[no-any-return]


def _page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    message: str | None = None,
) -> HTMLResponse:
    completions, withheld = privacy_service.withhold_persons(
        session, request, principal, service.recent_completions(session), _person_of, ["education"]
    )
    subjects: dict[int, str] = {}
    for c in completions:
        if c.entity_id:
            e = session.get(Entity, c.entity_id)
            subjects[c.id] = f"{e.name}（{e.uscc}）" if e else ""
        elif c.person_id:
            p = session.get(Person, c.person_id)
            subjects[c.id] = f"{p.name}（{p.id_masked}）" if p else ""
    return render(
        request,
        "education/index.html",
        {
            "courses": service.courses(),
            "course_names": {c.code: c.name for c in service.courses()},
            "sessions": service.list_sessions(session),
            "completions": completions,
            "subjects": subjects,
            "withheld": withheld,
            "departments": {d.id: d.short_name for d in subjects_service.list_departments(session)},
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


def _day(value: Any, label: str) -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationFailed(f"{label}：应为YYYY-MM-DD格式的日期。") from None


@router.get("", response_class=HTMLResponse)
def education_page(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """Courses, sessions and recent completions."""
    return _page(request, session, principal)


@router.post("/sessions", response_class=HTMLResponse)
async def add_session(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """Schedule a course session for the department."""
    form = await request.form()

    def schedule() -> CourseSession:
        if principal.department_code is None:
            raise ValidationFailed("当前账号未归属任何部门，不能组织培训。")
        capacity = str(form.get("capacity") or "").strip()
        return service.create_session(
            session,
            course_code=str(form.get("course") or ""),
            department=subjects_service.department_by_code(session, principal.department_code),
            held_on=_day(form.get("held_on"), "举办日期"),
            place=str(form.get("place") or ""),
            capacity=int(capacity) if capacity.isdigit() else None,
            actor=principal.actor(),
        )

    return form_action(
        session,
        schedule,
        done=lambda row: _page(request, session, principal, message=f"已登记培训场次{row.id}。"),
        failed=lambda exc: _page(request, session, principal, error=exc.message),
    )


@router.post("/completions", response_class=HTMLResponse)
async def add_completion(
    request: Request, session: DbSession, settings: AppSettings, principal: Manager
) -> HTMLResponse:
    """Record a completion for an entity (by USCC) or a person (by name and ID number)."""
    form = await request.form()
    cipher = get_cipher(settings.field_secret)

    def record() -> CourseCompletion:
        uscc = str(form.get("uscc") or "").strip()
        id_number = str(form.get("id_number") or "").strip()
        entity_id = person_id = None
        if uscc:
            entity_id = subjects_service.entity_by_uscc(session, uscc).id
        elif id_number:
            person = subjects_service.find_person(session, cipher=cipher, id_number=id_number)
            if person is None:
                name = str(form.get("name") or "").strip()
                if not name:
                    raise ValidationFailed("姓名：该证件号码的自然人尚未登记，请填写姓名。")
                person = subjects_service.create_person(
                    session, cipher=cipher, name=name, id_number=id_number, actor=principal.actor()
                )
            person_id = person.id
        else:
            raise ValidationFailed("完成人：请填写市场主体的统一社会信用代码，或自然人的身份证号码。")
        session_text = str(form.get("session_id") or "").strip()
        return service.record_completion(
            session,
            course_code=str(form.get("course") or ""),
            completed_on=_day(form.get("completed_on"), "完成日期"),
            entity_id=entity_id,
            person_id=person_id,
            session_id=int(session_text) if session_text.isdigit() else None,
            actor=principal.actor(),
        )

    return form_action(
        session,
        record,
        done=lambda row: _page(request, session, principal, message=f"已登记完成，结业证明编号{row.certificate_no}。"),
        failed=lambda exc: _page(request, session, principal, error=exc.message),
    )
