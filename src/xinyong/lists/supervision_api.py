"""JSON routes of supervision: rectification orders and follow-up, interviews, special campaigns (T19, T20)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xinyong.core import deadlines
from xinyong.core.crypto import get_cipher
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, requires
from xinyong.lists import supervision
from xinyong.lists.models import Campaign, Interview, RectificationOrder

router = APIRouter(prefix="/api/v1", tags=["整改、约谈与专项治理"])

Supervisor = Annotated[Principal, Depends(requires("supervision.manage"))]


class OrderIn(BaseModel):
    """A rectification order."""

    subject: str | None = None
    content: str | None = None
    working_days: int | None = None
    basis_record: int | None = None
    campaign: int | None = None


class FollowUpIn(BaseModel):
    """A follow-up of an order."""

    note: str = ""
    rectified: bool = False


class InterviewIn(BaseModel):
    """A reminder or warning interview."""

    kind: str | None = None
    subject: str | None = None
    order: int | None = None
    document_number: str | None = None
    held_on: str | None = None
    participants: str | None = None
    record_text: str | None = None
    commitments: str | None = None
    legal_rep: str | None = None


class CampaignIn(BaseModel):
    """A special campaign."""

    name: str | None = None
    domain: str | None = None
    goal: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None


class CloseIn(BaseModel):
    """The closing report."""

    report: str = ""


def order_json(o: RectificationOrder) -> dict[str, Any]:
    """An order for the API."""
    return {
        "id": o.id,
        "subject_name": o.subject_name,
        "department": o.department.name,
        "content": o.content,
        "issued_on": o.issued_on.isoformat(),
        "working_days": o.working_days,
        "due_on": o.due_on.isoformat(),
        "due_on_provisional": deadlines.provisional_on(o, o.due_on),
        "status": o.status,
        "status_name": supervision.ORDER_STATUS[o.status],
        "follow_ups": o.follow_ups,
        "campaign": o.campaign_id,
    }


def interview_json(i: Interview) -> dict[str, Any]:
    """An interview for the API."""
    return {
        "id": i.id,
        "kind": i.kind,
        "kind_name": supervision.INTERVIEW_KINDS[i.kind],
        "subject_name": i.subject_name,
        "department": i.department.name,
        "document_number": i.document_number,
        "held_on": i.held_on.isoformat(),
        "participants": i.participants,
        "record_text": i.record_text,
        "commitments": i.commitments,
        "record_id": i.record_id,
    }


def campaign_json(session: DbSession, c: Campaign) -> dict[str, Any]:
    """A campaign with its progress."""
    return {
        "id": c.id,
        "name": c.name,
        "domain": c.domain,
        "department": c.department.name,
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat(),
        "goal": c.goal,
        "status": c.status,
        "progress": supervision.campaign_progress(session, c.id),
        "closing_report": c.closing_report,
    }


@router.post("/rectifications", status_code=201, summary="下达整改通知")
def issue(body: OrderIn, session: DbSession, settings: AppSettings, principal: Supervisor) -> JSONResponse:
    """Order a subject to rectify within working days."""
    o = supervision.issue_order(
        session,
        values=body.model_dump(),
        department_id=principal.department_id,
        actor=principal.actor(),
        cipher=get_cipher(settings.field_secret),
    )
    return JSONResponse(order_json(o), status_code=201)


@router.post("/rectifications/{order_id}/follow-ups", summary="记录整改跟踪情况")
def follow_up(order_id: int, body: FollowUpIn, session: DbSession, principal: Supervisor) -> dict[str, Any]:
    """Record a follow-up of the department's order."""
    o = supervision.follow_up(
        session,
        order_id=order_id,
        note=body.note,
        rectified=body.rectified,
        department_id=principal.department_id,
        actor=principal.actor(),
    )
    return order_json(o)


@router.post("/interviews", status_code=201, summary="记录信用约谈")
def interview(body: InterviewIn, session: DbSession, settings: AppSettings, principal: Supervisor) -> JSONResponse:
    """Record an interview; it becomes a credit record."""
    i = supervision.hold_interview(
        session,
        values=body.model_dump(),
        department_id=principal.department_id,
        actor=principal.actor(),
        cipher=get_cipher(settings.field_secret),
    )
    return JSONResponse(interview_json(i), status_code=201)


@router.post("/campaigns", status_code=201, summary="开展专项治理行动")
def campaign(body: CampaignIn, session: DbSession, principal: Supervisor) -> JSONResponse:
    """Open a special campaign."""
    c = supervision.create_campaign(
        session, values=body.model_dump(), department_id=principal.department_id, actor=principal.actor()
    )
    return JSONResponse(campaign_json(session, c), status_code=201)


@router.get("/campaigns/{campaign_id}", summary="专项治理行动及进展")
def get_campaign(campaign_id: int, session: DbSession, _: Supervisor) -> dict[str, Any]:
    """A campaign with its progress."""
    return campaign_json(session, supervision.get_campaign(session, campaign_id))


@router.post("/campaigns/{campaign_id}/close", summary="结束专项治理行动")
def close(campaign_id: int, body: CloseIn, session: DbSession, principal: Supervisor) -> dict[str, Any]:
    """Close the campaign with its report."""
    c = supervision.close_campaign(
        session,
        campaign_id=campaign_id,
        report=body.report,
        department_id=principal.department_id,
        actor=principal.actor(),
    )
    return campaign_json(session, c)
