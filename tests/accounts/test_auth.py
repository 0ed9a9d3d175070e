"""Login, sessions, CSRF, throttling, tokens and deny-by-default permissions."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from tests.helpers import PASSWORD, csrf_from, login, make_token, make_user

from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiToken, User
from xinyong.app import _check_routes_declare_permissions
from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.core.security import verify_password


def test_login_opens_the_console_and_logout_closes_it(client: TestClient, db: Database) -> None:
    make_user(db, "admin1", "admin", "ysj")
    assert client.get("/console", follow_redirects=False).headers["location"] == "/login?next=/console"
    login(client, "admin1")
    page = client.get("/console")
    assert page.status_code == 200
    assert "工作台" in page.text and "信用办管理员" in page.text
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert client.get("/console", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("username", ["admin1", "nobody"])
def test_wrong_password_or_unknown_user_gives_the_same_message(client: TestClient, db: Database, username: str) -> None:
    make_user(db, "admin1", "admin", "ysj")
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": "wrong-Password-1", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 401
    assert "用户名或密码错误。" in response.text
    assert "不存在" not in response.text


def test_repeated_failures_are_slowed_down_even_with_the_right_password(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    make_user(db, "operator1", "operator")
    token = csrf_from(client.get("/login").text)
    for _ in range(5):
        r = client.post("/login", data={"username": "operator1", "password": "bad", "csrf_token": token})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "operator1", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    assert "登录失败次数过多" in r.text
    clock.advance(seconds=31)
    r = client.post(
        "/login", data={"username": "operator1", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303


def test_failed_attempts_are_kept_even_though_the_request_failed(client: TestClient, db: Database) -> None:
    token = csrf_from(client.get("/login").text)
    client.post("/login", data={"username": "ghost", "password": "x", "csrf_token": token})
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM login_attempt WHERE username = 'ghost'")).scalar() == 1


def test_post_without_csrf_token_is_refused(client: TestClient, db: Database) -> None:
    make_user(db, "admin1", "admin", "ysj")
    client.get("/login")
    r = client.post("/login", data={"username": "admin1", "password": PASSWORD})
    assert r.status_code == 403
    assert "CSRF" in r.text
    r = client.post("/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


def test_role_denial_on_protected_routes(client: TestClient, db: Database) -> None:
    make_user(db, "inspector1", "inspector")
    login(client, "inspector1")
    assert client.get("/console").status_code == 200
    denied = client.get("/console/audit")
    assert denied.status_code == 403
    assert "没有“查阅审计日志”权限" in denied.text
    assert client.get("/console/users").status_code == 403


def test_api_tokens_scope_access(client: TestClient, db: Database) -> None:
    anonymous = client.get("/api/v1/departments")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["message"] == "请先登录。"
    entity = make_token(db, "client")
    r = client.get("/api/v1/departments", headers={"Authorization": f"Bearer {entity}"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    operator = make_token(db, "operator")
    r = client.get("/api/v1/departments", headers={"Authorization": f"Bearer {operator}"})
    assert r.status_code == 200
    assert r.json()[0]["name"] == "密山市营商环境建设监督局"


def test_revoked_and_forged_tokens_are_rejected(client: TestClient, db: Database) -> None:
    token = make_token(db, "operator")
    with db.session() as s:
        row = s.execute(select(ApiToken)).scalars().one()
        accounts.revoke_token(s, token_id=row.id, actor=Actor.system("test"))
    for bad in (token, token[:-2] + "xx", "xy_nothing_here", "garbage"):
        r = client.get("/api/v1/departments", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401
        assert "令牌无效" in r.json()["error"]["message"]


def test_tokens_and_passwords_are_stored_hashed(db: Database) -> None:
    token = make_token(db, "operator")
    make_user(db, "admin1", "admin", "ysj")
    with db.session() as s:
        row = s.execute(select(ApiToken)).scalars().one()
        assert token not in (row.token_hash, row.prefix)
        assert len(row.token_hash) == 64
        user = s.execute(select(User).where(User.username == "admin1")).scalar_one()
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, PASSWORD)
        assert not verify_password(user.password_hash, PASSWORD + "x")


def test_token_scopes_cannot_exceed_the_role(db: Database) -> None:
    from xinyong.core.errors import ValidationFailed

    with db.session() as s, pytest.raises(ValidationFailed, match="超出角色允许的范围"):
        accounts.create_token(s, department_code="scjg", role="client", scopes=["audit.read"], actor=Actor.system())


def test_unknown_department_and_role_get_chinese_errors(db: Database) -> None:
    from xinyong.core.errors import NotFound, ValidationFailed

    with db.session() as s:
        with pytest.raises(NotFound, match="部门代码“nope”不存在"):
            accounts.create_token(s, department_code="nope", role="operator", actor=Actor.system())
        with pytest.raises(ValidationFailed, match="角色“boss”不存在"):
            accounts.create_token(s, department_code="scjg", role="boss", actor=Actor.system())


def test_weak_passwords_are_refused(db: Database) -> None:
    from xinyong.core.errors import ValidationFailed

    with db.session() as s, pytest.raises(ValidationFailed, match="密码至少10位"):
        accounts.create_user(
            s, username="u", display_name="用户", password="short", role="operator", actor=Actor.system()
        )


def test_every_route_must_declare_a_permission() -> None:
    app = FastAPI()
    router = APIRouter()

    @router.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    app.include_router(router)
    with pytest.raises(RuntimeError, match="/forgotten"):
        _check_routes_declare_permissions(app)


def test_login_redirect_refuses_other_sites(client: TestClient, db: Database) -> None:
    make_user(db, "admin1", "admin", "ysj")
    page = client.get("/login")
    r = client.post(
        "/login",
        data={
            "username": "admin1",
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console"


def test_admin_creates_and_disables_a_user_in_the_console(client: TestClient, db: Database) -> None:
    make_user(db, "admin1", "admin", "ysj")
    login(client, "admin1")
    page = client.get("/console/users")
    token = csrf_from(page.text)
    weak = client.post(
        "/console/users",
        data={
            "username": "li",
            "display_name": "李明",
            "role": "operator",
            "department": "scjg",
            "password": "abc",
            "csrf_token": token,
        },
    )
    assert "密码至少10位" in weak.text
    made = client.post(
        "/console/users",
        data={
            "username": "li",
            "display_name": "李明",
            "role": "operator",
            "department": "scjg",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    assert "已创建用户 li" in made.text
    other = TestClient(client.app)
    login(other, "li")
    assert other.get("/console").status_code == 200
    with db.session() as s:
        user_id = s.execute(select(User.id).where(User.username == "li")).scalar_one()
    client.post(f"/console/users/{user_id}/active", data={"active": "0", "csrf_token": token})
    assert other.get("/console", follow_redirects=False).status_code == 303  # its session ended at once
    page = other.get("/login")
    refused = other.post("/login", data={"username": "li", "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 401
