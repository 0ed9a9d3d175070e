"""The public credit profile's section of market and industry bans in force (T23)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from xinyong.lists import service
from xinyong.lists.rules import load_rules
from xinyong.portal.sections import ProfileSection, register_section
from xinyong.subjects.models import Entity


@register_section(order=28, key="bans")
def bans_section(session: Session, entity: Entity, today: date) -> ProfileSection | None:
    """Bans in force on the entity (decisions on persons are not shown on the public profile)."""
    bans = service.active_bans(session, entity_id=entity.id, on=today)
    if not bans:
        return None
    rules = load_rules()
    rows = [
        {
            "禁入范围": f"{rules.ban_scopes.get(b.scope, b.scope)}（{rules.ban_domains.get(b.domain, b.domain)}）",
            "禁入内容": b.content,
            "作出依据": f"{b.basis}（{b.document_number}）",
            "作出部门": b.department.name,
            "禁入期限": f"{b.starts_on.isoformat()}至{b.ends_on.isoformat() if b.ends_on else '终身'}",
        }
        for b in bans
    ]
    return ProfileSection(
        key="bans",
        title="市场和行业禁入",
        data={"rows": rows, "note": "以下禁入措施依据人民法院裁判或行政决定作出，禁入期内有效。"},
        summary=f"禁入措施{len(rows)}项",
    )
