"""JSON routes of the credit check (v1 contract): run a check, record the approver's feedback, statistics."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from xinyong.accounts import service as accounts
from xinyong.checks import service
from xinyong.checks.writer import executor_of, writer_of
from xinyong.core.config import Settings
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Prepared, Snapshot
from xinyong.core.errors import NotAuthenticated, NotFound
from xinyong.core.security import Principal
from xinyong.core.web import (
    DbSession,
    client_ip,
    csrf_protect,
    get_database,
    get_principal,
    permission_denied,
    requires,
)
from xinyong.privacy import service as privacy_service
from xinyong.subjects.models import Person

router = APIRouter(prefix="/api/v1", tags=["信用核查"])

Checker = Annotated[Principal, Depends(requires("checks.run"))]
Stats = Annotated[Principal, Depends(requires("checks.stats"))]


class CheckIn(BaseModel):
    """What the approval system sends: the subject's USCC or ID number and the approval matter code; for a natural
    person also the purpose and a legal basis code or the person's authorisation number (registered, RULES §9)."""

    subject: str
    matter: str
    purpose: str | None = None
    basis: str | None = None
    authorisation: str | None = None


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


def _resolve_principal(request: Request) -> Principal:
    with get_database(request).session(write=False) as session:
        return get_principal(request, session)


async def _check_principal(request: Request) -> Principal:
    """The caller: a bearer token this process resolved in the last seconds without any database work, otherwise
    resolved in a read-only unit of work (a POST would otherwise take the write lock at once). The CSRF check of
    cookie sessions is called here, not declared as a dependency: one dependency less to resolve per check."""
    await csrf_protect(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    auth = request.headers.get("authorization", "")
    if principal is None and auth[:7].lower() == "bearer ":
        principal = accounts.remembered_principal(auth[7:].strip(), ip=client_ip(request))
        if principal is not None:
            request.state.principal = principal
            request.state.via_token = True
    if principal is None:
        principal = await run_in_threadpool(_resolve_principal, request)
    if not principal.can("checks.run"):
        if not principal.is_authenticated:
            raise NotAuthenticated("请先登录。")
        raise permission_denied(principal, "checks.run")
    return principal


_check_principal.xinyong_permission = "checks.run"  # type: ignore[attr-defined]


@router.post("/checks", status_code=201, summary="信用核查（审批办理时调用）")
async def run_check(
    body: CheckIn,
    request: Request,
    principal: Annotated[Principal, Depends(_check_principal)],
) -> Response:
    """Grade, active list entries and bans with basis and dates, the measures for this matter, the conclusion."""
    threads = executor_of(request.app.state)
    if threads is None:
        return await run_in_threadpool(_run_check, body, request, principal)
    context = contextvars.copy_context()  # as the shared pool does: the request's context goes with it
    return await asyncio.get_running_loop().run_in_executor(threads, context.run, _run_check, body, request, principal)


def _run_check(body: CheckIn, request: Request, principal: Principal) -> Response:
    db = get_database(request)
    settings: Settings = request.app.state.settings
    also: list[tuple[Prepared, dict[str, Any]]] = []
    with Snapshot(db.engine) as conn:  # reads only, one transaction: no unit of work needed
        check = service.check_values(
            conn,
            subject=body.subject,
            matter=body.matter,
            department_id=principal.department_id,
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        )
        if check["person_id"] is not None:  # a natural person: purpose and basis or authorisation (428 before a write)
            # The person as the check found it (id, name, masked number: all the registration needs), not reloaded.
            shown = check["result"]["subject"]
            person = Person(id=check["person_id"], name=shown["name"], id_masked=shown["code"])
            registrations = privacy_service.registration_rows(
                conn,
                request,
                principal,
                [person],
                ["checks"],
                extra=body.model_dump(include={"purpose", "basis", "authorisation"}),
                reference=f"check:{check['code']}",
            )
            also = [(privacy_service.REGISTRATION, r) for r in registrations]
    # The query log row (and registration), committed with those of concurrent checks before the answer leaves.
    writer_of(request.app.state).write(check, also)
    return Response(orjson.dumps(service.check_json(check)), status_code=201, media_type="application/json")


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
def get_check(code: str, request: Request, session: DbSession, principal: Checker) -> dict[str, Any]:
    """A check of the caller's department, with its feedback."""
    check = service.get_check(session, code)
    mine = service.owns_check(check, department_id=principal.department_id, actor_label=principal.actor().label)
    if not mine and not principal.can("checks.stats"):
        raise NotFound(f"核查记录{code}不存在。")
    person = session.get(Person, check.person_id) if check.person_id is not None else None
    if person is not None:
        privacy_service.reuse_registration(session, request, principal, person, ["checks"], f"check:{check.code}")
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
