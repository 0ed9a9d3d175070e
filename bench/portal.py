"""Benchmark: portal name search and profile page, against a baseline measured in the same run.

    python bench/portal.py [--entities 1000000] [--records-per-entity 10] [--postgres URL] [--db PATH]

Target (issue #4): with 1,000,000 entities and 10,000,000 records, name search p95 <= 50 ms and profile page
p95 <= 100 ms on SQLite, single process. Baseline: the same name query as a plain LIKE scan of entity.name (what
search would cost without the index) and a bare primary-key SELECT of the entity (the floor of any profile).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import text

from xinyong.app import create_app
from xinyong.catalog import service as catalog_service
from xinyong.core import calendar as calendar_service
from xinyong.core.audit import Actor
from xinyong.core.config import Settings
from xinyong.core.db import Database, upgrade
from xinyong.demo import service as demo
from xinyong.subjects import service as subjects_service

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def prepare(url: str, entities: int, per_entity: float) -> float:
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        actor = Actor.system("bench")
        subjects_service.load_reference_data(s, actor=actor)
        calendar_service.seed_from_chinesecalendar(s, actor=actor)
        catalog_service.load_shipped(s, actor=actor)
    started = time.perf_counter()
    demo.generate(db, entities=entities, secret_key=SECRET, records_per_entity=per_entity)
    if db.dialect == "postgresql":
        with db.write_engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with db.write_engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    db.dispose()
    return time.perf_counter() - started


def run(url: str, samples: int) -> dict[str, float]:
    db = Database(url)
    settings = Settings(
        mode="test",
        database_url=url,
        secret_key=SECRET,
        portal_search_per_minute=0,
        disclosure_refresh_on_startup=False,
    )
    with db.session() as s:
        names = list(s.execute(text("SELECT name, uscc FROM entity ORDER BY random() LIMIT :n"), {"n": samples}))
        counts = s.execute(text("SELECT (SELECT count(*) FROM entity), (SELECT count(*) FROM credit_record)")).one()
    rng = random.Random(7)
    queries = []
    for name, _code in names:
        core = name.removeprefix("密山市").removeprefix("黑龙江")
        a = max(0, int(rng.random() * max(1, len(core) - 4)))
        queries.append(f"密山 {core[a : a + 3]}" if rng.random() < 0.5 else core[a : a + 4])
    out: dict[str, float] = {"entities": counts[0], "records": counts[1]}
    with TestClient(create_app(settings, db)) as client:
        client.get("/portal/search", params={"q": queries[0]})  # warm up
        t_search, t_profile = [], []
        for q in queries:
            t = time.perf_counter()
            r = client.get("/portal/search", params={"q": q})
            t_search.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        for _name, code in names:
            t = time.perf_counter()
            r = client.get(f"/portal/entities/{code}")
            t_profile.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text[:300]
    base_search, base_profile = [], []
    with db.engine.connect() as conn:
        for q in queries[: max(20, samples // 5)]:
            terms = q.split()
            where = " AND ".join(f"name LIKE :t{i}" for i in range(len(terms)))
            t = time.perf_counter()
            conn.execute(
                text(f"SELECT id FROM entity WHERE {where} ORDER BY id LIMIT 20"),
                {f"t{i}": f"%{x}%" for i, x in enumerate(terms)},
            ).all()
            conn.execute(
                text(f"SELECT count(*) FROM entity WHERE {where}"), {f"t{i}": f"%{x}%" for i, x in enumerate(terms)}
            ).scalar()
            base_search.append((time.perf_counter() - t) * 1000)
        for _name, code in names:
            t = time.perf_counter()
            conn.execute(text("SELECT * FROM entity WHERE uscc = :c"), {"c": code}).all()
            base_profile.append((time.perf_counter() - t) * 1000)
    db.dispose()
    out.update(
        search_p50=statistics.median(t_search),
        search_p95=p95(t_search),
        scan_p95=p95(base_search),
        profile_p50=statistics.median(t_profile),
        profile_p95=p95(t_profile),
        pk_p95=p95(base_profile),
    )
    return out


def report(label: str, r: dict[str, float], build: float | None) -> None:
    print(
        f"== {label}: {int(r['entities']):,} entities, {int(r['records']):,} records"
        + (f" (generated in {build:.0f} s)" if build else "")
    )
    print(
        f"name search (HTTP, whole page): p50 {r['search_p50']:.1f} ms, p95 {r['search_p95']:.1f} ms "
        f"(target <= 50); baseline LIKE scan p95 {r['scan_p95']:.1f} ms, ratio {r['search_p95'] / r['scan_p95']:.2f}"
    )
    print(
        f"profile page (HTTP, whole page): p50 {r['profile_p50']:.1f} ms, p95 {r['profile_p95']:.1f} ms "
        f"(target <= 100); baseline PK select p95 {r['pk_p95']:.2f} ms, ratio {r['profile_p95'] / r['pk_p95']:.0f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--records-per-entity", type=float, default=10.0)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--db", help="reuse (or create) this SQLite file")
    ap.add_argument("--postgres", help="also measure on this PostgreSQL server (a database is created)")
    args = ap.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "portal-bench.db"
    url = f"sqlite:///{path}"
    build = None if path.exists() else prepare(url, args.entities, args.records_per_entity)
    report("SQLite", run(url, args.samples), build)
    if args.postgres:
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(args.postgres)
        name = "xy_bench_portal"
        with psycopg.connect(
            host=u.host, port=u.port or 5432, user=u.username, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        pg = u.set(database=name).render_as_string(hide_password=False)
        build = prepare(pg, args.entities, args.records_per_entity)
        report("PostgreSQL", run(pg, args.samples), build)


if __name__ == "__main__":
    main()
