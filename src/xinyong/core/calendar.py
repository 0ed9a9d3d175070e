"""The working-day calendar: State Council holidays and make-up working days, as data per year."""

from __future__ import annotations

import csv
import io
import json
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.db import Base, UTCDateTime
from xinyong.core.errors import ValidationFailed
from xinyong.core.holidays import provisional_year, statutory_conflicts

# The longest span a deadline may count (about 40 years): a guard against absurd input, not a rule.
MAX_WORKING_DAYS = 10_000


class CalendarYear(Base):
    """One loaded year and where its data came from."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(40))  # chinesecalendar | notice
    reference: Mapped[str | None] = mapped_column(Text)  # e.g. the State Council notice
    holidays: Mapped[int] = mapped_column(Integer, default=0)
    makeup_workdays: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarDay(Base):
    """An exception to the Monday–Friday rule: a weekday holiday or a weekend make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str | None] = mapped_column(String(40))


@dataclass(frozen=True)
class Deadline:
    """A computed date and whether any working day counted lies in a year with no loaded notice (暂定)."""

    day: date
    provisional: bool = False

    def label(self) -> str:
        """The date as shown to people: “2027-01-12（暂定）” when provisional."""
        return self.day.isoformat() + ("（暂定）" if self.provisional else "")


@dataclass
class WorkingCalendar:
    """Working-day arithmetic: the loaded notices, and the provisional statutory rule for every other year."""

    years: set[int]  # years with a loaded notice (official)
    holidays: set[date] = field(default_factory=set)  # weekdays off
    makeup: set[date] = field(default_factory=set)  # weekend days worked
    _workdays: dict[int, list[date]] = field(default_factory=dict, repr=False)

    def is_official(self, year: int) -> bool:
        """Whether the year's notice is loaded."""
        return year in self.years

    def is_provisional_span(self, start: date, end: date) -> bool:
        """Whether any day in (start, end] lies in a year with no loaded notice."""
        if end <= start:
            return False
        first = (start + timedelta(days=1)).year
        return any(y not in self.years for y in range(first, end.year + 1))

    def is_provisional_day(self, day: date) -> bool:
        """Whether a deadline falling on the day was counted over a provisional year (counted from today or earlier:
        the official years are contiguous up to the latest loaded one)."""
        return day.year not in self.years

    def _rest_days(self, year: int) -> tuple[set[date], set[date]]:
        if year in self.years:
            return self.holidays, self.makeup
        return set(provisional_year(year).holidays), set()

    def is_workday(self, day: date) -> bool:
        """Whether the day is a working day (provisionally, in a year with no loaded notice)."""
        holidays, makeup = self._rest_days(day.year)
        if day in makeup:
            return True
        if day in holidays:
            return False
        return day.weekday() < 5

    def workdays_of(self, year: int) -> list[date]:
        """The sorted working days of a year."""
        days = self._workdays.get(year)
        if days is None:
            holidays, makeup = self._rest_days(year)
            d, end, days = date(year, 1, 1), date(year, 12, 31), []
            while d <= end:
                if d in makeup or (d.weekday() < 5 and d not in holidays):
                    days.append(d)
                d += timedelta(days=1)
            self._workdays[year] = days
        return days

    def add_working_days(self, start: date, n: int) -> date:
        """The date n working days after start (n >= 0; day 1 is the first working day after start)."""
        if n < 0:
            raise ValueError("n must be non-negative")
        if n == 0:
            return start
        if n > MAX_WORKING_DAYS:
            raise ValidationFailed(f"工作日数{n}过大（最多{MAX_WORKING_DAYS}个工作日）。")
        year = start.year
        days = self.workdays_of(year)
        pos = bisect_right(days, start)
        while True:
            remaining = len(days) - pos
            if n <= remaining:
                return days[pos + n - 1]
            n -= remaining
            year += 1
            days = self.workdays_of(year)
            pos = 0

    def deadline(self, start: date, n: int) -> Deadline:
        """The date n working days after start, marked provisional when it was counted over a provisional year."""
        day = self.add_working_days(start, n)
        return Deadline(day, self.is_provisional_span(start, day))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days after start end falls (negative if earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        total = 0
        for year in range(start.year, end.year + 1):
            days = self.workdays_of(year)
            lo = bisect_right(days, start) if year == start.year else 0
            hi = bisect_right(days, end) if year == end.year else len(days)
            total += hi - lo
        return total

    def next_workday(self, day: date) -> date:
        """The day itself if it is a working day, else the next working day."""
        days = self.workdays_of(day.year)
        pos = bisect_left(days, day)
        if pos < len(days):
            return days[pos]
        return self.workdays_of(day.year + 1)[0]

    def provisional_years(self, around: date) -> list[int]:
        """The years from around's year to the next one that have no loaded notice (for reminders)."""
        return [y for y in (around.year, around.year + 1) if y not in self.years]


_cache_lock = threading.Lock()
_cache: dict[tuple[str, Any], WorkingCalendar] = {}


def _stamp(session: Session) -> tuple[Any, ...]:
    return tuple(session.execute(select(func.count(CalendarYear.year), func.max(CalendarYear.loaded_at))).one())


def get_calendar(session: Session) -> WorkingCalendar:
    """The working calendar from the database, cached until a year is (re)loaded."""
    key = (str(session.get_bind().engine.url), _stamp(session))
    with _cache_lock:
        cal = _cache.get(key)
    if cal is not None:
        return cal
    years = set(session.execute(select(CalendarYear.year)).scalars())
    cal = WorkingCalendar(years=years)
    for day, is_workday in session.execute(select(CalendarDay.day, CalendarDay.is_workday)):
        (cal.makeup if is_workday else cal.holidays).add(day)
    with _cache_lock:
        _cache.clear()
        _cache[key] = cal
    return cal


def due_label(db: Any) -> Any:
    """A function for pages: a deadline date as text, with “（暂定）” when it falls in a year whose notice is not
    loaded (the calendar of the database, read once per page)."""
    cal: WorkingCalendar | None = None

    def label(day: date | None, fmt: str = "%Y-%m-%d") -> str:
        nonlocal cal
        if day is None:
            return ""
        if cal is None:
            with db.session(write=False) as session:
                cal = get_calendar(session)
        return day.strftime(fmt) + ("（暂定）" if cal.is_provisional_day(day) else "")

    return label


@dataclass(frozen=True)
class YearData:
    """A year's exceptions as parsed from a notice file or chinesecalendar."""

    year: int
    holidays: dict[date, str]
    makeup: dict[date, str]
    reference: str | None = None


HOLIDAY_WORDS = {"holiday", "休", "休息", "假", "放假", "节假日"}
WORKDAY_WORDS = {"workday", "班", "上班", "调休上班", "补班", "工作日"}


def _parse_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"{where}：日期“{text}”格式错误，应为YYYY-MM-DD的有效日期。") from None


