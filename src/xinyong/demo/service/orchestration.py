"""The entry point: demo accounts, the city's entities and people, then each domain's own demo data."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text, update

from xinyong.accounts.models import User
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.db import Database
from xinyong.demo.service.city import ID_TYPE, MAX_ENTITY_ID
from xinyong.demo.service.users import DemoCredential, create_demo_users
from xinyong.demo.service.worker import produce, produce_in_worker
from xinyong.demo.service.writer import Progress, chunk_sizes, highest_ids, write_all

PARALLEL_MIN_ENTITIES = 60_000  # from this size rows are built in a child process (on a multi-core machine)
SQLITE_CACHE_KIB = 262_144  # page cache of the writing connection during a run


@dataclass(frozen=True)
class DemoResult:
    """What one ``generate`` call wrote."""

    entities: int
    persons: int
    relations: int
    credentials: list[DemoCredential]
    seconds: float


def _record_run(
    db: Database,
    actor: Actor,
    seed: int,
    requested: int,
    first_entity_id: int | None,
    done: Progress,
    credentials: list[DemoCredential],
    *,
    error: str | None = None,
) -> None:
    """Audit the run (one event) and link the demo entity user to a demo company."""
    with db.session() as session:
        detail: dict[str, Any] = {
            "seed": seed,
            "requested": requested,
            "entities": done.entities,
            "persons": done.persons,
            "relations": done.relations,
            "legal_rep": done.counts.get("legal_rep", 0),
            "controller": done.counts.get("controller", 0),
            "by_type": {k: v for k, v in sorted(done.counts.items()) if k not in ("legal_rep", "controller")},
            "first_entity_id": first_entity_id if done.entities else None,
            "users_created": [c.username for c in credentials],
        }
        if error is not None:
            detail["error"] = error
        if done.first_company_id is not None:
            linked = session.execute(
                update(User)
                .where(User.username == "entity", User.role == "entity", User.entity_id.is_(None))
                .values(entity_id=done.first_company_id)
            )
            if linked.rowcount:  # type: ignore[attr-defined]
                detail["entity_user"] = {"username": "entity", "entity_id": done.first_company_id}
        audit(session, actor=actor, action="demo.generate", object_type="demo", detail=detail)


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def generate(
    db: Database,
    *,
    entities: int,
    secret_key: str,
    seed: int = 20210407,
    progress: Callable[[int], None] | None = None,
    records_per_entity: float = 1.0,
    signing_secret: str | None = None,
) -> DemoResult:
    """Create the demo accounts and ``entities`` synthetic market entities with their people and relations.

    Adds to whatever the database holds: ids continue after the current maximum and codes never collide.
    Rows are written :data:`CHUNK` entities at a time (``progress(k)`` after each write), committed every
    :data:`TX_CHUNKS` chunks; a run that fails keeps the chunks already committed.  For large runs on a
    multi-core machine the rows are built by a child process while this one writes.  One audit event
    ``demo.generate`` records the counts and the seed.  Requires the migrated schema and the reference data.
    """
    if entities < 0:
        raise ValueError("entities must be >= 0")
    started = time.perf_counter()
    actor = Actor.system("demo")
    with db.session() as session:
        credentials = create_demo_users(session, actor=actor)
    done, first_entity_id = _generate_city(
        db, entities=entities, secret_key=secret_key, seed=seed, progress=progress, actor=actor, credentials=credentials
    )
    if records_per_entity > 0 and first_entity_id is not None and done.entities:
        from xinyong.disclosure.demo import generate_records  # credit records across the catalogue (portal)

        generate_records(db, per_entity=records_per_entity, seed=seed, first_entity_id=first_entity_id)
    _seed_domains(db, secret_key=secret_key, seed=seed, signing_secret=signing_secret)
    return DemoResult(
        entities=done.entities,
        persons=done.persons,
        relations=done.relations,
        credentials=credentials,
        seconds=time.perf_counter() - started,
    )


def _generate_city(
    db: Database,
    *,
    entities: int,
    secret_key: str,
    seed: int,
    progress: Callable[[int], None] | None,
    actor: Actor,
    credentials: list[DemoCredential],
) -> tuple[Progress, int | None]:
    """Write the entities with their people and relations and audit the run (a failed run too, when it committed
    some chunks); what was committed and the first new entity id."""
    dialect = db.dialect
    done = Progress()  # committed so far
    first_entity_id: int | None = None
    try:
        with db.write_engine.connect() as conn:
            old_cache = None
            if dialect == "sqlite":
                # A larger page cache for this connection keeps the indexes being filled in memory.
                old_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
                conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
                conn.commit()
            try:
                gen_args, top = _city_job(conn, dialect, entities=entities, secret_key=secret_key, seed=seed)
                sizes = chunk_sizes(entities)
                start = (top[0] + 1, top[1] + 1, top[2] + 1)
                first_entity_id = start[0] if entities else None
                parallel = entities >= PARALLEL_MIN_ENTITIES and (os.cpu_count() or 1) > 1 and bool(sys.executable)
                stream = produce_in_worker(gen_args, sizes, start) if parallel else produce(gen_args, sizes, start)
                write_all(conn, dialect, stream, top, done, progress)
            finally:
                if old_cache is not None:
                    conn.exec_driver_sql(f"PRAGMA cache_size={int(old_cache)}")
                    conn.commit()
    except BaseException as exc:
        if done.entities:  # what was committed stays; say so in the audit trail
            with contextlib.suppress(Exception):
                _record_run(db, actor, seed, entities, first_entity_id, done, credentials, error=repr(exc)[:300])
        raise
    _record_run(db, actor, seed, entities, first_entity_id, done, credentials)
    return done, first_entity_id


def _city_job(
    conn: Connection, dialect: str, *, entities: int, secret_key: str, seed: int
) -> tuple[dict[str, Any], tuple[int, int, int]]:
    """The generator's arguments (codes and ID numbers already taken among them) and the highest ids in use
    (entity, person, relation), read in one transaction."""
    clock = get_clock()
    with conn.begin():
        max_e, max_p, max_r = highest_ids(conn, dialect)
        if max_e + entities > MAX_ENTITY_ID:
            raise ValueError(f"演示数据最多生成到主体编号{MAX_ENTITY_ID}（当前最大编号{max_e}）。")
        taken_usccs: set[str] = set()
        taken_indexes: set[int] = set()
        if max_e:
            rows = conn.execute(text("SELECT uscc FROM entity WHERE uscc IS NOT NULL"))
            taken_usccs = set(rows.scalars())
        if max_p:
            rows = conn.execute(text("SELECT id_index FROM person WHERE id_type = :t"), {"t": ID_TYPE})
            taken_indexes = {int(ix[:15], 16) for ix in rows.scalars()}
    gen_args: dict[str, Any] = {
        # A fresh database uses the seed as given; a run that adds to existing entities derives its
        # own stream from it, so that it does not repeat the names and people of the first run.
        "seed": seed if max_e == 0 else f"{seed}:{max_e + 1}",
        "secret_key": secret_key,
        "today": clock.today(),
        "now": clock.now(),
        "taken_usccs": taken_usccs,
        "taken_indexes": taken_indexes,
    }
    return gen_args, (max_e, max_p, max_r)


def _seed_domains(db: Database, *, secret_key: str, seed: int, signing_secret: str | None) -> None:
    """Each domain's own demo data (its ``demo.py``), in the order their data depend on each other."""
    from xinyong.commitments import demo as commitments_demo

    commitments_demo.seed(db, secret_key=secret_key)
    from xinyong.inspections import demo as inspections_demo

    inspections_demo.seed(db, secret_key=secret_key)
    from xinyong.lists import demo as lists_demo

    lists_demo.seed(db, secret_key=secret_key)
    from xinyong.evaluation import demo as evaluation_demo

    evaluation_demo.run(db, seed=seed)  # demo industry grades, then everyone graded (reports below show grades)
    from xinyong.core.config import get_settings
    from xinyong.repair import demo as repair_demo  # repairs, re-check, objections, reports

    repair_demo.seed(db, secret_key=secret_key, signing_secret=signing_secret, verify_base=get_settings().public_url)
    from xinyong.oversight import demo as oversight_demo  # plan progress reports, an industry association

    oversight_demo.seed(db)
    from xinyong.evaluation import service as evaluation_service

    with db.session() as session:  # the subjects whose records repairs and objections changed
        evaluation_service.evaluate_dirty(session, actor=Actor.system("demo"))
    from xinyong.privacy import demo as privacy_demo  # query registrations for the auditor's pages

    privacy_demo.seed(db)
