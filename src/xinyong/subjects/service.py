"""Subject logic: reference data (domains, departments), entities, persons and their relations."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, NotFound, ValidationFailed
from xinyong.core.identifiers import (
    InvalidIdentifier,
    mask_id_number,
    validate_resident_id,
    validate_uscc,
)
from xinyong.subjects.models import (
    ENTITY_CATEGORIES,
    RELATION_ROLES,
    Department,
    Domain,
    Entity,
    Person,
    Relation,
    SubjectNameReview,
)


def _data(name: str) -> Any:
    return json.loads(resources.files("xinyong.subjects").joinpath("data", name).read_text("utf-8"))


def load_reference_data(session: Session, *, actor: Actor) -> dict[str, int]:
    """Insert or update the 16 supervision domains and the city's departments (idempotent)."""
    added = {"domains": 0, "departments": 0}
    domains = {d.code: d for d in session.execute(select(Domain)).scalars()}
    for i, item in enumerate(_data("domains.json")["domains"], start=1):
        row = domains.get(item["code"])
        if row is None:
            row = Domain(code=item["code"], name=item["name"], sort_order=i)
            session.add(row)
            domains[row.code] = row
            added["domains"] += 1
        row.name, row.sort_order = item["name"], i
    session.flush()
    existing = {d.code: d for d in session.execute(select(Department)).scalars()}
    for i, item in enumerate(_data("departments.json")["departments"], start=1):
        dept = existing.get(item["code"])
        if dept is None:
            dept = Department(code=item["code"], name=item["name"], short_name=item["short_name"])
            session.add(dept)
            added["departments"] += 1
        dept.name, dept.short_name, dept.uscc = item["name"], item["short_name"], item["uscc"]
        dept.is_credit_office, dept.sort_order = item["is_credit_office"], i
        dept.domains = [domains[c] for c in item["domains"]]
    session.flush()
    if added["domains"] or added["departments"]:
        audit(
            session, actor=actor, action="reference.load", object_type="reference", object_id="subjects", detail=added
        )
    return added


def list_departments(session: Session) -> list[Department]:
    """Every department in the official order."""
    stmt = select(Department).options(selectinload(Department.domains)).order_by(Department.sort_order)
    return list(session.execute(stmt).scalars())


def list_domains(session: Session) -> list[Domain]:
    """The supervision domains in the seed's order."""
    return list(session.execute(select(Domain).order_by(Domain.sort_order)).scalars())


def department_by_code(session: Session, code: str) -> Department:
    """A department by its code, or a Chinese error telling how to list the codes."""
    dept = session.execute(select(Department).where(Department.code == code.strip().lower())).scalar_one_or_none()
    if dept is None:
        raise NotFound(f"部门代码“{code}”不存在。可用 xinyong departments 查看全部部门代码。")
    return dept


def entity_by_uscc(session: Session, code: str) -> Entity:
    """An entity by its Unified Social Credit Code (normalised first)."""
    try:
        uscc = validate_uscc(code)
    except InvalidIdentifier as exc:
        raise ValidationFailed(f"统一社会信用代码无效：{exc.reason}") from None
    entity = session.execute(select(Entity).where(Entity.uscc == uscc)).scalar_one_or_none()
    if entity is None:
        raise NotFound(f"未找到统一社会信用代码为{uscc}的市场主体。")
    return entity


def create_entity(session: Session, *, actor: Actor, **fields: Any) -> Entity:
    """Register a market entity after validating its code and category."""
    try:
        uscc = validate_uscc(fields.pop("uscc"))
    except InvalidIdentifier as exc:
        raise ValidationFailed(f"统一社会信用代码无效：{exc.reason}") from None
    if fields.get("category") not in ENTITY_CATEGORIES:
        raise ValidationFailed(f"主体类别应为：{'、'.join(ENTITY_CATEGORIES)}。")
    if session.execute(select(Entity.id).where(Entity.uscc == uscc)).first():
        raise Conflict(f"统一社会信用代码{uscc}已登记。")
    now = get_clock().now()
    entity = Entity(uscc=uscc, created_at=now, updated_at=now, **fields)
    session.add(entity)
    session.flush()
    audit(
        session,
        actor=actor,
        action="entity.create",
        object_type="entity",
        object_id=entity.id,
        detail={"uscc": uscc, "name": entity.name},
    )
    return entity


def find_person(session: Session, *, cipher: FieldCipher, id_number: str, id_type: str = "身份证") -> Person | None:
    """A person by ID number, found through the blind index (the number itself is never stored in clear)."""
    number = _normalise_person_id(id_number, id_type)
    stmt = select(Person).where(Person.id_type == id_type, Person.id_index == cipher.blind_index(number))
    return session.execute(stmt).scalar_one_or_none()


