"""Console pages for reference data: departments, the working calendar, the audit trail."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from xinyong.core import audit as audit_service
from xinyong.core import calendar as calendar_service
from xinyong.core import deadlines
from xinyong.core.clock import get_clock
from xinyong.core.errors import DomainError
from xinyong.core.holidays import provisional_year
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, accepts_upload, render, requires
from xinyong.subjects import service as subjects_service

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/departments", response_class=HTMLResponse)
def departments(
    request: Request, session: DbSession, _: Annotated[Principal, Depends(requires("departments.read"))]
) -> HTMLResponse:
    """Departments and the domains they supervise."""
    return render(
        request,
        "console/departments.html",
        {
            "departments": subjects_service.list_departments(session),
            "domains": subjects_service.list_domains(session),
        },
    )


def _calendar_page(request: Request, session: DbSession, **extra: object) -> HTMLResponse:
    years = calendar_service.list_years(session)
    cal = calendar_service.get_calendar(session)
    today = get_clock().today()
    provisional = [
        {"year": y, "days": provisional_year(y).holidays, "source": provisional_year(y).source}
        for y in cal.provisional_years(today)
    ]
    context: dict[str, object] = {
        "years": years,
        "provisional": provisional,
        "recent": deadlines.recent_changes(session, limit=100),
        "open_provisional": deadlines.open_count(session),
        "changes": None,
        "result": None,
        "error": None,
        "message": None,
        "start": "",
        "n": "7",
        **extra,
    }
    return render(request, "console/calendar.html", context)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    session: DbSession,
    _: Annotated[Principal, Depends(requires("console.enter"))],
    start: str | None = None,
    n: str | None = None,
) -> HTMLResponse:
    """Loaded years, and a deadline calculator."""
    if not start:
        return _calendar_page(request, session)
    try:
        day = date.fromisoformat(start)
        count = int(n or "0")
        if count < 0 or count > 3650:
            raise ValueError
    except ValueError:
        return _calendar_page(
            request, session, start=start, n=n or "", error="请输入有效的起始日期（YYYY-MM-DD）和0—3650之间的工作日数。"
        )
    try:
        deadline = deadlines.compute(session, day, count)
    except DomainError as exc:
        return _calendar_page(request, session, start=start, n=str(count), error=exc.message)
    return _calendar_page(
        request,
        session,
        start=start,
        n=str(count),
        result={"deadline": deadline, "weekday": "一二三四五六日"[deadline.day.weekday()]},
    )


@router.post("/calendar/load", response_class=HTMLResponse, dependencies=[accepts_upload(5)])
def calendar_load(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(requires("admin.calendar"))],
    file: UploadFile,
    replace: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Load a year's official calendar from an uploaded JSON or CSV file; open provisional deadlines are recomputed
    and listed."""
    content = file.file.read(2_000_000)
    suffix = Path(file.filename or "calendar.csv").suffix.lower() or ".csv"
    try:
        data = calendar_service.parse_year_content(content, suffix=suffix)
        loaded = deadlines.load_notice(
            session, data, actor=principal.actor(), replace=replace == "1", confirm_conflicts=confirm == "1"
        )
    except DomainError as exc:
        session.rollback()
        return _calendar_page(request, session, error=exc.message)
    row = loaded.year
    message = (
        f"已加载{row.year}年日历：工作日放假{row.holidays}天，周末调休上班{row.makeup_workdays}天；"
        f"按新日历重新计算了{len(loaded.changes)}项未办结的暂定期限。"
    )
    return _calendar_page(request, session, message=message, changes=loaded.changes)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: DbSession,
    _: Annotated[Principal, Depends(requires("audit.read"))],
    verify: str | None = None,
    page: int = 1,
) -> HTMLResponse:
    """The latest audit events; optionally verify the whole chain."""
    size = 50
    page = max(page, 1)
    events = list(
        session.execute(
            select(audit_service.AuditEvent)
            .order_by(audit_service.AuditEvent.id.desc())
            .offset((page - 1) * size)
            .limit(size)
        ).scalars()
    )
    result = audit_service.verify(session) if verify else None
    return render(
        request,
        "console/audit.html",
        {"events": events, "result": result, "page": page, "has_next": len(events) == size},
    )
