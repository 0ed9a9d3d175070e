"""Field-by-field checking of submitted form or JSON values (every error collected, raised together in Chinese), and
the console form action that re-renders its page with the error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from xinyong.core.errors import DomainError, ValidationFailed

_Result = TypeVar("_Result")
_Page = TypeVar("_Page")


def form_action(
    session: Session,
    action: Callable[[], _Result],
    *,
    done: Callable[[_Result], _Page],
    failed: Callable[[DomainError], _Page],
) -> _Page:
    """Run a console form's ``action``: its result goes to ``done`` (the page saying what was done); a DomainError
    rolls back what the action wrote and goes to ``failed`` (the page again, showing the error in Chinese)."""
    try:
        result = action()
    except DomainError as exc:
        session.rollback()
        return failed(exc)
    return done(result)


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


PLAUSIBLE_YEARS = 10
"""How far from today a planned or recorded date may lie (a typing slip such as 9999-12-31 or 2062 is refused)."""


def check_plausible(day: date | None, key: str, errors: FieldErrors, *, today: date) -> None:
    """Record in ``errors`` a date more than ``PLAUSIBLE_YEARS`` years before or after today."""
    if day is None:
        return
    span = timedelta(days=round(365.25 * PLAUSIBLE_YEARS))
    if day > today + span:
        errors.add(key, f"日期{day.isoformat()}晚于今天{PLAUSIBLE_YEARS}年以上，请核对")
    elif day < today - span:
        errors.add(key, f"日期{day.isoformat()}早于今天{PLAUSIBLE_YEARS}年以上，请核对")
