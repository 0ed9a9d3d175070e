"""Public pages, error pages and the code checker, in Chinese."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_home_page_is_chinese_and_lists_domains(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.text
    assert "密山市公共信用信息平台" in r.text
    assert "住房和城乡建设" in r.text and "密山市市场监督管理局" in r.text
    assert "cdn" not in r.text.lower() and "https://" not in r.text


def test_code_checker_on_the_home_page(client: TestClient) -> None:
    ok = client.get("/", params={"code": "91230500MA1B3N1N2M"})
    assert "符合国家标准" in ok.text and "市场监管" in ok.text
    bad = client.get("/", params={"code": "91230500MA1B3N1N2X"})
    assert "第18位校验码错误：应为“M”，实际为“X”" in bad.text


def test_not_found_page_is_chinese(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "页面不存在" in r.text
    api = client.get("/api/v1/no-such")
    assert api.status_code == 404 and api.json()["error"]["message"] == "您访问的页面不存在或已被移除。"


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_security_headers_and_local_static_files(client: TestClient) -> None:
    r = client.get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert client.get("/static/css/app.css").status_code == 200


def test_openapi_lists_the_v1_contract(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/subjects/{code}" in spec["paths"]
    assert "/healthz" in spec["paths"]


def test_templates_use_no_inline_styles_or_scripts_the_csp_would_block() -> None:
    from xinyong.core.web import TEMPLATES_DIR

    for path in TEMPLATES_DIR.rglob("*.html"):
        text = path.read_text("utf-8")
        assert 'style="' not in text, f"{path.name}: inline style is blocked by the Content-Security-Policy"
        assert "<script>" not in text and "onclick=" not in text, f"{path.name}: inline script"
