"""Public JSON route of the catalogue: what departments must report and in which fields."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from xinyong.catalog import service
from xinyong.core.clock import get_clock
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, public

router = APIRouter(prefix="/api/v1", tags=["信用信息目录"])


@router.get("/catalog", summary="当前生效的信用信息目录（含字段定义）")
def catalog(session: DbSession, _: Annotated[Principal, Depends(public)]) -> dict[str, Any]:
    """The catalogue version in force today with every item and field."""
    version = service.version_on(session, get_clock().today())
    return {
        "version": version.version,
        "title": version.title,
        "effective_from": version.effective_from.isoformat(),
        "items": [
            service.spec_of(item).model_dump(mode="json", by_alias=True, exclude_defaults=True)
            for item in service.items_of(session, version)
        ],
    }
