"""A person logs in with a real browser and sees the admin console, with Chinese drawn in a CJK font."""

from __future__ import annotations

import re

import pytest
from tests.e2e.conftest import ARTIFACTS, rendered_fonts
from tests.helpers import PASSWORD, make_user

from xinyong.core.db import Database

pytestmark = pytest.mark.e2e


def test_admin_logs_in_and_sees_the_console_shell(live_server: str, live_db: Database, page) -> None:  # type: ignore[no-untyped-def]
    make_user(live_db, "admin", "admin", "ysj")
    page.goto(live_server + "/")
    assert page.locator("h1").first.inner_text() == "密山市公共信用信息平台"
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/console$"))
    assert page.locator("h1").inner_text() == "工作台"
    sidebar = page.get_by_role("complementary", name="管理后台导航")
    for label in ("概览", "部门与监管领域", "工作日历", "用户与访问令牌", "审计日志"):
        assert sidebar.get_by_role("link", name=label).is_visible()
    # Chinese text is drawn with a CJK font, not tofu boxes.
    fonts = rendered_fonts(page, "h1")
    assert any("CJK" in f or "WenQuanYi" in f or "Noto Sans SC" in f for f in fonts), fonts
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)

    sidebar.get_by_role("link", name="审计日志").click()
    page.get_by_role("link", name="校验审计链").click()
    assert "审计链完整" in page.get_by_role("status").inner_text()


def test_wrong_password_shows_a_chinese_message(live_server: str, live_db: Database, page) -> None:  # type: ignore[no-untyped-def]
    make_user(live_db, "admin", "admin", "ysj")
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误。"


def test_calendar_page_computes_a_deadline(live_server: str, live_db: Database, page) -> None:  # type: ignore[no-untyped-def]
    make_user(live_db, "op", "operator", "scjg")
    page.goto(live_server + "/console/calendar")
    page.get_by_label("用户名").fill("op")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/console/calendar$"))
    page.locator("input[name=start]").fill("2026-09-29")
    page.locator("input[name=n]").fill("4")
    page.get_by_role("button", name="计算").click()
    assert "2026年10月10日（星期六）" in page.get_by_role("status").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "calendar.png"), full_page=True)


def test_clerk_uploads_a_file_and_reads_the_row_errors(  # type: ignore[no-untyped-def]
    live_server: str, live_db: Database, page, tmp_path
) -> None:
    from tests.ingestion.samples import row, write_csv

    make_user(live_db, "clerk", "operator", "scjg")
    path = write_csv(
        tmp_path / "行政处罚.csv", [row(1), row(2, CF_NR_FK="5000元"), row(3, CF_JDRQ="2026-02-30")], chinese=True
    )
    page.goto(live_server + "/console/ingest")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/console/ingest$"))
    page.get_by_label("信息类别").select_option("penalty")
    page.get_by_label("文件", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="上传并归集").click()
    page.wait_for_url(re.compile(r".*/console/ingest/batches/\d+$"))
    assert "行政处罚.csv" in page.locator("h1").inner_text()
    page.locator("#errors").wait_for(timeout=30_000)  # the page follows the background job until it is done
    rows = page.locator("#errors tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).locator("td").all_inner_texts()
    assert first[:3] == ["3", "CF_NR_FK", "罚款金额（万元）"] and "应填写为0.5" in first[4]
    second = rows.nth(1).locator("td").all_inner_texts()
    assert second[0] == "4" and second[1] == "CF_JDRQ" and "不存在" in second[4]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ingest-batch.png"), full_page=True)
