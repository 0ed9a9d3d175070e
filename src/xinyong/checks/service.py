"""The credit check every approval calls (T22): grade, list hits, bans, the measures that apply, a conclusion, and
what the approver did ("应查必查、奖惩到位")."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xinyong.checks import repository
from xinyong.checks.models import ApprovalReport, CreditCheck
from xinyong.core import outbox
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock, to_china
from xinyong.core.crypto import FieldCipher
from xinyong.core.db import Snapshot
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.core.identifiers import mask_id_number
from xinyong.core.policy import Departments, scope_of
from xinyong.lists import service as lists_service
from xinyong.lists.rules import Measure, load_rules, measure_json
from xinyong.subjects.models import Department

GradeInfo = dict[str, Any]  # {"overall": "A", "domains": {"shichang": "B", ...}}
GradeProvider = Callable[[Any, int], GradeInfo | None]  # (session or connection, entity id)

OUTCOMES = {"approved": "准予办理", "restricted": "依法限制后办理", "refused": "不予办理"}
EFFECT_ORDER = {"deny": 0, "restrict": 1, "incentive": 2}


def subject_grade(session: Session | Connection | Snapshot, entity_id: int) -> GradeInfo | None:
    """The entity's grades from the evaluation, or None when it has not been graded.

    ``{"overall": A–D, "public": the public credit evaluation grade, "model": version, "domains": {domain code:
    grade}}``; ``domains`` lists the domains where an industry evaluation changed the grade, every other domain has
    the public grade. Two primary-key lookups, so a check stays fast.
    """
    if isinstance(session, Session):
        session = session.connection()
    current = repository.current_grade(session, entity_id)
    if current is None:
        return None
    return {
        "overall": current.overall_grade,
        "public": current.grade,
        "model": current.model_version,
        "domains": {r.domain_code: r.grade for r in repository.domain_grades(session, entity_id)},
    }


def applicable_measures(
    hits: list[tuple[str, str | None]], *, matter: str, department_code: str | None
) -> list[Measure]:
    """The measures of the list that bite for these (list type, domain) hits, this matter and this department."""
    out: list[Measure] = []
    for m in load_rules().measures:
        if matter not in m.matters:
            continue
        if department_code is not None and "*" not in m.departments and department_code not in m.departments:
            continue
        if any(lt in m.lists and (not m.domains or dom in m.domains) for lt, dom in hits):
            out.append(m)
    return sorted(out, key=lambda m: (EFFECT_ORDER[m.effect], m.code))


def conclusion_for(measures: list[Measure]) -> str:
    """不予办理 when a measure denies, 依法限制 when one restricts, otherwise 可办理."""
    effects = {m.effect for m in measures}
    if "deny" in effects:
        return "deny"
    if "restrict" in effects:
        return "restrict"
    return "allow"


def check_values(
    session: Session | Connection | Snapshot,
    *,
    subject: str,
    matter: str,
    department_id: int | None,
    actor: Actor,
    cipher: FieldCipher,
    grade_provider: GradeProvider = subject_grade,
) -> dict[str, Any]:
    """Check a subject (USCC or ID number) for an approval matter: the values of the check row (every column but the
    id), with what it shows, not yet stored (reads only, so the API can run it outside the write lock and insert the
    row itself)."""
    rules = load_rules()
    if matter not in rules.matters:
        known = "、".join(f"{k}（{v}）" for k, v in rules.matters.items())
        reason = f"“{matter}”不是核查事项编码，可选：{known}"
        raise ValidationFailed(f"办理事项（matter）：{reason}", details=[{"field": "matter", "reason": reason}])
    kind, number = lists_service.classify_code(subject)
    today = get_clock().today()
    conn = session.connection() if isinstance(session, Session) else session  # every lookup on it: one snapshot
    entity_id = person_id = None
    subject_json: dict[str, Any]
    if kind == "entity":
        row = repository.entity_by_uscc(conn, number)
        if row is not None:
            entity_id = row.id
            subject_json = {"kind": kind, "code": row.uscc, "name": row.name, "registered": True}
    else:
        row = repository.person_by_index(conn, cipher.blind_index(number))
        if row is not None:
            person_id = row.id
            subject_json = {"kind": kind, "code": row.id_masked, "name": row.name, "registered": True}
    if row is None:
        label = number if kind == "entity" else mask_id_number(number)
        subject_json = {"kind": kind, "code": label, "name": None, "registered": False}
        entries: list[Any] = []
        bans: list[Any] = []
    else:
        entries = repository.entries_in_force(conn, entity_id=entity_id, person_id=person_id, today=today)
        bans = repository.bans_in_force(conn, entity_id=entity_id, person_id=person_id, today=today)
    dept_code = _department_code(session, department_id)
    hits: list[tuple[str, str | None]] = [(e.list_type, e.domain) for e in entries] + [("ban", None) for _ in bans]
    measures = applicable_measures(hits, matter=matter, department_code=dept_code)
    conclusion = conclusion_for(measures)
    grade = grade_provider(session, entity_id) if entity_id is not None else None
    result = {
        "subject": subject_json,
        "matter": {"code": matter, "name": rules.matters[matter]},
        "grade": grade,
        "lists": [
            {
                "list_type": e.list_type,
                "list_name": rules.list_name(e.list_type),
                "domain": rules.key_attention_domains.get(e.domain or ""),
                "reason": e.reason,
                "basis": e.legal_basis,
                "document_number": e.document_number,
                "department": e.name,
                "published_on": e.published_on.isoformat() if e.published_on else None,
                "ends_on": e.ends_on.isoformat() if e.ends_on else None,
                "as_responsible_person_of": (e.extra or {}).get("organisation") if e.parent_id else None,
            }
            for e in entries
        ],
        "bans": [lists_service.ban_values(b, b.department or "", rules) for b in bans],
        "measures": [measure_json(m) for m in measures],
        "conclusion": conclusion,
        "conclusion_name": rules.conclusions[conclusion],  # type: ignore[index]
        "rules_version": rules.version,
        "note": None if subject_json["registered"] else "平台未查询到该主体的信用信息，可按一般程序办理。",
    }
    return {
        "code": f"HC{today:%Y%m%d}{secrets.token_hex(5).upper()}",
        "subject_kind": kind if subject_json["registered"] else "unknown",
        "entity_id": entity_id,
        "person_id": person_id,
        "subject_label": str(subject_json["code"]),
        "matter": matter,
        "department_id": department_id,
        "checked_by": actor.label,
        "checked_at": get_clock().now(),
        "checked_on": today,
        "conclusion": conclusion,
        "result": result,
        "outcome": None,
        "feedback": None,
        "feedback_note": None,
        "feedback_by": None,
        "feedback_at": None,
    }


def run_check(
    session: Session,
    *,
    subject: str,
    matter: str,
    department_id: int | None,
    actor: Actor,
    cipher: FieldCipher,
    grade_provider: GradeProvider = subject_grade,
) -> CreditCheck:
    """Check a subject (USCC or ID number) for an approval matter; the check is stored with what it showed."""
    values = check_values(
        session,
        subject=subject,
        matter=matter,
        department_id=department_id,
        actor=actor,
        cipher=cipher,
        grade_provider=grade_provider,
    )
    check = CreditCheck(**values)
    session.add(check)
    session.flush()
    return check


_DEPARTMENT_CODES: dict[int, str] = {}


def _department_code(session: Session | Connection | Snapshot, department_id: int | None) -> str | None:
    """A department's code (codes never change once issued, so they are remembered for the process)."""
    if department_id is None:
        return None
    code = _DEPARTMENT_CODES.get(department_id)
    if code is None:
        code = repository.department_code(session, department_id)
        if code is not None:
            _DEPARTMENT_CODES[department_id] = code
    return code


