"""The commitments module's part of the public credit profile: information the entity registered itself (T11)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from xinyong.commitments import service
from xinyong.portal.sections import ProfileSection, register_section
from xinyong.subjects.models import Entity


@register_section(order=40, key="voluntary")
def voluntary_section(session: Session, entity: Entity, today: date) -> ProfileSection | None:
    """Voluntarily registered information, each item labelled verified or 自愿注册（未经核验）."""
    items = service.declared_items(session, entity_id=entity.id)
    if not items:
        return None
    rows = [
        {
            "类别": item.kind,
            "名称": item.title,
            "内容": item.content,
            "有效期": " 至 ".join(d.isoformat() for d in (item.valid_from, item.valid_until) if d) or "—",
            "登记日期": item.registered_on.isoformat(),
            "核验状态": item.label,
        }
        for item in items
    ]
    unverified = sum(1 for item in items if not item.verified)
    return ProfileSection(
        key="voluntary",
        title="自愿注册信息",
        data={
            "rows": rows,
            "note": "以下信息由市场主体自愿注册并承诺真实；标注“未经核验”的信息尚未经有关部门核验，仅供参考。",
        },
        summary=f"自愿注册信息{len(items)}项" + (f"（{unverified}项未经核验）" if unverified else ""),
    )
