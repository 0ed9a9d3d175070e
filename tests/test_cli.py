"""The `xinyong` command line, run as a real process: outputs and exit codes of the v1 contract."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import Cli


def test_check_code_prints_one_line_per_code_and_exits_1_when_any_is_invalid(cli: Cli) -> None:
    ok = cli("check-code", "91110000600037341L", "n2230382mA1b3n1n2x")
    lines = ok.stdout.splitlines()
    assert lines[0] == "91110000600037341L\tOK"
    assert lines[1].startswith("N2230382MA1B3N1N2X\tINVALID\t")
    assert ok.returncode == 1
    good = cli("check-code", "9123 0500 MA1B 3N1N 2M")
    assert good.returncode == 0 and good.stdout == "91230500MA1B3N1N2M\tOK\n"
    bad = cli("check-code", "91110000600037341")
    assert bad.stdout == "91110000600037341\tINVALID\t长度应为18位，实际为17位\n"


def test_calendar_deadline_and_missing_year(cli: Cli, tmp_path: Path) -> None:
    r = cli("calendar", "deadline", "2025-09-26", "7")
    assert (r.returncode, r.stdout) == (0, "2025-10-13\n")
    provisional = cli("calendar", "deadline", "2026-12-25", "7")
    assert (provisional.returncode, provisional.stdout) == (0, "2027-01-06\t暂定\n")
    missing = cli("calendar", "deadline", "2026-12-25", "7", "--strict")
    assert missing.returncode == 2
    assert "尚未加载2027年的工作日历" in missing.stderr and "Traceback" not in missing.stderr
    impossible = cli("calendar", "deadline", "2026-02-30", "7")
    assert impossible.returncode == 2 and "日期“2026-02-30”无效" in impossible.stderr
    negative = cli("calendar", "deadline", "--", "2026-02-10", "-1")
    assert negative.returncode == 2 and "工作日数“-1”无效" in negative.stderr
    words = cli("calendar", "deadline", "2026-02-10", "七")
    assert words.returncode == 2 and "工作日数“七”无效，应为非负整数" in words.stderr
    notice = tmp_path / "2027.json"
    notice.write_text(json.dumps({"year": 2027, "holidays": [{"date": "2027-01-01", "name": "元旦"}]}), "utf-8")
    refused = cli("calendar", "load", str(notice))
    assert refused.returncode == 1 and "2027-02-05是法定节假日（春节），通知中未放假" in refused.stderr
    loaded = cli("calendar", "load", str(notice), "--confirm")
    assert loaded.returncode == 0 and "已加载2027年日历" in loaded.stdout and "与法定节假日不一致" in loaded.stderr
    assert cli("calendar", "deadline", "2026-12-25", "7").stdout == "2027-01-06\n"


def test_departments_and_token_create(cli: Cli) -> None:
    depts = cli("departments")
    assert depts.returncode == 0
    assert "scjg\t密山市市场监督管理局" in depts.stdout.splitlines()
    token = cli("token", "create", "--dept", "scjg", "--role", "operator")
    assert token.returncode == 0
    assert re.fullmatch(r"xy_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n", token.stdout)
    bad_dept = cli("token", "create", "--dept", "nope", "--role", "operator")
    assert bad_dept.returncode == 1 and "部门代码“nope”不存在" in bad_dept.stderr and bad_dept.stdout == ""
    bad_role = cli("token", "create", "--dept", "scjg", "--role", "boss")
    assert bad_role.returncode == 1 and "角色“boss”不存在" in bad_role.stderr


def test_audit_verify_reports_ok_and_a_break(cli: Cli, tmp_path: Path) -> None:
    import sqlite3

    ok = cli("audit", "verify")
    assert ok.returncode == 0 and "审计链完整" in ok.stdout
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        conn.execute("UPDATE audit_event SET actor = 'intruder' WHERE id = 3")
    broken = cli("audit", "verify")
    assert broken.returncode == 1 and "第3号事件的内容与其哈希不符" in broken.stderr


def test_commands_on_an_uninitialised_database_say_so(tmp_path: Path) -> None:
    env = {**os.environ, "XINYONG_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    r = subprocess.run(
        [sys.executable, "-m", "xinyong.cli", "departments"], capture_output=True, text=True, env=env, timeout=120
    )
    assert r.returncode == 1 and "数据库尚未初始化，请先运行 xinyong init" in r.stderr


def test_demo_fills_the_city_prints_accounts_and_is_skipped_when_asked(cli: Cli) -> None:
    first = cli("demo", "--entities", "300")
    assert first.returncode == 0, first.stderr
    assert "已生成市场主体300个" in first.stdout
    assert "admin" in first.stdout and "Xinyong@2026" in first.stdout and "信用办管理员" in first.stdout
    again = cli("demo", "--entities", "300", "--if-empty")
    assert again.returncode == 0 and "数据库中已有300个市场主体，跳过生成演示数据" in again.stdout
    bad = cli("demo", "--entities", "20000001")
    assert bad.returncode == 2 and "--entities 应在0到20,000,000之间" in bad.stderr


def test_import_prints_counts_and_writes_the_error_report(cli: Cli, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from tests.ingestion.samples import row, write_csv

    path = write_csv(tmp_path / "处罚.csv", [row(1), row(2, CF_NR_FK="5000元"), row(3)])
    result = cli("import", str(path), "--kind", "penalty", "--dept", "scjg")
    assert result.returncode == 0, result.stderr
    assert "数据行3，通过2（新增2，新版本0，重复0），未通过1。" in result.stdout
    report = tmp_path / "处罚.errors.xlsx"
    assert str(report) in result.stdout.replace("\n", "")
    rows = list(load_workbook(report).active.iter_rows(values_only=True))
    assert rows[2][:3] == (3, "CF_NR_FK", "罚款金额（万元）")
    again = cli("import", str(path), "--kind", "penalty", "--dept", "scjg")
    assert "通过2（新增0，新版本0，重复2）" in again.stdout
    bad = cli("import", str(path), "--kind", "nope", "--dept", "scjg")
    assert bad.returncode == 1 and "信息类别“nope”不在信用信息目录" in bad.stderr
