"""Department performance figures (G4), computed by aggregate queries, and the annual assessment with its score.

Every figure is defined in docs/oversight.md exactly as computed here. A year is the assessment period; cases with
a deadline count when the deadline falls in the year and the case is either handled or already past its deadline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Text, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from xinyong.checks.models import ApprovalReport, CreditCheck
from xinyong.core.clock import CHINA_TZ, get_clock
from xinyong.core.datafiles import shipped_loader
from xinyong.core.errors import ValidationFailed
from xinyong.evaluation import service as evaluation_service
from xinyong.evaluation.models import EarlyWarning, WarningRecipient
from xinyong.ingestion.models import Batch, BatchError
from xinyong.inspections.models import InspectionItem, InspectionTask
from xinyong.objections.models import Objection
from xinyong.oversight.models import PlanItemUnit, PlanProgress
from xinyong.records.models import CreditRecord
from xinyong.repair.models import RepairApplication
from xinyong.subjects.models import Department, Domain

GRADES = ("A", "B", "C", "D")
TOP_ERRORS = 3


# --------------------------------------------------------------------------------------------------
# The assessment weighting (versioned data)
# --------------------------------------------------------------------------------------------------


class Indicator(BaseModel):
    """One scored indicator and its weight (points out of 100)."""

    model_config = ConfigDict(extra="forbid")
    key: str
    name: str = Field(min_length=1)
    weight: int = Field(ge=0)


class Weighting(BaseModel):
    """One version of the assessment weighting, in force from a date."""

    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=1)
    effective_from: date
    title: str
    note: str
    indicators: list[Indicator] = Field(min_length=1)


class WeightingFile(BaseModel):
    """The shipped file: every version."""

    model_config = ConfigDict(extra="forbid")
    versions: list[Weighting] = Field(min_length=1)


def _check_weightings(doc: WeightingFile) -> None:
    for w in doc.versions:
        unknown = [i.key for i in w.indicators if i.key not in INDICATORS]
        if unknown:
            raise ValidationFailed(f"考核权重文件有误：版本{w.version}含有未知指标{'、'.join(unknown)}。")
        if sum(i.weight for i in w.indicators) != 100:
            raise ValidationFailed(f"考核权重文件有误：版本{w.version}的权重合计应为100。")


_weighting_file = shipped_loader(
    "xinyong.oversight", "assessment-weights.json", WeightingFile, "考核权重", check=_check_weightings
)


def load_weightings() -> list[Weighting]:
    """Every shipped weighting version, checked (Chinese errors naming the place), oldest first."""
    return sorted(_weighting_file().versions, key=lambda w: w.effective_from)


def weighting_for(year: int) -> Weighting | None:
    """The version in force at the end of the assessed year (the latest one effective by 31 December); None for a
    year before every version (figures are shown, no score is computed)."""
    versions = [w for w in load_weightings() if w.effective_from <= date(year, 12, 31)]
    return versions[-1] if versions else None


# --------------------------------------------------------------------------------------------------
# Figures per department
# --------------------------------------------------------------------------------------------------


def _ratio(num: int, den: int | None) -> float | None:
    return num / den if den else None


@dataclass
class DepartmentFigures:
    """One department's counts for the year; rates are derived and None when there is nothing to measure."""

    department_id: int
    code: str
    name: str
    short_name: str
    records: int = 0
    on_time: int = 0
    late: int = 0
    batch_rows: int = 0
    rejected_rows: int = 0
    top_errors: list[tuple[str, str, int]] = field(default_factory=list)
    checks: int = 0
    checks_with_feedback: int = 0
    approvals: int = 0
    objections_due: int = 0
    objections_on_time: int = 0
    repairs_due: int = 0
    repairs_on_time: int = 0
    warnings: int = 0
    warnings_acknowledged: int = 0
    inspections_drawn: int = 0
    inspections_due: int = 0
    inspections_on_time: int = 0
    plan_items: int = 0
    plan_items_reported: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Records received by their publication deadline, of those whose timeliness is known."""
        return _ratio(self.on_time, self.on_time + self.late)

    @property
    def rejection_rate(self) -> float | None:
        """Rows rejected, of the rows of the department's batches."""
        return _ratio(self.rejected_rows, self.batch_rows)

    @property
    def acceptance_rate(self) -> float | None:
        """1 − rejection rate."""
        rate = self.rejection_rate
        return None if rate is None else 1 - rate

    @property
    def check_coverage(self) -> float | None:
        """Credit checks run per approval reported, capped at 1."""
        rate = _ratio(self.checks, self.approvals)
        return None if rate is None else min(1.0, rate)

    @property
    def feedback_rate(self) -> float | None:
        """Checks with the approver's feedback, of the checks run."""
        return _ratio(self.checks_with_feedback, self.checks)

    @property
    def objection_on_time_rate(self) -> float | None:
        """Objections decided by their deadline, of those due."""
        return _ratio(self.objections_on_time, self.objections_due)

    @property
    def repair_on_time_rate(self) -> float | None:
        """Repair applications decided by their deadline, of those due."""
        return _ratio(self.repairs_on_time, self.repairs_due)

    @property
    def warning_ack_rate(self) -> float | None:
        """Warnings signed for (any status after 待签收), of the warnings sent to the department."""
        return _ratio(self.warnings_acknowledged, self.warnings)

    @property
    def inspection_on_time_rate(self) -> float | None:
        """Inspection results published by their deadline, of those due."""
        return _ratio(self.inspections_on_time, self.inspections_due)

    @property
    def plan_report_rate(self) -> float | None:
        """Plan tasks the department is responsible for with at least one progress report in the year."""
        return _ratio(self.plan_items_reported, self.plan_items)

    def rate(self, key: str) -> float | None:
        """An indicator's value by its key."""
        value: float | None = getattr(self, key)
        return value

    def score(self, weighting: Weighting | None) -> float | None:
        """Σ weight × rate over indicators with a value, rescaled to 100 points; None when nothing is measurable or
        no weighting is in force."""
        if weighting is None:
            return None
        present = [(i.weight, v) for i in weighting.indicators if (v := self.rate(i.key)) is not None]
        total = sum(w for w, _ in present)
        if not total:
            return None
        return round(sum(w * v for w, v in present) * 100 / total, 2)


