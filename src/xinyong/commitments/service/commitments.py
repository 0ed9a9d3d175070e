"""Commitments (T2): a commitment with every national template field and its 承诺编码, stored as a credit record.

``create_commitment`` runs in named steps: the values are checked (every field error at once), then eligibility,
then the commitment is built with its code and verification deadline, its credit record is stored, and it is
audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments.models import Commitment, CommitmentMatter
from xinyong.commitments.service.codes import next_code
from xinyong.commitments.service.eligibility import GradeProvider, eligibility_problems, subject_grade
from xinyong.commitments.service.fields import int_value
from xinyong.commitments.service.matters import matter_by_code
from xinyong.commitments.service.rules import CommitmentRules, load_rules
from xinyong.commitments.service.storage import CHANNEL_LABELS, store_commitment_record
from xinyong.core import deadlines
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import Deadline
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import date_value as _date
from xinyong.core.forms import text_value as _text
from xinyong.core.identifiers import InvalidIdentifier, validate_uscc
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity, Person

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


@dataclass(frozen=True)
class _CommitmentValues:
    """A commitment's checked values: the matter, the committer found, the template fields, the day checked on."""

    matter: CommitmentMatter
    category: str
    name: str
    uscc: str | None
    entity: Entity | None
    person: Person | None
    ctype: str
    reason: str
    content: str
    liability: str
    made_on: date
    openness: str
    related: CreditRecord | None
    today: date
    extra: dict[str, str]


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
    checked = _commitment_values(
        session, values, channel=channel, cipher=cipher, department_id=department_id, entity_id=entity_id
    )
    _check_eligibility(session, checked, grade_provider=grade_provider)
    commitment, verify_by = _build_commitment(session, checked, channel=channel, actor=actor)
    stored = _store_record(session, commitment, checked, verify_by=verify_by, actor=actor, cipher=cipher)
    audit(
        session,
        actor=actor,
        action="commitment.create",
        object_type="commitment",
        object_id=commitment.id,
        detail={
            "code": commitment.code,
            "matter": checked.matter.code,
            "type": checked.ctype,
            "channel": channel,
            "record_id": stored.id,
            "openness": checked.openness,
        },
    )
    return commitment


def _commitment_values(
    session: Session,
    values: dict[str, Any],
    *,
    channel: str,
    cipher: FieldCipher,
    department_id: int | None,
    entity_id: int | None,
) -> _CommitmentValues:
    """Check every submitted value (the matter, the committer, the template fields); all field errors at once."""
    rules = load_rules()
    errors = _Errors(COMMITMENT_FIELDS)
    if channel not in CHANNEL_LABELS:
        raise ValidationFailed(f"办理方式“{channel}”不存在。")
    matter = _check_matter(session, values, errors, channel=channel, department_id=department_id)
    category = _text(values, "committer_category")
    if not category:
        errors.add("committer_category", "必填项缺失")
    elif category not in rules.committer_categories:
        errors.add("committer_category", f"应为：{'、'.join(rules.committer_categories)}")
    name = _text(values, "committer_name")
    if not name:
        errors.add("committer_name", "必填项缺失")
    uscc, entity, person = _check_committer(
        session, values, errors, category=category, channel=channel, entity_id=entity_id, cipher=cipher
    )
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
    related = _check_related(session, values, errors, rules, ctype=ctype, entity=entity, person=person)
    errors.raise_if_any("承诺信息有误，未记录")
    assert matter is not None and made_on is not None
    extra = {
        "legal_rep": _text(values, "legal_rep"),
        "id_type": _text(values, "id_type") or "身份证",
        "id_number": _text(values, "id_number"),
    }
    return _CommitmentValues(
        matter=matter,
        category=category,
        name=name,
        uscc=uscc,
        entity=entity,
        person=person,
        ctype=ctype,
        reason=reason,
        content=content,
        liability=liability,
        made_on=made_on,
        openness=openness,
        related=related,
        today=today,
        extra=extra,
    )


def _check_matter(
    session: Session, values: dict[str, Any], errors: _Errors, *, channel: str, department_id: int | None
) -> CommitmentMatter | None:
    """The matter named, if it exists, is in force and is open to the channel (another department's: refused)."""
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
    return matter


