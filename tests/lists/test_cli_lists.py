"""`xinyong lists import-court` and `xinyong lists expire`, run as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli
from tests.ingestion.samples import company_code
from tests.lists.support import person_id
from tests.lists.test_lists_supervision import COURT_CSV

COURT_USCC = next(
    d["uscc"]
    for d in json.loads(
        (Path(__file__).resolve().parents[2] / "src/xinyong/subjects/data/departments.json").read_text("utf-8")
    )["departments"]
    if d["code"] == "fy"
)


def test_import_court_and_expire(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "court.csv"
    path.write_text(
        COURT_CSV.format(uscc=company_code(5), pid=person_id(6)).replace("11230382MB0000000X", COURT_USCC), "utf-8"
    )
    result = cli("lists", "import-court", str(path))
    assert result.returncode == 0, result.stderr
    assert "导入2条，已在名单中跳过0条，有误1条。" in result.stdout and "第4行：" in result.stdout
    none_yet = cli("lists", "expire", "--date", "2026-12-01")
    assert none_yet.returncode == 0 and "0条名单记录列入期限届满" in none_yet.stdout
    expired = cli("lists", "expire", "--date", "2028-06-01")
    assert expired.returncode == 0, expired.stderr
    assert "1条名单记录列入期限届满，已移出。" in expired.stdout  # the company's entry ended on 2028-05-31
    assert cli("lists", "expire", "--date", "2028-13-01").returncode == 1
