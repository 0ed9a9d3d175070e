"""Credit repair (T26) and re-checks of repaired cases (T27).

An entity applies to repair one negative record about itself; the platform checks eligibility itself (every
check is shown, with the reason of any refusal in Chinese) and nothing is written when a check fails. The deciding
department (the record's department, "谁认定、谁修复") decides within the working-day deadline from the repair
rules; approval moves the record to 已修复 through the records state machine (it stays in the archive and leaves the
portal). The credit office samples approved repairs at random, verifiably, and revokes a wrong repair: the record
is published again for its maximum period and the false repair commitment is recorded as a breach.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.catalog.models import CatalogItem
from xinyong.commitments import lookups as commitment_lookups
from xinyong.commitments import service as commitments_service
from xinyong.core import deadlines, outbox
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import get_calendar
from xinyong.core.clock import get_clock, to_china
from xinyong.core.crypto import FieldCipher
from xinyong.core.datafiles import shipped_loader
from xinyong.core.db import get_or_404
from xinyong.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from xinyong.core.policy import ALL_DEPARTMENTS, Departments, scope_of
from xinyong.core.security import Principal
from xinyong.disclosure import service as disclosure_service
from xinyong.education import service as education_service
from xinyong.evidence import service as evidence_service
from xinyong.notices import service as notices
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.repair.models import RecheckCase, RecheckDraw, RepairApplication
from xinyong.subjects.models import Department, Entity

PENDING, APPROVED, REJECTED, REVOKED = "pending", "approved", "rejected", "revoked"
STATUS_LABELS = {PENDING: "待审核", APPROVED: "已修复", REJECTED: "不予修复", REVOKED: "修复已撤销"}
RECHECK_LABELS = {"pending": "待复核", "confirmed": "修复正确", "revoked": "撤销修复"}


# --------------------------------------------------------------------------------------------------
# Rules data
# --------------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Strict):
    confidence: str = Field(pattern=r"^[VPU]$")
    source: str = Field(min_length=1)


class RepairForm(_Strict):
    """A form of repair and the catalogue items it covers (the empty list: any other negative item)."""

    name: str = Field(min_length=1)
    items: list[str]


class WorkingDays(_Sourced):
    """A deadline in working days."""

    working_days: int = Field(ge=1)


class Course(_Sourced):
    """The repair training required before applying (None: not required)."""

    code: str | None


class Recheck(_Sourced):
    """The default sample rate of re-checks."""

    default_rate_percent: int = Field(ge=1, le=100)


class RepairRules(_Strict):
    """The repair rules file."""

    version: str
    effective_from: date
    title: str
    forms: dict[str, RepairForm]
    decide: WorkingDays
    feedback: WorkingDays
    remind_working_days: int = Field(ge=0)
    required_course: Course
    obligations: _Sourced
    recheck: Recheck

    def form_of(self, item_code: str) -> str:
        """The form of repair a record of this item takes."""
        for code, form in self.forms.items():
            if item_code in form.items:
                return code
        return next(code for code, form in self.forms.items() if not form.items)


def _check_rules(rules: RepairRules) -> None:
    if sum(1 for f in rules.forms.values() if not f.items) != 1:
        raise ValidationFailed("信用修复规则文件有误：forms 中须有且只有一种修复形式的 items 为空（其他失信信息）。")


load_rules = shipped_loader("xinyong.repair", "repair-rules.json", RepairRules, "信用修复规则", check=_check_rules)


# --------------------------------------------------------------------------------------------------
# Eligibility
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """One eligibility condition, as the applicant sees it."""

    key: str
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        """The form kept with the application and returned by the API."""
        return {"key": self.key, "name": self.name, "ok": self.ok, "detail": self.detail}


def repair_commitment(session: Session, *, record_id: int, entity_id: int) -> commitment_lookups.Commitment | None:
    """The entity's latest 信用修复型 commitment for the record, if it signed one."""
    return commitment_lookups.latest_for_record(
        session,
        record_id=record_id,
        entity_id=entity_id,
        commitment_type=commitments_service.load_rules().repair_type,
    )


