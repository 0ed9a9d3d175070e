"""Console pages of the credit office: upward reporting per destination (sent, acknowledged, failed, resend) and the
API clients (registration, tokens, subjects' authorisations, usage per day and endpoint)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from xinyong.core.crypto import get_cipher
from xinyong.core.downloads import neutralise_csv
from xinyong.core.errors import DomainError, NotFound
from xinyong.core.forms import form_action
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, form_fields, render, requires
from xinyong.exchange import clients, feed, service
from xinyong.exchange.models import ApiClient

router = APIRouter(include_in_schema=False)

Manager = Annotated[Principal, Depends(requires("exchange.manage"))]


def _index(
    request: Request, session: DbSession, *, error: str | None = None, form: dict[str, Any] | None = None
) -> HTMLResponse:
    rules = feed.load_rules()
    return render(
        request,
        "exchange/index.html",
        {
            "rows": service.overview(session),
            "status_labels": service.STATUS_LABELS,
            "kind_labels": service.KIND_LABELS,
            "types": rules.types,
            "defaults": rules.defaults,
            "sources": feed.SOURCE_LABELS,
            "error": error,
            "form": form or {},
        },
        status_code=422 if error else 200,
    )


@router.get("/console/exchange", response_class=HTMLResponse)
def index(request: Request, session: DbSession, _: Manager) -> HTMLResponse:
    """Every destination: batches and items sent, acknowledged, failed; the acknowledged position."""
    return _index(request, session)


@router.post("/console/exchange/destinations", response_class=HTMLResponse)
async def save_destination(request: Request, session: DbSession, principal: Manager) -> Response:
    """Create or change a destination."""
    form = await form_fields(request, lists=True)
    values = {**form, "types": form.get("types") or []}
    if isinstance(values["types"], str):
        values["types"] = [values["types"]]
    return form_action(
        session,
        lambda: service.save_destination(
            session,
            values=values,
            actor=principal.actor(),
            policy=service.DestinationPolicy.of(request.app.state.settings),
        ),
        done=lambda dest: RedirectResponse(f"/console/exchange/destinations/{dest.code}", status_code=303),
        failed=lambda exc: _index(request, session, error=exc.message, form=form),
    )


@router.get("/console/exchange/destinations/{code}", response_class=HTMLResponse)
def destination(
    request: Request, session: DbSession, _: Manager, code: str, message: str | None = None
) -> HTMLResponse:
    """One destination's batches, newest first, with their attempts."""
    dest = service.get_destination(session, code)
    batches = service.batches(session, dest.id)
    return render(
        request,
        "exchange/destination.html",
        {
            "dest": dest,
            "batches": batches,
            "attempts": {b.id: service.attempts_of(session, b.id)[:5] for b in batches[:50]},
            "status_labels": service.STATUS_LABELS,
            "kind_labels": service.KIND_LABELS,
            "types": feed.load_rules().types,
            "sources": feed.SOURCE_LABELS,
            "message": message,
        },
    )


@router.post("/console/exchange/destinations/{code}/push")
def push(request: Request, session: DbSession, principal: Manager, code: str) -> Response:
    """Push now: acknowledgements, resending, new batches (delivery runs outside the request's transaction)."""
    service.get_destination(session, code)
    session.commit()  # release the request's transaction (SQLite's writer lock) before the push's own units of work
    (report,) = service.push(
        request.app.state.db,
        destination=code,
        actor=principal.actor(),
        policy=service.DestinationPolicy.of(request.app.state.settings),
    )
    return RedirectResponse(f"/console/exchange/destinations/{code}?message={report.summary()}", status_code=303)


@router.post("/console/exchange/batches/{number}/resend")
def resend(session: DbSession, principal: Manager, number: str) -> Response:
    """Mark a batch for delivery again (identical content)."""
    batch = service.resend(session, number=number, actor=principal.actor())
    dest_code = next(d.code for d in service.destinations(session) if d.id == batch.destination_id)
    target = f"/console/exchange/destinations/{dest_code}?message=批次{number}将在下次推送时重发。"
    return RedirectResponse(target, status_code=303)


@router.get("/console/exchange/batches/{number}/{name}")
def download(session: DbSession, _: Manager, number: str, name: str) -> Response:
    """A batch's JSON Lines, CSV or manifest, byte for byte as delivered."""
    batch = service.get_batch(session, number)
    dest = next(d for d in service.destinations(session) if d.id == batch.destination_id)
    parcel = service.parcel_of(batch, dest)
    if name == f"{number}.jsonl":
        return Response(parcel.content, media_type="application/x-ndjson; charset=utf-8")
    if name in parcel.csv_files:
        # batches built before cells were neutralised are neutralised here (the same bytes for later ones)
        return Response(neutralise_csv(parcel.csv_files[name]), media_type="text/csv; charset=utf-8")
    if name == f"{number}.manifest.json":
        import json

        return Response(json.dumps(parcel.manifest(), ensure_ascii=False, indent=2), media_type="application/json")
    raise NotFound(f"批次{number}没有文件{name}。")


