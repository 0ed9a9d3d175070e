"""Web hardening, checked over the whole application rather than page by page: CSRF on every unsafe route and
every form, security headers on every response, cookie flags, upload limits, safe downloads and exports."""

from __future__ import annotations

import hashlib
import io
import re
import time
from pathlib import Path

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from tests.helpers import csrf_from, login, make_user
from tests.ingestion.samples import row, write_csv

from xinyong.app import _api_routes, create_app
from xinyong.core.config import Settings
from xinyong.core.db import Database
from xinyong.core.downloads import CHECKSUM_HEADER, content_disposition, neutralise_cell, safe_filename
from xinyong.core.web import TEMPLATES_DIR

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _routes(client: TestClient) -> list[APIRoute]:
    return list(_api_routes(client.app.routes))  # type: ignore[attr-defined]


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_unsafe_route_refuses_a_logged_in_request_without_the_csrf_token(
    client: TestClient, db: Database
) -> None:
    make_user(db, "boss", "admin", "ysj")
    login(client, "boss")
    checked = []
    for route in _routes(client):
        for method in sorted((route.methods or set()) & UNSAFE):
            r = client.request(method, _fill(route.path), data={"x": "1"}, follow_redirects=False)
            assert r.status_code == 403 and "CSRF校验失败" in r.text, f"{method} {route.path}: {r.status_code}"
            checked.append(f"{method} {route.path}")
    assert len(checked) > 60  # every form handler and every API write of the platform


def test_every_post_form_in_every_template_carries_the_csrf_token() -> None:
    forms = 0
    for template in sorted(Path(TEMPLATES_DIR).rglob("*.html")):
        text = template.read_text("utf-8")
        for match in re.finditer(r"<form\b[^>]*>.*?</form>", text, re.S | re.I):
            tag = match.group(0)[: match.group(0).index(">") + 1]
            if re.search(r"method=\"?post", tag, re.I):
                forms += 1
                assert "csrf_field" in match.group(0) or "csrf_token" in match.group(0), f"{template.name}: {tag}"
    assert forms > 30


def test_templates_have_no_inline_scripts_styles_or_handlers() -> None:
    """The CSP forbids inline code; a template that used it would break silently in the browser."""
    for template in sorted(Path(TEMPLATES_DIR).rglob("*.html")):
        text = template.read_text("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text, re.I), f"inline <script> in {template.name}"
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), f"inline event handler in {template.name}"
        assert not re.search(r"\sstyle\s*=", text, re.I), f"inline style attribute in {template.name}"
        assert "<style" not in text.lower(), f"<style> block in {template.name}"


def _assert_headers(r, where: str) -> None:  # type: ignore[no-untyped-def]
    csp = r.headers.get("content-security-policy", "")
    assert r.headers.get("x-content-type-options") == "nosniff", where
    assert "unsafe-inline" not in csp and "default-src 'self'" in csp, where
    assert r.headers.get("referrer-policy") == "same-origin", where
    if where.startswith("/embed/") and r.status_code == 200:  # the check widget: framed by the city's own sites
        assert "frame-ancestors 'self'" in csp and r.headers.get("x-frame-options") == "SAMEORIGIN", where
    else:
        assert "frame-ancestors 'none'" in csp and r.headers.get("x-frame-options") == "DENY", where


def test_security_headers_on_every_page_error_and_file(client: TestClient, db: Database) -> None:
    make_user(db, "boss", "admin", "ysj")
    login(client, "boss")
    pages = 0
    for route in _routes(client):
        if "GET" in (route.methods or set()) and not route.path.startswith("/api/docs"):
            r = client.get(_fill(route.path), follow_redirects=False)
            _assert_headers(r, route.path)
            pages += 1
    assert pages > 80
    for path in ("/no-such-page", "/api/v1/no-such", "/static/css/app.css", "/portal/integrity"):
        _assert_headers(client.get(path), path)


def test_session_cookies_are_http_only_same_site_and_secure_in_production(db: Database, db_url: str) -> None:
    keys = {"field_key": "f" * 40, "signing_key": "k" * 40, "session_secret": "x" * 40}
    keys["public_url"] = "https://testserver"
    settings = Settings(mode="production", database_url=db_url, secret_key="s" * 40, **keys)
    make_user(db, "zhang", "operator")
    with TestClient(create_app(settings, db), base_url="https://testserver") as client:
        page = client.get("/login")
        assert "Strict-Transport-Security" in page.headers
        r = client.post(
            "/login",
            data={"username": "zhang", "password": "Mishan@2026-test", "csrf_token": csrf_from(page.text)},
            follow_redirects=False,
        )
    assert r.status_code == 303
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("xy_session="))
    csrf = next(c for c in cookies if c.startswith("xy_csrf="))
    for cookie in (session, csrf):
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite" in cookie


def test_a_request_body_over_the_platform_limit_is_refused_in_chinese(settings: Settings, db: Database) -> None:
    small = settings.model_copy(update={"max_body_kb": 64})
    with TestClient(create_app(small, db)) as client:
        r = client.post("/api/v1/records", content=b"x" * (64 * 1024 + 1), headers={"content-type": "text/plain"})
    assert r.status_code == 413 and "请求内容超过上限64KB" in r.json()["error"]["message"]


def test_upload_and_download_names_cannot_climb_or_inject() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\temp\\..\\名单.csv") == "名单.csv"
    assert safe_filename("..") == "upload" and safe_filename("\x00\r\n") == "upload"
    assert safe_filename(".bashrc") == "bashrc"
    header = content_disposition('错误清单"\r\nX-Evil: 1.xlsx')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="') and "filename*=UTF-8''" in header
    exact = "%E9%94%99%E8%AF%AF%E6%B8%85%E5%8D%95-%E6%89%B9%E6%AC%A13.xlsx"
    assert content_disposition("错误清单-批次3.xlsx") == f"attachment; filename=\"3.xlsx\"; filename*=UTF-8''{exact}"


def test_formula_cells_are_neutralised() -> None:
    for bad in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise_cell(bad) == "'" + bad
    assert neutralise_cell("密市监罚〔2026〕1号") == "密市监罚〔2026〕1号" and neutralise_cell(-5) == -5


def test_the_error_report_is_safe_to_open_and_carries_its_checksum(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    make_user(db, "op", "operator")
    login(client, "op")
    page = client.get("/console/ingest")
    path = write_csv(tmp_path / "bad.csv", [row(1, CF_JDRQ='=HYPERLINK("http://evil.example","点此")')])
    with path.open("rb") as fh:
        r = client.post(
            "/console/ingest",
            data={"kind": "penalty", "csrf_token": csrf_from(page.text)},
            files={"file": ("../../bad.csv", fh, "text/csv")},
        )
    batch_id = int(str(r.url).rsplit("/", 1)[-1])
    for _ in range(200):
        if "已完成" in client.get(f"/console/ingest/batches/{batch_id}").text:
            break
        time.sleep(0.1)
    xlsx = client.get(f"/console/ingest/batches/{batch_id}/errors.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.headers[CHECKSUM_HEADER] == hashlib.sha256(xlsx.content).hexdigest()
    assert "filename*=UTF-8''" in xlsx.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[2][3] == '\'=HYPERLINK("http://evil.example","点此")'  # text, not a live link
    assert all(not str(cell).startswith("=") for line in rows for cell in line if cell is not None)
