"""Catalogue logic: load versioned catalogue files, find the item in force on a date, describe items."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from xinyong.catalog.models import CatalogCategory, CatalogItem, CatalogVersion
from xinyong.catalog.schemas import CatalogueDoc, ItemSpec
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.datafiles import json_content, validated
from xinyong.core.errors import Conflict, NotFound, ValidationFailed
from xinyong.subjects.models import Department

SHIPPED = ("catalogue-2026.1.json", "catalogue-2026.2.json")


def parse_catalogue(content: bytes) -> CatalogueDoc:
    """Parse and check a catalogue file; every problem is reported in Chinese with its location."""
    return validated(json_content(content, "目录"), CatalogueDoc, "目录")


def load_catalogue(session: Session, content: bytes, *, actor: Actor) -> tuple[CatalogVersion, bool]:
    """Store a catalogue version (versions are immutable); returns the version and whether it was new."""
    doc = parse_catalogue(content)
    sha = hashlib.sha256(json.dumps(doc.model_dump(mode="json", by_alias=True), sort_keys=True).encode()).hexdigest()
    existing = session.execute(select(CatalogVersion).where(CatalogVersion.version == doc.version)).scalar_one_or_none()
    if existing is not None:
        if existing.content_sha256 != sha:
            raise Conflict(f"目录版本{doc.version}已存在且内容不同。已发布的版本不可修改，请使用新的版本号。")
        return existing, False
    dept_codes = set(session.execute(select(Department.code)).scalars())
    for item in doc.items:
        unknown = [c for c in item.source_departments if c != "*" and c not in dept_codes]
        if unknown:
            raise ValidationFailed(f"目录项{item.code}的来源部门代码不存在：{'、'.join(unknown)}。")
    version = CatalogVersion(
        version=doc.version,
        title=doc.title,
        effective_from=doc.effective_from,
        basis=doc.basis,
        notes=doc.notes,
        content_sha256=sha,
        loaded_at=get_clock().now(),
    )
    session.add(version)
    session.flush()
    for i, cat in enumerate(doc.categories):
        session.add(CatalogCategory(version_id=version.id, code=cat.code, name=cat.name, sort_order=i))
    for i, item in enumerate(doc.items):
        data = item.model_dump(mode="json", by_alias=True, exclude_defaults=False)
        session.add(
            CatalogItem(
                version_id=version.id,
                code=item.code,
                name=item.name,
                category_code=item.category,
                nature=item.nature,
                openness=item.openness,
                subject_kinds=list(item.subject_kinds),
                source_departments=item.source_departments,
                publicity_rule=item.publicity_rule,
                deadline_working_days=item.deadline_working_days,
                standard=item.standard,
                roles=item.roles,
                fields=data["fields"],
                sort_order=i,
            )
        )
    session.flush()
    audit(
        session,
        actor=actor,
        action="catalog.load",
        object_type="catalog_version",
        object_id=version.id,
        detail={
            "version": doc.version,
            "effective_from": doc.effective_from.isoformat(),
            "items": len(doc.items),
            "sha256": sha,
        },
    )
    return version, True


def load_shipped(session: Session, *, actor: Actor) -> list[str]:
    """Load the catalogue versions shipped with the platform that are not loaded yet."""
    added = []
    for name in SHIPPED:
        content = resources.files("xinyong.catalog").joinpath("data", name).read_bytes()
        version, new = load_catalogue(session, content, actor=actor)
        if new:
            added.append(version.version)
    return added


def version_on(session: Session, on: date) -> CatalogVersion:
    """The catalogue version in force on a date."""
    version = session.execute(
        select(CatalogVersion)
        .where(CatalogVersion.effective_from <= on)
        .order_by(CatalogVersion.effective_from.desc(), CatalogVersion.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(f"{on.isoformat()}没有生效的信用信息目录版本。")
    return version


def list_versions(session: Session) -> list[CatalogVersion]:
    """Every catalogue version, newest first."""
    return list(session.execute(select(CatalogVersion).order_by(CatalogVersion.effective_from.desc())).scalars())


def items_of(session: Session, version: CatalogVersion) -> list[CatalogItem]:
    """The items of a version, in catalogue order."""
    stmt = select(CatalogItem).where(CatalogItem.version_id == version.id).order_by(CatalogItem.sort_order)
    return list(session.execute(stmt).scalars())


def item_for(session: Session, code: str, *, on: date | None = None) -> tuple[CatalogItem, ItemSpec]:
    """The catalogue item with this code in force on a date (today by default), with its typed spec.

    Anything that is not a catalogue item cannot enter a credit record: an unknown code is refused here.
    """
    day = on or get_clock().today()
    version = version_on(session, day)
    row = session.execute(
        select(CatalogItem).where(CatalogItem.version_id == version.id, CatalogItem.code == code)
    ).scalar_one_or_none()
    if row is None:
        codes = "、".join(i.code for i in items_of(session, version))
        raise ValidationFailed(
            f"信息类别“{code}”不在信用信息目录（{version.version}版）中，不能归集。可用类别：{codes}。"
        )
    return row, spec_of(row)


def spec_of(row: CatalogItem) -> ItemSpec:
    """The typed spec of a stored item (cached per item row)."""
    return _spec(row.id, json.dumps(_item_dict(row), sort_keys=True))


def _item_dict(row: CatalogItem) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "category": row.category_code,
        "nature": row.nature,
        "openness": row.openness,
        "subject_kinds": row.subject_kinds,
        "source_departments": row.source_departments,
        "publicity_rule": row.publicity_rule,
        "deadline_working_days": row.deadline_working_days,
        "standard": row.standard,
        "roles": row.roles,
        "fields": row.fields,
    }


@lru_cache(maxsize=256)
def _spec(_item_id: int, payload: str) -> ItemSpec:
    return ItemSpec.model_validate(json.loads(payload))


def get_version(session: Session, version: str) -> CatalogVersion:
    """A catalogue version with its categories and items."""
    row = session.execute(
        select(CatalogVersion)
        .options(selectinload(CatalogVersion.categories), selectinload(CatalogVersion.items))
        .where(CatalogVersion.version == version)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"目录版本{version}不存在。")
    return row
