"""The open data API for registered clients (T32): public profiles, authorised queries, bulk public double-publicity
records. Every route is scoped (token scope = permission), metered per client, and answers with public fields only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from xinyong.catalog.models import CatalogItem
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import NotFound, PermissionDenied, ValidationFailed
from xinyong.core.security import Principal
from xinyong.core.web import CurrentPrincipal, DbSession, csrf_protect, requires
from xinyong.disclosure import service as disclosure
from xinyong.exchange import clients
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Person

router = APIRouter(prefix="/api/v1/open", tags=["开放数据接口"])

BULK_ITEMS = ("license", "penalty")  # 双公示
AUTHORISED_OPENNESS = ("public", "restricted")  # 社会公开 and 授权查询; 政务共享 never leaves government
AUTHORISED_STATES = (states.VALID, states.DISPUTED, states.EXPIRED, states.REPAIRED)
MAX_PAGE = 500


def _meter(request: Request) -> clients.Meter:
    meter = getattr(request.app.state, "client_meter", None)
    if meter is None:
        meter = clients.Meter()
        request.app.state.client_meter = meter
    return meter  # type: ignore[no-any-return]


class scoped:
    """A route dependency: the token's scope, a registered client, and the client's rate limit (in memory)."""

    def __init__(self, scope: str) -> None:
        self.guard = requires(scope)
        self.xinyong_permission = scope

    def __call__(
        self, request: Request, principal: CurrentPrincipal, _csrf: Annotated[None, Depends(csrf_protect)]
    ) -> Principal:
        self.guard(principal, None)
        client_id = clients.require_client(principal)
        route = request.scope.get("route")
        endpoint = f"{request.method} {getattr(route, 'path', request.url.path)}"
        meter = _meter(request)
        try:
            meter.hit(client_id=client_id, rate=principal.client_rate or 0, endpoint=endpoint, day=get_clock().today())
        finally:
            # A separate short write; not from an unsafe request, whose own transaction holds SQLite's writer lock.
            if request.method == "GET" and meter.due():
                meter.flush(request.app.state.db)
        return principal


@router.get("/subjects/{code}", summary="主体公开信用档案（范围：open.public）")
def public_profile(code: str, session: DbSession, _: Annotated[Principal, Depends(scoped("open.public"))]) -> object:
    """Exactly what the portal shows about an entity today."""
    from xinyong.portal import service as portal_service

    return portal_service.profile(session, code).to_json()


@router.get("/publicity/{item}", summary="双公示公开记录批量获取（范围：open.bulk）")
def bulk_publicity(
    item: str,
    session: DbSession,
    _: Annotated[Principal, Depends(scoped("open.bulk"))],
    after: Annotated[int, Query(ge=0, description="上一页最后一条的id（首页为0）")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict[str, Any]:
    """Records the portal shows today, by id after ``after`` (keyset paging), with public fields only."""
    from xinyong.portal import service as portal_service

    if item not in BULK_ITEMS:
        raise NotFound(f"批量接口只提供双公示信息：{'、'.join(BULK_ITEMS)}。")
    today = get_clock().today()
    rows = list(
        session.execute(
            select(CreditRecord)
            .where(
                CreditRecord.item_code == item,
                CreditRecord.id > after,
                disclosure.visible_on(today, disclosure.public_item_ids(session)),
            )
            .order_by(CreditRecord.id)
            .limit(limit)
        ).scalars()
    )
    return {
        "as_of": today.isoformat(),
        "item": item,
        "records": portal_service.public_records_json(session, rows),
        "next_after": rows[-1].id if len(rows) == limit else None,
    }


class AuthorisedQuery(BaseModel):
    """An authorised query: the subject's code (USCC, or ID number for a natural person)."""

    subject: str


@router.post("/authorised", summary="经主体授权查询（范围：open.authorised）")
def authorised_query(
    body: AuthorisedQuery,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(scoped("open.authorised"))],
) -> dict[str, Any]:
    """The subject's information within its authorisation's scope and period; public fields only."""
    from xinyong.portal import service as portal_service

    client_id = clients.require_client(principal)
    if not body.subject.strip():
        raise ValidationFailed("主体代码（subject）：必填项缺失。")
    cipher = get_cipher(request.app.state.settings.field_secret)
    entity, person = clients.find_subject(session, body.subject, cipher=cipher)
    today = get_clock().today()
    grant = clients.live_authorisation(session, client_id=client_id, entity=entity, person=person, on=today)
    if grant is None:  # the same answer whether or not the subject exists: nothing leaks without authorisation
        raise PermissionDenied("未取得该主体在有效期内的查询授权，不能查询。请先由主体签署授权书并经信用办登记。")
    out: dict[str, Any] = {
        "as_of": today.isoformat(),
        "subject": {
            "kind": "entity" if entity else "person",
            "name": entity.name if entity else _person_name(person),
            "code": grant.subject_label,
        },
        "authorisation": {
            "scope": grant.scope,
            "purpose": grant.purpose,
            "valid_until": grant.valid_until.isoformat(),
        },
    }
    if "records" in grant.scope:
        item_ids = list(
            session.execute(select(CatalogItem.id).where(CatalogItem.openness.in_(AUTHORISED_OPENNESS))).scalars()
        )
        stmt = select(CreditRecord).where(
            CreditRecord.is_current.is_(True),
            CreditRecord.item_id.in_(item_ids),
            CreditRecord.status.in_(AUTHORISED_STATES),
        )
        stmt = stmt.where(
            CreditRecord.entity_id == entity.id if entity else CreditRecord.person_id == (person.id if person else -1)
        )
        rows = list(session.execute(stmt.order_by(CreditRecord.decision_date.desc()).limit(1000)).scalars())
        out["records"] = portal_service.public_records_json(session, rows)
    if "grade" in grant.scope and entity is not None:
        from xinyong.evaluation import service as evaluation_service

        grade = evaluation_service.current_grade(session, entity.id)
        out["grade"] = {"grade": grade.grade, "label": grade.label} if grade else None
    if "lists" in grant.scope:
        out["lists"] = _lists(session, entity_id=entity.id if entity else None, person_id=person.id if person else None)
    return out


def _person_name(person: Person | None) -> str:
    return disclosure.public_name(person.name, subject_kind="person", item_code="") if person else ""


def _lists(session: DbSession, *, entity_id: int | None, person_id: int | None) -> list[dict[str, Any]]:
    from xinyong.evaluation import service as evaluation_service
    from xinyong.lists import rules as list_rules

    names = list_rules.load_rules()
    stmt = evaluation_service.list_memberships(
        session, entity_ids=[entity_id] if entity_id else None, person_ids=[person_id] if person_id else None
    )
    return [
        {"list_code": r.list_code, "label": names.list_name(r.list_code), "since": str(r.since)}
        for r in session.execute(stmt).all()
    ]
