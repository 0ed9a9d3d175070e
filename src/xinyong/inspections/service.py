"""Random inspections (T16, with T9 and T14): the item list, the two libraries, plans, verifiable draws, results."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property, lru_cache
from importlib import resources
from operator import itemgetter
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import ARRAY, Integer, any_, bindparam, func, literal_column, select
from sqlalchemy.orm import Session, defer, selectinload

from xinyong.core import deadlines
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.datafiles import validation_problems
from xinyong.core.db import bind_value, raw_insert
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import text_value as _text
from xinyong.core.policy import ALL_DEPARTMENTS, Departments, scope_of
from xinyong.ingestion import service as ingestion_service
from xinyong.inspections import draw
from xinyong.inspections.models import (
    InspectionAssignment,
    InspectionAttachment,
    InspectionItem,
    InspectionPlan,
    InspectionPool,
    InspectionTask,
    Inspector,
    InspectorConflict,
)
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department, Domain, Entity

GRADES = ("A", "B", "C", "D")
INSPECTION_ITEM = "inspection"


# --------------------------------------------------------------------------------------------------
# Rules (reference data)
# --------------------------------------------------------------------------------------------------


class InspectionRules(BaseModel):
    """Ratios, intervals, result values and limits of random inspections (settings, versioned)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_from: date
    title: str
    source: str
    grade_multipliers: dict[str, str]
    grade_labels: dict[str, str]
    unknown_grade: str = Field(pattern=r"^[ABCD]$")
    default_base_ratio: str
    default_min_interval_days: int = Field(ge=0)
    min_inspectors_per_task: int = Field(ge=1)
    publish_working_days: int = Field(ge=1)
    eligible_statuses: list[str]
    results: list[str] = Field(min_length=1)
    methods: list[str]
    targeted_reasons: dict[str, str]
    list_items: dict[str, str]
    avoidance_kinds: dict[str, str]
    licensing_items: list[str] = Field(min_length=1)
    max_attachments: int = Field(ge=0)
    max_attachment_bytes: int = Field(ge=1)
    allowed_types: dict[str, str]
    domain_industries: dict[str, list[str]]


class ShippedItem(BaseModel):
    """One item of the shipped inspection item list."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    department: str
    name: str
    legal_basis: str
    method: str
    domain: str | None = None
    is_key: bool = False


class ShippedItems(BaseModel):
    """The shipped item list file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    effective_from: date
    title: str
    items: list[ShippedItem]


def _load(name: str, model: type[BaseModel], label: str) -> Any:
    raw = json.loads(resources.files("xinyong.inspections").joinpath("data", name).read_bytes())
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(raw, exc)
        raise ValidationFailed(f"{label}有误：" + "；".join(problems), details=problems) from None


@lru_cache(maxsize=1)
def load_rules() -> InspectionRules:
    """The shipped inspection rules, validated (Chinese errors naming the place)."""
    rules: InspectionRules = _load("inspection-rules.json", InspectionRules, "随机抽查规则文件")
    for grade in GRADES:
        if grade not in rules.grade_multipliers:
            raise ValidationFailed(f"随机抽查规则文件有误：grade_multipliers 缺少{grade}级的抽查倍数")
    return rules


# --------------------------------------------------------------------------------------------------
# Errors by field
# --------------------------------------------------------------------------------------------------


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,，、\s]+", value) if v]
    return [str(v).strip() for v in value if str(v).strip()]


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "on", "yes", "是")


def _department(session: Session, code: str) -> Department | None:
    return session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()


# --------------------------------------------------------------------------------------------------
# The item list (随机抽查事项清单)
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# The inspector library (执法检查人员名录库)
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Grades
# --------------------------------------------------------------------------------------------------


def subject_grades(session: Session, entity_ids: Iterable[int]) -> dict[int, str]:
    """Current overall credit grades (A–D, from the evaluation) of entities; an ungraded entity is missing.

    Callers give ungraded entities the rules' ``unknown_grade`` (B, normal supervision).
    """
    from xinyong.evaluation.models import EntityGrade

    ids = list(entity_ids)
    out: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        rows = session.execute(
            select(EntityGrade.entity_id, EntityGrade.overall_grade).where(EntityGrade.entity_id.in_(part))
        )
        out.update((entity_id, grade) for entity_id, grade in rows)
    return out


# --------------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------------

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
    departments: list[Department] = []
    for dept_code in _list(values.get("departments")):
        dept = _department(session, dept_code)
        if dept is None:
            errors.add("departments", f"部门“{dept_code}”不存在")
        elif dept not in departments:
            departments.append(dept)
    if not departments and not any(e["field"] == "departments" for e in errors.items):
        errors.add("departments", "至少选择一个部门")
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
    ratio = _decimal(values.get("base_ratio") or rules.default_base_ratio)
    if ratio is None or not Decimal(0) < ratio <= Decimal(1):
        errors.add("base_ratio", "应为大于0且不超过1的小数（如0.05表示5%）")
    multipliers: dict[str, str] = {}
    given = values.get("multipliers") or {}
    for grade in GRADES:
        raw = given.get(grade) if isinstance(given, Mapping) else None
        number = _decimal(raw if raw not in (None, "") else rules.grade_multipliers[grade])
        if number is None or number < 0:
            errors.add("multipliers", f"{grade}级的抽查倍数应为不小于0的数字")
        else:
            multipliers[grade] = str(number)
    interval = _int(values, "min_interval_days", errors, default=rules.default_min_interval_days, minimum=0)
    per_task = _int(
        values,
        "inspectors_per_task",
        errors,
        default=rules.min_inspectors_per_task,
        minimum=rules.min_inspectors_per_task,
    )
    seeds = (
        [s.strip() for s in (values.get("seed_sources") or []) if s and s.strip()]
        if not isinstance(values.get("seed_sources"), str)
        else [s.strip() for s in str(values["seed_sources"]).splitlines() if s.strip()]
    )
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


