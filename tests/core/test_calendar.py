"""Working-day deadlines across real holidays, make-up working days, missing years and loaded notices."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from xinyong.core import calendar as cal_service
from xinyong.core.audit import Actor
from xinyong.core.calendar import WorkingCalendar, from_chinesecalendar
from xinyong.core.db import Database
from xinyong.core.errors import ValidationFailed


@pytest.fixture(scope="module")
def calendar_2024_2026() -> WorkingCalendar:
    cal = WorkingCalendar(years=set())
    for year in (2024, 2025, 2026):
        data = from_chinesecalendar(year)
        assert data is not None
        cal.years.add(year)
        cal.holidays.update(data.holidays)
        cal.makeup.update(data.makeup)
    return cal


@pytest.mark.parametrize(
    ("decided", "n", "deadline", "why"),
    [
        # 2024 Spring Festival: 10–17 Feb off, Sunday 18 Feb worked.
        (date(2024, 2, 8), 7, date(2024, 2, 23), "春节假期顺延，2月18日（周日）调休上班计入"),
        # 2024 National Day: Sunday 29 Sep and Saturday 12 Oct worked, 1–7 Oct off.
        (date(2024, 9, 27), 7, date(2024, 10, 12), "国庆前周日调休计第1天，10月12日（周六）调休上班为第7天"),
        # 2025 Spring Festival: Sunday 26 Jan and Saturday 8 Feb worked, 28 Jan–4 Feb off.
        (date(2025, 1, 24), 7, date(2025, 2, 10), "春节假期整体顺延"),
        # 2025 National Day and Mid-Autumn: 1–8 Oct off, Sunday 28 Sep and Saturday 11 Oct worked.
        (date(2025, 9, 26), 7, date(2025, 10, 13), "8天长假顺延"),
        # 2026 Spring Festival: Saturdays 14 and 28 Feb worked, 15–23 Feb off.
        (date(2026, 2, 12), 7, date(2026, 2, 28), "2月28日（周六）调休上班为第7天"),
        # 2026 Mid-Autumn (25 Sep) and the Sunday 20 Sep make-up day.
        (date(2026, 9, 18), 7, date(2026, 9, 29), "9月20日（周日）调休上班计入，9月25日中秋节不计"),
        (date(2026, 9, 29), 3, date(2026, 10, 9), "国庆假期不计"),
        (date(2026, 9, 29), 4, date(2026, 10, 10), "10月10日（周六）调休上班"),
        # Ordinary weeks: a Friday decision, 7 working days later is the Tuesday after next.
        (date(2026, 11, 27), 7, date(2026, 12, 8), "普通周末不计"),
        (date(2026, 11, 27), 0, date(2026, 11, 27), "0个工作日即当日"),
    ],
)
def test_deadlines_across_holidays(
    calendar_2024_2026: WorkingCalendar, decided: date, n: int, deadline: date, why: str
) -> None:
    assert calendar_2024_2026.add_working_days(decided, n) == deadline, why


def test_makeup_saturday_is_a_working_day_and_holiday_weekday_is_not(calendar_2024_2026: WorkingCalendar) -> None:
    assert calendar_2024_2026.is_workday(date(2026, 2, 28))  # Saturday, make-up day
    assert not calendar_2024_2026.is_workday(date(2026, 2, 23))  # Monday, Spring Festival
    assert not calendar_2024_2026.is_workday(date(2026, 11, 28))  # an ordinary Saturday
    assert calendar_2024_2026.is_workday(date(2026, 11, 27))


def test_working_days_between_counts_makeup_days(calendar_2024_2026: WorkingCalendar) -> None:
    # 30 Sep → 13 Oct 2025: 9, 10, 11 (Sat make-up) and 13 Oct are working days.
    assert calendar_2024_2026.working_days_between(date(2025, 9, 30), date(2025, 10, 13)) == 4
    assert calendar_2024_2026.working_days_between(date(2025, 10, 13), date(2025, 9, 30)) == -4
    # Across a year boundary.
    # 30, 31 Dec, 2 and 3 Jan (1 Jan is New Year).
    assert calendar_2024_2026.working_days_between(date(2024, 12, 27), date(2025, 1, 3)) == 4


def test_next_workday(calendar_2024_2026: WorkingCalendar) -> None:
    assert calendar_2024_2026.next_workday(date(2026, 10, 1)) == date(2026, 10, 8)
    assert calendar_2024_2026.next_workday(date(2026, 10, 10)) == date(2026, 10, 10)


def test_a_deadline_reaching_a_year_without_notice_is_provisional(calendar_2024_2026: WorkingCalendar) -> None:
    # 25 Dec 2026 (Fri): 28–31 Dec, 1 Jan 2027 (元旦, statutory) off, then 4, 5, 6 Jan.
    deadline = calendar_2024_2026.deadline(date(2026, 12, 25), 7)
    assert (deadline.day, deadline.provisional) == (date(2027, 1, 6), True)
    assert deadline.label() == "2027-01-06（暂定）"
    assert calendar_2024_2026.deadline(date(2026, 12, 1), 7) == cal_service.Deadline(date(2026, 12, 10), False)
    # 2023 has no notice in this calendar either: the statutory rule answers instead of an error.
    assert not calendar_2024_2026.is_workday(date(2023, 10, 2)) and calendar_2024_2026.is_workday(date(2023, 6, 1))


def test_chinesecalendar_stops_at_its_last_year() -> None:
    assert from_chinesecalendar(2026) is not None
    assert from_chinesecalendar(2099) is None


NOTICE_2027 = {
    "year": 2027,
    "reference": "测试用虚构通知（非官方）",
    "holidays": [
        {"start": "2027-01-01", "end": "2027-01-03", "name": "元旦"},
        {"start": "2027-02-05", "end": "2027-02-13", "name": "春节"},
        {"start": "2027-04-03", "end": "2027-04-05", "name": "清明节"},
        {"start": "2027-05-01", "end": "2027-05-05", "name": "劳动节"},
        {"date": "2027-06-09", "name": "端午节"},
        {"date": "2027-09-15", "name": "中秋节"},
        {"start": "2027-10-01", "end": "2027-10-07", "name": "国庆节"},
    ],
    "workdays": [
        {"date": "2027-02-20", "name": "春节调休上班"},
        {"date": "2027-04-25", "name": "劳动节调休上班"},
        {"date": "2027-10-09", "name": "国庆节调休上班"},
    ],
}


def test_init_loaded_every_year_chinesecalendar_covers(session: Session) -> None:
    years = {row.year for row in cal_service.list_years(session)}
    assert set(range(2004, 2027)) <= years
    assert 2027 not in years


def test_load_a_new_year_from_json_then_deadlines_cross_into_it(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(NOTICE_2027, ensure_ascii=False), "utf-8")
    assert cal_service.get_calendar(session).deadline(date(2026, 12, 25), 7).provisional
    row = cal_service.store_year(session, cal_service.parse_year_file(path), source="notice", actor=Actor.system())
    assert (row.holidays, row.makeup_workdays) == (1 + 6 + 1 + 3 + 1 + 1 + 5, 3)  # weekday holidays only
    cal = cal_service.get_calendar(session)
    # 25 Dec 2026 (Fri): 28, 29, 30, 31 Dec, then 1 Jan 2027 off, 4, 5, 6 Jan.
    assert cal.deadline(date(2026, 12, 25), 7) == cal_service.Deadline(date(2027, 1, 6), False)
    assert cal.is_workday(date(2027, 2, 20))  # the Saturday make-up day from the notice
    assert not cal.is_workday(date(2027, 2, 11))


def test_loading_a_year_twice_needs_replace(session: Session, tmp_path: Path) -> None:
    data = cal_service.parse_year_content(json.dumps(NOTICE_2027).encode(), suffix=".json")
    cal_service.store_year(session, data, source="notice", actor=Actor.system())
    with pytest.raises(ValidationFailed, match="已存在"):
        cal_service.store_year(session, data, source="notice", actor=Actor.system())
    replaced = cal_service.YearData(2027, {**data.holidays, date(2027, 1, 4): "元旦"}, data.makeup)
    cal_service.store_year(session, replaced, source="notice", actor=Actor.system(), replace=True)
    assert not cal_service.get_calendar(session).is_workday(date(2027, 1, 4))


def test_load_csv_in_gb18030_with_chinese_type_words(tmp_path: Path) -> None:
    path = tmp_path / "2027.csv"
    path.write_bytes("date,type,name\n2027-01-01,休,元旦\n2027-02-06,班,春节调休上班\n".encode("gb18030"))
    data = cal_service.parse_year_file(path)
    assert data.year == 2027
    assert data.holidays == {date(2027, 1, 1): "元旦"}
    assert data.makeup == {date(2027, 2, 6): "春节调休上班"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,type\n2027-02-30,休\n", "第2行：日期“2027-02-30”格式错误"),
        ("date,type\n2027-01-01,假期\n", "第2行：类型“假期”无效"),
        ("date,type\n2027-01-01,休\n2028-01-03,休\n", "只包含同一年份"),
        ("date,type\n2027-01-04,班\n2027-01-01,休\n", "调休上班日2027-01-04是工作日"),
        ("date,type\n2027-01-01,休\n2027-01-01,班\n", "2027-01-01同时被标为放假和上班"),
        ("日期,类型\n2027-01-01,休\n", "表头应包含 date,type"),
    ],
)
def test_bad_calendar_files_get_a_precise_chinese_reason(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(ValidationFailed) as exc:
        cal_service.parse_year_file(path)
    assert message in exc.value.message


def test_calendar_cache_sees_a_newly_loaded_year(db: Database) -> None:
    with db.session() as s:
        assert 2027 not in cal_service.get_calendar(s).years
    with db.session() as s:
        cal_service.store_year(
            s,
            cal_service.YearData(2027, {date(2027, 1, 1): "元旦"}, {}),
            source="notice",
            actor=Actor.system(),
            confirm_conflicts=True,
        )
    with db.session() as s:
        assert 2027 in cal_service.get_calendar(s).years
