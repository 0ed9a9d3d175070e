"""HTTP: the v1 credit check contract, feedback, the listing workflow over the API, measures, console pages, portal."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.commitments.support import entity, penalty
from tests.helpers import login, make_token, make_user
from tests.ingestion.samples import company_code
from tests.lists.support import person_id, set_day

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database


def _auth(db: Database, role: str, dept: str = "scjg") -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(db, role, dept)}"}


def _company(db: Database, n: int = 1) -> int:
    with db.session() as s:
        entity(s, n)
        return penalty(s, n).id


def _list_over_api(client: TestClient, db: Database, clock: FixedClock, basis: int) -> dict[str, Any]:
    op, rev = _auth(db, "operator"), _auth(db, "reviewer")
    body = {
        "list_type": "serious",
        "subject": company_code(1),
        "reason": "违法添加非食用物质，被吊销许可证",
        "basis_records": [basis],
        "responsible": [{"role": "legal_rep", "name": "王建国", "id_number": person_id(1)}],
    }
    created = client.post("/api/v1/lists/entries", json=body, headers=op)
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    assert (
        client.post(f"/api/v1/lists/entries/{entry_id}/notice", json={"document": "告1"}, headers=op).status_code == 200
    )
    # an operator cannot decide
    refused = client.post(f"/api/v1/lists/entries/{entry_id}/decision", json={"approve": True}, headers=op)
    assert refused.status_code == 403
    set_day(clock, 2026, 12, 31)
    decided = client.post(
        f"/api/v1/lists/entries/{entry_id}/decision",
        json={"approve": True, "note": "同意列入", "document_number": "密市监严〔2026〕7号"},
        headers=rev,
    )
    assert decided.status_code == 200, decided.text
    published = client.post(f"/api/v1/lists/entries/{entry_id}/publication", headers=rev)
    assert published.status_code == 200, published.text
    return published.json()


def test_check_api_contract_feedback_and_statistics(client: TestClient, db: Database, clock: FixedClock) -> None:
    basis = _company(db)
    entry = _list_over_api(client, db, clock, basis)
    assert entry["status"] == "published" and [e["to"] for e in entry["events"]] == [
        "proposed",
        "noticed",
        "decided",
        "published",
    ]
    clerk = _auth(db, "operator", "fgj")
    stated = {"purpose": "政府采购供应商资格审查", "basis": "pipl-13-1-3"}  # a natural person: purpose and basis
    check = client.post(
        "/api/v1/checks", json={"subject": person_id(1), "matter": "procurement", **stated}, headers=clerk
    )
    assert check.status_code == 201, check.text
    body = check.json()
    assert body["id"].startswith("HC") and body["conclusion"] == "deny" and body["conclusion_name"] == "不予办理"
    assert body["lists"][0]["list_name"] == "严重失信主体名单" and body["lists"][0]["ends_on"] == "2029-12-30"
    assert [m["code"] for m in body["measures"]] == ["CJ-02"] and body["grade"] is None
    # feedback: required fields named in Chinese
    empty = client.post(f"/api/v1/checks/{body['id']}/feedback", json={}, headers=clerk)
    assert empty.status_code == 422
    assert {d["field"] for d in empty.json()["error"]["details"]} == {"outcome", "measures"}
    done = client.post(
        f"/api/v1/checks/{body['id']}/feedback",
        json={"outcome": "refused", "measures": [{"code": "CJ-02", "applied": True}]},
        headers=clerk,
    )
    assert done.status_code == 200 and done.json()["feedback"]["outcome_name"] == "不予办理"
    # another department's clerk cannot see it; anonymous callers cannot check
    assert client.get(f"/api/v1/checks/{body['id']}", headers=_auth(db, "operator", "jyj")).status_code == 404
    assert client.post("/api/v1/checks", json={"subject": person_id(1), "matter": "procurement"}).status_code == 401
    bad = client.post("/api/v1/checks", json={"subject": "123", "matter": "procurement"}, headers=clerk)
    assert bad.status_code == 422 and "subject" in bad.json()["error"]["message"]
    stats = client.get("/api/v1/checks/statistics", headers=_auth(db, "admin", "ysj")).json()["rows"]
    assert stats == [
        {
            "department": "密山市发展和改革局",
            "matter": "procurement",
            "matter_name": "政府采购",
            "checks": 1,
            "with_feedback": 1,
            "feedback_rate": 1.0,
            "restricted": 1,
            "approvals": None,
            "coverage": None,
        },
    ]


def test_api_client_token_may_check(client: TestClient, db: Database, clock: FixedClock) -> None:
    _company(db, 2)
    r = client.post(
        "/api/v1/checks", json={"subject": company_code(2), "matter": "subsidy"}, headers=_auth(db, "client", "fgj")
    )
    assert r.status_code == 201 and r.json()["conclusion"] == "allow"


def test_measures_list_is_public(client: TestClient, db: Database) -> None:
    body = client.get("/api/v1/measures").json()
    assert any(m["code"] == "CJ-01" and m["kind_name"] == "惩戒" for m in body["measures"])
    page = client.get("/portal/measures")
    assert page.status_code == 200 and "限制参加政府采购活动" in page.text


def test_console_pages_render_for_their_roles(client: TestClient, db: Database, clock: FixedClock) -> None:
    make_user(db, "rev1", "reviewer", "scjg")
    login(client, "rev1")
    for path in (
        "/console/lists",
        "/console/measures",
        "/console/bans",
        "/console/supervision",
        "/console/checks",
        "/embed/check",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "style=" not in r.text and "<script>" not in r.text
    embed = client.get("/embed/check")
    assert "frame-ancestors 'self'" in embed.headers["content-security-policy"]
    assert client.get("/console/checks/statistics").status_code == 403  # only the credit office


def test_a_ban_shows_on_the_public_profile(client: TestClient, db: Database, clock: FixedClock) -> None:
    _company(db, 4)
    r = client.post(
        "/api/v1/bans",
        json={
            "subject": company_code(4),
            "scope": "industry",
            "domain": "food_drugs",
            "content": "五年内不得从事食品生产经营管理工作",
            "basis": "《食品安全法》第一百三十五条",
            "document_number": "密市监罚〔2026〕9号",
            "starts_on": "2026-11-01",
            "permanent": True,
        },
        headers=_auth(db, "reviewer"),
    )
    assert r.status_code == 201, r.text
    profile = client.get(f"/api/v1/subjects/{company_code(4)}").json()
    text = str(profile)
    assert "市场和行业禁入" in text and "终身" in text


def test_supervision_over_the_api(client: TestClient, db: Database, clock: FixedClock) -> None:
    _company(db, 5)
    op = _auth(db, "operator")
    campaign = client.post(
        "/api/v1/campaigns",
        json={
            "name": "食品安全专项治理",
            "domain": "食品药品",
            "goal": "整改",
            "starts_on": "2026-11-01",
            "ends_on": "2026-12-31",
        },
        headers=op,
    )
    assert campaign.status_code == 201, campaign.text
    order = client.post(
        "/api/v1/rectifications",
        json={"subject": company_code(5), "content": "整改冷链", "working_days": 5, "campaign": campaign.json()["id"]},
        headers=op,
    )
    assert order.status_code == 201 and order.json()["due_on"] == "2026-12-04"
    missing = client.post("/api/v1/interviews", json={"kind": "warning", "subject": company_code(5)}, headers=op)
    assert missing.status_code == 422
    assert {"document_number", "participants", "record_text"} <= {
        d["field"] for d in missing.json()["error"]["details"]
    }
    done = client.post(
        "/api/v1/interviews",
        json={
            "kind": "warning",
            "subject": company_code(5),
            "order": order.json()["id"],
            "document_number": "约1",
            "participants": "执法人员2名；法定代表人",
            "record_text": "告知逾期未整改的后果",
        },
        headers=op,
    )
    assert done.status_code == 201 and done.json()["kind_name"] == "警示约谈" and done.json()["record_id"]
    progress = client.get(f"/api/v1/campaigns/{campaign.json()['id']}", headers=op).json()["progress"]
    assert progress["targets"] == 1 and progress["interviews"] == 1


def test_entry_page_shows_each_step_without_empty_values(client: TestClient, db: Database, clock: FixedClock) -> None:
    basis = _company(db)
    op, rev = _auth(db, "operator"), _auth(db, "reviewer")
    body = {"list_type": "serious", "subject": company_code(1), "reason": "违法添加", "basis_records": [basis]}
    entry_id = client.post("/api/v1/lists/entries", json=body, headers=op).json()["id"]
    notice = client.post(f"/api/v1/lists/entries/{entry_id}/notice", json={"document": "告1"}, headers=op)
    assert notice.status_code == 200
    set_day(clock, 2026, 12, 31)
    decision = {"approve": True, "note": "同意列入", "document_number": "密市监严〔2026〕8号"}
    decided = client.post(f"/api/v1/lists/entries/{entry_id}/decision", json=decision, headers=rev)
    assert decided.status_code == 200, decided.text
    make_user(db, "rev-page", "reviewer", "scjg")
    login(client, "rev-page")
    page = client.get(f"/console/lists/{entry_id}")
    assert page.status_code == 200 and "审核决定" in page.text and "事先告知" in page.text
    assert "None" not in page.text