def _department_name(session: Session, department_id: int) -> str:
    dept = session.get(Department, department_id)
    return dept.name if dept else ""


def check_json(check: CreditCheck | Mapping[str, Any]) -> dict[str, Any]:
    """The check as the API returns it (a stored check, or the values of one just made)."""
    c = check if isinstance(check, Mapping) else {k: getattr(check, k) for k in _JSON_FIELDS}
    return {
        "id": c["code"],
        "checked_at": c["checked_at"].isoformat(),
        **c["result"],
        "feedback": (
            {
                "outcome": c["outcome"],
                "outcome_name": OUTCOMES.get(c["outcome"] or ""),
                "measures": (c["feedback"] or {}).get("measures", []),
                "note": c["feedback_note"],
                "by": c["feedback_by"],
                "at": c["feedback_at"].isoformat(),
            }
            if c["feedback_at"]
            else None
        ),
    }


_JSON_FIELDS = ("code", "checked_at", "result", "outcome", "feedback", "feedback_note", "feedback_by", "feedback_at")


def get_check(session: Session, code: str) -> CreditCheck:
    """A check by its id."""
    check = session.execute(select(CreditCheck).where(CreditCheck.code == code)).scalar_one_or_none()
    if check is None:
        raise NotFound(f"核查记录{code}不存在。")
    return check


