"""JSON routes of the oversight dashboard (also the charts' data source)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from xinyong.core.security import Principal
from xinyong.core.web import DbSession, requires
from xinyong.oversight import service

router = APIRouter(prefix="/api/v1/oversight", tags=["履职监测"])

Reader = Annotated[Principal, Depends(requires("oversight.read"))]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="考核年度，默认本年")]


@router.get("/dashboard", summary="各部门履职指标与各领域等级、抽查情况")
def dashboard(session: DbSession, _: Reader, year: Year = None) -> dict[str, Any]:
    """Every figure of the oversight dashboard for a year, as computed in docs/oversight.md."""
    return service.dashboard(session, service.period(year))
