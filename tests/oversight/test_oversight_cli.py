"""`xinyong oversight assessment` writes the assessment workbook from the command line."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from tests.conftest import Cli


def test_the_cli_exports_the_assessment_table(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "assessment.xlsx"
    result = cli("oversight", "assessment", "--year", "2026", "--out", str(target))
    assert result.returncode == 0, result.stderr
    assert "已导出2026年度考核评分表" in result.stdout
    ws = load_workbook(target)["考核评分表"]
    codes = [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert "scjg" in codes and "ysj" not in codes and len(codes) == 20
    assert ws["A1"].value.startswith("2026年度营商环境考核")
    bad = cli("oversight", "assessment", "--year", "1999", "--out", str(target))
    assert bad.returncode == 2
