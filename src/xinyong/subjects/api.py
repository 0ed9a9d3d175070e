"""JSON routes of departments (an entity's profile, with the portal's sections, is in ``portal.api``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from xinyong.core.security import Principal
from xinyong.core.web import DbSession, requires
from xinyong.subjects import service
from xinyong.subjects.schemas import DepartmentOut

router = APIRouter(prefix="/api/v1", tags=["主体"])


@router.get("/departments", summary="部门列表", response_model=list[DepartmentOut])
def departments(session: DbSession, _: Annotated[Principal, Depends(requires("departments.read"))]) -> object:
    """Every department with its supervision domains."""
    return service.list_departments(session)
