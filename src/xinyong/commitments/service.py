"""Credit commitments (T1–T3, T11): matters, commitments with codes, fulfilment, breach, voluntary registration."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from xinyong.catalog import service as catalog_service
from xinyong.catalog.models import CatalogItem
from xinyong.commitments.models import (
    Commitment,
    CommitmentBan,
    CommitmentMatter,
    CommitmentSerial,
    ListProposal,
    VoluntaryAttachment,
    VoluntaryInfo,
)
from xinyong.core import deadlines
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.datafiles import validation_problems
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import date_value as _date
from xinyong.core.forms import text_value as _text
from xinyong.core.identifiers import InvalidIdentifier, make_commitment_code, validate_uscc
from xinyong.core.policy import ALL_DEPARTMENTS, Departments, scope_of
from xinyong.disclosure import rules as disclosure_rules
from xinyong.education import service as education_service
from xinyong.ingestion import service as ingestion_service
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department, Entity, Person

COMMITMENT_ITEM = "commitment"
BREACH_ITEM = "commitment_breach"
FULFILLED = "全部履行"
PENDING_LABEL = "待核查"


# --------------------------------------------------------------------------------------------------
# Rules (reference data)
# --------------------------------------------------------------------------------------------------


class TruthMatter(BaseModel):
    """The system matter under which truthfulness commitments of voluntary registration are made."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str
    department: str
    commitment_type: str
    standard_text: str
    breach_liability: str
    verification_working_days: int = Field(ge=1)


class VoluntaryRules(BaseModel):
    """Voluntary registration: kinds of information and attachment limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kinds: dict[str, str]
    max_attachments: int = Field(ge=0)
    max_attachment_bytes: int = Field(ge=1)
    allowed_types: dict[str, str]
    truth_matter: TruthMatter


class CommitmentRules(BaseModel):
    """The national commitment template's enumerations and the platform's commitment settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_from: date
    title: str
    source: str
    commitment_types: list[str] = Field(min_length=1)
    repair_type: str
    committer_categories: list[str]
    openness_types: dict[str, bool]
    fulfilment_states: list[str]
    breach_states: list[str]
    matter_kinds: dict[str, str]
    list_items: dict[str, str]
    grades: dict[str, str]
    default_verification_working_days: int = Field(ge=1)
    division_code: str = Field(pattern=r"^\d{6}$")
    voluntary: VoluntaryRules


@lru_cache(maxsize=1)
def load_rules() -> CommitmentRules:
    """The shipped commitment rules, validated (Chinese errors naming the place)."""
    raw = json.loads(resources.files("xinyong.commitments").joinpath("data", "commitment-rules.json").read_bytes())
    try:
        return CommitmentRules.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(raw, exc)
        raise ValidationFailed("信用承诺规则文件有误：" + "；".join(problems), details=problems) from None


# --------------------------------------------------------------------------------------------------
# Errors by field
# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# Matters (T1)
# --------------------------------------------------------------------------------------------------

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


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,，、\s]+", value) if v]
    return [str(v) for v in value]


def save_matter(
    session: Session, *, values: dict[str, Any], actor: Actor, matter_id: int | None = None
) -> CommitmentMatter:
    """Create or update a commitment matter; every field error is reported at once and nothing is saved."""
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
    department = None
    dept_code = _text(values, "department")
    if not dept_code:
        errors.add("department", "必填项缺失")
    else:
        try:
            department = subjects_service.department_by_code(session, dept_code)
        except NotFound:
            errors.add("department", f"部门代码“{dept_code}”不存在")
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
    days = _int(values, "verification_working_days", errors, default=rules.default_verification_working_days)
    if days is not None and not 1 <= days <= 250:
        errors.add("verification_working_days", "应为1至250之间的整数")
    grades = _as_list(values.get("excluded_grades"))
    unknown = [g for g in grades if g not in rules.grades]
    if unknown:
        errors.add("excluded_grades", f"信用等级{'、'.join(unknown)}不存在，可选：{'、'.join(rules.grades)}")
    lists = _as_list(values.get("excluded_lists"))
    unknown = [x for x in lists if x not in rules.list_items]
    if unknown:
        known = "、".join(f"{k}（{v}）" for k, v in rules.list_items.items())
        errors.add("excluded_lists", f"名单{'、'.join(unknown)}不存在，可选：{known}")
    ban = _int(values, "breach_ban_months", errors, default=None)
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
    now = get_clock().now()
    if matter_id is None:
        matter = CommitmentMatter(code=code, created_at=now, is_system=bool(values.get("is_system")))
        session.add(matter)
    else:
        found = session.get(CommitmentMatter, matter_id)
        if found is None:
            raise NotFound(f"承诺事项{matter_id}不存在。")
        matter = found
    matter.name = name
    matter.department_id = department.id
    matter.matter_kind = kind
    matter.commitment_type = ctype
    matter.standard_text = standard_text
    matter.breach_liability = liability
    matter.verification_working_days = days
    matter.excluded_grades = grades
    matter.excluded_lists = lists
    matter.online_signing = _flag(values.get("online_signing"))
    matter.breach_ban_months = ban
    matter.breach_key_attention = _flag(values.get("breach_key_attention"))
    matter.required_course = course_code
    matter.legal_basis = _text(values, "legal_basis") or None
    matter.is_active = _flag(values.get("is_active", True))
    matter.updated_at = now
    session.flush()
    audit(
        session,
        actor=actor,
        action="commitment.matter.create" if matter_id is None else "commitment.matter.update",
        object_type="commitment_matter",
        object_id=matter.id,
        detail={"code": matter.code, "department": department.code, "type": ctype, "active": matter.is_active},
    )
    return matter


