"""The public credit profile's section of industry-association information (T31), labelled as non-government."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from xinyong.associations import service
from xinyong.portal.sections import ProfileSection, register_section
from xinyong.subjects.models import Entity


@register_section(order=90, key="associations")
def association_section(session: Session, entity: Entity, today: date) -> ProfileSection | None:
    """Self-discipline commitments, trainings and measures recorded by associations, apart from the government
    record and labelled 行业协会信息（非政府部门认定）."""
    items = service.public_items(session, entity_id=entity.id, today=today)
    if not items:
        return None
    rules = service.load_rules()
    rows = [
        {
            "记录单位": a.name,
            "类别": rules.kinds.get(i.kind, i.kind),
            "措施": i.measure or "—",
            "事项": i.title,
            "内容": i.content,
            "日期": i.occurred_on.isoformat(),
            "信息性质": rules.label,
        }
        for a, i in items
    ]
    return ProfileSection(
        key="associations",
        title=rules.label,
        data={
            "rows": rows,
            "label": rules.label,
            "note": (
                f"以下信息由行业协会自行记录，属于{rules.label}，不是政府部门作出的认定，不计入公共信用记录和信用评价。"
            ),
        },
        summary=f"{rules.label}{len(rows)}条",
    )
