"""One Alembic history builds the same schema as the models on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from tests.conftest import PG_URL, _pg_admin, _pg_url, missing_service

from xinyong.core.db import Database, current_revision, include_object, upgrade
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


def test_migrations_build_the_model_schema_from_empty(empty_url: str) -> None:
    upgrade(empty_url)
    db = Database(empty_url)
    try:
        assert current_revision(db) is not None
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": False, "include_object": include_object}),
                Base.metadata,
            )
            tables = set(inspect(conn).get_table_names())
        assert diff == [], f"models and migrations differ: {diff}"
        assert {"entity", "person", "subject_relation", "audit_event", "calendar_day", "user_account"} <= tables
    finally:
        db.dispose()


def test_upgrade_is_idempotent(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    db = Database(empty_url)
    try:
        assert current_revision(db) == current_revision(db)
    finally:
        db.dispose()
