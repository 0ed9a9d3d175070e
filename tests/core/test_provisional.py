"""Provisional calendar years (RULES.md §12): the statutory rule, deadlines marked 暂定, recomputed on a notice."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.commitments.support import commit as make_commitment
from tests.commitments.support import entity, matter
from tests.repair.support import penalty

from xinyong.core import calendar as cal_service
from xinyong.core import deadlines
from xinyong.core.audit import Actor, AuditEvent
from xinyong.core.calendar import WorkingCalendar, from_chinesecalendar
from xinyong.core.clock import CHINA_TZ, FixedClock
from xinyong.core.errors import ValidationFailed
from xinyong.core.holidays import provisional_year, statutory_conflicts
from xinyong.objections import service as objections
from xinyong.objections.models import Objection


def test_2027_by_the_statutory_rule_hand_checked() -> None:
    year = provisional_year(2027)
    off = year.holidays
    # 春节: 除夕 Fri 5 Feb and 初三 Mon 8 Feb are weekdays off; 初一 and 初二 fall on the weekend: 补假 Tue 9, Wed 10.
    assert {d for d in off if d.month == 2} == {date(2027, 2, d) for d in (5, 8, 9, 10)}
    assert off[date(2027, 2, 9)] == off[date(2027, 2, 10)] == "春节补假"
    # 劳动节 1–2 May is a weekend: 补假 Mon 3 and Tue 4 May.
    assert {d for d in off if d.month == 5} == {date(2027, 5, 3), date(2027, 5, 4)}
    # 国庆节 Fri 1 Oct, Sat 2 and Sun 3 Oct: 补假 Mon 4 and Tue 5 Oct.
    assert {d for d in off if d.month == 10} == {date(2027, 10, 1), date(2027, 10, 4), date(2027, 10, 5)}
    assert off[date(2027, 1, 1)] == "元旦" and off[date(2027, 4, 5)] == "清明节"
    assert off[date(2027, 6, 9)] == "端午节" and off[date(2027, 9, 15)] == "中秋节"
    assert len(off) == 13  # nothing else: no 调休 is guessed
    assert "2024年11月10日国务院令第795号" in year.source


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_is_a_rest_day_in_the_official_notice(year: int) -> None:
    notice = from_chinesecalendar(year)
    assert notice is not None
    statutory = provisional_year(year).statutory
    assert len(statutory) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3
    for day, name in statutory.items():
        resting = day in notice.holidays or (day.weekday() >= 5 and day not in notice.makeup)
        assert resting, f"{day} {name}"
    assert statutory_conflicts(year, notice.holidays, notice.makeup) == []


def test_coinciding_holidays_count_once_and_weekend_days_give_the_next_free_weekday() -> None:
    # 2028: 国庆节 1–3 Oct is Sun–Tue; 中秋 falls on Tue 3 Oct, the same day as 国庆: one 补假 only (for Sunday 1 Oct).
    year = provisional_year(2028)
    assert year.statutory[date(2028, 10, 3)] == "中秋节"  # one day, one name
    assert {d for d in year.statutory if d.month == 10} == {date(2028, 10, d) for d in (1, 2, 3)}
    assert {d for d in year.holidays if d.month == 10} == {date(2028, 10, d) for d in (2, 3, 4)}


def test_a_year_outside_the_lunar_range_gets_a_clear_error() -> None:
    with pytest.raises(ValidationFailed, match="1900—2100年"):
        provisional_year(2101)
    cal = WorkingCalendar(years=set())
    with pytest.raises(ValidationFailed, match="2101年超出暂定日历的计算范围"):
        cal.is_workday(date(2101, 1, 3))


def test_year_boundary_and_a_year_with_no_notice() -> None:
    cal = WorkingCalendar(years={2026})
    data = from_chinesecalendar(2026)
    assert data is not None
    cal.holidays.update(data.holidays)
    # Wed 30 Dec 2026 + 3: Thu 31 Dec, (Fri 1 Jan 元旦), Mon 4, Tue 5 Jan 2027.
    assert cal.deadline(date(2026, 12, 30), 3) == cal_service.Deadline(date(2027, 1, 5), True)
    assert cal.deadline(date(2026, 12, 30), 1) == cal_service.Deadline(date(2026, 12, 31), False)
    # A whole year with no notice: 2030 counts 250 working days (365 − 104 weekend days − 11 weekday rest days).
    assert len(cal.workdays_of(2030)) == 365 - 104 - len(provisional_year(2030).holidays)
    assert cal.working_days_between(date(2029, 12, 31), date(2030, 12, 31)) == len(cal.workdays_of(2030))


def test_a_notice_contradicting_the_statutory_days_needs_confirmation(session: Session) -> None:
    bad = cal_service.YearData(2027, {**provisional_year(2027).holidays}, {})
    bad.holidays.pop(date(2027, 10, 1))
    with pytest.raises(ValidationFailed, match="2027-10-01是法定节假日（国庆节），通知中未放假"):
        cal_service.store_year(session, bad, source="notice", actor=Actor.system())
    row = cal_service.store_year(session, bad, source="notice", actor=Actor.system(), confirm_conflicts=True)
    assert row.year == 2027
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "calendar.load").order_by(AuditEvent.id.desc())
    ).scalar()
    assert event is not None and event.detail is not None and event.detail["statutory_conflicts"]


def _object(session: Session) -> Objection:
    """An objection by company 1 to a penalty decided 21 December 2026, filed today."""
    company = entity(session)
    record = penalty(session, CF_JDRQ="2026-12-21")
    return objections.file_objection(
        session,
        record_id=record.id,
        entity_id=company.id,
        reasons="金额有误",
        evidence="缴款凭证",
        actor=Actor.system(),
    )


def _notice_with_makeup_saturday() -> cal_service.YearData:
    """A (fictional) 2027 notice: every statutory day off, and Saturday 2 January a make-up working day."""
    return cal_service.YearData(
        2027, dict(provisional_year(2027).holidays), {date(2027, 1, 2): "元旦调休上班"}, reference="测试用虚构通知"
    )


def test_loading_the_notice_recomputes_open_deadlines_and_never_shrinks_a_partys_window(
    session: Session, clock: FixedClock
) -> None:
    clock._at = datetime(2026, 12, 28, 10, 0, tzinfo=CHINA_TZ)  # Monday
    objection = _object(session)
    # Five working days from Mon 28 Dec: 29, 30, 31 Dec, (1 Jan 元旦), 4, 5 Jan 2027 — provisional.
    assert objection.due_on == date(2027, 1, 5) and deadlines.is_provisional(session, objection.due_on)
    commitment = make_commitment(session, matter(session), made_on="2026-12-28")
    # Twenty working days from 28 Dec: 29–31 Dec (3), 4–8 (8), 11–15 (13), 18–22 (18), 25, 26 Jan (20).
    assert commitment.verify_by == date(2027, 1, 26)

    loaded = deadlines.load_notice(session, _notice_with_makeup_saturday(), actor=Actor.system("test"))

    session.refresh(objection)
    session.refresh(commitment)
    # With Saturday 2 January worked, both would end a working day earlier: the department's own deadline does,
    # the party's objection deadline stays as the party was told.
    assert commitment.verify_by == date(2027, 1, 25)
    assert objection.due_on == date(2027, 1, 5)
    by_label = {c.label: c for c in loaded.changes}
    assert by_label["告知承诺核查期限"].new == date(2027, 1, 25)
    assert "异议处理期限" not in by_label  # computed 4 Jan, kept 5 Jan: nothing stored changed
    assert not deadlines.is_provisional(session, objection.due_on)
    audits = session.execute(select(AuditEvent).where(AuditEvent.action == "calendar.deadline_recomputed")).scalars()
    details = [e.detail for e in audits]
    assert details == [
        {
            "deadline": "告知承诺核查期限",
            "from": "2027-01-26",
            "to": "2027-01-25",
            "computed": "2027-01-25",
            "kept_for_party": False,
        }
    ]
    assert deadlines.open_count(session) == 0  # nothing is provisional any more


def test_a_party_window_that_the_notice_lengthens_moves_later(session: Session, clock: FixedClock) -> None:
    clock._at = datetime(2026, 12, 28, 10, 0, tzinfo=CHINA_TZ)
    objection = _object(session)
    longer = cal_service.YearData(2027, {**provisional_year(2027).holidays, date(2027, 1, 4): "元旦"}, {})
    loaded = deadlines.load_notice(session, longer, actor=Actor.system("test"))
    session.refresh(objection)
    assert objection.due_on == date(2027, 1, 6)
    assert [(c.label, c.old, c.new, c.kept_for_party) for c in loaded.changes] == [
        ("异议处理期限", date(2027, 1, 5), date(2027, 1, 6), False)
    ]


def test_a_decided_objection_keeps_its_deadline(session: Session, clock: FixedClock) -> None:
    clock._at = datetime(2026, 12, 28, 10, 0, tzinfo=CHINA_TZ)
    objection = _object(session)
    objection.status = objections.DECIDED
    session.flush()
    longer = cal_service.YearData(2027, {**provisional_year(2027).holidays, date(2027, 1, 4): "元旦"}, {})
    assert deadlines.load_notice(session, longer, actor=Actor.system("test")).changes == []
    session.refresh(objection)
    assert objection.due_on == date(2027, 1, 5)


def test_the_working_calendar_never_raises_for_a_missing_year(session: Session) -> None:
    cal = cal_service.get_calendar(session)
    start = date(2026, 12, 8)
    for n in (0, 1, 20, 250, 2000):
        result = cal.deadline(start, n)
        assert result.day >= start and result.provisional == (result.day.year > 2026)
    assert cal.next_workday(date(2027, 2, 6)) == date(2027, 2, 11)
    # 元旦 2028 is a Saturday: Monday 3 January is its 补假, so the first working day after Fri 31 Dec is Tue 4 Jan.
    assert cal.add_working_days(date(2027, 12, 31), 1) == date(2028, 1, 4)
