"""Benchmark: full re-evaluation of every entity vs one bare SQL GROUP BY over the same records, same run.

    python bench/evaluate.py [--entities 1000000] [--records 10000000] [--db PATH]
    python bench/evaluate.py --url postgresql://postgres@127.0.0.1:5432/xy_bench_eval \
        --entities 100000 --records 1000000

Target (issue #6): 1,000,000 entities with 10,000,000 records on SQLite in at most 60 s; incremental
re-evaluation of one entity under 50 ms. The synthetic archive is written straight into the tables (the
evaluation reads only the columns it scores on), with the catalogue's item mix, severities and field values.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import archive
from sqlalchemy import Index, Table, text
from sqlalchemy.schema import CreateIndex
from tests.conftest import initialise

import xinyong.models  # noqa: F401  (every mapper known)
from xinyong.core.audit import Actor
from xinyong.core.db import Database
from xinyong.evaluation import service
from xinyong.records.models import CreditRecord
from xinyong.records.outcome import OUTCOME_FIELDS, outcome_of

TODAY = date(2026, 11, 28)
# item, share of records, severity choices, field JSON choices
MIX: list[tuple[str, float, list[str | None], list[str]]] = [
    ("license", 0.33, [None], ["{}"]),
    ("penalty", 0.20, ["minor", "general", "general", "serious"], ["{}"]),
    ("inspection", 0.18, [None], ['{"JCJG": "未发现问题"}'] * 4 + ['{"JCJG": "发现问题已责令整改"}']),
    ("complaint", 0.10, [None], ['{"CLJG": "属实"}', '{"CLJG": "不属实"}', '{"CLJG": "调解结案"}']),
    ("reward", 0.03, [None], ["{}"]),
    ("honour", 0.03, [None], ["{}"]),
    ("coercion", 0.03, [None], ["{}"]),
    ("commitment", 0.04, [None], ['{"LXZT": "全部履行"}'] * 5 + ['{"LXZT": "全部未履行"}']),
    ("abnormal_list", 0.02, [None], ["{}"]),
    ("key_attention", 0.01, [None], ["{}"]),
    ("red_list", 0.01, [None], ["{}"]),
    ("serious_list", 0.003, [None], ["{}"]),
    ("judgment_debtor", 0.005, [None], ["{}"]),
    ("interview", 0.005, [None], ["{}"]),
    ("accident", 0.005, [None], ["{}"]),
    ("confirmation", 0.002, [None], ["{}"]),
]
PERSON_SHARE = 0.02  # records about natural persons (some of them legal representatives)
# Indexes dropped before the bulk load and rebuilt from the models afterwards (the names of older revisions too).
LEGACY_INDEXES = ["ix_credit_record_entity_current", "ix_credit_record_item_code", "ix_credit_record_status"]


def _record_indexes() -> list[Index]:
    return sorted(cast(Table, CreditRecord.__table__).indexes, key=lambda ix: str(ix.name))


def _drop_indexes(cur: Any) -> None:
    for name in [*LEGACY_INDEXES, *(str(ix.name) for ix in _record_indexes())]:
        cur.execute(f"DROP INDEX IF EXISTS {name}")


def _create_indexes(cur: Any, db: Database) -> None:
    for ix in _record_indexes():
        cur.execute(str(CreateIndex(ix).compile(dialect=db.engine.dialect)))


def generate(db: Database, entities: int, records: int, seed: int = 6) -> float:
    """Fill the archive: entities, persons with legal-rep relations, and the records. Returns seconds."""
    rng = random.Random(seed)
    started = time.perf_counter()
    now = datetime(2026, 11, 28, 2, 0, tzinfo=UTC).replace(tzinfo=None)
    with db.engine.connect() as conn:
        items: dict[str, int] = dict(conn.execute(text("SELECT code, id FROM catalog_item")).tuples().all())
        depts = list(conn.execute(text("SELECT id FROM department")).scalars())
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        sqlite = db.dialect == "sqlite"
        if sqlite:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-1000000")
        _drop_indexes(cur)
        ph = "?" if sqlite else "%s"
        statuses = ["存续"] * 90 + ["在业"] * 6 + ["吊销", "注销", "歇业", "迁出"]
        day0 = date(1995, 1, 1).toordinal()
        span = TODAY.toordinal() - day0
        batch: list[tuple[object, ...]] = []

        def flush(sql: str) -> None:
            cur.executemany(sql, batch)
            batch.clear()

        sql_e = (
            "INSERT INTO entity (id, uscc, name, category, entity_type, region_code, registered_on, status, "
            f"created_at, updated_at) VALUES ({', '.join([ph] * 10)})"
        )
        for i in range(1, entities + 1):
            batch.append(
                (
                    i,
                    f"B{i:017d}",
                    f"企业{i}",
                    "法人及非法人组织",
                    "有限责任公司",
                    "230382",
                    date.fromordinal(day0 + rng.randrange(span)),
                    rng.choice(statuses),
                    now,
                    now,
                )
            )
            if len(batch) >= 50_000:
                flush(sql_e)
        if batch:
            flush(sql_e)
        persons = max(1, entities // 3)
        sql_p = (
            "INSERT INTO person (id, name, id_type, id_cipher, id_index, id_masked, created_at) "
            f"VALUES ({', '.join([ph] * 7)})"
        )
        for p in range(1, persons + 1):
            batch.append((p, f"人{p}", "身份证", "x", f"{p:064d}", "2303**********0000", now))
            if len(batch) >= 50_000:
                flush(sql_p)
        if batch:
            flush(sql_p)
        sql_r = f"INSERT INTO subject_relation (entity_id, person_id, role, start_date) VALUES ({', '.join([ph] * 4)})"
        for i in range(1, entities + 1):
            batch.append((i, rng.randint(1, persons), "legal_rep", None))
            if len(batch) >= 50_000:
                flush(sql_r)
        if batch:
            flush(sql_r)
        raw.commit()
        cum: list[float] = []
        total = 0.0
        for _item, share, _s, _f in MIX:
            total += share
            cum.append(total)
        cols = (
            "item_id, item_code, subject_kind, entity_id, person_id, subject_name, subject_category, department_id, "
            "document_number, decision_date, fields, content_hash, severity, status, version, is_current, "
            "submitted_at, outcome"
        )
        sql_c = f"INSERT INTO credit_record ({cols}) VALUES ({', '.join([ph] * 18)})"
        outcomes = {f: outcome_of(item, json.loads(f)) for item, _s, _v, fs in MIX for f in fs}
        recent = TODAY.toordinal() - 6 * 365
        for n in range(1, records + 1):
            x = rng.random() * total
            k = 0
            while cum[k] < x:
                k += 1
            item, _share, sevs, fields = MIX[k]
            person = rng.random() < PERSON_SHARE
            values = rng.choice(fields)
            batch.append(
                (
                    items[item],
                    item,
                    "person" if person else "entity",
                    None if person else rng.randint(1, entities),
                    rng.randint(1, persons) if person else None,
                    "",
                    "自然人" if person else "法人及非法人组织",
                    depts[n * len(depts) // (records + 1)],
                    f"{n:010d}",
                    date.fromordinal(recent + rng.randrange(6 * 365)),
                    values,
                    "",
                    rng.choice(sevs),
                    "valid" if rng.random() < 0.97 else "repaired",
                    1,
                    True,
                    now,
                    outcomes[values],
                )
            )
            if len(batch) >= 100_000:
                flush(sql_c)
                if n % 1_000_000 == 0:
                    raw.commit()
                    print(f"  … {n:,} records ({time.perf_counter() - started:.0f} s)", flush=True)
        if batch:
            flush(sql_c)
        raw.commit()
        print("  rebuilding indexes …", flush=True)
        _create_indexes(cur, db)
        if sqlite:
            cur.execute("ANALYZE")
            cur.execute("PRAGMA synchronous=NORMAL")
        else:
            cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def generate_sqlite(db: Database, entities: int, records: int) -> float:
    """The same archive written by SQLite itself (recursive CTEs, deterministic hashes of the row number): the
    Python generator needs tens of minutes for 10,000,000 rows on this machine, this takes a few."""
    started = time.perf_counter()
    now = "2026-11-28 02:00:00.000000"
    with db.engine.connect() as conn:
        items: dict[str, int] = dict(conn.execute(text("SELECT code, id FROM catalog_item")).tuples().all())
        dept_ids = sorted(conn.execute(text("SELECT id FROM department")).scalars())
    assert dept_ids == list(range(dept_ids[0], dept_ids[0] + len(dept_ids)))
    persons = max(1, entities // 3)
    case = archive.item_case([(i, share) for i, share, _s, _f in MIX], "((n * 7919) % 1000)", 1000)
    id_case = "CASE item " + " ".join(f"WHEN '{i}' THEN {items[i]}" for i, *_rest in MIX) + " END"
    fields_case = (
        "CASE item "
        "WHEN 'inspection' THEN CASE WHEN (n * 13) % 5 = 0 THEN '{\"JCJG\": \"发现问题已责令整改\"}' "
        'ELSE \'{"JCJG": "未发现问题"}\' END '
        "WHEN 'complaint' THEN CASE (n * 17) % 3 WHEN 0 THEN '{\"CLJG\": \"属实\"}' WHEN 1 THEN "
        '\'{"CLJG": "不属实"}\' ELSE \'{"CLJG": "调解结案"}\' END '
        "WHEN 'commitment' THEN CASE WHEN (n * 19) % 6 = 0 THEN '{\"LXZT\": \"全部未履行\"}' "
        'ELSE \'{"LXZT": "全部履行"}\' END '
        "ELSE '{}' END"
    )
    # The outcome column as the writer fills it (records.outcome): the value of the item's outcome field.
    outcome_items = ", ".join(f"'{i}'" for i in OUTCOME_FIELDS)
    outcome_case = " ".join(f"WHEN '{i}' THEN '{f}'" for i, f in OUTCOME_FIELDS.items())
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-1000000")
        seq = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {})"
        cur.execute(
            seq.format(entities) + " INSERT INTO entity (id, uscc, name, category, entity_type, region_code, "
            "registered_on, status, created_at, updated_at) SELECT n, printf('B%017d', n), '企业' || n, "
            "'法人及非法人组织', '有限责任公司', '230382', "
            "date('1995-01-01', '+' || ((n * 48271) % 11654) || ' days'), "
            "CASE (n * 7919) % 100 WHEN 0 THEN '吊销' WHEN 1 THEN '注销' WHEN 2 THEN '歇业' WHEN 3 THEN '迁出' "
            f"ELSE '存续' END, '{now}', '{now}' FROM seq"
        )
        cur.execute(
            seq.format(persons) + " INSERT INTO person (id, name, id_type, id_cipher, id_index, id_masked, created_at) "
            f"SELECT n, '人' || n, '身份证', 'x', printf('%064d', n), '2303**********0000', '{now}' FROM seq"
        )
        cur.execute(
            seq.format(entities) + " INSERT INTO subject_relation (entity_id, person_id, role) "
            f"SELECT n, ((n * 2654435761) % {persons}) + 1, 'legal_rep' FROM seq"
        )
        raw.commit()

        def statement(first: int, last: int) -> str:
            return (
                f"WITH {archive.seq(first, last)},"
                f" picks AS (SELECT n, {case} AS item, (n * 37) % 50 = 0 AS person FROM seq) "
                "INSERT INTO credit_record (item_id, item_code, subject_kind, entity_id, person_id, subject_name, "
                "subject_category, department_id, document_number, decision_date, fields, content_hash, severity, "
                "status, version, is_current, submitted_at, outcome) "
                f"SELECT {id_case}, item, CASE WHEN person THEN 'person' ELSE 'entity' END, "
                f"CASE WHEN person THEN NULL ELSE ((n * 2654435761) % {entities}) + 1 END, "
                f"CASE WHEN person THEN ((n * 40503) % {persons}) + 1 END, '', "
                "CASE WHEN person THEN '自然人' ELSE '法人及非法人组织' END, "
                f"{dept_ids[0]} + ((n - 1) * {len(dept_ids)}) / {records}, printf('%010d', n), "
                "date('2026-11-28', '-' || ((n * 48271) % 2190) || ' days'), "
                f"{fields_case}, '', "
                "CASE WHEN item = 'penalty' THEN CASE (n * 31) % 4 WHEN 0 THEN 'minor' WHEN 3 THEN 'serious' "
                "ELSE 'general' END END, CASE WHEN (n * 53) % 100 < 3 THEN 'repaired' ELSE 'valid' END, 1, 1, "
                f"'{now}', CASE WHEN item IN ({outcome_items}) THEN json_extract({fields_case}, '$.' || "
                f"CASE item {outcome_case} END) END FROM picks"
            )

        archive.insert_records(raw, records, statement, started=started)
    finally:
        raw.close()
    return time.perf_counter() - started


def baseline(db: Database) -> float:
    """One bare GROUP BY aggregating the same current records per subject (all rows fetched)."""
    started = time.perf_counter()
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity_id, COUNT(*), SUM(CASE WHEN severity = 'serious' THEN 1 ELSE 0 END) "
                "FROM credit_record WHERE is_current AND status IN ('valid', 'disputed') AND entity_id IS NOT NULL "
                "GROUP BY entity_id"
            )
        ).all()
    assert rows
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--db", default="/tmp/xy-bench-evaluate.db")
    parser.add_argument("--url", default=None, help="a PostgreSQL URL instead of the SQLite file (database recreated)")
    parser.add_argument("--reuse", action="store_true", help="reuse the generated database if present")
    args = parser.parse_args()
    from xinyong.core.clock import CHINA_TZ, FixedClock, set_clock

    set_clock(FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ)))
    url = args.url or f"sqlite:///{args.db}"
    if not args.reuse:
        if args.url:
            import psycopg
            from sqlalchemy.engine import make_url

            u = make_url(args.url)
            with psycopg.connect(
                host=u.host, port=u.port or 5432, user=u.username, dbname="postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
                c.execute(f'CREATE DATABASE "{u.database}"')
        else:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(args.db + suffix):
                    os.remove(args.db + suffix)
        initialise(url)
    db = Database(url)
    if not args.reuse:
        print(f"generating {args.entities:,} entities and {args.records:,} records on {db.dialect} …", flush=True)
        make = generate_sqlite if db.dialect == "sqlite" else generate
        print(f"  generated in {make(db, args.entities, args.records):.0f} s", flush=True)
    base = baseline(db)
    base = min(base, baseline(db))  # warm cache for both: the better of two
    actor = Actor.system("bench")
    timings: list[float] = []
    result = None
    for _ in range(2):
        started = time.perf_counter()
        with db.session() as session:
            result = service.evaluate_all(session, actor=actor)
        timings.append(time.perf_counter() - started)
    assert result is not None
    full = min(timings)
    with db.session() as session:
        sample = [
            int(x)
            for x in session.execute(
                text("SELECT entity_id FROM credit_record WHERE entity_id IS NOT NULL ORDER BY id LIMIT 200")
            ).scalars()
        ]
    one: list[float] = []
    for entity_id in sample:
        started = time.perf_counter()
        with db.session() as session:
            service.evaluate_subjects(session, [entity_id], actor=actor)
        one.append((time.perf_counter() - started) * 1000)
    with db.session() as session:
        dist = service.distribution(session)["overall"]
    print()
    print(f"backend                     {db.dialect}")
    print(f"entities / records          {args.entities:,} / {args.records:,}")
    print(f"baseline GROUP BY           {base:.1f} s")
    print(f"full re-evaluation          {full:.1f} s   (runs: {', '.join(f'{t:.1f}' for t in timings)})")
    print(f"  steps of the last run     {', '.join(f'{k} {v:.1f}s' for k, v in result.timings.items())}")
    print(f"ratio to baseline           {full / base:.1f}x")
    print(
        f"one entity, incremental     median {statistics.median(one):.1f} ms, p95 "
        f"{sorted(one)[int(len(one) * 0.95) - 1]:.1f} ms (with commit, {len(one)} entities)"
    )
    print(f"overall grade distribution  {dist}")
    db.dispose()


if __name__ == "__main__":
    main()
