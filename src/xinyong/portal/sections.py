"""The registry of credit profile sections: each domain adds what its part of the public profile shows.

A provider is a callable ``(session, entity, today) -> ProfileSection | None`` (None: nothing to show for this
entity). The portal profile page, the printable profile and ``GET /api/v1/subjects/{code}`` all render the same
sections, so the API returns exactly what the portal shows. A domain registers its provider at import time::

    from xinyong.portal.sections import ProfileSection, register_section

    @register_section(order=30)
    def grade_section(session, entity, today):
        grade = evaluation_service.public_grade(session, entity_id=entity.id, on=today)
        if grade is None:
            return None
        return ProfileSection(key="grade", title="公共信用综合评价", data={"grade": grade.code, ...},
                              template="evaluation/profile_section.html")

and makes sure the module is imported (``xinyong.portal.sections.SECTION_MODULES``). ``data`` must be JSON
values only and hold nothing that is not public (it goes into the public API as is). Without a template the
section is drawn by ``portal/section_generic.html`` from ``data["rows"]`` (a list of {label: value} dicts) and
``data["note"]``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from xinyong.subjects.models import Entity

GENERIC_TEMPLATE = "portal/section_generic.html"


@dataclass
class ProfileSection:
    """One block of the public credit profile."""

    key: str
    title: str
    data: dict[str, Any]
    template: str = GENERIC_TEMPLATE
    order: int = 100
    summary: str | None = None  # one line for the profile's overview strip (e.g. "信用等级：A")
    extra: dict[str, Any] = field(default_factory=dict)  # template-only context (never serialised to the API)


SectionProvider = Callable[[Session, Entity, date], ProfileSection | None]


@dataclass(frozen=True)
class _Registered:
    order: int
    key: str
    provider: SectionProvider


_PROVIDERS: list[_Registered] = []

# Modules imported before the profile is built, so that their providers are registered. Domains built later
# append their module path here (or import it from their own package's __init__).
SECTION_MODULES: list[str] = ["xinyong.portal.builtin_sections", "xinyong.commitments.sections"]


def register_section(*, order: int = 100, key: str | None = None) -> Callable[[SectionProvider], SectionProvider]:
    """Decorator: add a provider of profile sections (lower ``order`` first; re-registering a key replaces it)."""

    def wrap(provider: SectionProvider) -> SectionProvider:
        name = key or f"{provider.__module__}.{provider.__qualname__}"
        _PROVIDERS[:] = [p for p in _PROVIDERS if p.key != name]
        _PROVIDERS.append(_Registered(order, name, provider))
        _PROVIDERS.sort(key=lambda p: (p.order, p.key))
        return provider

    return wrap


def unregister_section(key: str) -> None:
    """Remove a provider (tests)."""
    _PROVIDERS[:] = [p for p in _PROVIDERS if p.key != key]


def _import_modules() -> None:
    for module in SECTION_MODULES:
        importlib.import_module(module)


def build_sections(session: Session, entity: Entity, today: date) -> list[ProfileSection]:
    """Every registered section for the entity, in order (providers returning None are left out)."""
    _import_modules()
    session.info.pop("portal_records", None)  # the per-build cache shared by the built-in sections
    out: list[ProfileSection] = []
    for registered in list(_PROVIDERS):
        section = registered.provider(session, entity, today)
        if section is not None:
            section.order = registered.order
            out.append(section)
    return out
