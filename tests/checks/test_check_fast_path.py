"""The credit check's fast path keeps its promises: a remembered token still dies at once when revoked or expired,
and every answered check has its row committed, concurrent checks included (rows written together)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.factories import company_code, entity
from tests.helpers import make_token

from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiToken
from xinyong.checks.models import CreditCheck
from xinyong.checks.writer import CheckWriter
from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.subjects.models import Person

BODY = {"subject": company_code(1), "matter": "procurement"}


def _check(client: TestClient, token: str) -> Any:
    return client.post("/api/v1/checks", json=BODY, headers={"Authorization": f"Bearer {token}"})


def _token_id(db: Database, token: str) -> int:
    with db.session() as s:
        return s.execute(select(ApiToken.id).where(ApiToken.prefix == token.split("_")[1])).scalar_one()


def test_a_revoked_token_is_refused_on_the_next_check_although_remembered(client: TestClient, db: Database) -> None:
    with db.session() as s:
        entity(s, 1)
    token = make_token(db, "operator")
    first = _check(client, token)
    assert first.status_code == 201 and first.headers["content-type"] == "application/json"
    # The answer is byte for byte what the JSON encoder of the contract's responses writes.
    assert first.content == json.dumps(first.json(), ensure_ascii=False, separators=(",", ":")).encode()
    assert _check(client, token).status_code == 201  # now answered from the process's memory of the token
    assert accounts.remembered_principal(token, ip=None) is not None
    with db.session() as s:
        accounts.revoke_token(s, token_id=_token_id(db, token), actor=Actor.system("test"))
    r = _check(client, token)
    assert r.status_code == 401 and "吊销" in r.json()["error"]["message"]
    assert accounts.remembered_principal(token, ip=None) is None


def test_a_remembered_token_is_refused_once_it_expires(client: TestClient, db: Database, clock: FixedClock) -> None:
    with db.session() as s:
        entity(s, 1)
        token, _row = accounts.create_token(
            s, department_code="scjg", role="operator", actor=Actor.system("test"), expires_days=1
        )
    assert _check(client, token).status_code == 201
    clock.advance(days=1, seconds=1)
    assert _check(client, token).status_code == 401


def test_a_changed_token_is_not_served_from_memory(client: TestClient, db: Database) -> None:
    with db.session() as s:
        entity(s, 1)
    token = make_token(db, "operator")
    assert _check(client, token).status_code == 201
    with db.session() as s:  # its check scope taken away (as an administrator editing the token would)
        row = s.get(ApiToken, _token_id(db, token))
        assert row is not None
        row.scopes = [x for x in row.scopes if x != "checks.run"]
    assert _check(client, token).status_code == 403


def test_without_memory_every_check_resolves_the_token(settings: Any, db: Database) -> None:
    from xinyong.app import create_app

    with db.session() as s:
        entity(s, 1)
    token = make_token(db, "operator")
    off = settings.model_copy(update={"token_cache_seconds": 0})
    with TestClient(create_app(off, db)) as client:
        assert _check(client, token).status_code == 201
        assert accounts.remembered_principal(token, ip=None) is None


def _row(code: str, n: int) -> dict[str, Any]:
    from xinyong.core.clock import get_clock

    now = get_clock().now()
    return {
        "code": code,
        "subject_kind": "unknown",
        "entity_id": None,
        "person_id": None,
        "subject_label": f"S{n}",
        "matter": "procurement",
        "department_id": None,
        "checked_by": "test",
        "checked_at": now,
        "checked_on": now.date(),
        "conclusion": "allow",
        "result": {"n": n},
        "feedback_at": None,
        "feedback_by": None,
        "outcome": None,
        "feedback": None,
        "feedback_note": None,
    }


def _count(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(CreditCheck)).scalar_one())


def test_concurrent_checks_are_all_committed_before_they_return_with_their_extra_rows(db: Database) -> None:
    from xinyong.core.db import Prepared
    from xinyong.privacy.models import PersonQuery

    with db.session() as s:
        person = Person(
            name="张三",
            id_type="身份证",
            id_cipher="x",
            id_index="i" * 64,
            id_masked="2303**********0011",
            created_at=datetime.now(UTC),
        )
        s.add(person)
        s.flush()
        person_id = person.id
    registration = Prepared.insert_into(PersonQuery.__table__)
    writer = CheckWriter(db)
    seen_after_return: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(24)

    def one(n: int) -> None:
        code = f"HCT{n:05d}"
        start.wait()
        also = [(registration, _registration(person_id, code))] if n % 8 == 3 else []
        writer.write(_row(code, n), also)
        with db.session(write=False) as s:  # committed: another connection sees it as soon as write() returns
            found = s.execute(select(CreditCheck.id).where(CreditCheck.code == code)).first() is not None
            if also:
                found = (
                    found
                    and s.execute(select(PersonQuery.id).where(PersonQuery.reference == f"check:{code}")).first()
                    is not None
                )
        with lock:
            seen_after_return.append(found)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen_after_return) == 24 and all(seen_after_return)
    assert _count(db) == 24
    with db.session(write=False) as s:
        references = sorted(s.execute(select(PersonQuery.reference)).scalars())
    assert references == [f"check:HCT{n:05d}" for n in (3, 11, 19)]


def _registration(person_id: int, code: str) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "actor": "test",
        "role": "client",
        "person_id": person_id,
        "person_label": "张三（2303**********0011）",
        "purpose": "政府采购供应商资格审查",
        "rules_version": "test",
        "path": "POST /api/v1/checks",
        "reference": f"check:{code}",
        "shown": ["checks"],
        "flagged": False,
    }


def test_a_row_the_database_refuses_fails_alone_in_a_shared_transaction(db: Database) -> None:
    writer = CheckWriter(db)
    writer.write(_row("HCDUP", 0))
    # Three queued rows written together, the middle one a duplicate check id: the others are still written.
    writer._commit(batch := [_p(_row("HCA", 1)), _p(_row("HCDUP", 2)), _p(_row("HCB", 3))])
    assert [p.error is None for p in batch] == [True, False, True] and all(p.done for p in batch)
    with db.session(write=False) as s:
        codes = set(s.execute(select(CreditCheck.code)).scalars())
    assert codes == {"HCDUP", "HCA", "HCB"}


def _p(row: dict[str, Any]) -> Any:
    from xinyong.checks.writer import _Pending

    return _Pending(row, ())


@pytest.mark.parametrize("n", [40])
def test_every_answered_check_over_http_has_its_row(client: TestClient, db: Database, n: int) -> None:
    with db.session() as s:
        entity(s, 1)
    token = make_token(db, "operator")
    ids: list[str] = []
    lock = threading.Lock()

    def many(k: int) -> None:
        for _ in range(k):
            r = _check(client, token)
            assert r.status_code == 201, r.text
            with lock:
                ids.append(r.json()["id"])

    threads = [threading.Thread(target=many, args=(n // 4,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.session(write=False) as s:
        stored = set(s.execute(select(CreditCheck.code)).scalars())
    assert len(ids) == n and set(ids) <= stored


def test_a_signed_in_clerk_posting_a_check_from_the_browser_needs_the_csrf_token(
    client: TestClient, db: Database
) -> None:
    from tests.helpers import login, make_user

    from xinyong.core.web import CSRF_COOKIE, CSRF_HEADER

    with db.session() as s:
        entity(s, 1)
    make_user(db, "clerk", "operator")
    login(client, "clerk")
    before = _count(db)
    forged = client.post("/api/v1/checks", json=BODY)  # the session cookie alone, as a forged cross-site post
    assert forged.status_code == 403 and "CSRF" in forged.json()["error"]["message"]
    assert _count(db) == before
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    done = client.post("/api/v1/checks", json=BODY, headers={CSRF_HEADER: token})
    assert done.status_code == 201, done.text
    assert _count(db) == before + 1


def test_the_values_of_a_new_check_give_every_column_of_its_row(db: Database) -> None:
    from xinyong.checks import service
    from xinyong.core.crypto import get_cipher

    with db.session() as s:
        entity(s, 1)
        values = service.check_values(
            s,
            subject=company_code(1),
            matter="procurement",
            department_id=None,
            actor=Actor.system("t"),
            cipher=get_cipher("x" * 40),
        )
    # The API inserts these as they are: a missing key would be stored as NULL.
    assert set(values) == {c.key for c in CreditCheck.__table__.columns if c.key != "id"}
    assert service.check_json(values) == service.check_json(CreditCheck(**values))


def test_a_check_on_an_id_number_reads_list_entries_and_bans_by_index_when_most_are_about_entities(
    tmp_path: Path,
) -> None:
    """ANALYZE's statistics of a mostly-NULL person column made SQLite scan every list entry for a person (the plan
    under test is SQLite's: its own file, on every run)."""
    from datetime import date, timedelta

    from sqlalchemy import insert, text
    from tests.conftest import initialise

    from xinyong.checks import repository
    from xinyong.lists.models import Ban, ListEntry

    url = f"sqlite:///{tmp_path / 'plan.db'}"
    initialise(url)
    db = Database(url)
    with db.session() as s:
        eid = entity(s, 1).id
        dept = s.execute(text("SELECT id FROM department ORDER BY id LIMIT 1")).scalar_one()
        today, now = date(2026, 11, 29), datetime.now(UTC)
        common = {"entity_id": eid, "person_id": None, "subject_name": "某公司", "department_id": dept}
        s.execute(
            insert(ListEntry),
            [
                {
                    **common,
                    "list_type": "abnormal",
                    "subject_code": company_code(1),
                    "status": "published",
                    "reason": "测试",
                    "legal_basis": "测试",
                    "basis_record_ids": [],
                    "responsible": [],
                    "proposed_on": today - timedelta(days=n % 300),
                    "proposed_by": "test",
                    "extra": {},
                    "created_at": now,
                }
                for n in range(400)
            ],
        )
        s.execute(
            insert(Ban),
            [
                {
                    **common,
                    "scope": "industry",
                    "domain": "food_drugs",
                    "content": "禁入",
                    "basis": "测试",
                    "document_number": f"BAN-{n}",
                    "starts_on": today - timedelta(days=n % 300),
                    "created_at": now,
                    "created_by": "test",
                }
                for n in range(400)
            ],
        )
    with db.write_engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        for prepared, index in (
            (repository._ENTRIES_OF_PERSON, "ix_list_entry_person_status"),
            (repository._BANS_OF_PERSON, "ix_list_ban_person"),
        ):
            sql = prepared.stmt.compile(dialect=conn.dialect)
            params = [sql.binds[n].value if sql.binds[n].value is not None else 1 for n in sql.positiontup]
            plan = " ".join(str(r[3]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql.string}", tuple(params)))
            assert f"USING INDEX {index}" in plan, plan
    db.dispose()


@pytest.mark.parametrize(
    ("setting", "dialect", "threads"),
    [(None, "sqlite", 1), (None, "postgresql", 0), (0, "sqlite", 0), (3, "postgresql", 3)],
)
def test_the_checks_run_on_their_own_threads_on_sqlite_and_on_the_shared_pool_on_postgresql(
    setting: int | None, dialect: str, threads: int
) -> None:
    from types import SimpleNamespace

    from xinyong.checks.writer import executor_of

    state = SimpleNamespace(settings=SimpleNamespace(check_threads=setting), db=SimpleNamespace(dialect=dialect))
    made = executor_of(state)
    try:
        assert (made._max_workers if made is not None else 0) == threads
        assert executor_of(state) is made  # one per application
    finally:
        if made is not None:
            made.shutdown()


def test_a_check_over_http_runs_on_the_check_thread_and_the_thread_stops_with_the_application(
    settings: Any, db: Database
) -> None:
    from xinyong.app import create_app
    from xinyong.checks import service

    with db.session() as s:
        entity(s, 1)
    token = make_token(db, "operator")
    seen: list[str] = []
    original = service.check_values

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    app = create_app(settings, db)
    service.check_values = spy  # type: ignore[assignment]
    try:
        with TestClient(app) as client:
            assert _check(client, token).status_code == 201
            pool = app.state.check_executor[0]
    finally:
        service.check_values = original  # type: ignore[assignment]
    if db.dialect == "sqlite":
        assert seen and seen[0].startswith("credit-check") and pool._shutdown
    else:
        assert seen and pool is None
    assert app.state.check_executor is None
