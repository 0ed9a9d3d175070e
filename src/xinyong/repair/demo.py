"""Demo data for credit services: repair applications (approved, refused, pending), a re-check draw, objections
(decided, extended, pending) and two credit reports of the demo entity account's company."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.commitments import lookups as commitment_lookups
from xinyong.commitments import service as commitments_service
from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher, get_cipher
from xinyong.core.db import Database
from xinyong.core.errors import DomainError
from xinyong.core.policy import ALL_DEPARTMENTS
from xinyong.education import service as education_service
from xinyong.objections import service as objections_service
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.repair import service
from xinyong.repair.models import RepairApplication
from xinyong.reports import service as reports_service
from xinyong.subjects.models import Department, Entity

REPAIRS = 8
OBJECTIONS = 4


def seed(
    db: Database, *, secret_key: str, verify_base: str = "http://127.0.0.1:8000", signing_secret: str | None = None
) -> dict[str, int]:
    """On a database without repair applications: a few repairs, objections and reports (a few seconds).

    ``secret_key`` is the field-encryption key material; reports are signed with ``signing_secret`` (the same by
    default, as in demo mode)."""
    actor = Actor.system("demo")
    cipher = get_cipher(secret_key)
    with db.session() as session:
        for matter in _repair_matters(session):
            matter.online_signing = True  # entities sign repair commitments online from the repair page
        if session.execute(select(func.count()).select_from(RepairApplication)).scalar_one():
            return {"repairs": 0, "objections": 0, "reports": 0}
        repairs = _repairs(session, actor, cipher)
        objections = _objections(session, actor, cipher)
        reports = _reports(session, signing_secret or secret_key, verify_base)
    return {"repairs": repairs, "objections": objections, "reports": reports}


def _repair_matters(session: Session) -> list[Any]:
    return list(commitment_lookups.matters_of_type(session, commitments_service.load_rules().repair_type))


def _penalties(session: Session, *, older_than_days: int, limit: int, skip: set[int]) -> list[CreditRecord]:
    cutoff = get_clock().today() - timedelta(days=older_than_days)
    stmt = (
        select(CreditRecord)
        .join(Entity, Entity.id == CreditRecord.entity_id)
        .where(
            CreditRecord.item_code == "penalty",
            CreditRecord.is_current.is_(True),
            CreditRecord.status == states.VALID,
            CreditRecord.decision_date <= cutoff,
            CreditRecord.publicity_until >= get_clock().today(),
            Entity.uscc.like("91%"),
        )
        .order_by(CreditRecord.id)
        .limit(limit * 4)
    )
    out: list[CreditRecord] = []
    for record in session.execute(stmt).scalars():
        if record.entity_id not in skip and len(out) < limit:
            out.append(record)
            skip.add(record.entity_id or 0)
    return out


def _repairs(session: Session, actor: Actor, cipher: FieldCipher) -> int:
    today = get_clock().today()
    made = 0
    taken: set[int] = set()
    for i, record in enumerate(_penalties(session, older_than_days=400, limit=REPAIRS * 2, skip=taken)):
        if made >= REPAIRS:
            break
        entity = session.get(Entity, record.entity_id)
        assert entity is not None
        checks = service.eligibility(session, record=record, entity=entity, performance="已缴纳罚款")
        if not all(c.ok for c in checks if c.key not in ("commitment", "course")):
            continue
        try:
            with session.begin_nested():
                education_service.record_completion(
                    session,
                    course_code="XF-PX",
                    completed_on=today - timedelta(days=10),
                    actor=actor,
                    entity_id=entity.id,
                )
                service.sign_repair_commitment(
                    session,
                    record_id=record.id,
                    entity=entity,
                    legal_rep=commitments_service.legal_rep_of(session, entity.id) or "未登记",
                    actor=actor,
                    cipher=cipher,
                )
                app = service.apply(
                    session,
                    record_id=record.id,
                    entity_id=entity.id,
                    reason="已履行行政处罚决定规定的义务，申请提前终止公示",
                    performance=f"已于{(record.decision_date + timedelta(days=20)).isoformat()}缴纳罚款，并完成整改",
                    actor=actor,
                )
                if i % 4 in (0, 1):
                    service.decide(
                        session, application_id=app.id, approve=True, note="罚款已缴清，整改到位，同意修复",
                        actor=actor, department_id=ALL_DEPARTMENTS,
                    )  # fmt: skip
                elif i % 4 == 2:
                    service.decide(
                        session, application_id=app.id, approve=False, note="缴款凭证与处罚决定金额不符，不予修复",
                        actor=actor, department_id=ALL_DEPARTMENTS,
                    )  # fmt: skip
            made += 1
        except DomainError:
            continue
    approved = session.execute(
        select(RepairApplication.decided_on).where(RepairApplication.status == service.APPROVED)
    ).scalars()
    days = [d for d in approved if d is not None]
    if days:
        service.draw_recheck(
            session, period_from=min(days), period_to=max(days), rate_percent=50, seed="演示种子 2026-11", actor=actor
        )
    return made


def _objections(session: Session, actor: Actor, cipher: FieldCipher) -> int:
    taken = set(session.execute(select(RepairApplication.entity_id)).scalars())
    made = 0
    outcomes = ["maintain", "revoke", None, None]
    for i, record in enumerate(_penalties(session, older_than_days=30, limit=OBJECTIONS, skip=taken)):
        try:
            with session.begin_nested():
                o = objections_service.file_objection(
                    session,
                    record_id=record.id,
                    entity_id=record.entity_id or 0,
                    reasons="处罚决定已被行政复议机关变更，平台公示内容未同步更新",
                    evidence="行政复议决定书复印件",
                    actor=actor,
                )
                outcome = outcomes[i % len(outcomes)]
                if outcome:
                    reason = "经核查原信息无误" if outcome == "maintain" else "原处罚决定已被复议机关撤销"
                    objections_service.decide(
                        session, objection_id=o.id, outcome=outcome, reason=reason, actor=actor,
                        department_id=ALL_DEPARTMENTS, cipher=cipher,
                    )  # fmt: skip
                elif i % 2:
                    objections_service.extend(
                        session,
                        objection_id=o.id,
                        reason="需调取执法案卷核对",
                        actor=actor,
                        department_id=ALL_DEPARTMENTS,
                    )
            made += 1
        except DomainError:
            continue
    return made


def _reports(session: Session, secret_key: str, verify_base: str) -> int:
    entity_id = session.execute(
        select(User.entity_id).where(User.username == "entity", User.entity_id.is_not(None))
    ).scalar_one_or_none()
    if entity_id is None:
        return 0
    office = session.execute(select(Department.id).where(Department.is_credit_office.is_(True))).scalar()
    made = 0
    for edition, purpose, requester in (
        ("full", "bidding", reports_service.Requester(actor=Actor.system("demo"), entity_id=entity_id)),
        ("simple", "procurement", reports_service.Requester(actor=Actor.system("demo"), department_id=office)),
    ):
        reports_service.issue_report(
            session,
            entity_id=entity_id,
            edition=edition,
            purpose=purpose,
            purpose_note="演示",
            requester=requester,
            secret=secret_key,
            verify_base=verify_base,
        )
        made += 1
    return made
