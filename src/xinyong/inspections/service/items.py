"""The item list (随机抽查事项清单)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import text_value as _text
from xinyong.inspections.models import (
    InspectionItem,
)
from xinyong.inspections.service._common import _department, _flag, _load
from xinyong.inspections.service.rules import ShippedItems, load_rules
from xinyong.subjects.models import Domain

ITEM_FIELDS = {
    "code": "事项编码",
    "department": "实施部门",
    "name": "抽查事项",
    "legal_basis": "法律依据",
    "method": "检查方式",
    "domain": "监管领域",
    "is_key": "重点检查事项",
}


def save_item(session: Session, *, values: Mapping[str, Any], actor: Actor) -> InspectionItem:
    """Add an item to a department's list; every field error at once, nothing saved on error."""
    rules = load_rules()
    errors = _Errors(ITEM_FIELDS)
    code = _text(values, "code").upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,39}", code):
        errors.add("code", "必填，2至40位大写字母、数字或连字符")
    elif session.execute(select(InspectionItem.id).where(InspectionItem.code == code)).first():
        errors.add("code", f"事项编码{code}已存在")
    department = _department(session, _text(values, "department"))
    if department is None:
        errors.add("department", "部门不存在")
    for key in ("name", "legal_basis"):
        if not _text(values, key):
            errors.add(key, "必填项缺失")
    method = _text(values, "method")
    if method not in rules.methods:
        errors.add("method", f"应为：{'、'.join(rules.methods)}")
    domain = _text(values, "domain") or None
    if domain and session.get(Domain, domain) is None:
        errors.add("domain", f"监管领域“{domain}”不存在")
    errors.raise_if_any("抽查事项未保存")
    assert department is not None
    item = InspectionItem(
        code=code,
        department_id=department.id,
        name=_text(values, "name"),
        legal_basis=_text(values, "legal_basis"),
        method=method,
        domain_code=domain,
        is_key=_flag(values.get("is_key")),
        is_active=True,
        created_at=get_clock().now(),
    )
    session.add(item)
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_item.create",
        object_type="inspection_item",
        object_id=item.id,
        detail={"code": code, "department": department.code},
    )
    return item


def load_shipped_items(session: Session, *, actor: Actor) -> int:
    """Load the shipped item list (items already present are kept as they are); returns how many were added."""
    shipped: ShippedItems = _load("inspection-items.json", ShippedItems, "随机抽查事项清单文件")
    existing = set(session.execute(select(InspectionItem.code)).scalars())
    added = 0
    for item in shipped.items:
        if item.code in existing:
            continue
        save_item(session, values={**item.model_dump(), "is_key": item.is_key}, actor=actor)
        added += 1
    return added


def list_items(session: Session, *, department_ids: Sequence[int] | None = None) -> list[InspectionItem]:
    """The item list, by department and code."""
    stmt = select(InspectionItem).options(selectinload(InspectionItem.department))
    if department_ids is not None:
        stmt = stmt.where(InspectionItem.department_id.in_(department_ids))
    return list(session.execute(stmt.order_by(InspectionItem.department_id, InspectionItem.code)).scalars())
