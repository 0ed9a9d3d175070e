"""Pages: the listing workflow, the measures list (console and public), bans, and supervision (rectification,
interviews, special campaigns)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.core.crypto import get_cipher
from xinyong.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, form_fields, public, render, requires
from xinyong.lists import service, supervision
from xinyong.lists.rules import load_rules, measure_json
from xinyong.privacy import service as privacy_service
from xinyong.subjects.models import Person

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(requires("lists.read"))]
Proposer = Annotated[Principal, Depends(requires("lists.propose"))]
Decider = Annotated[Principal, Depends(requires("lists.decide"))]
BanManager = Annotated[Principal, Depends(requires("bans.manage"))]
Supervisor = Annotated[Principal, Depends(requires("supervision.manage"))]
Public = Annotated[Principal, Depends(public)]


def _responsible(form: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, 4):
        if form.get(f"r{i}_name") or form.get(f"r{i}_id"):
            out.append(
                {"role": form.get(f"r{i}_role"), "name": form.get(f"r{i}_name"), "id_number": form.get(f"r{i}_id")}
            )
    return out


def _common() -> dict[str, Any]:
    return {"rules": load_rules(), "labels": service.STATUS_LABELS, "removal_kinds": service.REMOVAL_KINDS}


# --------------------------------------------------------------------------------------------------
# Listing workflow
# --------------------------------------------------------------------------------------------------


def _lists_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    list_type: str | None = None,
) -> HTMLResponse:
    entries, withheld = privacy_service.withhold_persons(
        session,
        request,
        principal,
        service.list_entries(session, list_type=list_type or None, viewer=principal),
        _person_of,
        ["lists"],
    )
    return render(
        request,
        "lists/entries.html",
        {
            **_common(),
            "entries": entries,
            "withheld": withheld,
            "proposals": service.pending_commitment_proposals(session, department_id=principal.department_id),
            "escalations": service.escalation_due(session),
            "can_propose": principal.can("lists.propose"),
            "error": error,
            "form": form or {"list_type": "serious"},
            "list_type": list_type or "",
        },
        status_code=422 if error else 200,
    )


@router.get("/console/lists", response_class=HTMLResponse)
def lists_page(request: Request, session: DbSession, principal: Reader, list_type: str | None = None) -> HTMLResponse:
    """Entries of every list, the proposal form and commitment breach proposals waiting to be taken up."""
    return _lists_page(request, session, principal, list_type=list_type)


@router.post("/console/lists", response_class=HTMLResponse)
async def propose(request: Request, session: DbSession, settings: AppSettings, principal: Proposer) -> Response:
    """Propose a listing."""
    form = await form_fields(request)
    values = dict(form)
    values["responsible"] = _responsible(form)
    values["use_registered"] = form.get("use_registered") == "1"
    try:
        entry = service.propose(
            session,
            values=values,
            department_id=principal.department_id,
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        )
    except DomainError as exc:
        session.rollback()
        return _lists_page(request, session, principal, error=exc.message, form=form)
    return RedirectResponse(f"/console/lists/{entry.id}", status_code=303)


@router.post("/console/lists/proposals/{proposal_id}", response_class=HTMLResponse)
async def take_up(
    request: Request, session: DbSession, settings: AppSettings, principal: Proposer, proposal_id: int
) -> Response:
    """Start the workflow from a commitment breach proposal."""
    form = await form_fields(request)
    try:
        entry = service.take_up_proposal(
            session,
            proposal_id=proposal_id,
            domain=form.get("domain", ""),
            department_id=principal.department_id,
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        )
    except DomainError as exc:
        session.rollback()
        return _lists_page(request, session, principal, error=exc.message)
    return RedirectResponse(f"/console/lists/{entry.id}", status_code=303)


def _person_of(row: Any) -> int | None:
    return row.person_id  # type: ignore[no-any-return]


def _entry_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    entry_id: int,
    *,
    error: str | None = None,
    message: str | None = None,
    first_view: bool = False,
) -> HTMLResponse:
    entry = service.get_entry(session, entry_id)
    if not service.may_see(entry, principal):
        raise NotFound(f"名单记录{entry_id}不存在。")
    person = session.get(Person, entry.person_id) if entry.person_id is not None else None
    if person is not None and first_view:
        privacy_service.gate(session, request, principal, [person], ["lists"], reference=f"list:{entry.id}")
    elif person is not None:  # re-shown after a workflow step: under the purpose this user stated when opening it
        privacy_service.reuse_registration(session, request, principal, person, ["lists"], f"list:{entry.id}")
    own = entry.department_id == principal.department_id
    return render(
        request,
        "lists/entry.html",
        {
            **_common(),
            "entry": entry,
            "data": service.entry_json(entry),
            "events": service.events(session, entry.id),
            "notice_due": service.notice_due(entry, session) if entry.status == service.PROPOSED else None,
            "own": own,
            "can_propose": own and principal.can("lists.propose"),
            "can_decide": own and principal.can("lists.decide"),
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/lists/{entry_id}", response_class=HTMLResponse)
def entry_page(request: Request, session: DbSession, principal: Reader, entry_id: int) -> HTMLResponse:
    """One entry, its steps and the next step's form."""
    return _entry_page(request, session, principal, entry_id, first_view=True)


