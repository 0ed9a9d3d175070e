"""Issue 29, finding 7: X-Forwarded-For is believed only from XINYONG_TRUSTED_PROXIES, so rotating it from the
same host does not escape the login and search throttles."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.helpers import csrf_from, make_user
from typer.testing import CliRunner

from xinyong import app as app_module
from xinyong.app import create_app
from xinyong.cli import app as cli_app
from xinyong.core.clock import FixedClock
from xinyong.core.config import Settings
from xinyong.core.db import Database


def _served(monkeypatch: pytest.MonkeyPatch, application: FastAPI) -> Any:
    """The ASGI application exactly as ``xinyong serve`` hands it to uvicorn (with uvicorn's own wrappers)."""
    captured: dict[str, Any] = {}
    monkeypatch.setattr(app_module, "create_app", lambda: application)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: captured.update(app=app, kw=kw))
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 0, result.output
    config = uvicorn.Config(captured["app"], **captured["kw"])
    config.load()
    return config.loaded_app


def _local(app: Any) -> TestClient:
    return TestClient(app, base_url="http://testserver", client=("127.0.0.1", 40000))


def test_rotating_x_forwarded_for_from_loopback_does_not_escape_the_search_throttle(
    monkeypatch: pytest.MonkeyPatch, db: Database, settings: Settings
) -> None:
    limited = settings.model_copy(update={"portal_search_per_minute": 6, "portal_search_burst": 3})
    served = _served(monkeypatch, create_app(limited, db))
    with _local(served) as c:
        codes = [
            c.get("/portal/search", params={"q": "密山"}, headers={"x-forwarded-for": f"203.0.113.{i}"}).status_code
            for i in range(5)
        ]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_rotating_x_forwarded_for_from_loopback_does_not_escape_the_login_throttle(
    monkeypatch: pytest.MonkeyPatch, db: Database, settings: Settings, clock: FixedClock
) -> None:
    make_user(db, "operator1", "operator")
    served = _served(monkeypatch, create_app(settings, db))
    with _local(served) as c:
        token = csrf_from(c.get("/login").text)
        codes = []
        for i in range(25):  # a password spray: another user name, another claimed address each time
            r = c.post(
                "/login",
                data={"username": f"user{i}", "password": "bad", "csrf_token": token},
                headers={"x-forwarded-for": f"198.51.100.{i}"},
            )
            codes.append(r.status_code)
    assert 429 in codes, codes  # the address's own allowance (4 × the per-user one) ran out


def test_a_configured_proxy_is_believed_and_no_other(db: Database, settings: Settings) -> None:
    proxied = settings.model_copy(
        update={"trusted_proxies": "10.0.0.5", "portal_search_per_minute": 6, "portal_search_burst": 1}
    )
    application = create_app(proxied, db)
    with TestClient(application, client=("10.0.0.5", 40000)) as via_proxy:
        for i in range(3):  # the proxy forwards three different callers: each has its own allowance
            r = via_proxy.get("/portal/search", params={"q": "密山"}, headers={"x-forwarded-for": f"203.0.113.{i}"})
            assert r.status_code == 200
    with TestClient(application, client=("10.0.0.6", 40000)) as elsewhere:
        codes = [
            elsewhere.get(
                "/portal/search", params={"q": "密山"}, headers={"x-forwarded-for": f"192.0.2.{i}"}
            ).status_code
            for i in range(2)
        ]
    assert codes == [200, 429]
