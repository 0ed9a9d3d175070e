"""Eligibility for commitment-based approval: grades, lists, bans after a breach, required courses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments.models import CommitmentBan, CommitmentMatter
from xinyong.commitments.service.matters import course_name
from xinyong.commitments.service.rules import load_rules
from xinyong.core.clock import get_clock
from xinyong.education import service as education_service
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Entity, Person

GradeProvider = Callable[[Session, int], str | None]


def subject_grade(session: Session, subject_id: int) -> str | None:
    """The entity's current overall credit grade (A–D, from the evaluation), or None when it has not been graded."""
    from xinyong.evaluation import service as evaluation_service

    current = evaluation_service.current_grade(session, subject_id)
    return current.overall_grade if current is not None else None


def list_memberships(session: Session, *, entity_id: int | None = None, person_id: int | None = None) -> list[str]:
    """The lists (catalogue list-entry items) the subject is on: current, valid records of those items."""
    if entity_id is None and person_id is None:
        return []
    items = list(load_rules().list_items)
    stmt = select(CreditRecord.item_code).where(
        CreditRecord.item_code.in_(items),
        CreditRecord.is_current.is_(True),
        CreditRecord.status == states.VALID,
    )
    if entity_id:
        stmt = stmt.where(CreditRecord.entity_id == entity_id)
    else:
        stmt = stmt.where(CreditRecord.person_id == person_id)
    found = set(session.execute(stmt.distinct()).scalars())
    return [i for i in items if i in found]


def active_ban(
    session: Session, *, entity_id: int | None = None, person_id: int | None = None, on: date | None = None
) -> CommitmentBan | None:
    """The exclusion from commitment-based approval in force for the subject, if any."""
    if entity_id is None and person_id is None:
        return None
    day = on or get_clock().today()
    stmt = select(CommitmentBan).where(CommitmentBan.starts_on <= day, CommitmentBan.ends_on >= day)
    if entity_id:
        stmt = stmt.where(CommitmentBan.entity_id == entity_id)
    else:
        stmt = stmt.where(CommitmentBan.person_id == person_id)
    return session.execute(stmt.order_by(CommitmentBan.ends_on.desc()).limit(1)).scalar_one_or_none()


def eligibility_problems(
    session: Session,
    matter: CommitmentMatter,
    *,
    entity: Entity | None,
    person: Person | None,
    grade_provider: GradeProvider = subject_grade,
) -> list[dict[str, str]]:
    """Why the subject may not commit under this matter (empty when it may); each reason names its field."""
    rules = load_rules()
    problems: list[dict[str, str]] = []

    def add(field: str, name: str, reason: str) -> None:
        problems.append({"field": field, "name": name, "reason": reason})

    entity_id, person_id = (entity.id if entity else None), (person.id if person else None)
    if entity is not None and matter.excluded_grades:
        grade = grade_provider(session, entity.id)
        if grade in matter.excluded_grades:
            label = rules.grades.get(grade, "")
            add("grade", "信用等级", f"承诺人当前信用等级为{grade}级（{label}），本事项不适用告知承诺制")
    memberships = list_memberships(session, entity_id=entity_id, person_id=person_id)
    hits = [x for x in memberships if x in matter.excluded_lists]
    if hits:
        names = "、".join(rules.list_items[x] for x in hits)
        add("lists", "名单", f"承诺人被列入{names}，本事项不适用告知承诺制")
    ban = active_ban(session, entity_id=entity_id, person_id=person_id)
    if ban is not None:
        add(
            "ban",
            "违诺约束",
            f"承诺人因违背信用承诺，{ban.starts_on.isoformat()}至{ban.ends_on.isoformat()}不得适用告知承诺制办理（{ban.reason}）",
        )
    if matter.required_course:
        subject = entity or person
        done = subject is not None and education_service.requires_course(session, subject, matter.required_course)
        if not done:
            add(
                "course",
                "诚信教育",
                f"本事项要求承诺人先完成诚信教育课程“{course_name(matter.required_course)}”（{matter.required_course}），"
                "尚无有效的完成记录",
            )
    return problems
