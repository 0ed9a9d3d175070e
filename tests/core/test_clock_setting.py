"""XINYONG_CLOCK for demo and training environments, and provisional deadlines as people see them (issue 18)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from tests.commitments.support import entity
from tests.conftest import TEST_SECRET
from tests.helpers import login, make_user
from tests.repair.support import penalty

from xinyong.app import create_app
from xinyong.core.audit import Actor
from xinyong.core.clock import CHINA_TZ, Clock, FixedClock, ShiftedClock, get_clock, set_clock
from xinyong.core.config import Settings
from xinyong.core.db import Database
from xinyong.objections import service as objections

STRONG = "x" * 40


def test_production_refuses_a_clock_setting() -> None:
    keys = {
        "field_key": "f" * 40,
        "signing_key": "s" * 40,
        "session_secret": "c" * 40,
        "public_url": "https://xy.example.cn",
    }
    with pytest.raises(ValidationError, match="生产模式不能设置 XINYONG_CLOCK"):
        Settings(mode="production", secret_key=STRONG, clock="2027-06-15", **keys)
    assert Settings(mode="production", secret_key=STRONG, **keys).clock == ""
    with pytest.raises(ValidationError, match="XINYONG_CLOCK“明年”无效"):
        Settings(mode="demo", clock="明年")


@pytest.fixture
def restore_clock() -> Iterator[None]:
    previous: Clock = get_clock()
    yield
    set_clock(previous)


def test_the_server_runs_on_the_set_date_and_shows_it(db: Database, db_url: str, restore_clock: None) -> None:
    settings = Settings(mode="demo", database_url=db_url, secret_key=TEST_SECRET, clock="2030-01-02")
    make_user(db, "clerk", "operator")
    with TestClient(create_app(settings, db), base_url="http://testserver") as client:
        assert isinstance(get_clock(), ShiftedClock) and get_clock().today() == date(2030, 1, 2)
        login(client, "clerk")
        page = client.get("/console")
        assert "演示日期 2030年01月02日" in page.text


def test_a_cli_command_honours_the_clock(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "XINYONG_DATABASE_URL": db_url, "XINYONG_MODE": "demo", "XINYONG_CLOCK": "2027-06-15"}
    code = (
        "from xinyong.cli import main; import sys; sys.argv=['xinyong','calendar','deadline','2027-06-15','0']; main()"
    )
    # The deadline command itself takes an explicit date; the clock shows in what the command computes from today:
    probe = "from xinyong.core import clock; from xinyong.core.config import get_settings; "
    probe += "clock.apply_setting(get_settings().clock); print(clock.get_clock().today())"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2027-06-15"
    prod = {**env, "XINYONG_MODE": "production", "XINYONG_SECRET_KEY": STRONG}
    refused = subprocess.run([sys.executable, "-c", code], env=prod, capture_output=True, text=True)
    assert refused.returncode != 0 and "生产模式不能设置 XINYONG_CLOCK" in refused.stderr


def test_pages_mark_a_provisional_deadline(db: Database, client: TestClient, clock: FixedClock) -> None:
    clock._at = datetime(2026, 12, 28, 10, 0, tzinfo=CHINA_TZ)
    with db.session() as session:
        company = entity(session)
        record = penalty(session, CF_JDRQ="2026-12-21")
        objection = objections.file_objection(
            session,
            record_id=record.id,
            entity_id=company.id,
            reasons="金额有误",
            evidence="凭证",
            actor=Actor.system(),
        )
        oid = objection.id
    make_user(db, "rev", "reviewer")
    login(client, "rev")
    page = client.get(f"/console/objections/{oid}")
    assert page.status_code == 200
    assert "2027-01-05（暂定）" in page.text