def eligibility(session: Session, *, record: CreditRecord, entity: Entity, performance: str = "") -> list[CheckResult]:
    """Every repair condition for this record and entity, in order, each met or not with its reason."""
    rules = load_rules()
    today = get_clock().today()
    checks: list[CheckResult] = []

    def add(key: str, name: str, ok: bool, detail: str) -> None:
        checks.append(CheckResult(key, name, ok, detail))

    own = record.entity_id == entity.id
    add("subject", "信息主体", own, "该记录的信息主体是本单位" if own else "该信用记录不是关于本单位的，不能申请修复")
    if not own:
        return checks
    item = session.get(CatalogItem, record.item_id)
    assert item is not None
    negative = item.nature == "negative"
    add(
        "nature",
        "失信信息",
        negative,
        f"“{item.name}”属于失信信息" if negative else f"“{item.name}”不是失信信息，无需修复",
    )
    label = states.STATUS_LABELS[record.status]
    if not record.is_current:
        add("state", "记录状态", False, "该记录已被更正后的新版本取代，请对当前版本申请")
    elif record.status != states.VALID:
        reasons = {
            states.REPAIRED: "该记录已修复",
            states.DISPUTED: "该记录正在异议处理中，异议处理完毕后方可申请修复",
            states.EXPIRED: "该记录公示期已满，已不在门户显示，无需修复",
        }
        add("state", "记录状态", False, reasons.get(record.status, f"记录状态为“{label}”，不能申请修复"))
    else:
        add("state", "记录状态", True, f"记录状态为“{label}”")
    pending = session.execute(
        select(RepairApplication.number).where(
            RepairApplication.record_id == record.id, RepairApplication.status == PENDING
        )
    ).scalar_one_or_none()
    add(
        "pending",
        "重复申请",
        pending is None,
        "无正在办理的修复申请" if pending is None else f"修复申请{pending}正在办理中",
    )
    if negative:
        try:
            decision = disclosure_service.decide_for(
                record.item_code, item.publicity_rule, record.subject_category, record.decision_date, record.fields
            )
        except DomainError as exc:
            add("repairable", "可修复类别", False, f"无法确定公示规则：{exc.message}")
        else:
            if decision.early_end_allowed:
                add("repairable", "可修复类别", True, f"按{decision.regime_name}可以提前终止公示")
            else:
                why = next((line for line in decision.explanation if "提前" in line), "")
                add(
                    "repairable",
                    "可修复类别",
                    False,
                    "该类信息不得提前终止公示，不能申请信用修复" + (f"（{why}）" if why else ""),
                )
            if decision.min_end is None:
                add("minimum", "最短公示期", True, "该类信息无最短公示期要求")
            elif today > decision.min_end:
                add("minimum", "最短公示期", True, f"最短公示期已于{decision.min_end.isoformat()}届满")
            else:
                start = decision.min_end + timedelta(days=1)
                add(
                    "minimum",
                    "最短公示期",
                    False,
                    f"最短公示期至{decision.min_end.isoformat()}届满，自{start.isoformat()}起方可申请修复",
                )
    stated = bool(performance.strip())
    add(
        "obligations",
        "履行义务",
        stated,
        "已填写履行情况说明，由认定部门审核"
        if stated
        else "须说明已履行决定规定的义务（如已缴纳罚款、已整改到位）及凭证",
    )
    commitment = repair_commitment(session, record_id=record.id, entity_id=entity.id)
    breach_states = commitments_service.load_rules().breach_states
    if commitment is None:
        add("commitment", "信用修复承诺", False, "尚未就该记录作出信用修复型承诺，请先签署信用修复承诺书")
    elif commitment.fulfilment in breach_states:
        add("commitment", "信用修复承诺", False, f"信用修复承诺{commitment.code}已被认定未履行")
    else:
        add("commitment", "信用修复承诺", True, f"已签署信用修复承诺（承诺编码{commitment.code}）")
    course = rules.required_course.code
    if course:
        spec = education_service.course(course)
        done = education_service.requires_course(session, entity, course)
        add(
            "course",
            "信用修复培训",
            done,
            f"已完成“{spec.name}”" if done else f"须先完成信用修复培训“{spec.name}”（{course}），尚无有效的完成记录",
        )
    return checks


# --------------------------------------------------------------------------------------------------
# Applications
# --------------------------------------------------------------------------------------------------


def _number(prefix: str, day: date, row_id: int) -> str:
    return f"{prefix}{day:%Y%m%d}{row_id:06d}"


