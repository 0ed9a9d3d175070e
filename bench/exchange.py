"""Benchmark: building the upward feed (batches of JSON Lines + CSV with SHA-256, stored) against a bare read of the
same rows, same run; and ingestion with the feed in place (the bulk write path is unchanged: nothing per row).

    python bench/exchange.py [--rows 100000] [--batch-size 5000]

Prints: ingestion time, the bare ``SELECT id, fields FROM credit_record ORDER BY id`` read, the feed's build time
for the whole backlog into a directory destination (every batch built, written and acknowledged), items per second
and the ratio to the bare read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import SECRET, make_csv
from sqlalchemy import text

from xinyong.catalog import service as catalog_service
from xinyong.core import calendar as calendar_service
from xinyong.core.audit import Actor
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database, upgrade
from xinyong.exchange import service
from xinyong.ingestion import service as ingestion
from xinyong.subjects import service as subjects_service

ACTOR = Actor.system("bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        csv_path = tmp / "penalties.csv"
        make_csv(csv_path, args.rows)
        url = f"sqlite:///{tmp / 'feed.db'}"
        upgrade(url)
        db = Database(url)
        with db.session() as s:
            subjects_service.load_reference_data(s, actor=ACTOR)
            calendar_service.seed_from_chinesecalendar(s, actor=ACTOR)
            catalog_service.load_shipped(s, actor=ACTOR)
        started = time.perf_counter()
        ingestion.ingest_file(
            db, path=csv_path, kind="penalty", department_code="scjg", actor=ACTOR, cipher=get_cipher(SECRET)
        )
        ingest_s = time.perf_counter() - started

        started = time.perf_counter()
        with db.engine.connect() as conn:
            n = sum(len(json.loads(f) if isinstance(f, str) else f) >= 0 for _i, f in conn.execute(
                text("SELECT id, fields FROM credit_record ORDER BY id")))  # fmt: skip
        bare_s = time.perf_counter() - started

        folder = tmp / "xfer"
        policy = service.DestinationPolicy(root=tmp)
        with db.session() as s:
            service.save_destination(
                s,
                values={"code": "BENCH", "name": "bench", "kind": "directory", "directory": str(folder),
                        "batch_size": args.batch_size, "max_pending": 1},
                actor=ACTOR, policy=policy,
            )  # fmt: skip
        started = time.perf_counter()
        items = 0
        while True:
            (report,) = service.push(db, destination="BENCH", actor=ACTOR, policy=policy)
            if report.built == 0:
                break
            for manifest in (folder / "out").glob("*.manifest.json"):
                body = json.loads(manifest.read_text(encoding="utf-8"))
                ack = folder / "ack" / f"{body['batch_id']}.ack.json"
                if not ack.exists():
                    ack.write_text(json.dumps({"batch_id": body["batch_id"], "sha256": body["sha256"]}))
                    items += body["item_count"]
        feed_s = time.perf_counter() - started
        service.push(db, destination="BENCH", actor=ACTOR, policy=policy)  # collect the last acknowledgement
        db.dispose()
    print(f"rows {args.rows:,}  batch size {args.batch_size:,}")
    print(f"ingestion (bulk path, feed in place): {ingest_s:.2f} s  ({args.rows / ingest_s:,.0f} rows/s)")
    print(f"bare read of the same rows: {bare_s:.2f} s  ({n:,} rows)")
    print(f"feed build + write + ack of the backlog: {feed_s:.2f} s  ({items:,} items, {items / feed_s:,.0f} items/s)")
    print(f"ratio feed/bare read: {feed_s / bare_s:.1f}x")


if __name__ == "__main__":
    main()
