"""Exchange tests write to temporary directories and push to a receiver on 127.0.0.1: allowed here explicitly
(XINYONG_EXPORT_ROOT, XINYONG_EXCHANGE_HOSTS, XINYONG_EXCHANGE_ALLOW_PRIVATE; issue 29)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xinyong.core.config import get_settings


@pytest.fixture(autouse=True)
def exchange_allowances(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Destinations under the test's own directory, HTTP to the local receiver."""
    monkeypatch.setenv("XINYONG_EXPORT_ROOT", str(tmp_path))
    monkeypatch.setenv("XINYONG_EXCHANGE_HOSTS", "127.0.0.1")
    monkeypatch.setenv("XINYONG_EXCHANGE_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
