"""Commitments (T1, T2): matters, codes, the national template, openness, fulfilment, overdue verification."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, commit, entity, list_entry, matter, penalty, values

from xinyong.commitments import service
from xinyong.commitments.models import Commitment, CommitmentSerial
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.core.identifiers import validate_commitment_code
from xinyong.records import service as records_service
from xinyong.records.models import CreditRecord


def _count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


# --------------------------------------------------------------------------------------------------
# Matters (T1)
# --------------------------------------------------------------------------------------------------


def test_matter_is_saved_with_its_rules_and_shown_publicly(session: Session, clock: FixedClock) -> None:
    m = matter(session, excluded_lists="serious_list、abnormal_list", excluded_grades="C,D", breach_ban_months="12")
    public = service.matter_public(m)
    assert public["department"] == "密山市市场监督管理局"
    assert public["commitment_type"] == "审批替代型"
    assert public["excluded_lists"] == ["严重失信主体名单", "经营异常名录"]
    assert public["excluded_grades"] == ["C（信用风险较高）", "D（信用风险高）"]
    assert "12个月内不再适用告知承诺制办理" in public["breach_measures"]


def test_matter_errors_name_every_field_and_save_nothing(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed) as exc:
        matter(
            session,
            code="",
            commitment_type="随便型",
            department="nope",
            excluded_lists="blacklist",
            required_course="NO-SUCH",
        )
    fields = {d["field"] for d in exc.value.details}
    assert fields == {"code", "commitment_type", "department", "excluded_lists", "required_course"}
    assert "承诺类型（commitment_type）：应为：审批替代型、容缺受理型" in exc.value.message
    assert service.list_matters(session) == []


# --------------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------------


def test_codes_follow_the_rule_and_restart_each_day(session: Session, clock: FixedClock) -> None:
    first = service.next_code(session, day=date(2026, 11, 28))
    second = service.next_code(session, day=date(2026, 11, 28))
    other_day = service.next_code(session, day=date(2026, 11, 29))
    assert (first, second, other_day) == ("23038220261128000001", "23038220261128000002", "23038220261129000001")
    assert validate_commitment_code(first) == first


def test_codes_are_unique_under_concurrent_writers(db: Database, clock: FixedClock) -> None:
    with db.session() as s:
        m = matter(s)
        code = m.code
        for n in range(1, 9):
            entity(s, n)
    threads, per_thread = 8, 4
    codes: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                with db.session() as s:
                    found = service.matter_by_code(s, code)
                    assert found is not None
                    c = commit(s, found, n)
                    with lock:
                        codes.append(c.code)
        except BaseException as exc:  # reported below
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(1, threads + 1)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not failures, failures
    assert len(codes) == len(set(codes)) == threads * per_thread
    assert sorted(int(c[-6:]) for c in codes) == list(range(1, threads * per_thread + 1))
    with db.session() as s:
        assert _count(s, Commitment) == threads * per_thread


# --------------------------------------------------------------------------------------------------
# Commitments (T2)
# --------------------------------------------------------------------------------------------------


TYPES = ["审批替代型", "容缺受理型", "证明事项型", "信用修复型", "行业自律型", "主动型", "其他"]


@pytest.mark.parametrize("ctype", TYPES)
def test_each_commitment_type_is_recorded_in_the_credit_record(session: Session, clock: FixedClock, ctype: str) -> None:
    company = entity(session)
    m = matter(session, commitment_type=ctype, verification_working_days=5)
    extra = {"related_record": penalty(session).id} if ctype == "信用修复型" else {}
    c = commit(session, m, **extra)
    assert c.code.startswith("23038220261128") and c.commitment_type == ctype
    assert c.entity_id == company.id and c.accepting_unit == "密山市市场监督管理局"
    assert c.verify_by == date(2026, 12, 4)  # 5 working days after Saturday 28 November
    records = records_service.subject_records(session, entity_id=company.id)
    record = next(r for r in records if r.item_code == "commitment")
    assert record.id == c.record_id and record.document_number == c.code
    assert record.fields["CNLX"] == ctype and record.fields["GKLX"] == "可向社会公开"
    assert record.fields["JDJGDM"] == "112303820023820061"
    assert record.publicity_until == date(2027, 11, 27)  # public: one year on the portal


def test_openness_keeps_restricted_commitments_off_the_portal(session: Session, clock: FixedClock) -> None:
    entity(session)
    m = matter(session)
    hidden = commit(session, m, openness="不可公开")
    limited = commit(session, m, openness="特定范围内公开")
    shown = commit(session, m)
    records = {c.code: session.get(CreditRecord, c.record_id) for c in (hidden, limited, shown)}
    assert records[hidden.code].publicity_until is None and records[limited.code].publicity_until is None
    assert records[shown.code].publicity_until is not None
    assert [c.code for c in service.public_commitments(session, entity_id=shown.entity_id)] == [shown.code]


def test_person_commitment_keeps_the_id_number_encrypted(session: Session, clock: FixedClock) -> None:
    m = matter(session, code="SFJ-LS", department="sfj", commitment_type="行业自律型")
    c = service.create_commitment(
        session,
        values=values(
            m,
            committer_category="自然人",
            committer_name="李四",
            committer_code=None,
            legal_rep=None,
            id_number="230382200001011239",
        ),
        channel="department",
        actor=ACTOR,
        cipher=CIPHER,
        department_id=m.department_id,
    )
    record = session.get(CreditRecord, c.record_id)
    assert c.person_id is not None and record is not None and record.person_id == c.person_id
    assert record.fields["XDR_ZJHM"] == "2303**********1239"


def test_missing_template_fields_are_named_and_nothing_is_recorded(session: Session, clock: FixedClock) -> None:
    m = matter(session)
    bad = values(m, reason="", content=None, openness="", made_on="2026-13-01", committer_code="91230382MA0000001X")
    with pytest.raises(ValidationFailed) as exc:
        service.create_commitment(
            session, values=bad, channel="department", actor=ACTOR, cipher=CIPHER, department_id=m.department_id
        )
    by_field = {d["field"]: d["reason"] for d in exc.value.details}
    assert set(by_field) == {"reason", "content", "openness", "made_on", "committer_code"}
    assert by_field["reason"] == "必填项缺失"
    assert "承诺事由（reason）：必填项缺失" in exc.value.message
    assert "承诺作出日期（made_on）：“2026-13-01”不是YYYY-MM-DD格式的有效日期" in exc.value.message
    assert _count(session, Commitment) == 0 and _count(session, CreditRecord) == 0
    assert _count(session, CommitmentSerial) == 0


def test_a_matter_that_does_not_allow_the_commitment_is_refused(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    m = matter(session)
    with pytest.raises(ValidationFailed, match="不适用信用修复型"):
        commit(session, m, commitment_type="信用修复型")
    with pytest.raises(ValidationFailed, match="不接受网上自主承诺"):
        service.create_commitment(
            session, values=values(m), channel="online", actor=ACTOR, cipher=CIPHER, entity_id=company.id
        )
    service.save_matter(session, values={**_raw(m), "is_active": ""}, actor=ACTOR, matter_id=m.id)
    with pytest.raises(ValidationFailed, match="已停止适用告知承诺制"):
        commit(session, m)
    other = matter(session, code="JYJ-XKZ", department="jyj")
    with pytest.raises(PermissionDenied, match="由密山市教育局实施，不能由本部门受理"):
        service.create_commitment(
            session,
            values=values(other),
            channel="department",
            actor=ACTOR,
            cipher=CIPHER,
            department_id=m.department_id,
        )
    assert _count(session, Commitment) == 0


def _raw(m: object) -> dict[str, object]:
    keys = (
        "code",
        "name",
        "matter_kind",
        "commitment_type",
        "standard_text",
        "breach_liability",
        "verification_working_days",
    )
    out = {k: getattr(m, k) for k in keys}
    out["department"] = "scjg"
    return out


def test_entity_on_an_excluded_list_is_refused(session: Session, clock: FixedClock) -> None:
    entity(session, 1)
    entity(session, 2)
    m = matter(session, excluded_lists=["serious_list"])
    list_entry(session, 1)
    list_entry(session, 2, item="red_list")  # a red list is not an exclusion
    with pytest.raises(ValidationFailed) as exc:
        commit(session, m, 1)
    assert exc.value.details == [
        {"field": "lists", "name": "名单", "reason": "承诺人被列入严重失信主体名单，本事项不适用告知承诺制"}
    ]
    assert commit(session, m, 2).code
    assert _count(session, Commitment) == 1


def test_grade_exclusion_uses_the_grade_provider(session: Session, clock: FixedClock) -> None:
    entity(session)
    m = matter(session, excluded_grades=["D"])
    with pytest.raises(ValidationFailed, match="当前信用等级为D级（信用风险高），本事项不适用告知承诺制"):
        service.create_commitment(
            session,
            values=values(m),
            channel="department",
            actor=ACTOR,
            cipher=CIPHER,
            department_id=m.department_id,
            grade_provider=lambda _s, _id: "D",
        )
    ok = service.create_commitment(
        session,
        values=values(m),
        channel="department",
        actor=ACTOR,
        cipher=CIPHER,
        department_id=m.department_id,
        grade_provider=lambda _s, _id: "B",
    )
    assert ok.code


def test_grade_exclusion_reads_the_evaluation_by_default(session: Session, clock: FixedClock) -> None:
    from xinyong.evaluation import service as evaluation

    company = entity(session)
    evaluation.evaluate_subjects(session, [company.id], actor=ACTOR)
    graded = evaluation.current_grade(session, company.id)
    assert graded is not None and service.subject_grade(session, company.id) == graded.overall_grade
    m = matter(session, excluded_grades=[graded.overall_grade])
    with pytest.raises(ValidationFailed, match=f"当前信用等级为{graded.overall_grade}级"):
        service.create_commitment(
            session, values=values(m), channel="department", actor=ACTOR, cipher=CIPHER, department_id=m.department_id
        )
    assert _count(session, Commitment) == 0


# --------------------------------------------------------------------------------------------------
# Fulfilment
# --------------------------------------------------------------------------------------------------


def test_full_fulfilment_versions_the_record_without_a_breach(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    c = commit(session, matter(session))
    first_record = c.record_id
    c, outcome = service.record_fulfilment(
        session,
        commitment_id=c.id,
        values={"fulfilment": "全部履行"},
        actor=ACTOR,
        cipher=CIPHER,
        department_id=c.department_id,
    )
    assert outcome is None and c.breach_record_id is None
    record = session.get(CreditRecord, c.record_id)
    assert record is not None and record.id != first_record and record.version == 2
    assert record.fields["LXZT"] == "全部履行"
    # The fulfilment the evaluation scores on is kept beside the JSON (records.outcome); the first version had none.
    first = session.get(CreditRecord, first_record)
    assert record.outcome == "全部履行" and first is not None and first.outcome is None
    items = [r.item_code for r in records_service.subject_records(session, entity_id=company.id)]
    assert items == ["commitment"]
    assert service.fulfilment_label(c) == "全部履行"


def test_partial_fulfilment_requires_the_unfulfilled_content(session: Session, clock: FixedClock) -> None:
    c = commit(session, matter(session))
    with pytest.raises(ValidationFailed) as exc:
        service.record_fulfilment(
            session,
            commitment_id=c.id,
            values={"fulfilment": "部分履行", "accountability": "责令限期整改"},
            actor=ACTOR,
            cipher=CIPHER,
            department_id=c.department_id,
        )
    expected = {"field": "unfulfilled_content", "name": "未履行内容", "reason": "履行状态为部分履行时必填"}
    assert exc.value.details == [expected]
    session.refresh(c)
    assert c.fulfilment is None and _count(session, CreditRecord) == 1
    with pytest.raises(ValidationFailed, match="承诺履行状态（fulfilment）：应为：全部履行、部分履行、全部未履行"):
        service.record_fulfilment(
            session,
            commitment_id=c.id,
            values={"fulfilment": "差不多"},
            actor=ACTOR,
            cipher=CIPHER,
            department_id=c.department_id,
        )


def test_other_departments_cannot_record_fulfilment(session: Session, clock: FixedClock) -> None:
    c = commit(session, matter(session))
    other = matter(session, code="JYJ-1", department="jyj").department_id
    with pytest.raises(PermissionDenied, match="负责核查，本部门不能记录其履行情况"):
        service.record_fulfilment(
            session,
            commitment_id=c.id,
            values={"fulfilment": "全部履行"},
            actor=ACTOR,
            cipher=CIPHER,
            department_id=other,
        )


def test_overdue_verifications_are_listed_for_the_department(session: Session, clock: FixedClock) -> None:
    m = matter(session, verification_working_days=3)
    c = commit(session, m)
    assert c.verify_by == date(2026, 12, 2)
    assert service.overdue_verifications(session) == []
    assert [x.code for x in service.due_soon(session)] == [c.code]
    clock.advance(days=5)  # 3 December
    assert [x.code for x in service.overdue_verifications(session, department_id=m.department_id)] == [c.code]
    assert service.overdue_counts(session) == [("scjg", "密山市市场监督管理局", 1)]
    service.record_fulfilment(
        session,
        commitment_id=c.id,
        values={"fulfilment": "全部履行"},
        actor=ACTOR,
        cipher=CIPHER,
        department_id=m.department_id,
    )
    assert service.overdue_verifications(session) == []
