"""Credit evaluation: overrides, decay, model versions with history, explanations that add up, warnings, industry
grades. Every test runs on SQLite and PostgreSQL with records stored through the records service."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET
from tests.evaluation.support import ACTOR, action, code, entity, penalty

from xinyong.core.clock import FixedClock
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinyong.evaluation import industry, service
from xinyong.evaluation import warnings as warnings_service
from xinyong.evaluation.models import EarlyWarning, GradeHistory, WarningRecipient
from xinyong.records import service as records_service
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Department

TODAY = date(2026, 11, 28)


def good_company(session: Session, n: int) -> int:
    """An established company with honours and rewards: score 940, grade A before anything negative."""
    uscc = code(n)
    for i in range(3):
        action(session, "honour", uscc, f"密市荣〔2025〕{n}-{i}号", date(2025, 6, 1))
        action(session, "reward", uscc, f"密市奖〔2025〕{n}-{i}号", date(2025, 6, 2))
    return entity(session, uscc, registered=date(2015, 3, 1)).id


def grade_of(session: Session, entity_id: int) -> service.CurrentGrade:
    found = service.current_grade(session, entity_id)
    assert found is not None
    return found


def test_a_clean_established_company_is_graded_a_and_explained(session: Session, clock: FixedClock) -> None:
    eid = good_company(session, 1)
    service.evaluate_all(session, actor=ACTOR)
    grade = grade_of(session, eid)
    assert (grade.score, grade.grade, grade.label, grade.overall_grade) == (940, "A", "信用风险低", "A")
    ex = service.explain_grade(session, eid)
    points = {f.code: f.points for f in ex.factors}
    assert points["base"] == 700 and points["age"] == 60 and points["honour"] == 90 and points["reward"] == 90
    assert sum(f.points for f in ex.factors) == ex.score == grade.score
    assert ex.up_to_date


def test_serious_dishonesty_list_forces_grade_d(session: Session, clock: FixedClock) -> None:
    eid = good_company(session, 2)
    action(session, "serious_list", code(2), "密市监严〔2026〕1号", date(2026, 10, 1))
    service.evaluate_all(session, actor=ACTOR)
    grade = grade_of(session, eid)
    assert grade.score == 940 - 300 == 640  # C by score alone
    assert grade.grade == "D" and grade.override_code == "serious_list"
    ex = service.explain_grade(session, eid)
    assert ex.grade == "D" and ex.override == "列入严重失信主体名单"


def test_serious_penalty_within_twelve_months_caps_at_c_and_lifts_after(session: Session, clock: FixedClock) -> None:
    eid = good_company(session, 3)
    penalty(session, code(3), "密市监罚〔2026〕12号", date(2026, 6, 1), ["吊销许可证件"])
    service.evaluate_all(session, actor=ACTOR)
    grade = grade_of(session, eid)
    assert grade.score == 940 - 120 and grade.grade == "C"  # 820 would be A
    assert grade.override_code == "serious_penalty_12m"
    clock.advance(days=366)  # 2027-11-29: the penalty is older than 12 months and weighs 60 %
    service.evaluate_all(session, actor=ACTOR)
    grade = grade_of(session, eid)
    assert grade.override_code is None
    assert grade.score == 700 + 60 + 90 + 90 - 72 and grade.grade == "A"


@pytest.mark.parametrize(
    ("decided", "weight"),
    [(date(2026, 3, 1), 100), (date(2024, 11, 1), 60), (date(2022, 12, 1), 30), (date(2021, 1, 1), 0)],
)
def test_a_penalty_weighs_less_as_it_ages(session: Session, clock: FixedClock, decided: date, weight: int) -> None:
    penalty(session, code(4), "密市监罚〔2026〕4号", decided, ["罚款"])
    eid = entity(session, code(4)).id
    service.evaluate_all(session, actor=ACTOR)
    assert grade_of(session, eid).score == 700 - 50 * weight // 100
    ex = service.explain_grade(session, eid)
    [factor] = [f for f in ex.factors if f.code == "penalty_general"]
    assert [r.percent for r in factor.records] == [weight]


def test_caps_limit_an_indicator(session: Session, clock: FixedClock) -> None:
    for i in range(6):
        penalty(session, code(5), f"密市监罚〔2026〕5{i}号", date(2026, 5, 1), ["罚款"])
    eid = entity(session, code(5)).id
    service.evaluate_all(session, actor=ACTOR)
    assert grade_of(session, eid).score == 700 - 200  # six times -50 capped at -200


def test_explanation_points_add_up_even_when_the_score_hits_zero(session: Session, clock: FixedClock) -> None:
    uscc = code(6)
    penalty(session, uscc, "密市监罚〔2026〕61号", date(2026, 2, 1), ["吊销许可证件"])
    penalty(session, uscc, "密市监罚〔2026〕62号", date(2026, 3, 1), ["罚款"])
    action(session, "serious_list", uscc, "密市监严〔2026〕6号", date(2026, 4, 1))
    action(session, "abnormal_list", uscc, "密市监异〔2026〕6号", date(2026, 4, 1))
    eid = entity(session, uscc, status="吊销").id
    service.evaluate_all(session, actor=ACTOR)
    grade = grade_of(session, eid)
    ex = service.explain_grade(session, eid)
    assert grade.score == ex.score == 0
    assert sum(f.points for f in ex.factors) == 0
    assert any(f.code == "bound" and f.points > 0 for f in ex.factors)


def test_what_would_raise_it_names_the_penalty(session: Session, clock: FixedClock) -> None:
    penalty(session, code(7), "密市监罚〔2026〕12号", date(2026, 9, 1), ["罚款"])
    eid = entity(session, code(7)).id
    service.evaluate_all(session, actor=ACTOR)
    texts = [s.text for s in service.explain_grade(session, eid).suggestions]
    assert "完成信用修复：处罚 密市监罚〔2026〕12号 可提前结束公示，评分预计 +50" in texts


def test_repair_of_a_record_regrades_incrementally(session: Session, clock: FixedClock) -> None:
    stored = penalty(session, code(8), "密市监罚〔2026〕8号", date(2026, 9, 1), ["罚款"])
    eid = stored.record.entity_id
    assert eid is not None
    service.evaluate_dirty(session, actor=ACTOR)
    assert grade_of(session, eid).score == 650
    records_service.transition(session, record_id=stored.record.id, target="repaired", reason="信用修复", actor=ACTOR)
    assert service.dirty_count(session) == 1
    result = service.evaluate_dirty(session, actor=ACTOR)
    assert result.evaluated == 1 and result.changed == 1
    assert grade_of(session, eid).score == 700
    assert service.dirty_count(session) == 0


def test_a_new_model_version_regrades_everyone_and_keeps_history(session: Session, clock: FixedClock) -> None:
    eid = good_company(session, 9)
    service.evaluate_all(session, actor=ACTOR)
    service.evaluate_all(session, actor=ACTOR)  # nothing changed: no new history row
    assert [h.model_version for h in service.history(session, eid)] == ["2026.1"]
    raw = json.loads(resources.files("xinyong.evaluation").joinpath("data", "model-2026.1.json").read_text("utf-8"))
    raw.update(version="2026.2", effective_from="2026-11-01", base_score=600)
    row, new = service.publish_model(session, json.dumps(raw).encode(), actor=ACTOR)
    assert new and row.version == "2026.2"
    service.evaluate_all(session, actor=ACTOR)
    grade = grade_of(session, eid)
    assert (grade.model_version, grade.score) == ("2026.2", 840)
    history = service.history(session, eid)
    assert [(h.model_version, h.score) for h in history] == [("2026.2", 840), ("2026.1", 940)]
    # Published versions are immutable.
    raw["base_score"] = 500
    with pytest.raises(Conflict, match="不可修改"):
        service.publish_model(session, json.dumps(raw).encode(), actor=ACTOR)


def test_a_bad_model_file_is_refused_with_chinese_reasons(session: Session, clock: FixedClock) -> None:
    raw = json.loads(resources.files("xinyong.evaluation").joinpath("data", "model-2026.1.json").read_text("utf-8"))
    raw["version"] = "2026.9"
    raw["grades"][0]["min_score"] = 100
    raw["dimensions"][1]["indicators"][0]["points_each"] = 0
    with pytest.raises(ValidationFailed) as caught:
        service.publish_model(session, json.dumps(raw).encode(), actor=ACTOR)
    assert "分数线" in caught.value.message or "points_each" in caught.value.message
    raw = json.loads(resources.files("xinyong.evaluation").joinpath("data", "model-2026.1.json").read_text("utf-8"))
    raw["version"] = "2026.9"
    raw["dimensions"][1]["indicators"][0]["items"] = ["licence_typo"]
    with pytest.raises(ValidationFailed, match="licence_typo"):
        service.publish_model(session, json.dumps(raw).encode(), actor=ACTOR)


def _recipients(session: Session, warning: EarlyWarning) -> set[str]:
    rows = session.execute(
        select(Department.code)
        .join(WarningRecipient, WarningRecipient.department_id == Department.id)
        .where(WarningRecipient.warning_id == warning.id)
    )
    return set(rows.scalars())


def test_a_serious_penalty_warns_once_and_reaches_the_supervising_departments(
    session: Session, clock: FixedClock
) -> None:
    uscc = code(10)
    penalty(session, uscc, "密交罚〔2026〕3号", date(2026, 11, 20), ["吊销许可证件"], dept="jtj")
    eid = entity(session, uscc).id
    first = service.evaluate_all(session, actor=ACTOR)
    again = service.evaluate_all(session, actor=ACTOR)
    service.evaluate_subjects(session, [eid], actor=ACTOR)
    [warning] = warnings_service.warnings_of(session, eid)
    assert first.warnings == 1 and again.warnings == 0
    assert warning.rule_code == "serious_penalty" and "密交罚〔2026〕3号" in warning.detail
    # 交通运输 (the department that decided) and 市场监管 (every market entity's default domain).
    assert _recipients(session, warning) == {"jtj", "scjg"}


def test_a_grade_drop_of_two_steps_warns_once(session: Session, clock: FixedClock) -> None:
    eid = good_company(session, 11)
    service.evaluate_all(session, actor=ACTOR)
    action(session, "serious_list", code(11), "密市监严〔2026〕11号", date(2026, 6, 1))  # older than 30 days
    service.evaluate_all(session, actor=ACTOR)
    service.evaluate_all(session, actor=ACTOR)
    drops = [w for w in warnings_service.warnings_of(session, eid) if w.rule_code == "grade_drop"]
    assert len(drops) == 1 and "A级" in drops[0].detail and "D级" in drops[0].detail


def test_three_complaints_in_ninety_days_warn(session: Session, clock: FixedClock) -> None:
    uscc = code(12)
    for i, day in enumerate([date(2026, 9, 10), date(2026, 10, 10), date(2026, 11, 10)]):
        action(session, "complaint", uscc, f"密市监诉〔2026〕{i}号", day, CLJG="属实")
    eid = entity(session, uscc).id
    service.evaluate_all(session, actor=ACTOR)
    action(session, "complaint", uscc, "密市监诉〔2026〕9号", date(2026, 11, 25), CLJG="部分属实")
    service.evaluate_all(session, actor=ACTOR)
    complaints = [w for w in warnings_service.warnings_of(session, eid) if w.rule_code == "complaints_90d"]
    assert len(complaints) == 1
    assert grade_of(session, eid).score == 700 - 80  # four substantiated complaints at -20


def test_a_legal_representative_newly_listed_warns_and_lowers_the_grade(session: Session, clock: FixedClock) -> None:
    eid = good_company(session, 13)
    company = entity(session, code(13))
    stored = action(
        session,
        "serious_list",
        "",
        "密市监严〔2026〕13号",
        date(2026, 11, 15),
        XDR_MC="王建国",
        XDR_LB="自然人",
        XDR_ZJLX="身份证",
        XDR_ZJHM="230382200001011239",
        XDR_SHXYM=None,
    )
    person = subjects.find_person(session, cipher=get_cipher(TEST_SECRET), id_number="230382200001011239")
    assert person is not None and stored.record.person_id == person.id
    subjects.add_relation(session, entity=company, person=person, role="legal_rep", start=date(2015, 3, 1), actor=ACTOR)
    service.evaluate_all(session, actor=ACTOR)
    assert grade_of(session, eid).score == 940 - 50
    [warning] = [w for w in warnings_service.warnings_of(session, eid) if w.rule_code == "related_listed"]
    assert "法定代表人" in warning.detail


def test_a_department_acknowledges_and_follows_up_its_own_warnings(session: Session, clock: FixedClock) -> None:
    penalty(session, code(14), "密市监罚〔2026〕14号", date(2026, 11, 20), ["吊销许可证件"])
    eid = entity(session, code(14)).id
    service.evaluate_all(session, actor=ACTOR)
    scjg = subjects.department_by_code(session, "scjg")
    jtj = subjects.department_by_code(session, "jtj")
    [(rec, warning, ent, _dept)] = warnings_service.inbox(session, department_id=scjg.id)
    assert ent.id == eid and warning.rule_code == "serious_penalty"
    assert warnings_service.inbox(session, department_id=jtj.id) == []
    with pytest.raises(PermissionDenied):
        warnings_service.handle(
            session, recipient_id=rec.id, status="acknowledged", note=None, department_id=jtj.id, actor=ACTOR
        )
    warnings_service.handle(
        session, recipient_id=rec.id, status="acknowledged", note=None, department_id=scjg.id, actor=ACTOR
    )
    with pytest.raises(ValidationFailed, match="处置"):
        warnings_service.handle(
            session, recipient_id=rec.id, status="following", note=" ", department_id=scjg.id, actor=ACTOR
        )
    warnings_service.handle(
        session, recipient_id=rec.id, status="closed", note="已约谈并责令整改", department_id=scjg.id, actor=ACTOR
    )
    with pytest.raises(Conflict):
        warnings_service.handle(
            session, recipient_id=rec.id, status="following", note="再次跟进", department_id=scjg.id, actor=ACTOR
        )
    stats = {row["code"]: row for row in warnings_service.stats_by_domain(session)}
    assert stats["shichang"]["closed"] == 1 and stats["shichang"]["total"] == 1


def _grades_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["统一社会信用代码,纳税信用等级,评价日期"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_industry_grades_map_to_the_platform_scale_and_combine_per_domain(
    session: Session, clock: FixedClock, tmp_path: Path
) -> None:
    a, b = good_company(session, 20), good_company(session, 21)
    penalty(session, code(22), "密市监罚〔2026〕22号", date(2026, 5, 1), ["罚款"])  # 650: grade B
    c = entity(session, code(22)).id
    _row, doc = service.model_in_force(session)
    tax = subjects.department_by_code(session, "sw")
    csv = _grades_csv(
        tmp_path / "tax.csv",
        [
            (code(20), "M", "2026-04-30"),  # M → B: overall B (worst of A and B)
            (code(21), "A", "2026-04-30"),
            (code(22), "D", "2026-04-30"),
            (code(23), "A", "2026-04-30"),  # not on the platform
            ("91230382MA000000XX", "A", ""),  # invalid code
            (code(21), "E", "2026-04-30"),  # no such tax grade
        ],
    )
    result = industry.import_grades(
        session, path=csv, filename="tax.csv", department=tax, domain_code="shuiwu", doc=doc, actor=ACTOR
    )
    assert (result.rows, result.accepted, result.rejected) == (6, 3, 3)
    reasons = {e["row"]: e["reason"] for e in result.errors}
    assert "不是纳税信用等级的等级" in reasons[7] and "平台中没有该市场主体" in reasons[5]
    service.evaluate_dirty(session, actor=ACTOR)
    assert (grade_of(session, a).grade, grade_of(session, a).overall_grade) == ("A", "B")
    assert (grade_of(session, b).grade, grade_of(session, b).overall_grade) == ("A", "A")
    assert (grade_of(session, c).grade, grade_of(session, c).overall_grade) == ("B", "D")
    tax_row = next(d for d in service.domain_grades(session, a) if d["code"] == "shuiwu")
    market_row = next(d for d in service.domain_grades(session, a) if d["code"] == "shichang")
    assert (tax_row["grade"], tax_row["industry_grade"], market_row["grade"]) == ("B", "B", "A")
    dist = service.distribution(session)
    assert dist["shuiwu"]["D"] == 1 and dist["shichang"]["D"] == 0
    # A department may only import its own domains.
    with pytest.raises(PermissionDenied):
        industry.import_grades(
            session,
            path=csv,
            filename="tax.csv",
            department=subjects.department_by_code(session, "jtj"),
            domain_code="shuiwu",
            doc=doc,
            actor=ACTOR,
        )


def test_portal_sees_the_grade_only_when_the_credit_office_allows_it(session: Session, clock: FixedClock) -> None:
    eid = good_company(session, 30)
    service.evaluate_all(session, actor=ACTOR)
    assert service.public_grade(session, eid) is None
    service.set_portal_shows_grade(session, True, actor=ACTOR)
    assert service.public_grade(session, eid) == {"grade": "A", "label": "信用风险低", "model_version": "2026.1"}
    assert grade_of(session, eid).portal_visible


def test_full_runs_keep_a_daily_distribution(session: Session, clock: FixedClock) -> None:
    good_company(session, 31)
    penalty(session, code(32), "密市监罚〔2026〕32号", date(2026, 9, 1), ["吊销许可证件"])
    service.evaluate_all(session, actor=ACTOR)
    clock.advance(days=1)
    service.evaluate_all(session, actor=ACTOR)
    snaps = service.snapshots(session, scope="overall")
    assert [d for d, _ in snaps] == [TODAY, TODAY + timedelta(days=1)]
    assert snaps[0][1] == {"A": 1, "B": 0, "C": 1, "D": 0}
    assert session.execute(select(func.count()).select_from(GradeHistory)).scalar_one() == 2
