"""JSON routes of the credit check (v1 contract): run a check, record the approver's feedback, statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xinyong.checks import service
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import NotFound
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, requires

router = APIRouter(prefix="/api/v1", tags=["信用核查"])

Checker = Annotated[Principal, Depends(requires("checks.run"))]
Stats = Annotated[Principal, Depends(requires("checks.stats"))]


class CheckIn(BaseModel):
    """What the approval system sends: the subject's USCC or ID number and the approval matter code."""

    subject: str
    matter: str


class MeasureFeedback(BaseModel):
    """Whether one applicable measure was applied, and why not."""

    code: str | None = None
    applied: bool | None = None
    reason: str | None = None


class FeedbackIn(BaseModel):
    """What the approver did: outcome (approved / restricted / refused) and every applicable measure."""

    outcome: str | None = None
    measures: list[MeasureFeedback] = []
    note: str | None = None


class ApprovalsIn(BaseModel):
    """How many approvals of a matter the department handled in a month."""

    matter: str
    period: str
    approvals: int


@router.post("/checks", status_code=201, summary="信用核查（审批办理时调用）")
def run_check(body: CheckIn, session: DbSession, settings: AppSettings, principal: Checker) -> JSONResponse:
    """Grade, active list entries and bans with basis and dates, the measures for this matter, the conclusion."""
    check = service.run_check(
        session,
        subject=body.subject,
        matter=body.matter,
        department_id=principal.department_id,
        actor=principal.actor(),
        cipher=get_cipher(settings.secret_key),
    )
    return JSONResponse(service.check_json(check), status_code=201)


@router.get("/checks/statistics", summary="信用核查统计")
def statistics(session: DbSession, _: Stats) -> dict[str, Any]:
    """Checks per department and matter, feedback completeness and coverage of reported approvals."""
    rows = service.statistics(session)
    return {
        "rows": [
            {
                "department": r.department,
                "matter": r.matter,
                "matter_name": r.matter_name,
                "checks": r.checks,
                "with_feedback": r.with_feedback,
                "feedback_rate": r.feedback_rate,
                "restricted": r.restricted,
                "approvals": r.approvals,
                "coverage": r.coverage,
            }
            for r in rows
        ]
    }


@router.post("/checks/approvals", summary="报送办件量（用于核查覆盖率）")
def approvals(body: ApprovalsIn, session: DbSession, principal: Checker) -> dict[str, Any]:
    """Report the month's approvals of a matter."""
    row = service.report_approvals(
        session,
        department_id=principal.department_id,
        matter=body.matter,
        period=body.period,
        approvals=body.approvals,
        actor=principal.actor(),
    )
    return {"matter": row.matter, "period": row.period, "approvals": row.approvals}


@router.get("/checks/{code}", summary="查询一次信用核查")
def get_check(code: str, session: DbSession, principal: Checker) -> dict[str, Any]:
    """A check of the caller's department, with its feedback."""
    check = service.get_check(session, code)
    if check.department_id != principal.department_id and not principal.can("checks.stats"):
        raise NotFound(f"核查记录{code}不存在。")
    return service.check_json(check)


@router.post("/checks/{code}/feedback", summary="反馈办理结果和措施实施情况")
def feedback(code: str, body: FeedbackIn, session: DbSession, principal: Checker) -> dict[str, Any]:
    """Record the outcome and, for every applicable measure, whether it was applied and why not."""
    check = service.record_feedback(
        session,
        code=code,
        values=body.model_dump(),
        department_id=principal.department_id,
        actor=principal.actor(),
    )
    return service.check_json(check)
