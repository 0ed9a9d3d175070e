"""JSON route of an entity's credit profile: what the portal shows (its sections), with the persons' masked ID
numbers for callers allowed restricted data who state a purpose."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from xinyong.core.clock import get_clock
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, public
from xinyong.portal import service as portal_service
from xinyong.portal.ratelimit import check_search_rate
from xinyong.privacy import service as privacy_service
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import RELATION_ROLES, Relation
from xinyong.subjects.schemas import (
    EntityPublic,
    ProfileSectionOut,
    RelationPublic,
    RelationRestricted,
    SubjectProfilePublic,
    SubjectProfileRestricted,
)

router = APIRouter(prefix="/api/v1", tags=["主体"])


@router.get(
    "/subjects/{code}",
    summary="主体信用档案（公开部分）",
    response_model=SubjectProfilePublic | SubjectProfileRestricted,
)
def subject_profile(
    code: str,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(public)],
    _statement: privacy_service.StatementQuery,
) -> object:
    """The credit profile of an entity, exactly what the portal shows today (its sections: records in publicity,
    honours, and what other domains register); callers allowed restricted data also get the masked ID numbers of
    the entity's persons when they state a purpose and a basis (``purpose``, ``basis``; registered), otherwise the
    public view."""
    if not principal.is_authenticated:
        check_search_rate(request)  # the anonymous public shares the portal search's allowance
    entity = subjects_service.entity_by_uscc(session, code)
    today = get_clock().today()
    relations = subjects_service.relations_of(session, entity.id, on=today)
    entity_out = EntityPublic.model_validate(entity)
    shown = portal_service.profile_of(session, entity)
    sections = [ProfileSectionOut(key=s.key, title=s.title, summary=s.summary, data=s.data) for s in shown.sections]
    stated = principal.can("subjects.read_restricted") and any(privacy_service.query_request(request).__dict__.values())
    if stated and relations:
        privacy_service.gate(session, request, principal, [rel.person for rel in relations], ["relations"])
    if stated or (principal.can("subjects.read_restricted") and not privacy_service.is_gated(principal)):
        return SubjectProfileRestricted(
            as_of=shown.today,
            entity=entity_out,
            relations=[
                RelationRestricted(**_relation_fields(rel), id_type=rel.person.id_type, id_masked=rel.person.id_masked)
                for rel in relations
            ],
            sections=sections,
        )
    return SubjectProfilePublic(
        as_of=shown.today,
        entity=entity_out,
        relations=[RelationPublic(**_relation_fields(rel)) for rel in relations],
        sections=sections,
    )


def _relation_fields(rel: Relation) -> dict[str, Any]:
    return {
        "role": rel.role,
        "role_name": RELATION_ROLES[rel.role],
        "name": rel.person.name,
        "start_date": rel.start_date,
        "end_date": rel.end_date,
    }
