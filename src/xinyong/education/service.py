"""Integrity education (T5, T6): the course list as data, sessions, completions, and the completion check."""

from __future__ import annotations

import uuid
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.datafiles import json_content, validated
from xinyong.core.db import get_or_404
from xinyong.core.errors import ValidationFailed
from xinyong.disclosure.rules import add_months
from xinyong.education.models import CourseCompletion, CourseSession
from xinyong.subjects.models import Department, Entity, Person

AUDIENCE_LABELS = {"entity": "市场主体", "person": "从业人员", "any": "市场主体及从业人员"}
PURPOSE_LABELS = {"new_entity": "市场主体诚信教育", "onboarding": "重点职业人群入职诚信教育", "repair": "信用修复培训"}


class CourseSpec(BaseModel):
    """One course of the course list."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[A-Z][A-Z0-9-]*$")
    name: str = Field(min_length=1)
    audience: Literal["entity", "person", "any"]
    purpose: Literal["new_entity", "onboarding", "repair"]
    profession: str | None
    department: str
    hours: int = Field(ge=1)
    validity_months: int | None = Field(ge=1)
    description: str

    @property
    def audience_label(self) -> str:
        """Who takes the course, in Chinese."""
        return AUDIENCE_LABELS[self.audience]

    @property
    def purpose_label(self) -> str:
        """Why the course exists, in Chinese."""
        return PURPOSE_LABELS[self.purpose]


class CourseList(BaseModel):
    """The course list file."""

    model_config = ConfigDict(extra="forbid")
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_from: date
    title: str
    source: str
    courses: list[CourseSpec] = Field(min_length=1)


def parse_courses(content: bytes) -> CourseList:
    """Parse and check a course list; every problem in Chinese with its place."""
    doc = validated(json_content(content, "课程目录"), CourseList, "课程目录")
    codes = [c.code for c in doc.courses]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ValidationFailed(f"课程目录文件有误：课程代码重复：{'、'.join(dupes)}")
    return doc


@lru_cache(maxsize=1)
def load_courses() -> CourseList:
    """The shipped course list."""
    return parse_courses(resources.files("xinyong.education").joinpath("data", "courses.json").read_bytes())


def courses() -> list[CourseSpec]:
    """Every course, in list order."""
    return list(load_courses().courses)


def course(code: str) -> CourseSpec:
    """A course by code, or a Chinese error listing the codes."""
    for c in load_courses().courses:
        if c.code == code:
            return c
    known = "、".join(f"{c.code}（{c.name}）" for c in load_courses().courses)
    raise ValidationFailed(f"课程代码“{code}”不存在，可选：{known}。")


def create_session(
    session: Session,
    *,
    course_code: str,
    department: Department,
    held_on: date,
    place: str,
    capacity: int | None,
    actor: Actor,
) -> CourseSession:
    """Schedule a sitting of a course."""
    spec = course(course_code)
    place = place.strip()
    if not place:
        raise ValidationFailed("举办地点：必填项缺失（线上课程请填写“线上”）。")
    if capacity is not None and capacity < 1:
        raise ValidationFailed("容纳人数：应为正整数。")
    row = CourseSession(
        course_code=spec.code,
        department_id=department.id,
        held_on=held_on,
        place=place,
        capacity=capacity,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor=actor,
        action="education.session",
        object_type="course_session",
        object_id=row.id,
        detail={"course": spec.code, "held_on": held_on.isoformat()},
    )
    return row


def list_sessions(session: Session, *, department_id: int | None = None, limit: int = 100) -> list[CourseSession]:
    """Course sessions, latest first."""
    stmt = select(CourseSession).order_by(CourseSession.held_on.desc(), CourseSession.id.desc()).limit(limit)
    if department_id is not None:
        stmt = stmt.where(CourseSession.department_id == department_id)
    return list(session.execute(stmt).scalars())


def record_completion(
    session: Session,
    *,
    course_code: str,
    completed_on: date,
    actor: Actor,
    entity_id: int | None = None,
    person_id: int | None = None,
    session_id: int | None = None,
    note: str | None = None,
) -> CourseCompletion:
    """Record that an entity or a person completed a course; the certificate number is issued here."""
    spec = course(course_code)
    if (entity_id is None) == (person_id is None):
        raise ValidationFailed("完成人：须且只须指定一个市场主体或一名自然人。")
    if spec.audience == "entity" and entity_id is None:
        raise ValidationFailed(f"课程“{spec.name}”面向市场主体，不能为自然人登记完成。")
    if spec.audience == "person" and person_id is None:
        raise ValidationFailed(f"课程“{spec.name}”面向{spec.profession or '从业人员'}，不能为市场主体登记完成。")
    if completed_on > get_clock().today():
        raise ValidationFailed("完成日期：不能晚于今天。")
    if session_id is not None:
        sitting = session.get(CourseSession, session_id)
        if sitting is None or sitting.course_code != spec.code:
            raise ValidationFailed(f"培训场次{session_id}不存在或不是课程“{spec.name}”的场次。")
    valid_until = add_months(completed_on, spec.validity_months) if spec.validity_months else None
    row = CourseCompletion(
        course_code=spec.code,
        session_id=session_id,
        entity_id=entity_id,
        person_id=person_id,
        completed_on=completed_on,
        valid_until=valid_until,
        certificate_no=f"tmp-{uuid.uuid4().hex[:30]}",
        note=note,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(row)
    session.flush()
    row.certificate_no = f"XYJY{completed_on:%Y%m%d}{row.id:06d}"
    session.flush()
    audit(
        session,
        actor=actor,
        action="education.complete",
        object_type="course_completion",
        object_id=row.id,
        detail={"course": spec.code, "entity_id": entity_id, "person_id": person_id, "on": completed_on.isoformat()},
    )
    return row


def has_completed(
    session: Session,
    *,
    course_code: str,
    entity_id: int | None = None,
    person_id: int | None = None,
    on: date | None = None,
) -> bool:
    """Whether the subject holds a completion of the course that is still valid on the day (today by default)."""
    day = on or get_clock().today()
    stmt = select(CourseCompletion.id).where(
        CourseCompletion.course_code == course_code,
        CourseCompletion.completed_on <= day,
        or_(CourseCompletion.valid_until.is_(None), CourseCompletion.valid_until >= day),
    )
    if entity_id is not None:
        stmt = stmt.where(CourseCompletion.entity_id == entity_id)
    elif person_id is not None:
        stmt = stmt.where(CourseCompletion.person_id == person_id)
    else:
        return False
    return session.execute(stmt.limit(1)).first() is not None


def requires_course(session: Session, subject: Entity | Person, course_code: str) -> bool:
    """Whether the subject has completed the course (so a matter or workflow that requires it may proceed)."""
    course(course_code)  # an unknown course is a configuration error, not a silent "no"
    if isinstance(subject, Entity):
        return has_completed(session, course_code=course_code, entity_id=subject.id)
    return has_completed(session, course_code=course_code, person_id=subject.id)


def completions_of(
    session: Session, *, entity_id: int | None = None, person_id: int | None = None
) -> list[CourseCompletion]:
    """A subject's completions, latest first."""
    stmt = select(CourseCompletion).order_by(CourseCompletion.completed_on.desc(), CourseCompletion.id.desc())
    if entity_id is not None:
        stmt = stmt.where(CourseCompletion.entity_id == entity_id)
    else:
        stmt = stmt.where(CourseCompletion.person_id == person_id)
    return list(session.execute(stmt).scalars())


def recent_completions(session: Session, *, limit: int = 50) -> list[CourseCompletion]:
    """The latest completions recorded."""
    stmt = select(CourseCompletion).order_by(CourseCompletion.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def get_session(session: Session, session_id: int) -> CourseSession:
    """A course session by id."""
    row = get_or_404(session, CourseSession, session_id, f"培训场次{session_id}不存在。")
    return row
