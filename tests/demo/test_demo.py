"""The demo city: valid codes and ID numbers, complete relations, additive runs, working logins, determinism.

Self-contained: each backend gets its own freshly migrated database (PostgreSQL only when
XINYONG_TEST_DATABASE_URL is set).  Password hashing of the ~50 demo accounts is replaced by a precomputed
real argon2 hash of the demo password (logins still verify it for real); otherwise hashing alone would take
about 9 s per database.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric
from stdnum.iso7064 import mod_11_10
from tests.conftest import fresh_database_url

from xinyong.accounts import service as accounts_service
from xinyong.core import audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.core.identifiers import mask_id_number, org_code_check_char, validate_uscc
from xinyong.core.security import hash_password
from xinyong.demo import service as demo
from xinyong.demo.service import orchestration as demo_orchestration
from xinyong.demo.service import worker as demo_worker
from xinyong.demo.service import writer as demo_writer
from xinyong.subjects.models import Department, Entity, Person, Relation

SECRET = "test-secret-demo-0123456789-abcdefghijklmnop"
FIRST, SECOND = 2000, 500
_names = itertools.count()

TYPE_OF_PREFIX = {
    "92": {"个体工商户"},
    "91": {"有限责任公司", "有限责任公司（自然人独资）", "股份有限公司", "个人独资企业", "合伙企业"},
    "93": {"农民专业合作社"},
    "N2": {"农村集体经济组织"},
    "51": {"社会团体"},
    "52": {"民办非企业单位"},
    "Y1": {"其他组织"},
}


@pytest.fixture(scope="module")
def fast_hashing() -> Iterator[None]:
    real = hash_password(demo.DEMO_PASSWORD)

    def fast(password: str) -> str:
        return real if password == demo.DEMO_PASSWORD else hash_password(password)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts_service, "hash_password", fast)
        yield


@contextmanager
def fresh_database(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A new initialised SQLite database (a copy of the session template)."""
    urls = fresh_database_url("sqlite", tmp_path, sqlite_template, None)
    db = Database(next(urls))
    try:
        yield db
    finally:
        db.dispose()


@dataclass
class City:
    db: Database
    first: demo.DemoResult
    second: demo.DemoResult
    progress: list[int]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def city(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    pg_template: str | None,
    fast_hashing: None,
) -> Iterator[City]:
    """A demo city of FIRST entities, then SECOND more added by a second run."""
    urls = fresh_database_url(request.param, tmp_path_factory.mktemp("demo"), sqlite_template, pg_template)
    db = Database(next(urls))
    try:
        progress: list[int] = []
        first = demo.generate(db, entities=FIRST, secret_key=SECRET, progress=progress.append)
        second = demo.generate(db, entities=SECOND, secret_key=SECRET)
        yield City(db, first, second, progress)
    finally:
        db.dispose()
        next(urls, None)  # drop the database


def _entities(db: Database) -> list[Entity]:
    with db.session(write=False) as s:
        return list(s.execute(select(Entity).order_by(Entity.id)).scalars())


def test_counts_and_progress_add_up(city: City) -> None:
    assert city.first.entities == FIRST and city.second.entities == SECOND
    assert sum(city.progress) == FIRST
    with city.db.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Entity)).scalar_one() == FIRST + SECOND
        persons = s.execute(select(func.count()).select_from(Person)).scalar_one()
        relations = s.execute(select(func.count()).select_from(Relation)).scalar_one()
    assert persons == city.first.persons + city.second.persons
    assert relations == city.first.relations + city.second.relations
    # About 2 % of people represent two entities, so there are a little fewer people than entities.
    assert 0.95 * (FIRST + SECOND) < persons < FIRST + SECOND
    # The second run continues the city rather than repeating the first run's names.
    names = [e.name for e in _entities(city.db)]
    assert names[FIRST : FIRST + 20] != names[:20]