@router.post("/console/lists/{entry_id}/{step}", response_class=HTMLResponse)
async def entry_step(
    request: Request, session: DbSession, settings: AppSettings, principal: Proposer, entry_id: int, step: str
) -> Response:
    """Take the next step: notice, statement, withdraw (operators); decision, publication, removal (reviewers)."""
    form = await form_fields(request)
    dept, actor = principal.department_id, principal.actor()
    try:
        if step in ("decision", "publication", "removal") and not principal.can("lists.decide"):
            raise PermissionDenied("当前账号没有“审核列入决定、公布和移出名单”权限。")
        if step == "notice":
            service.give_notice(
                session, entry_id=entry_id, document=form.get("document", ""), department_id=dept, actor=actor
            )
        elif step == "statement":
            service.record_statement(
                session, entry_id=entry_id, statement=form.get("statement", ""), actor=actor, department_id=dept or 0
            )
        elif step == "withdraw":
            service.withdraw(session, entry_id=entry_id, reason=form.get("reason", ""), department_id=dept, actor=actor)
        elif step == "decision":
            service.decide(
                session,
                entry_id=entry_id,
                approve=form.get("approve") == "1",
                note=form.get("note", ""),
                document_number=form.get("document_number"),
                department_id=dept,
                actor=actor,
            )
        elif step == "publication":
            service.publish(
                session, entry_id=entry_id, department_id=dept, actor=actor, cipher=get_cipher(settings.field_secret)
            )
        elif step == "removal":
            service.remove(
                session,
                entry_id=entry_id,
                kind=form.get("kind", ""),
                reason=form.get("reason", ""),
                department_id=dept,
                actor=actor,
            )
        else:
            return _entry_page(request, session, principal, entry_id, error=f"未知的操作“{step}”。")
    except DomainError as exc:
        session.rollback()
        return _entry_page(request, session, principal, entry_id, error=exc.message)
    return _entry_page(request, session, principal, entry_id, message="已保存。")


# --------------------------------------------------------------------------------------------------
# Measures (public and console), public lists
# --------------------------------------------------------------------------------------------------


@router.get("/console/measures", response_class=HTMLResponse)
def measures_page(request: Request, _: Reader) -> HTMLResponse:
    """The measures list."""
    rules = load_rules()
    return render(
        request,
        "lists/measures.html",
        {"rules": rules, "measures": [measure_json(m) for m in rules.measures], "console": True},
    )


@router.get("/portal/measures", response_class=HTMLResponse)
def portal_measures(request: Request, _: Public) -> HTMLResponse:
    """The published measures list."""
    rules = load_rules()
    return render(
        request,
        "lists/portal_measures.html",
        {"rules": rules, "measures": [measure_json(m) for m in rules.measures], "console": False},
    )


# --------------------------------------------------------------------------------------------------
# Bans
# --------------------------------------------------------------------------------------------------


