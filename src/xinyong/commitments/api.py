"""JSON routes: the public matter list; commitments at approval, their fulfilment and overdue verification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xinyong.commitments import service
from xinyong.commitments.models import Commitment
from xinyong.core import deadlines
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import NotFound, PermissionDenied
from xinyong.core.policy import department_scope
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, public, requires
from xinyong.privacy import service as privacy_service

router = APIRouter(prefix="/api/v1", tags=["信用承诺"])

Manager = Annotated[Principal, Depends(requires("commitments.manage"))]
Reader = Annotated[Principal, Depends(requires("commitments.read"))]


class CommitmentIn(BaseModel):
    """A commitment as a department records it at approval (national template fields; errors are reported in
    Chinese by field)."""

    matter: str | None = None
    committer_category: str | None = None
    committer_name: str | None = None
    committer_code: str | None = None
    legal_rep: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    commitment_type: str | None = None
    reason: str | None = None
    content: str | None = None
    liability: str | None = None
    made_on: str | None = None
    openness: str | None = None
    related_record: int | None = None


class FulfilmentIn(BaseModel):
    """What the verification found."""

    fulfilment: str | None = None
    unfulfilled_content: str | None = None
    accountability: str | None = None
    is_false: bool = False


def commitment_json(c: Commitment) -> dict[str, Any]:
    """A commitment with every template field (the personal ID number is never included)."""
    return {
        "code": c.code,
        "matter": {"code": c.matter.code, "name": c.matter.name},
        "committer_category": c.committer_category,
        "committer_name": c.committer_name,
        "committer_code": c.committer_code,
        "commitment_type": c.commitment_type,
        "reason": c.reason,
        "content": c.content,
        "liability": c.liability,
        "made_on": c.made_on.isoformat(),
        "accepting_unit": c.accepting_unit,
        "accepting_unit_code": c.accepting_unit_code,
        "openness": c.openness,
        "channel": c.channel,
        "verify_by": c.verify_by.isoformat(),
        "verify_by_provisional": deadlines.provisional_on(c, c.verify_by),
        "fulfilment": c.fulfilment,
        "fulfilment_label": service.fulfilment_label(c),
        "unfulfilled_content": c.unfulfilled_content,
        "accountability": c.accountability,
        "is_false": c.is_false,
        "record_id": c.record_id,
        "breach_record_id": c.breach_record_id,
    }


def _department_id(principal: Principal) -> int:
    if principal.department_id is None:
        raise PermissionDenied("当前账号或令牌未归属任何部门，不能受理信用承诺。")
    return principal.department_id


def _visible(principal: Principal, c: Commitment) -> Commitment:
    if not department_scope(principal).allows(c.department_id):
        raise NotFound(f"承诺编码为{c.code}的信用承诺不存在。")
    return c


@router.get("/commitment-matters", summary="告知承诺事项清单（公开）")
def matters(session: DbSession, _: Annotated[Principal, Depends(public)]) -> dict[str, Any]:
    """Every matter where a credit commitment may replace or supplement documents, with its rules."""
    rows = service.list_matters(session, active_only=True, include_system=False)
    return {"count": len(rows), "matters": [service.matter_public(m) for m in rows]}


@router.post("/commitments", status_code=201, summary="部门受理一项信用承诺")
def create(body: CommitmentIn, session: DbSession, settings: AppSettings, principal: Manager) -> JSONResponse:
    """Record a commitment made at approval for one of the department's own matters; 422 names every field error."""
    c = service.create_commitment(
        session,
        values=body.model_dump(),
        channel="department",
        actor=principal.actor(),
        cipher=get_cipher(settings.field_secret),
        department_id=_department_id(principal),
    )
    return JSONResponse(commitment_json(c), status_code=201)


@router.get("/commitments/overdue", summary="逾期未核查的信用承诺")
def overdue(
    request: Request,
    session: DbSession,
    principal: Reader,
    _statement: privacy_service.StatementQuery,
) -> dict[str, Any]:
    """Commitments of the department past their verification deadline without a finding (those of natural persons
    only with a purpose and a basis or authorisation, registered; otherwise counted in ``persons_withheld``)."""
    dept = department_scope(principal)
    if dept.empty:
        _department_id(principal)  # refused: no department
    rows, withheld = privacy_service.withhold_persons(
        session,
        request,
        principal,
        service.overdue_verifications(session, department_id=dept),
        lambda c: c.person_id,
        ["commitments"],
    )
    out: dict[str, Any] = {"count": len(rows), "commitments": [commitment_json(c) for c in rows]}
    if withheld:
        out["persons_withheld"] = withheld
        out["persons_notice"] = privacy_service.withheld_notice(withheld)
    return out


@router.get("/commitments/{code}", summary="查询一项信用承诺")
def get(
    code: str,
    request: Request,
    session: DbSession,
    principal: Reader,
    _statement: privacy_service.StatementQuery,
) -> dict[str, Any]:
    """A commitment of the department by its 承诺编码 (a natural person's: with a purpose and a basis or
    authorisation, 428 otherwise; registered)."""
    c = _visible(principal, service.commitment_by_code(session, code))
    privacy_service.gate_ids(
        session,
        request,
        principal,
        [c.person_id] if c.person_id else [],
        ["commitments"],
        reference=f"commitment:{c.id}",
    )
    return commitment_json(c)


@router.post("/commitments/{code}/fulfilment", summary="记录信用承诺履行情况")
def fulfilment(
    code: str, body: FulfilmentIn, session: DbSession, settings: AppSettings, principal: Manager
) -> dict[str, Any]:
    """Record the verification finding; a breach creates the negative record and applies the matter's measures."""
    c = _visible(principal, service.commitment_by_code(session, code))
    c, outcome = service.record_fulfilment(
        session,
        commitment_id=c.id,
        values=body.model_dump(),
        actor=principal.actor(),
        cipher=get_cipher(settings.field_secret),
        department_id=department_scope(principal),
    )
    payload = commitment_json(c)
    if outcome is not None:
        payload["breach"] = {
            "record_id": outcome.record_id,
            "ban_until": outcome.ban.ends_on.isoformat() if outcome.ban else None,
            "key_attention_proposal": outcome.proposal.id if outcome.proposal else None,
            "reopened_record_id": outcome.reopened_record_id,
        }
    return payload
