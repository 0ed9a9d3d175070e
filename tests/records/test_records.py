"""Credit records: stored once per decision, versioned on change, deadlines by working days, a strict state machine."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET
from tests.factories import SHOP, shop_penalty

from xinyong.catalog import service as catalog
from xinyong.core.audit import Actor
from xinyong.core.clock import CHINA_TZ, FixedClock
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import Conflict
from xinyong.records import service, states
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Entity, SubjectNameReview

ACTOR = Actor.system("test")


def store(session: Session, values: dict[str, Any]) -> service.StoreResult:
    item, spec = catalog.item_for(session, "penalty")
    return service.store(
        session,
        item=item,
        spec=spec,
        department=subjects.department_by_code(session, "scjg"),
        values=values,
        provenance=service.Provenance(actor=ACTOR),
        cipher=get_cipher(TEST_SECRET),
    )


def test_a_decision_is_stored_once_and_versioned_when_it_changes(session: Session, clock: FixedClock) -> None:
    first = store(session, shop_penalty())
    assert first.outcome == service.CREATED and first.record.version == 1
    assert first.record.fields["CF_NR_FK"] == "0.2" and first.record.fields["CF_CFLB"] == ["警告", "罚款"]
    again = store(session, shop_penalty())
    assert again.outcome == service.UNCHANGED and again.record.id == first.record.id
    changed = store(session, shop_penalty(CF_NR="警告并处罚款3000元", CF_NR_FK=Decimal("0.3")))
    assert changed.outcome == service.VERSIONED and changed.record.version == 2
    assert changed.record.supersedes_id == first.record.id
    versions = service.versions_of(session, changed.record)
    assert [(v.version, v.status, v.is_current) for v in versions] == [
        (1, states.CORRECTED, False),
        (2, states.VALID, True),
    ]
    total = session.execute(select(func.count()).select_from(CreditRecord)).scalar_one()
    assert total == 2  # nothing deleted, nothing duplicated


def test_deadline_is_seven_working_days_across_national_day(session: Session, clock: FixedClock) -> None:
    # Decided Tue 29 Sep 2026: 30 Sep, 8, 9, 10 (Sat, make-up), 12, 13, 14 Oct.
    clock._at = datetime(2026, 10, 14, 17, 0, tzinfo=CHINA_TZ)
    on_time = store(session, shop_penalty()).record
    assert on_time.publication_deadline == date(2026, 10, 14)
    assert on_time.on_time is True
    clock._at = datetime(2026, 10, 15, 9, 0, tzinfo=CHINA_TZ)
    late = store(session, shop_penalty(CF_WSH="密市监罚〔2026〕16号")).record
    assert late.on_time is False
    rows = {t.department_code: t for t in service.timeliness(session)}
    assert (rows["scjg"].total, rows["scjg"].on_time, rows["scjg"].late) == (2, 1, 1)
    assert rows["scjg"].rate == 0.5
    assert [r.document_number for r in service.overdue(session)] == ["密市监罚〔2026〕16号"]


def test_a_deadline_in_a_year_without_notice_is_provisional_not_missing(session: Session, clock: FixedClock) -> None:
    clock._at = datetime(2027, 1, 7, 10, 0, tzinfo=CHINA_TZ)
    # Decided Friday 25 Dec 2026: seven working days end on 6 Jan 2027 (1 Jan is 元旦 by the statutory rule).
    result = store(session, shop_penalty(CF_JDRQ=date(2026, 12, 25)))
    assert result.record.publication_deadline == date(2027, 1, 6) and result.record.on_time is False


def test_unknown_subjects_are_registered_and_name_conflicts_queued(session: Session, clock: FixedClock) -> None:
    created = store(session, shop_penalty())
    assert "此前未登记" in created.warnings[0]
    entity = session.execute(select(Entity).where(Entity.uscc == SHOP)).scalar_one()
    assert (entity.category, entity.entity_type, entity.region_code) == ("个体工商户", "个体工商户", "230382")
    other = store(session, shop_penalty(CF_WSH="密市监罚〔2026〕20号", CF_XDR_MC="密山市王记烧烤"))
    assert "与登记名称“密山市老王烧烤店”不一致" in other.warnings[0]
    session.refresh(entity)
    assert entity.name == "密山市老王烧烤店"  # not silently overwritten
    review = session.execute(select(SubjectNameReview)).scalar_one()
    assert (review.reported_name, review.status) == ("密山市王记烧烤", "open")


def test_natural_person_records_keep_only_the_masked_number(session: Session, clock: FixedClock) -> None:
    values = shop_penalty(CF_XDR_MC="张三", CF_XDR_LB="自然人", CF_XDR_ZJLX="身份证", CF_XDR_ZJHM="230382200001011239")
    del values["CF_XDR_SHXYM"]
    record = store(session, values).record
    assert record.subject_kind == "person" and record.person_id is not None
    assert record.fields["CF_XDR_ZJHM"] == "2303**********1239"
    person = subjects.find_person(session, cipher=get_cipher(TEST_SECRET), id_number="230382200001011239")
    assert person is not None and person.id == record.person_id


def test_state_machine_refuses_illegal_transitions(session: Session, clock: FixedClock) -> None:
    record = store(session, shop_penalty()).record
    service.transition(session, record_id=record.id, target=states.DISPUTED, reason="当事人提出异议", actor=ACTOR)
    with pytest.raises(Conflict, match="记录状态不能从“异议中”变为“已修复”"):
        service.transition(session, record_id=record.id, target=states.REPAIRED, reason="", actor=ACTOR)
    service.transition(session, record_id=record.id, target=states.REVOKED, reason="异议成立，撤销", actor=ACTOR)
    with pytest.raises(Conflict, match="当前状态允许变为：无（终态）"):
        service.transition(session, record_id=record.id, target=states.VALID, reason="", actor=ACTOR)


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ([states.REPAIRED, states.VALID], True),  # repair revoked for false material
        ([states.EXPIRED, states.VALID], True),  # re-published after a broken commitment
        ([states.DISPUTED, states.VALID], True),  # objection rejected (维持)
        ([states.EXPIRED, states.DISPUTED], False),
        ([states.CORRECTED, states.VALID], False),
    ],
)
def test_transition_table(path: list[str], ok: bool) -> None:
    current = states.VALID
    try:
        for target in path:
            states.check_transition(current, target)
            current = target
    except Conflict:
        assert not ok
    else:
        assert ok


def test_a_subjects_full_record_is_one_query(session: Session, clock: FixedClock) -> None:
    store(session, shop_penalty())
    store(session, shop_penalty(CF_WSH="密市监罚〔2026〕21号", CF_JDRQ=date(2026, 10, 20)))
    store(session, shop_penalty(CF_NR="更正"))
    entity = subjects.entity_by_uscc(session, SHOP)
    current = service.subject_records(session, entity_id=entity.id)
    assert [r.document_number for r in current] == ["密市监罚〔2026〕21号", "密市监罚〔2026〕15号"]
    assert len(service.subject_records(session, entity_id=entity.id, history=True)) == 3


def test_credit_office_decides_name_conflicts_in_the_console(client, db, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import csrf_from, login, make_user

    with db.session() as s:
        store(s, shop_penalty())
        store(s, shop_penalty(CF_WSH="密市监罚〔2026〕30号", CF_XDR_MC="密山市王记烧烤"))
    make_user(db, "admin1", "admin", "ysj")
    login(client, "admin1")
    page = client.get("/console/subjects/name-reviews")
    assert "密山市王记烧烤" in page.text and "密山市老王烧烤店" in page.text
    with db.session() as s:
        review_id = s.execute(select(SubjectNameReview.id)).scalar_one()
    done = client.post(
        f"/console/subjects/name-reviews/{review_id}", data={"accept": "1", "csrf_token": csrf_from(page.text)}
    )
    assert "名称确定为“密山市王记烧烤”" in done.text and "没有待核对的名称" in done.text
    with db.session() as s:
        assert subjects.entity_by_uscc(s, SHOP).name == "密山市王记烧烤"
    make_user(db, "op", "operator")
    other = client.__class__(client.app)
    login(other, "op")
    assert other.get("/console/subjects/name-reviews").status_code == 403


def test_publicity_window_follows_the_rules_in_force(session: Session, clock: FixedClock) -> None:
    serious = store(session, shop_penalty(CF_CFLB=["吊销许可证件"], CF_NR="吊销食品经营许可证")).record
    assert (serious.severity, serious.publicity_from, serious.publicity_until) == (
        "serious",
        date(2026, 9, 29),
        date(2029, 9, 28),
    )
    values = shop_penalty(CF_WSH="密市监罚〔2026〕40号", CF_CFLB=["警告"], CF_NR="警告")
    del values["CF_NR_FK"]
    warning_only = store(session, values).record
    assert warning_only.severity == "minor"
    assert warning_only.publicity_from is None and warning_only.publicity_until is None  # 2026 regime: not published
