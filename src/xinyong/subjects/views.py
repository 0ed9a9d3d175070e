"""Console pages of subjects: names reported differently from the registration, for a person to decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from xinyong.core.security import Principal
from xinyong.core.web import DbSession, render, requires
from xinyong.subjects import service

router = APIRouter(prefix="/console/subjects", include_in_schema=False)

Reviewer = Annotated[Principal, Depends(requires("subjects.review"))]


def _page(request: Request, session: DbSession, message: str | None = None) -> HTMLResponse:
    return render(
        request, "console/name_reviews.html", {"reviews": service.open_name_reviews(session), "message": message}
    )


@router.get("/name-reviews", response_class=HTMLResponse)
def name_reviews(request: Request, session: DbSession, _: Reviewer) -> HTMLResponse:
    """Open name conflicts."""
    return _page(request, session)


@router.post("/name-reviews/{review_id}", response_class=HTMLResponse)
def decide(
    request: Request, session: DbSession, principal: Reviewer, review_id: int, accept: Annotated[str, Form()]
) -> HTMLResponse:
    """Adopt the reported name or keep the registered one."""
    review = service.decide_name_review(session, review_id=review_id, accept=accept == "1", actor=principal.actor())
    kept = review.reported_name if review.status == "accepted" else review.registered_name
    return _page(request, session, f"已处理：名称确定为“{kept}”。")
