"""Helpers for list, check and supervision tests: companies with a legal representative, a basis penalty, actors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from tests.commitments.support import CIPHER, entity, penalty
from tests.ingestion.samples import company_code

from xinyong.core.audit import Actor
from xinyong.core.clock import CHINA_TZ, FixedClock
from xinyong.core.identifiers import resident_id_check_char
from xinyong.lists import service
from xinyong.lists.models import ListEntry
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department

OPERATOR = Actor(label="op-scjg", department_code="scjg", role="operator")
REVIEWER = Actor(label="rev-scjg", department_code="scjg", role="reviewer")
OTHER_DEPT = Actor(label="rev-zjj", department_code="zjj", role="reviewer")


def person_id(n: int) -> str:
    """A valid resident ID number (born 1980-01-01 in Mishan), distinct for each n."""
    first = f"23038219800101{n:03d}"
    return first + resident_id_check_char(first)


def dept_id(session: Session, code: str = "scjg") -> int:
    """The id of a department by code."""
    return subjects_service.department_by_code(session, code).id


def set_day(clock: FixedClock, year: int, month: int, day: int) -> None:
    """Move the fixed clock to 10:00 China time on a day."""
    clock._at = datetime(year, month, day, 10, 0, tzinfo=CHINA_TZ)  # type: ignore[attr-defined]


def company_with_basis(session: Session, n: int = 1) -> tuple[Any, Any]:
    """A company and a penalty against it (the basis of a listing)."""
    company = entity(session, n)
    return company, penalty(session, n)


def proposal_values(n: int = 1, basis: list[int] | None = None, **overrides: Any) -> dict[str, Any]:
    """A serious-dishonesty proposal for company n naming its legal representative."""
    values: dict[str, Any] = {
        "list_type": "serious",
        "subject": company_code(n),
        "reason": "食品生产中违法添加非食用物质，被处以从重罚款并吊销许可证",
        "legal_basis": "《市场监督管理严重违法失信名单管理办法》第九条",
        "basis_records": basis or [],
        "responsible": [{"role": "legal_rep", "name": "王建国", "id_number": person_id(n)}],
    }
    values.update(overrides)
    return values


def propose(session: Session, n: int = 1, **overrides: Any) -> ListEntry:
    """A proposal by the market regulation bureau."""
    _company, basis = company_with_basis(session, n)
    return service.propose(
        session,
        values=proposal_values(n, [basis.id], **overrides),
        department_id=dept_id(session),
        actor=OPERATOR,
        cipher=CIPHER,
    )


def to_published(session: Session, clock: FixedClock, entry: ListEntry) -> ListEntry:
    """Notice, let the statement window pass, decide and publish."""
    d = dept_id(session)
    service.give_notice(session, entry_id=entry.id, document="密市监告〔2026〕1号", department_id=d, actor=OPERATOR)
    assert entry.statement_until is not None
    set_day(clock, entry.statement_until.year, entry.statement_until.month, entry.statement_until.day)
    clock.advance(days=1)
    service.decide(
        session,
        entry_id=entry.id,
        approve=True,
        note="符合列入条件",
        document_number="密市监严〔2026〕1号",
        department_id=d,
        actor=REVIEWER,
    )
    return service.publish(session, entry_id=entry.id, department_id=d, actor=REVIEWER, cipher=CIPHER)


def department(session: Session, code: str) -> Department:
    """A department by code."""
    return subjects_service.department_by_code(session, code)
