"""One Alembic history builds the same schema as the models on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from tests.conftest import PG_URL, Cli, _pg_admin, _pg_url, missing_service

from xinyong.core.db import Database, alembic_config, current_revision, include_object, upgrade
from xinyong.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not PG_URL:
        missing_service("PostgreSQL not configured: set XINYONG_TEST_DATABASE_URL")
        return
    name = f"xy_mig_{id(request)}"
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _pg_url(PG_URL, name)
    with _pg_admin(PG_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def alembic_head() -> str:
    """The head revision of the one Alembic history, read from the migration scripts (not from a database)."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "the Alembic history has no head"
    return head


def stamped_versions(db: Database) -> list[str]:
    """Every row of the database's ``alembic_version`` table."""
    with db.engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def assert_models_match_schema(db: Database) -> None:
    """The models' metadata and the migrated schema do not differ (types aside: SQLite reflects them loosely)."""
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False, "include_object": include_object}),
            Base.metadata,
        )
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrations_build_the_model_schema_from_empty(empty_url: str) -> None:
    upgrade(empty_url)
    db = Database(empty_url)
    try:
        assert current_revision(db) == alembic_head()
        assert_models_match_schema(db)
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert {"entity", "person", "subject_relation", "audit_event", "calendar_day", "user_account"} <= tables
    finally:
        db.dispose()


def test_upgrade_is_idempotent(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    db = Database(empty_url)
    try:
        assert stamped_versions(db) == [alembic_head()]
        assert_models_match_schema(db)
    finally:
        db.dispose()


def test_init_brings_an_empty_database_to_the_alembic_head(empty_url: str, tmp_path: Path) -> None:
    init = Cli(empty_url, cwd=tmp_path)
    first = init("init")
    assert first.returncode == 0, first.stderr
    again = init("init")  # a rerun on an initialised database succeeds and stays at the head
    assert again.returncode == 0, again.stderr
    db = Database(empty_url)
    try:
        assert stamped_versions(db) == [alembic_head()]
        assert current_revision(db) == alembic_head()
        assert_models_match_schema(db)
    finally:
        db.dispose()
