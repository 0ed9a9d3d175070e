"""The credit check's fast path: its reads compiled once (``core.db.Prepared``) and run on the unit of work's own
DBAPI connection, returning plain rows, not ORM objects; and the check rows written on a raw connection of the
write engine (``checks.writer``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, bindparam, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xinyong.checks.models import CreditCheck
from xinyong.core.db import Database, Prepared, Snapshot
from xinyong.lists.models import Ban, ListEntry
from xinyong.subjects.models import Department, Entity, Person

Reader = Session | Connection | Snapshot

_ENTITY = Prepared(select(Entity.id, Entity.name, Entity.uscc).where(Entity.uscc == bindparam("code")))
_PERSON = Prepared(
    select(Person.id, Person.name, Person.id_masked).where(
        Person.id_type == "身份证", Person.id_index == bindparam("index")
    )
)
_ENTRY_COLUMNS = (
    ListEntry.list_type,
    ListEntry.domain,
    ListEntry.reason,
    ListEntry.legal_basis,
    ListEntry.document_number,
    Department.name,
    ListEntry.published_on,
    ListEntry.ends_on,
    ListEntry.parent_id,
    ListEntry.extra,
)
_ENTRY_FILTER = (
    ListEntry.status == "published",
    ListEntry.published_on <= bindparam("today"),
    or_(ListEntry.ends_on.is_(None), ListEntry.ends_on >= bindparam("today")),
)


def _entries_of(subject: Any) -> Prepared:
    """A subject's list entries in force (``subject``: the entity or the person column), newest first."""
    return Prepared(
        select(*_ENTRY_COLUMNS)
        .join(Department, Department.id == ListEntry.department_id)
        .where(subject == bindparam("sid"), *_ENTRY_FILTER)
        .order_by(ListEntry.published_on.desc())
    )


_ENTRIES_OF_ENTITY, _ENTRIES_OF_PERSON = _entries_of(ListEntry.entity_id), _entries_of(ListEntry.person_id)
_BAN_COLUMNS = (
    Ban.id,
    Ban.subject_name,
    Ban.scope,
    Ban.domain,
    Ban.content,
    Ban.basis,
    Ban.document_number,
    Department.name.label("department"),
    Ban.starts_on,
    Ban.ends_on,
    Ban.revoked_on,  # always NULL here (bans in force): read so that the check shows a ban as the API does
)
_BAN_FILTER = (
    Ban.starts_on <= bindparam("today"),
    or_(Ban.ends_on.is_(None), Ban.ends_on >= bindparam("today")),
    Ban.revoked_on.is_(None),
)


def _bans_of(subject: Any) -> Prepared:
    """A subject's bans in force (``subject``: the entity or the person column), newest first."""
    return Prepared(
        select(*_BAN_COLUMNS)
        .outerjoin(Department, Department.id == Ban.department_id)
        .where(subject == bindparam("sid"), *_BAN_FILTER)
        .order_by(Ban.starts_on.desc())
    )


_BANS_OF_ENTITY, _BANS_OF_PERSON = _bans_of(Ban.entity_id), _bans_of(Ban.person_id)
_DEPARTMENT_CODE = Prepared(select(Department.code).where(Department.id == bindparam("id")))


def _grade_queries() -> tuple[Prepared, Prepared]:
    from xinyong.evaluation.models import DomainGrade, EntityGrade

    current = select(EntityGrade.overall_grade, EntityGrade.grade, EntityGrade.model_version).where(
        EntityGrade.entity_id == bindparam("id")
    )
    domains = select(DomainGrade.domain_code, DomainGrade.grade).where(DomainGrade.entity_id == bindparam("id"))
    return Prepared(current), Prepared(domains)


_GRADE, _DOMAIN_GRADES = _grade_queries()


def entity_by_uscc(conn: Reader, code: str) -> Any:
    """The entity (id, name, uscc) with this USCC, or None."""
    return _ENTITY.first(conn, {"code": code})


def person_by_index(conn: Reader, index: str) -> Any:
    """The person (id, name, id_masked) with this resident ID number (its blind index), or None."""
    return _PERSON.first(conn, {"index": index})


def entries_in_force(conn: Reader, *, entity_id: int | None, person_id: int | None, today: date) -> list[Any]:
    """The subject's published list entries in force today, newest first (an entity's when ``entity_id`` is set)."""
    stmt = _ENTRIES_OF_ENTITY if entity_id else _ENTRIES_OF_PERSON
    return stmt.rows(conn, {"sid": entity_id or person_id, "today": today})


def bans_in_force(conn: Reader, *, entity_id: int | None, person_id: int | None, today: date) -> list[Any]:
    """The subject's bans in force today, newest first, with their department's name (an entity's when
    ``entity_id`` is set)."""
    stmt = _BANS_OF_ENTITY if entity_id else _BANS_OF_PERSON
    return stmt.rows(conn, {"sid": entity_id or person_id, "today": today})


def department_code(conn: Reader, department_id: int) -> str | None:
    """A department's code, or None when there is no such department."""
    found = _DEPARTMENT_CODE.first(conn, {"id": department_id})
    return None if found is None else str(found.code)


def current_grade(conn: Reader, entity_id: int) -> Any:
    """The entity's current grade (overall_grade, grade, model_version), or None when it has not been graded."""
    return _GRADE.first(conn, {"id": entity_id})


def domain_grades(conn: Reader, entity_id: int) -> list[Any]:
    """The entity's grades (domain_code, grade) in the domains where an industry evaluation changed it."""
    return _DOMAIN_GRADES.rows(conn, {"id": entity_id})


_INSERT = Prepared.insert_into(CreditCheck.__table__)


def insert_checks(engine: Engine, rows: list[dict[str, Any]], also: dict[Prepared, list[dict[str, Any]]]) -> None:
    """Insert check rows (every column but the id) and the further statements' rows in one transaction, begun and
    committed by hand on a pooled DBAPI connection of the write engine (on this path SQLAlchemy's session and
    transaction machinery cost more than the INSERT and the COMMIT themselves)."""
    dialect = engine.dialect
    raw = engine.raw_connection()  # from the pool, with the engine's connection set-up (SQLite pragmas)
    try:
        cursor = raw.cursor()
        try:
            if dialect.name == "sqlite":  # autocommit mode on this engine: the write lock is taken here
                cursor.execute("BEGIN IMMEDIATE")
            _INSERT.execute_many_on(cursor, dialect, rows)
            for stmt, values in also.items():
                stmt.execute_many_on(cursor, dialect, values)
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            cursor.close()
    finally:
        raw.close()  # back to the pool


def default_threads(db: Database) -> int:
    """How many threads of their own the checks run on by default: one on SQLite (measured faster there than many
    threads contending for the interpreter lock), none (the shared thread pool) on PostgreSQL."""
    return 1 if db.dialect == "sqlite" else 0