def test_every_code_is_valid_unique_and_matches_its_category(city: City) -> None:
    rows = _entities(city.db)
    codes = [e.uscc for e in rows]
    assert len(set(codes)) == len(codes)
    today = get_clock().today()
    prefixes: Counter[str] = Counter()
    for e in rows:
        assert e.uscc is not None and validate_uscc(e.uscc) == e.uscc
        prefix = e.uscc[:2]
        prefixes[prefix] += 1
        assert e.entity_type in TYPE_OF_PREFIX[prefix], (e.uscc, e.entity_type)
        assert (e.category == "个体工商户") == (prefix == "92")
        assert e.category in ("个体工商户", "法人及非法人组织")
        assert e.region_code == e.uscc[2:8] and e.region_code in ("230382", "230300")
        assert e.registered_on is not None and date(1995, 1, 1) <= e.registered_on <= today
        assert e.name.startswith(("密山市", "鸡西市", "黑龙江"))
        assert e.address and e.address.startswith("黑龙江省鸡西市")
        assert e.industry_code and len(e.industry_code) == 1
        if e.org_code is not None:  # the pre-2015 organisation code is the body of the new code
            assert e.org_code == f"{e.uscc[8:16]}-{e.uscc[16]}" == f"{e.uscc[8:16]}-{org_code_check_char(e.uscc[8:16])}"
        if e.reg_no is not None:
            assert len(e.reg_no) == 15 and mod_11_10.is_valid(e.reg_no)
    total = len(rows)
    assert 0.50 < prefixes["92"] / total < 0.70
    assert 0.28 < prefixes["91"] / total < 0.42
    assert prefixes["93"] > 0 and prefixes["N2"] > 0 and prefixes["51"] + prefixes["52"] > 0
    assert sum(1 for e in rows if e.region_code == "230382") > 0.97 * total
    assert sum(1 for e in rows if e.uscc and e.uscc[8:10] == "MA") > total / 2


def test_timestamps_and_dates_read_back_through_the_orm(city: City) -> None:
    with city.db.session(write=False) as s:
        e = s.execute(select(Entity).order_by(Entity.id.desc()).limit(1)).scalar_one()
        p = s.execute(select(Person).order_by(Person.id.desc()).limit(1)).scalar_one()
    assert e.created_at.tzinfo == UTC and p.created_at.tzinfo == UTC
    assert abs((get_clock().now() - e.created_at).total_seconds()) < 600
    assert isinstance(e.registered_on, date)


def test_person_ids_are_valid_encrypted_indexed_and_masked(city: City) -> None:
    cipher = get_cipher(SECRET)
    today = get_clock().today()
    with city.db.session(write=False) as s:
        people = list(s.execute(select(Person)).scalars())
    numbers = set()
    for p in people:
        number = cipher.decrypt(p.id_cipher)
        assert number not in p.id_cipher
        assert ric.is_valid(number), number
        assert p.id_index == cipher.blind_index(number)
        assert p.id_masked == mask_id_number(number)
        assert p.id_type == "身份证"
        assert 2 <= len(p.name) <= 3
        born = ric.get_birth_date(number)
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        assert 20 <= age <= 75, (number, age)
        numbers.add(number)
    assert len(numbers) == len(people)
    assert any(n.startswith("230382") for n in numbers) and any(n.startswith(("231026", "231082")) for n in numbers)


def test_every_entity_has_an_adult_legal_representative(city: City) -> None:
    cipher = get_cipher(SECRET)
    with city.db.session(write=False) as s:
        rows = s.execute(
            select(Entity.id, Entity.registered_on, Relation.role, Relation.start_date, Person.id_cipher)
            .join(Relation, Relation.entity_id == Entity.id)
            .join(Person, Person.id == Relation.person_id)
        ).all()
        reps_per_person = Counter(s.execute(select(Relation.person_id).where(Relation.role == "legal_rep")).scalars())
    legal = {r.id for r in rows if r.role == "legal_rep"}
    assert len(legal) == FIRST + SECOND
    assert {r.role for r in rows} == {"legal_rep", "controller"}
    for r in rows:
        if r.role == "legal_rep":
            assert r.start_date == r.registered_on
            born = ric.get_birth_date(cipher.decrypt(r.id_cipher))
            assert (r.registered_on - born).days >= 18 * 365
    # Some people represent two entities; nobody is the legal representative of very many.
    assert any(n == 2 for n in reps_per_person.values())
    assert max(reps_per_person.values()) <= 4


