"""The annual business-environment assessment table (XLSX): every department's indicators and its weighted score."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.downloads import sheet_append
from xinyong.oversight import service
from xinyong.oversight.service import DepartmentFigures, Period
from xinyong.subjects.models import Department

# (header, value of a department's figures, number format); rates are stored as fractions shown as percentages.
COLUMNS: list[tuple[str, str, str]] = [
    ("报送信息（条）", "records", "0"),
    ("按期报送（条）", "on_time", "0"),
    ("逾期报送（条）", "late", "0"),
    ("信息报送及时率", "on_time_rate", "0.00%"),
    ("批次数据行", "batch_rows", "0"),
    ("退回行", "rejected_rows", "0"),
    ("退回率", "rejection_rate", "0.00%"),
    ("信用核查（次）", "checks", "0"),
    ("报告办件量（件）", "approvals", "0"),
    ("信用核查覆盖率", "check_coverage", "0.00%"),
    ("已反馈核查（次）", "checks_with_feedback", "0"),
    ("核查结果反馈完整率", "feedback_rate", "0.00%"),
    ("到期异议（件）", "objections_due", "0"),
    ("按期办结异议（件）", "objections_on_time", "0"),
    ("异议按期办结率", "objection_on_time_rate", "0.00%"),
    ("到期修复申请（件）", "repairs_due", "0"),
    ("按期办结修复（件）", "repairs_on_time", "0"),
    ("信用修复按期办结率", "repair_on_time_rate", "0.00%"),
    ("收到预警（条）", "warnings", "0"),
    ("已签收预警（条）", "warnings_acknowledged", "0"),
    ("预警签收率", "warning_ack_rate", "0.00%"),
    ("随机抽取任务（户）", "inspections_drawn", "0"),
    ("到期应公示结果（户）", "inspections_due", "0"),
    ("按期公示结果（户）", "inspections_on_time", "0"),
    ("抽查结果按期公示率", "inspection_on_time_rate", "0.00%"),
    ("负责计划任务（项）", "plan_items", "0"),
    ("已报送进展任务（项）", "plan_items_reported", "0"),
    ("计划任务进展报送率", "plan_report_rate", "0.00%"),
]
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")


def rows(session: Session, p: Period) -> list[DepartmentFigures]:
    """The departments assessed: every department except the credit office itself."""
    credit_office = set(session.execute(select(Department.code).where(Department.is_credit_office)).scalars())
    return [f for f in service.department_figures(session, p) if f.code not in credit_office]


def workbook_bytes(session: Session, p: Period) -> bytes:
    """The assessment workbook: 考核评分表 (one row per department), 评分权重 (the version used), 指标说明."""
    weighting = service.weighting_for(p.year)
    figures = rows(session, p)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "考核评分表"
    sheet_append(
        ws,
        [
            f"{p.year}年度营商环境考核·社会信用体系建设指标（统计截至{p.today.isoformat()}，"
            + (f"权重版本{weighting.version}）" if weighting else "该年度没有生效的考核权重版本，未计算得分）")
        ],
    )
    ws["A1"].font = Font(bold=True, size=13)
    header = ["部门代码", "部门", *[h for h, _, _ in COLUMNS], "得分"]
    sheet_append(ws, header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for f in figures:
        sheet_append(ws, [f.code, f.name, *[getattr(f, attr) for _, attr, _ in COLUMNS], f.score(weighting)])
        row = ws.max_row
        for col, (_, _, fmt) in enumerate(COLUMNS, start=3):
            ws.cell(row=row, column=col).number_format = fmt
        ws.cell(row=row, column=len(header)).number_format = "0.00"
    ws.freeze_panes = "C3"
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 26
    for col in range(3, len(header) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 12
    ws.row_dimensions[2].height = 45

    wsw = wb.create_sheet("评分权重")
    if weighting is None:
        sheet_append(wsw, ["版本", f"{p.year}年没有生效的考核权重版本，未计算得分"])
    else:
        sheet_append(wsw, ["版本", weighting.version])
        sheet_append(wsw, ["名称", weighting.title])
        sheet_append(wsw, ["生效日期", weighting.effective_from.isoformat()])
        sheet_append(wsw, ["计分方法", weighting.note])
        sheet_append(wsw, [])
        sheet_append(wsw, ["指标代码", "指标", "权重（分）"])
        for i in weighting.indicators:
            sheet_append(wsw, [i.key, i.name, i.weight])
    wsw.column_dimensions["A"].width = 26
    wsw.column_dimensions["B"].width = 30

    wsd = wb.create_sheet("指标说明")
    sheet_append(wsd, ["指标", "口径"])
    for key, text in DEFINITIONS.items():
        sheet_append(wsd, [service.INDICATORS[key], text])
    wsd.column_dimensions["A"].width = 22
    wsd.column_dimensions["B"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


DEFINITIONS: dict[str, str] = {
    "on_time_rate": (
        "决定日期在考核年度内的信用记录（首个版本）中，"
        "在公示期限（决定之日起7个工作日，按工作日历）内报送的条数 ÷ 已知是否按期的条数。"
    ),
    "acceptance_rate": "1 －（考核年度内开始的报送批次中被退回的行数 ÷ 批次数据行数）。",
    "check_coverage": "考核年度内的信用核查次数 ÷ 部门报告的本年度办件量，最高为100%。",
    "feedback_rate": "考核年度内的信用核查中已反馈办理结果的次数 ÷ 核查次数。",
    "objection_on_time_rate": (
        "办理期限在考核年度内、且已办结或已超过期限的异议中，在期限内（含当日）办结的件数 ÷ 件数。"
    ),
    "repair_on_time_rate": (
        "决定期限在考核年度内、且已作出决定或已超过期限的修复申请中，在期限内（含当日）决定的件数 ÷ 件数。"
    ),
    "warning_ack_rate": "考核年度内产生、发送给部门的预警中，状态不再是“待签收”的条数 ÷ 条数。",
    "inspection_on_time_rate": (
        "公示期限（结果形成后20个工作日）在考核年度内、且已公示或已超过期限的检查任务中，在期限内公示的户数 ÷ 户数。"
    ),
    "plan_report_rate": "部门作为责任单位的计划任务中，考核年度内至少报送过一次进展的项数 ÷ 项数。",
}
