"""The public page of the daily anchors (HTML and JSON), so that anyone can keep a copy of the chain heads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from xinyong.core.security import Principal
from xinyong.core.web import DbSession, public, render
from xinyong.integrity import service

router = APIRouter(prefix="/portal", include_in_schema=False)

Public = Annotated[Principal, Depends(public)]


@router.get("/integrity", response_class=HTMLResponse)
def anchors_page(request: Request, session: DbSession, _: Public) -> HTMLResponse:
    """The daily anchors, newest first, with what they prove and how to check them."""
    return render(request, "portal/integrity.html", {"anchors": service.anchors(session, limit=366)})


@router.get("/integrity.json")
def anchors_json(session: DbSession, _: Public) -> JSONResponse:
    """Every anchor as JSON (what ``xinyong audit verify --published`` reads)."""
    body = {"anchors": [service.anchor_dict(a) for a in reversed(service.anchors(session))]}
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})