def test_demo_users_exist_per_department_and_can_log_in(city: City) -> None:
    creds = {c.username: c for c in city.first.credentials}
    assert city.second.credentials == []  # the second run found them all
    with city.db.session(write=False) as s:
        codes = list(s.execute(select(Department.code)).scalars())
    for code in codes:
        assert creds[f"{code}_operator"].role == "operator"
        assert creds[f"{code}_reviewer"].role == "reviewer"
    assert creds["admin"].role == "admin" and creds["auditor"].role == "auditor"
    assert creds["scjg_inspector"].role == "inspector"
    assert creds["entity"].role == "entity" and creds["entity"].department_name is None
    assert creds["scjg_operator"].department_name == "密山市市场监督管理局"
    for c in creds.values():
        assert c.username.isascii() and c.password == demo.DEMO_PASSWORD
        assert 2 <= len(c.display_name) <= 3 and not c.display_name.isascii()
    for username in ("admin", "scjg_operator", "entity"):
        with city.db.session() as s:
            user = accounts_service.authenticate(s, username=username, password=demo.DEMO_PASSWORD, ip="127.0.0.1")
            assert user.role == creds[username].role
            if username == "entity":
                assert user.entity_id is not None
                assert s.get(Entity, user.entity_id) is not None


def test_audit_chain_verifies_and_records_each_run(city: City) -> None:
    with city.db.session(write=False) as s:
        result = audit.verify(s)
        events = list(
            s.execute(
                select(audit.AuditEvent).where(audit.AuditEvent.action == "demo.generate").order_by(audit.AuditEvent.id)
            ).scalars()
        )
        creations = s.execute(
            select(func.count()).select_from(audit.AuditEvent).where(audit.AuditEvent.action == "user.create")
        ).scalar_one()
    assert result.ok, result.message
    assert len(events) == 2
    assert creations == len(city.first.credentials)
    first, second = events[0].detail, events[1].detail
    assert first is not None and second is not None
    assert first["entities"] == FIRST and first["seed"] == 20210407 and first["persons"] == city.first.persons
    assert second["entities"] == SECOND and second["first_entity_id"] == first["first_entity_id"] + FIRST
    assert events[0].object_type == "demo" and events[0].actor == "demo"


def test_ordinary_inserts_continue_after_the_demo_ids(city: City) -> None:
    """The ids were assigned by the generator; PostgreSQL sequences must have been moved past them."""
    with city.db.session() as s:
        top = s.execute(select(func.max(Relation.id))).scalar_one()
        entity = s.execute(select(Entity).limit(1)).scalar_one()
        person = s.execute(select(Person).limit(1)).scalar_one()
        rel = Relation(entity_id=entity.id, person_id=person.id, role="principal")
        s.add(rel)
        s.flush()
        assert rel.id > top
        s.rollback()


def test_same_seed_gives_the_same_city_in_process_and_in_a_worker(
    tmp_path: Path, sqlite_template: Path, fast_hashing: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def first_codes(parallel: bool, seed: int) -> list[tuple[str | None, str]]:
        monkeypatch.setattr(demo_orchestration, "PARALLEL_MIN_ENTITIES", 1 if parallel else 10**9)
        with fresh_database(sqlite_template, tmp_path) as db:
            demo.generate(db, entities=300, secret_key=SECRET, seed=seed)
            return [(e.uscc, e.name) for e in _entities(db)[:10]]

    in_process = first_codes(False, 7)
    assert first_codes(True, 7) == in_process
    assert first_codes(False, 8) != in_process


def test_a_failed_run_keeps_and_audits_only_the_committed_chunks(
    tmp_path: Path, sqlite_template: Path, fast_hashing: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_writer, "CHUNK", 100)
    monkeypatch.setattr(demo_writer, "TX_CHUNKS", 1)
    real_write = demo_writer._write_chunk
    calls = itertools.count(1)

    def failing_write(*args: object) -> None:
        if next(calls) == 3:
            raise OSError("disk full")
        real_write(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(demo_writer, "_write_chunk", failing_write)
    with fresh_database(sqlite_template, tmp_path) as db:
        with pytest.raises(OSError, match="disk full"):
            demo.generate(db, entities=500, secret_key=SECRET)
        with db.session(write=False) as s:
            assert s.execute(select(func.count()).select_from(Entity)).scalar_one() == 200
            event = s.execute(select(audit.AuditEvent).where(audit.AuditEvent.action == "demo.generate")).scalar_one()
            assert audit.verify(s).ok
        assert event.detail is not None
        assert event.detail["entities"] == 200 and event.detail["requested"] == 500
        assert "disk full" in event.detail["error"]


def test_a_failing_worker_is_reported() -> None:
    with pytest.raises(RuntimeError, match="子进程出错"):
        list(demo_worker.produce_in_worker({"seed": 1}, [10], (1, 1, 1)))


def test_refuses_a_negative_count(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        demo.generate(Database(f"sqlite:///{tmp_path / 'x.db'}"), entities=-1, secret_key=SECRET)
