"""Benchmark: portal name search and profile page, against a baseline measured in the same run.

    python bench/portal.py [--entities 1000000] [--records 10000000] [--reuse FILE] [--postgres URL]
    python bench/portal.py --python --entities 100000 --records-per-entity 10   # the slow Python generator

SQLite city (default): the demo city's entities, people and name-search index from the ``xinyong demo`` bulk path,
then the records written by SQLite itself (``bench/archive.py``, recursive CTEs, as bench/evaluate.py) with the
catalogue's portal item mix and departments, field values as submissions carry them (names, codes, legal
representatives, document numbers, penalty contents and bases, licence validity) and each record's publicity window
and publication deadline from the rules engine (``disclosure.decide_for`` over every item × penalty pattern ×
licence validity × subject category × decision day), so profiles show what the rules publish. 1,000,000 entities
and 10,000,000 records take minutes; ``--reuse FILE`` keeps the city in FILE (built there when it does not exist).
PostgreSQL (``--postgres URL``): the SQLite city copied into a new database ``xy_bench_portal`` (``COPY``, indexes
rebuilt), so both backends are measured on the same data; ``--pg-reuse`` measures the copy of an earlier run;
``--pg-python`` builds it with the Python generators instead (``--pg-entities``, ``--records-per-entity``).

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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import archive
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import initialise

from xinyong.app import create_app
from xinyong.core import calendar as calendar_service
from xinyong.core.clock import CHINA_TZ, FixedClock, get_clock, set_clock
from xinyong.core.config import Settings
from xinyong.core.db import Database, upgrade
from xinyong.core.errors import DomainError
from xinyong.demo import service as demo
from xinyong.disclosure import demo as records_demo

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def prepare(url: str, entities: int, per_entity: float) -> float:
    initialise(url)  # migrated, with the reference data `xinyong init` loads
    db = Database(url)
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


# --------------------------------------------------------------------------------------------------
# The fast SQLite city: demo entities + SQLite-written records (bench/archive.py)
# --------------------------------------------------------------------------------------------------

YEARS = 3  # decisions over the last three years, as disclosure/demo.py
CATEGORIES = ("法人及非法人组织", "个体工商户", "自然人")
PERSON_PER_MILLE = 20  # 2 % of the records are about natural persons


def _variants(items: dict[str, tuple[int, str, int | None]], depts: dict[str, tuple[int, str]]) -> list[tuple]:
    """(item, v, w, dept_id, prefix, doc_prefix, template JSON): the static part of a record per item variant;
    ``w`` selects the window variant (penalty pattern, licence validity)."""
    import json

    rows: list[tuple] = []
    for code, (_share, dept_codes) in records_demo._MIX.items():
        if code not in items:
            continue
        v = 0
        for dept in dept_codes:
            dept_id, dept_name = depts[dept]
            short = records_demo._SHORT.get(dept, dept)
            doc = f"密{short}{'罚' if code == 'penalty' else '字'}〔"
            if code == "penalty":
                for w, (cats, fine, conduct, basis) in enumerate(records_demo._PENALTIES):
                    tmpl = {
                        "CF_WFXW": conduct,
                        "CF_SY": f"当事人{conduct}，经查证属实。",
                        "CF_YJ": basis,
                        "CF_CFLB": list(cats),
                        "CF_NR": "、".join(cats) + (f"，罚款{fine}万元" if fine else ""),
                        "CF_NR_FK": fine,
                        "CF_CFJG": dept_name,
                    }
                    rows.append((code, v, w, dept_id, "CF_", doc, json.dumps(tmpl, ensure_ascii=False)))
                    v += 1
            elif code == "license":
                for k, (cert, content, prefix) in enumerate(records_demo._LICENSES):
                    for w in range(3):
                        tmpl = {
                            "XK_XKWS": f"{cert}准予许可决定书",
                            "XK_XKLB": "普通",
                            "XK_XKZS": cert,
                            "XK_XKBH": f"{prefix}{k:02d}",
                            "XK_NR": content,
                            "XK_ZT": "1",
                        }
                        rows.append((code, v, w, dept_id, "XK_", doc, json.dumps(tmpl, ensure_ascii=False)))
                        v += 1
            elif code == "judgment_debtor":
                tmpl = {
                    "ZXFY": "密山市人民法院",
                    "SXYW": "给付货款及利息",
                    "LXQK": "全部未履行",
                    "SXQX": "有履行能力而拒不履行生效法律文书确定义务",
                }
                rows.append((code, v, 0, dept_id, "", doc, json.dumps(tmpl, ensure_ascii=False)))
                v += 1
            else:
                what, result = records_demo._ACTION_TEXT.get(code, ("", ""))
                tmpl = {"NR": what, "JDJG": dept_name}
                if code == "inspection":
                    tmpl.update({"JCFS": "双随机抽查", "JCJG": result})
                rows.append((code, v, 0, dept_id, "", doc, json.dumps(tmpl, ensure_ascii=False)))
                v += 1
    return rows


def _windows(session, items: dict[str, tuple[int, str, int | None]], today: date) -> list[tuple]:
    """(item, w, category index, day, decided, from, until, severity, deadline, extra JSON) for every decision day
    of the last YEARS years: the publicity window and publication deadline by the rules engine."""
    import json

    cal = calendar_service.get_calendar(session)
    first = today - timedelta(days=365 * YEARS)
    rows: list[tuple] = []
    deadlines: dict[tuple[date, int], date | None] = {}
    for code in records_demo._MIX:
        if code not in items:
            continue
        _item_id, rule, wdays = items[code]
        variants = len(records_demo._PENALTIES) if code == "penalty" else 3 if code == "license" else 1
        for day in range(365 * YEARS):
            decided = first + timedelta(days=day)
            if decided.weekday() >= 5:
                decided -= timedelta(days=decided.weekday() - 4)
            key = (decided, wdays or 7)
            if key not in deadlines:
                try:
                    deadlines[key] = cal.add_working_days(decided, wdays or 7)
                except DomainError:
                    deadlines[key] = None
            deadline = deadlines[key] if wdays else None
            for w in range(variants):
                cats: tuple[str, ...] = ()
                fine = None
                basis = ""
                valid_until = None
                extra: dict[str, str] = {}
                if code == "penalty":
                    cats, fine, _conduct, basis = records_demo._PENALTIES[w]
                    extra = {"CF_JDRQ": decided.isoformat()}
                elif code == "license":
                    valid_until = decided + timedelta(days=365 * (1, 3, 5)[w])
                    extra = {
                        "XK_JDRQ": decided.isoformat(),
                        "XK_YXQZ": decided.isoformat(),
                        "XK_YXQZI": valid_until.isoformat(),
                    }
                elif code == "judgment_debtor":
                    extra = {
                        "AH": f"（{decided.year}）黑0382执{day % 9000 + 100}号",
                        "LARQ": (decided - timedelta(days=90)).isoformat(),
                        "FBRQ": decided.isoformat(),
                    }
                else:
                    extra = {"JDRQ": decided.isoformat()}
                for c, category in enumerate(CATEGORIES):
                    start, until, severity = records_demo._window(
                        code, rule, category, decided, cats, fine, basis, valid_until
                    )
                    rows.append(
                        (
                            code,
                            w,
                            c,
                            day,
                            decided,
                            start,
                            until,
                            severity,
                            deadline,
                            json.dumps(extra, ensure_ascii=False),
                        )
                    )
    return rows


def build_sqlite(url: str, entities: int, records: int) -> dict[str, float]:
    """A city of ``entities`` demo entities and ``records`` records; returns the seconds of each step."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    initialise(url)  # migrated, with the reference data `xinyong init` loads
    db = Database(url)
    timings["reference data"] = time.perf_counter() - started
    t = time.perf_counter()
    print(f"generating {entities:,} demo entities …", flush=True)
    demo.generate(db, entities=entities, secret_key=SECRET, records_per_entity=0)
    timings["entities (demo bulk path)"] = time.perf_counter() - t
    t = time.perf_counter()
    today = get_clock().today()
    with db.session() as s:
        items = records_demo.item_rules(s, today)
        depts = {c: (i, n) for c, i, n in s.execute(text("SELECT code, id, name FROM department"))}
        variants = _variants(items, depts)
        windows = _windows(s, items, today)
        lo, hi = s.execute(text("SELECT min(id), max(id) FROM entity")).one()
        plo, phi = s.execute(text("SELECT min(id), max(id) FROM person")).one()
        base = int(s.execute(text("SELECT coalesce(max(id), 0) FROM credit_record")).scalar_one())
    timings["windows (rules engine)"] = time.perf_counter() - t
    print(f"  {len(windows):,} windows by the rules engine ({timings['windows (rules engine)']:.0f} s)", flush=True)
    mix = [(code, share) for code, (share, _d) in records_demo._MIX.items() if code in items]
    nv: dict[str, int] = {}
    for row in variants:
        nv[row[0]] = nv.get(row[0], 0) + 1
    item_of = archive.item_case(mix, "((n * 7919) % 10000)")
    nv_of = "CASE item " + " ".join(f"WHEN '{c}' THEN {k}" for c, k in nv.items()) + " END"
    id_of = "CASE subj.item " + " ".join(f"WHEN '{c}' THEN {items[c][0]}" for c in nv) + " END"
    now = get_clock().now().astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    days = 365 * YEARS
    raw = db.write_engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("DROP TABLE IF EXISTS temp.bench_variant")
        cur.execute("DROP TABLE IF EXISTS temp.bench_window")
        cur.execute(
            "CREATE TEMP TABLE bench_variant (item TEXT, v INT, w INT, dept_id INT, px TEXT, docp TEXT, tmpl TEXT, "
            "PRIMARY KEY (item, v))"
        )
        cur.execute(
            "CREATE TEMP TABLE bench_window (item TEXT, w INT, c INT, day INT, decided DATE, pfrom DATE, "
            "puntil DATE, severity TEXT, deadline DATE, extra TEXT, PRIMARY KEY (item, w, c, day))"
        )
        cur.executemany("INSERT INTO bench_variant VALUES (?, ?, ?, ?, ?, ?, ?)", variants)
        cur.executemany(
            "INSERT INTO bench_window VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    *r[:4],
                    r[4].isoformat(),
                    *(x.isoformat() if x else None for x in r[5:7]),
                    r[7],
                    r[8].isoformat() if r[8] else None,
                    r[9],
                )
                for r in windows
            ],
        )
        raw.commit()
        cols = (
            "id, item_id, item_code, subject_kind, entity_id, person_id, subject_name, subject_category, "
            "department_id, document_number, decision_date, fields, content_hash, severity, status, version, "
            "is_current, publication_deadline, submitted_at, on_time, publicity_from, publicity_until"
        )
        subject = (
            "CASE WHEN person THEN json_object(v.px || 'XDR_MC', p.name, v.px || 'XDR_LB', '自然人', "
            "v.px || 'XDR_ZJLX', '身份证', v.px || 'XDR_ZJHM', p.id_masked) "
            "ELSE json_object(v.px || 'XDR_MC', e.name, v.px || 'XDR_LB', cat, v.px || 'XDR_SHXYM', e.uscc, "
            "v.px || 'FRDB', (SELECT rp.name FROM subject_relation r JOIN person rp ON rp.id = r.person_id "
            "WHERE r.entity_id = e.id AND r.role = 'legal_rep' LIMIT 1)) END"
        )
        doc = "v.docp || substr(w.decided, 1, 4) || '〕' || n || '号'"
        fields = f"json_patch(json_patch(json_patch(v.tmpl, w.extra), {subject}), json_object(v.px || 'WSH', {doc}))"

        def statement(first: int, last: int) -> str:
            return (
                f"WITH {archive.seq(first, last)}, "
                f"p0 AS (SELECT n, {item_of} AS item, (n * 37) % 1000 < {PERSON_PER_MILLE} AS person FROM seq), "
                f"picks AS (SELECT n, item, person, (n * 97) % ({nv_of}) AS v, (n * 48271) % {days} AS day, "
                f"CASE WHEN person THEN NULL ELSE ((n * 2654435761) % {hi - lo + 1}) + {lo} END AS eid, "
                f"CASE WHEN person THEN ((n * 40503) % {phi - plo + 1}) + {plo} END AS pid FROM p0), "
                "subj AS (SELECT picks.*, "
                "CASE WHEN person THEN 2 WHEN e.category = '个体工商户' THEN 1 ELSE 0 END AS c, "
                "CASE WHEN person THEN '自然人' WHEN e.category = '个体工商户' THEN '个体工商户' "
                "ELSE '法人及非法人组织' END AS cat FROM picks LEFT JOIN entity e ON e.id = picks.eid) "
                f"INSERT INTO credit_record ({cols}) "
                f"SELECT {base} + n, {id_of}, subj.item, CASE WHEN person THEN 'person' ELSE 'entity' END, "
                "subj.eid, subj.pid, "
                f"coalesce(e.name, p.name), cat, v.dept_id, {doc}, w.decided, {fields}, printf('%064x', n), "
                "w.severity, CASE WHEN (n * 53) % 1000 < 10 THEN 'disputed' WHEN (n * 53) % 1000 < 15 "
                "THEN 'revoked' ELSE 'valid' END, 1, 1, w.deadline, "
                f"'{now}', CASE WHEN w.deadline IS NOT NULL THEN 1 END, w.pfrom, w.puntil "
                "FROM subj JOIN bench_variant v ON v.item = subj.item AND v.v = subj.v "
                "JOIN bench_window w ON w.item = subj.item AND w.w = v.w AND w.c = subj.c AND w.day = subj.day "
                "LEFT JOIN entity e ON e.id = subj.eid LEFT JOIN person p ON p.id = subj.pid"
            )

        def events(cur: Any, first: int, last: int) -> None:
            # A record that starts 异议中 or 已撤销 has the state event that put it there (as disclosure/demo.py).
            cur.execute(
                "INSERT INTO credit_record_event (record_id, at, from_status, to_status, reason, actor) "
                f"SELECT id, '{now}', 'valid', status, '演示数据', 'demo' FROM credit_record "
                f"WHERE id BETWEEN {base + first} AND {base + last} AND status != 'valid'"
            )

        print(f"generating {records:,} records …", flush=True)
        t = time.perf_counter()
        archive.insert_records(raw, records, statement, after_chunk=events)
        timings["records (SQLite CTEs) + indexes"] = time.perf_counter() - t
    finally:
        raw.close()
    db.dispose()
    timings["total"] = time.perf_counter() - started
    return timings


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
    ap.add_argument("--records", type=int, default=10_000_000, help="records of the SQLite city")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--reuse", metavar="FILE", help="measure on this SQLite city (built there first when missing)")
    ap.add_argument("--python", action="store_true", help="SQLite city by the Python generators (slow)")
    ap.add_argument("--records-per-entity", type=float, default=10.0, help="Python generators (--python, PostgreSQL)")
    ap.add_argument("--postgres", help="also measure on this PostgreSQL server (a database is created)")
    ap.add_argument("--pg-python", action="store_true", help="PostgreSQL city by the Python generators, not a copy")
    ap.add_argument("--pg-entities", type=int, default=100_000, help="entities of the --pg-python city")
    ap.add_argument("--pg-reuse", action="store_true", help="measure the PostgreSQL city of an earlier run")
    args = ap.parse_args()
    set_clock(FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ)))
    path = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp()) / "portal-bench.db"
    url = f"sqlite:///{path}"
    build: float | None = None
    if not path.exists():
        if args.python:
            build = prepare(url, args.entities, args.records_per_entity)
        else:
            steps = build_sqlite(url, args.entities, args.records)
            print("built: " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()), flush=True)
            build = steps["total"]
    print(f"SQLite file {path}: {path.stat().st_size / 2**30:.1f} GiB", flush=True)
    report("SQLite", run(url, args.samples), build)
    if args.postgres:
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(args.postgres)
        name = "xy_bench_portal"
        pg = u.set(database=name).render_as_string(hide_password=False)
        build = None
        if not args.pg_reuse:
            with psycopg.connect(
                host=u.host, port=u.port or 5432, user=u.username, dbname="postgres", autocommit=True
            ) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            if args.pg_python:
                build = prepare(pg, args.pg_entities, args.records_per_entity)
            else:  # the same city as SQLite's, copied
                started = time.perf_counter()
                upgrade(pg)
                print(f"copying {path} into PostgreSQL …", flush=True)
                archive.copy_sqlite_to_postgres(str(path), pg)
                build = time.perf_counter() - started
        report("PostgreSQL", run(pg, args.samples), build)


if __name__ == "__main__":
    main()