def record_feedback(
    session: Session, *, code: str, values: dict[str, Any], department_id: int | None, actor: Actor
) -> CreditCheck:
    """Record what the approver did: the outcome and, for every applicable measure, applied or not and why.

    Only measures in the measures list, and among them only those this check found applicable, may be applied.
    """
    check = get_check(session, code)
    if not owns_check(check, department_id=department_id, actor_label=actor.label):
        raise PermissionDenied("只有发起核查的部门可以反馈办理结果。")
    if check.feedback_at is not None:
        raise Conflict(f"核查{check.code}已于{check.feedback_at:%Y-%m-%d}反馈办理结果，不能重复反馈。")
    rules = load_rules()
    errors: list[dict[str, str]] = []

    def add(key: str, name: str, reason: str) -> None:
        errors.append({"field": key, "name": name, "reason": reason})

    outcome = str(values.get("outcome") or "").strip()
    if not outcome:
        add("outcome", "办理结果", "必填项缺失")
    elif outcome not in OUTCOMES:
        add("outcome", "办理结果", f"“{outcome}”无效，可选：{'、'.join(f'{k}（{v}）' for k, v in OUTCOMES.items())}")
    applicable = {m["code"] for m in check.result.get("measures", [])}
    given = values.get("measures") or []
    seen: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(given):
        where = f"第{i + 1}项措施"
        code_ = str((item or {}).get("code") or "").strip()
        if not code_:
            add("measures", "措施", f"{where}的措施编码缺失")
            continue
        if rules.measure(code_) is None:
            add("measures", "措施", f"措施{code_}不在失信惩戒（守信激励）措施清单中，不得实施")
            continue
        if code_ not in applicable:
            add("measures", "措施", f"措施{code_}不适用于本次核查的主体和事项")
            continue
        applied = item.get("applied")
        if applied not in (True, False):
            add("measures", "措施", f"措施{code_}须注明是否实施（applied：true/false）")
            continue
        reason = str(item.get("reason") or "").strip()
        if applied is False and not reason:
            add("measures", "措施", f"措施{code_}未实施的，须说明理由（reason）")
            continue
        seen[code_] = {"code": code_, "applied": applied, "reason": reason or None}
    missing = sorted(applicable - set(seen))
    if missing:
        add("measures", "措施", f"以下适用措施未反馈实施情况：{'、'.join(missing)}")
    deny_applied = [c for c, v in seen.items() if v["applied"] and (m := rules.measure(c)) and m.effect == "deny"]
    if deny_applied and outcome == "approved":
        add("outcome", "办理结果", f"已实施不予办理类措施（{'、'.join(deny_applied)}），办理结果不能为准予办理")
    if errors:
        text = "；".join(f"{e['name']}（{e['field']}）：{e['reason']}" for e in errors)
        raise ValidationFailed(f"办理结果反馈有误，未保存：{text}", details=errors)
    check.outcome = outcome
    check.feedback = {"measures": [seen[c] for c in sorted(seen)]}
    check.feedback_note = str(values.get("note") or "").strip() or None
    check.feedback_at = get_clock().now()
    check.feedback_by = actor.label
    session.flush()
    if check.result.get("measures"):
        _report_case(session, check)
    audit(
        session,
        actor=actor,
        action="check.feedback",
        object_type="credit_check",
        object_id=check.id,
        detail={"code": check.code, "outcome": outcome, "measures": check.feedback["measures"]},
    )
    return check


def _report_case(session: Session, check: CreditCheck) -> None:
    """Queue a joint reward/punishment case (a check that found measures, with what was applied) for the upward feed."""
    measures = {m["code"]: m for m in check.result.get("measures", [])}
    given = (check.feedback or {}).get("measures", [])
    dept_code = _department_code(session, check.department_id)
    outbox.emit(
        session,
        kind="joint_case",
        object_type="credit_check",
        object_id=check.id,
        fields={
            "HCBH": check.code,
            "XDR_MC": (check.result.get("subject") or {}).get("name") or "",
            "XDR_DM": check.subject_label,
            "BLSX": check.matter,
            "BLBM": _department_name(session, check.department_id) if check.department_id else "",
            "BLBMDM": dept_code or "",
            "HCRQ": check.checked_on,
            "HCJL": check.result.get("conclusion_name") or check.conclusion,
            "BLJG": OUTCOMES.get(check.outcome or "", check.outcome),
            "SSCS": ";".join(g["code"] for g in given if g["applied"]),
            "WSSCS": ";".join(f"{g['code']}:{g['reason']}" for g in given if not g["applied"]),
            "CSLX": ";".join(sorted({measures[c]["kind_name"] for c in measures})),
            "FKRQ": to_china(check.feedback_at).date() if check.feedback_at else "",
            "BZ": check.feedback_note,
        },
    )


