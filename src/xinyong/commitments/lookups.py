"""Small reads of commitments and matters for other workflows (credit repair), so that they need not query the
commitments' tables themselves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments.models import Commitment, CommitmentMatter


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