# --------------------------------------------------------------------------------------------------
# The entity library and its published pool (检查对象名录库)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stratum:
    """One grade's part of the library: pool lines and entity ids in published order, and the number to draw."""

    grade: str
    lines: list[str]
    entity_ids: list[int]
    count: int

    @cached_property
    def text(self) -> str:
        """The published pool file."""
        return draw.pool_text(self.lines)

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the published pool file."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def stratum_count(size: int, base_ratio: Decimal, multiplier: Decimal) -> int:
    """How many a grade stratum gives: size × base ratio × multiplier, rounded half up, at most the size."""
    wanted = (Decimal(size) * base_ratio * multiplier).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(size, int(wanted))


def pool_line(uscc: str, name: str) -> str:
    """One published pool line: the code and the name (white space runs as one space), separated by a tab."""
    return f"{uscc}\t{' '.join(name.split())}" if _SPACE.search(name) else f"{uscc}\t{name}"


_SPACE = re.compile(r"\s")


def library_rows(session: Session, plan: InspectionPlan, *, today: date) -> list[tuple[int, str, str, str | None]]:
    """The entities matching the plan's library filter, ordered by code: (id, code, name, current overall grade).

    Entities inspected at random within the plan's minimum interval are left out (no entity inspected again
    too soon); entities without a Unified Social Credit Code cannot be published in a pool and are left out too.
    The grade is None for an entity the evaluation has not graded yet. One query without ORDER BY (the table is
    read in storage order, then sorted here: a million-entity library costs a second, not an index walk).
    """
    from xinyong.evaluation.models import EntityGrade

    rules = load_rules()
    f = plan.library_filter
    stmt = (
        select(Entity.id, Entity.uscc, Entity.name, EntityGrade.overall_grade)
        .outerjoin(EntityGrade, EntityGrade.entity_id == Entity.id)
        .where(Entity.uscc.is_not(None))
    )
    if f.get("statuses"):
        stmt = stmt.where(Entity.status.in_(f["statuses"]))
    if f.get("regions"):
        stmt = stmt.where(_any_prefix(Entity.region_code, f["regions"]))
    industries = list(f.get("industries") or [])
    if f.get("domain"):
        domain_inds = rules.domain_industries.get(f["domain"], [])
        if domain_inds:
            industries = (
                [i for i in industries if any(i.startswith(d) for d in domain_inds)]
                if industries
                else list(domain_inds)
            )
            if not industries:
                return []
    if industries:
        stmt = stmt.where(_any_prefix(Entity.industry_code, industries))
    if f.get("min_registered_months"):
        months = int(f["min_registered_months"])
        stmt = stmt.where(Entity.registered_on <= _months_before(today, months))
    list_query = select(CreditRecord.entity_id).where(
        CreditRecord.is_current.is_(True), CreditRecord.status == states.VALID, CreditRecord.entity_id.is_not(None)
    )
    if f.get("include_lists"):
        stmt = stmt.where(Entity.id.in_(list_query.where(CreditRecord.item_code.in_(f["include_lists"]))))
    if f.get("exclude_lists"):
        stmt = stmt.where(Entity.id.not_in(list_query.where(CreditRecord.item_code.in_(f["exclude_lists"]))))
    if plan.min_interval_days:
        since = get_clock().now() - timedelta(days=plan.min_interval_days)
        recent = select(InspectionTask.entity_id).where(
            InspectionTask.kind == "random", InspectionTask.created_at >= since
        )
        stmt = stmt.where(Entity.id.not_in(recent))
    # Plain driver tuples: the four columns need no type processing, and a Row object per entity costs more
    # than SQLite's own work for it.
    result = session.connection().execute(stmt)
    rows: list[Any] = list(result.cursor.fetchall())
    result.close()
    rows.sort(key=itemgetter(1))
    return rows


def _any_prefix(column: Any, prefixes: Sequence[str]) -> Any:
    from sqlalchemy import or_

    return or_(*(column.like(f"{p}%") for p in prefixes))


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)


