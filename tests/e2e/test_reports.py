"""An entity downloads its credit report and verifies it; applies for repair; files an objection and sees it
resolved (Debian Chromium, the real application)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.commitments.support import entity
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.conftest import login_page as _login
from tests.helpers import make_user
from tests.repair.support import penalty, repair_matter, train

from xinyong.accounts.models import User
from xinyong.core.db import Database

pytestmark = pytest.mark.e2e
EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _setup(db: Database) -> tuple[str, str]:
    with db.session() as s:
        company = entity(s)
        fined = penalty(s)
        disputed = penalty(s, CF_WSH="密市监罚〔2026〕99号", CF_JDRQ="2026-10-15", CF_NR="罚款8000元", CF_NR_FK="0.8")
        repair_matter(s).online_signing = True
        train(s, company)
        entity_id, docs = company.id, (fined.document_number, disputed.document_number)
    make_user(db, "company", "entity", dept=None)
    make_user(db, "reviewer", "reviewer", "scjg")
    with db.session() as s:
        s.execute(update(User).where(User.username == "company").values(entity_id=entity_id))
    return docs


def test_entity_downloads_and_verifies_its_report(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, browser, tmp_path: Path
) -> None:
    fined, _disputed = _setup(live_db)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    _login(page, live_server, "/console/reports", "company")
    page.get_by_label("报告版本").select_option(label="详版")
    page.get_by_label("报告用途").select_option(label="招标投标")
    page.get_by_label("用途说明").fill("密山市道路工程施工招标")
    page.get_by_role("button", name="生成报告").click()
    status = page.get_by_role("status").inner_text()
    found = re.search(r"报告编号 ?(\w+)，核验码 ?(\w+)", status)
    assert found, status
    number, code = found.groups()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载PDF").click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-") and info.value.suggested_filename == f"{number}.pdf"

    # Anyone (a bidding agency) verifies it on the portal: by number and code, then by uploading the file.
    public = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = public.new_page()
    page.goto(live_server + "/portal/reports/verify")
    page.get_by_label("报告编号").fill(number)
    page.get_by_label("核验码").fill(code)
    page.get_by_role("button", name="核验", exact=True).click()
    result = page.get_by_role("status").inner_text()
    assert "核验通过" in result and "密山市兴凯食品有限公司1" in result
    page.get_by_label("报告文件（PDF）").set_input_files(str(pdf))
    page.get_by_role("button", name="上传核验").click()
    assert "签名验证通过" in page.get_by_role("status").inner_text()
    forged = tmp_path / "forged.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    forged.write_bytes(bytes(data))
    page.get_by_label("报告文件（PDF）").set_input_files(str(forged))
    page.get_by_role("button", name="上传核验").click()
    assert "签名验证失败" in page.get_by_role("alert").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-verify.png"), full_page=True)
    public.close()
    ctx.close()
    assert fined


def test_entity_applies_for_repair_and_files_an_objection(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, browser
) -> None:
    fined, disputed = _setup(live_db)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/my/repair", "company")
    page.get_by_role("row").filter(has_text=fined).get_by_role("link", name="查看修复条件").click()
    conditions = page.get_by_role("table", name="修复条件").inner_text()
    assert "尚未就该记录作出信用修复型承诺" in conditions
    page.get_by_label("本单位作出上述承诺").check()
    page.get_by_role("button", name="签署修复承诺").click()
    assert "法定代表人" in page.get_by_role("alert").inner_text()  # required for a company, nothing recorded
    page.get_by_label("法定代表人").fill("王建国")
    page.get_by_label("本单位作出上述承诺").check()
    page.get_by_role("button", name="签署修复承诺").click()
    assert "已签署信用修复承诺" in page.get_by_role("status").inner_text()
    page.get_by_label("申请理由").fill("已缴清罚款并完成整改，申请提前终止公示")
    page.get_by_label("履行情况说明").fill("2026年3月10日缴纳罚款5000元，缴款书号3400123")
    page.get_by_role("button", name="提交申请").click()
    status = page.get_by_role("status").inner_text()
    assert "修复申请已提交" in status and "2026-" in status

    # The objection: the record shows 异议处理中 at once.
    page.goto(live_server + "/console/my/objections")
    value = page.locator("#o-record option", has_text=disputed).get_attribute("value")
    page.get_by_label("信用记录").select_option(value)
    page.get_by_label("异议理由").fill("罚款金额有误，处罚决定书载明为5000元")
    page.get_by_label("证明材料（名称、文号等）").fill("行政处罚决定书（密市监罚〔2026〕99号）复印件")
    # Evidence files: a "PDF" that is not one (by its content) is refused by name, nothing is filed.
    ARTIFACTS.mkdir(exist_ok=True)
    fake = ARTIFACTS / "缴款凭证.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    scan = ARTIFACTS / "处罚决定书.pdf"
    scan.write_bytes(EVIDENCE_PDF)
    page.get_by_label("证明材料文件").set_input_files([str(scan), str(fake)])
    page.get_by_role("button", name="提交异议").click()
    assert "文件“缴款凭证.pdf”不是PDF、JPG、PNG文件" in page.get_by_role("alert").inner_text()
    value = page.locator("#o-record option", has_text=disputed).get_attribute("value")
    page.get_by_label("信用记录").select_option(value)
    page.get_by_label("异议理由").fill("罚款金额有误，处罚决定书载明为5000元")
    page.get_by_label("证明材料文件").set_input_files([str(scan)])
    page.get_by_role("button", name="提交异议").click()
    assert "已标注“异议处理中”" in page.get_by_role("status").inner_text()
    card = page.locator("section.objection").first
    assert "处罚决定书.pdf" in card.inner_text()
    ctx.close()

    # The market-regulation reviewer approves the repair and corrects the disputed record.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/repair", "reviewer")
    page.get_by_role("link", name=re.compile(r"^XF\d+")).first.click()
    page.get_by_label("审核结果").select_option(label="同意修复")
    page.get_by_label("审核意见").fill("罚款已缴清，整改到位")
    page.get_by_role("button", name="提交决定").click()
    assert "已作出决定：已修复" in page.get_by_role("status").inner_text()
    page.goto(live_server + "/console/objections")
    page.get_by_role("link", name=re.compile(r"^YY\d+")).first.click()
    with page.expect_download() as download:  # the evidence file, as uploaded
        page.get_by_role("link", name="处罚决定书.pdf").click()
    assert Path(download.value.path()).read_bytes() == EVIDENCE_PDF
    page.get_by_label("处理结果").select_option(label="更正")
    page.get_by_label("处理理由").fill("罚款金额录入有误，予以更正")
    page.locator("summary").click()
    page.get_by_label("处罚内容（CF_NR）").fill("罚款5000元")
    page.get_by_role("button", name="提交决定").click()
    assert "已办结：更正" in page.get_by_role("status").inner_text()
    ctx.close()

    # The entity sees both outcomes.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, live_server, "/console/my/objections", "company")
    card = page.locator("section.objection").first.inner_text()
    assert "已办结：更正" in card and "罚款金额录入有误" in card and "异议中" in card
    page.goto(live_server + "/console/my/notices")
    notices = page.locator("ul.notices").inner_text()
    assert "已处理：更正" in notices and "已通过" in notices
    page.goto(live_server + "/console/my/repair")
    assert "已修复" in page.get_by_role("row").filter(has_text=fined).first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "repair-entity.png"), full_page=True)
    ctx.close()


def test_large_report_is_generated_in_the_background(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinyong.reports import service as reports_service

    shipped = reports_service.load_rules()
    monkeypatch.setattr(reports_service, "load_rules", lambda: shipped.model_copy(update={"background_rows": 1}))
    fined, disputed = _setup(live_db)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    _login(page, live_server, "/console/reports", "company")
    page.get_by_label("报告版本").select_option(label="详版")
    page.get_by_label("报告用途").select_option(label="自查")
    page.get_by_role("button", name="生成报告").click()
    assert "报告正在生成" in page.get_by_role("status").inner_text()
    # the page refreshes itself (meta refresh, no script) until the report is ready
    page.get_by_text("报告已生成").wait_for(timeout=90_000)
    with page.expect_download() as info:
        page.get_by_role("link", name="下载PDF").click()
    pdf = tmp_path / "large.pdf"
    info.value.save_as(pdf)
    page.goto(live_server + "/portal/reports/verify")
    page.get_by_label("报告文件（PDF）").set_input_files(str(pdf))
    page.get_by_role("button", name="上传核验").click()
    assert "签名验证通过" in page.get_by_role("status").inner_text()
    ctx.close()
    assert fined and disputed
