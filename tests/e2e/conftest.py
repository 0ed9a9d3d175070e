"""Browser fixtures: the real application served by uvicorn on loopback, driven by Debian's Chromium."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from tests.conftest import TEST_SECRET, missing_service

from xinyong.app import create_app
from xinyong.core.config import Settings
from xinyong.core.db import Database

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    path = tmp_path / "live.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def live_server(live_db: Database) -> Iterator[str]:
    """The application on a free loopback port; yields its base URL."""
    settings = Settings(mode="test", database_url=live_db.url, secret_key=TEST_SECRET)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, live_db), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium (never a downloaded browser build)."""
    if not Path(CHROMIUM).exists():
        missing_service(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    context.close()


def rendered_fonts(page: object, selector: str) -> list[str]:
    """The platform fonts Chromium actually used to draw the element's text (via the DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)  # type: ignore[attr-defined]
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")
    node = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    return [f["familyName"] for f in fonts["fonts"] if f["glyphCount"] > 0]


def login_page(page, base: str, path: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """Open a console page, sign in on the login form it leads to (demo password) and wait to be back on it."""
    from tests.helpers import PASSWORD

    page.goto(base + path)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(".*" + re.escape(path) + r"(\?.*)?$"))