INDICATORS: dict[str, str] = {
    "on_time_rate": "信息报送及时率",
    "acceptance_rate": "报送数据合格率",
    "check_coverage": "信用核查覆盖率",
    "feedback_rate": "核查结果反馈完整率",
    "objection_on_time_rate": "异议按期办结率",
    "repair_on_time_rate": "信用修复按期办结率",
    "warning_ack_rate": "预警签收率",
    "inspection_on_time_rate": "抽查结果按期公示率",
    "plan_report_rate": "计划任务进展报送率",
}


@dataclass(frozen=True)
class Period:
    """An assessment year and the day figures are taken (today, or 31 December for a past year)."""

    year: int
    today: date

    @property
    def start(self) -> date:
        """1 January."""
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """31 December."""
        return date(self.year, 12, 31)

    @property
    def start_at(self) -> datetime:
        """1 January 00:00 China time."""
        return datetime(self.year, 1, 1, tzinfo=CHINA_TZ)

    @property
    def end_at(self) -> datetime:
        """The next 1 January 00:00 China time (exclusive)."""
        return datetime(self.year + 1, 1, 1, tzinfo=CHINA_TZ)


def period(year: int | None = None, *, today: date | None = None) -> Period:
    """The assessment period of a year (default: this year)."""
    today = today or get_clock().today()
    return Period(year or today.year, today)


def _due(deadline: Any, handled: Any, p: Period) -> Any:
    """Cases whose deadline falls in the year and that are handled or already past their deadline."""
    return and_(deadline >= p.start, deadline <= p.end, or_(handled, deadline < p.today))


def _by_department(session: Session, stmt: Any) -> dict[int, tuple[int, ...]]:
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in session.execute(stmt) if row[0] is not None}


