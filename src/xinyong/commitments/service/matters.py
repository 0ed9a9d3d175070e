"""Commitment matters (T1): the approval matters a department handles by notification and commitment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from xinyong.commitments.models import CommitmentMatter
from xinyong.commitments.service.fields import as_list, department_value, flag, int_value
from xinyong.commitments.service.rules import load_rules
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import NotFound, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import text_value as _text
from xinyong.education import service as education_service
from xinyong.subjects.models import Department

MATTER_FIELDS = {
    "code": "事项编码",
    "name": "事项名称",
    "department": "实施部门",
    "matter_kind": "事项类别",
    "commitment_type": "承诺类型",
    "standard_text": "标准承诺书内容",
    "breach_liability": "违诺责任",
    "verification_working_days": "核查时限（工作日）",
    "excluded_grades": "不适用的信用等级",
    "excluded_lists": "不适用的名单",
    "breach_ban_months": "违诺后暂停适用承诺制（月）",
    "required_course": "须完成的诚信教育课程",
}


@dataclass(frozen=True)
class _MatterValues:
    """A matter's checked values, ready to be written."""

    code: str
    name: str
    department: Department
    kind: str
    ctype: str
    standard_text: str
    liability: str
    days: int
    grades: list[str]
    lists: list[str]
    ban: int | None
    course_code: str | None


def _matter_values(session: Session, values: dict[str, Any], *, matter_id: int | None) -> _MatterValues:
    """Check a matter's submitted values; every field error is raised at once."""
    rules = load_rules()
    errors = _Errors(MATTER_FIELDS)
    code = _text(values, "code").upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,39}", code):
        errors.add("code", "必填，2至40位大写字母、数字或连字符")
    elif matter_id is None and matter_by_code(session, code) is not None:
        errors.add("code", f"事项编码{code}已存在")
    name = _text(values, "name")
    if not name:
        errors.add("name", "必填项缺失")
    department = department_value(session, values, "department", errors)
    kind = _text(values, "matter_kind")
    if kind not in rules.matter_kinds:
        errors.add("matter_kind", f"应为：{'、'.join(f'{k}（{v}）' for k, v in rules.matter_kinds.items())}")
    ctype = _text(values, "commitment_type")
    if ctype not in rules.commitment_types:
        errors.add("commitment_type", f"应为：{'、'.join(rules.commitment_types)}")
    standard_text = _text(values, "standard_text")
    if not standard_text:
        errors.add("standard_text", "必填项缺失")
    liability = _text(values, "breach_liability")
    if not liability:
        errors.add("breach_liability", "必填项缺失")
    days = int_value(values, "verification_working_days", errors, default=rules.default_verification_working_days)
    if days is not None and not 1 <= days <= 250:
        errors.add("verification_working_days", "应为1至250之间的整数")
    grades = as_list(values.get("excluded_grades"))
    unknown = [g for g in grades if g not in rules.grades]
    if unknown:
        errors.add("excluded_grades", f"信用等级{'、'.join(unknown)}不存在，可选：{'、'.join(rules.grades)}")
    lists = as_list(values.get("excluded_lists"))
    unknown = [x for x in lists if x not in rules.list_items]
    if unknown:
        known = "、".join(f"{k}（{v}）" for k, v in rules.list_items.items())
        errors.add("excluded_lists", f"名单{'、'.join(unknown)}不存在，可选：{known}")
    ban = int_value(values, "breach_ban_months", errors, default=None)
    if ban is not None and not 1 <= ban <= 60:
        errors.add("breach_ban_months", "应为1至60之间的整数，不暂停的留空")
    course_code = _text(values, "required_course") or None
    if course_code:
        try:
            education_service.course(course_code)
        except ValidationFailed as exc:
            errors.add("required_course", exc.message)
    errors.raise_if_any("承诺事项信息有误，未保存")
    assert department is not None and days is not None
    return _MatterValues(
        code=code,
        name=name,
        department=department,
        kind=kind,
        ctype=ctype,
        standard_text=standard_text,
        liability=liability,
        days=days,
        grades=grades,
        lists=lists,
        ban=ban,
        course_code=course_code,
    )


