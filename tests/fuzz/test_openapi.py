"""Schemathesis against the platform's OpenAPI schema, in-process: every API operation with generated (and
hostile) input, as the credit office administrator, must never answer 5xx and must answer as the schema says.

Bounded (a few examples per operation, SQLite) so that it runs in CI in about a minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from tests.conftest import TEST_SECRET, fresh_database_url
from tests.helpers import make_token

from xinyong.app import create_app
from xinyong.core.config import Settings
from xinyong.core.db import Database


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[Any, str]]:
    tmp = tmp_path_factory.mktemp("openapi")
    url = next(fresh_database_url("sqlite", tmp, sqlite_template, None))
    db = Database(url)
    app = create_app(Settings(mode="test", database_url=url, secret_key=TEST_SECRET), db)
    token = make_token(db, "admin", "ysj")
    yield app, token
    db.dispose()


@pytest.fixture(scope="module")
def api_schema(api_app: tuple[Any, str]) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", api_app[0])


@pytest.fixture(scope="module")
def admin_headers(api_app: tuple[Any, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_app[1]}"}


def test_api_never_fails_and_answers_as_documented(api_schema: Any, admin_headers: dict[str, str]) -> None:
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: Any) -> None:
            case.call_and_validate(headers=admin_headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failures, then report them all
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations > 30
    assert not failures, "\n\n".join(failures)