# --------------------------------------------------------------------------------------------------
# API clients
# --------------------------------------------------------------------------------------------------


def _clients_page(
    request: Request,
    session: DbSession,
    *,
    error: str | None = None,
    token: str | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    meter = getattr(request.app.state, "client_meter", None)
    if meter is not None and request.method == "GET":  # a POST's transaction holds SQLite's writer lock
        meter.flush(request.app.state.db)
        session.commit()  # end the request's snapshot so the counts just written are read
    rows = clients.list_clients(session)
    names = {c.id: c for c in session.execute(select(ApiClient)).scalars()}
    return render(
        request,
        "exchange/clients.html",
        {
            "clients": rows,
            "tokens": {c.id: clients.tokens_of(session, c.id) for c in rows},
            "usage": clients.usage(session),
            "totals": clients.usage_totals(session),
            "authorisations": clients.authorisations(session),
            "names": names,
            "scopes": clients.SCOPES,
            "kinds": clients.KINDS,
            "auth_scopes": clients.AUTH_SCOPES,
            "error": error,
            "token": token,
            "message": message,
        },
        status_code=status_code,
    )


@router.get("/console/exchange/clients", response_class=HTMLResponse)
def clients_page(request: Request, session: DbSession, _: Manager) -> HTMLResponse:
    """Registered clients, their tokens, authorisations and usage."""
    return _clients_page(request, session)


def _values(form: dict[str, Any], key: str) -> list[str]:
    raw = form.get(key) or []
    return [raw] if isinstance(raw, str) else list(raw)


@router.post("/console/exchange/clients", response_class=HTMLResponse)
async def save_client(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """Register or change a client."""
    form = await form_fields(request, lists=True)
    return form_action(
        session,
        lambda: clients.save_client(
            session, values={**form, "scopes": _values(form, "scopes")}, actor=principal.actor()
        ),
        done=lambda row: _clients_page(request, session, message=f"接口调用方{row.code}已保存。"),
        failed=lambda exc: _clients_refused(request, session, exc),
    )


def _clients_refused(request: Request, session: DbSession, exc: DomainError) -> HTMLResponse:
    return _clients_page(request, session, error=exc.message, status_code=422)


@router.post("/console/exchange/clients/{code}/tokens", response_class=HTMLResponse)
async def issue_token(request: Request, session: DbSession, principal: Manager, code: str) -> HTMLResponse:
    """Issue a token; it is shown once."""
    form = await form_fields(request, lists=True)
    days = str(form.get("expires_days") or "").strip()
    return form_action(
        session,
        lambda: clients.issue_token(
            session,
            client_code=code,
            scopes=_values(form, "scopes") or None,
            expires_days=int(days) if days.isdigit() else 0,
            actor=principal.actor(),
        ),
        done=lambda issued: _clients_page(
            request, session, token=issued[0], message="令牌已签发，仅显示这一次，请妥善转交调用方。"
        ),
        failed=lambda exc: _clients_refused(request, session, exc),
    )


@router.post("/console/exchange/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, session: DbSession, principal: Manager, token_id: int) -> HTMLResponse:
    """Revoke a client's token at once."""
    from xinyong.accounts import service as accounts

    accounts.revoke_token(session, token_id=token_id, actor=principal.actor())
    return _clients_page(request, session, message=f"令牌{token_id}已吊销。")


@router.post("/console/exchange/authorisations", response_class=HTMLResponse)
async def record_authorisation(
    request: Request, session: DbSession, principal: Manager, settings: AppSettings
) -> HTMLResponse:
    """Record a subject's signed authorisation of a client."""
    form = await form_fields(request, lists=True)
    return form_action(
        session,
        lambda: clients.record_authorisation(
            session,
            values={**form, "scope": _values(form, "scope")},
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        ),
        done=lambda _auth: _clients_page(request, session, message="主体授权已登记。"),
        failed=lambda exc: _clients_refused(request, session, exc),
    )


@router.post("/console/exchange/authorisations/{auth_id}/revoke", response_class=HTMLResponse)
def revoke_authorisation(request: Request, session: DbSession, principal: Manager, auth_id: int) -> HTMLResponse:
    """Withdraw an authorisation."""
    clients.revoke_authorisation(session, authorisation_id=auth_id, actor=principal.actor())
    return _clients_page(request, session, message=f"授权{auth_id}已撤回。")