def save_matter(
    session: Session, *, values: dict[str, Any], actor: Actor, matter_id: int | None = None
) -> CommitmentMatter:
    """Create or update a commitment matter; every field error is reported at once and nothing is saved."""
    checked = _matter_values(session, values, matter_id=matter_id)
    now = get_clock().now()
    if matter_id is None:
        matter = CommitmentMatter(code=checked.code, created_at=now, is_system=bool(values.get("is_system")))
        session.add(matter)
    else:
        found = session.get(CommitmentMatter, matter_id)
        if found is None:
            raise NotFound(f"承诺事项{matter_id}不存在。")
        matter = found
    matter.name = checked.name
    matter.department_id = checked.department.id
    matter.matter_kind = checked.kind
    matter.commitment_type = checked.ctype
    matter.standard_text = checked.standard_text
    matter.breach_liability = checked.liability
    matter.verification_working_days = checked.days
    matter.excluded_grades = checked.grades
    matter.excluded_lists = checked.lists
    matter.online_signing = flag(values.get("online_signing"))
    matter.breach_ban_months = checked.ban
    matter.breach_key_attention = flag(values.get("breach_key_attention"))
    matter.required_course = checked.course_code
    matter.legal_basis = _text(values, "legal_basis") or None
    matter.is_active = flag(values.get("is_active", True))
    matter.updated_at = now
    session.flush()
    audit(
        session,
        actor=actor,
        action="commitment.matter.create" if matter_id is None else "commitment.matter.update",
        object_type="commitment_matter",
        object_id=matter.id,
        detail={
            "code": matter.code,
            "department": checked.department.code,
            "type": checked.ctype,
            "active": matter.is_active,
        },
    )
    return matter


def list_matters(
    session: Session, *, department_id: int | None = None, active_only: bool = False, include_system: bool = True
) -> list[CommitmentMatter]:
    """Commitment matters by department order and code."""
    stmt = (
        select(CommitmentMatter)
        .options(selectinload(CommitmentMatter.department))
        .join(Department, Department.id == CommitmentMatter.department_id)
        .order_by(Department.sort_order, CommitmentMatter.code)
    )
    if department_id is not None:
        stmt = stmt.where(CommitmentMatter.department_id == department_id)
    if active_only:
        stmt = stmt.where(CommitmentMatter.is_active.is_(True))
    if not include_system:
        stmt = stmt.where(CommitmentMatter.is_system.is_(False))
    return list(session.execute(stmt).scalars())


def get_matter(session: Session, matter_id: int) -> CommitmentMatter:
    """A matter by id."""
    matter = session.get(CommitmentMatter, matter_id)
    if matter is None:
        raise NotFound(f"承诺事项{matter_id}不存在。")
    return matter


def matter_by_code(session: Session, code: str) -> CommitmentMatter | None:
    """A matter by code, or None."""
    stmt = select(CommitmentMatter).where(CommitmentMatter.code == code.strip().upper())
    return session.execute(stmt).scalar_one_or_none()


def matter_public(matter: CommitmentMatter) -> dict[str, Any]:
    """What the public sees of a matter."""
    rules = load_rules()
    return {
        "code": matter.code,
        "name": matter.name,
        "department": matter.department.name,
        "matter_kind": rules.matter_kinds.get(matter.matter_kind, matter.matter_kind),
        "commitment_type": matter.commitment_type,
        "standard_text": matter.standard_text,
        "breach_liability": matter.breach_liability,
        "verification_working_days": matter.verification_working_days,
        "excluded_grades": [f"{g}（{rules.grades[g]}）" for g in matter.excluded_grades if g in rules.grades],
        "excluded_lists": [rules.list_items.get(x, x) for x in matter.excluded_lists],
        "online_signing": matter.online_signing,
        "required_course": course_name(matter.required_course),
        "breach_measures": breach_measures(matter),
        "legal_basis": matter.legal_basis,
    }


def course_name(code: str | None) -> str | None:
    """The education course's name for its code (the code itself when unknown)."""
    if not code:
        return None
    try:
        return education_service.course(code).name
    except ValidationFailed:
        return code


def breach_measures(matter: CommitmentMatter) -> list[str]:
    """The measures a breach of this matter's commitments triggers, in Chinese."""
    measures = ["记入承诺人信用记录（违背信用承诺信息）"]
    if matter.breach_ban_months:
        measures.append(f"{matter.breach_ban_months}个月内不再适用告知承诺制办理")
    if matter.breach_key_attention:
        measures.append("提请列入重点关注对象名单")
    if matter.commitment_type == load_rules().repair_type:
        measures.append("已修复的失信信息恢复公示至最长公示期")
    return measures
