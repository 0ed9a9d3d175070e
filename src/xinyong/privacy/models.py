"""ORM models of personal-information queries: the person's authorisations and the query registrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class PersonAuthorisation(Base):
    """A natural person's authorisation to query their credit information: scope, a period with an end, evidence."""

    __tablename__ = "person_authorisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    scope: Mapped[list[str]] = mapped_column(JSON)  # scope codes of the rules file
    purpose: Mapped[str] = mapped_column(String(200))
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(String(20))  # uploaded | recorded
    evidence_note: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class PersonQuery(Base):
    """One registered access by a government user (or API token) to a natural person's credit information."""

    __tablename__ = "person_query"
    __table_args__ = (
        Index("ix_person_query_person_at", "person_id", "at"),
        Index("ix_person_query_user_at", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(120))  # user name or token:<id>
    user_id: Mapped[int | None] = mapped_column(Integer)
    token_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    department_name: Mapped[str | None] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    person_label: Mapped[str] = mapped_column(String(120))  # name and masked ID number as shown
    purpose: Mapped[str] = mapped_column(String(200))
    basis_code: Mapped[str | None] = mapped_column(String(40))
    basis_title: Mapped[str | None] = mapped_column(String(200))
    rules_version: Mapped[str] = mapped_column(String(20))
    authorisation_id: Mapped[int | None] = mapped_column(ForeignKey("person_authorisation.id"))
    path: Mapped[str] = mapped_column(String(300))  # the page or API route
    reference: Mapped[str | None] = mapped_column(String(60), index=True)  # e.g. check:<code>
    shown: Mapped[list[Any]] = mapped_column(JSON)  # scope codes / sections shown
    flagged: Mapped[bool] = mapped_column(default=False)
    flag_note: Mapped[str | None] = mapped_column(Text)
    flagged_by: Mapped[str | None] = mapped_column(String(120))
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
