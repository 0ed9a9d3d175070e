"""Supervision (T19, T20), judgment debtors from the court (T13), and commitment breach proposals (issue 5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.commitments.support import CIPHER, commit, entity, matter
from tests.ingestion.samples import company_code
from tests.lists.support import OPERATOR, REVIEWER, dept_id, person_id, set_day

from xinyong.checks import service as checks
from xinyong.commitments import service as commitments_service
from xinyong.commitments.models import ListProposal
from xinyong.core.clock import FixedClock
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.core.policy import ALL_DEPARTMENTS
from xinyong.lists import service, supervision
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord


def test_rectification_deadline_in_working_days_and_follow_up(session: Session, clock: FixedClock) -> None:
    entity(session, 1)
    set_day(clock, 2026, 9, 29)
    order = supervision.issue_order(
        session,
        values={"subject": company_code(1), "content": "限期整改冷链储存条件", "working_days": 5},
        department_id=dept_id(session),
        actor=OPERATOR,
        cipher=CIPHER,
    )
    assert order.due_on == date(2026, 10, 12)  # across the National Day holiday
    set_day(clock, 2026, 10, 13)
    assert supervision.overdue_orders(session) == [order]
    with pytest.raises(PermissionDenied):
        supervision.follow_up(
            session, order_id=order.id, note="x", rectified=True, department_id=dept_id(session, "zjj"), actor=OPERATOR
        )
    supervision.follow_up(
        session, order_id=order.id, note="复查仍未整改", rectified=False, department_id=dept_id(session), actor=OPERATOR
    )
    assert order.status == "failed" and order.follow_ups[0]["note"] == "复查仍未整改"


def test_interview_record_appears_in_the_credit_record(session: Session, clock: FixedClock) -> None:
    company = entity(session, 1)
    order = supervision.issue_order(
        session,
        values={"subject": company_code(1), "content": "整改", "working_days": 3},
        department_id=dept_id(session),
        actor=OPERATOR,
        cipher=CIPHER,
    )
    interview = supervision.hold_interview(
        session,
        values={
            "kind": "warning",
            "subject": company_code(1),
            "order": order.id,
            "document_number": "密市监约〔2026〕5号",
            "held_on": "2026-11-27",
            "participants": "市场监管局张明、李华；企业法定代表人王建国",
            "record_text": "指出逾期未整改问题，告知失信后果",
            "commitments": "十个工作日内完成整改并书面报告",
            "legal_rep": "王建国",
        },
        department_id=dept_id(session),
        actor=OPERATOR,
        cipher=CIPHER,
    )
    records = records_service.subject_records(session, entity_id=company.id)
    [rec] = [r for r in records if r.item_code == "interview"]
    assert rec.id == interview.record_id and rec.document_number == "密市监约〔2026〕5号"
    assert "警示约谈" in rec.fields["NR"] and "十个工作日内完成整改" in rec.fields["NR"]
    # 谁认定、谁约谈: another department cannot interview on this order
    with pytest.raises(ValidationFailed, match="谁认定、谁约谈"):
        supervision.hold_interview(
            session,
            values={
                "kind": "reminder",
                "subject": company_code(1),
                "order": order.id,
                "document_number": "X1",
                "participants": "a",
                "record_text": "b",
                "legal_rep": "王建国",
            },
            department_id=dept_id(session, "zjj"),
            actor=OPERATOR,
            cipher=CIPHER,
        )


def test_campaign_targets_progress_and_closing_report(session: Session, clock: FixedClock) -> None:
    for n in (1, 2):
        entity(session, n)
    campaign = supervision.create_campaign(
        session,
        values={
            "name": "2026年食品安全领域失信专项治理",
            "domain": "食品药品",
            "goal": "整治失信经营者",
            "starts_on": "2026-11-01",
            "ends_on": "2026-12-31",
        },
        department_id=dept_id(session),
        actor=OPERATOR,
    )
    orders = [
        supervision.issue_order(
            session,
            values={"subject": company_code(n), "content": "整改", "working_days": 5, "campaign": campaign.id},
            department_id=dept_id(session),
            actor=OPERATOR,
            cipher=CIPHER,
        )
        for n in (1, 2)
    ]
    supervision.follow_up(
        session,
        order_id=orders[0].id,
        note="已整改到位",
        rectified=True,
        department_id=dept_id(session),
        actor=OPERATOR,
    )
    progress = supervision.campaign_progress(session, campaign.id)
    assert (progress["targets"], progress["rectified"], progress["open"]) == (2, 1, 1)
    with pytest.raises(ValidationFailed):
        supervision.close_campaign(
            session, campaign_id=campaign.id, report=" ", department_id=dept_id(session), actor=OPERATOR
        )
    closed = supervision.close_campaign(
        session, campaign_id=campaign.id, report="专项治理工作总结", department_id=dept_id(session), actor=OPERATOR
    )
    assert closed.status == "closed" and "治理对象2户：已整改1户" in (closed.closing_report or "")


COURT_CSV = (
    "XDR_MC,XDR_LB,XDR_SHXYM,FRDB,XDR_ZJLX,XDR_ZJHM,AH,ZXFY,ZXFYDM,LARQ,ZXYJWH,SXYW,LXQK,SXQX,FBRQ\n"
    "密山市兴凯食品有限公司5,法人及非法人组织,{uscc},王建国,,,（2026）黑0382执123号,密山市人民法院,"
    "11230382MB0000000X,2026-05-10,（2025）黑0382民初45号,支付货款20万元,全部未履行,有履行能力而拒不履行,2026-06-01\n"
    "赵六,自然人,,,身份证,{pid},（2026）黑0382执124号,密山市人民法院,11230382MB0000000X,2026-05-11,"
    "（2025）黑0382民初46号,偿还借款5万元,全部未履行,违反财产报告制度,2026-06-02\n"
    "坏行,法人及非法人组织,123,,,,,,,,,,,,\n"
)


def test_court_judgment_debtors_import_and_show_in_checks(session: Session, clock: FixedClock, tmp_path: Path) -> None:
    from xinyong.subjects import service as subjects_service

    court = subjects_service.department_by_code(session, "fy")
    path = tmp_path / "sxbzxr.csv"
    path.write_text(
        COURT_CSV.format(uscc=company_code(5), pid=person_id(6)).replace("11230382MB0000000X", court.uscc or ""),
        "utf-8",
    )
    result = service.import_judgment_debtors(session, path=path, filename=None, actor=OPERATOR, cipher=CIPHER)
    assert result.accepted == 2 and len(result.errors) == 1 and result.errors[0]["row"] == 4
    entries = service.list_entries(session, list_type="judgment_debtor")
    assert {e.ends_on for e in entries} == {date(2028, 5, 31), date(2028, 6, 1)}  # 2 years from publication
    assert (
        checks.run_check(
            session, subject=person_id(6), matter="procurement", department_id=None, actor=OPERATOR, cipher=CIPHER
        ).result["conclusion"]
        == "deny"
    )
    again = service.import_judgment_debtors(session, path=path, filename=None, actor=OPERATOR, cipher=CIPHER)
    assert again.accepted == 0 and again.skipped == 2
    # deleted after performance: the court removes it, the record is no longer valid
    company_entry = next(e for e in entries if e.entity_id is not None)
    service.remove(
        session,
        entry_id=company_entry.id,
        kind="performed",
        reason="已全部履行",
        department_id=court.id,
        actor=OPERATOR,
    )
    assert session.get(CreditRecord, company_entry.record_id).status == states.REPAIRED  # type: ignore[union-attr]


def test_a_commitment_breach_proposal_starts_the_listing_workflow(session: Session, clock: FixedClock) -> None:
    entity(session, 1)
    m = matter(session, breach_key_attention="1")
    c = commit(session, m)
    commitments_service.record_fulfilment(
        session,
        commitment_id=c.id,
        values={"fulfilment": "全部未履行", "unfulfilled_content": "不具备冷藏条件", "accountability": "撤销许可"},
        actor=OPERATOR,
        cipher=CIPHER,
        department_id=c.department_id,
    )
    [proposal] = service.pending_commitment_proposals(session, department_id=dept_id(session))
    entry = service.take_up_proposal(
        session,
        proposal_id=proposal.id,
        domain="food_drugs",
        department_id=dept_id(session),
        actor=REVIEWER,
        cipher=CIPHER,
    )
    assert entry.status == service.PROPOSED and entry.list_type == "key_attention"
    assert entry.basis_record_ids == [c.breach_record_id]
    assert session.execute(select(ListProposal.status)).scalar_one() == "in_workflow"
    assert service.pending_commitment_proposals(session, department_id=ALL_DEPARTMENTS) == []