def report_approvals(
    session: Session, *, department_id: int | None, matter: str, period: str, approvals: int, actor: Actor
) -> ApprovalReport:
    """A department reports how many approvals of a matter it handled in a month (for checked-versus-approved)."""
    if department_id is None:
        raise PermissionDenied("当前账号或令牌未归属任何部门。")
    errors = []
    if matter not in load_rules().matters:
        errors.append({"field": "matter", "reason": f"“{matter}”不是核查事项编码"})
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        errors.append({"field": "period", "reason": "应为YYYY-MM格式的月份"})
    if approvals < 0:
        errors.append({"field": "approvals", "reason": "不能为负数"})
    if errors:
        raise ValidationFailed(
            "办件量报送有误：" + "；".join(f"{e['field']}：{e['reason']}" for e in errors), details=errors
        )
    row = session.execute(
        select(ApprovalReport).where(
            ApprovalReport.department_id == department_id,
            ApprovalReport.matter == matter,
            ApprovalReport.period == period,
        )
    ).scalar_one_or_none()
    if row is None:
        row = ApprovalReport(
            department_id=department_id,
            matter=matter,
            period=period,
            approvals=approvals,
            reported_at=get_clock().now(),
            reported_by=actor.label,
        )
        session.add(row)
    else:
        row.approvals, row.reported_at, row.reported_by = approvals, get_clock().now(), actor.label
    session.flush()
    audit(
        session,
        actor=actor,
        action="check.approvals",
        object_type="approval_report",
        object_id=row.id,
        detail={"matter": matter, "period": period, "approvals": approvals},
    )
    return row


@dataclass
class StatRow:
    """Checks of one department and matter."""

    department: str
    matter: str
    matter_name: str
    checks: int
    with_feedback: int
    restricted: int
    approvals: int | None

    @property
    def feedback_rate(self) -> float | None:
        return self.with_feedback / self.checks if self.checks else None

    @property
    def coverage(self) -> float | None:
        return min(self.checks / self.approvals, 1.0) if self.approvals else None


def statistics(session: Session, *, since: date | None = None, until: date | None = None) -> list[StatRow]:
    """Checks per department and matter: count, feedback completeness, hits, and coverage of reported approvals."""
    rules = load_rules()
    stmt = select(
        CreditCheck.department_id,
        CreditCheck.matter,
        func.count(),
        func.count(CreditCheck.feedback_at),
        func.sum(case((CreditCheck.conclusion != "allow", 1), else_=0)),
    ).group_by(CreditCheck.department_id, CreditCheck.matter)
    approvals_stmt = select(ApprovalReport.department_id, ApprovalReport.matter, func.sum(ApprovalReport.approvals))
    if since is not None:
        stmt = stmt.where(CreditCheck.checked_on >= since)
        approvals_stmt = approvals_stmt.where(ApprovalReport.period >= f"{since:%Y-%m}")
    if until is not None:
        stmt = stmt.where(CreditCheck.checked_on <= until)
        approvals_stmt = approvals_stmt.where(ApprovalReport.period <= f"{until:%Y-%m}")
    approvals = {
        (d, m): int(n or 0)
        for d, m, n in session.execute(approvals_stmt.group_by(ApprovalReport.department_id, ApprovalReport.matter))
    }
    names = {d.id: d.name for d in session.execute(select(Department)).scalars()}
    rows = []
    for dept_id, matter, n, fb, hits in session.execute(stmt):
        rows.append(
            StatRow(
                department=names.get(dept_id, "（未归属部门）"),
                matter=matter,
                matter_name=rules.matters.get(matter, matter),
                checks=int(n),
                with_feedback=int(fb),
                restricted=int(hits or 0),
                approvals=approvals.get((dept_id, matter)),
            )
        )
    return sorted(rows, key=lambda r: (r.department, r.matter))


def owns_check(check: CreditCheck, *, department_id: int | None, actor_label: str) -> bool:
    """Whether the caller made the check: a department's check is its department's; one made without a department
    (an API client's) is only its maker's — a missing department never matches every check."""
    if department_id is not None:
        return check.department_id == department_id
    return check.department_id is None and check.checked_by == actor_label


def recent_checks(
    session: Session, *, department_id: Departments, checked_by: str | None = None, limit: int = 50
) -> list[CreditCheck]:
    """The latest checks of the departments in scope; for a caller without a department (an API client), only the
    checks ``checked_by`` it (none when not given)."""
    scope = scope_of(department_id)
    stmt = select(CreditCheck)
    if scope.empty:
        stmt = stmt.where(CreditCheck.department_id.is_(None), CreditCheck.checked_by == (checked_by or ""))
    else:
        stmt = stmt.where(scope.where(CreditCheck.department_id))
    return list(session.execute(stmt.order_by(CreditCheck.id.desc()).limit(limit)).scalars())