def build_strata(
    rows: Sequence[Sequence[Any]],
    grades: Mapping[int, str] | None,
    *,
    base_ratio: Decimal,
    multipliers: Mapping[str, str],
    allowed: Sequence[str] = GRADES,
) -> list[Stratum]:
    """Split library rows (id, code, name[, grade]) by grade and size each stratum's draw.

    ``grades`` overrides the rows' own grade column when given; an ungraded entity gets the rules' setting.
    """
    unknown = load_rules().unknown_grade
    by_grade: dict[str, tuple[list[str], list[int]]] = {g: ([], []) for g in GRADES}
    space = _SPACE.search
    for row in rows:
        entity_id, uscc, name = row[0], row[1], row[2]
        grade = (grades.get(entity_id) if grades is not None else (row[3] if len(row) > 3 else None)) or unknown
        lines, ids = by_grade[grade]
        lines.append(f"{uscc}\t{' '.join(name.split())}" if space(name) else f"{uscc}\t{name}")
        ids.append(entity_id)
    strata = []
    for grade in GRADES:
        if grade not in allowed:
            continue
        lines, ids = by_grade[grade]
        count = stratum_count(len(lines), base_ratio, Decimal(multipliers[grade]))
        strata.append(Stratum(grade=grade, lines=lines, entity_ids=ids, count=count))
    return strata


def publish_pool(
    session: Session, *, plan_id: int, actor: Actor, grades: Mapping[int, str] | None = None
) -> list[InspectionPool]:
    """Snapshot the library by grade (a new version), publish its hashes and the seed sources before the draw."""
    plan = get_plan(session, plan_id)
    if plan.status == "drawn":
        raise Conflict("该计划已完成抽取，名录库不能再更改。")
    today = get_clock().today()
    rows = library_rows(session, plan, today=today)
    strata = build_strata(
        rows,
        grades,
        base_ratio=Decimal(plan.base_ratio),
        multipliers=plan.multipliers,
        allowed=plan.library_filter.get("grades") or GRADES,
    )
    if not any(s.lines for s in strata):
        raise ValidationFailed("按该计划的名录库条件没有可抽查的市场主体，请调整条件。")
    plan.pool_version += 1
    now = get_clock().now()
    pools = []
    for s in strata:
        pool = InspectionPool(
            plan_id=plan.id,
            version=plan.pool_version,
            grade=s.grade,
            size=len(s.lines),
            count=s.count,
            sha256=s.sha256,
            content=s.text,
            entity_ids=",".join(map(str, s.entity_ids)),
            created_at=now,
        )
        session.add(pool)
        pools.append(pool)
    plan.status = "published"
    plan.published_at = now
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_plan.publish_pool",
        object_type="inspection_plan",
        object_id=plan.id,
        detail={
            "version": plan.pool_version,
            "strata": {p.grade: {"size": p.size, "count": p.count, "sha256": p.sha256} for p in pools},
            "seed_sources": plan.seed_sources,
        },
    )
    return pools


def current_pools(session: Session, plan: InspectionPlan) -> list[InspectionPool]:
    """The plan's latest published pool, one row per grade (the pool file itself is loaded when read)."""
    return list(
        session.execute(
            select(InspectionPool)
            .options(defer(InspectionPool.content), defer(InspectionPool.entity_ids))
            .where(InspectionPool.plan_id == plan.id, InspectionPool.version == plan.pool_version)
            .order_by(InspectionPool.grade)
        ).scalars()
    )


# --------------------------------------------------------------------------------------------------
# The draw (RFC 3797, stratified by grade) and inspector assignment
# --------------------------------------------------------------------------------------------------


def stratum_sources(sources: Sequence[Sequence[int]], grade: str) -> list[list[int]]:
    """The seed sources of a grade stratum: the plan's, then the grade's number (A=1 … D=4) as a last source."""
    return [list(s) for s in sources] + [[GRADES.index(grade) + 1]]


def task_sources(sources: Sequence[Sequence[int]], task_number: int) -> list[list[int]]:
    """The seed sources of the inspector draw for the n-th task (1-based): the plan's, then 0, then n."""
    return [list(s) for s in sources] + [[0], [task_number]]


def task_key(plan_key: bytes, task_number: int) -> bytes:
    """``draw.make_key(task_sources(sources, n))`` from the plan's own key: its sources, then "0./", then "n./"."""
    return b"%s0./%d./" % (plan_key, task_number)


def seeds_text(sources: Sequence[Sequence[int]]) -> str:
    """A seeds file for ``xinyong draw``: one source per line."""
    return "".join(" ".join(str(v) for v in s) + "\n" for s in sources)


@dataclass
class TeamDraw:
    """The inspectors drawn for one task: assigned ones, and avoided/refused ones with the reason."""

    assigned: list[int] = field(default_factory=list)
    skipped: list[tuple[int, int, str, str]] = field(default_factory=list)  # (inspector, draw index, status, reason)
    indexes: dict[int, int] = field(default_factory=dict)


def draw_team(
    key: bytes,
    pool: Sequence[int],
    *,
    size: int,
    avoid: Callable[[int], str | None],
    refused: Mapping[int, str] | None = None,
) -> TeamDraw:
    """Walk the RFC 3797 sequence over the inspector pool; avoided or refused people are skipped with the reason."""
    team = TeamDraw()
    refused = refused or {}
    for index, position in enumerate(draw.positions(key, len(pool), len(pool))):
        inspector = pool[position]
        team.indexes[inspector] = index
        if inspector in refused:
            team.skipped.append((inspector, index, "refused", refused[inspector]))
            continue
        reason = avoid(inspector)
        if reason is not None:
            team.skipped.append((inspector, index, "avoided", reason))
            continue
        team.assigned.append(inspector)
        if len(team.assigned) == size:
            return team
    raise ValidationFailed(f"符合条件且无需回避的检查人员不足{size}人，无法组成检查组，请充实执法检查人员名录库。")


