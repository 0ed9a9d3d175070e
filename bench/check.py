"""Benchmark: the credit check API against a bare FastAPI endpoint, same run, same load tool.

    python bench/check.py [--entities 100000] [--records-per-entity 10] [--db PATH] [--reuse] [--archive]
                          [--postgres URL [--copy-from SQLITE_PATH]] [--requests 3000] [--threads 4] [--rounds 3]

Target (issue #8): credit check p99 <= 10 ms and throughput >= half of a bare FastAPI endpoint returning a constant
JSON body, one server process. Both servers run as separate single-process uvicorn instances (``--workers 1``), up
at the same time and loaded in turn (bare, platform ``/healthz``, check; ``--rounds`` times, medians reported, as
the machine is shared), the load tool is the same httpx client code (keep-alive connections, one per thread):

* latency: one client thread, requests one after another (p50 / p99 of the full HTTP round trip);
* throughput: ``--threads`` client threads at once, requests per second over the whole run.

The check requests mix subjects like an approval desk would: half random entities, a quarter entities on a list or
under a ban, a quarter ID numbers of the legal representatives of listed entities; matters at random. Every check
is authenticated with a bearer token and writes its check row (the query log), as in production.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import insert, select, text
from tests.conftest import initialise

from xinyong.accounts import service as accounts
from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database, upgrade
from xinyong.demo import service as demo
from xinyong.lists.models import Ban, ListEntry
from xinyong.lists.rules import load_rules
from xinyong.lists.service import classify_code
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity, Person, Relation

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
BARE_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.post("/api/v1/checks")
def bare() -> dict[str, str]:
    return {"status": "ok"}
"""


def prepare(url: str, entities: int, per_entity: float, listed_share: float) -> float:
    """A demo city, then list entries for a share of the entities and bans for a tenth of that share."""
    initialise(url)  # migrated, with the reference data `xinyong init` loads
    db = Database(url)
    started = time.perf_counter()
    demo.generate(db, entities=entities, secret_key=SECRET, records_per_entity=per_entity)
    add_lists(db, listed_share)
    db.dispose()
    return time.perf_counter() - started


