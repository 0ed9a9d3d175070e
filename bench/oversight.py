"""Benchmark of the oversight dashboard and assessment export on a demo city, against a bare aggregate, same run.

    python bench/oversight.py --url sqlite:///var/demo.db      # a database filled by `xinyong demo`
    python bench/oversight.py --url postgresql://postgres@127.0.0.1:5432/xinyong

The dashboard's figures are aggregate queries (docs/oversight.md); the baseline is one bare
``SELECT department_id, count(*) FROM credit_record GROUP BY department_id`` on the same database, so the ratio
says how many such scans the whole dashboard costs. Target (issue #11): the dashboard of the 20,000-entity demo city
in well under a second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import func, select, text

import xinyong.models  # noqa: F401  (every mapper known)
from xinyong.core.db import Database
from xinyong.oversight import assessment, service
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Entity

BASELINE_SQL = text("SELECT department_id, count(*) FROM credit_record GROUP BY department_id")


def _median(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm the caches once
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a database filled by `xinyong demo`")
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    db = Database(args.url)
    try:
        with db.session() as s:
            entities = s.execute(select(func.count()).select_from(Entity)).scalar_one()
            records = s.execute(select(func.count()).select_from(CreditRecord)).scalar_one()
            p = service.period(args.year)
            baseline = _median(
                lambda: s.execute(
                    text("SELECT department_id, count(*) FROM credit_record GROUP BY department_id")
                ).all(),
                args.runs,
            )
            dashboard = _median(lambda: service.dashboard(s, p), args.runs)
            workbook = _median(lambda: assessment.workbook_bytes(s, p), args.runs)
    finally:
        db.dispose()
    print(f"database: {entities:,} entities, {records:,} credit records; year {p.year}")
    print(f"baseline (one GROUP BY over credit_record): {baseline * 1000:.1f} ms")
    print(f"dashboard (every figure):                   {dashboard * 1000:.1f} ms  ratio {dashboard / baseline:.1f}")
    print(f"assessment workbook (XLSX):                 {workbook * 1000:.1f} ms  ratio {workbook / baseline:.1f}")


if __name__ == "__main__":
    main()
