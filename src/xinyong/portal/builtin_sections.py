"""The portal's own profile sections: records in publicity grouped by catalogue category, and honours."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from xinyong.portal.sections import ProfileSection, register_section
from xinyong.subjects.models import Entity

HONOUR_CATEGORIES = ("cxry",)  # 诚实守信相关荣誉信息
HONOUR_ITEMS = ("reward",)  # 行政奖励 is positive information too


def _records(session: Session, entity: Entity, today: date) -> list:  # type: ignore[type-arg]
    from xinyong.portal import service

    cache = session.info.setdefault("portal_records", {})
    key = (entity.id, today)
    if key not in cache:
        cache[key] = service.entity_records(session, entity, today)
    return cache[key]  # type: ignore[no-any-return]


def _is_honour(record: object) -> bool:
    return getattr(record, "category_code", "") in HONOUR_CATEGORIES or getattr(record, "item_code", "") in HONOUR_ITEMS


@register_section(order=20, key="records")
def records_section(session: Session, entity: Entity, today: date) -> ProfileSection:
    """Records in publicity, grouped by catalogue category (honours have their own section)."""
    records = [r for r in _records(session, entity, today) if not _is_honour(r)]
    groups: dict[str, dict[str, object]] = {}
    for r in records:
        group = groups.setdefault(
            r.category_code, {"category": r.category_code, "name": r.category_name, "records": []}
        )
        group["records"].append(r.to_json())  # type: ignore[attr-defined]
    negatives = sum(1 for r in records if r.nature == "negative")
    return ProfileSection(
        key="records",
        title="公示中的信用信息",
        data={"count": len(records), "groups": list(groups.values())},
        template="portal/section_records.html",
        summary=f"公示中的信用信息{len(records)}条" + (f"（其中失信信息{negatives}条）" if negatives else ""),
    )


@register_section(order=25, key="honours")
def honours_section(session: Session, entity: Entity, today: date) -> ProfileSection:
    """Honours, red-list entries and administrative rewards in publicity."""
    honours = [r.to_json() for r in _records(session, entity, today) if _is_honour(r)]
    return ProfileSection(
        key="honours",
        title="诚信荣誉与表彰",
        data={"count": len(honours), "records": honours},
        template="portal/section_honours.html",
        summary=f"诚信荣誉{len(honours)}项" if honours else None,
    )
