"""Small reads of commitments and matters for other workflows (credit repair), so that they need not query the
commitments' tables themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments.models import Commitment, CommitmentMatter, ListProposal


def latest_for_record(session: Session, *, record_id: int, entity_id: int, commitment_type: str) -> Commitment | None:
    """The entity's latest commitment of ``commitment_type`` related to the record, if it signed one."""
    stmt = (
        select(Commitment)
        .where(
            Commitment.related_record_id == record_id,
            Commitment.entity_id == entity_id,
            Commitment.commitment_type == commitment_type,
        )
        .order_by(Commitment.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def matters_of_type(session: Session, commitment_type: str, *, online_only: bool = False) -> list[CommitmentMatter]:
    """The matters of ``commitment_type`` by id; with ``online_only`` the active ones open to online signing."""
    stmt = select(CommitmentMatter).where(CommitmentMatter.commitment_type == commitment_type)
    if online_only:
        stmt = stmt.where(CommitmentMatter.is_active.is_(True), CommitmentMatter.online_signing.is_(True))
    return list(session.execute(stmt.order_by(CommitmentMatter.id)).scalars())


def pending_proposals(session: Session, scope: Any) -> list[ListProposal]:
    """Key-attention proposals raised after a breach and not yet taken into the listing workflow, of the departments
    a ``core.policy`` scope covers."""
    stmt = select(ListProposal).where(ListProposal.status == "pending")
    stmt = stmt.where(scope.where(ListProposal.department_id))
    return list(session.execute(stmt.order_by(ListProposal.id)).scalars())


def proposal(session: Session, proposal_id: int) -> ListProposal | None:
    """A list proposal raised by a commitment breach."""
    return session.get(ListProposal, proposal_id)


def breach_record_of(session: Session, commitment_id: int) -> int | None:
    """The breach credit record of a commitment, if it has one."""
    commitment = session.get(Commitment, commitment_id)
    return commitment.breach_record_id if commitment is not None else None