def _bans_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    bans, withheld = privacy_service.withhold_persons(
        session, request, principal, service.list_bans(session), _person_of, ["bans"]
    )
    return render(
        request,
        "lists/bans.html",
        {"rules": load_rules(), "bans": bans, "withheld": withheld, "error": error, "form": form or {}},
        status_code=422 if error else 200,
    )


@router.get("/console/bans", response_class=HTMLResponse)
def bans_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """Bans and the form to record one."""
    return _bans_page(request, session, principal)


@router.post("/console/bans", response_class=HTMLResponse)
async def create_ban(request: Request, session: DbSession, settings: AppSettings, principal: BanManager) -> Response:
    """Record a ban."""
    form = await form_fields(request)
    values = dict(form)
    values["responsible"] = _responsible(form)
    try:
        service.create_ban(
            session,
            values=values,
            department_id=principal.department_id,
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        )
    except DomainError as exc:
        session.rollback()
        return _bans_page(request, session, principal, error=exc.message, form=form)
    return RedirectResponse("/console/bans", status_code=303)


# --------------------------------------------------------------------------------------------------
# Supervision
# --------------------------------------------------------------------------------------------------


def _supervision_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    campaigns = supervision.list_campaigns(session)
    orders = supervision.list_orders(session, department_id=principal.department_id)
    overdue = supervision.overdue_orders(session, department_id=principal.department_id)
    interviews = supervision.list_interviews(session, department_id=principal.department_id)
    _shown, withheld = privacy_service.withhold_persons(
        session, request, principal, [*orders, *overdue, *interviews], _person_of, ["supervision"]
    )
    if withheld:
        orders, overdue = [o for o in orders if o.person_id is None], [o for o in overdue if o.person_id is None]
        interviews = [i for i in interviews if i.person_id is None]
    return render(
        request,
        "lists/supervision.html",
        {
            "orders": orders,
            "overdue": overdue,
            "interviews": interviews,
            "withheld": withheld,
            "campaigns": [(c, supervision.campaign_progress(session, c.id)) for c in campaigns],
            "order_status": supervision.ORDER_STATUS,
            "interview_kinds": supervision.INTERVIEW_KINDS,
            "error": error,
            "message": message,
            "form": form or {},
        },
        status_code=422 if error else 200,
    )


@router.get("/console/supervision", response_class=HTMLResponse)
def supervision_page(request: Request, session: DbSession, principal: Supervisor) -> HTMLResponse:
    """Rectification orders, interviews and special campaigns of the department."""
    return _supervision_page(request, session, principal)


@router.post("/console/supervision/{action}", response_class=HTMLResponse)
async def supervision_action(
    request: Request, session: DbSession, settings: AppSettings, principal: Supervisor, action: str
) -> Response:
    """Issue an order, follow one up, record an interview, open or close a campaign."""
    form = await form_fields(request)
    dept, actor, cipher = principal.department_id, principal.actor(), get_cipher(settings.field_secret)
    try:
        if action == "order":
            supervision.issue_order(session, values=form, department_id=dept, actor=actor, cipher=cipher)
        elif action == "follow-up":
            supervision.follow_up(
                session,
                order_id=int(form.get("order") or 0),
                note=form.get("note", ""),
                rectified=form.get("rectified") == "1",
                department_id=dept,
                actor=actor,
            )
        elif action == "interview":
            supervision.hold_interview(session, values=form, department_id=dept, actor=actor, cipher=cipher)
        elif action == "campaign":
            supervision.create_campaign(session, values=form, department_id=dept, actor=actor)
        elif action == "close":
            supervision.close_campaign(
                session,
                campaign_id=int(form.get("campaign") or 0),
                report=form.get("report", ""),
                department_id=dept,
                actor=actor,
            )
        else:
            return _supervision_page(request, session, principal, error=f"未知的操作“{action}”。")
    except ValueError:
        session.rollback()
        err = ValidationFailed("编号应为整数。")
        return _supervision_page(request, session, principal, error=err.message, form=form)
    except DomainError as exc:
        session.rollback()
        return _supervision_page(request, session, principal, error=exc.message, form=form)
    return _supervision_page(request, session, principal, message="已保存。")