def inspector_pool(session: Session, plan: InspectionPlan) -> list[Inspector]:
    """Active inspectors of the participating departments qualified for the plan's domains, ordered by code."""
    domains = {
        d
        for d in session.execute(
            select(InspectionItem.domain_code).where(InspectionItem.id.in_(plan.item_ids))
        ).scalars()
        if d
    }
    people = session.execute(
        select(Inspector)
        .where(Inspector.department_id.in_(plan.department_ids), Inspector.is_active.is_(True))
        .order_by(Inspector.code)
    ).scalars()
    return [p for p in people if not domains or domains & set(p.qualifications)]


def inspector_line(inspector: Inspector) -> str:
    """One published line of the inspector pool."""
    return f"{inspector.code}\t{inspector.name}"


class Avoidance:
    """Avoidance rules (回避) for a set of entities: declared conflicts, own licensing, the previous inspection."""

    def __init__(self, session: Session, entity_ids: Sequence[int], *, exclude_plan_id: int | None = None) -> None:
        rules = load_rules()
        self.labels = rules.avoidance_kinds
        self.conflicts: dict[tuple[int, int], str] = {}
        self.previous: dict[int, set[int]] = {}
        ids = list(entity_ids)
        # Inspectors with a login: a licence of the entity that their own account submitted counts as their own
        # licensing (本人办理过该主体的行政许可), whether or not they declared it.
        accounts = dict(
            session.execute(
                select(Inspector.user_id, Inspector.id).where(Inspector.user_id.is_not(None), Inspector.is_active)
            ).all()
        )
        for chunk in _chunks(ids, 50_000):
            for entity_id, inspector_id, kind in session.execute(
                select(InspectorConflict.entity_id, InspectorConflict.inspector_id, InspectorConflict.kind).where(
                    _among(session, InspectorConflict.entity_id, chunk)
                )
            ):
                self.conflicts.setdefault((entity_id, inspector_id), kind)
            if accounts:
                for licensed_id, user_id in session.execute(
                    select(CreditRecord.entity_id, CreditRecord.submitted_by_user_id)
                    .where(
                        _among(session, CreditRecord.entity_id, chunk),
                        CreditRecord.item_code.in_(rules.licensing_items),
                        CreditRecord.submitted_by_user_id.in_(list(accounts)),
                    )
                    .distinct()
                ):
                    self.conflicts.setdefault((int(licensed_id or 0), accounts[user_id]), "licensing")
            latest = (
                select(InspectionTask.entity_id, func.max(InspectionTask.id).label("task_id"))
                .where(_among(session, InspectionTask.entity_id, chunk))
                .group_by(InspectionTask.entity_id)
            )
            if exclude_plan_id is not None:
                latest = latest.where((InspectionTask.plan_id.is_(None)) | (InspectionTask.plan_id != exclude_plan_id))
            sub = latest.subquery()
            for entity_id, inspector_id in session.execute(
                select(sub.c.entity_id, InspectionAssignment.inspector_id)
                .join(InspectionAssignment, InspectionAssignment.task_id == sub.c.task_id)
                .where(InspectionAssignment.status == "assigned")
            ):
                self.previous.setdefault(int(entity_id), set()).add(int(inspector_id))

    def reason(self, entity_id: int, inspector_id: int) -> str | None:
        """Why the inspector must not inspect the entity, or None."""
        kind = self.conflicts.get((entity_id, inspector_id))
        if kind is not None:
            return self.labels[kind]
        if inspector_id in self.previous.get(entity_id, ()):
            return self.labels["previous"]
        return None


def _among(session: Session, column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids`` with the ids bound as one parameter (tens of thousands of placeholders cost more to
    compile than the query takes): a JSON array unpacked by json_each on SQLite, an integer array on PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer())))
    values: Any = select(literal_column("value")).select_from(func.json_each(bindparam(None, json.dumps(list(ids)))))
    return column.in_(values.scalar_subquery())


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def parse_seed_values(values: Sequence[str], *, expected: int) -> list[list[int]]:
    """The published values of the plan's seed sources, one per source, in the published order."""
    texts = [v for v in values if v is not None]
    if len(texts) != expected or any(not str(v).strip() for v in texts):
        raise ValidationFailed(f"随机源取值：计划公布了{expected}个随机源，须逐一填写其开奖（公布）结果。")
    return [draw.parse_source(str(v), number=i + 1) for i, v in enumerate(texts)]


def run_draw(session: Session, *, plan_id: int, seed_values: Sequence[str], actor: Actor) -> list[InspectionTask]:
    """Draw the plan (see ``draw_plan``) and return its tasks, in draw order."""
    draw_plan(session, plan_id=plan_id, seed_values=seed_values, actor=actor)
    return list(
        session.execute(
            select(InspectionTask).where(InspectionTask.plan_id == plan_id).order_by(InspectionTask.id)
        ).scalars()
    )