def apply(
    session: Session,
    *,
    record_id: int,
    entity_id: int,
    reason: str,
    performance: str,
    actor: Actor,
    files: list[evidence_service.Upload] | None = None,
    limits: evidence_service.Limits | None = None,
) -> RepairApplication:
    """File a repair application with its evidence files; every unmet condition and every bad file is reported at
    once and nothing is written."""
    rules = load_rules()
    record = get_or_404(session, CreditRecord, record_id, f"信用记录{record_id}不存在。")
    entity = get_or_404(session, Entity, entity_id, f"市场主体{entity_id}不存在。")
    reason, performance = (reason or "").strip(), (performance or "").strip()
    checks = eligibility(session, record=record, entity=entity, performance=performance)
    failed = [c for c in checks if not c.ok]
    if not reason:
        failed.append(CheckResult("reason", "申请理由", False, "必填项缺失"))
    limits = limits or evidence_service.DEFAULT_LIMITS
    if files:
        for problem in evidence_service.check(files, limits):
            failed.append(CheckResult("evidence_files", "证明材料文件", False, problem))
    if any(c.key == "subject" for c in failed):
        raise PermissionDenied("该信用记录不是关于本单位的，不能申请修复。")
    if failed:
        text = "；".join(f"{c.name}：{c.detail}" for c in failed)
        raise ValidationFailed(f"不符合信用修复条件，申请未提交：{text}。", details=[c.to_json() for c in failed])
    today = get_clock().today()
    due = deadlines.compute(session, today, rules.decide.working_days)
    feedback_due = deadlines.compute(session, today, rules.feedback.working_days)
    commitment = repair_commitment(session, record_id=record.id, entity_id=entity.id)
    assert commitment is not None
    app = RepairApplication(
        number=f"tmp-{secrets.token_hex(8)}",
        record_id=record.id,
        entity_id=entity.id,
        department_id=record.department_id,
        form=rules.form_of(record.item_code),
        reason=reason,
        performance=performance,
        commitment_id=commitment.id,
        checks=[c.to_json() for c in checks],
        status=PENDING,
        received_on=today,
        due_on=due.day,
        feedback_due_on=feedback_due.day,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(app)
    session.flush()
    for column, deadline, days, label in (
        ("due_on", due, rules.decide.working_days, "信用修复申请办理期限"),
        ("feedback_due_on", feedback_due, rules.feedback.working_days, "信用修复结果反馈期限"),
    ):
        deadlines.track(
            session,
            app,
            column,
            deadline,
            start=today,
            working_days=days,
            label=label,
            party_window=False,
            open_when={"status": [PENDING]},
        )
    app.number = _number("XF", today, app.id)
    session.flush()
    attached = []
    if files:
        attached = evidence_service.attach(
            session, owner_kind=evidence_service.REPAIR, owner_id=app.id, uploads=files, limits=limits, actor=actor
        )
    audit(
        session,
        actor=actor,
        action="repair.apply",
        object_type="repair_application",
        object_id=app.id,
        detail={
            "number": app.number,
            "record_id": record.id,
            "form": app.form,
            "due_on": app.due_on.isoformat(),
            "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in attached],
        },
    )
    return app


def get_application(session: Session, application_id: int) -> RepairApplication:
    """A repair application by id."""
    app = get_or_404(session, RepairApplication, application_id, f"信用修复申请{application_id}不存在。")
    return app


def decide(
    session: Session,
    *,
    application_id: int,
    approve: bool,
    note: str,
    actor: Actor,
    department_id: Departments,
) -> RepairApplication:
    """The deciding department's decision (``ALL_DEPARTMENTS``: the credit office; None: no department, refused)."""
    app = get_application(session, application_id)
    scope = scope_of(department_id)
    if not scope.allows(app.department_id):
        dept = session.get(Department, app.department_id)
        raise scope.refusal(f"信用修复申请{app.number}由{dept.name if dept else '认定部门'}审核，本部门不能作出决定。")
    if app.status != PENDING:
        raise Conflict(f"信用修复申请{app.number}已办结（{STATUS_LABELS[app.status]}），不能重复决定。")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(
            "审核意见：必填项缺失（不予修复的，须写明理由）。", details=[{"field": "note", "reason": "必填"}]
        )
    today = get_clock().today()
    app.decided_at = get_clock().now()
    app.decided_on = today
    app.decided_by = actor.label
    app.decision_note = note
    dept = session.get(Department, app.department_id)
    dept_name = dept.name if dept else "认定部门"
    if approve:
        record = session.get(CreditRecord, app.record_id)
        assert record is not None
        if record.status != states.VALID or not record.is_current:
            raise Conflict(
                f"信用记录当前状态为“{states.STATUS_LABELS[record.status]}”，不能修复（可能已被更正或正在异议处理中）。"
            )
        records_service.transition(
            session,
            record_id=app.record_id,
            target=states.REPAIRED,
            reason=f"信用修复申请{app.number}经{dept_name}审核同意：{note}",
            actor=actor,
        )
        app.status = APPROVED
        from xinyong.evaluation import service as evaluation_service  # the grade reflects the repair at once

        evaluation_service.evaluate_subjects(session, [app.entity_id], actor=actor)
        title = f"信用修复申请{app.number}已通过"
        body = f"{dept_name}同意修复，相关信息已停止在门户公示（仍保存在信用档案中，标注“已修复”）。审核意见：{note}"
    else:
        app.status = REJECTED
        title = f"信用修复申请{app.number}未通过"
        body = f"{dept_name}决定不予修复。理由：{note}"
    session.flush()
    _report_upward(session, app, dept)
    notices.notify(session, entity_id=app.entity_id, title=title, body=body, link="/console/my/repair")
    audit(
        session,
        actor=actor,
        action="repair.decide",
        object_type="repair_application",
        object_id=app.id,
        detail={"number": app.number, "status": app.status, "on_time": today <= app.due_on},
    )
    return app


def _report_upward(session: Session, app: RepairApplication, dept: Department | None) -> None:
    """Queue the repair result for the upward feed (G2), in this transaction."""
    record = session.get(CreditRecord, app.record_id)
    company = session.get(Entity, app.entity_id)
    form = load_rules().forms.get(app.form)
    outbox.emit(
        session,
        kind="repair",
        object_type="repair_application",
        object_id=app.id,
        fields={
            "XFBH": app.number,
            "XDR_MC": company.name if company else "",
            "XDR_SHXYM": company.uscc if company else "",
            "XXLB": record.item_code if record else "",
            "YWSH": record.document_number if record else "",
            "XFXS": form.name if form else app.form,
            "XFJG": "同意修复" if app.status == APPROVED else "不予修复",
            "JDRQ": app.decided_on,
            "JDBM": dept.name if dept else "",
            "JDBMDM": dept.code if dept else "",
            "SHYJ": app.decision_note,
        },
    )


def applications(
    session: Session,
    *,
    entity_id: int | None = None,
    department_id: Departments = ALL_DEPARTMENTS,
    status: str | None = None,
    limit: int = 200,
) -> list[RepairApplication]:
    """Applications, newest first, by entity, department or status."""
    stmt = select(RepairApplication).order_by(RepairApplication.id.desc()).limit(limit)
    if entity_id is not None:
        stmt = stmt.where(RepairApplication.entity_id == entity_id)
    stmt = stmt.where(scope_of(department_id).where(RepairApplication.department_id))
    if status is not None:
        stmt = stmt.where(RepairApplication.status == status)
    return list(session.execute(stmt).scalars())


@dataclass(frozen=True)
class Reminder:
    """A pending application and how its deadline stands."""

    application: RepairApplication
    working_days_left: int
    overdue: bool
    due_soon: bool


def reminders(session: Session, *, department_id: Departments = ALL_DEPARTMENTS) -> list[Reminder]:
    """Pending applications by deadline, overdue and due-soon ones flagged (the console's reminder list)."""
    rules = load_rules()
    today = get_clock().today()
    calendar = get_calendar(session)
    stmt = select(RepairApplication).where(RepairApplication.status == PENDING).order_by(RepairApplication.due_on)
    stmt = stmt.where(scope_of(department_id).where(RepairApplication.department_id))
    out = []
    for app in session.execute(stmt).scalars():
        left = calendar.working_days_between(today, app.due_on)
        out.append(Reminder(app, left, today > app.due_on, 0 <= left <= rules.remind_working_days))
    return out


# --------------------------------------------------------------------------------------------------
# Re-checks (T27)
# --------------------------------------------------------------------------------------------------


def pool_digest(pool: list[str]) -> str:
    """SHA-256 of the pool: its entries in order, each followed by a newline, UTF-8."""
    return hashlib.sha256("".join(f"{p}\n" for p in pool).encode()).hexdigest()


def select_sample(seed: str, pool: list[str], count: int) -> list[int]:
    """Positions (0-based, in selection order) of a verifiable random sample of the pool.

    For i = 0, 1, …: h = SHA-256(UTF-8 of ``seed|pool_sha256|i``), r = int(h, big-endian) mod (entries still in the
    pool); take the r-th remaining entry counting from 0 in pool order and remove it. Anyone holding the published
    seed and pool can re-run it.
    """
    digest = pool_digest(pool)
    remaining = list(range(len(pool)))
    picked: list[int] = []
    for i in range(min(count, len(pool))):
        h = hashlib.sha256(f"{seed}|{digest}|{i}".encode()).digest()
        picked.append(remaining.pop(int.from_bytes(h, "big") % len(remaining)))
    return picked


def sample_size(pool_size: int, rate_percent: int) -> int:
    """How many to sample: the rate of the pool rounded up (at least one of a non-empty pool)."""
    return min(pool_size, math.ceil(pool_size * rate_percent / 100)) if pool_size else 0


def draw_recheck(
    session: Session, *, period_from: date, period_to: date, rate_percent: int, seed: str, actor: Actor
) -> RecheckDraw:
    """Sample approved repairs decided in the period for re-checking; the pool, seed and digest are kept."""
    problems = []
    seed = (seed or "").strip()
    if len(seed) < 4:
        problems.append({"field": "seed", "reason": "随机种子至少4个字符（建议使用事先公布的公开数值，如开奖号码）"})
    if not 1 <= rate_percent <= 100:
        problems.append({"field": "rate_percent", "reason": "抽查比例应为1至100之间的整数（百分比）"})
    if period_to < period_from:
        problems.append({"field": "period_to", "reason": "截止日期不能早于起始日期"})
    if problems:
        raise ValidationFailed("复核抽查参数有误：" + "；".join(p["reason"] for p in problems), details=problems)
    rows = session.execute(
        select(RepairApplication)
        .where(
            RepairApplication.status == APPROVED,
            RepairApplication.decided_on >= period_from,
            RepairApplication.decided_on <= period_to,
        )
        .order_by(RepairApplication.number)
    ).scalars()
    apps = list(rows)
    if not apps:
        raise ValidationFailed(f"{period_from.isoformat()}至{period_to.isoformat()}没有已修复的案例，无需抽查。")
    pool = [a.number for a in apps]
    picked = select_sample(seed, pool, sample_size(len(pool), rate_percent))
    today = get_clock().today()
    draw = RecheckDraw(
        number=f"tmp-{secrets.token_hex(8)}",
        period_from=period_from,
        period_to=period_to,
        rate_percent=rate_percent,
        seed=seed,
        pool=pool,
        pool_sha256=pool_digest(pool),
        selected=[pool[i] for i in picked],
        drawn_at=get_clock().now(),
        drawn_by=actor.label,
    )
    session.add(draw)
    session.flush()
    draw.number = _number("FH", today, draw.id)
    for position, i in enumerate(picked, start=1):
        session.add(RecheckCase(draw_id=draw.id, application_id=apps[i].id, position=position, status="pending"))
    session.flush()
    audit(
        session,
        actor=actor,
        action="repair.recheck_draw",
        object_type="repair_recheck_draw",
        object_id=draw.id,
        detail={"number": draw.number, "pool": len(pool), "selected": draw.selected, "sha256": draw.pool_sha256},
    )
    return draw


def draws(session: Session, *, limit: int = 50) -> list[RecheckDraw]:
    """Re-check draws, newest first."""
    return list(session.execute(select(RecheckDraw).order_by(RecheckDraw.id.desc()).limit(limit)).scalars())


def get_draw(session: Session, draw_id: int) -> RecheckDraw:
    """A re-check draw by id."""
    draw = get_or_404(session, RecheckDraw, draw_id, f"复核抽查{draw_id}不存在。")
    return draw


def cases_of(session: Session, draw_id: int) -> list[RecheckCase]:
    """The sampled cases of a draw, in selection order."""
    stmt = select(RecheckCase).where(RecheckCase.draw_id == draw_id).order_by(RecheckCase.position)
    return list(session.execute(stmt).scalars())


def review_case(
    session: Session, *, case_id: int, revoke: bool, finding: str, actor: Actor, cipher: FieldCipher
) -> RecheckCase:
    """Record the re-check finding; revoking a wrong repair re-publishes the record for its maximum period and
    records the repair commitment as broken (false), which writes the breach into the entity's credit record."""
    case = get_or_404(session, RecheckCase, case_id, f"复核案例{case_id}不存在。")
    if case.status != "pending":
        raise Conflict(f"该案例已复核（{RECHECK_LABELS[case.status]}），不能重复记录。")
    finding = (finding or "").strip()
    if not finding:
        raise ValidationFailed("复核意见：必填项缺失。", details=[{"field": "finding", "reason": "必填"}])
    app = get_application(session, case.application_id)
    case.finding = finding
    case.reviewed_at = get_clock().now()
    case.reviewed_by = actor.label
    if not revoke:
        case.status = "confirmed"
    else:
        if app.status != APPROVED:
            raise Conflict(f"信用修复申请{app.number}当前为“{STATUS_LABELS[app.status]}”，不能撤销修复。")
        reason = f"复核发现信用修复申请{app.number}不应修复（{finding}），撤销修复并恢复公示至最长公示期"
        commitment = commitments_service.get_commitment(session, app.commitment_id)
        if commitment.fulfilment is None:
            _c, outcome = commitments_service.record_fulfilment(
                session,
                commitment_id=commitment.id,
                values={
                    "fulfilment": "全部未履行",
                    "is_false": True,
                    "unfulfilled_content": f"以虚假材料或不实承诺取得信用修复：{finding}",
                    "accountability": "撤销信用修复，相关信息恢复公示至最长公示期，违背承诺记入信用记录",
                },
                actor=actor,
                cipher=cipher,
                department_id=ALL_DEPARTMENTS,  # the credit office's re-check finding
            )
            case.breach_record_id = outcome.record_id if outcome else None
        record = session.get(CreditRecord, app.record_id)
        assert record is not None
        if record.status == states.REPAIRED:  # the breach flow re-publishes it already when it ran
            commitments_service.reopen_publicity(session, record_id=record.id, reason=reason, actor=actor)
        app.status = REVOKED
        case.status = "revoked"
        notices.notify(
            session,
            entity_id=app.entity_id,
            title=f"信用修复{app.number}已被撤销",
            body=f"经复核，{finding}。相关信息恢复公示至最长公示期，违背信用修复承诺的情况已记入信用记录。",
            link="/console/my/repair",
        )
    session.flush()
    audit(
        session,
        actor=actor,
        action="repair.recheck",
        object_type="repair_recheck",
        object_id=case.id,
        detail={"application": app.number, "status": case.status, "breach_record_id": case.breach_record_id},
    )
    return case


# --------------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentStats:
    """Repair applications of one deciding department."""

    department: str
    total: int
    pending: int
    approved: int
    rejected: int
    revoked: int
    decided_on_time: int
    decided_late: int
    pending_overdue: int
    average_working_days: float | None

    @property
    def approval_rate(self) -> float | None:
        """Approved (including later revoked) among decided applications."""
        decided = self.approved + self.rejected + self.revoked
        return (self.approved + self.revoked) / decided if decided else None


def statistics(session: Session) -> list[DepartmentStats]:
    """Per deciding department: applications, outcomes, decisions on time, processing time in working days."""
    today = get_clock().today()
    calendar = get_calendar(session)
    names = {d.id: d.name for d in session.execute(select(Department)).scalars()}
    grouped: dict[int, list[RepairApplication]] = {}
    for app in session.execute(select(RepairApplication).order_by(RepairApplication.id)).scalars():
        grouped.setdefault(app.department_id, []).append(app)
    out = []
    for dept_id, apps in grouped.items():
        decided = [a for a in apps if a.decided_on is not None]
        spans = [calendar.working_days_between(a.received_on, a.decided_on) for a in decided if a.decided_on]
        out.append(
            DepartmentStats(
                department=names.get(dept_id, str(dept_id)),
                total=len(apps),
                pending=sum(1 for a in apps if a.status == PENDING),
                approved=sum(1 for a in apps if a.status == APPROVED),
                rejected=sum(1 for a in apps if a.status == REJECTED),
                revoked=sum(1 for a in apps if a.status == REVOKED),
                decided_on_time=sum(1 for a in decided if a.decided_on and a.decided_on <= a.due_on),
                decided_late=sum(1 for a in decided if a.decided_on and a.decided_on > a.due_on),
                pending_overdue=sum(1 for a in apps if a.status == PENDING and today > a.due_on),
                average_working_days=sum(spans) / len(spans) if spans else None,
            )
        )
    return sorted(out, key=lambda s: -s.total)


def dishonest_share(session: Session, *, days: list[date]) -> list[tuple[date, int, int]]:
    """For each day: entities with a negative record in publicity that day (current state), and all entities."""
    negative_ids = list(
        session.execute(
            select(CatalogItem.id).where(CatalogItem.nature == "negative", CatalogItem.openness == "public")
        ).scalars()
    )
    total = int(session.execute(select(func.count(Entity.id))).scalar_one())
    out = []
    for day in days:
        stmt = select(func.count(func.distinct(CreditRecord.entity_id))).where(
            CreditRecord.entity_id.is_not(None), disclosure_service.visible_on(day, negative_ids)
        )
        out.append((day, int(session.execute(stmt).scalar_one()), total))
    return out


def month_ends(today: date, months: int = 6) -> list[date]:
    """The last day of each of the past months and today, oldest first."""
    out = [today]
    day = today.replace(day=1) - timedelta(days=1)
    for _ in range(months - 1):
        out.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return sorted(out)


def describe_time(value: Any) -> str:
    """A timestamp in China time for pages."""
    return to_china(value).strftime("%Y-%m-%d %H:%M") if value else ""


# --------------------------------------------------------------------------------------------------
# Signing the repair commitment online
# --------------------------------------------------------------------------------------------------


def repair_matter_for(session: Session, department_id: int) -> Any:
    """The department's active 信用修复型 matter open to online signing (falls back to any department's)."""
    repair_type = commitments_service.load_rules().repair_type
    matters = commitment_lookups.matters_of_type(session, repair_type, online_only=True)
    return next((m for m in matters if m.department_id == department_id), matters[0] if matters else None)


def sign_repair_commitment(
    session: Session, *, record_id: int, entity: Entity, legal_rep: str, actor: Actor, cipher: FieldCipher
) -> commitment_lookups.Commitment:
    """The entity signs the 信用修复型 commitment for one of its records online (through the commitments module)."""
    record = session.get(CreditRecord, record_id)
    if record is None or record.entity_id != entity.id:
        raise PermissionDenied("只能为关于本单位的信用记录签署信用修复承诺。")
    matter = repair_matter_for(session, record.department_id)
    if matter is None:
        raise ValidationFailed("尚未设置可网上签署的信用修复承诺事项，请联系认定部门或信用办。")
    return commitments_service.create_commitment(
        session,
        values={
            "matter": matter.code,
            "committer_category": entity.category,
            "committer_name": entity.name,
            "committer_code": entity.uscc,
            "legal_rep": legal_rep,
            "reason": f"申请修复信用记录（{record.document_number}）",
            "content": matter.standard_text,
            "liability": matter.breach_liability,
            "made_on": get_clock().today().isoformat(),
            "openness": "可向社会公开",
            "related_record": record.id,
        },
        channel="online",
        actor=actor,
        cipher=cipher,
        entity_id=entity.id,
    )


def repairable_records(session: Session, *, entity_id: int) -> list[CreditRecord]:
    """The entity's current negative records in 有效 state (those it might apply to repair)."""
    negative = select(CatalogItem.id).where(CatalogItem.nature == "negative")
    stmt = (
        select(CreditRecord)
        .where(
            CreditRecord.entity_id == entity_id,
            CreditRecord.is_current.is_(True),
            CreditRecord.status == states.VALID,
            CreditRecord.item_id.in_(negative),
        )
        .order_by(CreditRecord.decision_date.desc())
    )
    return list(session.execute(stmt).scalars())


def _may_read_evidence(session: Session, principal: Principal, application_id: int) -> bool:
    """The applicant and the deciding department (``evidence.service``)."""
    a = get_application(session, application_id)
    return (principal.entity_id is not None and principal.entity_id == a.entity_id) or (
        principal.department_id is not None
        and principal.can("repair.review")
        and principal.department_id == a.department_id
    )


evidence_service.register_owner_reader(evidence_service.REPAIR, _may_read_evidence)
