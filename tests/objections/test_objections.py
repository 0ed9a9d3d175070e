"""Objections (T30): the record shows 异议中 at once, deadline with one extension, outcomes 维持 / 更正 / 撤销."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, entity
from tests.repair.support import penalty

from xinyong.catalog.models import CatalogItem
from xinyong.core.clock import CHINA_TZ, FixedClock
from xinyong.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinyong.core.policy import ALL_DEPARTMENTS
from xinyong.disclosure import service as disclosure_service
from xinyong.notices import service as notices
from xinyong.objections import service
from xinyong.objections.models import Objection
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord

TODAY = date(2026, 11, 28)


def _file(session: Session, record: CreditRecord, entity_id: int, **kw: str) -> Objection:
    return service.file_objection(
        session,
        record_id=record.id,
        entity_id=entity_id,
        reasons=kw.get("reasons", "处罚决定书记载的罚款金额有误，实际为3000元"),
        evidence=kw.get("evidence", "行政处罚决定书（密市监罚〔2026〕1号）复印件；缴款凭证"),
        actor=ACTOR,
    )


def _shown(session: Session, record: CreditRecord) -> bool:
    item = session.get(CatalogItem, record.item_id)
    assert item is not None
    return disclosure_service.is_visible(record, item, TODAY)


def test_filing_marks_the_record_disputed_at_once(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    objection = _file(session, record, company.id)
    session.refresh(record)
    assert record.status == states.DISPUTED and _shown(session, record)  # still shown, marked 异议中
    assert objection.number.startswith("YY20261128") and objection.status == "pending"
    # Five working days from Saturday 28 November: 30 Nov, 1, 2, 3, 4 December.
    assert objection.due_on == date(2026, 12, 4)
    with pytest.raises(Conflict, match="已有正在处理的异议"):
        _file(session, record, company.id)


def test_bad_objections_change_nothing(session: Session, clock: FixedClock) -> None:
    company, other = entity(session, 1), entity(session, 2)
    record = penalty(session, 1)
    with pytest.raises(PermissionDenied, match="只能对关于本单位的信用记录提出异议"):
        _file(session, record, other.id)
    with pytest.raises(ValidationFailed) as err:
        _file(session, record, company.id, reasons=" ", evidence="")
    assert [d["field"] for d in err.value.details] == ["reasons", "evidence"]  # type: ignore[union-attr]
    session.refresh(record)
    assert record.status == states.VALID
    assert session.execute(select(func.count(Objection.id))).scalar_one() == 0


def test_one_extension_to_twenty_working_days(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    objection = _file(session, record, company.id)
    with pytest.raises(PermissionDenied, match="本部门不能办理"):
        service.extend(session, objection_id=objection.id, reason="需调取案卷", actor=ACTOR, department_id=999)
    with pytest.raises(ValidationFailed, match="延期理由"):
        service.extend(session, objection_id=objection.id, reason="", actor=ACTOR, department_id=ALL_DEPARTMENTS)
    service.extend(
        session, objection_id=objection.id, reason="需调取执法案卷核对", actor=ACTOR, department_id=record.department_id
    )
    assert objection.due_on == date(2026, 12, 25)  # 20 working days from 28 November
    with pytest.raises(Conflict, match="已延期一次"):
        service.extend(
            session, objection_id=objection.id, reason="再次延期", actor=ACTOR, department_id=ALL_DEPARTMENTS
        )
    assert "延长至2026-12-25" in notices.notices_for(session, entity_id=company.id)[0].body


def test_maintain_returns_the_record_to_valid(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    objection = _file(session, record, company.id)
    with pytest.raises(ValidationFailed, match="处理理由"):
        service.decide(
            session, objection_id=objection.id, outcome="maintain", reason="", actor=ACTOR,
            department_id=ALL_DEPARTMENTS, cipher=CIPHER,
        )  # fmt: skip
    service.decide(
        session, objection_id=objection.id, outcome="maintain", reason="经核查，原决定书记载无误", actor=ACTOR,
        department_id=ALL_DEPARTMENTS, cipher=CIPHER,
    )  # fmt: skip
    session.refresh(record)
    assert record.status == states.VALID and _shown(session, record)
    assert objection.outcome == "maintain" and objection.decided_on == TODAY
    notice = notices.notices_for(session, entity_id=company.id)[0]
    assert notice.title.endswith("已处理：维持") and "原决定书记载无误" in notice.body
    events = service.history(session, objection)
    assert [(e.from_status, e.to_status) for e in events] == [("valid", "disputed"), ("disputed", "valid")]
    with pytest.raises(Conflict, match="不能重复决定"):
        service.decide(
            session, objection_id=objection.id, outcome="revoke", reason="x", actor=ACTOR,
            department_id=ALL_DEPARTMENTS, cipher=CIPHER,
        )  # fmt: skip


def test_correction_creates_a_new_version(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    objection = _file(session, record, company.id)
    with pytest.raises(ValidationFailed, match="须填写更正后的内容"):
        service.decide(
            session, objection_id=objection.id, outcome="correct", reason="金额有误", actor=ACTOR,
            department_id=ALL_DEPARTMENTS, cipher=CIPHER,
        )  # fmt: skip
    service.decide(
        session, objection_id=objection.id, outcome="correct", reason="罚款金额录入有误，予以更正", actor=ACTOR,
        department_id=ALL_DEPARTMENTS, cipher=CIPHER, corrected_fields={"CF_NR": "罚款3000元", "CF_NR_FK": "0.3"},
    )  # fmt: skip
    session.refresh(record)
    assert record.status == states.CORRECTED and not record.is_current
    new = session.get(CreditRecord, objection.new_record_id)
    assert new is not None and new.version == 2 and new.status == states.VALID and new.fields["CF_NR"] == "罚款3000元"
    assert _shown(session, new) and not _shown(session, record)
    assert [v.id for v in records_service.versions_of(session, new)] == [record.id, new.id]


def test_revocation_takes_the_record_off_the_portal(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    objection = _file(session, record, company.id)
    clock._at = datetime(2026, 12, 7, 9, 0, tzinfo=CHINA_TZ)  # after the 5-working-day deadline
    assert [o.id for o in service.overdue(session)] == [objection.id]
    service.decide(
        session, objection_id=objection.id, outcome="revoke", reason="处罚决定已被复议机关撤销", actor=ACTOR,
        department_id=record.department_id, cipher=CIPHER,
    )  # fmt: skip
    session.refresh(record)
    assert record.status == states.REVOKED and not _shown(session, record)
    [stats] = service.statistics(session)
    assert (stats.total, stats.revoke, stats.late, stats.on_time) == (1, 1, 1, 0)
