"""Settings: production refuses the demo secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from xinyong.core.config import DEMO_SECRET, Settings


def test_production_refuses_the_demo_secret() -> None:
    with pytest.raises(ValidationError, match="XINYONG_SECRET_KEY"):
        Settings(mode="production", secret_key=DEMO_SECRET)
    with pytest.raises(ValidationError, match="至少32个字符"):
        Settings(mode="production", secret_key="short")
    others = {"field_key": "f" * 40, "signing_key": "k" * 40, "session_secret": "s" * 40}
    with pytest.raises(ValidationError, match="XINYONG_PUBLIC_URL"):
        Settings(mode="production", secret_key="x" * 40, **others)
    others["public_url"] = "https://xinyong.example.gov.cn/"
    settings = Settings(mode="production", secret_key="x" * 40, **others)
    assert settings.public_url == "https://xinyong.example.gov.cn"


def test_public_url_defaults_to_the_local_address_outside_production_and_must_be_an_http_address() -> None:
    assert Settings(mode="test").public_url == "http://127.0.0.1:8000"
    with pytest.raises(ValidationError, match="XINYONG_PUBLIC_URL"):
        Settings(mode="test", public_url="javascript:alert(1)")


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert Settings(mode="test", trusted_proxies="10.0.0.5, 10.0.1.0/24").trusted_proxy_list == [
        "10.0.0.5",
        "10.0.1.0/24",
    ]
    with pytest.raises(ValidationError, match="XINYONG_TRUSTED_PROXIES"):
        Settings(mode="test", trusted_proxies="proxy.local")


def test_demo_mode_accepts_the_demo_secret() -> None:
    assert Settings(mode="demo").secret_key == DEMO_SECRET
