"""The public credit portal (no login): search, profiles, publicity lists, record details, printable profile."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.core.errors import ValidationFailed
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, public, requires
from xinyong.core.web import render as _render
from xinyong.disclosure import service as disclosure
from xinyong.portal import service
from xinyong.portal.ratelimit import check_search_rate
from xinyong.records.states import STATUS_LABELS

router = APIRouter(prefix="/portal", include_in_schema=False)
console_router = APIRouter(prefix="/console/records", include_in_schema=False)

Public = Annotated[Principal, Depends(public)]


def render(request: Request, template: str, context: dict[str, object]) -> HTMLResponse:
    """Render a portal page (with the publicity list menu)."""
    return _render(request, template, {"kinds": list(service.LIST_KINDS.values()), **context})


def _date(value: str | None, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{label}应为YYYY-MM-DD格式的日期，收到“{value[:20]}”。") from None


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        raise ValidationFailed("页码应为正整数。") from None


@router.get("", response_class=HTMLResponse)
def home(request: Request, session: DbSession, _: Public) -> HTMLResponse:
    """The portal home: search box, publicity lists, newest penalties."""
    return render(
        request,
        "portal/home.html",
        {
            "kinds": list(service.LIST_KINDS.values()),
            "latest": service.latest(session),
            "withheld": service.withheld_items(session),
            "q": "",
        },
    )


@router.get("/search", response_class=HTMLResponse, dependencies=[Depends(check_search_rate)])
def search(request: Request, session: DbSession, _: Public, q: str = "", page: str | None = None) -> Response:
    """Search entities by partial name (all terms) or by code (a code found goes straight to the profile)."""
    result = service.search(session, q, page=_page(page))
    if result.by == "code" and len(result.hits) == 1 and result.hits[0].code:
        return RedirectResponse(f"/portal/entities/{result.hits[0].code}", status_code=303)
    return render(request, "portal/search.html", {"result": result, "q": q})


@router.get("/entities/{code}", response_class=HTMLResponse)
def profile(request: Request, session: DbSession, _: Public, code: str) -> HTMLResponse:
    """An entity's public credit profile."""
    return render(request, "portal/profile.html", {"profile": service.profile(session, code), "printable": False})


@router.get("/entities/{code}/print", response_class=HTMLResponse)
def profile_print(request: Request, session: DbSession, _: Public, code: str) -> HTMLResponse:
    """The printable profile handed out at the credit service window."""
    return render(request, "portal/profile_print.html", {"profile": service.profile(session, code), "printable": True})


@router.get("/publicity/{slug}", response_class=HTMLResponse)
def publicity(
    request: Request,
    session: DbSession,
    _: Public,
    slug: str,
    department: str | None = None,
    item: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    page: str | None = None,
) -> HTMLResponse:
    """A publicity list with filters and paging."""
    listing = service.publicity_list(
        session,
        slug,
        department=department or None,
        item=item or None,
        date_from=_date(date_from, "开始日期"),
        date_to=_date(date_to, "结束日期"),
        page=_page(page),
    )
    query = {k: v for k, v in listing.filters.items() if v}
    return render(
        request,
        "portal/list.html",
        {
            "listing": listing,
            "kinds": list(service.LIST_KINDS.values()),
            "departments": service.departments(session),
            "query": query,
        },
    )


@router.get("/records/{record_id}", response_class=HTMLResponse)
def record(request: Request, session: DbSession, _: Public, record_id: int) -> HTMLResponse:
    """One record in publicity."""
    return render(request, "portal/record.html", {"record": service.record_detail(session, record_id)})


@console_router.get("/{record_id}/window", response_class=HTMLResponse)
def window(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(requires("records.oversee"))],
    record_id: int,
) -> HTMLResponse:
    """For the credit office: which rule produced a record's publicity window, and whether the portal shows it
    (a record of a natural person only with a stated purpose and basis, registered)."""
    from xinyong.privacy import service as privacy_service
    from xinyong.records.models import CreditRecord
    from xinyong.subjects.models import Person

    record = session.get(CreditRecord, record_id)
    person = session.get(Person, record.person_id) if record is not None and record.person_id is not None else None
    if person is not None:
        privacy_service.gate(session, request, principal, [person], ["records"], reference=f"record:{record_id}")
    return _render(
        request, "console/record_window.html", {"x": disclosure.explain(session, record_id), "labels": STATUS_LABELS}
    )
