"""The listing workflow (T17, T18): every step, illegal steps, deadlines across a holiday, expiry, removal rules."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.commitments.support import CIPHER
from tests.lists.support import (
    OPERATOR,
    OTHER_DEPT,
    REVIEWER,
    dept_id,
    person_id,
    proposal_values,
    propose,
    set_day,
    to_published,
)

from xinyong.core import calendar as cal_service
from xinyong.core.audit import Actor, AuditEvent
from xinyong.core.clock import FixedClock
from xinyong.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinyong.lists import service
from xinyong.lists.models import ListEntry, ListEvent
from xinyong.records import states
from xinyong.records.models import CreditRecord


def calendar_2027(session: Session) -> None:
    """A test calendar for 2027 (the official one is published in late 2026)."""
    cal_service.store_year(
        session,
        cal_service.YearData(2027, {date(2027, 1, 1): "元旦"}, {}),
        source="test",
        actor=Actor.system(),
        confirm_conflicts=True,
    )


def test_a_listing_goes_from_proposal_to_publication_and_every_step_is_audited(
    session: Session, clock: FixedClock
) -> None:
    set_day(clock, 2026, 3, 2)
    entry = propose(session)
    assert entry.status == service.PROPOSED
    published = to_published(session, clock, entry)
    assert published.status == service.PUBLISHED
    steps = [e.to_status for e in session.execute(select(ListEvent).where(ListEvent.entry_id == entry.id)).scalars()]
    assert steps == ["proposed", "noticed", "decided", "published"]
    actions = set(
        session.execute(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "list_entry", AuditEvent.object_id == str(entry.id)
            )
        ).scalars()
    )
    assert {"list.proposed", "list.noticed", "list.decided", "list.published"} <= actions
    # the entry is a credit record of the catalogue's serious-dishonesty item, shown while on the list
    record = session.get(CreditRecord, published.record_id)
    assert record is not None and record.item_code == "serious_list" and record.entity_id == entry.entity_id
    assert record.publicity_from == published.published_on and record.publicity_until == published.ends_on
    # 3 years, the last day being the day before the same date three years on
    assert published.ends_on == date(2029, 3, 9) and published.early_removal_from == date(2027, 3, 10)


@pytest.mark.parametrize(
    ("step", "status"),
    [("decide", service.PROPOSED), ("publish", service.PROPOSED), ("publish", service.NOTICED)],
)
def test_steps_out_of_order_are_refused(session: Session, clock: FixedClock, step: str, status: str) -> None:
    entry = propose(session)
    d = dept_id(session)
    if status == service.NOTICED:
        service.give_notice(session, entry_id=entry.id, document="告〔2026〕1号", department_id=d, actor=OPERATOR)
        clock.advance(days=30)
    with pytest.raises(Conflict, match="名单流程不能从"):
        if step == "decide":
            service.decide(
                session,
                entry_id=entry.id,
                approve=True,
                note="同意",
                document_number="决1",
                department_id=d,
                actor=REVIEWER,
            )
        else:
            service.publish(session, entry_id=entry.id, department_id=d, actor=REVIEWER, cipher=CIPHER)
    assert session.get(ListEntry, entry.id).status == status  # type: ignore[union-attr]


def test_finished_entries_accept_no_further_step(session: Session, clock: FixedClock) -> None:
    entry = propose(session)
    d = dept_id(session)
    service.withdraw(session, entry_id=entry.id, reason="材料不全", department_id=d, actor=OPERATOR)
    with pytest.raises(Conflict, match="已撤回"):
        service.give_notice(session, entry_id=entry.id, document="告1", department_id=d, actor=OPERATOR)
    rejected = propose(session, 2)
    service.give_notice(session, entry_id=rejected.id, document="告2", department_id=d, actor=OPERATOR)
    clock.advance(days=30)
    service.decide(
        session,
        entry_id=rejected.id,
        approve=False,
        note="情节轻微，不予列入",
        document_number=None,
        department_id=d,
        actor=REVIEWER,
    )
    with pytest.raises(Conflict):
        service.publish(session, entry_id=rejected.id, department_id=d, actor=REVIEWER, cipher=CIPHER)
    with pytest.raises(Conflict):
        service.remove(session, entry_id=rejected.id, kind="revoked", reason="x", department_id=d, actor=REVIEWER)


def test_statement_window_runs_in_working_days_across_the_national_day_holiday(
    session: Session, clock: FixedClock
) -> None:
    set_day(clock, 2026, 9, 29)  # Tuesday; 1–7 October are holidays, Saturday 10 October is a make-up working day
    entry = propose(session)
    d = dept_id(session)
    service.give_notice(session, entry_id=entry.id, document="告〔2026〕9号", department_id=d, actor=OPERATOR)
    assert entry.statement_until == date(2026, 10, 12)  # 30 Sep, 8, 9, 10 (make-up), 12 October
    set_day(clock, 2026, 10, 12)
    with pytest.raises(Conflict, match="2026-10-12"):  # the last day of the window: no decision yet
        service.decide(
            session,
            entry_id=entry.id,
            approve=True,
            note="同意",
            document_number="决1",
            department_id=d,
            actor=REVIEWER,
        )
    service.record_statement(session, entry_id=entry.id, statement="已主动召回问题产品，请求从轻处理", actor=OPERATOR)
    set_day(clock, 2026, 10, 13)
    with pytest.raises(Conflict, match="届满"):
        service.record_statement(session, entry_id=entry.id, statement="补充陈述", actor=OPERATOR)
    service.decide(
        session,
        entry_id=entry.id,
        approve=True,
        note="陈述理由不成立",
        document_number="决1",
        department_id=d,
        actor=REVIEWER,
    )
    assert entry.status == service.DECIDED


def test_a_statement_allows_the_decision_before_the_window_ends(session: Session, clock: FixedClock) -> None:
    entry = propose(session)
    d = dept_id(session)
    service.give_notice(session, entry_id=entry.id, document="告1", department_id=d, actor=OPERATOR)
    service.record_statement(session, entry_id=entry.id, statement="放弃陈述申辩", actor=OPERATOR)
    service.decide(
        session, entry_id=entry.id, approve=True, note="同意", document_number="决1", department_id=d, actor=REVIEWER
    )
    assert entry.status == service.DECIDED


def test_only_the_listing_department_decides_and_removes_and_not_the_proposer(
    session: Session, clock: FixedClock
) -> None:
    entry = propose(session)
    d = dept_id(session)
    service.give_notice(session, entry_id=entry.id, document="告1", department_id=d, actor=OPERATOR)
    clock.advance(days=30)
    with pytest.raises(PermissionDenied, match="谁认定、谁移出"):
        service.decide(
            session,
            entry_id=entry.id,
            approve=True,
            note="同意",
            document_number="决1",
            department_id=dept_id(session, "zjj"),
            actor=OTHER_DEPT,
        )
    with pytest.raises(PermissionDenied, match="不能审核自己的申请"):
        service.decide(
            session,
            entry_id=entry.id,
            approve=True,
            note="同意",
            document_number="决1",
            department_id=d,
            actor=OPERATOR,
        )
    service.decide(
        session, entry_id=entry.id, approve=True, note="同意", document_number="决1", department_id=d, actor=REVIEWER
    )
    service.publish(session, entry_id=entry.id, department_id=d, actor=REVIEWER, cipher=CIPHER)
    with pytest.raises(PermissionDenied, match="谁认定、谁移出"):
        service.remove(
            session,
            entry_id=entry.id,
            kind="revoked",
            reason="错误",
            department_id=dept_id(session, "zjj"),
            actor=OTHER_DEPT,
        )


def test_proposal_errors_are_reported_together_and_nothing_is_saved(session: Session, clock: FixedClock) -> None:
    before = session.execute(select(ListEntry)).all()
    with pytest.raises(ValidationFailed) as caught:
        service.propose(
            session,
            values={
                "list_type": "key_attention",
                "subject": "91230382MA0000001X",
                "reason": "",
                "basis_records": [999999],
                "responsible": [{"role": "boss", "name": "张三", "id_number": "1"}],
            },
            department_id=dept_id(session),
            actor=OPERATOR,
            cipher=CIPHER,
        )
    fields = {d["field"] for d in caught.value.details}
    assert {"subject", "domain", "reason", "basis_records", "responsible"} <= fields
    assert session.execute(select(ListEntry)).all() == before


def test_expiry_on_the_right_day_and_the_record_leaves_publicity(session: Session, clock: FixedClock) -> None:
    calendar_2027(session)
    set_day(clock, 2026, 3, 2)
    entry = propose(session, list_type="key_attention", domain="food_drugs", responsible=[])
    published = to_published(session, clock, entry)
    assert published.published_on == date(2026, 3, 10)
    assert published.ends_on == date(2027, 3, 9)  # 12 months, last day inclusive
    set_day(clock, 2027, 3, 9)
    assert service.expire_due(session, actor=REVIEWER) == []
    assert [e.id for e in service.active_entries(session, entity_id=entry.entity_id)] == [entry.id]
    set_day(clock, 2027, 3, 10)
    assert service.active_entries(session, entity_id=entry.entity_id) == []  # the check sees it gone at once
    assert service.expire_due(session, actor=REVIEWER) == [entry.id]
    assert entry.status == service.REMOVED and entry.removal_kind == "expired"
    record = session.get(CreditRecord, entry.record_id)
    assert record is not None and record.status == states.EXPIRED


def test_early_removal_only_after_the_threshold(session: Session, clock: FixedClock) -> None:
    calendar_2027(session)
    set_day(clock, 2026, 3, 2)
    entry = to_published(session, clock, propose(session))
    d = dept_id(session)
    assert entry.early_removal_from is not None
    set_day(clock, 2027, 3, 9)
    with pytest.raises(Conflict, match="方可申请提前移出"):
        service.remove(session, entry_id=entry.id, kind="early", reason="已履行义务", department_id=d, actor=REVIEWER)
    set_day(clock, entry.early_removal_from.year, entry.early_removal_from.month, entry.early_removal_from.day)
    service.remove(
        session, entry_id=entry.id, kind="early", reason="已缴清罚款并完成整改", department_id=d, actor=REVIEWER
    )
    record = session.get(CreditRecord, entry.record_id)
    assert record is not None and record.status == states.REPAIRED
    assert entry.offline_by is not None and entry.offline_by > entry.removed_on  # type: ignore[operator]
    # the legal representative's entry leaves with the company's
    child = session.execute(select(ListEntry).where(ListEntry.parent_id == entry.id)).scalar_one()
    assert child.status == service.REMOVED


def test_revocation_revokes_the_credit_record(session: Session, clock: FixedClock) -> None:
    entry = to_published(session, clock, propose(session))
    service.remove(
        session,
        entry_id=entry.id,
        kind="revoked",
        reason="列入决定被行政复议撤销",
        department_id=dept_id(session),
        actor=REVIEWER,
    )
    record = session.get(CreditRecord, entry.record_id)
    assert record is not None and record.status == states.REVOKED


def test_personal_liability_is_recorded_against_the_named_person(session: Session, clock: FixedClock) -> None:
    entry = to_published(session, clock, propose(session))
    child = session.execute(select(ListEntry).where(ListEntry.parent_id == entry.id)).scalar_one()
    assert child.person_id is not None and child.status == service.PUBLISHED
    assert child.ends_on == entry.ends_on and "法定代表人" in child.reason
    record = session.get(CreditRecord, child.record_id)
    assert record is not None
    assert record.person_id == child.person_id and record.item_code == "serious_list"
    assert record.subject_category == "自然人"
    assert person_id(1) not in str(entry.responsible)  # only the masked number is kept with the entry
    actions = session.execute(
        select(AuditEvent.action).where(AuditEvent.object_id == str(child.id), AuditEvent.object_type == "list_entry")
    ).scalars()
    assert "list.personal_liability" in set(actions)


def test_a_subject_cannot_be_proposed_twice_for_the_same_list(session: Session, clock: FixedClock) -> None:
    first = propose(session)
    with pytest.raises(Conflict, match="不能重复申请"):
        service.propose(
            session,
            values=proposal_values(1, first.basis_record_ids),
            department_id=dept_id(session),
            actor=OPERATOR,
            cipher=CIPHER,
        )


def test_three_years_on_the_abnormal_list_is_flagged_for_the_serious_list(session: Session, clock: FixedClock) -> None:
    set_day(clock, 2026, 3, 2)
    entry = to_published(session, clock, propose(session, list_type="abnormal", responsible=[]))
    assert entry.ends_on is None  # until corrected
    assert entry.published_on == date(2026, 3, 3)  # no statement window for this list: published the next day
    assert service.escalation_due(session, on=date(2029, 3, 2)) == []
    assert service.escalation_due(session, on=date(2029, 3, 3)) == [entry]
