"""Benchmark: ingesting a penalty CSV with full validation vs a bare csv.reader + executemany baseline, same run.

    python bench/ingest.py [--rows 1000000] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Target (issue #3): 1,000,000 rows on SQLite in at most 4x the baseline, peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import initialise
from tests.ingestion.samples import HEADERS_CODE, row

from xinyong.core.audit import Actor
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database, upgrade
from xinyong.evaluation import service as evaluation_service
from xinyong.ingestion import service as ingestion

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


CATEGORIES = ["警告、罚款", "罚款", "警告", "警告、通报批评", "通报批评"]


def make_csv(path: Path, rows: int) -> None:
    """A realistic penalty file: distinct decisions about 50,000 companies, decided on the working days of
    2025-01 to 2026-10, with five category mixes and 500 different fines."""
    first = date(2025, 1, 2)
    days = [first + timedelta(days=i) for i in range(660)]
    days = [d for d in days if d.weekday() < 5]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS_CODE)
        template = row(1)
        for n in range(1, rows + 1):
            values = dict(template)
            company = row(n % 50_000 + 1)
            values["CF_XDR_MC"], values["CF_XDR_SHXYM"] = company["CF_XDR_MC"], company["CF_XDR_SHXYM"]
            decided = days[n * 7919 % len(days)]
            values["CF_WSH"] = f"密市监罚〔{decided.year}〕{n}号"
            values["CF_JDRQ"] = decided.isoformat()
            values["CF_CFLB"] = CATEGORIES[n % len(CATEGORIES)]
            fined = "罚款" in values["CF_CFLB"]
            values["CF_NR_FK"] = f"{(n % 500 + 1) / 10:.1f}" if fined else ""
            writer.writerow([values[c] for c in HEADERS_CODE])


def baseline(path: Path, tmp: Path) -> float:
    """Python csv.reader + executemany of the same rows into a plain SQLite table."""
    db = sqlite3.connect(tmp / "baseline.db")
    db.execute(f"CREATE TABLE t ({', '.join(f'{c} TEXT' for c in HEADERS_CODE)})")
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        db.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(HEADERS_CODE))})", reader)
    db.commit()
    db.close()
    return time.perf_counter() - started


def archive_floor(path: Path, tmp: Path) -> float:
    """The same rows stored as archive rows without any validation: csv.reader, the fields as JSON, executemany into
    the real ``credit_record`` table (migrated schema: its unique natural key, the chain sequence and the indexes
    the portal, evaluation, timeliness and expiry read) in 2,000-row transactions, foreign keys off. What any
    ingestion into this schema pays at least, whatever its validation costs."""
    url = f"sqlite:///{tmp / 'floor.db'}"
    upgrade(url)
    db = sqlite3.connect(tmp / "floor.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-131072")
    columns = (
        "item_id, item_code, subject_kind, entity_id, subject_name, subject_category, department_id, "
        "document_number, decision_date, fields, content_hash, severity, status, version, is_current, "
        "publication_deadline, submitted_at, on_time, published_at, publicity_from, publicity_until, batch_id, "
        "row_number, chain_seq, chain_prev, chain_hash"
    )
    sql = f"INSERT INTO credit_record ({columns}) VALUES ({', '.join('?' * 26)})"
    entities: dict[str, int] = {}
    stamp = "2026-11-28 02:00:00.000000"
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        headers = next(reader)
        at = {c: headers.index(c) for c in ("CF_XDR_MC", "CF_XDR_SHXYM", "CF_WSH", "CF_JDRQ")}
        batch: list[tuple[object, ...]] = []
        for n, values in enumerate(reader, start=1):
            decided = values[at["CF_JDRQ"]]
            entity = entities.setdefault(values[at["CF_XDR_SHXYM"]], len(entities) + 1)
            text = json.dumps(dict(zip(headers, values, strict=True)), ensure_ascii=False)
            batch.append(
                (1, "penalty", "entity", entity, values[at["CF_XDR_MC"]], "法人及非法人组织", 1,
                 values[at["CF_WSH"]], decided, text, text[:64], "general", "有效", 1, 1, decided, stamp, 1, stamp,
                 decided, decided, 1, n, n, None, None)
            )  # fmt: skip
            if len(batch) == 2000:
                db.execute("BEGIN")
                db.executemany(sql, batch)
                db.execute("COMMIT")
                batch = []
        if batch:
            db.execute("BEGIN")
            db.executemany(sql, batch)
            db.execute("COMMIT")
    db.close()
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def full(path: Path, url: str) -> tuple[float, dict[str, int]]:
    """The platform's ingestion of the same file."""
    initialise(url)  # migrated, with the reference data `xinyong init` loads
    db = Database(url)
    started, cpu, workers_cpu = time.perf_counter(), time.process_time(), _children_cpu()
    batch_id = ingestion.ingest_file(
        db,
        path=path,
        kind="penalty",
        department_code="scjg",
        actor=Actor.system("bench"),
        cipher=get_cipher(SECRET),
        regrade=False,
    )
    seconds = time.perf_counter() - started
    cpu, workers_cpu = time.process_time() - cpu, _children_cpu() - workers_cpu
    # The re-grade of the touched subjects that follows a batch (part of the evaluation, timed on its own).
    graded_from = time.perf_counter()
    with db.session() as s:
        graded = evaluation_service.evaluate_dirty(s, actor=Actor.system("bench"))
    regrade_s = time.perf_counter() - graded_from
    with db.session(write=False) as s:
        report = ingestion.report(s, batch_id, error_limit=0)
    db.dispose()
    counts = {k: report[k] for k in ("rows", "created", "rejected")}
    counts |= {"cpu_s": round(cpu, 1), "workers_cpu_s": round(workers_cpu, 1)}
    counts |= {"regrade_s": round(regrade_s, 1), "regraded": graded.evaluated}
    return seconds, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="also measure on this PostgreSQL server (a scratch database is created)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        path = tmp / "penalties.csv"
        make_csv(path, args.rows)
        size_mb = os.path.getsize(path) / 1e6
        base = baseline(path, tmp)
        floor = archive_floor(path, tmp)
        seconds, counts = full(path, f"sqlite:///{tmp / 'full.db'}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"rows {args.rows:,}  file {size_mb:.0f} MB")
        print(f"baseline csv.reader+executemany (SQLite): {base:.2f} s  ({args.rows / base:,.0f} rows/s)")
        print(f"full ingestion (SQLite): {seconds:.2f} s  ({args.rows / seconds:,.0f} rows/s)  {counts}")
        print(f"archive floor (rows into credit_record, no validation): {floor:.2f} s ({floor / base:.1f}x baseline)")
        print(f"ratio full/baseline: {seconds / base:.1f}x  (target <= 4x)   peak RSS {peak:.0f} MB (target < 1024)")
        print(f"ratio full/archive floor: {seconds / floor:.1f}x (what validation, subjects, hashes and the chain add)")
        if args.postgres:
            import psycopg
            from sqlalchemy.engine import make_url

            u = make_url(args.postgres)
            scratch = f"xy_bench_ingest_{os.getpid()}"
            admin = psycopg.connect(
                host=u.host,
                port=u.port or 5432,
                user=u.username or "postgres",
                password=u.password,
                dbname="postgres",
                autocommit=True,
            )
            admin.execute(f'CREATE DATABASE "{scratch}"')
            try:
                pg_seconds, pg_counts = full(path, u.set(database=scratch).render_as_string(hide_password=False))
                print(
                    f"full ingestion (PostgreSQL): {pg_seconds:.2f} s ({args.rows / pg_seconds:,.0f} rows/s) "
                    f"{pg_counts}; ratio to the SQLite baseline {pg_seconds / base:.1f}x"
                )
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
                admin.close()


if __name__ == "__main__":
    main()