def _int(values: dict[str, Any], key: str, errors: _Errors, *, default: int | None) -> int | None:
    value = values.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        errors.add(key, f"“{value}”不是整数")
        return default


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "是")
    return bool(value)


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
        "required_course": _course_name(matter.required_course),
        "breach_measures": breach_measures(matter),
        "legal_basis": matter.legal_basis,
    }


def _course_name(code: str | None) -> str | None:
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


# --------------------------------------------------------------------------------------------------
# Eligibility: grades, lists, bans, courses
# --------------------------------------------------------------------------------------------------

GradeProvider = Callable[[Session, int], str | None]


def subject_grade(session: Session, subject_id: int) -> str | None:
    """The entity's current overall credit grade (A–D, from the evaluation), or None when it has not been graded."""
    from xinyong.evaluation import service as evaluation_service

    current = evaluation_service.current_grade(session, subject_id)
    return current.overall_grade if current is not None else None


def list_memberships(session: Session, *, entity_id: int | None = None, person_id: int | None = None) -> list[str]:
    """The lists (catalogue list-entry items) the subject is on: current, valid records of those items."""
    if entity_id is None and person_id is None:
        return []
    items = list(load_rules().list_items)
    stmt = select(CreditRecord.item_code).where(
        CreditRecord.item_code.in_(items),
        CreditRecord.is_current.is_(True),
        CreditRecord.status == states.VALID,
    )
    if entity_id:
        stmt = stmt.where(CreditRecord.entity_id == entity_id)
    else:
        stmt = stmt.where(CreditRecord.person_id == person_id)
    found = set(session.execute(stmt.distinct()).scalars())
    return [i for i in items if i in found]


def active_ban(
    session: Session, *, entity_id: int | None = None, person_id: int | None = None, on: date | None = None
) -> CommitmentBan | None:
    """The exclusion from commitment-based approval in force for the subject, if any."""
    if entity_id is None and person_id is None:
        return None
    day = on or get_clock().today()
    stmt = select(CommitmentBan).where(CommitmentBan.starts_on <= day, CommitmentBan.ends_on >= day)
    if entity_id:
        stmt = stmt.where(CommitmentBan.entity_id == entity_id)
    else:
        stmt = stmt.where(CommitmentBan.person_id == person_id)
    return session.execute(stmt.order_by(CommitmentBan.ends_on.desc()).limit(1)).scalar_one_or_none()


def eligibility_problems(
    session: Session,
    matter: CommitmentMatter,
    *,
    entity: Entity | None,
    person: Person | None,
    grade_provider: GradeProvider = subject_grade,
) -> list[dict[str, str]]:
    """Why the subject may not commit under this matter (empty when it may); each reason names its field."""
    rules = load_rules()
    problems: list[dict[str, str]] = []

    def add(field: str, name: str, reason: str) -> None:
        problems.append({"field": field, "name": name, "reason": reason})

    entity_id, person_id = (entity.id if entity else None), (person.id if person else None)
    if entity is not None and matter.excluded_grades:
        grade = grade_provider(session, entity.id)
        if grade in matter.excluded_grades:
            label = rules.grades.get(grade, "")
            add("grade", "信用等级", f"承诺人当前信用等级为{grade}级（{label}），本事项不适用告知承诺制")
    memberships = list_memberships(session, entity_id=entity_id, person_id=person_id)
    hits = [x for x in memberships if x in matter.excluded_lists]
    if hits:
        names = "、".join(rules.list_items[x] for x in hits)
        add("lists", "名单", f"承诺人被列入{names}，本事项不适用告知承诺制")
    ban = active_ban(session, entity_id=entity_id, person_id=person_id)
    if ban is not None:
        add(
            "ban",
            "违诺约束",
            f"承诺人因违背信用承诺，{ban.starts_on.isoformat()}至{ban.ends_on.isoformat()}不得适用告知承诺制办理（{ban.reason}）",
        )
    if matter.required_course:
        subject = entity or person
        done = subject is not None and education_service.requires_course(session, subject, matter.required_course)
        if not done:
            add(
                "course",
                "诚信教育",
                f"本事项要求承诺人先完成诚信教育课程“{_course_name(matter.required_course)}”（{matter.required_course}），"
                "尚无有效的完成记录",
            )
    return problems


# --------------------------------------------------------------------------------------------------
# Commitment codes (承诺编码)
# --------------------------------------------------------------------------------------------------


def next_code(session: Session, *, day: date, division: str | None = None) -> str:
    """Allocate the next 承诺编码 for the division and day: one atomic upsert, so concurrent writers never collide."""
    division = division or load_rules().division_code
    table: Table = CommitmentSerial.__table__  # type: ignore[assignment]
    dialect = session.connection().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert_fn(table)
        .values(division=division, day=day, last_serial=1)
        .on_conflict_do_update(index_elements=["division", "day"], set_={"last_serial": table.c.last_serial + 1})
        .returning(table.c.last_serial)
    )
    serial = int(session.execute(stmt).scalar_one())
    if serial > 999_999:
        raise Conflict(f"{day.isoformat()}的承诺编码序号已用尽（每日最多999999个），请次日再办理。")
    return make_commitment_code(division, day, serial)


# --------------------------------------------------------------------------------------------------
# Commitments (T2)
# --------------------------------------------------------------------------------------------------

