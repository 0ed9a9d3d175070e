"""A small city in which natural persons appear on every page a government user can open (privacy gate tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import (
    CIPHER,
    OPERATOR,
    REVIEWER,
    ban_values,
    company_code,
    dept_id,
    entity,
    matter,
    person_id,
    propose,
    to_published,
)
from tests.factories import commitment_values as values
from tests.helpers import login, make_token, make_user

from xinyong.checks import service as checks_service
from xinyong.commitments import service as commitments_service
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.education import service as education_service
from xinyong.lists import service as lists_service
from xinyong.lists import supervision
from xinyong.lists.models import Ban, ListEntry
from xinyong.privacy.models import PersonQuery
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity, Person

STATED = {"purpose": "办理食品经营许可审查", "basis": "admin-licensing"}


@dataclass(frozen=True)
class World:
    """Ids of what the tests open."""

    entity_id: int
    uscc: str
    person_id: int
    person_entry_id: int
    person_record_id: int
    ban_person_id: int
    commitment_id: int
    commitment_code: str
    commitment_person_id: int
    check_code: str


def build(db: Database, clock: FixedClock) -> World:
    """A published listing naming a legal representative, a ban on a person, an order, a course, a commitment."""
    with db.session() as s:
        entry = to_published(s, clock, propose(s))
        company = s.get(Entity, entry.entity_id)
        assert company is not None
        person_entry = s.execute(select(ListEntry).where(ListEntry.parent_id == entry.id)).scalar_one()
        person = s.get(Person, person_entry.person_id)
        assert person is not None
        subjects_service.add_relation(s, entity=company, person=person, role="legal_rep", actor=OPERATOR)
        record = (
            s.execute(
                select(CreditRecord).where(CreditRecord.person_id == person.id, CreditRecord.is_current.is_(True))
            )
            .scalars()
            .first()
        )
        assert record is not None
        entity(s, 3)
        lists_service.create_ban(s, values=ban_values(), department_id=dept_id(s), actor=REVIEWER, cipher=CIPHER)
        banned = s.execute(select(Ban.person_id).where(Ban.person_id.is_not(None))).scalar_one()
        supervision.issue_order(
            s,
            values={"subject": person_id(1), "content": "限期改正违法行为", "working_days": "10"},
            department_id=dept_id(s),
            actor=OPERATOR,
            cipher=CIPHER,
        )
        education_service.record_completion(
            s, course_code="ZY-LS", completed_on=clock.today(), actor=OPERATOR, person_id=person.id
        )
        m = matter(s, code="SCJG-GR", commitment_type="行业自律型")
        c = commitments_service.create_commitment(
            s,
            values=values(
                m,
                committer_category="自然人",
                committer_name="李四",
                committer_code=None,
                legal_rep=None,
                id_number="230382200001011239",
                made_on=clock.today().isoformat(),
            ),
            channel="department",
            actor=OPERATOR,
            cipher=CIPHER,
            department_id=m.department_id,
        )
        check = checks_service.run_check(
            s, subject=person_id(1), matter="procurement", department_id=dept_id(s), actor=OPERATOR, cipher=CIPHER
        )
        assert c.person_id is not None
        return World(
            entity_id=company.id,
            uscc=company_code(1),
            person_id=person.id,
            person_entry_id=person_entry.id,
            person_record_id=record.id,
            ban_person_id=banned,
            commitment_id=c.id,
            commitment_code=c.code,
            commitment_person_id=c.person_id,
            check_code=check.code,
        )


def registrations(db: Database, person: int | None = None) -> list[PersonQuery]:
    """Every registration (of one person), oldest first."""
    with db.session() as s:
        stmt = select(PersonQuery).order_by(PersonQuery.id)
        if person is not None:
            stmt = stmt.where(PersonQuery.person_id == person)
        rows = list(s.execute(stmt).scalars())
        s.expunge_all()
        return rows


def count(db: Database) -> int:
    """How many registrations exist."""
    with db.session() as s:
        return int(s.execute(select(func.count()).select_from(PersonQuery)).scalar_one())


def as_user(client: TestClient, db: Database, username: str, role: str, dept: str = "scjg") -> None:
    """Log the client in as a new user of the role."""
    make_user(db, username, role, dept)
    login(client, username)


def bearer(db: Database, role: str = "operator", dept: str = "scjg") -> dict[str, str]:
    """Authorization header of a new API token."""
    return {"Authorization": f"Bearer {make_token(db, role, dept)}"}


def today(clock: FixedClock) -> date:
    """The fixed clock's China date."""
    return clock.today()
