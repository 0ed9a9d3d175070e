"""Small helpers shared by tests (not fixtures)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from xinyong.accounts import service as accounts
from xinyong.core.audit import Actor
from xinyong.core.db import Database

PASSWORD = "Mishan@2026-test"


def make_user(db: Database, username: str, role: str, dept: str | None = "scjg", password: str = PASSWORD) -> None:
    """Create a user directly through the service."""
    with db.session() as s:
        accounts.create_user(
            s,
            username=username,
            display_name="测试用户",
            password=password,
            role=role,
            department_code=dept,
            actor=Actor.system("test"),
        )


def make_token(db: Database, role: str, dept: str = "scjg") -> str:
    """Create an API token and return it."""
    with db.session() as s:
        token, _row = accounts.create_token(s, department_code=dept, role=role, actor=Actor.system("test"))
    return token


def csrf_from(html: str) -> str:
    """The CSRF token embedded in a page's form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form (CSRF included)."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