def _normalise_person_id(id_number: str, id_type: str) -> str:
    if id_type == "身份证":
        try:
            return validate_resident_id(id_number).number
        except InvalidIdentifier as exc:
            raise ValidationFailed(f"身份证号码无效：{exc.reason}") from None
    number = id_number.strip().upper()
    if not number:
        raise ValidationFailed("证件号码不能为空。")
    return number


def create_person(
    session: Session, *, cipher: FieldCipher, name: str, id_number: str, id_type: str = "身份证", actor: Actor
) -> Person:
    """Register a natural person, encrypting the ID number at rest."""
    number = _normalise_person_id(id_number, id_type)
    if find_person(session, cipher=cipher, id_number=number, id_type=id_type) is not None:
        raise Conflict("该证件号码的自然人已登记。")
    person = Person(
        name=name.strip(),
        id_type=id_type,
        id_cipher=cipher.encrypt(number),
        id_index=cipher.blind_index(number),
        id_masked=mask_id_number(number),
        created_at=get_clock().now(),
    )
    session.add(person)
    session.flush()
    audit(
        session,
        actor=actor,
        action="person.create",
        object_type="person",
        object_id=person.id,
        detail={"id_masked": person.id_masked},
    )
    return person


def add_relation(
    session: Session,
    *,
    entity: Entity,
    person: Person,
    role: str,
    start: date | None = None,
    end: date | None = None,
    actor: Actor,
) -> Relation:
    """Record that a person holds a role in an entity over a period."""
    if role not in RELATION_ROLES:
        raise ValidationFailed(f"关系类型应为：{'、'.join(RELATION_ROLES.values())}。")
    if start and end and end < start:
        raise ValidationFailed("关系结束日期不能早于开始日期。")
    rel = Relation(entity_id=entity.id, person_id=person.id, role=role, start_date=start, end_date=end)
    session.add(rel)
    session.flush()
    audit(
        session,
        actor=actor,
        action="relation.create",
        object_type="entity",
        object_id=entity.id,
        detail={"person_id": person.id, "role": role},
    )
    return rel


def relations_of(session: Session, entity_id: int, *, on: date | None = None) -> list[Relation]:
    """The entity's relations, those in force on a date if given."""
    stmt = select(Relation).options(selectinload(Relation.person)).where(Relation.entity_id == entity_id)
    if on is not None:
        stmt = stmt.where((Relation.start_date.is_(None)) | (Relation.start_date <= on))
        stmt = stmt.where((Relation.end_date.is_(None)) | (Relation.end_date >= on))
    return list(session.execute(stmt.order_by(Relation.role, Relation.start_date)).scalars())


def open_name_reviews(
    session: Session, *, limit: int = 200
) -> list[tuple[SubjectNameReview, Entity | None, Person | None]]:
    """Reported names that disagree with the registered ones, oldest first."""
    stmt = (
        select(SubjectNameReview, Entity, Person)
        .outerjoin(Entity, Entity.id == SubjectNameReview.entity_id)
        .outerjoin(Person, Person.id == SubjectNameReview.person_id)
        .where(SubjectNameReview.status == "open")
        .order_by(SubjectNameReview.id)
        .limit(limit)
    )
    return [(r, e, p) for r, e, p in session.execute(stmt)]


def decide_name_review(session: Session, *, review_id: int, accept: bool, actor: Actor) -> SubjectNameReview:
    """Adopt the reported name (the registration was out of date) or keep the registered one."""
    review = session.get(SubjectNameReview, review_id)
    if review is None or review.status != "open":
        raise NotFound(f"待核对的名称{review_id}不存在或已处理。")
    review.status = "accepted" if accept else "rejected"
    if accept:
        target: Entity | Person | None = (
            session.get(Entity, review.entity_id) if review.entity_id else session.get(Person, review.person_id)
        )
        if target is None:
            raise NotFound("该名称对应的主体已不存在。")
        target.name = review.reported_name
        if isinstance(target, Entity):
            target.updated_at = get_clock().now()
    audit(
        session,
        actor=actor,
        action="subject.name_review",
        object_type="entity" if review.entity_id else "person",
        object_id=review.entity_id or review.person_id,
        detail={
            "review": review.id,
            "accepted": accept,
            "reported": review.reported_name,
            "registered": review.registered_name,
        },
    )
    return review


def counts(session: Session) -> dict[str, int]:
    """Headline counts for dashboards."""

    def n(model: Any) -> int:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    return {"entities": n(Entity), "persons": n(Person), "departments": n(Department), "domains": n(Domain)}