def draw_plan(session: Session, *, plan_id: int, seed_values: Sequence[str], actor: Actor) -> int:
    """Draw the entities of each grade stratum and a team of inspectors for each; create the tasks (their number)."""
    plan = get_plan(session, plan_id)
    if plan.status == "draft":
        raise Conflict("请先公布检查对象名录库和随机源，再进行抽取。")
    if plan.status == "drawn":
        raise Conflict("该计划已完成抽取，结果已公开，不能重新抽取。")
    sources = parse_seed_values(seed_values, expected=len(plan.seed_sources))
    selected: list[tuple[str, int, int]] = []  # (grade, position in draw order, entity id)
    # The pool files themselves (tens of megabytes for a city) are not needed: the ids are aligned with them.
    for grade, count, entity_ids in session.execute(
        select(InspectionPool.grade, InspectionPool.count, InspectionPool.entity_ids)
        .where(InspectionPool.plan_id == plan.id, InspectionPool.version == plan.pool_version)
        .order_by(InspectionPool.grade)
    ):
        if count == 0:
            continue
        ids = [int(x) for x in entity_ids.split(",")] if entity_ids else []
        key = draw.make_key(stratum_sources(sources, grade))
        for order, position in enumerate(draw.positions(key, len(ids), count), start=1):
            selected.append((grade, order, ids[position]))
    people = inspector_pool(session, plan)
    pool_ids = [p.id for p in people]
    avoidance = Avoidance(session, [e for _, _, e in selected], exclude_plan_id=plan.id)
    now = get_clock().now()
    # Rows, not ORM objects, written with the driver's executemany (SQLite) or COPY (PostgreSQL): a 50,000-entity
    # draw writes about 150,000 rows, and the ORM's bookkeeping cost several times the inserts themselves.
    task_table = InspectionTask.__table__
    stamp = bind_value(session, task_table, "created_at", now)  # type: ignore[arg-type]
    items = bind_value(session, task_table, "item_ids", list(plan.item_ids))  # type: ignore[arg-type]
    task_rows: list[tuple[Any, ...]] = []
    teams: list[tuple[str, list[tuple[int, int, str, str | None]]]] = []
    plan_key = draw.make_key(sources)
    for number, (grade, order, entity_id) in enumerate(selected, start=1):
        team = draw_team(
            task_key(plan_key, number),
            pool_ids,
            size=plan.inspectors_per_task,
            avoid=lambda inspector, e=entity_id: avoidance.reason(e, inspector),  # type: ignore[misc]
        )
        code = f"{plan.code}-{number:06d}"
        task_rows.append(
            (code, plan.id, plan.lead_department_id, entity_id, "random", grade, order, items, "assigned", stamp)
        )
        members: list[tuple[int, int, str, str | None]] = list(team.skipped)
        members += [(inspector, team.indexes[inspector], "assigned", None) for inspector in team.assigned]
        teams.append((code, members))
    if task_rows:
        raw_insert(session, "inspection_task", _TASK_COLUMNS, task_rows)
        task_ids = dict(
            session.execute(
                select(InspectionTask.code, InspectionTask.id).where(InspectionTask.plan_id == plan.id)
            ).all()
        )
        raw_insert(
            session,
            "inspection_assignment",
            _ASSIGNMENT_COLUMNS,
            [
                (task_ids[code], inspector, index, status, reason, stamp)
                for code, members in teams
                for inspector, index, status, reason in members
            ],
        )
    plan.seed_values = [" ".join(map(str, s)) for s in sources]
    plan.status = "drawn"
    plan.drawn_at = now
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_plan.draw",
        object_type="inspection_plan",
        object_id=plan.id,
        detail={
            "seed_values": plan.seed_values,
            "tasks": len(task_rows),
            "pool_version": plan.pool_version,
            "inspector_pool_sha256": draw.pool_hash(inspector_line(p) for p in people),
        },
    )
    return len(task_rows)


_TASK_COLUMNS = (
    "code",
    "plan_id",
    "department_id",
    "entity_id",
    "kind",
    "grade",
    "draw_position",
    "item_ids",
    "status",
    "created_at",
)
_ASSIGNMENT_COLUMNS = ("task_id", "inspector_id", "draw_index", "status", "reason", "created_at")


def _assignment(
    task: InspectionTask, inspector: int, index: int, status: str, reason: str | None, now: Any
) -> InspectionAssignment:
    return InspectionAssignment(
        task=task, inspector_id=inspector, draw_index=index, status=status, reason=reason, created_at=now
    )


