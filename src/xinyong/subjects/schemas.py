"""Pydantic schemas of subjects; the ...Public ones are what anyone may see."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict


class DomainOut(BaseModel):
    """A supervision domain."""

    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str


class DepartmentOut(BaseModel):
    """A department with its supervision domains."""

    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    short_name: str
    uscc: str | None
    is_credit_office: bool
    domains: list[DomainOut]


class RelationPublic(BaseModel):
    """A person's role in an entity, as the public sees it (name only, never the ID number)."""

    role: str
    role_name: str
    name: str
    start_date: date | None
    end_date: date | None


class RelationRestricted(RelationPublic):
    """A relation as an authorised official sees it: with the masked ID number."""

    id_type: str
    id_masked: str


class EntityPublic(BaseModel):
    """The registration information of an entity shown on the public profile."""

    model_config = ConfigDict(from_attributes=True)
    uscc: str | None
    name: str
    category: str
    entity_type: str
    registering_authority: str | None
    region_code: str
    industry_code: str | None
    registered_on: date | None
    status: str
    address: str | None


class ProfileSectionOut(BaseModel):
    """One section of the public credit profile, exactly as the portal shows it (see ``xinyong.portal.sections``)."""

    key: str
    title: str
    summary: str | None
    data: dict[str, Any]


class SubjectProfilePublic(BaseModel):
    """The public credit profile: registration, legal representative, and the portal's sections as of a day."""

    as_of: date
    entity: EntityPublic
    relations: list[RelationPublic]
    sections: list[ProfileSectionOut]


class SubjectProfileRestricted(BaseModel):
    """The profile for callers permitted to see restricted information."""

    as_of: date
    entity: EntityPublic
    relations: list[RelationRestricted]
    sections: list[ProfileSectionOut]
