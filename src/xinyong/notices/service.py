"""In-app notices: the platform tells an entity what happened to its applications."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.clock import get_clock
from xinyong.notices.models import Notice


def notify(session: Session, *, entity_id: int, title: str, body: str, link: str | None = None) -> Notice:
    """Leave a notice for the entity (shown on its console pages)."""
    notice = Notice(entity_id=entity_id, title=title, body=body, link=link, created_at=get_clock().now())
    session.add(notice)
    session.flush()
    return notice


def notices_for(session: Session, *, entity_id: int, limit: int = 50) -> list[Notice]:
    """The entity's notices, newest first."""
    stmt = select(Notice).where(Notice.entity_id == entity_id).order_by(Notice.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())