def refuse_assignment(session: Session, *, assignment_id: int, reason: str, actor: Actor) -> InspectionAssignment:
    """An assigned inspector is refused (e.g. a conflict found late): recorded, and the draw continues for a new one."""
    if not reason.strip():
        raise ValidationFailed("回避原因（reason）：必填项缺失")
    assignment = session.get(InspectionAssignment, assignment_id)
    if assignment is None or assignment.status != "assigned":
        raise NotFound("该检查人员分派不存在或已不在检查组中。")
    task = session.get(InspectionTask, assignment.task_id)
    assert task is not None
    if task.status != "assigned":
        raise Conflict("检查结果已记录，不能再调整检查组。")
    if task.plan_id is None:
        raise Conflict("定向检查的检查人员由部门指派，请直接调整。")
    plan = get_plan(session, task.plan_id)
    assert plan.seed_values is not None
    sources = [draw.parse_source(v) for v in plan.seed_values]
    assignment.status = "refused"
    assignment.reason = reason.strip()
    existing = {a.inspector_id: a for a in task.assignments}
    refused = {a.inspector_id: a.reason or "" for a in task.assignments if a.status == "refused"}
    avoidance = Avoidance(session, [task.entity_id], exclude_plan_id=plan.id)
    number = int(task.code.rsplit("-", 1)[1])
    team = draw_team(
        draw.make_key(task_sources(sources, number)),
        [p.id for p in inspector_pool(session, plan)],
        size=plan.inspectors_per_task,
        avoid=lambda inspector: avoidance.reason(task.entity_id, inspector),
        refused=refused,
    )
    now = get_clock().now()
    for inspector in team.assigned:
        if inspector not in existing:
            session.add(_assignment(task, inspector, team.indexes[inspector], "assigned", None, now))
    for inspector, index, status, why in team.skipped:
        if inspector not in existing:
            session.add(_assignment(task, inspector, index, status, why, now))
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_task.refuse_inspector",
        object_type="inspection_task",
        object_id=task.id,
        detail={"inspector_id": assignment.inspector_id, "reason": assignment.reason},
    )
    return assignment


# --------------------------------------------------------------------------------------------------
# Targeted inspections (complaints, alerts): recorded separately from random ones
# --------------------------------------------------------------------------------------------------


def create_targeted(
    session: Session,
    *,
    department_code: str,
    uscc: str,
    reason: str,
    note: str,
    item_codes: Sequence[str],
    inspector_ids: Sequence[int],
    actor: Actor,
) -> InspectionTask:
    """A targeted (non-random) inspection for a complaint or alert, with inspectors named by the department."""
    rules = load_rules()
    errors = _Errors(
        {
            "uscc": "统一社会信用代码",
            "reason": "检查原因",
            "note": "线索说明",
            "items": "检查事项",
            "inspectors": "检查人员",
        }
    )
    department = _department(session, department_code)
    if department is None:
        raise NotFound("部门不存在。")
    entity = session.execute(select(Entity).where(Entity.uscc == uscc.strip().upper())).scalar_one_or_none()
    if entity is None:
        errors.add("uscc", "市场主体不在主体库中")
    if reason not in rules.targeted_reasons:
        errors.add("reason", f"应为：{'、'.join(rules.targeted_reasons.values())}")
    if not note.strip():
        errors.add("note", "请说明投诉举报或预警线索")
    items = [
        session.execute(select(InspectionItem).where(InspectionItem.code == c.upper())).scalar_one_or_none()
        for c in item_codes
    ]
    if not items or any(i is None or i.department_id != department.id for i in items):
        errors.add("items", "至少选择一个本部门的抽查事项")
    people = [session.get(Inspector, i) for i in inspector_ids]
    if len(people) < rules.min_inspectors_per_task or any(
        p is None or not p.is_active or p.department_id != department.id for p in people
    ):
        errors.add("inspectors", f"至少指派{rules.min_inspectors_per_task}名本部门在岗检查人员")
    errors.raise_if_any("定向检查未登记")
    assert entity is not None
    avoidance = Avoidance(session, [entity.id])
    for p in people:
        assert p is not None
        if why := avoidance.reason(entity.id, p.id):
            raise ValidationFailed(f"检查人员（inspectors）：{p.name}须回避（{why}）")
    today = get_clock().today()
    serial = (
        session.execute(
            select(func.count()).select_from(InspectionTask).where(InspectionTask.kind == "targeted")
        ).scalar_one()
        + 1
    )
    now = get_clock().now()
    task = InspectionTask(
        code=f"DX-{today:%Y%m%d}-{serial:05d}",
        plan_id=None,
        department_id=department.id,
        entity_id=entity.id,
        kind="targeted",
        targeted_reason=reason,
        targeted_note=note.strip(),
        item_ids=[i.id for i in items if i is not None],
        status="assigned",
        created_at=now,
    )
    session.add(task)
    for index, p in enumerate(people):
        assert p is not None
        session.add(_assignment(task, p.id, index, "assigned", None, now))
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_task.targeted",
        object_type="inspection_task",
        object_id=task.id,
        detail={"entity_id": entity.id, "reason": reason},
    )
    return task


# --------------------------------------------------------------------------------------------------
# Execution and results
# --------------------------------------------------------------------------------------------------


