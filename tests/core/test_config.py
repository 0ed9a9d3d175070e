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
    assert Settings(mode="production", secret_key="x" * 40, **others).mode == "production"


def test_demo_mode_accepts_the_demo_secret() -> None:
    assert Settings(mode="demo").secret_key == DEMO_SECRET