def prepare_archive(url: str, entities: int, records: int, listed_share: float) -> float:
    """The synthetic city of ``bench/evaluate.py`` (SQLite writes the entities, their legal representatives and
    the records itself: minutes for 1,000,000 / 10,000,000 where the demo generator needs most of an hour), with
    every entity given a valid USCC, graded by the real evaluation, then listed and banned like ``prepare``; the
    legal representatives of listed entities get real (encrypted, blind-indexed) ID numbers so that they can be
    checked by ID number."""
    from bench import evaluate as city

    from xinyong.core.identifiers import make_uscc, mask_id_number, resident_id_check_char
    from xinyong.evaluation import service as evaluation

    started = time.perf_counter()
    initialise(url)
    db = Database(url)
    print(f"archive: {city.generate_sqlite(db, entities, records):.0f} s", flush=True)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.executemany(
            "UPDATE entity SET uscc = ? WHERE id = ?",
            [(make_uscc("9", "1", "230382", f"{n:08d}"), n) for n in range(1, entities + 1)],
        )
        raw.commit()
    finally:
        raw.close()
    with db.session() as s:
        evaluation.evaluate_all(s, actor=Actor.system("bench"))
    add_lists(db, listed_share)
    cipher = get_cipher(SECRET)
    with db.session() as s:
        ids = s.execute(
            select(Relation.person_id)
            .join(ListEntry, ListEntry.entity_id == Relation.entity_id)
            .where(Relation.role == "legal_rep")
            .distinct()
        ).scalars()
        rows = []
        for person_id in ids:
            day = date(1960, 1, 1) + timedelta(days=person_id // 1000)  # unique per person: day and serial
            first17 = f"230382{day:%Y%m%d}{person_id % 1000:03d}"
            number = first17 + resident_id_check_char(first17)
            rows.append(
                {
                    "i": person_id,
                    "c": cipher.encrypt(number),
                    "x": cipher.blind_index(number),
                    "m": mask_id_number(number),
                }
            )
        s.execute(text("UPDATE person SET id_cipher = :c, id_index = :x, id_masked = :m WHERE id = :i"), rows)
    with db.write_engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    db.dispose()
    return time.perf_counter() - started


def add_lists(db: Database, listed_share: float) -> None:
    """Published, in-force list entries for a share of the entities (four lists in turn), bans for a tenth."""
    rng = random.Random(8)
    today = get_clock().today()
    now = get_clock().now()
    with db.session() as s:
        ids = list(s.execute(select(Entity.id, Entity.name, Entity.uscc)).all())
        dept = subjects_service.department_by_code(s, "scjg")
        chosen = rng.sample(ids, int(len(ids) * listed_share))
        entries: list[dict[str, Any]] = []
        for i, (eid, name, uscc) in enumerate(chosen):
            list_type = ("serious", "key_attention", "abnormal", "red")[i % 4]
            entries.append(
                {
                    "list_type": list_type,
                    "domain": "food_drugs" if list_type == "key_attention" else None,
                    "entity_id": eid,
                    "person_id": None,
                    "subject_name": name,
                    "subject_code": uscc,
                    "department_id": dept.id,
                    "status": "published",
                    "reason": "基准测试数据",
                    "legal_basis": "基准测试",
                    "basis_record_ids": [],
                    "responsible": [],
                    "proposed_on": today - timedelta(days=30),
                    "proposed_by": "bench",
                    "decided_on": today - timedelta(days=20),
                    "document_number": f"BENCH-{i}",
                    "published_on": today - timedelta(days=20),
                    "ends_on": today + timedelta(days=700),
                    "extra": {},
                    "created_at": now,
                }
            )
        for start in range(0, len(entries), 5000):
            s.execute(insert(ListEntry), entries[start : start + 5000])
        bans = [
            {
                "entity_id": eid,
                "person_id": None,
                "subject_name": name,
                "scope": "industry",
                "domain": "food_drugs",
                "content": "基准测试禁入",
                "basis": "基准测试",
                "document_number": f"BENCH-BAN-{i}",
                "starts_on": today - timedelta(days=10),
                "ends_on": None,
                "department_id": dept.id,
                "created_at": now,
                "created_by": "bench",
            }
            for i, (eid, name, _uscc) in enumerate(chosen[: max(1, len(chosen) // 10)])
        ]
        s.execute(insert(Ban), bans)
    with db.write_engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def subjects_for(url: str, n: int) -> tuple[list[str], dict[str, Any]]:
    """Check subjects in the mix described above, and the database's sizes."""
    db = Database(url)
    cipher = get_cipher(SECRET)
    rng = random.Random(9)
    with db.session() as s:
        counts = s.execute(
            text(
                "SELECT (SELECT count(*) FROM entity), (SELECT count(*) FROM credit_record),"
                " (SELECT count(*) FROM list_entry), (SELECT count(*) FROM list_ban)"
            )
        ).one()
        anyone = list(
            s.execute(
                text("SELECT uscc FROM entity WHERE uscc IS NOT NULL ORDER BY random() LIMIT :n"), {"n": n}
            ).scalars()
        )
        listed = list(
            s.execute(
                select(Entity.uscc)
                .join(ListEntry, ListEntry.entity_id == Entity.id)
                .where(Entity.uscc.is_not(None))
                .limit(n)
            ).scalars()
        )
        people = [
            cipher.decrypt(c)
            for c in s.execute(
                select(Person.id_cipher)
                .join(Relation, Relation.person_id == Person.id)
                .join(ListEntry, ListEntry.entity_id == Relation.entity_id)
                .where(Relation.role == "legal_rep")
                .limit(n)
            ).scalars()
        ]
        token, _row = accounts.create_token(s, department_code="fgj", role="client", actor=Actor.system("bench"))
    db.dispose()
    mix = []
    for i in range(n):
        pool = anyone if i % 4 in (0, 1) or not listed else (listed if i % 4 == 2 or not people else people)
        mix.append(rng.choice(pool))
    sizes = {"entities": counts[0], "records": counts[1], "list_entries": counts[2], "bans": counts[3], "token": token}
    return mix, sizes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *args,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def load(
    base: str, bodies: list[dict[str, str]], headers: dict[str, str], threads: int, path: str = "/api/v1/checks"
) -> tuple[list[float], float]:
    """Send every body once, spread over threads; latencies (ms) and requests per second."""
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def worker(part: list[dict[str, str]]) -> None:
        mine = []
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for body in part:
                t0 = time.perf_counter()
                r = client.post(path, json=body) if path == "/api/v1/checks" else client.get(path)
                mine.append((time.perf_counter() - t0) * 1000)
                if r.status_code >= 300:
                    errors.append(f"{r.status_code} {r.text[:200]}")
        with lock:
            latencies.extend(mine)

    parts = [bodies[i::threads] for i in range(threads)]
    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(p,)) for p in parts]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return latencies, len(bodies) / elapsed


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    base: str,
    bodies: list[dict[str, str]],
    headers: dict[str, str],
    threads: int,
    path: str = "/api/v1/checks",
    pid: int | None = None,
) -> dict[str, float]:
    """Latency (one thread), throughput (``threads``) and the server's CPU time per request during the latter: the
    figure least moved by what else the machine is doing."""
    load(base, bodies[:200], headers, 1, path)  # warm-up
    seq, _ = load(base, bodies, headers, 1, path)
    before = cpu_seconds(pid) if pid else 0.0
    _, rps = load(base, bodies, headers, threads, path)
    cpu = (cpu_seconds(pid) - before) * 1000 / len(bodies) if pid else float("nan")
    return {"p50": pct(seq, 50), "p99": pct(seq, 99), "rps": rps, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--records-per-entity", type=float, default=10.0)
    parser.add_argument("--listed-share", type=float, default=0.02)
    parser.add_argument("--db", type=Path, help="SQLite file to build (or reuse with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="use the database as it is")
    parser.add_argument(
        "--archive",
        action="store_true",
        help="SQLite: the synthetic city of bench/evaluate.py (fast at 1,000,000 / 10,000,000), not the demo",
    )
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database bench_check is created)")
    parser.add_argument(
        "--copy-from", type=Path, help="with --postgres: copy this SQLite city (e.g. one built with --archive)"
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="bare / platform / check measured in turn this often")
    args = parser.parse_args()

    if args.postgres:
        import psycopg

        admin = args.postgres
        url = admin.rsplit("/", 1)[0] + "/bench_check"
        if not args.reuse:
            with psycopg.connect(admin.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
                c.execute("DROP DATABASE IF EXISTS bench_check WITH (FORCE)")
                c.execute("CREATE DATABASE bench_check")
    else:
        path = args.db or Path(tempfile.mkdtemp()) / "check.db"
        if path.exists() and not args.reuse:
            path.unlink()
        url = f"sqlite:///{path}"
    if args.postgres and args.copy_from and not args.reuse:
        from bench import archive

        started = time.perf_counter()
        upgrade(f"sqlite:///{args.copy_from}")  # the copy needs both at the same revision
        upgrade(url)
        archive.copy_sqlite_to_postgres(str(args.copy_from), url)
        print(f"copied {args.copy_from} in {time.perf_counter() - started:.0f} s")
    elif not args.reuse and args.archive:
        records = int(args.entities * args.records_per_entity)
        seconds = prepare_archive(url, args.entities, records, args.listed_share)
        print(f"generated in {seconds:.0f} s")
    elif not args.reuse:
        seconds = prepare(url, args.entities, args.records_per_entity, args.listed_share)
        print(f"generated in {seconds:.0f} s")
    mix, sizes = subjects_for(url, args.requests)
    rng = random.Random(10)
    matters = list(load_rules().matters)
    # A natural person is checked with a purpose and a legal basis (RULES §9); the check registers the query.
    stated = {"purpose": "政府采购供应商资格审查", "basis": "pipl-13-1-3"}
    bodies = [
        {"subject": s, "matter": rng.choice(matters), **(stated if classify_code(s)[0] == "person" else {})}
        for s in mix
    ]
    headers = {"Authorization": f"Bearer {sizes.pop('token')}"}
    print("size:", ", ".join(f"{k} {v:,}" for k, v in sizes.items()))

    env = dict(os.environ)
    env.update(
        {
            "XINYONG_DATABASE_URL": url,
            "XINYONG_SECRET_KEY": SECRET,
            "XINYONG_MODE": "test",
            "XINYONG_DISCLOSURE_REFRESH_ON_STARTUP": "false",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
        }
    )
    rounds: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare_app.py").write_text(BARE_APP, "utf-8")
        bare_port, app_port = free_port(), free_port()
        procs = [
            start_server(["bare_app:app"], dict(env, PYTHONPATH=tmp), bare_port),
            start_server(["--factory", "xinyong.app:create_app"], env, app_port),
        ]
        bare_base, app_base = f"http://127.0.0.1:{bare_port}", f"http://127.0.0.1:{app_port}"
        try:  # both servers up, loaded one at a time, in turn: the machine's noise falls on each alike
            for _ in range(args.rounds):
                for name, base, path, pid in (
                    ("bare FastAPI (constant JSON)", bare_base, "/api/v1/checks", procs[0].pid),
                    # the platform's floor: middleware, a principal resolved in a unit of work, constant JSON
                    ("platform /healthz", app_base, "/healthz", procs[1].pid),
                    ("credit check", app_base, "/api/v1/checks", procs[1].pid),
                ):
                    result = measure(base, bodies, headers, args.threads, path, pid)
                    rounds.setdefault(name, []).append(result)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=20)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{backend}, {args.requests} requests, latency: 1 client thread; throughput: {args.threads} threads; "
        f"{args.rounds} rounds in turn, medians (each round's figures in brackets)"
    )
    results = {}
    for name, runs in rounds.items():
        results[name] = {k: statistics.median(r[k] for r in runs) for k in ("p50", "p99", "rps", "cpu")}
        each = ", ".join(f"{r['p99']:.1f} ms / {r['rps']:.0f}" for r in runs)
        r = results[name]
        print(
            f"  {name:30s} p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  {r['rps']:7.0f} req/s  "
            f"server CPU {r['cpu']:.2f} ms/req  [{each}]"
        )
    pairs = zip(rounds["bare FastAPI (constant JSON)"], rounds["credit check"], strict=True)
    ratios = [c["rps"] / b["rps"] for b, c in pairs]
    bare, check = results["bare FastAPI (constant JSON)"], results["credit check"]
    print(
        f"throughput ratio check/bare: median {statistics.median(ratios):.2f} per round "
        f"({', '.join(f'{x:.2f}' for x in ratios)}) (target >= 0.5); check p99 {check['p99']:.2f} ms (target <= 10)"
    )
    floor = results["platform /healthz"]
    print(
        f"platform /healthz vs bare: {floor['rps'] / bare['rps']:.2f}; check vs platform /healthz: "
        f"{check['rps'] / floor['rps']:.2f}"
    )


if __name__ == "__main__":
    main()