COMMITMENT_FIELDS = {
    "matter": "承诺事项",
    "committer_category": "承诺人类别",
    "committer_name": "承诺人名称",
    "committer_code": "统一社会信用代码",
    "legal_rep": "法定代表人",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "commitment_type": "承诺类型",
    "reason": "承诺事由",
    "content": "承诺内容",
    "liability": "违诺责任",
    "made_on": "承诺作出日期",
    "openness": "公开类型",
    "related_record": "所修复的信用记录",
    "grade": "信用等级",
    "lists": "名单",
    "ban": "违诺约束",
    "course": "诚信教育",
    "channel": "办理方式",
}

CHANNEL_LABELS = {"department": "部门受理", "online": "网上自主承诺", "voluntary": "自愿注册真实性承诺"}


def _department(session: Session, department_id: int) -> Department:
    dept = session.get(Department, department_id)
    assert dept is not None
    return dept


def create_commitment(
    session: Session,
    *,
    values: dict[str, Any],
    channel: str,
    actor: Actor,
    cipher: FieldCipher,
    department_id: int | None = None,
    entity_id: int | None = None,
    grade_provider: GradeProvider = subject_grade,
) -> Commitment:
    """Record a commitment with every national template field and its 承诺编码, and store it as a credit record.

    ``channel`` is ``department`` (a department at approval: the matter must be its own, ``department_id``),
    ``online`` (an entity signs a matter open to online signing for itself, ``entity_id``) or ``voluntary`` (the
    truthfulness commitment of voluntary registration). Every field error and every eligibility problem is reported
    at once, in Chinese, and nothing is recorded.
    """
    rules = load_rules()
    errors = _Errors(COMMITMENT_FIELDS)
    if channel not in CHANNEL_LABELS:
        raise ValidationFailed(f"办理方式“{channel}”不存在。")
    matter_code = _text(values, "matter")
    matter = matter_by_code(session, matter_code) if matter_code else None
    if not matter_code:
        errors.add("matter", "必填项缺失")
    elif matter is None:
        errors.add("matter", f"承诺事项“{matter_code}”不存在")
    elif not matter.is_active:
        errors.add("matter", f"承诺事项“{matter.name}”已停止适用告知承诺制")
    elif channel == "department" and matter.department_id != department_id:
        raise PermissionDenied(f"承诺事项“{matter.name}”由{matter.department.name}实施，不能由本部门受理。")
    elif channel == "online" and not matter.online_signing:
        errors.add("matter", f"承诺事项“{matter.name}”不接受网上自主承诺，请到{matter.department.name}办理")
    category = _text(values, "committer_category")
    if not category:
        errors.add("committer_category", "必填项缺失")
    elif category not in rules.committer_categories:
        errors.add("committer_category", f"应为：{'、'.join(rules.committer_categories)}")
    name = _text(values, "committer_name")
    if not name:
        errors.add("committer_name", "必填项缺失")
    uscc = None
    entity: Entity | None = None
    person: Person | None = None
    if category and category != "自然人":
        raw = _text(values, "committer_code")
        if not raw:
            errors.add("committer_code", "承诺人为组织或个体工商户时必填")
        else:
            try:
                uscc = validate_uscc(raw)
            except InvalidIdentifier as exc:
                errors.add("committer_code", exc.reason)
        if uscc:
            entity = session.execute(select(Entity).where(Entity.uscc == uscc)).scalar_one_or_none()
        if category == "法人及非法人组织" and not _text(values, "legal_rep"):
            errors.add("legal_rep", "承诺人为法人及非法人组织时必填")
        if channel in ("online", "voluntary") and (entity is None or entity.id != entity_id):
            errors.add("committer_code", "网上承诺只能以本账号所属市场主体的名义作出")
    elif category == "自然人":
        if channel != "department":
            errors.add("committer_category", "网上承诺只能以本账号所属市场主体的名义作出")
        id_type = _text(values, "id_type") or "身份证"
        number = _text(values, "id_number")
        if not number:
            errors.add("id_number", "承诺人为自然人时必填")
        else:
            try:
                person = subjects_service.find_person(session, cipher=cipher, id_number=number, id_type=id_type)
            except ValidationFailed as exc:
                errors.add("id_number", exc.message)
    ctype = _text(values, "commitment_type") or (matter.commitment_type if matter else "")
    if ctype not in rules.commitment_types:
        errors.add("commitment_type", f"应为：{'、'.join(rules.commitment_types)}")
    elif matter is not None and ctype != matter.commitment_type:
        errors.add("commitment_type", f"承诺事项“{matter.name}”的承诺类型为{matter.commitment_type}，不适用{ctype}")
    reason = _text(values, "reason")
    content = _text(values, "content")
    liability = _text(values, "liability")
    for key, value in (("reason", reason), ("content", content), ("liability", liability)):
        if not value:
            errors.add(key, "必填项缺失")
    if len(reason) > 500:
        errors.add("reason", "不超过500字")
    made_on = _date(values, "made_on", errors, required=True)
    today = get_clock().today()
    if made_on is not None and made_on > today:
        errors.add("made_on", "不能晚于今天")
    openness = _text(values, "openness")
    if not openness:
        errors.add("openness", "必填项缺失")
    elif openness not in rules.openness_types:
        errors.add("openness", f"应为：{'、'.join(rules.openness_types)}")
    related: CreditRecord | None = None
    raw_related = values.get("related_record")
    if ctype == rules.repair_type:
        if raw_related in (None, ""):
            errors.add("related_record", "信用修复型承诺须指明所修复的信用记录编号")
        else:
            related_id = _int(values, "related_record", errors, default=None)
            related = session.get(CreditRecord, related_id) if related_id is not None else None
            if related_id is not None and related is None:
                errors.add("related_record", f"信用记录“{raw_related}”不存在")
            elif related is not None and not _owns(related, entity, person):
                errors.add("related_record", "所修复的信用记录不属于该承诺人")
    errors.raise_if_any("承诺信息有误，未记录")
    assert matter is not None and made_on is not None
    problems = eligibility_problems(session, matter, entity=entity, person=person, grade_provider=grade_provider)
    if problems:
        text = "；".join(f"{p['name']}：{p['reason']}" for p in problems)
        raise ValidationFailed(f"不能适用告知承诺制，未记录：{text}", details=problems)

    code = next_code(session, day=today)
    department = matter.department
    verify_by = deadlines.compute(session, made_on, matter.verification_working_days)
    commitment = Commitment(
        code=code,
        matter_id=matter.id,
        department_id=department.id,
        committer_category=category,
        committer_name=name,
        committer_code=uscc,
        entity_id=entity.id if entity else None,
        person_id=person.id if person else None,
        commitment_type=ctype,
        reason=reason,
        content=content,
        liability=liability,
        made_on=made_on,
        accepting_unit=department.name,
        accepting_unit_code=department.uscc or "",
        openness=openness,
        channel=channel,
        verify_by=verify_by.day,
        related_record_id=related.id if related else None,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    extra = {
        "legal_rep": _text(values, "legal_rep"),
        "id_type": _text(values, "id_type") or "身份证",
        "id_number": _text(values, "id_number"),
    }
    stored = _store_commitment_record(session, commitment, extra=extra, actor=actor, cipher=cipher)
    commitment.record_id = stored.id
    commitment.entity_id, commitment.person_id = stored.entity_id, stored.person_id
    session.add(commitment)
    session.flush()
    deadlines.track(
        session,
        commitment,
        "verify_by",
        verify_by,
        start=made_on,
        working_days=matter.verification_working_days,
        label="告知承诺核查期限",
        party_window=False,
        open_when={"fulfilment": [None]},
    )
    audit(
        session,
        actor=actor,
        action="commitment.create",
        object_type="commitment",
        object_id=commitment.id,
        detail={
            "code": code,
            "matter": matter.code,
            "type": ctype,
            "channel": channel,
            "record_id": stored.id,
            "openness": openness,
        },
    )
    return commitment


def _owns(record: CreditRecord, entity: Entity | None, person: Person | None) -> bool:
    if entity is not None and record.entity_id == entity.id:
        return True
    return person is not None and record.person_id == person.id


def _subject_fields(commitment: Commitment, extra: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {"XDR_MC": commitment.committer_name, "XDR_LB": commitment.committer_category}
    if commitment.committer_category == "自然人":
        fields["XDR_ZJLX"] = extra.get("id_type") or "身份证"
        fields["XDR_ZJHM"] = extra["id_number"]
    else:
        fields["XDR_SHXYM"] = commitment.committer_code
        if extra.get("legal_rep"):
            fields["FRDB"] = extra["legal_rep"]
    return fields


def _record_extra(session: Session, commitment: Commitment, cipher: FieldCipher) -> dict[str, str]:
    """The subject fields a stored record needs again (legal representative, clear ID number) for a new version."""
    extra: dict[str, str] = {}
    if commitment.record_id:
        record = session.get(CreditRecord, commitment.record_id)
        if record is not None:
            extra["legal_rep"] = str(record.fields.get("FRDB") or "")
            extra["id_type"] = str(record.fields.get("XDR_ZJLX") or "身份证")
    if commitment.person_id:
        person = session.get(Person, commitment.person_id)
        assert person is not None
        extra["id_number"] = cipher.decrypt(person.id_cipher)
    return extra


def _store_commitment_record(
    session: Session, commitment: Commitment, *, extra: dict[str, str], actor: Actor, cipher: FieldCipher
) -> CreditRecord:
    """Store (or re-version) the commitment as a record of the catalogue's commitment item; openness respected.

    The record belongs to the accepting unit (the matter's department), so a fulfilment finding versions it.
    """
    matter = session.get(CommitmentMatter, commitment.matter_id)
    assert matter is not None
    department = _department(session, matter.department_id)
    fields = _subject_fields(commitment, extra)
    fields.update(
        {
            "WSH": commitment.code,
            "CNLX": commitment.commitment_type,
            "CNSY": commitment.reason,
            "NR": commitment.content,
            "WYZR": commitment.liability,
            "GKLX": commitment.openness,
            "JDRQ": commitment.made_on.isoformat(),
            "JDJG": commitment.accepting_unit,
            "JDJGDM": commitment.accepting_unit_code,
            "SJLY": department.name,
            "SJLYDM": department.uscc,
            "BZ": f"承诺事项：{matter.name}（{matter.code}）；办理方式：{CHANNEL_LABELS[commitment.channel]}",
        }
    )
    if commitment.fulfilment:
        fields["LXZT"] = commitment.fulfilment
        if commitment.unfulfilled_content:
            fields["WLXNR"] = commitment.unfulfilled_content
        if commitment.accountability:
            fields["ZJNR"] = commitment.accountability
    result, _spec = ingestion_service.submit_one(
        session, kind=COMMITMENT_ITEM, fields=fields, department_code=department.code, actor=actor, cipher=cipher
    )
    record = result.record
    if not load_rules().openness_types.get(commitment.openness, False) and record.publicity_until is not None:
        records_service.set_publicity(
            session,
            record_id=record.id,
            publicity_from=None,
            publicity_until=None,
            reason=f"承诺公开类型为“{commitment.openness}”，不在门户网站公示",
            actor=actor,
        )
    return record


def get_commitment(session: Session, commitment_id: int) -> Commitment:
    """A commitment by id."""
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise NotFound(f"信用承诺{commitment_id}不存在。")
    return row


def commitment_by_code(session: Session, code: str) -> Commitment:
    """A commitment by its 承诺编码."""
    row = session.execute(select(Commitment).where(Commitment.code == code.strip())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"承诺编码为{code}的信用承诺不存在。")
    return row


def list_commitments(
    session: Session,
    *,
    department_id: Departments = ALL_DEPARTMENTS,
    entity_id: int | None = None,
    pending_only: bool = False,
    limit: int = 200,
) -> list[Commitment]:
    """Commitments, newest first."""
    stmt = select(Commitment).options(selectinload(Commitment.matter)).order_by(Commitment.id.desc()).limit(limit)
    stmt = stmt.where(scope_of(department_id).where(Commitment.department_id))
    if entity_id is not None:
        stmt = stmt.where(Commitment.entity_id == entity_id)
    if pending_only:
        stmt = stmt.where(Commitment.fulfilment.is_(None))
    return list(session.execute(stmt).scalars())


def overdue_verifications(
    session: Session, *, department_id: Departments = ALL_DEPARTMENTS, on: date | None = None, limit: int = 500
) -> list[Commitment]:
    """Commitments whose verification deadline has passed without a fulfilment finding, most overdue first."""
    day = on or get_clock().today()
    stmt = (
        select(Commitment)
        .options(selectinload(Commitment.matter), selectinload(Commitment.department))
        .where(Commitment.fulfilment.is_(None), Commitment.verify_by < day)
        .order_by(Commitment.verify_by, Commitment.id)
        .limit(limit)
    )
    stmt = stmt.where(scope_of(department_id).where(Commitment.department_id))
    return list(session.execute(stmt).scalars())


def due_soon(session: Session, *, department_id: Departments = ALL_DEPARTMENTS, days: int = 5) -> list[Commitment]:
    """Commitments to verify within the next few calendar days (reminders before the deadline)."""
    today = get_clock().today()
    stmt = (
        select(Commitment)
        .options(selectinload(Commitment.matter))
        .where(
            Commitment.fulfilment.is_(None),
            Commitment.verify_by >= today,
            Commitment.verify_by <= today + timedelta(days=days),
        )
        .order_by(Commitment.verify_by, Commitment.id)
    )
    stmt = stmt.where(scope_of(department_id).where(Commitment.department_id))
    return list(session.execute(stmt).scalars())


def overdue_counts(session: Session, *, on: date | None = None) -> list[tuple[str, str, int]]:
    """Per department: code, name, commitments overdue for verification."""
    day = on or get_clock().today()
    stmt = (
        select(Department.code, Department.name, func.count(Commitment.id))
        .join(Commitment, Commitment.department_id == Department.id)
        .where(Commitment.fulfilment.is_(None), Commitment.verify_by < day)
        .group_by(Department.code, Department.name, Department.sort_order)
        .order_by(Department.sort_order)
    )
    return [(code, name, int(n)) for code, name, n in session.execute(stmt)]


def public_commitments(session: Session, *, entity_id: int) -> list[Commitment]:
    """The entity's commitments that may be shown to the public (公开类型 可向社会公开)."""
    public = [k for k, shown in load_rules().openness_types.items() if shown]
    stmt = (
        select(Commitment)
        .options(selectinload(Commitment.matter))
        .where(Commitment.entity_id == entity_id, Commitment.openness.in_(public))
        .order_by(Commitment.made_on.desc(), Commitment.id.desc())
    )
    return list(session.execute(stmt).scalars())


def fulfilment_label(commitment: Commitment) -> str:
    """The fulfilment state in Chinese (待核查 until a finding is recorded)."""
    if commitment.fulfilment is None:
        return PENDING_LABEL
    return commitment.fulfilment + ("（虚假承诺）" if commitment.is_false else "")


# --------------------------------------------------------------------------------------------------
# Fulfilment and breach (T2, T3)
# --------------------------------------------------------------------------------------------------

FULFILMENT_FIELDS = {
    "fulfilment": "承诺履行状态",
    "unfulfilled_content": "未履行内容",
    "accountability": "违诺责任追究内容",
    "is_false": "虚假承诺",
}


@dataclass
class BreachOutcome:
    """What a breach triggered."""

    record_id: int
    ban: CommitmentBan | None
    proposal: ListProposal | None
    reopened_record_id: int | None


def record_fulfilment(
    session: Session,
    *,
    commitment_id: int,
    values: dict[str, Any],
    actor: Actor,
    cipher: FieldCipher,
    department_id: Departments,
) -> tuple[Commitment, BreachOutcome | None]:
    """Record what the verification found; a breach (not 全部履行, or a false commitment) runs the breach flow.

    ``department_id`` is the caller's departments (``ALL_DEPARTMENTS`` for the credit office; None: refused).
    """
    rules = load_rules()
    commitment = get_commitment(session, commitment_id)
    scope = scope_of(department_id)
    if not scope.allows(commitment.department_id):
        raise scope.refusal(
            f"信用承诺{commitment.code}由{commitment.department.name}负责核查，本部门不能记录其履行情况。"
        )
    if commitment.fulfilment is not None:
        raise Conflict(
            f"信用承诺{commitment.code}的履行情况已于{commitment.verified_on}记录为“{fulfilment_label(commitment)}”，"
            "不能重复记录。"
        )
    errors = _Errors(FULFILMENT_FIELDS)
    state = _text(values, "fulfilment")
    if not state:
        errors.add("fulfilment", "必填项缺失")
    elif state not in rules.fulfilment_states:
        errors.add("fulfilment", f"应为：{'、'.join(rules.fulfilment_states)}")
    is_false = _flag(values.get("is_false"))
    unfulfilled = _text(values, "unfulfilled_content")
    accountability = _text(values, "accountability")
    if state in rules.breach_states:
        if not unfulfilled:
            errors.add("unfulfilled_content", f"履行状态为{state}时必填")
        if not accountability:
            errors.add("accountability", f"履行状态为{state}时必填")
    if is_false and state == FULFILLED:
        errors.add("is_false", "虚假承诺不能记录为全部履行")
    errors.raise_if_any("履行情况有误，未记录")
    extra = _record_extra(session, commitment, cipher)
    commitment.fulfilment = state
    commitment.unfulfilled_content = unfulfilled or None
    commitment.accountability = accountability or None
    commitment.is_false = is_false
    commitment.verified_on = get_clock().today()
    record = _store_commitment_record(session, commitment, extra=extra, actor=actor, cipher=cipher)
    commitment.record_id = record.id
    session.flush()
    audit(
        session,
        actor=actor,
        action="commitment.fulfilment",
        object_type="commitment",
        object_id=commitment.id,
        detail={"code": commitment.code, "fulfilment": state, "false": is_false},
    )
    outcome = None
    if state in rules.breach_states:
        outcome = _breach(session, commitment, extra=extra, actor=actor, cipher=cipher)
    return commitment, outcome


def _breach(
    session: Session, commitment: Commitment, *, extra: dict[str, str], actor: Actor, cipher: FieldCipher
) -> BreachOutcome:
    """A negative record of the breach, then the matter's measures, then re-publication for 信用修复型."""
    rules = load_rules()
    matter = session.get(CommitmentMatter, commitment.matter_id)
    assert matter is not None
    department = _department(session, commitment.department_id)
    today = get_clock().today()
    fields = _subject_fields(commitment, extra)
    fields.update(
        {
            "WSH": f"WN{commitment.code}",
            "CNBM": commitment.code,
            "CNLX": commitment.commitment_type,
            "LXZT": commitment.fulfilment,
            "SFXJ": "是" if commitment.is_false else "否",
            "NR": commitment.unfulfilled_content,
            "ZJNR": commitment.accountability,
            "JDRQ": today.isoformat(),
            "JDJG": department.name,
            "JDJGDM": department.uscc,
            "SJLY": department.name,
            "SJLYDM": department.uscc,
            "BZ": f"承诺事项：{matter.name}（{matter.code}）",
        }
    )
    result, _spec = ingestion_service.submit_one(
        session, kind=BREACH_ITEM, fields=fields, department_code=department.code, actor=actor, cipher=cipher
    )
    commitment.breach_record_id = result.record.id
    subject = {"entity_id": commitment.entity_id, "person_id": commitment.person_id}
    ban = None
    if matter.breach_ban_months:
        ends = disclosure_rules.add_months(today, matter.breach_ban_months) - timedelta(days=1)
        ban = CommitmentBan(
            **subject,
            commitment_id=commitment.id,
            starts_on=today,
            ends_on=ends,
            reason=f"违背信用承诺{commitment.code}（{matter.name}）",
            created_at=get_clock().now(),
        )
        session.add(ban)
    proposal = None
    if matter.breach_key_attention:
        proposal = ListProposal(
            **subject,
            list_item="key_attention",
            department_id=department.id,
            commitment_id=commitment.id,
            reason=f"违背信用承诺{commitment.code}（{matter.name}）：{commitment.unfulfilled_content}",
            status="pending",
            created_at=get_clock().now(),
        )
        session.add(proposal)
    reopened = None
    if commitment.commitment_type == rules.repair_type and commitment.related_record_id:
        reopened = reopen_publicity(
            session,
            record_id=commitment.related_record_id,
            reason=f"信用修复承诺{commitment.code}未履行，已修复的信息恢复公示至最长公示期",
            actor=actor,
        ).id
    session.flush()
    audit(
        session,
        actor=actor,
        action="commitment.breach",
        object_type="commitment",
        object_id=commitment.id,
        detail={
            "code": commitment.code,
            "breach_record_id": result.record.id,
            "ban_until": ban.ends_on.isoformat() if ban else None,
            "key_attention_proposal": proposal.id if proposal else None,
            "reopened_record_id": reopened,
        },
    )
    return BreachOutcome(result.record.id, ban, proposal, reopened)


def reopen_publicity(session: Session, *, record_id: int, reason: str, actor: Actor) -> CreditRecord:
    """Put a repaired (or expired) record back to 有效 and publish it again up to its maximum publicity period."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"信用记录{record_id}不存在。")
    if record.status in (states.REPAIRED, states.EXPIRED):
        records_service.transition(session, record_id=record.id, target=states.VALID, reason=reason, actor=actor)
    item = session.get(CatalogItem, record.item_id)
    assert item is not None
    spec = catalog_service.spec_of(item)
    window = disclosure_rules.decide(
        rules=disclosure_rules.load_regimes(),
        item_code=record.item_code,
        publicity_rule=spec.publicity_rule,
        subject_category=record.subject_category,
        decision_date=record.decision_date,
        fields=record.fields,
    )
    if window.published:
        records_service.set_publicity(
            session,
            record_id=record.id,
            publicity_from=window.start,
            publicity_until=window.max_end,
            reason=reason,
            actor=actor,
        )
    return record


def pending_proposals(session: Session, *, limit: int = 200) -> list[ListProposal]:
    """List proposals from commitment breaches waiting for the listing workflow."""
    stmt = select(ListProposal).where(ListProposal.status == "pending").order_by(ListProposal.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


# --------------------------------------------------------------------------------------------------
# Voluntary registration (T11)
# --------------------------------------------------------------------------------------------------

VOLUNTARY_FIELDS = {
    "kind": "信息类别",
    "title": "信息名称",
    "content": "信息内容",
    "valid_from": "有效期自",
    "valid_until": "有效期至",
    "department": "核验部门",
    "truthful": "真实性承诺",
    "attachments": "附件",
    "legal_rep": "法定代表人",
}
VOLUNTARY_STATUS = {"unverified": "自愿注册（未经核验）", "verified": "自愿注册（已核验）", "false": "经核验不实"}
_MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


@dataclass(frozen=True)
class Upload:
    """One uploaded file."""

    filename: str
    data: bytes


def ensure_truth_matter(session: Session, *, actor: Actor) -> CommitmentMatter:
    """The system matter for truthfulness commitments of voluntary registration (created on first use)."""
    spec = load_rules().voluntary.truth_matter
    matter = matter_by_code(session, spec.code)
    if matter is not None:
        return matter
    return save_matter(
        session,
        values={
            "code": spec.code,
            "name": spec.name,
            "department": spec.department,
            "matter_kind": "service",
            "commitment_type": spec.commitment_type,
            "standard_text": spec.standard_text,
            "breach_liability": spec.breach_liability,
            "verification_working_days": spec.verification_working_days,
            "online_signing": False,
            "is_system": True,
            "legal_basis": "密政办规〔2021〕3号任务11",
        },
        actor=actor,
    )


def legal_rep_of(session: Session, entity_id: int) -> str | None:
    """The entity's legal representative in force today (from its relations), if known."""
    for rel in subjects_service.relations_of(session, entity_id, on=get_clock().today()):
        if rel.role == "legal_rep":
            return rel.person.name
    return None


def _check_upload(upload: Upload, errors: _Errors) -> str | None:
    rules = load_rules().voluntary
    name = PurePath(upload.filename or "").name
    suffix = PurePath(name).suffix.lower()
    ctype = rules.allowed_types.get(suffix)
    if ctype is None:
        errors.add("attachments", f"“{name}”的类型不允许，只接受{'、'.join(rules.allowed_types)}文件")
        return None
    if not upload.data:
        errors.add("attachments", f"“{name}”是空文件")
        return None
    if len(upload.data) > rules.max_attachment_bytes:
        limit = rules.max_attachment_bytes / 1024 / 1024
        errors.add("attachments", f"“{name}”超过{limit:g}MB的大小限制")
        return None
    if not upload.data.startswith(_MAGIC.get(ctype, (b"",))):
        errors.add("attachments", f"“{name}”的内容与扩展名{suffix}不符")
        return None
    return ctype


def register_voluntary(
    session: Session,
    *,
    entity_id: int,
    values: dict[str, Any],
    uploads: list[Upload],
    actor: Actor,
    cipher: FieldCipher,
) -> VoluntaryInfo:
    """Register self-declared information with attachments and its truthfulness commitment (one transaction)."""
    rules = load_rules().voluntary
    errors = _Errors(VOLUNTARY_FIELDS)
    entity = session.get(Entity, entity_id)
    if entity is None or not entity.uscc:
        raise PermissionDenied("当前账号未关联有统一社会信用代码的市场主体，不能自愿注册信息。")
    kind = _text(values, "kind")
    if kind not in rules.kinds:
        errors.add("kind", f"应为：{'、'.join(f'{k}（{v}）' for k, v in rules.kinds.items())}")
    title = _text(values, "title")
    if not title:
        errors.add("title", "必填项缺失")
    elif len(title) > 200:
        errors.add("title", "不超过200字")
    content = _text(values, "content")
    if not content:
        errors.add("content", "必填项缺失")
    valid_from = _date(values, "valid_from", errors, required=False)
    valid_until = _date(values, "valid_until", errors, required=False)
    if valid_from and valid_until and valid_until < valid_from:
        errors.add("valid_until", "不能早于有效期自")
    department = None
    dept_code = _text(values, "department")
    if not dept_code:
        errors.add("department", "必填项缺失")
    else:
        try:
            department = subjects_service.department_by_code(session, dept_code)
        except NotFound:
            errors.add("department", f"部门代码“{dept_code}”不存在")
    if not _flag(values.get("truthful")):
        errors.add("truthful", "须承诺所注册信息真实、准确、完整")
    legal_rep = _text(values, "legal_rep") or legal_rep_of(session, entity.id) or ""
    if entity.category == "法人及非法人组织" and not legal_rep:
        errors.add("legal_rep", "本主体未登记法定代表人，请填写")
    if len(uploads) > rules.max_attachments:
        errors.add("attachments", f"最多上传{rules.max_attachments}个附件")
    checked = [(u, _check_upload(u, errors)) for u in uploads]
    errors.raise_if_any("自愿注册信息有误，未保存")
    assert department is not None
    matter = ensure_truth_matter(session, actor=actor)
    commitment = create_commitment(
        session,
        values={
            "matter": matter.code,
            "committer_category": entity.category,
            "committer_name": entity.name,
            "committer_code": entity.uscc,
            "legal_rep": legal_rep,
            "reason": f"自愿注册{rules.kinds[kind]}信息“{title}”",
            "content": matter.standard_text,
            "liability": matter.breach_liability,
            "made_on": get_clock().today().isoformat(),
            "openness": "可向社会公开",
        },
        channel="voluntary",
        actor=actor,
        cipher=cipher,
        entity_id=entity.id,
    )
    # The department that verifies the information also verifies its truthfulness commitment.
    commitment.department_id = department.id
    now = get_clock().now()
    info = VoluntaryInfo(
        entity_id=entity.id,
        kind=kind,
        title=title,
        content=content,
        valid_from=valid_from,
        valid_until=valid_until,
        department_id=department.id,
        commitment_id=commitment.id,
        status="unverified",
        created_at=now,
        created_by=actor.label,
    )
    session.add(info)
    session.flush()
    for upload, ctype in checked:
        assert ctype is not None
        session.add(
            VoluntaryAttachment(
                info_id=info.id,
                filename=PurePath(upload.filename).name[:200],
                content_type=ctype,
                size=len(upload.data),
                sha256=hashlib.sha256(upload.data).hexdigest(),
                data=upload.data,
                created_at=now,
            )
        )
    session.flush()
    audit(
        session,
        actor=actor,
        action="voluntary.register",
        object_type="voluntary_info",
        object_id=info.id,
        detail={
            "entity_id": entity.id,
            "kind": kind,
            "title": title,
            "commitment": commitment.code,
            "attachments": len(uploads),
        },
    )
    return info


def verify_voluntary(
    session: Session,
    *,
    info_id: int,
    truthful: bool,
    note: str,
    actor: Actor,
    cipher: FieldCipher,
    department_id: Departments,
) -> tuple[VoluntaryInfo, BreachOutcome | None]:
    """A department's finding on self-declared information; false information is a breach of its commitment."""
    info = get_voluntary(session, info_id)
    scope = scope_of(department_id)
    if not scope.allows(info.department_id):
        raise scope.refusal(f"该自愿注册信息由{info.department.name}核验，本部门不能核验。")
    if info.status != "unverified":
        raise Conflict(f"该自愿注册信息已核验（{VOLUNTARY_STATUS[info.status]}），不能重复核验。")
    note = note.strip()
    if not truthful and not note:
        raise ValidationFailed(
            "核验意见（note）：认定信息不实时必填，请写明不实之处。",
            details=[{"field": "note", "name": "核验意见", "reason": "认定信息不实时必填"}],
        )
    values: dict[str, Any] = {"fulfilment": FULFILLED}
    if not truthful:
        values = {
            "fulfilment": "全部未履行",
            "is_false": True,
            "unfulfilled_content": f"自愿注册的“{info.title}”信息经核验不实：{note}",
            "accountability": "按违背信用承诺处理，记入信用记录并依法公示",
        }
    _commitment, outcome = record_fulfilment(
        session,
        commitment_id=info.commitment_id,
        values=values,
        actor=actor,
        cipher=cipher,
        department_id=ALL_DEPARTMENTS,  # the verifying department was checked above; the commitment is the entity's
    )
    info.status = "verified" if truthful else "false"
    info.verified_at = get_clock().now()
    info.verified_by = actor.label
    info.verify_note = note or None
    session.flush()
    audit(
        session,
        actor=actor,
        action="voluntary.verify",
        object_type="voluntary_info",
        object_id=info.id,
        detail={"status": info.status, "note": note},
    )
    return info, outcome


def get_voluntary(session: Session, info_id: int) -> VoluntaryInfo:
    """Voluntarily registered information by id."""
    info = session.get(VoluntaryInfo, info_id)
    if info is None:
        raise NotFound(f"自愿注册信息{info_id}不存在。")
    return info


def list_voluntary(
    session: Session,
    *,
    entity_id: int | None = None,
    department_id: Departments = ALL_DEPARTMENTS,
    status: str | None = None,
) -> list[VoluntaryInfo]:
    """Voluntarily registered information, newest first."""
    stmt = select(VoluntaryInfo).options(selectinload(VoluntaryInfo.attachments)).order_by(VoluntaryInfo.id.desc())
    if entity_id is not None:
        stmt = stmt.where(VoluntaryInfo.entity_id == entity_id)
    stmt = stmt.where(scope_of(department_id).where(VoluntaryInfo.department_id))
    if status is not None:
        stmt = stmt.where(VoluntaryInfo.status == status)
    return list(session.execute(stmt.limit(500)).scalars())


@dataclass(frozen=True)
class DeclaredItem:
    """A self-declared item as a profile shows it."""

    kind: str
    title: str
    content: str
    valid_from: date | None
    valid_until: date | None
    verified: bool
    label: str
    registered_on: date
    attachments: int


def declared_items(session: Session, *, entity_id: int) -> list[DeclaredItem]:
    """The entity's voluntarily registered information for its profile: verified and not-yet-verified items, labelled.

    Information found false is not shown as the entity's own declaration (the breach is in its credit record).
    """
    kinds = load_rules().voluntary.kinds
    out = []
    for info in list_voluntary(session, entity_id=entity_id):
        if info.status == "false":
            continue
        out.append(
            DeclaredItem(
                kind=kinds.get(info.kind, info.kind),
                title=info.title,
                content=info.content,
                valid_from=info.valid_from,
                valid_until=info.valid_until,
                verified=info.status == "verified",
                label=VOLUNTARY_STATUS[info.status],
                registered_on=info.created_at.date(),
                attachments=len(info.attachments),
            )
        )
    return out


def get_attachment(session: Session, attachment_id: int) -> VoluntaryAttachment:
    """An attachment by id."""
    row = session.get(VoluntaryAttachment, attachment_id)
    if row is None:
        raise NotFound(f"附件{attachment_id}不存在。")
    return row
