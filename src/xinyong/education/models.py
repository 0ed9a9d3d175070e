"""ORM models of integrity-education sessions and completions (the courses themselves are reference data)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class CourseSession(Base):
    """One sitting of a course, organised by a department (in a hall or online)."""

    __tablename__ = "course_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_code: Mapped[str] = mapped_column(String(40), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class CourseCompletion(Base):
    """An entity or a person completed a course; valid until the course's validity ends (if it has one)."""

    __tablename__ = "course_completion"
    __table_args__ = (
        Index("ix_course_completion_entity", "entity_id", "course_code"),
        Index("ix_course_completion_person", "person_id", "course_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_code: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("course_session.id"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entity.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    completed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    certificate_no: Mapped[str] = mapped_column(String(40), unique=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
