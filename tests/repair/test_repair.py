"""Credit repair (T26): eligibility rules, deadlines across holidays, decisions; re-checks (T27)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, entity
from tests.repair.support import penalty, sign_repair, train

from xinyong.catalog.models import CatalogItem
from xinyong.commitments.models import Commitment
from xinyong.core.clock import CHINA_TZ, FixedClock
from xinyong.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinyong.core.policy import ALL_DEPARTMENTS
from xinyong.disclosure import service as disclosure_service
from xinyong.notices.models import Notice
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.repair import service
from xinyong.repair.models import RepairApplication

REVIEWER = ACTOR


def _ready(session: Session, n: int = 1, **penalty_fields: str) -> tuple[object, CreditRecord]:
    company = entity(session, n)
    record = penalty(session, n, **penalty_fields)
    sign_repair(session, record, n)
    train(session, company)
    return company, record


def _apply(session: Session, company: object, record: CreditRecord, **kw: str) -> RepairApplication:
    return service.apply(
        session,
        record_id=record.id,
        entity_id=company.id,  # type: ignore[attr-defined]
        reason=kw.get("reason", "已缴清罚款并完成整改，申请提前终止公示"),
        performance=kw.get("performance", "2026年3月10日缴纳罚款5000元，缴款书号3400123"),
        actor=ACTOR,
    )


def _shown(session: Session, record: CreditRecord, day: date) -> bool:
    item = session.get(CatalogItem, record.item_id)
    assert item is not None
    return disclosure_service.is_visible(record, item, day)


def _nothing_written(session: Session, record: CreditRecord) -> None:
    assert session.execute(select(func.count(RepairApplication.id))).scalar_one() == 0
    session.refresh(record)
    assert record.status == states.VALID


def test_eligible_application_is_filed_with_its_deadlines(session: Session, clock: FixedClock) -> None:
    company, record = _ready(session)
    checks = service.eligibility(session, record=record, entity=company, performance="已缴纳")  # type: ignore[arg-type]
    assert [c.key for c in checks] == [
        "subject", "nature", "state", "pending", "repairable", "minimum", "obligations", "commitment", "course",
    ]  # fmt: skip
    assert all(c.ok for c in checks), [c.detail for c in checks if not c.ok]
    app = _apply(session, company, record)
    assert app.number.startswith("XF20261128") and app.status == "pending" and app.form == "publicity"
    # 2026-11-28 is a Saturday: three working days are Mon 30 Nov, Tue 1 Dec, Wed 2 Dec.
    assert app.received_on == date(2026, 11, 28) and app.due_on == date(2026, 12, 2)
    assert app.feedback_due_on == date(2026, 12, 11)
    with pytest.raises(ValidationFailed, match="正在办理中"):
        _apply(session, company, record)


def test_deadline_runs_across_the_national_day_holiday(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    # The commitment template fields are in the catalogue from 2026-11-01 (catalogue 2026.2), so the commitment is
    # signed first and the application is then filed on 30 September.
    sign_repair(session, record)
    train(session, company, on=date(2026, 9, 29))  # type: ignore[arg-type]
    clock._at = datetime(2026, 9, 30, 9, 0, tzinfo=CHINA_TZ)
    app = _apply(session, company, record)
    # 1–7 October are holidays; 8, 9 and the make-up Saturday 10 October are working days.
    assert app.due_on == date(2026, 10, 10)


def test_non_repairable_category_is_refused(session: Session, clock: FixedClock) -> None:
    company, record = _ready(
        session, CF_CFLB="吊销许可证件", CF_NR="吊销食品经营许可证", CF_NR_ZKDX="食品经营许可证JY12303820012345"
    )
    with pytest.raises(ValidationFailed, match="不得提前终止公示") as err:
        _apply(session, company, record)
    assert next(d["key"] for d in err.value.details) == "repairable"  # type: ignore[union-attr]
    _nothing_written(session, record)


def test_before_the_minimum_period_is_refused(session: Session, clock: FixedClock) -> None:
    company, record = _ready(session, CF_JDRQ="2026-10-09")
    with pytest.raises(ValidationFailed, match=r"最短公示期：最短公示期至2027-01-08届满，自2027-01-09起方可申请"):
        _apply(session, company, record)
    _nothing_written(session, record)


def test_without_the_repair_commitment_is_refused(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    train(session, company)
    with pytest.raises(ValidationFailed, match="尚未就该记录作出信用修复型承诺") as err:
        _apply(session, company, record)
    assert [d["key"] for d in err.value.details] == ["commitment"]  # type: ignore[union-attr]
    _nothing_written(session, record)


def test_without_repair_training_is_refused(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    sign_repair(session, record)
    with pytest.raises(ValidationFailed, match="须先完成信用修复培训“信用修复专题培训”"):
        _apply(session, company, record)
    _nothing_written(session, record)


def test_obligations_statement_and_reason_are_required(session: Session, clock: FixedClock) -> None:
    company, record = _ready(session)
    with pytest.raises(ValidationFailed) as err:
        _apply(session, company, record, performance=" ", reason="")
    assert [d["key"] for d in err.value.details] == ["obligations", "reason"]  # type: ignore[union-attr]
    _nothing_written(session, record)


def test_a_record_about_someone_else_is_refused(session: Session, clock: FixedClock) -> None:
    _company, record = _ready(session, 1)
    other = entity(session, 2)
    with pytest.raises(PermissionDenied, match="不是关于本单位"):
        _apply(session, other, record)
    _nothing_written(session, record)


def test_a_disputed_record_cannot_be_repaired(session: Session, clock: FixedClock) -> None:
    company, record = _ready(session)
    records_service.transition(session, record_id=record.id, target=states.DISPUTED, reason="异议", actor=ACTOR)
    with pytest.raises(ValidationFailed, match="正在异议处理中"):
        _apply(session, company, record)


def test_approval_takes_the_record_off_the_portal_but_keeps_it(session: Session, clock: FixedClock) -> None:
    company, record = _ready(session)
    today = date(2026, 11, 28)
    assert _shown(session, record, today)
    app = _apply(session, company, record)
    from xinyong.evaluation import service as evaluation

    evaluation.evaluate_subjects(session, [company.id], actor=REVIEWER)
    before = evaluation.current_grade(session, company.id)
    with pytest.raises(PermissionDenied, match="本部门不能作出决定"):
        service.decide(session, application_id=app.id, approve=True, note="同意", actor=REVIEWER, department_id=999)
    with pytest.raises(ValidationFailed, match="审核意见"):
        service.decide(
            session, application_id=app.id, approve=False, note=" ", actor=REVIEWER, department_id=ALL_DEPARTMENTS
        )
    service.decide(
        session, application_id=app.id, approve=True, note="罚款已缴清，整改到位", actor=REVIEWER,
        department_id=record.department_id,
    )  # fmt: skip
    session.refresh(record)
    assert record.status == states.REPAIRED and not _shown(session, record, today)
    assert record.id in [r.id for r in records_service.subject_records(session, entity_id=company.id)]  # type: ignore[attr-defined]
    assert app.status == "approved" and app.decided_on == today
    after = evaluation.current_grade(session, company.id)  # re-graded at once: the repaired penalty no longer counts
    assert before is not None and after is not None and after.score > before.score
    notice = session.execute(select(Notice).where(Notice.entity_id == company.id)).scalar_one()  # type: ignore[attr-defined]
    assert "已通过" in notice.title
    with pytest.raises(Conflict, match="不能重复决定"):
        service.decide(
            session, application_id=app.id, approve=False, note="x", actor=REVIEWER, department_id=ALL_DEPARTMENTS
        )


def test_rejection_keeps_the_record_published_and_tells_why(session: Session, clock: FixedClock) -> None:
    company, record = _ready(session)
    app = _apply(session, company, record)
    service.decide(
        session,
        application_id=app.id,
        approve=False,
        note="罚款尚未缴清",
        actor=REVIEWER,
        department_id=ALL_DEPARTMENTS,
    )
    session.refresh(record)
    assert record.status == states.VALID and app.status == "rejected"
    notice = session.execute(select(Notice).where(Notice.entity_id == company.id)).scalar_one()  # type: ignore[attr-defined]
    assert "罚款尚未缴清" in notice.body


def test_reminders_flag_due_soon_and_overdue(session: Session, clock: FixedClock) -> None:
    company, record = _ready(session)
    app = _apply(session, company, record)
    [r] = service.reminders(session)
    assert r.application.id == app.id and r.working_days_left == 3 and not r.overdue and not r.due_soon
    clock._at = datetime(2026, 12, 2, 9, 0, tzinfo=CHINA_TZ)
    [r] = service.reminders(session)
    assert r.due_soon and not r.overdue
    clock._at = datetime(2026, 12, 3, 9, 0, tzinfo=CHINA_TZ)
    [r] = service.reminders(session)
    assert r.overdue
    [stats] = service.statistics(session)
    assert stats.total == 1 and stats.pending_overdue == 1


def test_sample_selection_is_reproducible() -> None:
    pool = [f"XF20261128{i:06d}" for i in range(1, 21)]
    first = service.select_sample("2026-12-01 福彩3D 123", pool, 4)
    assert first == service.select_sample("2026-12-01 福彩3D 123", pool, 4)
    assert len(set(first)) == 4 and all(0 <= i < 20 for i in first)
    assert first != service.select_sample("2026-12-01 福彩3D 124", pool, 4)
    assert service.sample_size(20, 10) == 2 and service.sample_size(3, 10) == 1 and service.sample_size(0, 10) == 0
    # The documented method, re-run independently.
    import hashlib

    digest = hashlib.sha256("".join(p + "\n" for p in pool).encode()).hexdigest()
    remaining, again = list(range(20)), []
    for i in range(4):
        h = hashlib.sha256(f"2026-12-01 福彩3D 123|{digest}|{i}".encode()).digest()
        again.append(remaining.pop(int.from_bytes(h, "big") % len(remaining)))
    assert again == first


def test_recheck_revocation_republishes_and_records_the_breach(session: Session, clock: FixedClock) -> None:
    company, record = _ready(session)
    app = _apply(session, company, record)
    service.decide(
        session, application_id=app.id, approve=True, note="同意修复", actor=REVIEWER, department_id=ALL_DEPARTMENTS
    )
    with pytest.raises(ValidationFailed, match="随机种子"):
        service.draw_recheck(
            session, period_from=date(2026, 11, 1), period_to=date(2026, 11, 30), rate_percent=10, seed="", actor=ACTOR
        )
    draw = service.draw_recheck(
        session, period_from=date(2026, 11, 1), period_to=date(2026, 11, 30), rate_percent=10, seed="种子123",
        actor=ACTOR,
    )  # fmt: skip
    assert draw.pool == [app.number] and draw.selected == [app.number]
    assert draw.pool_sha256 == service.pool_digest([app.number])
    [case] = service.cases_of(session, draw.id)
    service.review_case(session, case_id=case.id, revoke=True, finding="缴款凭证系伪造", actor=ACTOR, cipher=CIPHER)
    session.refresh(record)
    decision = disclosure_service.decide_for(
        "penalty", "penalty", record.subject_category, record.decision_date, record.fields
    )
    assert record.status == states.VALID and record.publicity_until == decision.max_end
    assert _shown(session, record, date(2026, 11, 28))
    assert app.status == "revoked" and case.status == "revoked"
    commitment = session.get(Commitment, app.commitment_id)
    assert commitment is not None and commitment.fulfilment == "全部未履行" and commitment.is_false
    breach = session.get(CreditRecord, case.breach_record_id)
    assert breach is not None and breach.item_code == "commitment_breach" and breach.entity_id == company.id  # type: ignore[attr-defined]
    with pytest.raises(Conflict, match="不能重复记录"):
        service.review_case(session, case_id=case.id, revoke=False, finding="x", actor=ACTOR, cipher=CIPHER)


def test_statistics_count_outcomes_and_time(session: Session, clock: FixedClock) -> None:
    c1, r1 = _ready(session, 1)
    c2, r2 = _ready(session, 2)
    a1, a2 = _apply(session, c1, r1), _apply(session, c2, r2)
    clock._at = datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ)
    service.decide(
        session, application_id=a1.id, approve=True, note="同意", actor=REVIEWER, department_id=ALL_DEPARTMENTS
    )
    clock._at = datetime(2026, 12, 4, 9, 0, tzinfo=CHINA_TZ)
    service.decide(
        session, application_id=a2.id, approve=False, note="材料不全", actor=REVIEWER, department_id=ALL_DEPARTMENTS
    )
    [stats] = service.statistics(session)
    assert (stats.total, stats.approved, stats.rejected, stats.pending) == (2, 1, 1, 0)
    assert (stats.decided_on_time, stats.decided_late) == (1, 1)
    assert stats.approval_rate == 0.5 and stats.average_working_days == 3.5  # 2 and 5 working days
    [(_day, dishonest, total)] = service.dishonest_share(session, days=[date(2026, 12, 4)])
    assert (dishonest, total) == (1, 2)  # the repaired one is off the portal
