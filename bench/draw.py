"""Benchmark of the verifiable draw: 50,000 entities stratified by grade from a 1,000,000-entity library,
with a team of two inspectors drawn (and avoidance checked) for each, in one run.

    python bench/draw.py [--entities 1000000] [--target 50000] [--inspectors 400]

The library is generated in memory (USCC-like codes and names, grades A 30 %, B 50 %, C 15 %, D 5 %), in the
shape the service publishes: ``build_strata`` splits it by grade and sizes each stratum (base ratio chosen so
the strata add up to the target; multipliers A 0.5, B 1, C 2, D 4 from the rules data), the pool files and their
SHA-256 are built, each stratum is drawn with RFC 3797 (``draw.positions``), and each selected entity gets a team
from the inspector pool with ``draw_team`` (declared conflicts for 2 % of the entities, the previous team for
10 %). Goal: under 10 s for the whole.

Baseline in the same run: the MD5 digests alone for the same number of selections (the irreducible cost of the
RFC procedure), and the plain list-removal selection (what the RFC's reference code does) on the first 5,000
selections of the largest stratum, extrapolated.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from decimal import Decimal

from xinyong.inspections import draw, service

GOAL_SECONDS = 10.0
SOURCES = [[9319], [2, 5, 12, 8, 10], [9, 18, 26, 34, 41, 45]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--target", type=int, default=50_000)
    parser.add_argument("--inspectors", type=int, default=400)
    args = parser.parse_args()
    rnd = random.Random(20261128)
    n = args.entities
    rows = [(i, f"91230382MA{i:08d}", f"密山市兴凯商贸有限公司{i}") for i in range(1, n + 1)]
    weights = {"A": 0.30, "B": 0.50, "C": 0.15, "D": 0.05}
    grades = dict(zip((r[0] for r in rows), rnd.choices(list(weights), list(weights.values()), k=n), strict=True))
    rules = service.load_rules()
    mult = {g: Decimal(rules.grade_multipliers[g]) for g in service.GRADES}
    sizes = {g: sum(1 for v in grades.values() if v == g) for g in service.GRADES}
    base = Decimal(args.target) / sum(Decimal(sizes[g]) * mult[g] for g in service.GRADES)
    base = base.quantize(Decimal("0.000001"))

    t0 = time.perf_counter()
    strata = service.build_strata(rows, grades, base_ratio=base, multipliers=rules.grade_multipliers)
    hashes = {s.grade: s.sha256 for s in strata}
    t_pool = time.perf_counter() - t0

    t1 = time.perf_counter()
    selected: list[int] = []
    for s in strata:
        key = draw.make_key(service.stratum_sources(SOURCES, s.grade))
        selected.extend(s.entity_ids[p] for p in draw.positions(key, len(s.entity_ids), s.count))
    t_draw = time.perf_counter() - t1

    inspectors = list(range(1, args.inspectors + 1))
    conflicts = {e: set(rnd.sample(inspectors, 3)) for e in rnd.sample(selected, len(selected) // 50)}
    previous = {e: set(rnd.sample(inspectors, 2)) for e in rnd.sample(selected, len(selected) // 10)}
    t2 = time.perf_counter()
    avoided = 0
    for number, entity in enumerate(selected, start=1):
        c = conflicts.get(entity, set())
        p = previous.get(entity, set())

        def avoid(inspector: int, c: set[int] = c, p: set[int] = p) -> str | None:
            return (
                "本人申报的利害关系" if inspector in c else ("上次检查同一主体的检查人员" if inspector in p else None)
            )

        team = service.draw_team(draw.make_key(service.task_sources(SOURCES, number)), inspectors, size=2, avoid=avoid)
        avoided += len(team.skipped)
    t_team = time.perf_counter() - t2
    total = t_pool + t_draw + t_team

    # Baselines
    t3 = time.perf_counter()
    key = draw.make_key(SOURCES)
    for i in range(len(selected)):
        draw.digest(key, i % draw.MAX_SELECTIONS)
    t_md5 = time.perf_counter() - t3
    largest = max(strata, key=lambda s: len(s.entity_ids))
    probe = min(5000, largest.count)
    t4 = time.perf_counter()
    remaining = list(range(len(largest.entity_ids)))
    for i in range(probe):
        remaining.pop(int.from_bytes(draw.digest(key, i), "big") % (len(largest.entity_ids) - i))
    t_list = (time.perf_counter() - t4) * (len(selected) / probe)

    print(f"python {platform.python_version()} on {platform.machine()}")
    print(
        f"library: {n:,} entities; strata " + ", ".join(f"{s.grade} {len(s.entity_ids):,}→{s.count:,}" for s in strata)
    )
    print(f"base ratio {base}; selected {len(selected):,}; inspectors {len(inspectors)}; avoided {avoided:,}")
    print(f"pool files + SHA-256 ({', '.join(f'{g} {h[:12]}' for g, h in hashes.items())}): {t_pool:.2f} s")
    print(f"stratified RFC 3797 draw: {t_draw:.2f} s")
    print(f"inspector teams (2 each, avoidance): {t_team:.2f} s")
    print(f"TOTAL: {total:.2f} s (goal < {GOAL_SECONDS:.0f} s) {'OK' if total < GOAL_SECONDS else 'MISSED'}")
    print(f"baseline MD5 digests only ({len(selected):,}): {t_md5:.2f} s; draw/baseline {t_draw / t_md5:.1f}x")
    print(f"baseline list removal (extrapolated from {probe:,}): {t_list:.1f} s; tree speed-up {t_list / t_draw:.0f}x")


if __name__ == "__main__":
    main()
