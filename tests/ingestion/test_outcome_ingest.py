"""File ingestion (inline and in worker processes) fills the outcome column the evaluation reads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.conftest import TEST_SECRET
from tests.ingestion.samples import AUTHORITY, company_code

from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.ingestion import service
from xinyong.ingestion.models import Batch
from xinyong.records.models import CreditRecord

COLUMNS = ["XDR_MC", "XDR_LB", "XDR_SHXYM", "FRDB", "WSH", "NR", "CLJG", "JDRQ", "JDJG", "JDJGDM", "SJLY", "SJLYDM"]
RESULTS = ["属实", "不属实", "部分属实", "调解结案", "处理中"]


def _complaints(path: Path, count: int, *, changed: int | None = None) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for n in range(1, count + 1):
        result = "不属实" if n == changed else RESULTS[n % len(RESULTS)]
        writer.writerow(
            [
                f"密山市兴凯商贸有限公司{n}",
                "法人及非法人组织",
                company_code(n),
                "王建国",
                f"密市监诉〔2026〕{n}号",
                "消费者投诉商品质量问题",
                result,
                "2026-11-20",
                "密山市市场监督管理局",
                AUTHORITY,
                "密山市市场监督管理局",
                AUTHORITY,
            ]
        )
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def _run(db: Database, path: Path, workers: int) -> None:
    actor = Actor.system("t")
    batch_id = service.create_batch(db, kind="complaint", department_code="scjg", actor=actor, filename=None)
    service.run_batch(db, batch_id, path=path, actor=actor, cipher=get_cipher(TEST_SECRET), workers=workers)


@pytest.mark.parametrize("workers", [0, 2])
def test_ingested_complaints_keep_their_outcome_and_a_correction_versions_it(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock, workers: int
) -> None:
    monkeypatch.setattr(service, "CHUNK_ROWS", 3)  # several chunks, spread over the workers
    _run(db, _complaints(tmp_path / "c.csv", 10), workers)
    # The same file again with row 4 corrected: a new version of that record, with the new outcome.
    _run(db, _complaints(tmp_path / "c2.csv", 10, changed=4), workers)
    with db.session(write=False) as s:
        assert s.execute(select(Batch.rejected).order_by(Batch.id)).scalars().all() == [0, 0]
    with db.session(write=False) as s:
        rows = s.execute(
            select(CreditRecord.document_number, CreditRecord.version, CreditRecord.is_current, CreditRecord.outcome)
        ).all()
        fields = {(r.document_number, r.version): r.fields["CLJG"] for r in s.execute(select(CreditRecord)).scalars()}
    assert len(rows) == 11
    for doc, version, _current, outcome in rows:
        assert outcome == fields[(doc, version)], doc
    by_doc = {(doc, version): (current, outcome) for doc, version, current, outcome in rows}
    assert by_doc[("密市监诉〔2026〕4号", 1)] == (False, RESULTS[4 % len(RESULTS)])
    assert by_doc[("密市监诉〔2026〕4号", 2)] == (True, "不属实")