def department_figures(session: Session, p: Period) -> list[DepartmentFigures]:
    """Every department's figures for the period, each family of figures from one aggregate query."""
    depts = session.execute(select(Department).order_by(Department.sort_order, Department.id)).scalars()
    figures = {d.id: DepartmentFigures(d.id, d.code, d.name, d.short_name) for d in depts}
    r = CreditRecord
    records = _by_department(
        session,
        select(
            r.department_id,
            func.count(r.id),
            func.count(r.id).filter(r.on_time.is_(True)),
            func.count(r.id).filter(r.on_time.is_(False)),
        )
        .where(r.version == 1, r.decision_date >= p.start, r.decision_date <= p.end)
        .group_by(r.department_id),
    )
    batches = _by_department(
        session,
        select(Batch.department_id, func.sum(Batch.rows), func.sum(Batch.rejected))
        .where(Batch.started_at >= p.start_at, Batch.started_at < p.end_at)
        .group_by(Batch.department_id),
    )
    c = CreditCheck
    checks = _by_department(
        session,
        select(c.department_id, func.count(c.id), func.count(c.feedback_at))
        .where(c.checked_on >= p.start, c.checked_on <= p.end)
        .group_by(c.department_id),
    )
    approvals = _by_department(
        session,
        select(ApprovalReport.department_id, func.sum(ApprovalReport.approvals))
        .where(ApprovalReport.period >= f"{p.year}-01", ApprovalReport.period <= f"{p.year}-12")
        .group_by(ApprovalReport.department_id),
    )
    o = Objection
    objections = _by_department(
        session,
        select(o.department_id, func.count(o.id), func.count(o.id).filter(o.decided_on <= o.due_on))
        .where(_due(o.due_on, o.decided_on.is_not(None), p))
        .group_by(o.department_id),
    )
    a = RepairApplication
    repairs = _by_department(
        session,
        select(a.department_id, func.count(a.id), func.count(a.id).filter(a.decided_on <= a.due_on))
        .where(_due(a.due_on, a.decided_on.is_not(None), p))
        .group_by(a.department_id),
    )
    w = WarningRecipient
    warnings = _by_department(
        session,
        select(w.department_id, func.count(w.id), func.count(w.id).filter(w.status != "new"))
        .join(EarlyWarning, EarlyWarning.id == w.warning_id)
        .where(EarlyWarning.created_at >= p.start_at, EarlyWarning.created_at < p.end_at)
        .group_by(w.department_id),
    )
    t = InspectionTask
    drawn_cond = and_(t.kind == "random", t.created_at >= p.start_at, t.created_at < p.end_at)
    due_cond = _due(t.publish_deadline, t.published_on.is_not(None), p)
    inspections = _by_department(
        session,
        select(
            t.department_id,
            func.count(t.id).filter(drawn_cond),
            func.count(t.id).filter(due_cond),
            func.count(t.id).filter(due_cond, t.published_on <= t.publish_deadline),
        )
        .where(or_(drawn_cond, due_cond))
        .group_by(t.department_id),
    )
    units = _by_department(
        session, select(PlanItemUnit.department_id, func.count()).group_by(PlanItemUnit.department_id)
    )
    reported = _by_department(
        session,
        select(PlanItemUnit.department_id, func.count(func.distinct(PlanProgress.plan_item_id)))
        .join(
            PlanProgress,
            and_(
                PlanProgress.plan_item_id == PlanItemUnit.plan_item_id,
                PlanProgress.department_id == PlanItemUnit.department_id,
            ),
        )
        .where(PlanProgress.period.like(f"{p.year}-%"))
        .group_by(PlanItemUnit.department_id),
    )
    for dept_id, f in figures.items():
        f.records, f.on_time, f.late = records.get(dept_id, (0, 0, 0))
        f.batch_rows, f.rejected_rows = batches.get(dept_id, (0, 0))
        f.checks, f.checks_with_feedback = checks.get(dept_id, (0, 0))
        (f.approvals,) = approvals.get(dept_id, (0,))
        f.objections_due, f.objections_on_time = objections.get(dept_id, (0, 0))
        f.repairs_due, f.repairs_on_time = repairs.get(dept_id, (0, 0))
        f.warnings, f.warnings_acknowledged = warnings.get(dept_id, (0, 0))
        f.inspections_drawn, f.inspections_due, f.inspections_on_time = inspections.get(dept_id, (0, 0, 0))
        (f.plan_items,) = units.get(dept_id, (0,))
        (f.plan_items_reported,) = reported.get(dept_id, (0,))
    for dept_id, field_name, reason, n in _top_errors(session, p):
        if dept_id in figures:
            figures[dept_id].top_errors.append((field_name, reason, n))
    return list(figures.values())


def _top_errors(session: Session, p: Period) -> list[tuple[int, str, str, int]]:
    """The most frequent (field, reason) pairs of rejected rows per department, ranked in SQL."""
    n = func.count(BatchError.id)
    ranked = (
        select(
            Batch.department_id.label("dept"),
            BatchError.field_name.label("field_name"),
            BatchError.reason.label("reason"),
            n.label("n"),
            func.row_number()
            .over(partition_by=Batch.department_id, order_by=(n.desc(), BatchError.field_name, BatchError.reason))
            .label("rk"),
        )
        .join(Batch, Batch.id == BatchError.batch_id)
        .where(Batch.started_at >= p.start_at, Batch.started_at < p.end_at)
        .group_by(Batch.department_id, BatchError.field_name, BatchError.reason)
        .subquery()
    )
    stmt = (
        select(ranked.c.dept, ranked.c.field_name, ranked.c.reason, ranked.c.n)
        .where(ranked.c.rk <= TOP_ERRORS)
        .order_by(ranked.c.dept, ranked.c.rk)
    )
    return [(d, fname, reason, int(count)) for d, fname, reason, count in session.execute(stmt)]


