"""Benchmark of the demo-city generator: a baseline size and a target size, measured in one run.

    python bench/demo_scale.py [--entities 1000000] [--baseline 100000] [--url sqlite:///path/demo.db]
                               [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--keep]

Each measurement starts from a fresh database: migrated (``upgrade``) and loaded with the reference data.
The demo accounts are created first and timed on their own (argon2 hashing, about 50 accounts); then
``generate`` is timed for the bulk rows.  "total" = accounts + bulk, which is what ``xinyong demo`` costs on
a fresh database.  The target must reach 1,000,000 entities in under 180 s.

SQLite: in temporary files, or at ``--url`` (a new file; after the run it holds the target city, handy as
benchmark data).  PostgreSQL (``--postgres`` server URL): scratch databases are created and dropped
(kept with ``--keep``).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from xinyong.core.audit import Actor
from xinyong.core.db import Database, upgrade
from xinyong.demo import service as demo
from xinyong.subjects.service import load_reference_data

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
GOAL_ENTITIES, GOAL_SECONDS = 1_000_000, 180.0


@dataclass
class Measurement:
    backend: str
    entities: int
    users_seconds: float
    bulk_seconds: float
    persons: int
    relations: int
    size_mb: float | None

    @property
    def total(self) -> float:
        return self.users_seconds + self.bulk_seconds

    @property
    def rate(self) -> float:
        """Entities per second of the bulk phase."""
        return self.entities / self.bulk_seconds if self.bulk_seconds else 0.0


def _prepare(url: str) -> Database:
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        load_reference_data(s, actor=Actor.system("bench"))
    return db


def _measure(backend: str, url: str, entities: int) -> Measurement:
    db = _prepare(url)
    try:
        t0 = time.perf_counter()
        with db.session() as s:
            demo.create_demo_users(s, actor=Actor.system("demo"))
        users = time.perf_counter() - t0
        done = 0
        last_report = time.perf_counter()

        def progress(k: int) -> None:
            nonlocal done, last_report
            done += k
            if time.perf_counter() - last_report > 10:
                last_report = time.perf_counter()
                print(f"    … {done:,} / {entities:,}", flush=True)

        t1 = time.perf_counter()
        result = demo.generate(db, entities=entities, secret_key=SECRET, progress=progress)
        bulk = time.perf_counter() - t1
    finally:
        db.dispose()
    size = None
    if backend == "sqlite":
        path = Path(make_url(url).database or "")
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    return Measurement(backend, entities, users, bulk, result.persons, result.relations, size)


def _sqlite_runs(args: argparse.Namespace) -> list[Measurement]:
    out = []
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-") as tmp:
        for label, n in (("baseline", args.baseline), ("target", args.entities)):
            url = args.url if label == "target" and args.url else f"sqlite:///{Path(tmp) / f'{label}.db'}"
            print(f"  sqlite {label}: {n:,} entities → {url}", flush=True)
            out.append(_measure("sqlite", url, n))
            if label == "baseline":
                for p in Path(tmp).glob("baseline.db*"):
                    p.unlink()
    return out


def _postgres_runs(args: argparse.Namespace) -> list[Measurement]:
    import psycopg

    server = make_url(args.postgres)
    admin = psycopg.connect(
        host=server.host or "127.0.0.1",
        port=server.port or 5432,
        user=server.username or "postgres",
        password=server.password,
        dbname="postgres",
        autocommit=True,
    )
    out = []
    try:
        for label, n in (("baseline", args.baseline), ("target", args.entities)):
            name = f"xinyong_bench_{os.getpid()}_{label}"
            admin.execute(f'CREATE DATABASE "{name}"')
            url = server.set(database=name).render_as_string(hide_password=False)
            print(f"  postgresql {label}: {n:,} entities → database {name}", flush=True)
            try:
                out.append(_measure("postgresql", url, n))
                with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
                    row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
                out[-1].size_mb = row[0] / 1e6 if row else None
            finally:
                if not (args.keep and label == "target"):
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
    return out


def _report(runs: list[Measurement]) -> None:
    print()
    print(f"machine: {os.cpu_count()} CPU, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(
        f"{'backend':<11}{'entities':>11}{'users s':>9}{'bulk s':>9}{'total s':>9}{'entities/s':>12}"
        f"{'persons':>10}{'relations':>11}{'size MB':>9}"
    )
    for m in runs:
        size = f"{m.size_mb:,.0f}" if m.size_mb is not None else "-"
        print(
            f"{m.backend:<11}{m.entities:>11,}{m.users_seconds:>9.1f}{m.bulk_seconds:>9.1f}{m.total:>9.1f}"
            f"{m.rate:>12,.0f}{m.persons:>10,}{m.relations:>11,}{size:>9}"
        )
    for backend in sorted({m.backend for m in runs}):
        base, target = [m for m in runs if m.backend == backend]
        ratio = target.rate / base.rate if base.rate else 0.0
        print(
            f"{backend}: target/baseline throughput ratio {ratio:.2f} "
            f"({target.rate:,.0f} vs {base.rate:,.0f} entities/s)"
        )
        if target.entities >= GOAL_ENTITIES:
            verdict = "MET" if target.total < GOAL_SECONDS * target.entities / GOAL_ENTITIES else "MISSED"
            print(
                f"{backend}: goal 1,000,000 in < 180 s: {verdict} ({target.entities:,} in {target.total:.1f} s "
                f"incl. {target.users_seconds:.1f} s of demo accounts)"
            )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: bench process {own:,.0f} MB (includes the SQLite page cache), generator worker {kids:,.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=1_000_000, help="target size (default 1,000,000)")
    parser.add_argument("--baseline", type=int, default=100_000, help="baseline size (default 100,000)")
    parser.add_argument("--url", help="SQLite URL of a new file for the target city (default: a temporary file)")
    parser.add_argument("--postgres", help="PostgreSQL server URL; scratch databases are created and dropped")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL target database")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    args = parser.parse_args()
    if args.url:
        if not args.url.startswith("sqlite:///"):
            parser.error("--url must be a SQLite URL (use --postgres for PostgreSQL)")
        if Path(make_url(args.url).database or "").exists():
            parser.error(f"{args.url} exists; give a new file")
    runs: list[Measurement] = []
    if not args.no_sqlite:
        runs += _sqlite_runs(args)
    if args.postgres:
        runs += _postgres_runs(args)
    _report(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
