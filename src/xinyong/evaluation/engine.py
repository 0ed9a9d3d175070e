"""Scoring arithmetic: the list constants and the Python mirror of the set-based scoring in ``repository.py``.

The full score is SQL (``repository.scoring_select``); ``explain.py`` uses these functions to show the same
arithmetic for one entity. Integer arithmetic only (decay in whole per cent, truncating division), so both backends
and the Python mirror agree to the point.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.evaluation.schemas import FieldCondition, Indicator, ModelDoc
from xinyong.records.outcome import covers as outcome_covers

LIST_ITEMS = {  # catalogue item → list code; the lists module (issue 8) will replace this source
    "serious_list": "serious_list",
    "abnormal_list": "abnormal_list",
    "key_attention": "key_attention",
    "red_list": "red_list",
    "judgment_debtor": "judgment_debtor",
}
LIST_LABELS = {
    "serious_list": "严重失信主体名单",
    "abnormal_list": "经营异常名录",
    "key_attention": "重点关注对象名单",
    "red_list": "守信激励名单",
    "judgment_debtor": "失信被执行人名单",
}
LIVE_STATUSES = ("valid", "disputed")


def tdiv(a: int, b: int) -> int:
    """Integer division truncating toward zero, as SQL does for integers."""
    q = abs(a) // b
    return q if a >= 0 else -q


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def decay_percent(doc: ModelDoc, name: str | None, today: date, decided: date) -> int:
    """The weight in per cent of a record decided on ``decided`` (Python mirror of the SQL CASE)."""
    if name is None:
        return 100
    age = (today - decided).days
    for step in doc.decay[name]:
        if age < step.within_days:
            return step.percent
    return 0


def capped(ind: Indicator, raw: int) -> int:
    """An indicator's points after its cap."""
    if ind.cap is None:
        return raw
    return max(raw, ind.cap) if ind.cap < 0 else min(raw, ind.cap)


def record_points(ind: Indicator, percent_sum: int) -> int:
    """Points of a records indicator from the sum of its records' weights in per cent."""
    return capped(ind, tdiv(ind.points_each * percent_sum, 100))


def age_points(ind: Indicator, today: date, registered_on: date | None) -> int:
    """Points of the age indicator."""
    if registered_on is None:
        return 0
    for band in ind.bands:
        if registered_on <= years_before(today, band.min_years):
            return band.points
    return 0


def field_matches(cond: FieldCondition | None, fields: dict[str, Any]) -> bool:
    """Python mirror of the field condition."""
    if cond is None:
        return True
    value = fields.get(cond.field)
    return isinstance(value, str) and value in cond.in_


def reads_json(ind: Indicator) -> bool:
    """Whether the indicator's field condition must be read from the records' JSON (not kept in ``outcome``)."""
    return ind.field is not None and not outcome_covers(ind.items, ind.field.field, ind.field.in_)
