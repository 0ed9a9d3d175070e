"""The inspector library (执法检查人员名录库) and declared conflicts of interest."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import NotFound, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import text_value as _text
from xinyong.inspections.models import (
    Inspector,
    InspectorConflict,
)
from xinyong.inspections.service._common import _department, _list
from xinyong.inspections.service.rules import load_rules
from xinyong.subjects.models import Domain, Entity

INSPECTOR_FIELDS = {
    "code": "执法证号",
    "name": "姓名",
    "department": "所属部门",
    "qualifications": "执法资格（监管领域）",
    "region_code": "所在区划",
    "username": "登录账号",
}


def save_inspector(session: Session, *, values: Mapping[str, Any], actor: Actor) -> Inspector:
    """Add a person to the inspector library."""
    from xinyong.accounts.models import User

    errors = _Errors(INSPECTOR_FIELDS)
    code = _text(values, "code")
    if not re.fullmatch(r"[0-9A-Za-z-]{4,40}", code):
        errors.add("code", "必填，4至40位字母、数字或连字符")
    elif session.execute(select(Inspector.id).where(Inspector.code == code)).first():
        errors.add("code", f"执法证号{code}已在名录库中")
    name = _text(values, "name")
    if not name:
        errors.add("name", "必填项缺失")
    department = _department(session, _text(values, "department"))
    if department is None:
        errors.add("department", "部门不存在")
    quals = _list(values.get("qualifications"))
    if not quals:
        errors.add("qualifications", "至少填写一个监管领域")
    for q in quals:
        if session.get(Domain, q) is None:
            errors.add("qualifications", f"监管领域“{q}”不存在")
    region = _text(values, "region_code") or "230382"
    if not re.fullmatch(r"\d{6}", region):
        errors.add("region_code", "应为6位行政区划代码")
    user_id = None
    if username := _text(values, "username"):
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            errors.add("username", f"账号“{username}”不存在")
        else:
            user_id = user.id
    errors.raise_if_any("检查人员未保存")
    assert department is not None
    inspector = Inspector(
        code=code,
        name=name,
        department_id=department.id,
        qualifications=quals,
        region_code=region,
        is_active=True,
        user_id=user_id,
        created_at=get_clock().now(),
    )
    session.add(inspector)
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspector.create",
        object_type="inspector",
        object_id=inspector.id,
        detail={"code": code, "department": department.code},
    )
    return inspector


def set_inspector_active(session: Session, *, inspector_id: int, active: bool, actor: Actor) -> Inspector:
    """Take an inspector out of the library (or back in): inactive people are never drawn."""
    inspector = session.get(Inspector, inspector_id)
    if inspector is None:
        raise NotFound("检查人员不存在。")
    inspector.is_active = active
    audit(
        session,
        actor=actor,
        action="inspector.activate" if active else "inspector.deactivate",
        object_type="inspector",
        object_id=inspector.id,
    )
    return inspector


def declare_conflict(
    session: Session, *, inspector_id: int, entity_id: int, kind: str, note: str | None, actor: Actor
) -> InspectorConflict:
    """Record a conflict of interest (declared relation, own licensing of the entity): avoided in every draw."""
    rules = load_rules()
    if kind not in ("declared", "licensing"):
        raise ValidationFailed(
            f"回避类型（kind）：应为 declared（{rules.avoidance_kinds['declared']}）"
            f"或 licensing（{rules.avoidance_kinds['licensing']}）"
        )
    if session.get(Inspector, inspector_id) is None:
        raise NotFound("检查人员不存在。")
    if session.get(Entity, entity_id) is None:
        raise NotFound("市场主体不存在。")
    found = session.execute(
        select(InspectorConflict).where(
            InspectorConflict.inspector_id == inspector_id,
            InspectorConflict.entity_id == entity_id,
            InspectorConflict.kind == kind,
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    conflict = InspectorConflict(
        inspector_id=inspector_id, entity_id=entity_id, kind=kind, note=note, declared_on=get_clock().today()
    )
    session.add(conflict)
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspector.conflict",
        object_type="inspector",
        object_id=inspector_id,
        detail={"entity_id": entity_id, "kind": kind},
    )
    return conflict


def list_inspectors(session: Session, *, department_ids: Sequence[int] | None = None) -> list[Inspector]:
    """The inspector library, by department and code."""
    stmt = select(Inspector).options(selectinload(Inspector.department))
    if department_ids is not None:
        stmt = stmt.where(Inspector.department_id.in_(department_ids))
    return list(session.execute(stmt.order_by(Inspector.department_id, Inspector.code)).scalars())
