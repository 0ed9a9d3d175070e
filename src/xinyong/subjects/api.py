"""JSON routes of subjects and departments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from xinyong.core.clock import get_clock
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, public, requires
from xinyong.subjects import service
from xinyong.subjects.models import RELATION_ROLES, Relation
from xinyong.subjects.schemas import (
    DepartmentOut,
    EntityPublic,
    RelationPublic,
    RelationRestricted,
    SubjectProfilePublic,
    SubjectProfileRestricted,
)

router = APIRouter(prefix="/api/v1", tags=["主体"])


@router.get("/departments", summary="部门列表", response_model=list[DepartmentOut])
def departments(session: DbSession, _: Annotated[Principal, Depends(requires("departments.read"))]) -> object:
    """Every department with its supervision domains."""
    return service.list_departments(session)


@router.get(
    "/subjects/{code}",
    summary="主体信用档案（公开部分）",
    response_model=SubjectProfilePublic | SubjectProfileRestricted,
)
def subject_profile(code: str, session: DbSession, principal: Annotated[Principal, Depends(public)]) -> object:
    """The credit profile of an entity; callers allowed restricted data also get masked ID numbers."""
    entity = service.entity_by_uscc(session, code)
    relations = service.relations_of(session, entity.id, on=get_clock().today())
    entity_out = EntityPublic.model_validate(entity)
    if principal.can("subjects.read_restricted"):
        return SubjectProfileRestricted(
            entity=entity_out,
            relations=[
                RelationRestricted(**_relation_fields(rel), id_type=rel.person.id_type, id_masked=rel.person.id_masked)
                for rel in relations
            ],
        )
    return SubjectProfilePublic(
        entity=entity_out, relations=[RelationPublic(**_relation_fields(rel)) for rel in relations]
    )


def _relation_fields(rel: Relation) -> dict[str, Any]:
    return {
        "role": rel.role,
        "role_name": RELATION_ROLES[rel.role],
        "name": rel.person.name,
        "start_date": rel.start_date,
        "end_date": rel.end_date,
    }
