"""Supervision (T19, T20): rectification orders with working-day deadlines and follow-up, reminder and warning
interviews by the identifying department (their record becomes a credit record), special campaigns."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import deadlines, outbox
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.forms import check_plausible
from xinyong.ingestion import service as ingestion_service
from xinyong.lists.models import Campaign, Interview, RectificationOrder
from xinyong.lists.service import Subject, _department, _Errors, _text, find_subject, legal_rep_for_entity
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Entity, Person

INTERVIEW_KINDS = {"reminder": "提示约谈", "warning": "警示约谈"}
ORDER_STATUS = {"open": "整改中", "rectified": "已整改", "failed": "逾期未整改"}


def _subject(session: Session, code: str, errors: _Errors, cipher: FieldCipher) -> Subject:
    try:
        subject = find_subject(session, code, cipher=cipher)
    except ValidationFailed as exc:
        errors.add("subject", exc.message.split("：", 1)[-1])
        return Subject()
    if subject.entity is None and subject.person is None:
        errors.add("subject", "该主体尚未登记")
    return subject


MAX_ORDER_WORKING_DAYS = 250
"""The longest rectification period: a year of working days (a larger number cannot be a real order)."""


def issue_order(
    session: Session,
    *,
    values: dict[str, Any],
    department_id: int | None,
    actor: Actor,
    cipher: FieldCipher,
) -> RectificationOrder:
    """Order a dishonest subject to rectify within a number of working days (the deadline from the calendar)."""
    dept = _department(session, department_id)
    errors = _Errors(
        {
            "subject": "主体代码",
            "content": "整改要求",
            "working_days": "整改期限（工作日）",
            "basis_record": "依据的信用记录",
            "campaign": "专项治理行动",
        }
    )
    subject = _subject(session, _text(values, "subject"), errors, cipher)
    content = _text(values, "content")
    if not content:
        errors.add("content", "必填项缺失")
    try:
        days = int(values.get("working_days") or 0)
        if not 1 <= days <= MAX_ORDER_WORKING_DAYS:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        days = 0
        errors.add("working_days", f"应为1—{MAX_ORDER_WORKING_DAYS}之间的整数")
    basis = values.get("basis_record")
    basis_id = int(basis) if basis not in (None, "") else None
    if basis_id is not None:
        rec = session.get(CreditRecord, basis_id)
        if rec is None or (rec.entity_id, rec.person_id) != (
            subject.entity.id if subject.entity else None,
            subject.person.id if subject.person else None,
        ):
            errors.add("basis_record", f"信用记录{basis_id}不存在或不属于该主体")
    campaign = values.get("campaign")
    campaign_id = int(campaign) if campaign not in (None, "") else None
    if campaign_id is not None:
        c = session.get(Campaign, campaign_id)
        if c is None or c.status != "open":
            errors.add("campaign", f"专项治理行动{campaign_id}不存在或已结束")
    errors.raise_if_any("整改通知有误，未保存")
    today = get_clock().today()
    due = deadlines.compute(session, today, days)
    order = RectificationOrder(
        entity_id=subject.entity.id if subject.entity else None,
        person_id=subject.person.id if subject.person else None,
        subject_name=subject.name,
        department_id=dept.id,
        basis_record_id=basis_id,
        campaign_id=campaign_id,
        content=content,
        issued_on=today,
        working_days=days,
        due_on=due.day,
        status="open",
        follow_ups=[],
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(order)
    session.flush()
    deadlines.track(
        session,
        order,
        "due_on",
        due,
        start=today,
        working_days=days,
        label="整改期限",
        party_window=True,
        open_when={"status": ["open"]},
    )
    audit(
        session,
        actor=actor,
        action="rectification.issue",
        object_type="rectification_order",
        object_id=order.id,
        detail={"subject": subject.label, "due_on": order.due_on.isoformat(), "campaign": campaign_id},
    )
    return order


def get_order(session: Session, order_id: int) -> RectificationOrder:
    """A rectification order by id."""
    order = session.get(RectificationOrder, order_id)
    if order is None:
        raise NotFound(f"整改通知{order_id}不存在。")
    return order


def follow_up(
    session: Session, *, order_id: int, note: str, rectified: bool, department_id: int | None, actor: Actor
) -> RectificationOrder:
    """Record a follow-up: rectified (closes the order) or not; after the deadline an unrectified order fails."""
    order = get_order(session, order_id)
    if order.department_id != department_id:
        raise PermissionDenied("只有下达整改通知的部门可以跟踪整改情况。")
    if order.status != "open":
        raise Conflict(f"整改通知已{ORDER_STATUS[order.status]}，不能再记录跟踪情况。")
    if not note.strip():
        raise ValidationFailed("跟踪情况（note）：必填项缺失", details=[{"field": "note", "reason": "必填项缺失"}])
    today = get_clock().today()
    order.follow_ups = [
        *order.follow_ups,
        {"on": today.isoformat(), "by": actor.label, "note": note.strip(), "rectified": rectified},
    ]
    if rectified:
        order.status, order.closed_on = "rectified", today
    elif today > order.due_on:
        order.status, order.closed_on = "failed", today
    session.flush()
    if order.status != "open":
        _report_outcome(session, order)
    audit(
        session,
        actor=actor,
        action="rectification.follow_up",
        object_type="rectification_order",
        object_id=order.id,
        detail={"rectified": rectified, "status": order.status},
    )
    return order


def _report_outcome(session: Session, order: RectificationOrder) -> None:
    """Queue a closed rectification order (supervision feedback) for the upward feed."""
    entity = session.get(Entity, order.entity_id) if order.entity_id else None
    dept = order.department
    outbox.emit(
        session,
        kind="supervision",
        object_type="rectification_order",
        object_id=order.id,
        fields={
            "ZGBH": f"ZG{order.id:08d}",
            "XDR_MC": order.subject_name,
            "XDR_SHXYM": entity.uscc if entity else "",
            "ZGNR": order.content,
            "XDRQ": order.issued_on,
            "ZGQX": order.due_on,
            "ZGJG": ORDER_STATUS[order.status],
            "JARQ": order.closed_on,
            "BM": dept.name if dept else "",
            "BMDM": dept.code if dept else "",
            "GZQK": order.follow_ups[-1]["note"] if order.follow_ups else "",
        },
    )


def overdue_orders(
    session: Session, *, department_id: int | None = None, on: date | None = None
) -> list[RectificationOrder]:
    """Open orders past their deadline (candidates for an interview)."""
    today = on or get_clock().today()
    stmt = select(RectificationOrder).where(RectificationOrder.status == "open", RectificationOrder.due_on < today)
    if department_id is not None:
        stmt = stmt.where(RectificationOrder.department_id == department_id)
    return list(session.execute(stmt.order_by(RectificationOrder.due_on)).scalars())


def list_orders(session: Session, *, department_id: int | None = None, limit: int = 200) -> list[RectificationOrder]:
    """Orders, newest first."""
    stmt = select(RectificationOrder)
    if department_id is not None:
        stmt = stmt.where(RectificationOrder.department_id == department_id)
    return list(session.execute(stmt.order_by(RectificationOrder.id.desc()).limit(limit)).scalars())


INTERVIEW_FIELDS = {
    "kind": "约谈类型",
    "subject": "主体代码",
    "order": "整改通知",
    "document_number": "约谈文书号",
    "held_on": "约谈日期",
    "participants": "参加人员",
    "record_text": "约谈记录",
    "commitments": "作出的承诺",
    "legal_rep": "法定代表人",
}


def hold_interview(
    session: Session, *, values: dict[str, Any], department_id: int | None, actor: Actor, cipher: FieldCipher
) -> Interview:
    """Record a reminder or warning interview ("谁认定、谁约谈"); its record becomes a credit record (interview)."""
    dept = _department(session, department_id)
    errors = _Errors(INTERVIEW_FIELDS)
    kind = _text(values, "kind")
    if kind not in INTERVIEW_KINDS:
        errors.add("kind", f"“{kind}”无效，可选：reminder（提示约谈）、warning（警示约谈）")
    subject = _subject(session, _text(values, "subject"), errors, cipher)
    order = None
    raw_order = values.get("order")
    if raw_order not in (None, ""):
        order = session.get(RectificationOrder, int(raw_order))
        if order is None:
            errors.add("order", f"整改通知{raw_order}不存在")
        elif order.department_id != dept.id:
            errors.add("order", "“谁认定、谁约谈”：只有下达整改通知的部门可以约谈")
    for key in ("document_number", "participants", "record_text"):
        if not _text(values, key):
            errors.add(key, "必填项缺失")
    held = _text(values, "held_on")
    held_on = None
    try:
        held_on = date.fromisoformat(held) if held else get_clock().today()
    except ValueError:
        errors.add("held_on", f"“{held}”不是YYYY-MM-DD格式的有效日期")
    if held_on and held_on > get_clock().today():
        errors.add("held_on", "约谈日期不能晚于今天")
    if (
        subject.entity is not None
        and subject.entity.category != "个体工商户"
        and not _text(values, "legal_rep")
        and legal_rep_for_entity(session, subject.entity.id) is None
    ):
        errors.add("legal_rep", "该单位未登记法定代表人，须填写")
    errors.raise_if_any("约谈记录有误，未保存")
    assert held_on is not None
    commitments = _text(values, "commitments") or None
    content = f"{INTERVIEW_KINDS[kind]}：{_text(values, 'record_text')}；参加人员：{_text(values, 'participants')}"
    if commitments:
        content += f"；约谈对象承诺：{commitments}"
    fields: dict[str, Any] = {"XDR_MC": subject.name}
    if subject.person is not None:
        fields.update({"XDR_LB": "自然人", "XDR_ZJLX": "身份证", "XDR_ZJHM": cipher.decrypt(subject.person.id_cipher)})
    else:
        assert subject.entity is not None
        fields.update({"XDR_LB": subject.entity.category, "XDR_SHXYM": subject.entity.uscc})
        legal_rep = _text(values, "legal_rep") or legal_rep_for_entity(session, subject.entity.id)
        if legal_rep:
            fields["FRDB"] = legal_rep
    fields.update(
        {
            "WSH": _text(values, "document_number"),
            "NR": content,
            "JDRQ": held_on.isoformat(),
            "JDJG": dept.name,
            "JDJGDM": dept.uscc,
            "SJLY": dept.name,
            "SJLYDM": dept.uscc,
        }
    )
    stored, _spec = ingestion_service.submit_one(
        session, kind="interview", fields=fields, department_code=dept.code, actor=actor, cipher=cipher
    )
    interview = Interview(
        kind=kind,
        entity_id=subject.entity.id if subject.entity else None,
        person_id=subject.person.id if subject.person else None,
        subject_name=subject.name,
        department_id=dept.id,
        order_id=order.id if order else None,
        document_number=_text(values, "document_number"),
        held_on=held_on,
        participants=_text(values, "participants"),
        record_text=_text(values, "record_text"),
        commitments=commitments,
        record_id=stored.record.id,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(interview)
    session.flush()
    audit(
        session,
        actor=actor,
        action="interview.record",
        object_type="credit_interview",
        object_id=interview.id,
        detail={
            "kind": kind,
            "subject": subject.label,
            "record_id": stored.record.id,
            "order": order.id if order else None,
        },
    )
    return interview


def list_interviews(session: Session, *, department_id: int | None = None, limit: int = 200) -> list[Interview]:
    """Interviews, newest first."""
    stmt = select(Interview)
    if department_id is not None:
        stmt = stmt.where(Interview.department_id == department_id)
    return list(session.execute(stmt.order_by(Interview.id.desc()).limit(limit)).scalars())


def create_campaign(session: Session, *, values: dict[str, Any], department_id: int | None, actor: Actor) -> Campaign:
    """Open a special campaign in a domain (T20)."""
    dept = _department(session, department_id)
    errors = _Errors(
        {"name": "行动名称", "domain": "治理领域", "goal": "治理目标", "starts_on": "开始日期", "ends_on": "结束日期"}
    )
    for key in ("name", "domain", "goal"):
        if not _text(values, key):
            errors.add(key, "必填项缺失")
    days: dict[str, date | None] = {}
    for key in ("starts_on", "ends_on"):
        raw = _text(values, key)
        try:
            days[key] = date.fromisoformat(raw) if raw else None
            if days[key] is None:
                errors.add(key, "必填项缺失")
        except ValueError:
            days[key] = None
            errors.add(key, f"“{raw}”不是YYYY-MM-DD格式的有效日期")
    starts, ends = days["starts_on"], days["ends_on"]
    check_plausible(starts, "starts_on", errors, today=get_clock().today())
    check_plausible(ends, "ends_on", errors, today=get_clock().today())
    if starts and ends and ends < starts:
        errors.add("ends_on", "结束日期早于开始日期")
    errors.raise_if_any("专项治理行动有误，未保存")
    assert starts is not None and ends is not None
    campaign = Campaign(
        name=_text(values, "name"),
        domain=_text(values, "domain"),
        department_id=dept.id,
        starts_on=starts,
        ends_on=ends,
        goal=_text(values, "goal"),
        status="open",
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(campaign)
    session.flush()
    audit(
        session,
        actor=actor,
        action="campaign.create",
        object_type="campaign",
        object_id=campaign.id,
        detail={"name": campaign.name, "domain": campaign.domain},
    )
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """A campaign by id."""
    c = session.get(Campaign, campaign_id)
    if c is None:
        raise NotFound(f"专项治理行动{campaign_id}不存在。")
    return c


def campaign_progress(session: Session, campaign_id: int) -> dict[str, int]:
    """Targets (orders) of the campaign by status, and interviews held on them."""
    counts = dict(
        session.execute(
            select(RectificationOrder.status, func.count())
            .where(RectificationOrder.campaign_id == campaign_id)
            .group_by(RectificationOrder.status)
        ).all()
    )
    today = get_clock().today()
    overdue = session.execute(
        select(func.count()).where(
            RectificationOrder.campaign_id == campaign_id,
            RectificationOrder.status == "open",
            RectificationOrder.due_on < today,
        )
    ).scalar_one()
    interviews = session.execute(
        select(func.count(Interview.id))
        .join(RectificationOrder, Interview.order_id == RectificationOrder.id)
        .where(RectificationOrder.campaign_id == campaign_id)
    ).scalar_one()
    total = sum(int(v) for v in counts.values())
    return {
        "targets": total,
        "open": int(counts.get("open", 0)),
        "rectified": int(counts.get("rectified", 0)),
        "failed": int(counts.get("failed", 0)),
        "overdue": int(overdue),
        "interviews": int(interviews),
    }


def close_campaign(
    session: Session, *, campaign_id: int, report: str, department_id: int | None, actor: Actor
) -> Campaign:
    """Close a campaign with its closing report (the progress figures are appended to it)."""
    c = get_campaign(session, campaign_id)
    if c.department_id != department_id:
        raise PermissionDenied("只有牵头部门可以结束专项治理行动。")
    if c.status != "open":
        raise Conflict("该专项治理行动已结束。")
    if not report.strip():
        raise ValidationFailed("总结报告（report）：必填项缺失", details=[{"field": "report", "reason": "必填项缺失"}])
    p = campaign_progress(session, campaign_id)
    figures = (
        f"治理对象{p['targets']}户：已整改{p['rectified']}户，逾期未整改{p['failed'] + p['overdue']}户，"
        f"仍在整改期内{p['open'] - p['overdue']}户；开展约谈{p['interviews']}次。"
    )
    c.closing_report = f"{report.strip()}\n\n{figures}"
    c.status, c.closed_on = "closed", get_clock().today()
    session.flush()
    audit(session, actor=actor, action="campaign.close", object_type="campaign", object_id=c.id, detail=p)
    return c


def list_campaigns(session: Session) -> list[Campaign]:
    """Every campaign, newest first."""
    return list(session.execute(select(Campaign).order_by(Campaign.id.desc())).scalars())


def subject_of(session: Session, entity_id: int | None, person_id: int | None) -> Entity | Person | None:
    """The entity or person of an order or interview."""
    if entity_id is not None:
        return session.get(Entity, entity_id)
    return session.get(Person, person_id) if person_id is not None else None
