"""API clients (T32): scoped, expiring tokens; authorised queries only with the subject's authorisation; public
fields only; per-client rate limits with 429 and Retry-After; usage per day and endpoint on the console page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET
from tests.evaluation.support import AUTHORITY, _store, action, code
from tests.helpers import login, make_token, make_user

from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.core.errors import ValidationFailed
from xinyong.exchange import clients

ADMIN = Actor.system("test:admin")
PERSON_ID = "230382200001011239"
COMPANY = code(7)
ENDPOINT = "GET /api/v1/open/subjects/{code}"


def _penalty(session: Session, doc: str, **extra: Any) -> None:
    values: dict[str, Any] = {
        "CF_XDR_MC": "密山市兴凯湖商贸有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": COMPANY,
        "CF_FRDB": "王建国",
        "CF_FR_ZJLX": "身份证",
        "CF_FR_ZJHM": PERSON_ID,
        "CF_WSH": doc,
        "CF_WFXW": "销售过期食品",
        "CF_SY": "经查，当事人销售过期食品。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": ["罚款"],
        "CF_NR": "罚款5000元",
        "CF_NR_FK": "0.5",
        "CF_JDRQ": date(2026, 11, 20),
        "CF_CFJG": "密山市市场监督管理局",
        "CF_CFJGDM": AUTHORITY,
        "CF_SJLY": "密山市市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
        **extra,
    }
    _store(session, "penalty", values, "scjg")


def _data(db: Database) -> None:
    """A company with a public penalty (naming its legal representative's ID number) and a government-only
    complaint; a natural person with a penalty (never published)."""
    with db.session() as s:
        _penalty(s, "密市监罚〔2026〕101号")
        action(s, "complaint", COMPANY, "密市监诉〔2026〕7号", date(2026, 11, 21), CLJG="属实")
        _penalty(
            s, "密市监罚〔2026〕102号", CF_XDR_MC="李四", CF_XDR_LB="自然人", CF_XDR_SHXYM=None, CF_FRDB=None,
            CF_FR_ZJLX=None, CF_FR_ZJHM=None, CF_XDR_ZJLX="身份证", CF_XDR_ZJHM=PERSON_ID,
        )  # fmt: skip


def _client(db: Database, code_: str, scopes: str, rate: int = 100) -> str:
    with db.session() as s:
        clients.save_client(
            s, values={"code": code_, "name": f"{code_}信用服务有限公司", "kind": "agency", "scopes": scopes,
                       "rate_per_minute": rate}, actor=ADMIN,
        )  # fmt: skip
        token, _row = clients.issue_token(s, client_code=code_, scopes=None, expires_days=30, actor=ADMIN)
    return token


def _authorise(db: Database, client_code: str, subject: str, scope: str, **dates: str) -> int:
    with db.session() as s:
        row = clients.record_authorisation(
            s,
            values={"client": client_code, "subject": subject, "scope": scope, "purpose": "信用评级",
                    "evidence": "SQ-2026-001", "valid_from": dates.get("valid_from", "2026-11-01"),
                    "valid_until": dates.get("valid_until", "2027-10-31")},
            actor=ADMIN, cipher=get_cipher(TEST_SECRET),
        )  # fmt: skip
        return row.id


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _only_public(text: str) -> None:
    assert PERSON_ID not in text and "ZJHM" not in text and "证件号码" not in text
    assert "密市监诉〔2026〕7号" not in text  # 政务共享 information never reaches a client


def test_each_scope_allows_its_calls_only_and_answers_public_fields_only(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    _data(db)
    public, bulk, auth = (
        _client(db, "PUB", "open.public"),
        _client(db, "BULK", "open.bulk"),
        _client(db, "AUTH", "open.authorised"),
    )
    profile, page = f"/api/v1/open/subjects/{COMPANY}", "/api/v1/open/publicity/penalty"
    query = "/api/v1/open/authorised"

    # open.public: the portal's public profile; nothing else.
    r = client.get(profile, headers=_h(public))
    assert r.status_code == 200 and "密市监罚〔2026〕101号" in r.text
    _only_public(r.text)
    assert client.get(page, headers=_h(public)).status_code == 403
    assert client.post(query, json={"subject": COMPANY}, headers=_h(public)).status_code == 403

    # open.bulk: public double-publicity records only (the person's penalty is not published), keyset paging.
    r = client.get(page, params={"limit": 1}, headers=_h(bulk))
    assert r.status_code == 200
    body = r.json()
    assert [x["document_number"] for x in body["records"]] == ["密市监罚〔2026〕101号"] and body["next_after"]
    assert {"name": "罚款金额（万元）", "value": "0.5"} in body["records"][0]["fields"]
    _only_public(r.text)
    assert "李四" not in r.text
    assert client.get(page, params={"after": body["next_after"]}, headers=_h(bulk)).json()["records"] == []
    assert client.get("/api/v1/open/publicity/complaint", headers=_h(bulk)).status_code == 404
    assert client.get(profile, headers=_h(bulk)).status_code == 403
    assert client.post(query, json={"subject": COMPANY}, headers=_h(bulk)).status_code == 403

    # open.authorised: refused without the subject's authorisation, with another client's, after it expired or
    # was withdrawn; within the authorisation's scope when given.
    assert client.get(profile, headers=_h(auth)).status_code == 403
    refused = client.post(query, json={"subject": COMPANY}, headers=_h(auth))
    assert refused.status_code == 403 and "授权" in refused.json()["error"]["message"]
    _authorise(db, "PUB", COMPANY, "records")
    assert client.post(query, json={"subject": COMPANY}, headers=_h(auth)).status_code == 403
    _authorise(db, "AUTH", COMPANY, "records", valid_from="2025-11-01", valid_until="2026-10-31")
    assert client.post(query, json={"subject": COMPANY}, headers=_h(auth)).status_code == 403
    grant = _authorise(db, "AUTH", COMPANY, "records")
    r = client.post(query, json={"subject": COMPANY}, headers=_h(auth))
    assert r.status_code == 200
    assert [x["document_number"] for x in r.json()["records"]] == ["密市监罚〔2026〕101号"]
    assert "grade" not in r.json() and "lists" not in r.json()
    _only_public(r.text)
    with db.session() as s:
        clients.revoke_authorisation(s, authorisation_id=grant, actor=ADMIN)
    assert client.post(query, json={"subject": COMPANY}, headers=_h(auth)).status_code == 403

    # A natural person, found by ID number, with the person's authorisation: the record, never the number.
    assert client.post(query, json={"subject": PERSON_ID}, headers=_h(auth)).status_code == 403
    _authorise(db, "AUTH", PERSON_ID, "records,lists")
    r = client.post(query, json={"subject": PERSON_ID}, headers=_h(auth))
    assert r.status_code == 200 and r.json()["subject"]["code"] == "2303**********1239"
    assert [x["document_number"] for x in r.json()["records"]] == ["密市监罚〔2026〕102号"]
    assert r.json()["lists"] == []
    _only_public(r.text)


def test_tokens_are_scoped_to_the_client_and_expire(client: TestClient, db: Database, clock: FixedClock) -> None:
    token = _client(db, "PUB", "open.public")
    with db.session() as s, pytest.raises(ValidationFailed, match="超出该调用方登记的范围"):
        clients.issue_token(s, client_code="PUB", scopes=["open.bulk"], expires_days=30, actor=ADMIN)
    with db.session() as s, pytest.raises(ValidationFailed, match="必须限期"):
        clients.issue_token(s, client_code="PUB", scopes=None, expires_days=0, actor=ADMIN)
    profile = f"/api/v1/open/subjects/{code(1)}"
    # A department's own token (even of role client) is not a registered client.
    dept_token = make_token(db, "client")
    assert client.get(profile, headers=_h(dept_token)).status_code == 403
    assert client.get(profile, headers=_h(make_token(db, "operator"))).status_code == 403
    clock.advance(days=31)
    expired = client.get(profile, headers=_h(token))
    assert expired.status_code == 401 and "过期" in expired.json()["error"]["message"]


def test_rate_limit_per_client_and_usage_on_the_console(client: TestClient, db: Database, clock: FixedClock) -> None:
    _data(db)
    slow, fast = _client(db, "SLOW", "open.public", rate=3), _client(db, "FAST", "open.public", rate=100)
    client.app.state.client_meter = clients.Meter(clock=lambda: 600.0)  # 10 s into a minute, for the whole test
    profile = f"/api/v1/open/subjects/{COMPANY}"
    for _ in range(3):
        assert client.get(profile, headers=_h(slow)).status_code == 200
    refused = client.get(profile, headers=_h(slow))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert "每分钟最多调用3次" in refused.json()["error"]["message"]
    assert client.get(profile, headers=_h(fast)).status_code == 200  # the limit is per client

    make_user(db, "xyb-admin", "admin")
    login(client, "xyb-admin")
    page = client.get("/console/exchange/clients")
    assert page.status_code == 200
    with db.session(write=False) as s:
        rows = {(r.client_id, r.endpoint): (r.calls, r.refused) for r in clients.usage(s)}
        ids = {c.code: c.id for c in clients.list_clients(s)}
    assert rows == {(ids["SLOW"], ENDPOINT): (4, 1), (ids["FAST"], ENDPOINT): (1, 0)}
    assert ENDPOINT in page.text and "2026-11-28" in page.text
