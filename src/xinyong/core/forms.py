"""Field-by-field checking of submitted form or JSON values: every error collected, raised together in Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from xinyong.core.errors import ValidationFailed


class FieldErrors:
    """Field errors collected before anything is written; raised together in Chinese."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.items: list[dict[str, str]] = []

    def add(self, field: str, reason: str) -> None:
        self.items.append({"field": field, "name": self.names.get(field, field), "reason": reason})

    def raise_if_any(self, head: str) -> None:
        if self.items:
            text = "；".join(f"{e['name']}（{e['field']}）：{e['reason']}" for e in self.items)
            raise ValidationFailed(f"{head}：{text}", details=self.items)


def text_value(values: Mapping[str, Any], key: str) -> str:
    """The value as stripped text ("" when absent)."""
    value = values.get(key)
    return str(value).strip() if value is not None else ""


def date_value(values: Mapping[str, Any], key: str, errors: FieldErrors, *, required: bool) -> date | None:
    """The value as a date (YYYY-MM-DD); a missing required or malformed value is recorded in ``errors``."""
    value = values.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(key, "必填项缺失")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(key, f"“{value}”不是YYYY-MM-DD格式的有效日期")
        return None
