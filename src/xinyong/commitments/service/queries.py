"""Reading commitments: by id or code, by department and deadline, for the public, and their fulfilment label."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from xinyong.commitments.models import Commitment
from xinyong.commitments.service.rules import PENDING_LABEL, load_rules
from xinyong.core.clock import get_clock
from xinyong.core.errors import NotFound
from xinyong.core.policy import ALL_DEPARTMENTS, Departments, scope_of
from xinyong.subjects.models import Department


def get_commitment(session: Session, commitment_id: int) -> Commitment:
    """A commitment by id."""
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise NotFound(f"信用承诺{commitment_id}不存在。")
    return row


def commitment_by_code(session: Session, code: str) -> Commitment:
    """A commitment by its 承诺编码."""
    row = session.execute(select(Commitment).where(Commitment.code == code.strip())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"承诺编码为{code}的信用承诺不存在。")
    return row


def list_commitments(
    session: Session,
    *,
    department_id: Departments = ALL_DEPARTMENTS,
    entity_id: int | None = None,
    pending_only: bool = False,
    limit: int = 200,
) -> list[Commitment]:
    """Commitments, newest first."""
    stmt = select(Commitment).options(selectinload(Commitment.matter)).order_by(Commitment.id.desc()).limit(limit)
    stmt = stmt.where(scope_of(department_id).where(Commitment.department_id))
    if entity_id is not None:
        stmt = stmt.where(Commitment.entity_id == entity_id)
    if pending_only:
        stmt = stmt.where(Commitment.fulfilment.is_(None))
    return list(session.execute(stmt).scalars())


def overdue_verifications(
    session: Session, *, department_id: Departments = ALL_DEPARTMENTS, on: date | None = None, limit: int = 500
) -> list[Commitment]:
    """Commitments whose verification deadline has passed without a fulfilment finding, most overdue first."""
    day = on or get_clock().today()
    stmt = (
        select(Commitment)
        .options(selectinload(Commitment.matter), selectinload(Commitment.department))
        .where(Commitment.fulfilment.is_(None), Commitment.verify_by < day)
        .order_by(Commitment.verify_by, Commitment.id)
        .limit(limit)
    )
    stmt = stmt.where(scope_of(department_id).where(Commitment.department_id))
    return list(session.execute(stmt).scalars())


def due_soon(session: Session, *, department_id: Departments = ALL_DEPARTMENTS, days: int = 5) -> list[Commitment]:
    """Commitments to verify within the next few calendar days (reminders before the deadline)."""
    today = get_clock().today()
    stmt = (
        select(Commitment)
        .options(selectinload(Commitment.matter))
        .where(
            Commitment.fulfilment.is_(None),
            Commitment.verify_by >= today,
            Commitment.verify_by <= today + timedelta(days=days),
        )
        .order_by(Commitment.verify_by, Commitment.id)
    )
    stmt = stmt.where(scope_of(department_id).where(Commitment.department_id))
    return list(session.execute(stmt).scalars())


def overdue_counts(session: Session, *, on: date | None = None) -> list[tuple[str, str, int]]:
    """Per department: code, name, commitments overdue for verification."""
    day = on or get_clock().today()
    stmt = (
        select(Department.code, Department.name, func.count(Commitment.id))
        .join(Commitment, Commitment.department_id == Department.id)
        .where(Commitment.fulfilment.is_(None), Commitment.verify_by < day)
        .group_by(Department.code, Department.name, Department.sort_order)
        .order_by(Department.sort_order)
    )
    return [(code, name, int(n)) for code, name, n in session.execute(stmt)]


def public_commitments(session: Session, *, entity_id: int) -> list[Commitment]:
    """The entity's commitments that may be shown to the public (公开类型 可向社会公开)."""
    public = [k for k, shown in load_rules().openness_types.items() if shown]
    stmt = (
        select(Commitment)
        .options(selectinload(Commitment.matter))
        .where(Commitment.entity_id == entity_id, Commitment.openness.in_(public))
        .order_by(Commitment.made_on.desc(), Commitment.id.desc())
    )
    return list(session.execute(stmt).scalars())


def fulfilment_label(commitment: Commitment) -> str:
    """The fulfilment state in Chinese (待核查 until a finding is recorded)."""
    if commitment.fulfilment is None:
        return PENDING_LABEL
    return commitment.fulfilment + ("（虚假承诺）" if commitment.is_false else "")
