"""Shared fixtures: real SQLite files and a real PostgreSQL server, migrated from the one Alembic history."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

import xinyong
from xinyong.app import create_app
from xinyong.core.audit import Actor
from xinyong.core.clock import CHINA_TZ, Clock, FixedClock, get_clock, set_clock
from xinyong.core.config import Settings
from xinyong.core.db import Database, upgrade

TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
PG_URL = os.environ.get("XINYONG_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_counter = itertools.count()


def missing_service(reason: str) -> None:
    """Skip locally, fail in CI: a skipped PostgreSQL or browser test must not pass CI silently."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def initialise(url: str) -> None:
    """Migrate a database and load the reference data that `xinyong init` loads."""
    from xinyong.catalog import service as catalog_service
    from xinyong.core import calendar as calendar_service
    from xinyong.evaluation import service as evaluation_service
    from xinyong.oversight import plan as plan_service
    from xinyong.subjects import service as subjects_service

    upgrade(url)
    db = Database(url)
    try:
        with db.session() as session:
            actor = Actor.system("test:init")
            subjects_service.load_reference_data(session, actor=actor)
            calendar_service.seed_from_chinesecalendar(session, actor=actor)
            catalog_service.load_shipped(session, actor=actor)
            evaluation_service.load_shipped(session, actor=actor)
            plan_service.load_shipped(session, actor=actor)
    finally:
        db.dispose()


def _pg_admin(url: str) -> psycopg.Connection:
    u = make_url(url)
    return psycopg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        dbname="postgres",
        autocommit=True,
    )


def _pg_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, initialised SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    initialise(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A migrated, initialised PostgreSQL template database (None when no server is configured)."""
    if not PG_URL:
        yield None
        return
    name = f"xy_tpl_{os.getpid()}"
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    initialise(_pg_url(PG_URL, name))
    yield name
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database_url(backend: str, tmp_path: Path, sqlite_template: Path, pg_template: str | None) -> Iterator[str]:
    """A new initialised database of the given backend for one test, removed afterwards."""
    if backend == "sqlite":
        path = tmp_path / f"xinyong-{next(_counter)}.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if not PG_URL or pg_template is None:
        missing_service("PostgreSQL not configured: set XINYONG_TEST_DATABASE_URL")
        return
    name = f"xy_t_{os.getpid()}_{next(_counter)}"
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_url(PG_URL, name)
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_template: str | None
) -> Iterator[str]:
    """An initialised database URL, once for SQLite and once for PostgreSQL."""
    yield from fresh_database_url(request.param, tmp_path, sqlite_template, pg_template)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """An initialised database on each backend."""
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[object]:
    """A session committed at the end of the test (as the request boundary would)."""
    with db.session() as s:
        yield s


@pytest.fixture
def settings(db_url: str) -> Settings:
    """Test-mode settings for the test's database."""
    return Settings(mode="test", database_url=db_url, secret_key=TEST_SECRET)


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """An HTTP client for the application on the test's database."""
    with TestClient(create_app(settings, db), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    """A fixed clock at 2026-11-28 10:00 China time, restored after the test."""
    previous: Clock = get_clock()
    fixed = FixedClock(datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ))
    set_clock(fixed)
    yield fixed
    set_clock(previous)


class Cli:
    """``xinyong …`` run as a real process (``python -m xinyong.cli``) on one database with test-mode settings."""

    def __init__(self, db_url: str, *, cwd: Path | None = None, **env: str) -> None:
        self.db_url = db_url
        self.cwd = cwd
        self.env = {
            **os.environ,
            "XINYONG_DATABASE_URL": db_url,
            "XINYONG_SECRET_KEY": TEST_SECRET,
            "XINYONG_MODE": "test",
            "COLUMNS": "200",
            "PYTHONPATH": str(Path(xinyong.__file__).resolve().parents[1]),  # this checkout's source, whatever the cwd
            **env,
        }

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one command; its exit code, standard output and standard error are in the result."""
        return subprocess.run(
            [sys.executable, "-m", "xinyong.cli", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
            cwd=self.cwd,
        )


@pytest.fixture
def cli(tmp_path: Path, sqlite_template: Path) -> Cli:
    """The command line on a copy of the initialised SQLite database (``tmp_path/cli.db``), run in ``tmp_path``."""
    db_path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, db_path)
    return Cli(f"sqlite:///{db_path}", cwd=tmp_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With pytest-xdist (``./dev test`` runs two workers, ``--dist loadgroup``): each test file stays on one worker,
    and all browser tests run on the same worker one after another, so that two Chromium sessions never compete for
    the machine's two cores while a live server waits on them."""
    for item in items:
        group = "browser" if "e2e" in item.path.parts else str(item.path)
        item.add_marker(pytest.mark.xdist_group(group))