def _check_committer(
    session: Session,
    values: dict[str, Any],
    errors: _Errors,
    *,
    category: str,
    channel: str,
    entity_id: int | None,
    cipher: FieldCipher,
) -> tuple[str | None, Entity | None, Person | None]:
    """The committer's credit code and entity (an organisation) or person (自然人), checked against the channel."""
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
    return uscc, entity, person


def _check_related(
    session: Session,
    values: dict[str, Any],
    errors: _Errors,
    rules: CommitmentRules,
    *,
    ctype: str,
    entity: Entity | None,
    person: Person | None,
) -> CreditRecord | None:
    """For a 信用修复型 commitment: the committer's own record it repairs."""
    related: CreditRecord | None = None
    raw_related = values.get("related_record")
    if ctype == rules.repair_type:
        if raw_related in (None, ""):
            errors.add("related_record", "信用修复型承诺须指明所修复的信用记录编号")
        else:
            related_id = int_value(values, "related_record", errors, default=None)
            related = session.get(CreditRecord, related_id) if related_id is not None else None
            if related_id is not None and related is None:
                errors.add("related_record", f"信用记录“{raw_related}”不存在")
            elif related is not None and not _owns(related, entity, person):
                errors.add("related_record", "所修复的信用记录不属于该承诺人")
    return related


def _owns(record: CreditRecord, entity: Entity | None, person: Person | None) -> bool:
    if entity is not None and record.entity_id == entity.id:
        return True
    return person is not None and record.person_id == person.id


def _check_eligibility(session: Session, checked: _CommitmentValues, *, grade_provider: GradeProvider) -> None:
    """Refuse, naming every reason, a committer the matter does not admit to commitment-based approval."""
    problems = eligibility_problems(
        session, checked.matter, entity=checked.entity, person=checked.person, grade_provider=grade_provider
    )
    if problems:
        text = "；".join(f"{p['name']}：{p['reason']}" for p in problems)
        raise ValidationFailed(f"不能适用告知承诺制，未记录：{text}", details=problems)


def _build_commitment(
    session: Session, checked: _CommitmentValues, *, channel: str, actor: Actor
) -> tuple[Commitment, Deadline]:
    """The commitment with its new 承诺编码 and its verification deadline (not yet added to the session)."""
    matter = checked.matter
    code = next_code(session, day=checked.today)
    department = matter.department
    verify_by = deadlines.compute(session, checked.made_on, matter.verification_working_days)
    commitment = Commitment(
        code=code,
        matter_id=matter.id,
        department_id=department.id,
        committer_category=checked.category,
        committer_name=checked.name,
        committer_code=checked.uscc,
        entity_id=checked.entity.id if checked.entity else None,
        person_id=checked.person.id if checked.person else None,
        commitment_type=checked.ctype,
        reason=checked.reason,
        content=checked.content,
        liability=checked.liability,
        made_on=checked.made_on,
        accepting_unit=department.name,
        accepting_unit_code=department.uscc or "",
        openness=checked.openness,
        channel=channel,
        verify_by=verify_by.day,
        related_record_id=checked.related.id if checked.related else None,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    return commitment, verify_by


def _store_record(
    session: Session,
    commitment: Commitment,
    checked: _CommitmentValues,
    *,
    verify_by: Deadline,
    actor: Actor,
    cipher: FieldCipher,
) -> CreditRecord:
    """Store the commitment's credit record, then the commitment itself and its tracked verification deadline."""
    stored = store_commitment_record(session, commitment, extra=checked.extra, actor=actor, cipher=cipher)
    commitment.record_id = stored.id
    commitment.entity_id, commitment.person_id = stored.entity_id, stored.person_id
    session.add(commitment)
    session.flush()
    deadlines.track(
        session,
        commitment,
        "verify_by",
        verify_by,
        start=checked.made_on,
        working_days=checked.matter.verification_working_days,
        label="告知承诺核查期限",
        party_window=False,
        open_when={"fulfilment": [None]},
    )
    return stored
