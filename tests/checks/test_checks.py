"""The credit check (T22): conclusions, measures applied (T21), bans shown (T23), feedback, statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.factories import (
    CIPHER,
    OPERATOR,
    REVIEWER,
    ban_values,
    company_code,
    dept_id,
    entity,
    person_id,
    propose,
    to_published,
)

from xinyong.checks import service as checks
from xinyong.core.clock import FixedClock
from xinyong.core.errors import Conflict, PermissionDenied, ValidationFailed
from xinyong.lists import service


def grades(overall: str) -> checks.GradeProvider:
    def provider(session: Session, entity_id: int) -> dict[str, Any]:
        return {"overall": overall, "domains": {"shichang": "D"}}

    return provider


def run(session: Session, subject: str, matter: str, **kw: Any) -> Any:
    return checks.run_check(
        session, subject=subject, matter=matter, department_id=dept_id(session), actor=OPERATOR, cipher=CIPHER, **kw
    )


def test_a_listed_company_is_refused_procurement_with_basis_dates_and_measures(
    session: Session, clock: FixedClock
) -> None:
    entry = to_published(session, clock, propose(session))
    check = run(session, company_code(1), "procurement", grade_provider=grades("D"))
    result = check.result
    assert result["conclusion"] == "deny" and result["conclusion_name"] == "不予办理"
    assert result["grade"] == {"overall": "D", "domains": {"shichang": "D"}}
    [hit] = result["lists"]
    assert hit["list_name"] == "严重失信主体名单" and hit["document_number"] == entry.document_number
    assert hit["published_on"] == entry.published_on.isoformat() and hit["ends_on"] == entry.ends_on.isoformat()
    assert [m["code"] for m in result["measures"]] == ["CJ-02"]
    assert check.code.startswith("HC")


def test_a_check_by_id_number_finds_the_listed_legal_representative(session: Session, clock: FixedClock) -> None:
    to_published(session, clock, propose(session))
    check = run(session, person_id(1), "bidding")
    result = check.result
    assert result["subject"]["kind"] == "person" and result["subject"]["name"] == "王建国"
    assert person_id(1) not in str(result)  # only the masked number is shown and stored
    [hit] = result["lists"]
    assert hit["as_responsible_person_of"] == "密山市兴凯食品有限公司1"
    assert result["conclusion"] == "deny" and [m["code"] for m in result["measures"]] == ["CJ-03"]


def test_a_clean_or_unknown_subject_may_be_handled(session: Session, clock: FixedClock) -> None:
    entity(session, 7)
    assert run(session, company_code(7), "procurement").result["conclusion"] == "allow"
    unknown = run(session, company_code(8), "procurement").result
    assert unknown["conclusion"] == "allow" and unknown["subject"]["registered"] is False


def test_key_attention_restricts_and_the_domain_decides_domain_measures(session: Session, clock: FixedClock) -> None:
    to_published(session, clock, propose(session, list_type="key_attention", domain="elderly_care", responsible=[]))
    result = checks.run_check(
        session,
        subject=company_code(1),
        matter="market_access",
        department_id=dept_id(session, "mzj"),
        actor=OPERATOR,
        cipher=CIPHER,
    ).result
    assert result["conclusion"] == "restrict"
    assert [m["code"] for m in result["measures"]] == ["GL-01", "GL-02"]
    # the same entry checked by a department that does not implement GL-02
    result = checks.run_check(
        session,
        subject=company_code(1),
        matter="market_access",
        department_id=dept_id(session, "jtj"),
        actor=OPERATOR,
        cipher=CIPHER,
    ).result
    assert [m["code"] for m in result["measures"]] == ["GL-01"]


def test_bad_subject_or_matter_is_a_field_error(session: Session, clock: FixedClock) -> None:
    with pytest.raises(ValidationFailed, match="subject"):
        run(session, "12345", "procurement")
    with pytest.raises(ValidationFailed, match="matter"):
        run(session, company_code(1), "fishing")


def test_feedback_requires_outcome_and_every_applicable_measure(session: Session, clock: FixedClock) -> None:
    to_published(session, clock, propose(session))
    check = run(session, company_code(1), "procurement")
    d = dept_id(session)
    with pytest.raises(ValidationFailed) as caught:
        checks.record_feedback(session, code=check.code, values={}, department_id=d, actor=OPERATOR)
    reasons = " ".join(e["reason"] for e in caught.value.details)
    assert "必填项缺失" in reasons and "CJ-02" in reasons
    with pytest.raises(ValidationFailed, match="须说明理由"):
        checks.record_feedback(
            session,
            code=check.code,
            values={"outcome": "approved", "measures": [{"code": "CJ-02", "applied": False}]},
            department_id=d,
            actor=OPERATOR,
        )
    with pytest.raises(ValidationFailed, match="不能为准予办理"):
        checks.record_feedback(
            session,
            code=check.code,
            values={"outcome": "approved", "measures": [{"code": "CJ-02", "applied": True}]},
            department_id=d,
            actor=OPERATOR,
        )
    with pytest.raises(PermissionDenied):
        checks.record_feedback(
            session,
            code=check.code,
            values={"outcome": "refused", "measures": [{"code": "CJ-02", "applied": True}]},
            department_id=dept_id(session, "zjj"),
            actor=OPERATOR,
        )
    done = checks.record_feedback(
        session,
        code=check.code,
        values={"outcome": "refused", "measures": [{"code": "CJ-02", "applied": True}]},
        department_id=d,
        actor=OPERATOR,
    )
    assert done.outcome == "refused" and done.feedback == {
        "measures": [{"code": "CJ-02", "applied": True, "reason": None}]
    }
    with pytest.raises(Conflict, match="不能重复反馈"):
        checks.record_feedback(
            session, code=check.code, values={"outcome": "refused", "measures": []}, department_id=d, actor=OPERATOR
        )


def test_a_measure_not_in_the_list_cannot_be_applied(session: Session, clock: FixedClock) -> None:
    to_published(session, clock, propose(session))
    check = run(session, company_code(1), "procurement")
    values = {
        "outcome": "refused",
        "measures": [{"code": "CJ-02", "applied": True}, {"code": "CJ-99", "applied": True}],
    }
    with pytest.raises(ValidationFailed, match="CJ-99不在失信惩戒"):
        checks.record_feedback(session, code=check.code, values=values, department_id=dept_id(session), actor=OPERATOR)
    # a listed measure that does not apply to this subject and matter cannot be applied either
    values = {
        "outcome": "refused",
        "measures": [{"code": "CJ-02", "applied": True}, {"code": "JL-01", "applied": True}],
    }
    with pytest.raises(ValidationFailed, match="JL-01不适用"):
        checks.record_feedback(session, code=check.code, values=values, department_id=dept_id(session), actor=OPERATOR)
    assert check.feedback_at is None


def test_bans_for_entities_and_persons_shown_in_checks(session: Session, clock: FixedClock) -> None:
    entity(session, 3)
    ban = service.create_ban(
        session, values=ban_values(), department_id=dept_id(session), actor=REVIEWER, cipher=CIPHER
    )
    result = run(session, company_code(3), "market_access").result
    assert result["conclusion"] == "deny"
    [shown] = result["bans"]
    assert shown["scope_name"] == "行业禁入" and shown["ends_on"] == "2031-10-31" and shown["basis"]
    assert "CJ-01" in [m["code"] for m in result["measures"]]
    person = run(session, person_id(3), "qualification").result
    assert person["bans"] and person["conclusion"] == "deny"
    # a permanent ban has no end; a revoked ban no longer counts
    service.revoke_ban(session, ban_id=ban.id, reason="复议撤销", department_id=dept_id(session), actor=REVIEWER)
    assert run(session, company_code(3), "market_access").result["bans"] == []
    forever = service.create_ban(
        session,
        values=ban_values(permanent="1", ends_on=None, responsible=[]),
        department_id=dept_id(session),
        actor=REVIEWER,
        cipher=CIPHER,
    )
    assert forever.ends_on is None
    assert service.active_bans(session, entity_id=forever.entity_id, on=date(2080, 1, 1)) == [forever]


def test_statistics_per_department_and_matter_with_feedback_and_coverage(session: Session, clock: FixedClock) -> None:
    entity(session, 7)
    first = run(session, company_code(7), "procurement")
    run(session, company_code(7), "procurement")
    checks.record_feedback(
        session,
        code=first.code,
        values={"outcome": "approved", "measures": []},
        department_id=dept_id(session),
        actor=OPERATOR,
    )
    checks.report_approvals(
        session, department_id=dept_id(session), matter="procurement", period="2026-11", approvals=4, actor=OPERATOR
    )
    [row] = checks.statistics(session)
    assert (row.department, row.matter_name, row.checks, row.with_feedback) == (
        "密山市市场监督管理局",
        "政府采购",
        2,
        1,
    )
    assert row.feedback_rate == 0.5 and row.coverage == 0.5


def test_a_check_reports_the_grade_the_evaluation_gave(session: Session, clock: FixedClock) -> None:
    from xinyong.evaluation import service as evaluation

    to_published(session, clock, propose(session))  # company 1 on the serious-dishonesty list
    company = entity(session, 9)
    evaluation.evaluate_subjects(session, [company.id], actor=OPERATOR)
    listed = run(session, company_code(1), "procurement").result["grade"]
    assert listed["overall"] == "D" and listed["public"] == "D"  # the list override of the evaluation model
    clean = run(session, company_code(9), "procurement").result["grade"]
    graded = evaluation.current_grade(session, company.id)
    assert graded is not None and clean["overall"] == graded.overall_grade and clean["model"] == graded.model_version
