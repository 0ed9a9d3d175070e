"""The provisional calendar: rest days of a year whose State Council notice is not loaded yet (RULES.md §12).

The statutory holidays for all citizens come from 全国年节及纪念日放假办法, kept as versioned data
(``data/statutory-holidays.json``); lunar dates and the 清明 solar term from ``lunar_python``. A statutory day on a
Saturday or Sunday gives the next weekday that is not already a rest day off (补假), in date order; two holidays on
the same day count once. No 调休 working weekends: they are unknown until the notice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from xinyong.core.errors import ValidationFailed

RULES_FILE = Path(__file__).resolve().parent / "data" / "statutory-holidays.json"

# The years for which lunar_python's dates are used here (the library computes further; the rule is checked here).
FIRST_YEAR, LAST_YEAR = 1900, 2100


class Holiday(BaseModel):
    """One statutory holiday: its first day (solar date, lunar date or solar term) and its length."""

    model_config = ConfigDict(extra="forbid")

    name: str
    calendar: Literal["solar", "lunar", "solar_term"]
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    term: str | None = None
    offset: int = 0  # days before (negative) or after the anchor: 除夕 is 正月初一 − 1
    days: int = Field(ge=1)


class HolidayRules(BaseModel):
    """One version of the statutory holidays, in force from a date."""

    model_config = ConfigDict(extra="forbid")

    version: str
    effective_from: date
    source: str
    makeup_for_weekend: bool
    holidays: list[Holiday]


class HolidayFile(BaseModel):
    """The versions of the statutory holidays."""

    model_config = ConfigDict(extra="forbid")

    about: str = ""
    versions: list[HolidayRules]


@cache
def load_rules() -> list[HolidayRules]:
    """Every version, oldest first."""
    raw = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return sorted(HolidayFile.model_validate(raw).versions, key=lambda v: v.effective_from)


def rules_for(year: int) -> HolidayRules:
    """The version in force on 1 January of the year (the earliest version for years before it)."""
    versions = load_rules()
    chosen = versions[0]
    for v in versions:
        if v.effective_from <= date(year, 1, 1):
            chosen = v
    return chosen


@dataclass(frozen=True)
class ProvisionalYear:
    """A year's rest days on weekdays (statutory days and 补假), each named, by the statutory rule."""

    year: int
    statutory: dict[date, str]  # every statutory day, weekends included
    holidays: dict[date, str]  # weekdays off: statutory weekdays and 补假
    source: str


def _check_range(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            f"{year}年超出暂定日历的计算范围（{FIRST_YEAR}—{LAST_YEAR}年），无法按法定节假日推算工作日，"
            f"请加载该年的节假日安排。"
        )


def _anchor(year: int, h: Holiday) -> date:
    from lunar_python import Lunar

    if h.calendar == "solar":
        assert h.month and h.day
        return date(year, h.month, h.day)
    if h.calendar == "lunar":
        assert h.month and h.day
        solar = Lunar.fromYmd(year, h.month, h.day).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())
    assert h.term
    solar = Lunar.fromYmd(year, 1, 1).getJieQiTable()[h.term]
    found = date(solar.getYear(), solar.getMonth(), solar.getDay())
    if found.year != year:  # the table of a lunar year spans two solar years
        solar = Lunar.fromYmd(year + (1 if found.year < year else -1), 1, 1).getJieQiTable()[h.term]
        found = date(solar.getYear(), solar.getMonth(), solar.getDay())
    return found


@cache
def provisional_year(year: int) -> ProvisionalYear:
    """The rest days of a year by the statutory rule alone (no notice loaded)."""
    _check_range(year)
    rules = rules_for(year)
    statutory: dict[date, str] = {}
    for h in rules.holidays:
        first = _anchor(year, h) + timedelta(days=h.offset)
        for i in range(h.days):
            statutory.setdefault(first + timedelta(days=i), h.name)  # coinciding holidays count once
    holidays = {d: n for d, n in statutory.items() if d.weekday() < 5}
    if rules.makeup_for_weekend:
        for d in sorted(statutory):
            if d.weekday() < 5:
                continue
            off = d + timedelta(days=1)
            while off.weekday() >= 5 or off in holidays:
                off += timedelta(days=1)
            holidays[off] = f"{statutory[d]}补假"
    return ProvisionalYear(
        year=year,
        statutory=dict(sorted(statutory.items())),
        holidays=dict(sorted(holidays.items())),
        source=rules.source,
    )


def statutory_conflicts(year: int, holidays: dict[date, str], makeup: dict[date, str]) -> list[str]:
    """Where a notice contradicts the statutory days: a statutory day declared a working day, or a statutory
    weekday not declared a rest day. Empty when the notice agrees (or the year precedes every version here)."""
    if year < load_rules()[0].effective_from.year:
        return []
    try:
        rule = provisional_year(year)
    except ValidationFailed:
        return []
    problems: list[str] = []
    for d, name in rule.statutory.items():
        if d in makeup:
            problems.append(f"{d.isoformat()}是法定节假日（{name}），通知却标为上班")
        elif d.weekday() < 5 and d not in holidays:
            problems.append(f"{d.isoformat()}是法定节假日（{name}），通知中未放假")
    return problems
