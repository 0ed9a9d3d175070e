"""Credit reports (T25): gather what the portal shows about an entity, render the national report layout as a PDF
with an embedded CJK font, number it, sign it (Ed25519) and keep it for verification."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from cryptography.hazmat.primitives import serialization
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.commitments import service as commitments_service
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock, to_china
from xinyong.core.datafiles import shipped_loader
from xinyong.core.db import get_or_404
from xinyong.core.errors import Conflict, PermissionDenied, ServiceUnavailable, ValidationFailed
from xinyong.core.identifiers import mask_resident_ids
from xinyong.core.policy import Departments, scope_of
from xinyong.portal import service as portal_service
from xinyong.reports import signing
from xinyong.reports.models import CreditReport, ReportSigningKey
from xinyong.subjects.models import Department, Entity

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
STYLESHEET = Path(__file__).resolve().parent / "data" / "report.css"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 8

LICENSE_ITEMS = ("license",)
PENALTY_ITEMS = ("penalty",)
LIST_ITEMS: dict[str, str] = {
    "serious_list": "严重失信主体名单",
    "abnormal_list": "经营异常名录",
    "key_attention": "重点关注对象名单",
    "judgment_debtor": "失信被执行人",
    "red_list": "守信激励对象名单（红名单）",
}
COMMITMENT_ITEMS = ("commitment",)
SIMPLE_ROW_SECTIONS = ("lists", "grade")  # the sections whose rows the simple edition prints (report_pdf.html)
READY, PENDING, FAILED = "ready", "pending", "failed"
STATUS_LABELS = {READY: "已生成", PENDING: "生成中", FAILED: "生成失败"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportRules(_Strict):
    """The report's reference data: editions, purposes, notes, number prefix."""

    version: str
    title: str = Field(min_length=1)
    issuer: str = Field(min_length=1)
    editions: dict[str, str]
    purposes: dict[str, str]
    department_purposes: list[str]
    number_prefix: str = Field(pattern=r"^[A-Z0-9]{4,16}$")
    notes: list[str]
    # A report printing more rows than this is rendered in the background (WeasyPrint needs seconds per hundred
    # rows); the requester sees "生成中" at once and downloads it when it is ready.
    background_rows: int = Field(default=40, ge=0)


def _check_rules(rules: ReportRules) -> None:
    unknown = [p for p in rules.department_purposes if p not in rules.purposes]
    if unknown:
        raise ValidationFailed(f"信用报告规则文件有误：department_purposes 中的用途{'、'.join(unknown)}未定义。")


_shipped_rules = shipped_loader("xinyong.reports", "report-rules.json", ReportRules, "信用报告规则", check=_check_rules)


def load_rules() -> ReportRules:
    """The shipped report rules, validated (a function of its own so that tests may replace it)."""
    return _shipped_rules()


def subject_grade(session: Session, entity_id: int) -> tuple[str, str] | None:
    """The entity's current overall grade and a one-line summary of its evaluation, or None when it has none."""
    from xinyong.evaluation import service as evaluation_service

    current = evaluation_service.current_grade(session, entity_id)
    if current is None:
        return None
    summary = (
        f"综合信用等级{current.overall_grade}级（{current.overall_label}）；"
        f"公共信用综合评价{current.score}分，{current.grade}级（{current.label}），评价模型版本{current.model_version}"
    )
    if current.override_code:
        summary += "；等级受限定规则约束（详见信用评价解释）"
    return current.overall_grade, summary


# --------------------------------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------------------------------


