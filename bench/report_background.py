"""Benchmark: how long a request for a large 详版 credit report keeps the requester waiting, rendered inside the
request (baseline, measured in the same run) and in the background (the request stores it as 生成中; the worker
renders, signs and stores it).

    python bench/report_background.py [--records 200] [--runs 2]

Prints the request time of each way, their ratio, and the time until the background report is downloadable.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select

from reports import ACTOR, SECRET, USCC, _penalty  # the same data as bench/reports.py
from xinyong.catalog import service as catalog_service
from xinyong.core import calendar as calendar_service
from xinyong.core.clock import CHINA_TZ, FixedClock, set_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database, upgrade
from xinyong.ingestion import service as ingestion_service
from xinyong.reports import service
from xinyong.reports.models import CreditReport
from xinyong.reports.worker import ReportRenderer
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity


def _issue(db: Database, entity_id: int, *, background: bool) -> tuple[int, float]:
    with db.session() as s:
        t = time.perf_counter()
        report, _code = service.issue_report(
            s, entity_id=entity_id, edition="full", purpose="bidding", purpose_note=None,
            requester=service.Requester(actor=ACTOR, entity_id=entity_id), secret=SECRET,
            verify_base="http://127.0.0.1:8000", background=background,
        )  # fmt: skip
        s.commit()
        return report.id, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    set_clock(FixedClock(__import__("datetime").datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ)))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        db = Database(url)
        cipher = get_cipher(SECRET)
        with db.session() as s:
            subjects_service.load_reference_data(s, actor=ACTOR)
            calendar_service.seed_from_chinesecalendar(s, actor=ACTOR)
            catalog_service.load_shipped(s, actor=ACTOR)
            subjects_service.create_entity(
                s, actor=ACTOR, uscc=USCC, name="密山市兴凯食品有限公司", category="法人及非法人组织",
                entity_type="企业", region_code="230382",
            )  # fmt: skip
            for n in range(args.records):
                ingestion_service.submit_one(
                    s, kind="penalty", fields=_penalty(n + 1), department_code="scjg", actor=ACTOR, cipher=cipher
                )
            entity_id = s.execute(select(Entity.id).where(Entity.uscc == USCC)).scalar_one()
        renderer = ReportRenderer(db, SECRET)
        inline, queued, ready = [], [], []
        for _ in range(args.runs):
            _id, took = _issue(db, entity_id, background=False)
            inline.append(took)
            report_id, took = _issue(db, entity_id, background=True)
            queued.append(took)
            start = time.perf_counter() - took
            renderer.submit(report_id).result()
            ready.append(time.perf_counter() - start)
            with db.session() as s:
                row = s.get(CreditReport, report_id)
                assert row is not None and row.status == service.READY and row.pdf.startswith(b"%PDF-")
        renderer.shutdown()
        base, bg = statistics.median(inline), statistics.median(queued)
        print(f"{args.records} penalties 详版, median of {args.runs}:")
        print(f"  baseline: rendered inside the request  {base * 1000:8.0f} ms")
        print(f"  background: request answers (生成中)    {bg * 1000:8.0f} ms  ({base / bg:.0f}x shorter wait)")
        print(f"  background: downloadable after         {statistics.median(ready) * 1000:8.0f} ms")
        db.dispose()


if __name__ == "__main__":
    main()
