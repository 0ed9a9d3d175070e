"""Every route of the application, requested as every role, against the declared policy (xinyong.core.policy).

Deny by default: a route without a policy entry fails here, a role outside its entry must be refused (401 for the
anonymous public, 403 otherwise; an HTML page sends the anonymous to the login page) and a role inside it must get
past authorisation (whatever the route then answers to an empty request: 200, 404, 422, 428 …)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.commitments.support import entity
from tests.conftest import TEST_SECRET, fresh_database_url
from tests.helpers import login, make_token, make_user

from xinyong.accounts.models import User
from xinyong.app import _api_routes, create_app
from xinyong.core.config import Settings
from xinyong.core.db import Database
from xinyong.core.policy import POLICY, ROLES
from xinyong.core.security import DEPARTMENT_ROLES
from xinyong.core.web import CSRF_COOKIE, CSRF_HEADER

PARAM = re.compile(r"\{[^}]+\}")
POLICY_FILE = "src/xinyong/core/policy.py"


def app_routes(app: object) -> list[tuple[str, str]]:
    """(method, path) of every route the application serves (HEAD is answered like GET)."""
    found = []
    for route in _api_routes(app.routes):  # type: ignore[attr-defined]
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((method, route.path))
    return found


@pytest.fixture(scope="module")
def matrix_db(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Database]:
    """One SQLite database for the whole matrix (authorisation does not depend on the backend)."""
    urls = fresh_database_url("sqlite", tmp_path_factory.mktemp("matrix"), sqlite_template, None)
    db = Database(next(urls))
    with db.session() as s:
        company_id = entity(s, 1).id
    for role in ROLES:
        if role not in ("public", "client"):
            make_user(db, f"m-{role}", role, None if role in ("entity", "auditor", "association") else "scjg")
    for role in DEPARTMENT_ROLES:  # legacy rows without a department (the form and the service now refuse them)
        make_user(db, f"m-{role}-nodept", role, "scjg")
    with db.session() as s:
        s.execute(update(User).where(User.username == "m-entity").values(entity_id=company_id))
        s.execute(update(User).where(User.username.like("m-%-nodept")).values(department_id=None))
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def matrix_app(matrix_db: Database) -> object:
    """The application on that database."""
    settings = Settings(mode="test", database_url=str(matrix_db.url), secret_key=TEST_SECRET)
    return create_app(settings, matrix_db)


def test_every_route_has_a_policy_entry_and_every_entry_a_route(matrix_app: object) -> None:
    served = {f"{m} {p}" for m, p in app_routes(matrix_app)}
    missing = sorted(served - POLICY.keys())
    assert not missing, (
        f"Routes without an entry in POLICY ({POLICY_FILE}); deny by default, so add one line per route naming the "
        "roles allowed (EVERYONE, DEPARTMENTS, CREDIT_OFFICE, …):\n"
        + "\n".join(f'    "{key}": <roles>,' for key in missing)
    )
    stale = sorted(POLICY.keys() - served)
    assert not stale, f"POLICY ({POLICY_FILE}) names routes the application no longer serves: {stale}"
    unknown = {role for roles in POLICY.values() for role in roles} - set(ROLES)
    assert not unknown, f"POLICY names unknown roles: {unknown}"


def _refused(response: object) -> bool:
    """Whether the authorisation layer refused the request (not the route's own answer, e.g. a wrong password)."""
    status = response.status_code  # type: ignore[attr-defined]
    if status == 303:
        return response.headers["location"].startswith("/login?")  # type: ignore[attr-defined,no-any-return]
    text = response.text  # type: ignore[attr-defined]
    return (status == 401 and "请先登录" in text) or (status == 403 and "没有“" in text and "权限" in text)


def _denied(response: object, role: str) -> bool:
    status = response.status_code  # type: ignore[attr-defined]
    expected = (401, 303) if role == "public" else (403,)
    return status in expected and _refused(response)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_routes_the_policy_allows(
    matrix_app: object, matrix_db: Database, role: str
) -> None:
    routes = app_routes(matrix_app)
    # logging out ends the session the other requests use, so it goes last
    routes.sort(key=lambda mp: mp == ("POST", "/logout"))
    wrong: list[str] = []
    with TestClient(matrix_app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        headers: dict[str, str] = {}
        if role == "client":
            headers["Authorization"] = f"Bearer {make_token(matrix_db, 'client')}"
        elif role != "public":
            login(client, f"m-{role}")
        client.get("/login")  # the CSRF cookie, sent back as the header on unsafe requests
        headers[CSRF_HEADER] = client.cookies.get(CSRF_COOKIE) or ""
        for method, path in routes:
            allowed = role in POLICY.get(f"{method} {path}", frozenset())
            url = PARAM.sub("999999", path)
            response = client.request(method, url, headers=headers, follow_redirects=False)
            denied = _denied(response, role)
            if allowed and _refused(response):
                wrong.append(f"{method} {path}: {role} is allowed by POLICY but got {response.status_code}")
            elif not allowed and not denied:
                wrong.append(f"{method} {path}: {role} is not in POLICY but got {response.status_code}")
    assert not wrong, f"{len(wrong)} route(s) disagree with POLICY ({POLICY_FILE}):\n" + "\n".join(wrong)


# What an account of a department-bound role without a department may still reach: what everyone may, and the
# console's home page and calendar (it may log in and read that it has no department), nothing of any department.
WITHOUT_DEPARTMENT = frozenset({"GET /console", "GET /console/calendar", "POST /logout"})


@pytest.mark.parametrize("role", sorted(DEPARTMENT_ROLES))
def test_a_department_role_without_department_reaches_no_department_route(
    matrix_app: object, matrix_db: Database, role: str
) -> None:
    routes = app_routes(matrix_app)
    routes.sort(key=lambda mp: mp == ("POST", "/logout"))
    wrong: list[str] = []
    with TestClient(matrix_app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        login(client, f"m-{role}-nodept")
        client.get("/login")
        headers = {CSRF_HEADER: client.cookies.get(CSRF_COOKIE) or ""}
        for method, path in routes:
            key = f"{method} {path}"
            allowed = "public" in POLICY.get(key, frozenset()) or key in WITHOUT_DEPARTMENT
            response = client.request(method, PARAM.sub("999999", path), headers=headers, follow_redirects=False)
            if allowed and _refused(response):
                wrong.append(f"{key}: a {role} without department should reach it but got {response.status_code}")
            elif not allowed and not (_denied(response, role) and "未归属任何部门" in response.text):
                wrong.append(f"{key}: a {role} without department got {response.status_code}")
    assert not wrong, f"{len(wrong)} route(s) let a department-less account through:\n" + "\n".join(wrong)
