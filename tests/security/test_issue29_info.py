"""Issue 29, finding 8 (informational): control characters in searches, exchange destinations, absurd numbers of
working days, implausible campaign dates."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.commitments.support import entity
from tests.exchange.test_feed import ACTOR
from tests.ingestion.samples import company_code
from tests.lists.test_lists_api import _auth, _company

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.core.errors import ValidationFailed
from xinyong.exchange import service as exchange
from xinyong.portal import service as portal


@pytest.mark.parametrize("query", ["\x00", "%00", "\x00\x00 \x00", "\u200b"])
def test_a_search_of_control_characters_matches_nobody(client: TestClient, db: Database, query: str) -> None:
    with db.session() as s:
        entity(s, 1)
        entity(s, 2)
    q = "\x00" if query == "%00" else query
    with db.session(write=False) as s:
        assert portal.search(s, q).hits == []
    page = client.get("/portal/search?q=%00")
    assert page.status_code == 200 and company_code(1) not in page.text and company_code(2) not in page.text


def test_control_characters_inside_a_name_are_ignored(session: Session) -> None:
    company = entity(session, 1)
    assert [h.code for h in portal.search(session, company.name[:4] + "\x00" + company.name[4:8]).hits] == [
        company.uscc
    ]


def _save(session: Session, policy: exchange.DestinationPolicy, **values: str) -> set[str]:
    try:
        exchange.save_destination(
            session, values={"code": "PROV", "name": "省平台", **values}, actor=ACTOR, policy=policy
        )
    except ValidationFailed as exc:
        return {f"{d['field']}:{d['reason']}" for d in exc.details}  # type: ignore[union-attr]
    return set()


def test_a_directory_destination_must_lie_under_the_export_root(session: Session, tmp_path: Path) -> None:
    policy = exchange.DestinationPolicy(root=tmp_path / "exchange")
    for outside in ("/etc", str(tmp_path), str(tmp_path / "exchange" / ".." / "other"), "../../etc"):
        (problem,) = _save(session, policy, kind="directory", directory=outside)
        assert problem.startswith("directory:") and "不在允许的报送目录" in problem and "XINYONG_EXPORT_ROOT" in problem
    assert _save(session, policy, kind="directory", directory=str(tmp_path / "exchange" / "prov")) == set()
    assert _save(session, policy, kind="directory", directory="prov") == set()


def test_an_http_destination_must_name_a_configured_host_and_no_internal_address(session: Session) -> None:
    listed = exchange.DestinationPolicy(
        root=Path("var/exchange"), hosts=("xy.hlj.gov.cn", "127.0.0.1", "169.254.169.254", "localhost")
    )
    (problem,) = _save(session, listed, kind="http", url="https://evil.example/api")
    assert "不在允许的报送主机之内" in problem and "XINYONG_EXCHANGE_HOSTS" in problem
    for internal in ("http://127.0.0.1:8000/x", "http://169.254.169.254/latest/meta-data", "http://localhost/x"):
        (problem,) = _save(session, listed, kind="http", url=internal)
        assert "本机、链路本地或内网地址" in problem, internal
    (problem,) = _save(session, listed, kind="http", url="https://user:pw@xy.hlj.gov.cn/api")
    assert "用户名或密码" in problem
    assert _save(session, listed, kind="http", url="https://xy.hlj.gov.cn/api/credit") == set()
    allowed = exchange.DestinationPolicy(root=Path("var/exchange"), hosts=("127.0.0.1",), allow_private=True)
    assert _save(session, allowed, kind="http", url="http://127.0.0.1:8000/x") == set()


def test_a_destination_saved_before_the_settings_narrowed_is_not_delivered_to(db: Database, tmp_path: Path) -> None:
    wide = exchange.DestinationPolicy(root=Path("/"))
    with db.session() as s:
        exchange.save_destination(
            s,
            values={"code": "OLD", "name": "旧", "kind": "directory", "directory": str(tmp_path / "old")},
            actor=ACTOR,
            policy=wide,
        )
    narrow = exchange.DestinationPolicy(root=tmp_path / "exchange")
    (report,) = exchange.push(db, destination="OLD", actor=ACTOR, policy=narrow)
    assert report.delivered == 0 and "未报送" in report.summary() and "XINYONG_EXPORT_ROOT" in report.summary()
    assert not (tmp_path / "old").exists()


def test_an_absurd_number_of_working_days_is_a_422_in_chinese(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    _company(db, 5)
    for days in (10**40, 100_000, 0):
        r = client.post(
            "/api/v1/rectifications",
            json={"subject": company_code(5), "content": "整改冷链", "working_days": days},
            headers=_auth(db, "operator"),
        )
        assert r.status_code == 422, (days, r.text)
        assert "整改期限" in r.json()["error"]["message"] and "1—250之间的整数" in r.json()["error"]["message"]


def test_implausible_campaign_dates_are_refused(client: TestClient, db: Database, clock: FixedClock) -> None:
    campaign = {"name": "食品安全专项治理", "domain": "食品药品", "goal": "整改", "starts_on": "2026-11-01"}
    for ends in ("9999-12-31", "2040-01-01"):
        r = client.post("/api/v1/campaigns", json={**campaign, "ends_on": ends}, headers=_auth(db, "operator"))
        assert r.status_code == 422, r.text
        assert "晚于今天10年以上" in r.json()["error"]["message"]
    r = client.post(
        "/api/v1/campaigns",
        json={**campaign, "starts_on": "1900-01-01", "ends_on": "2026-12-31"},
        headers=_auth(db, "operator"),
    )
    assert r.status_code == 422 and "早于今天10年以上" in r.json()["error"]["message"]
    ok = client.post("/api/v1/campaigns", json={**campaign, "ends_on": "2027-06-30"}, headers=_auth(db, "operator"))
    assert ok.status_code == 201, ok.text
