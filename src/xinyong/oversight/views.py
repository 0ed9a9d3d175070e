"""Pages: the credit office's oversight dashboard and assessment export, plan task status, departments' progress
reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from xinyong.core.forms import form_action
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, form_fields, render, requires
from xinyong.oversight import assessment, plan, service

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(requires("oversight.read"))]
Reporter = Annotated[Principal, Depends(requires("plan.report"))]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/console/oversight", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, _: Reader, year: Year = None) -> HTMLResponse:
    """Department performance and domain figures for a year, with charts."""
    p = service.period(year)
    return render(
        request,
        "oversight/dashboard.html",
        {"data": service.dashboard(session, p), "year": p.year, "definitions": assessment.DEFINITIONS},
    )


@router.get("/console/oversight/assessment.xlsx")
def assessment_xlsx(session: DbSession, _: Reader, year: Year = None) -> Response:
    """The annual assessment table as an XLSX workbook."""
    p = service.period(year)
    return Response(
        assessment.workbook_bytes(session, p),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="assessment-{p.year}.xlsx"'},
    )


@router.get("/console/oversight/plan", response_class=HTMLResponse)
def plan_status(request: Request, session: DbSession, _: Reader) -> HTMLResponse:
    """Every plan task with each responsible unit's latest progress report."""
    return render(
        request,
        "oversight/plan.html",
        {"items": plan.overview(session), "labels": plan.STATUS_LABELS, "overall_labels": plan.OVERALL_LABELS},
    )


def _my_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    message: str | None = None,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    items = plan.overview(session, department_id=principal.department_id) if principal.department_id else []
    return render(
        request,
        "oversight/my_plan.html",
        {
            "items": items,
            "labels": plan.STATUS_LABELS,
            "overall_labels": plan.OVERALL_LABELS,
            "period": plan.period_of(service.period().today),
            "message": message,
            "error": error,
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("/console/plan/my", response_class=HTMLResponse)
def my_plan(request: Request, session: DbSession, principal: Reporter) -> HTMLResponse:
    """The department's plan tasks and a progress form for each."""
    return _my_page(request, session, principal)


@router.post("/console/plan/my/{code}", response_class=HTMLResponse)
async def report_progress(request: Request, code: str, session: DbSession, principal: Reporter) -> HTMLResponse:
    """Submit (or replace) this quarter's progress report on a task."""
    form = await form_fields(request)
    return form_action(
        session,
        lambda: plan.submit_progress(
            session,
            item_code=code,
            department_id=principal.department_id,
            status=form.get("status", ""),
            progress=form.get("progress", ""),
            problems=form.get("problems"),
            actor=principal.actor(),
        ),
        done=lambda row: _my_page(request, session, principal, message=f"已报送计划任务{code}在{row.period}的进展。"),
        failed=lambda exc: _my_page(
            request, session, principal, error=exc.message, form={**form, "code": code}, status_code=exc.status_code
        ),
    )