@dataclass
class ReportSection:
    """One numbered section of the report."""

    key: str
    title: str
    rows: list[dict[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    text: str | None = None

    @property
    def count(self) -> int:
        """How many entries the section lists."""
        return len(self.rows)


@dataclass
class ReportContent:
    """Everything printed in a report, before rendering."""

    number: str
    code: str
    edition: str
    edition_label: str
    purpose_label: str
    purpose_note: str | None
    requester: str
    generated_at: str
    as_of: date
    entity: Entity
    basic: list[tuple[str, str]]
    sections: list[ReportSection]
    verify_url: str
    qr_svg: str
    issuer: str
    title: str
    notes: list[str]
    public_key_id: str

    def summary(self) -> dict[str, Any]:
        """Counts by section, kept with the issued report."""
        return {s.key: s.count for s in self.sections}

    def printed_rows(self) -> int:
        """How many table rows the PDF prints (the simple edition prints only counts, except lists and grade)."""
        return sum(s.count for s in self.sections if self.edition == "full" or s.key in SIMPLE_ROW_SECTIONS)


def _row(record: portal_service.PublicRecord, *, with_fields: bool) -> dict[str, str]:
    row = {
        "信息类别": record.item_name,
        "决定文书号": record.document_number,
        "决定日期": record.decision_date.isoformat(),
        "决定机关": record.department,
        "内容": record.summary,
        "公示截止": record.publicity_until.isoformat() if record.publicity_until else "",
        "状态": record.status_label,
    }
    if with_fields:
        row["明细"] = "；".join(f"{k}：{v}" for k, v in record.fields)
    return row


def _add_details(session: Session, records: list[portal_service.PublicRecord]) -> None:
    """The public fields of each record (masked as on the portal's record page), loaded in one query."""
    from xinyong.catalog import service as catalog_service
    from xinyong.catalog.models import CatalogItem
    from xinyong.disclosure import service as disclosure_service
    from xinyong.records.models import CreditRecord

    rows = {
        r.id: r
        for r in session.execute(select(CreditRecord).where(CreditRecord.id.in_([r.id for r in records]))).scalars()
    }
    specs: dict[int, Any] = {}
    for shown in records:
        record = rows[shown.id]
        if record.item_id not in specs:
            item = session.get(CatalogItem, record.item_id)
            assert item is not None
            specs[record.item_id] = catalog_service.spec_of(item)
        spec = specs[record.item_id]
        name_field = spec.roles.get("subject_name")
        for f in spec.fields:
            value = (record.fields or {}).get(f.code)
            if value in (None, "", []) or disclosure_service.hidden_field(f.code, personal=f.personal):
                continue
            text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
            text = mask_resident_ids(text)  # as on the portal: an ID number written into free text is masked
            shown.fields.append((f.name, shown.subject_name if f.code == name_field else text))


def gather(
    session: Session,
    *,
    entity: Entity,
    edition: str,
    secret: str,
    number: str,
    code: str,
    verify_base: str,
    purpose_label: str,
    purpose_note: str | None,
    requester: str,
) -> ReportContent:
    """Collect the report's content as the portal shows it today."""
    rules = load_rules()
    today = get_clock().today()
    full = edition == "full"
    profile = portal_service.profile_of(session, entity)
    records = portal_service.entity_records(session, entity, today)
    if full:
        _add_details(session, records)
    legal_rep = next((r["name"] for r in profile.relations if r["role"] == "legal_rep"), "")
    basic = [
        ("主体名称", entity.name),
        ("统一社会信用代码", entity.uscc or ""),
        ("注册号", entity.reg_no or ""),
        ("主体类别", entity.category),
        ("主体类型", entity.entity_type),
        ("法定代表人（负责人）", legal_rep),
        ("登记机关", entity.registering_authority or ""),
        ("成立日期", entity.registered_on.isoformat() if entity.registered_on else ""),
        ("住所", entity.address or ""),
        ("登记状态", entity.status),
    ]
    basic = [(k, v) for k, v in basic if v]
    columns = ["信息类别", "决定文书号", "决定日期", "决定机关", "内容", "公示截止", "状态"] + (
        ["明细"] if full else []
    )

    def section(key: str, title: str, picked: list[portal_service.PublicRecord]) -> ReportSection:
        return ReportSection(key, title, [_row(r, with_fields=full) for r in picked], columns)

    licenses = [r for r in records if r.item_code in LICENSE_ITEMS]
    penalties = [r for r in records if r.item_code in PENALTY_ITEMS]
    lists = [r for r in records if r.item_code in LIST_ITEMS]
    others = [
        r
        for r in records
        if r.item_code not in LICENSE_ITEMS + PENALTY_ITEMS + COMMITMENT_ITEMS and r.item_code not in LIST_ITEMS
    ]
    commitments = commitments_service.public_commitments(session, entity_id=entity.id)
    commitment_rows = [
        {
            "承诺编码": c.code,
            "承诺类型": c.commitment_type,
            "承诺事由": mask_resident_ids(c.reason or ""),
            "承诺作出日期": c.made_on.isoformat(),
            "承诺受理单位": c.accepting_unit,
            "履行状态": commitments_service.fulfilment_label(c),
        }
        for c in commitments
    ]
    grade = subject_grade(session, entity.id)
    grade_rows = [{"信用等级": grade[0], "说明": grade[1]}] if grade else []
    sections = [
        section("licenses", "行政许可信息", licenses),
        section("penalties", "行政处罚信息（公示期内）", penalties),
        section("other_actions", "其他行政管理信息", others),
        ReportSection(
            "lists",
            "名单信息（严重失信主体名单、经营异常名录、重点关注对象名单、失信被执行人、红名单）",
            [{**_row(r, with_fields=full), "名单": LIST_ITEMS[r.item_code]} for r in lists],
            ["名单", *columns[1:]],
        ),
        ReportSection(
            "commitments",
            "信用承诺及履行情况",
            commitment_rows,
            ["承诺编码", "承诺类型", "承诺事由", "承诺作出日期", "承诺受理单位", "履行状态"],
        ),
        ReportSection(
            "grade",
            "公共信用综合评价",
            grade_rows,
            ["信用等级", "说明"],
            text=None if grade else "报告生成时该主体暂无公共信用综合评价结果。",
        ),
    ]
    url = f"{verify_base.rstrip('/')}/portal/reports/verify?number={number}&code={code}"
    qr = segno.make(url, error="m")
    return ReportContent(
        number=number,
        code=code,
        edition=edition,
        edition_label=rules.editions[edition],
        purpose_label=purpose_label,
        purpose_note=purpose_note,
        requester=requester,
        generated_at=to_china(get_clock().now()).strftime("%Y-%m-%d %H:%M:%S"),
        as_of=today,
        entity=entity,
        basic=basic,
        sections=sections,
        verify_url=url,
        qr_svg=qr.svg_data_uri(scale=4, border=1),
        issuer=rules.issuer,
        title=rules.title,
        notes=rules.notes,
        public_key_id=signing.key_id(signing.public_key(secret)),
    )


@lru_cache(maxsize=1)
def _pdf_env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


@lru_cache(maxsize=1)
def has_chinese_font() -> bool:
    """Whether fontconfig knows a font covering Chinese (without one the PDF would print empty boxes)."""
    try:
        found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(found.strip())


def render_pdf(content: ReportContent) -> bytes:
    """The report as a PDF (fonts embedded by WeasyPrint: Noto CJK from the system's fontconfig)."""
    from weasyprint import CSS, HTML  # imported here: loading pango takes a moment and few requests need it

    if not has_chinese_font():
        raise ServiceUnavailable(
            "服务器未安装中文字体，无法生成信用报告（生成的PDF会缺字）。请管理员安装 fonts-noto-cjk 后重试。"
        )

    html = _pdf_env().get_template("reports/report_pdf.html").render(report=content)
    document = HTML(string=html, base_url=str(TEMPLATES))
    return document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_code() -> str:
    """A random verification code (8 characters, no look-alike letters or digits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class Requester:
    """Who asks for a report: the entity itself, or a department for procurement, bidding and approvals."""

    actor: Actor
    entity_id: int | None = None
    department_id: int | None = None
    oversee: bool = False  # the credit office may issue any report


def issue_report(
    session: Session,
    *,
    entity_id: int,
    edition: str,
    purpose: str,
    purpose_note: str | None,
    requester: Requester,
    secret: str,
    verify_base: str,
    background: bool = False,
) -> tuple[CreditReport, str]:
    """Generate, sign and keep a report; returns it with its verification code (shown once, stored hashed). With
    ``background``, a report printing more rows than the rules' ``background_rows`` is only stored as 生成中 (the
    caller queues ``render_pending`` after committing)."""
    rules = load_rules()
    entity = get_or_404(session, Entity, entity_id, f"市场主体{entity_id}不存在。")
    problems: list[dict[str, str]] = []
    if edition not in rules.editions:
        problems.append({"field": "edition", "reason": f"报告版本应为：{'、'.join(rules.editions.values())}"})
    if purpose not in rules.purposes:
        problems.append({"field": "purpose", "reason": f"报告用途应为：{'、'.join(rules.purposes.values())}"})
    note = (purpose_note or "").strip() or None
    if note and len(note) > 200:
        problems.append({"field": "purpose_note", "reason": "用途说明不超过200字"})
    if problems:
        raise ValidationFailed("报告申请有误：" + "；".join(p["reason"] for p in problems), details=problems)
    if requester.entity_id is not None:
        if requester.entity_id != entity.id:
            raise PermissionDenied("市场主体只能申请本单位的信用报告。")
        kind, requester_label, department_id = "entity", entity.name, None
    elif requester.department_id is not None or requester.oversee:
        if purpose not in rules.department_purposes and not requester.oversee:
            allowed = "、".join(rules.purposes[p] for p in rules.department_purposes)
            raise ValidationFailed(f"部门查询信用报告的用途应为：{allowed}。")
        department = session.get(Department, requester.department_id) if requester.department_id else None
        kind, department_id = "department", requester.department_id
        requester_label = department.name if department else "信用办"
    else:
        raise PermissionDenied("只有市场主体本身或行政机关可以申请信用报告。")
    now = get_clock().now()
    code = new_code()
    report = CreditReport(
        number=f"tmp-{secrets.token_hex(8)}",
        code_hash=_code_hash(code),
        entity_id=entity.id,
        edition=edition,
        purpose=purpose,
        purpose_note=note,
        requester_kind=kind,
        department_id=department_id,
        requested_by=requester.actor.label,
        generated_at=now,
        pdf_sha256="",
        signature="",
        key_id="",
        summary={},
        size=0,
        pdf=b"",
        status=PENDING,
        verify_base=verify_base,
    )
    session.add(report)
    session.flush()
    report.number = f"{rules.number_prefix}{to_china(now):%Y%m%d}{report.id:06d}"
    content = _content(session, report, entity, code, secret=secret, requester_label=requester_label)
    large = content.printed_rows() > rules.background_rows
    detail = {"number": report.number, "entity_id": entity.id, "edition": edition, "purpose": purpose}
    if large and background:
        report.pending_code = code
        report.summary = content.summary()
        session.flush()
        audit(
            session,
            actor=requester.actor,
            action="report.request",
            object_type="credit_report",
            object_id=report.id,
            detail={**detail, "requester": kind, "rows": content.printed_rows()},
        )
        return report, code
    _finish(session, report, content, secret=secret)
    audit(
        session,
        actor=requester.actor,
        action="report.issue",
        object_type="credit_report",
        object_id=report.id,
        detail={**detail, "requester": kind, "sha256": report.pdf_sha256},
    )
    return report, code


def _requester_label(session: Session, report: CreditReport, entity: Entity) -> str:
    if report.requester_kind == "entity":
        return entity.name
    department = session.get(Department, report.department_id) if report.department_id else None
    return department.name if department else "信用办"


def _content(
    session: Session,
    report: CreditReport,
    entity: Entity,
    code: str,
    *,
    secret: str,
    requester_label: str | None = None,
) -> ReportContent:
    rules = load_rules()
    return gather(
        session,
        entity=entity,
        edition=report.edition,
        secret=secret,
        number=report.number,
        code=code,
        verify_base=report.verify_base or "",
        purpose_label=rules.purposes.get(report.purpose, report.purpose),
        purpose_note=report.purpose_note,
        requester=requester_label or _requester_label(session, report, entity),
    )


def _finish(session: Session, report: CreditReport, content: ReportContent, *, secret: str) -> None:
    """Render, sign and keep the PDF; the report turns 已生成 and its clear verification code is dropped."""
    _store(session, report, signing.sign_pdf(secret, render_pdf(content)), content.summary(), secret=secret)


def _store(
    session: Session, report: CreditReport, signed: signing.Signed, summary: dict[str, Any], *, secret: str
) -> None:
    keep_public_key(session, secret)
    report.pdf = signed.data
    report.size = len(signed.data)
    report.pdf_sha256 = signed.signed_sha256
    report.signature = signed.signature
    report.key_id = signed.key_id
    report.summary = summary
    report.status = READY
    report.pending_code = None
    report.error = None
    session.flush()


@dataclass(frozen=True)
class Rendered:
    """A pending report rendered and signed, not yet stored."""

    report_id: int
    gathered_at: datetime
    signed: signing.Signed
    summary: dict[str, Any]


def render_pending(session: Session, *, report_id: int, secret: str) -> Rendered | None:
    """Render and sign a report requested as 生成中 (the worker's job), reading only: content as the portal shows it
    now, the number and verification code given at the request. None when there is nothing to do. The worker runs
    this in a read transaction, so that no write lock is held (SQLite) while WeasyPrint works for seconds."""
    report = session.get(CreditReport, report_id)
    if report is None or report.status != PENDING or not report.pending_code:
        return None
    entity = get_or_404(session, Entity, report.entity_id, f"市场主体{report.entity_id}不存在。")
    gathered_at = get_clock().now()
    content = _content(session, report, entity, report.pending_code, secret=secret)
    return Rendered(report.id, gathered_at, signing.sign_pdf(secret, render_pdf(content)), content.summary())


def store_rendered(session: Session, rendered: Rendered, *, secret: str) -> CreditReport | None:
    """Keep a rendered report (a short write transaction); None when it is no longer 生成中 (stored meanwhile by
    another worker, or marked failed), so a report is stored once."""
    report = session.get(CreditReport, rendered.report_id)
    if report is None or report.status != PENDING:
        return None
    report.generated_at = rendered.gathered_at  # the time the content was gathered, printed on the report
    _store(session, report, rendered.signed, rendered.summary, secret=secret)
    audit(
        session,
        actor=Actor.system("reports.render"),
        action="report.issue",
        object_type="credit_report",
        object_id=report.id,
        detail={
            "number": report.number,
            "entity_id": report.entity_id,
            "edition": report.edition,
            "purpose": report.purpose,
            "requester": report.requester_kind,
            "sha256": report.pdf_sha256,
            "background": True,
        },
    )
    return report


def mark_failed(session: Session, *, report_id: int, message: str) -> None:
    """Record why rendering failed (shown to the requester, who may retry)."""
    report = session.get(CreditReport, report_id)
    if report is not None and report.status == PENDING:
        report.status = FAILED
        report.error = message
        session.flush()


def retry(session: Session, *, report_id: int, actor: Actor) -> CreditReport:
    """Put a failed report back in the queue (same number and verification code)."""
    report = get_report(session, report_id)
    if report.status != FAILED:
        raise Conflict(f"信用报告{report.number}{STATUS_LABELS.get(report.status, '')}，无需重新生成。")
    report.status = PENDING
    report.error = None
    session.flush()
    audit(
        session,
        actor=actor,
        action="report.retry",
        object_type="credit_report",
        object_id=report.id,
        detail={"number": report.number},
    )
    return report


def pending_ids(session: Session) -> list[int]:
    """Reports waiting to be rendered, oldest first (re-queued when the server starts)."""
    stmt = select(CreditReport.id).where(CreditReport.status == PENDING).order_by(CreditReport.id)
    return list(session.execute(stmt).scalars())


def get_report(session: Session, report_id: int) -> CreditReport:
    """A report by id."""
    report = get_or_404(session, CreditReport, report_id, f"信用报告{report_id}不存在。")
    return report


def reports_of(
    session: Session, *, entity_id: int | None = None, department_id: Departments = None
) -> list[CreditReport]:
    """Issued reports, newest first: an entity's own (``entity_id``), else those requested by the departments in
    scope (``ALL_DEPARTMENTS``: every report); neither given is nothing."""
    stmt = select(CreditReport).order_by(CreditReport.id.desc()).limit(200)
    if entity_id is not None:
        stmt = stmt.where(CreditReport.entity_id == entity_id, CreditReport.requester_kind == "entity")
    else:
        stmt = stmt.where(scope_of(department_id).where(CreditReport.department_id))
    return list(session.execute(stmt).scalars())


def counts(session: Session) -> dict[str, int]:
    """Reports issued, by requester kind."""
    rows = session.execute(select(CreditReport.requester_kind, func.count()).group_by(CreditReport.requester_kind))
    return {kind: int(n) for kind, n in rows}


# --------------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the verification page says."""

    ok: bool
    message: str
    report: CreditReport | None = None
    entity: Entity | None = None


def verify_number(session: Session, *, number: str, code: str, secret: str) -> Verification:
    """Number + code: whether the platform issued this report, and whether the kept copy still verifies."""
    number, code = (number or "").strip().upper(), (code or "").strip().upper()
    if not number or not code:
        missing = "、".join(n for n, v in (("报告编号", number), ("核验码", code)) if not v)
        return Verification(False, f"请填写{missing}。")
    report = session.execute(select(CreditReport).where(CreditReport.number == number)).scalar_one_or_none()
    if report is None or not hmac.compare_digest(report.code_hash, _code_hash(code)):
        return Verification(False, "报告编号或核验码不正确：本平台未签发与之相符的信用报告。")
    if report.status != READY:
        return Verification(
            False,
            "该报告尚未生成完成（生成中或生成失败），暂不能核验；请在报告生成后再核验。",
            report,
            session.get(Entity, report.entity_id),
        )
    check = signing.verify_pdf(verification_keys(session, secret), report.pdf)
    if not check.ok or check.signed_sha256 != report.pdf_sha256:
        return Verification(
            False, "平台存档的报告未通过签名验证，请联系信用办。", report, session.get(Entity, report.entity_id)
        )
    return Verification(
        True,
        "该报告由本平台签发，编号与核验码相符，存档文件签名有效。可上传您持有的PDF文件，核验其是否与签发时一致。",
        report,
        session.get(Entity, report.entity_id),
    )


def verify_file(session: Session, *, data: bytes, secret: str) -> Verification:
    """An uploaded PDF: is its signature the platform's, and is it a report the platform issued?"""
    if not data:
        return Verification(False, "请选择要核验的PDF文件。")
    check = signing.verify_pdf(verification_keys(session, secret), data)
    if not check.ok:
        return Verification(False, check.reason)
    report = session.execute(
        select(CreditReport).where(CreditReport.pdf_sha256 == check.signed_sha256)
    ).scalar_one_or_none()
    if report is None:
        return Verification(False, "签名有效，但平台没有签发该报告的存档记录，请联系信用办核实。")
    entity = session.get(Entity, report.entity_id)
    return Verification(
        True,
        f"{check.reason}报告编号{report.number}，生成于{to_china(report.generated_at):%Y-%m-%d %H:%M:%S}。",
        report,
        entity,
    )


def keep_public_key(session: Session, secret: str) -> ReportSigningKey:
    """Record the public half of the signing key in use (once), so it stays published after a rotation."""
    key = signing.public_key(secret)
    kid = signing.key_id(key)
    row = session.execute(select(ReportSigningKey).where(ReportSigningKey.key_id == kid)).scalar_one_or_none()
    if row is None:
        row = ReportSigningKey(key_id=kid, public_pem=signing.public_pem(secret), first_used_at=get_clock().now())
        session.add(row)
        session.flush()
    return row


def published_keys(session: Session, secret: str) -> list[dict[str, str]]:
    """The current public key first, then every earlier one that signed reports (newest first)."""
    current = signing.key_id(signing.public_key(secret))
    rows = session.execute(select(ReportSigningKey).order_by(ReportSigningKey.first_used_at.desc())).scalars()
    return [{"key_id": current, "pem": signing.public_pem(secret)}] + [
        {"key_id": r.key_id, "pem": r.public_pem} for r in rows if r.key_id != current
    ]


def verification_keys(session: Session, secret: str) -> dict[str, Any]:
    """The public keys a report may be signed with: the current one and every retired one."""
    keys: dict[str, Any] = {}
    for entry in published_keys(session, secret):
        loaded = serialization.load_pem_public_key(entry["pem"].encode())
        keys[entry["key_id"]] = loaded
    return keys
