"""Platform-level JSON routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from xinyong.core.security import Principal
from xinyong.core.web import public

router = APIRouter()


@router.get("/healthz", tags=["平台"], summary="健康检查")
def healthz(_: Annotated[Principal, Depends(public)]) -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}
