"""Issue 29, finding 3: request bodies are held to the route's limit (JSON and forms 1 MB, uploads their own),
counted on the bytes received, so a chunked body without Content-Length cannot pass either; 413 in Chinese."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.helpers import make_token

from xinyong.app import _api_routes, create_app
from xinyong.core.config import Settings
from xinyong.core.db import Database
from xinyong.core.web import upload_limit_bytes

MB = 1024 * 1024


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length)."""
    sent = 0
    while sent < total:
        yield b"a" * min(size, total - sent)
        sent += size


def test_a_json_body_over_the_small_limit_is_refused_before_it_is_read(client: TestClient, db: Database) -> None:
    token = make_token(db, "operator")
    big = b'{"item": "' + b"a" * (2 * MB) + b'"}'
    r = client.post(
        "/api/v1/records", content=big, headers={"authorization": f"Bearer {token}", "content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["error"] == {"code": "too_large", "message": "请求内容超过上限1MB，请精简后重新提交。"}


def test_a_chunked_body_without_content_length_is_counted(client: TestClient, db: Database) -> None:
    token = make_token(db, "operator")
    r = client.post(
        "/api/v1/records",
        content=_chunks(3 * MB),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    assert "content-length" not in r.request.headers and r.request.headers.get("transfer-encoding") == "chunked"
    assert r.status_code == 413 and "请求内容超过上限1MB" in r.json()["error"]["message"]


@pytest.mark.parametrize("chunked", [False, True])
def test_anonymous_forms_take_no_large_bodies(client: TestClient, chunked: bool) -> None:
    body = b"username=a&password=" + b"a" * (2 * MB)
    content = _chunks(len(body)) if chunked else body
    r = client.post("/login", content=content, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "请求内容超过上限1MB" in r.text and "内容过大" in r.text
    assert r.headers["x-frame-options"] == "DENY"  # the refusal carries the security headers too


def test_upload_routes_take_files_beyond_the_small_limit_up_to_their_own(db: Database, settings: Settings) -> None:
    token = make_token(db, "operator")
    auth = {"authorization": f"Bearer {token}"}
    small = settings.model_copy(update={"max_request_mb": 3})
    with TestClient(create_app(small, db)) as c:
        csv = "统一社会信用代码,名称\n".encode() + b"x" * (2 * MB)
        r = c.post(
            "/api/v1/batches", files={"file": ("a.csv", csv, "text/csv")}, data={"kind": "penalty"}, headers=auth
        )
        assert r.status_code != 413, r.text  # past the 1 MB of ordinary routes: read (and judged on its content)
        boundary = "xyboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npenalty\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()

        def multipart() -> Iterator[bytes]:
            yield head
            yield from _chunks(4 * MB)
            yield f"\r\n--{boundary}--\r\n".encode()

        r = c.post(
            "/api/v1/batches",
            content=multipart(),
            headers={**auth, "content-type": f"multipart/form-data; boundary={boundary}"},
        )
        assert r.status_code == 413
        assert r.json()["error"]["message"] == "上传内容超过该功能的上限3MB，请拆分后分批上传。"


def test_every_route_taking_files_declares_its_upload_limit(settings: Settings, db: Database) -> None:
    app = create_app(settings, db)
    undeclared = []
    for route in _api_routes(app.routes):
        takes_files = any(type(p.field_info).__name__ == "File" for p in route.dependant.body_params)
        if takes_files and upload_limit_bytes(route, settings) is None:
            undeclared.append(f"{sorted(route.methods or ())} {route.path}")
    assert undeclared == []
    limits = {
        route.path: upload_limit_bytes(route, settings)
        for route in _api_routes(app.routes)
        if upload_limit_bytes(route, settings) is not None
    }
    assert limits["/api/v1/batches"] == 1100 * MB
    assert limits["/portal/reports/verify"] == 21 * MB
    assert limits["/console/my/objections"] == (10 * 5 + 1) * MB
    assert "/login" not in limits and "/api/v1/records" not in limits
