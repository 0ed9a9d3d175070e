"""A small fixed dataset for the oversight figures: every count below is chosen by hand (see the test for the sums).

Clock: 2026-11-28 (the `clock` fixture); assessment year 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from tests.factories import ACTOR, CIPHER, json_fields, matter

from xinyong.checks.models import ApprovalReport, CreditCheck
from xinyong.commitments.models import Commitment
from xinyong.evaluation.models import DomainGrade, EarlyWarning, EntityGrade, WarningRecipient
from xinyong.ingestion import service as ingestion_service
from xinyong.ingestion.models import Batch, BatchError
from xinyong.inspections.models import InspectionItem, InspectionTask
from xinyong.objections.models import Objection
from xinyong.oversight import plan
from xinyong.records.models import CreditRecord
from xinyong.repair.models import RepairApplication
from xinyong.subjects.models import Department

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def dept(session: Session, code: str) -> int:
    """A department's id by its code."""
    return session.execute(select(Department.id).where(Department.code == code)).scalar_one()


def record(session: Session, n: int, decided: str, department: str = "scjg") -> CreditRecord:
    """A penalty against company n decided on the given day, received now."""
    fields = json_fields(n, CF_WSH=f"密罚〔2026〕{n}号", CF_JDRQ=decided)
    result, _spec = ingestion_service.submit_one(
        session, kind="penalty", fields=fields, department_code=department, actor=ACTOR, cipher=CIPHER
    )
    return result.record


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def build(session: Session) -> dict[str, Any]:
    """Write the dataset; returns the records it made."""
    scjg, wjj = dept(session, "scjg"), dept(session, "wjj")
    # Records: scjg 3 in 2026 (one on time, two late) and one decided in 2025; wjj one on time.
    a = record(session, 1, "2026-11-25")  # deadline 2026-12-04: on time
    record(session, 2, "2026-10-09")  # late
    record(session, 3, "2026-03-02")  # late
    record(session, 4, "2025-12-01")  # another year
    record(session, 5, "2026-11-27", department="wjj")  # on time

    # Batches: the one started 2025-12-31 16:30 UTC is 2026-01-01 00:30 in China (counted), 15:30 UTC is not.
    batches = [
        Batch(
            department_id=scjg,
            item_code="penalty",
            status="completed",
            rows=rows,
            rejected=rejected,
            started_at=_at(at),
            submitted_by="t",
        )
        for rows, rejected, at in [
            (10, 2, "2026-06-01T03:00:00"),
            (5, 0, "2025-12-31T16:30:00"),
            (100, 50, "2025-12-31T15:30:00"),
        ]
    ]
    session.add_all(batches)
    session.flush()
    errors = [
        (batches[0], "处罚决定日期", "不是有效的日期"),
        (batches[0], "处罚决定日期", "不是有效的日期"),
        (batches[0], "统一社会信用代码", "校验位错误"),
        (batches[0], "处罚类别", "取值无效"),
        (batches[1], "处罚类别", "取值无效"),
        (batches[2], "许可编号", "不能为空"),  # another year
        (batches[2], "许可编号", "不能为空"),
        (batches[2], "许可编号", "不能为空"),
    ]
    session.add_all(
        BatchError(batch_id=b.id, row_number=i + 2, field_code="X", field_name=f, value="", reason=r)
        for i, (b, f, r) in enumerate(errors)
    )

    # Credit checks: scjg 3 in 2026 (2 with feedback) and 1 in 2025; approvals 4 + 2 in 2026, 100 in 2025.
    for i, (day, fed) in enumerate(
        [("2026-02-01", True), ("2026-05-01", True), ("2026-11-01", False), ("2025-12-30", True)]
    ):
        session.add(
            CreditCheck(
                code=f"HC{i}",
                subject_kind="entity",
                entity_id=a.entity_id,
                subject_label="x",
                matter="m",
                department_id=scjg,
                checked_by="t",
                checked_at=NOW,
                checked_on=date.fromisoformat(day),
                conclusion="allow",
                result={},
                feedback_at=NOW if fed else None,
            )
        )
    for period, n in [("2026-05", 4), ("2026-11", 2), ("2025-12", 100)]:
        session.add(
            ApprovalReport(department_id=scjg, matter="m", period=period, approvals=n, reported_at=NOW, reported_by="t")
        )

    # Objections (scjg): due/decided pairs; due in 2026 and handled or past: O1 O2 O3 O5, on time O1 O5.
    objections = [
        ("2026-06-10", "2026-06-09"),
        ("2026-06-10", "2026-06-12"),
        ("2026-11-20", None),
        ("2026-12-05", None),
        ("2026-12-04", "2026-11-27"),
        ("2025-12-20", "2025-12-30"),
        ("2026-11-28", None),
    ]
    for i, (due, decided) in enumerate(objections):
        session.add(
            Objection(
                number=f"YY{i}",
                record_id=a.id,
                entity_id=a.entity_id,
                department_id=scjg,
                reasons="r",
                evidence="e",
                prior_status="有效",
                status="decided" if decided else "pending",
                filed_on=date(2025, 12, 1),
                due_on=date.fromisoformat(due),
                decided_on=date.fromisoformat(decided) if decided else None,
                created_at=NOW,
                created_by="t",
            )
        )

    # Repairs (scjg): R1 on time, R2 overdue and pending, R3 not yet due.
    m = matter(session, code="SCJG-XYXF", commitment_type="信用修复型")
    c = Commitment(
        code="23038220261128999999",
        matter_id=m.id,
        department_id=scjg,
        committer_category="法人及非法人组织",
        committer_name="x",
        committer_code=None,
        entity_id=a.entity_id,
        commitment_type="信用修复型",
        reason="r",
        content="c",
        liability="l",
        made_on=date(2026, 11, 28),
        accepting_unit="u",
        accepting_unit_code="x",
        openness="不可公开",
        channel="online",
        verify_by=date(2026, 12, 28),
        created_at=NOW,
        created_by="t",
    )
    session.add(c)
    session.flush()
    for i, (due, status, decided) in enumerate(
        [("2026-09-01", "approved", "2026-08-30"), ("2026-09-01", "pending", None), ("2026-12-10", "pending", None)]
    ):
        session.add(
            RepairApplication(
                number=f"XF{i}",
                record_id=a.id,
                entity_id=a.entity_id,
                department_id=scjg,
                form="publicity",
                reason="r",
                performance="p",
                commitment_id=c.id,
                checks=[],
                status=status,
                received_on=date(2026, 8, 1),
                due_on=date.fromisoformat(due),
                feedback_due_on=date.fromisoformat(due),
                decided_on=date.fromisoformat(decided) if decided else None,
                created_at=NOW,
                created_by="t",
            )
        )

    # Warnings: scjg 3 in 2026 (new, acknowledged, closed) and one in 2025; wjj 1 acknowledged.
    warnings = [
        ("2026-03-01T00:00:00", scjg, "new"),
        ("2026-04-01T00:00:00", scjg, "acknowledged"),
        ("2026-05-01T00:00:00", scjg, "closed"),
        ("2025-12-31T15:00:00", scjg, "acknowledged"),
        ("2026-06-01T00:00:00", wjj, "acknowledged"),
    ]
    for i, (at, d, status) in enumerate(warnings):
        w = EarlyWarning(
            entity_id=a.entity_id,
            rule_code="r",
            rule_name="r",
            level="一般",
            cause_key=f"c{i}",
            detail="d",
            model_version="2026.1",
            created_at=_at(at),
        )
        session.add(w)
        session.flush()
        session.add(WarningRecipient(warning_id=w.id, department_id=d, status=status))

    # Inspections: items in 市场监管 (scjg) and 卫生健康 (wjj).
    i1 = InspectionItem(
        code="I1",
        department_id=scjg,
        name="i1",
        legal_basis="b",
        method="实地核查",
        domain_code="shichang",
        created_at=NOW,
    )
    i2 = InspectionItem(
        code="I2",
        department_id=wjj,
        name="i2",
        legal_basis="b",
        method="实地核查",
        domain_code="weijian",
        created_at=NOW,
    )
    session.add_all([i1, i2])
    session.flush()
    tasks = [
        ("random", [i1.id], "2026-05-01", "2026-06-10", "2026-06-08"),
        ("random", [i1.id], "2026-05-01", "2026-06-10", "2026-06-15"),
        ("random", [i1.id, i2.id], "2026-10-01", "2026-11-10", None),
        ("random", [i1.id], "2026-11-01", None, None),
        ("targeted", [i1.id], "2026-03-01", "2026-04-01", "2026-03-30"),
        ("random", [i1.id], "2025-11-01", "2026-01-05", "2026-01-04"),
    ]
    for i, (kind, items, created, deadline, published) in enumerate(tasks):
        session.add(
            InspectionTask(
                code=f"RW{i}",
                department_id=scjg,
                entity_id=a.entity_id,
                kind=kind,
                item_ids=items,
                status="published" if published else "assigned",
                created_at=_at(created + "T02:00:00"),
                publish_deadline=date.fromisoformat(deadline) if deadline else None,
                published_on=date.fromisoformat(published) if published else None,
            )
        )

    # Grades: clear what the records triggered; two entities, one with a worse 市场监管 grade.
    session.execute(delete(DomainGrade))
    session.execute(delete(EntityGrade))
    r2 = session.execute(select(CreditRecord).where(CreditRecord.document_number == "密罚〔2026〕2号")).scalar_one()
    for entity_id, grade in [(a.entity_id, "A"), (r2.entity_id, "C")]:
        session.add(
            EntityGrade(
                entity_id=entity_id,
                model_version="2026.1",
                score=900,
                grade=grade,
                overall_grade=grade,
                computed_at=NOW,
            )
        )
    session.flush()
    session.add(DomainGrade(entity_id=r2.entity_id, domain_code="shichang", industry_grade="D", grade="D"))

    # Plan progress: scjg reports on T1 twice in the quarter (replaced) and on T16.
    for code, status in [("T1", "in_progress"), ("T1", "done"), ("T16", "in_progress")]:
        plan.submit_progress(
            session,
            item_code=code,
            department_id=scjg,
            status=status,
            progress="已完成清单梳理",
            problems=None,
            actor=ACTOR,
        )
    session.flush()
    return {"a": a}