def _expand(entry: dict[str, Any], where: str) -> list[date]:
    if "date" in entry:
        return [_parse_date(str(entry["date"]), where)]
    if "start" in entry and "end" in entry:
        start, end = _parse_date(str(entry["start"]), where), _parse_date(str(entry["end"]), where)
        if end < start:
            raise ValidationFailed(f"{where}：结束日期早于开始日期。")
        return [start + timedelta(days=i) for i in range((end - start).days + 1)]
    raise ValidationFailed(f"{where}：应包含 date，或 start 与 end。")


def parse_year_file(path: Path) -> YearData:
    """Parse a year's official calendar from a JSON or CSV file (format in docs/calendar.md)."""
    if path.suffix.lower() not in (".json", ".csv"):
        raise ValidationFailed(f"不支持的文件类型“{path.suffix}”，请提供 .json 或 .csv 文件。")
    return parse_year_content(path.read_bytes(), suffix=path.suffix)


def parse_year_content(text: bytes, *, suffix: str) -> YearData:
    """Parse a year's official calendar from JSON or CSV content."""
    try:
        content = text.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = text.decode("gb18030")
    holidays: dict[date, str] = {}
    makeup: dict[date, str] = {}
    reference: str | None = None
    if suffix.lower() == ".json":
        try:
            doc = json.loads(content)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"文件不是有效的JSON：第{exc.lineno}行第{exc.colno}列，{exc.msg}。") from None
        if not isinstance(doc, dict) or "year" not in doc:
            raise ValidationFailed("JSON文件缺少 year 字段。")
        reference = doc.get("reference")
        for key, target in (("holidays", holidays), ("workdays", makeup)):
            for i, entry in enumerate(doc.get(key, []), start=1):
                where = f"{key} 第{i}项"
                if not isinstance(entry, dict):
                    raise ValidationFailed(f"{where}：应为对象。")
                for d in _expand(entry, where):
                    target[d] = str(entry.get("name") or "")
        try:
            year = int(doc["year"])
        except (TypeError, ValueError):
            raise ValidationFailed(f"year 字段“{doc['year']}”不是年份。") from None
    else:
        reader = csv.DictReader(io.StringIO(content))
        need = {"date", "type"}
        if not reader.fieldnames or not need <= {f.strip() for f in reader.fieldnames}:
            raise ValidationFailed("CSV文件表头应包含 date,type（可选 name）。")
        years_seen: set[int] = set()
        for row_no, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            where = f"第{row_no}行"
            d = _parse_date(row["date"], where)
            kind = row["type"]
            if kind in HOLIDAY_WORDS:
                holidays[d] = row.get("name", "")
            elif kind in WORKDAY_WORDS:
                makeup[d] = row.get("name", "")
            else:
                raise ValidationFailed(f"{where}：类型“{kind}”无效，应为 holiday/休 或 workday/班。")
            years_seen.add(d.year)
        if len(years_seen) != 1:
            raise ValidationFailed("CSV文件应只包含同一年份的日期。" if years_seen else "CSV文件没有任何日期。")
        year = years_seen.pop()
    _check_year_data(year, holidays, makeup)
    return YearData(year, holidays, makeup, reference)