# --------------------------------------------------------------------------------------------------
# Figures per domain
# --------------------------------------------------------------------------------------------------


@dataclass
class DomainFigures:
    """One supervision domain: today's grade distribution and the year's inspections."""

    code: str
    name: str
    grades: dict[str, int]
    inspections_drawn: int = 0
    inspections_due: int = 0
    inspections_on_time: int = 0

    @property
    def inspection_on_time_rate(self) -> float | None:
        """Inspection results published by their deadline, of those due."""
        return _ratio(self.inspections_on_time, self.inspections_due)


def domain_figures(session: Session, p: Period) -> list[DomainFigures]:
    """Per domain: the current grade distribution and the year's inspections (a task counts in each of its items'
    domains)."""
    dist = evaluation_service.distribution(session)
    domains = session.execute(select(Domain).order_by(Domain.sort_order)).scalars()
    result = {
        d.code: DomainFigures(d.code, d.name, {g: dist.get(d.code, {}).get(g, 0) for g in GRADES}) for d in domains
    }
    item_domain: dict[int, str | None] = {
        item_id: domain
        for item_id, domain in session.execute(
            select(InspectionItem.id, InspectionItem.domain_code).where(InspectionItem.domain_code.is_not(None))
        )
    }
    t = InspectionTask
    drawn_cond = and_(t.kind == "random", t.created_at >= p.start_at, t.created_at < p.end_at)
    due_cond = _due(t.publish_deadline, t.published_on.is_not(None), p)
    items_text = cast(t.item_ids, Text)
    grouped = session.execute(
        select(
            items_text,
            func.count(t.id).filter(drawn_cond),
            func.count(t.id).filter(due_cond),
            func.count(t.id).filter(due_cond, t.published_on <= t.publish_deadline),
        )
        .where(or_(drawn_cond, due_cond))
        .group_by(items_text)
    )
    for text, drawn, due, on_time in grouped:
        for code in {item_domain.get(i) for i in json.loads(text)} - {None}:
            if code in result:
                f = result[code]
                f.inspections_drawn += int(drawn)
                f.inspections_due += int(due)
                f.inspections_on_time += int(on_time)
    return list(result.values())


# --------------------------------------------------------------------------------------------------
# The dashboard and the assessment table
# --------------------------------------------------------------------------------------------------


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def dashboard(session: Session, p: Period) -> dict[str, Any]:
    """Everything the dashboard shows (also its JSON endpoint and the charts' data)."""
    weighting = weighting_for(p.year)
    depts = department_figures(session, p)
    domains = domain_figures(session, p)
    return {
        "year": p.year,
        "as_of": p.today.isoformat(),
        "weighting": {"version": weighting.version, "title": weighting.title} if weighting else None,
        "indicators": [{"key": i.key, "name": i.name, "weight": i.weight} for i in weighting.indicators]
        if weighting
        else [{"key": key, "name": name, "weight": None} for key, name in INDICATORS.items()],
        "departments": [
            {
                "code": f.code,
                "name": f.name,
                "short_name": f.short_name,
                "records": f.records,
                "on_time": f.on_time,
                "late": f.late,
                "batch_rows": f.batch_rows,
                "rejected_rows": f.rejected_rows,
                "top_errors": [{"field": a, "reason": b, "count": n} for a, b, n in f.top_errors],
                "checks": f.checks,
                "checks_with_feedback": f.checks_with_feedback,
                "approvals": f.approvals,
                "objections_due": f.objections_due,
                "objections_on_time": f.objections_on_time,
                "repairs_due": f.repairs_due,
                "repairs_on_time": f.repairs_on_time,
                "warnings": f.warnings,
                "warnings_acknowledged": f.warnings_acknowledged,
                "inspections_drawn": f.inspections_drawn,
                "inspections_due": f.inspections_due,
                "inspections_on_time": f.inspections_on_time,
                "plan_items": f.plan_items,
                "plan_items_reported": f.plan_items_reported,
                "rates": {key: _pct(f.rate(key)) for key in INDICATORS} | {"rejection_rate": _pct(f.rejection_rate)},
                "score": f.score(weighting),
            }
            for f in depts
        ],
        "domains": [
            {
                "code": d.code,
                "name": d.name,
                "grades": d.grades,
                "inspections_drawn": d.inspections_drawn,
                "inspections_due": d.inspections_due,
                "inspections_on_time": d.inspections_on_time,
                "inspection_on_time_rate": _pct(d.inspection_on_time_rate),
            }
            for d in domains
        ],
    }