def get_task(session: Session, task_id: int) -> InspectionTask:
    """A task with its entity and assignments."""
    task = session.execute(
        select(InspectionTask)
        .options(selectinload(InspectionTask.entity), selectinload(InspectionTask.assignments))
        .where(InspectionTask.id == task_id)
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("检查任务不存在。")
    return task


def inspector_for_user(session: Session, user_id: int | None) -> Inspector | None:
    """The library entry linked to a login account."""
    if user_id is None:
        return None
    return session.execute(select(Inspector).where(Inspector.user_id == user_id)).scalar_one_or_none()


def tasks_for_inspector(session: Session, inspector_id: int) -> list[InspectionTask]:
    """The tasks an inspector is assigned to, open ones first."""
    stmt = (
        select(InspectionTask)
        .options(selectinload(InspectionTask.entity))
        .join(InspectionAssignment, InspectionAssignment.task_id == InspectionTask.id)
        .where(InspectionAssignment.inspector_id == inspector_id, InspectionAssignment.status == "assigned")
        .order_by(InspectionTask.status, InspectionTask.id)
    )
    return list(session.execute(stmt).scalars())


def plan_tasks(session: Session, plan_id: int, *, offset: int = 0, limit: int | None = None) -> list[InspectionTask]:
    """A plan's tasks in draw order (grade, then order of selection), a page of them when ``limit`` is given."""
    stmt = (
        select(InspectionTask)
        .options(selectinload(InspectionTask.entity), selectinload(InspectionTask.assignments))
        .where(InspectionTask.plan_id == plan_id)
        .order_by(InspectionTask.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def count_plan_tasks(session: Session, plan_id: int) -> int:
    """How many tasks a plan's draw created."""
    return int(session.scalar(select(func.count()).where(InspectionTask.plan_id == plan_id)) or 0)


@dataclass(frozen=True)
class Upload:
    """An uploaded attachment."""

    filename: str
    data: bytes


def record_result(
    session: Session,
    *,
    task_id: int,
    result: str,
    note: str,
    inspected_on: date | None,
    legal_rep: str | None,
    attachments: Sequence[Upload] = (),
    actor: Actor,
    inspector_id: int | None,
    cipher: FieldCipher,
    publish: bool = True,
) -> InspectionTask:
    """Record an inspection result (by an inspector of the team); it is due for publication within 20 working days.

    With ``publish`` (the default) the result is published at once as an ``inspection`` credit record.
    """
    rules = load_rules()
    task = get_task(session, task_id)
    if inspector_id is not None and inspector_id not in {
        a.inspector_id for a in task.assignments if a.status == "assigned"
    }:
        raise PermissionDenied("您不在该任务的检查组中。")
    if task.status != "assigned":
        raise Conflict("该任务的检查结果已记录。")
    errors = _Errors(
        {"result": "检查结果", "inspected_on": "检查日期", "legal_rep": "法定代表人", "attachments": "附件"}
    )
    today = get_clock().today()
    if result not in rules.results:
        errors.add("result", f"应为：{'、'.join(rules.results)}")
    if inspected_on is None:
        errors.add("inspected_on", "必填项缺失")
    elif inspected_on > today:
        errors.add("inspected_on", "不能晚于今天")
    if task.entity.category == "法人及非法人组织" and not (legal_rep or "").strip():
        errors.add("legal_rep", "法人及非法人组织必须填写法定代表人")
    if len(attachments) > rules.max_attachments:
        errors.add("attachments", f"最多{rules.max_attachments}个")
    kept: list[tuple[Upload, str]] = []
    for up in attachments:
        ext = PurePath(up.filename).suffix.lower()
        if ext not in rules.allowed_types:
            errors.add("attachments", f"“{up.filename}”的类型不允许（允许：{'、'.join(rules.allowed_types)}）")
        elif len(up.data) > rules.max_attachment_bytes:
            errors.add("attachments", f"“{up.filename}”超过{rules.max_attachment_bytes // 1048576}MB")
        elif not _content_matches(ext, up.data):
            errors.add("attachments", f"“{up.filename}”的内容与扩展名不符")
        else:
            kept.append((up, rules.allowed_types[ext]))
    errors.raise_if_any("检查结果未保存")
    assert inspected_on is not None
    task.result = result
    task.result_note = note.strip() or None
    task.inspected_on = inspected_on
    task.status = "recorded"
    deadlines.set_deadline(
        session,
        task,
        "publish_deadline",
        start=today,
        working_days=load_rules().publish_working_days,
        label="抽查结果公示期限",
        party_window=False,
        open_when={"status": ["recorded"]},
    )
    now = get_clock().now()
    for up, content_type in kept:
        session.add(
            InspectionAttachment(
                task_id=task.id,
                filename=PurePath(up.filename).name[:200],
                content_type=content_type,
                size=len(up.data),
                data=up.data,
                created_at=now,
            )
        )
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_task.result",
        object_type="inspection_task",
        object_id=task.id,
        detail={"result": result, "deadline": task.publish_deadline.isoformat() if task.publish_deadline else None},
    )
    if publish:
        publish_result(session, task_id=task.id, legal_rep=legal_rep, actor=actor, cipher=cipher)
    return task


def _content_matches(ext: str, data: bytes) -> bool:
    if ext == ".pdf":
        return data.startswith(b"%PDF")
    if ext in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    return False


def publish_result(
    session: Session, *, task_id: int, legal_rep: str | None, actor: Actor, cipher: FieldCipher
) -> CreditRecord:
    """Publish a recorded result: an ``inspection`` credit record (the archive's validation, publicity, audit)."""
    task = get_task(session, task_id)
    if task.status != "recorded":
        raise Conflict("只有已记录、尚未公示的检查结果可以公示。")
    department = session.get(Department, task.department_id)
    assert department is not None and task.inspected_on is not None and task.result is not None
    entity = task.entity
    items = list(session.execute(select(InspectionItem).where(InspectionItem.id.in_(task.item_ids))).scalars())
    if task.kind == "random":
        method = "双随机抽查"
    else:
        method = "投诉举报核查" if task.targeted_reason == "complaint" else "重点检查"
    fields: dict[str, Any] = {
        "XDR_MC": entity.name,
        "XDR_LB": entity.category,
        "XDR_SHXYM": entity.uscc,
        "WSH": task.code,
        "NR": "；".join(i.name for i in items),
        "JCFS": method,
        "JCJG": task.result,
        "JDRQ": task.inspected_on.isoformat(),
        "JDJG": department.name,
        "JDJGDM": department.uscc,
        "SJLY": department.name,
        "SJLYDM": department.uscc,
    }
    if legal_rep and legal_rep.strip():
        fields["FRDB"] = legal_rep.strip()
    if task.result_note:
        fields["BZ"] = task.result_note[:500]
    stored, _spec = ingestion_service.submit_one(
        session, kind=INSPECTION_ITEM, fields=fields, department_code=department.code, actor=actor, cipher=cipher
    )
    task.record_id = stored.record.id
    task.published_on = get_clock().today()
    task.status = "published"
    session.flush()
    audit(
        session,
        actor=actor,
        action="inspection_task.publish",
        object_type="inspection_task",
        object_id=task.id,
        detail={"record_id": stored.record.id, "on_time": task.published_on <= (task.publish_deadline or date.max)},
    )
    return stored.record


def legal_rep_of(session: Session, entity_id: int) -> str | None:
    """The entity's current legal representative, to prefill the result form."""
    for rel in subjects_service.relations_of(session, entity_id, on=get_clock().today()):
        if rel.role == "legal_rep":
            return rel.person.name
    return None


def overdue_results(session: Session, *, department_id: Departments = ALL_DEPARTMENTS) -> list[InspectionTask]:
    """Recorded results not yet published whose 20-working-day deadline has passed."""
    stmt = (
        select(InspectionTask)
        .options(selectinload(InspectionTask.entity))
        .where(InspectionTask.status == "recorded", InspectionTask.publish_deadline < get_clock().today())
    )
    stmt = stmt.where(scope_of(department_id).where(InspectionTask.department_id))
    return list(session.execute(stmt.order_by(InspectionTask.publish_deadline)).scalars())


def published_results(session: Session, plan_id: int) -> list[InspectionTask]:
    """A plan's published results (what the portal shows)."""
    return [t for t in plan_tasks(session, plan_id) if t.status == "published"]


def item_names(session: Session, ids: Sequence[int]) -> list[str]:
    """Item names for display, in the given order."""
    found = {i.id: i.name for i in session.execute(select(InspectionItem).where(InspectionItem.id.in_(ids))).scalars()}
    return [found[i] for i in ids if i in found]


def targeted_tasks(session: Session, *, department_id: Departments = ALL_DEPARTMENTS) -> list[InspectionTask]:
    """Targeted (non-random) inspections, newest first."""
    stmt = select(InspectionTask).options(selectinload(InspectionTask.entity)).where(InspectionTask.kind == "targeted")
    stmt = stmt.where(scope_of(department_id).where(InspectionTask.department_id))
    return list(session.execute(stmt.order_by(InspectionTask.id.desc())).scalars())


def plan_public(session: Session, plan: InspectionPlan) -> dict[str, Any]:
    """What the public API shows of a plan: pool hashes, seeds, the draw and published results."""
    pools = current_pools(session, plan) if plan.pool_version else []
    tasks = (
        session.execute(
            select(
                InspectionTask.grade,
                InspectionTask.draw_position,
                Entity.uscc,
                Entity.name,
                InspectionTask.status,
                InspectionTask.result,
                InspectionTask.published_on,
            )
            .join(Entity, Entity.id == InspectionTask.entity_id)
            .where(InspectionTask.plan_id == plan.id)
            .order_by(InspectionTask.id)
        ).all()
        if plan.status == "drawn"
        else []
    )
    return {
        "code": plan.code,
        "name": plan.name,
        "status": plan.status,
        "joint": len(plan.department_ids) > 1,
        "period": [plan.period_start.isoformat(), plan.period_end.isoformat()],
        "base_ratio": plan.base_ratio,
        "multipliers": plan.multipliers,
        "seed_sources": plan.seed_sources,
        "seed_values": plan.seed_values,
        "pool_version": plan.pool_version,
        "strata": [{"grade": p.grade, "size": p.size, "count": p.count, "sha256": p.sha256} for p in pools],
        "selected": [
            {
                "grade": t.grade,
                "order": t.draw_position,
                "uscc": t.uscc,
                "name": t.name,
                "result": t.result if t.status == "published" else None,
                "published_on": t.published_on.isoformat() if t.published_on else None,
            }
            for t in tasks
        ],
    }
