"""Industry evaluations (T15): departments import their own domain grades, mapped to A–D by the model's scales."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.core.identifiers import check_uscc
from xinyong.evaluation.dirty import mark_dirty
from xinyong.evaluation.models import IndustryGrade, IndustryImport
from xinyong.evaluation.schemas import IndustryDomain, ModelDoc
from xinyong.ingestion.files import FileRejected, open_source
from xinyong.subjects.models import Department, Domain, Entity

HEADERS = {
    "uscc": ("统一社会信用代码", "USCC", "SHXYM", "信用代码"),
    "grade": ("信用等级", "评价等级", "等级", "GRADE", "纳税信用等级"),
    "evaluated_on": ("评价日期", "评定日期", "EVALUATED_ON", "PJRQ"),
    "name": ("主体名称", "名称", "企业名称", "NAME"),
}
MAX_ERRORS = 1000


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    import_id: int
    rows: int
    accepted: int
    rejected: int
    errors: list[dict[str, Any]]
    entity_ids: list[int]


def scale_of(doc: ModelDoc, domain_code: str) -> IndustryDomain:
    """The industry scale of a domain, or a Chinese error naming the domains that have one."""
    for x in doc.industry:
        if x.domain == domain_code:
            return x
    have = "、".join(f"{x.domain}（{x.name}）" for x in doc.industry) or "无"
    raise ValidationFailed(f"评价模型中没有该监管领域的行业评价等级对照（{domain_code}）。已设置对照的领域：{have}。")


def _columns(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, h in enumerate(headers):
        key = h.strip().upper()
        for name, aliases in HEADERS.items():
            if key in {a.upper() for a in aliases} and name not in found:
                found[name] = i
    missing = [HEADERS[k][0] for k in ("uscc", "grade") if k not in found]
    if missing:
        raise ValidationFailed(f"表头缺少必需的列：{'、'.join(missing)}（可用列名见说明）。")
    return found


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        return None


def import_grades(
    session: Session,
    *,
    path: Path,
    filename: str | None,
    department: Department,
    domain_code: str,
    doc: ModelDoc,
    actor: Actor,
    may_import_any_domain: bool = False,
) -> ImportResult:
    """Import one file of industry grades; bad rows are listed with reasons, good rows replace the current grade."""
    domain = session.get(Domain, domain_code)
    if domain is None:
        raise ValidationFailed(f"监管领域“{domain_code}”不存在。")
    if not may_import_any_domain and domain_code not in {d.code for d in department.domains}:
        raise PermissionDenied(f"“{department.name}”不是“{domain.name}”领域的主管部门，不能导入该领域的行业评价。")
    scale = scale_of(doc, domain_code)
    try:
        source, rows = open_source(path, filename=filename)
        cols = _columns(source.headers)
    except FileRejected as exc:
        raise ValidationFailed(f"文件无法读取：{exc.message}") from None
    today = get_clock().today()
    errors: list[dict[str, Any]] = []
    good: dict[str, tuple[int, str, str, date]] = {}
    total = 0

    def cell(cells: list[str], name: str) -> str:
        i = cols.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for row_number, cells in rows:
        total += 1
        code, grade, when = cell(cells, "uscc"), cell(cells, "grade"), cell(cells, "evaluated_on")
        problems: list[tuple[str, str, str]] = []
        checked = check_uscc(code)
        if not checked.ok:
            problems.append(("统一社会信用代码", code, checked.reason or "代码无效"))
        key = grade.upper() if grade.upper() in scale.scale else grade
        if key not in scale.scale:
            allowed = "、".join(scale.scale)
            problems.append(("信用等级", grade, f"不是{scale.name}的等级（允许：{allowed}）"))
        day = today
        if when:
            parsed = _parse_date(when)
            if parsed is None:
                problems.append(("评价日期", when, "应为YYYY-MM-DD格式的日期"))
            elif parsed > today:
                problems.append(("评价日期", when, "不能晚于今天"))
            else:
                day = parsed
        if problems:
            for field_name, value, reason in problems:
                if len(errors) < MAX_ERRORS:
                    errors.append({"row": row_number, "field": field_name, "value": value[:100], "reason": reason})
            continue
        if checked.code in good:
            if len(errors) < MAX_ERRORS:
                errors.append(
                    {
                        "row": row_number,
                        "field": "统一社会信用代码",
                        "value": code,
                        "reason": f"与本文件第{good[checked.code][0]}行重复",
                    }
                )
            continue
        good[str(checked.code)] = (row_number, key, scale.scale[key], day)
    known: dict[str, int] = {}
    codes = list(good)
    for start in range(0, len(codes), 5000):
        for entity_id, uscc in session.execute(
            select(Entity.id, Entity.uscc).where(Entity.uscc.in_(codes[start : start + 5000]))
        ):
            known[str(uscc)] = entity_id
    for uscc, (row_number, _k, _g, _d) in list(good.items()):
        if uscc not in known:
            if len(errors) < MAX_ERRORS:
                errors.append(
                    {"row": row_number, "field": "统一社会信用代码", "value": uscc, "reason": "平台中没有该市场主体"}
                )
            del good[uscc]
    errors.sort(key=lambda e: e["row"])
    now = get_clock().now()
    record = IndustryImport(
        department_id=department.id,
        domain_code=domain_code,
        filename=filename,
        file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        rows=total,
        accepted=len(good),
        rejected=total - len(good),
        errors=errors,
        created_at=now,
        created_by=actor.label,
    )
    session.add(record)
    session.flush()
    entity_ids = [known[u] for u in good]
    for start in range(0, len(entity_ids), 5000):
        part = entity_ids[start : start + 5000]
        session.execute(
            update(IndustryGrade)
            .where(
                IndustryGrade.entity_id.in_(part),
                IndustryGrade.domain_code == domain_code,
                IndustryGrade.is_current.is_(True),
            )
            .values(is_current=False)
        )
    rows_out = [
        {
            "entity_id": known[u],
            "domain_code": domain_code,
            "source_grade": k,
            "grade": g,
            "evaluated_on": d,
            "department_id": department.id,
            "import_id": record.id,
            "is_current": True,
            "created_at": now,
        }
        for u, (_r, k, g, d) in good.items()
    ]
    for start in range(0, len(rows_out), 5000):
        session.execute(insert(cast(Table, IndustryGrade.__table__)), rows_out[start : start + 5000])
    mark_dirty(session, entity_ids=entity_ids)
    audit(
        session,
        actor=actor,
        action="evaluation.industry_import",
        object_type="evaluation_industry_import",
        object_id=record.id,
        detail={
            "domain": domain_code,
            "department": department.code,
            "file": filename,
            "rows": total,
            "accepted": len(good),
            "rejected": total - len(good),
        },
    )
    return ImportResult(record.id, total, len(good), total - len(good), errors, entity_ids)


def recent_imports(session: Session, *, department_id: int | None, limit: int = 20) -> list[IndustryImport]:
    """The latest industry grade imports (of one department, or all)."""
    stmt = select(IndustryImport).order_by(IndustryImport.id.desc()).limit(limit)
    if department_id is not None:
        stmt = stmt.where(IndustryImport.department_id == department_id)
    return list(session.execute(stmt).scalars())


def industry_grades_of(session: Session, entity_id: int) -> list[IndustryGrade]:
    """An entity's current industry grades."""
    stmt = select(IndustryGrade).where(IndustryGrade.entity_id == entity_id, IndustryGrade.is_current.is_(True))
    return list(session.execute(stmt).scalars())
