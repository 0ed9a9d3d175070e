"""Benchmark: the draw through the database — library snapshot from the entity table with grades, stratified
RFC 3797 draw, inspector teams and 50,000 task rows written — against a bare read of the same library.

    python bench/draw_db.py [--entities 1000000] [--target 50000] [--inspectors 400] [--db PATH]

Issue #7's goal: drawing 50,000 entities stratified by grade from a 1,000,000-entity library, with inspector
assignment, in under 10 s. ``bench/draw.py`` measures the algorithm on an in-memory library; this script measures
what a department's plan does: ``publish_pool`` (library query with the plan's filter, grades from the evaluation,
strata, pool files and their SHA-256, stored) and ``run_draw`` (selection, teams with avoidance, task rows, audit),
each in its own transaction as the console runs them. The city comes from the demo generator (entities only) and is
graded by the evaluation first (timed apart). Baseline in the same run: ``SELECT id, uscc, name FROM entity``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text

from xinyong.catalog import service as catalog_service
from xinyong.core import calendar as calendar_service
from xinyong.core.audit import Actor
from xinyong.core.db import Database, upgrade
from xinyong.demo import service as demo
from xinyong.evaluation import service as evaluation_service
from xinyong.inspections import service
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
ACTOR = Actor(label="bench", department_code="scjg", role="operator")
SEEDS = ["9319", "2 5 12 8 10", "9 18 26 34 41 45"]
GOAL_SECONDS = 10.0


def prepare(url: str, entities: int, inspectors: int) -> None:
    upgrade(url)
    db = Database(url)
    actor = Actor.system("bench")
    with db.session() as s:
        subjects_service.load_reference_data(s, actor=actor)
        calendar_service.seed_from_chinesecalendar(s, actor=actor)
        catalog_service.load_shipped(s, actor=actor)
        evaluation_service.load_shipped(s, actor=actor)
        service.load_shipped_items(s, actor=actor)
    started = time.perf_counter()
    demo.generate(db, entities=entities, secret_key=SECRET, records_per_entity=0.0)
    print(f"city: {entities:,} entities in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with db.session() as s:
        evaluation_service.evaluate_all(s, actor=actor)
    print(f"evaluation (untimed for the goal): {time.perf_counter() - started:.1f} s")
    with db.session() as s:
        for i in range(1, inspectors + 1):
            service.save_inspector(
                s,
                values={
                    "code": f"BENCH-{i:04d}",
                    "name": f"检查员{i}",
                    "department": "scjg",
                    "qualifications": ["shichang"],
                },
                actor=ACTOR,
            )
    db.dispose()


def load() -> str:
    """The 1-minute load average (the machine is shared)."""
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--target", type=int, default=50_000)
    ap.add_argument("--inspectors", type=int, default=400)
    ap.add_argument("--db", help="reuse (or create) this SQLite file")
    args = ap.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "draw-bench.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        prepare(url, args.entities, args.inspectors)
    db = Database(url)
    rules = service.load_rules()
    with db.session() as s:
        ids = list(s.execute(select(Entity.id)).scalars())
        grades = service.subject_grades(s, ids)
    weight = sum(Decimal(rules.grade_multipliers[g]) for g in grades.values())
    ratio = (Decimal(args.target) / weight).quantize(Decimal("0.0001"))
    code = f"BENCH-{int(time.time())}"
    with db.session() as s:
        plan = service.create_plan(
            s,
            values={
                "code": code,
                "name": "基准测试抽查计划",
                "departments": ["scjg"],
                "items": ["SCJG-001"],
                "base_ratio": str(ratio),
                "min_interval_days": "0",
                "seed_sources": ["双色球", "排列5", "上证指数"],
                "period_start": "2026-12-01",
                "period_end": "2026-12-31",
            },
            actor=ACTOR,
        )
        plan_id = plan.id
    started = time.perf_counter()
    with db.engine.connect() as conn:
        library = conn.execute(text("SELECT id, uscc, name FROM entity")).all()
    baseline = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    with db.session() as s:
        pools = service.publish_pool(s, plan_id=plan_id, actor=ACTOR)
        sizes = {p.grade: (p.size, p.count) for p in pools}
    published = time.perf_counter() - started
    started = time.perf_counter()
    with db.session() as s:
        tasks = service.draw_plan(s, plan_id=plan_id, seed_values=SEEDS, actor=ACTOR)
    drawn = time.perf_counter() - started
    cpu = time.process_time() - cpu
    total = published + drawn
    db.dispose()
    print(f"library {len(library):,} entities; strata (size → drawn): {sizes}; tasks {tasks:,}")
    print(f"baseline SELECT of the library: {baseline:.2f} s")
    print(f"publish pool (library, grades, strata, hashes, stored): {published:.2f} s")
    print(f"draw (selection, teams, {tasks:,} task rows, audit): {drawn:.2f} s")
    print(f"total {total:.2f} s (goal < {GOAL_SECONDS:.0f} s), {total / baseline:.1f}x the baseline read")
    print(f"CPU time of this process for both steps: {cpu:.2f} s (wall time above it is waiting: load {load()})")


if __name__ == "__main__":
    main()
