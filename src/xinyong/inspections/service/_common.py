"""Small helpers shared by the inspection service modules."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.datafiles import validation_problems
from xinyong.core.errors import ValidationFailed
from xinyong.inspections.models import (
    InspectionAssignment,
    InspectionTask,
)
from xinyong.subjects.models import Department


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,，、\s]+", value) if v]
    return [str(v).strip() for v in value if str(v).strip()]


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "on", "yes", "是")


def _department(session: Session, code: str) -> Department | None:
    return session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()


def _assignment(
    task: InspectionTask, inspector: int, index: int, status: str, reason: str | None, now: Any
) -> InspectionAssignment:
    return InspectionAssignment(
        task=task, inspector_id=inspector, draw_index=index, status=status, reason=reason, created_at=now
    )


def _load(name: str, model: type[BaseModel], label: str) -> Any:
    """A shipped data file of ``inspections/data``, validated (Chinese errors naming the place)."""
    raw = json.loads(resources.files("xinyong.inspections").joinpath("data", name).read_bytes())
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(raw, exc)
        raise ValidationFailed(f"{label}有误：" + "；".join(problems), details=problems) from None
