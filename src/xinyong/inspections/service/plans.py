"""Inspection plans: creation (every field error at once), lookup and access."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import NotFound, PermissionDenied
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import text_value as _text
from xinyong.core.policy import ALL_DEPARTMENTS, Departments, scope_of
from xinyong.inspections.models import (
    InspectionItem,
    InspectionPlan,
)
from xinyong.inspections.service._common import _department, _list
from xinyong.inspections.service.rules import GRADES, InspectionRules, load_rules
from xinyong.subjects.models import Department, Domain

PLAN_FIELDS = {
    "code": "计划编号",
    "name": "计划名称",
    "departments": "参与部门",
    "items": "抽查事项",
    "base_ratio": "基础抽查比例",
    "multipliers": "各等级抽查倍数",
    "min_interval_days": "同一主体最短抽查间隔（天）",
    "inspectors_per_task": "每户检查人员数",
    "seed_sources": "随机源",
    "period_start": "计划开始日期",
    "period_end": "计划结束日期",
    "regions": "区划",
    "industries": "行业门类",
    "domain": "监管领域",
    "statuses": "登记状态",
    "grades": "信用等级",
    "include_lists": "仅限名单内主体",
    "exclude_lists": "排除名单内主体",
    "min_registered_months": "成立满（月）",
}


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _parse_date(values: Mapping[str, Any], key: str, errors: _Errors) -> date | None:
    text = _text(values, key)
    if not text:
        errors.add(key, "必填项缺失")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.add(key, f"“{text}”不是YYYY-MM-DD格式的有效日期")
        return None


def create_plan(session: Session, *, values: Mapping[str, Any], actor: Actor) -> InspectionPlan:
    """Create a plan (one department, or a joint plan of several); every field error at once."""
    rules = load_rules()
    errors = _Errors(PLAN_FIELDS)
    code = _text(values, "code").upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,39}", code):
        errors.add("code", "必填，2至40位大写字母、数字或连字符")
    elif session.execute(select(InspectionPlan.id).where(InspectionPlan.code == code)).first():
        errors.add("code", f"计划编号{code}已存在")
    name = _text(values, "name")
    if not name:
        errors.add("name", "必填项缺失")
    departments = _plan_departments(session, values, errors)
    dept_ids = [d.id for d in departments]
    items = _plan_items(session, values, errors, departments)
    ratio = _decimal(values.get("base_ratio") or rules.default_base_ratio)
    if ratio is None or not Decimal(0) < ratio <= Decimal(1):
        errors.add("base_ratio", "应为大于0且不超过1的小数（如0.05表示5%）")
    multipliers = _plan_multipliers(values, rules, errors)
    interval = _int(values, "min_interval_days", errors, default=rules.default_min_interval_days, minimum=0)
    per_task = _int(
        values,
        "inspectors_per_task",
        errors,
        default=rules.min_inspectors_per_task,
        minimum=rules.min_inspectors_per_task,
    )
    seeds = _seed_sources(values)
    if not seeds:
        errors.add("seed_sources", "至少公布一个抽取前尚不可知的公开随机源（如某期彩票开奖号码）")
    start = _parse_date(values, "period_start", errors)
    end = _parse_date(values, "period_end", errors)
    if start and end and end < start:
        errors.add("period_end", "不能早于开始日期")
    library_filter = _library_filter(session, values, errors)
    errors.raise_if_any("抽查计划未保存")
    assert ratio is not None and start and end and interval is not None and per_task is not None
    plan = InspectionPlan(
        code=code,
        name=name,
        lead_department_id=dept_ids[0],
        department_ids=dept_ids,
        item_ids=[i.id for i in items],
        library_filter=library_filter,
        base_ratio=str(ratio),
        multipliers=multipliers,
        min_interval_days=interval,
        inspectors_per_task=per_task,
        seed_sources=seeds,
        seed_values=None,
        rules_version=rules.version,
        status="draft",
        pool_version=0,
        period_start=start,
        period_end=end,
        created_at=get_clock().now(),
    )
    session.add(plan)
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_plan.create",
        object_type="inspection_plan",
        object_id=plan.id,
        detail={"code": code, "departments": [d.code for d in departments], "joint": len(departments) > 1},
    )
    return plan


def _plan_departments(session: Session, values: Mapping[str, Any], errors: _Errors) -> list[Department]:
    departments: list[Department] = []
    for dept_code in _list(values.get("departments")):
        dept = _department(session, dept_code)
        if dept is None:
            errors.add("departments", f"部门“{dept_code}”不存在")
        elif dept not in departments:
            departments.append(dept)
    if not departments and not any(e["field"] == "departments" for e in errors.items):
        errors.add("departments", "至少选择一个部门")
    return departments


def _plan_items(
    session: Session, values: Mapping[str, Any], errors: _Errors, departments: Sequence[Department]
) -> list[InspectionItem]:
    dept_ids = [d.id for d in departments]
    items: list[InspectionItem] = []
    for item_code in _list(values.get("items")):
        item = session.execute(
            select(InspectionItem).where(InspectionItem.code == item_code.upper())
        ).scalar_one_or_none()
        if item is None or not item.is_active:
            errors.add("items", f"抽查事项“{item_code}”不存在或已停用")
        elif item.department_id not in dept_ids:
            errors.add("items", f"抽查事项“{item.code}”不属于参与部门")
        else:
            items.append(item)
    if not items and not any(e["field"] == "items" for e in errors.items):
        errors.add("items", "至少选择一个抽查事项")
    for dept in departments:
        if items and not any(i.department_id == dept.id for i in items):
            errors.add("items", f"参与部门“{dept.short_name}”没有选择抽查事项")
    return items


def _plan_multipliers(values: Mapping[str, Any], rules: InspectionRules, errors: _Errors) -> dict[str, str]:
    multipliers: dict[str, str] = {}
    given = values.get("multipliers") or {}
    for grade in GRADES:
        raw = given.get(grade) if isinstance(given, Mapping) else None
        number = _decimal(raw if raw not in (None, "") else rules.grade_multipliers[grade])
        if number is None or number < 0:
            errors.add("multipliers", f"{grade}级的抽查倍数应为不小于0的数字")
        else:
            multipliers[grade] = str(number)
    return multipliers


def _seed_sources(values: Mapping[str, Any]) -> list[str]:
    return (
        [s.strip() for s in (values.get("seed_sources") or []) if s and s.strip()]
        if not isinstance(values.get("seed_sources"), str)
        else [s.strip() for s in str(values["seed_sources"]).splitlines() if s.strip()]
    )


def _int(values: Mapping[str, Any], key: str, errors: _Errors, *, default: int, minimum: int) -> int | None:
    text = _text(values, key)
    if not text:
        return default
    try:
        number = int(text)
    except ValueError:
        errors.add(key, "应为整数")
        return None
    if number < minimum:
        errors.add(key, f"不能小于{minimum}")
        return None
    return number


def _library_filter(session: Session, values: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    rules = load_rules()
    out: dict[str, Any] = {}
    regions = _list(values.get("regions"))
    for r in regions:
        if not re.fullmatch(r"\d{2,6}", r):
            errors.add("regions", f"“{r}”不是行政区划代码（或其前缀）")
    out["regions"] = regions
    industries = [i.upper() for i in _list(values.get("industries"))]
    for i in industries:
        if not re.fullmatch(r"[A-T][0-9]{0,3}", i):
            errors.add("industries", f"“{i}”不是国民经济行业分类门类或代码")
    out["industries"] = industries
    domain = _text(values, "domain") or None
    if domain and session.get(Domain, domain) is None:
        errors.add("domain", f"监管领域“{domain}”不存在")
    out["domain"] = domain
    statuses = _list(values.get("statuses")) or list(rules.eligible_statuses)
    out["statuses"] = statuses
    grades = [g.upper() for g in _list(values.get("grades"))] or list(GRADES)
    for g in grades:
        if g not in GRADES:
            errors.add("grades", f"“{g}”不是信用等级（A、B、C、D）")
    out["grades"] = grades
    for key in ("include_lists", "exclude_lists"):
        lists = _list(values.get(key))
        for name in lists:
            if name not in rules.list_items:
                errors.add(key, f"“{name}”不是名单（可选：{'、'.join(rules.list_items)}）")
        out[key] = lists
    months = _text(values, "min_registered_months")
    if months:
        try:
            out["min_registered_months"] = int(months)
        except ValueError:
            errors.add("min_registered_months", "应为整数")
    else:
        out["min_registered_months"] = None
    return out


def get_plan(session: Session, plan_id: int) -> InspectionPlan:
    """A plan by id."""
    plan = session.get(InspectionPlan, plan_id)
    if plan is None:
        raise NotFound("抽查计划不存在。")
    return plan


def plan_by_code(session: Session, code: str) -> InspectionPlan:
    """A plan by its code."""
    plan = session.execute(select(InspectionPlan).where(InspectionPlan.code == code)).scalar_one_or_none()
    if plan is None:
        raise NotFound(f"抽查计划{code}不存在。")
    return plan


def list_plans(
    session: Session, *, department_id: Departments = ALL_DEPARTMENTS, public_only: bool = False
) -> list[InspectionPlan]:
    """Plans, newest first; a department sees those it takes part in (None: no department, nothing)."""
    stmt = select(InspectionPlan).options(selectinload(InspectionPlan.lead_department))
    if public_only:
        stmt = stmt.where(InspectionPlan.status != "draft")
    plans = list(session.execute(stmt.order_by(InspectionPlan.id.desc())).scalars())
    scope = scope_of(department_id)
    if not scope.every:
        plans = [p for p in plans if any(scope.allows(d) for d in p.department_ids)]
    return plans


def check_plan_access(plan: InspectionPlan, *, department_id: int | None, oversee: bool) -> None:
    """Only a participating department (or the credit office) may act on a plan."""
    if not oversee and department_id not in plan.department_ids:
        raise PermissionDenied("本部门未参与该抽查计划。")
