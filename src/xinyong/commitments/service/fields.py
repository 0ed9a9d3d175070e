"""Small readers of submitted values shared by the commitment workflows (lists, integers, flags, departments)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from xinyong.core.errors import NotFound
from xinyong.core.forms import FieldErrors
from xinyong.core.forms import text_value as _text
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department


def as_list(value: Any) -> list[str]:
    """A list of codes from a list or from text separated by commas, 、 or spaces."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,，、\s]+", value) if v]
    return [str(v) for v in value]


def int_value(values: dict[str, Any], key: str, errors: FieldErrors, *, default: int | None) -> int | None:
    """The value as an integer (``default`` when empty); a malformed value is recorded in ``errors``."""
    value = values.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        errors.add(key, f"“{value}”不是整数")
        return default


def flag(value: Any) -> bool:
    """A yes/no value from a checkbox, a JSON boolean or text (1, true, on, yes, 是)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "是")
    return bool(value)


def department_value(session: Session, values: dict[str, Any], key: str, errors: FieldErrors) -> Department | None:
    """The department named by its code; a missing or unknown code is recorded in ``errors``."""
    dept_code = _text(values, key)
    if not dept_code:
        errors.add(key, "必填项缺失")
        return None
    try:
        return subjects_service.department_by_code(session, dept_code)
    except NotFound:
        errors.add(key, f"部门代码“{dept_code}”不存在")
        return None