def _check_year_data(year: int, holidays: dict[date, str], makeup: dict[date, str]) -> None:
    for d in [*holidays, *makeup]:
        if d.year != year:
            raise ValidationFailed(f"日期{d.isoformat()}不属于{year}年。")
    both = sorted(set(holidays) & set(makeup))
    if both:
        raise ValidationFailed(f"日期{both[0].isoformat()}同时被标为放假和上班。")
    for d in makeup:
        if d.weekday() < 5:
            raise ValidationFailed(f"调休上班日{d.isoformat()}是工作日（周一至周五），无需标注。")
    if not holidays:
        raise ValidationFailed(f"{year}年的日历中没有任何放假日期，请检查文件。")


def from_chinesecalendar(year: int) -> YearData | None:
    """A year's exceptions from the chinesecalendar package, or None if it does not cover the year."""
    import chinese_calendar as cc

    holidays: dict[date, str] = {}
    makeup: dict[date, str] = {}
    d = date(year, 1, 1)
    try:
        while d.year == year:
            on_holiday, name = cc.get_holiday_detail(d)
            weekday = d.weekday() < 5
            if weekday and on_holiday:
                holidays[d] = _holiday_name(name)
            elif not weekday and not on_holiday:
                makeup[d] = _holiday_name(name) + "调休上班" if name else "调休上班"
            d += timedelta(days=1)
    except NotImplementedError:
        return None
    return YearData(year, holidays, makeup, f"chinesecalendar {cc.__version__}")


_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(name: Any) -> str:
    text = str(name) if name else ""
    return _NAMES.get(text, text)


def store_year(
    session: Session,
    data: YearData,
    *,
    source: str,
    actor: Actor,
    replace: bool = False,
    confirm_conflicts: bool = False,
) -> CalendarYear:
    """Store a year's calendar; an existing year is replaced only when asked, and a notice that contradicts the
    statutory holidays only when confirmed (the contradictions are audited as warnings)."""
    existing = session.get(CalendarYear, data.year)
    if existing is not None and not replace:
        raise ValidationFailed(
            f"{data.year}年的日历已存在（来源：{existing.reference or existing.source}）。如需替换请使用 --replace。"
        )
    conflicts = statutory_conflicts(data.year, data.holidays, data.makeup)
    if conflicts and not confirm_conflicts:
        raise ValidationFailed(
            f"{data.year}年的日历与法定节假日不一致："
            + "；".join(conflicts[:5])
            + ("等" if len(conflicts) > 5 else "")
            + "。请核对国务院办公厅通知；确认无误后勾选“确认与法定节假日不一致”（命令行 --confirm）再加载。",
            details=conflicts,
        )
    session.execute(delete(CalendarDay).where(CalendarDay.year == data.year))
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add_all(
        [CalendarDay(day=d, year=data.year, is_workday=False, name=n or None) for d, n in sorted(data.holidays.items())]
        + [CalendarDay(day=d, year=data.year, is_workday=True, name=n or None) for d, n in sorted(data.makeup.items())]
    )
    row = CalendarYear(
        year=data.year,
        source=source,
        reference=data.reference,
        holidays=sum(1 for d in data.holidays if d.weekday() < 5),
        makeup_workdays=len(data.makeup),
        loaded_at=get_clock().now(),
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor=actor,
        action="calendar.load",
        object_type="calendar_year",
        object_id=data.year,
        detail={
            "source": source,
            "reference": data.reference,
            "replaced": existing is not None,
            "holidays": len(data.holidays),
            "makeup_workdays": len(data.makeup),
            "statutory_conflicts": conflicts,
        },
    )
    with _cache_lock:
        _cache.clear()
    return row


def seed_from_chinesecalendar(session: Session, *, actor: Actor) -> list[int]:
    """Load every year chinesecalendar covers that is not loaded yet; returns the years added."""
    added: list[int] = []
    have = set(session.execute(select(CalendarYear.year)).scalars())
    year = 2004
    while True:
        if year not in have:
            data = from_chinesecalendar(year)
            if data is None:
                break
            store_year(session, data, source="chinesecalendar", actor=actor)
            added.append(year)
        year += 1
    return added


def list_years(session: Session) -> list[CalendarYear]:
    """Every loaded year, newest first."""
    return list(session.execute(select(CalendarYear).order_by(CalendarYear.year.desc())).scalars())
