"""Ownership: a department sees and changes only its own data, an entity only its own, the public only public data."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.commitments.support import commit, matter, penalty
from tests.helpers import csrf_from, login, make_user
from tests.lists.support import OPERATOR, dept_id, person_id, propose
from tests.privacy.support import bearer, build

from xinyong.accounts.models import User
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.ingestion import service as ingestion_service
from xinyong.lists import service as lists_service


def test_a_department_sees_and_changes_only_its_own(client: TestClient, db: Database, clock: FixedClock) -> None:
    w = build(db, clock)
    with db.session() as s:
        proposal = propose(s, 2)  # under way at the market regulation bureau: its own file
        noticed = propose(s, 4)
        lists_service.give_notice(
            s, entry_id=noticed.id, document="密市监告〔2026〕9号", department_id=dept_id(s), actor=OPERATOR
        )
        ids = proposal.id, noticed.id
    batch = ingestion_service.create_batch(
        db, kind="penalty", department_code="scjg", actor=OPERATOR, filename="penalties.csv"
    )
    own, other = bearer(db, "operator", "scjg"), bearer(db, "reviewer", "zjj")
    # listing proposals under way are the identifying department's
    listed = client.get("/api/v1/lists/entries", headers=other).json()["entries"]
    assert ids[0] not in {e["id"] for e in listed} and ids[1] not in {e["id"] for e in listed}
    assert {e["status"] for e in listed} <= {"published", "removed"} and listed
    assert client.get(f"/api/v1/lists/entries/{ids[0]}", headers=other).status_code == 404
    assert client.get(f"/api/v1/lists/entries/{ids[0]}", headers=own).status_code == 200
    assert (
        client.post(f"/api/v1/lists/entries/{ids[0]}/notice", json={"document": "x"}, headers=other).status_code == 403
    )
    refused = client.post(f"/api/v1/lists/entries/{ids[1]}/statement", json={"statement": "代为陈述"}, headers=other)
    assert refused.status_code == 403 and "谁认定" in refused.json()["error"]["message"]
    assert (
        client.post(
            f"/api/v1/lists/entries/{ids[1]}/statement", json={"statement": "当事人书面陈述"}, headers=own
        ).status_code
        == 200
    )
    # batches, checks, commitments of another department do not exist for it
    assert client.get(f"/api/v1/batches/{batch}", headers=other).status_code == 404
    assert client.get(f"/api/v1/batches/{batch}", headers=own).status_code == 200
    assert client.get(f"/api/v1/checks/{w.check_code}", headers=bearer(db, "operator", "zjj")).status_code == 404
    assert client.get(f"/api/v1/commitments/{w.commitment_code}", headers=other).status_code == 404
    # the console pages agree
    make_user(db, "zjj-clerk", "operator", "zjj")
    login(client, "zjj-clerk")
    assert client.get(f"/console/lists/{ids[0]}").status_code == 404
    assert client.get(f"/console/ingest/batches/{batch}").status_code == 404
    assert client.get(f"/console/checks/{w.check_code}").status_code == 404
    assert client.get(f"/console/commitments/{w.commitment_id}").status_code == 404
    page = client.get("/console/lists")
    assert f'href="/console/lists/{ids[0]}"' not in page.text


def test_an_entity_sees_and_changes_only_its_own(client: TestClient, db: Database, clock: FixedClock) -> None:
    w = build(db, clock)
    with db.session() as s:
        mine, theirs = penalty(s, 1), penalty(s, 3)
        ids = mine.id, theirs.id
    make_user(db, "company", "entity", None)
    with db.session() as s:
        s.execute(update(User).where(User.username == "company").values(entity_id=w.entity_id))
    login(client, "company")
    assert client.get(f"/console/my/repair/{ids[1]}").status_code in (403, 404)
    assert client.get(f"/console/my/repair/{ids[0]}").status_code == 200
    page = client.get("/console/my/objections")
    assert f'value="{ids[1]}"' not in page.text
    filed = client.post(
        "/console/my/objections",
        data={
            "csrf_token": csrf_from(page.text),
            "record": str(ids[1]),
            "reasons": "处罚对象不是本单位",
            "evidence": "营业执照",
        },
    )
    assert filed.status_code in (403, 422) and "不是本单位" in filed.text
    assert client.get("/console/lists").status_code == 403  # department pages are not an entity's
    assert client.get("/api/v1/lists/entries").status_code == 403


def test_the_public_sees_only_public_data(client: TestClient, db: Database, clock: FixedClock) -> None:
    w = build(db, clock)
    # a published listing names the responsible person (by name only): never an ID number, masked or clear
    listed = client.get(f"/portal/records/{w.person_record_id}")
    assert listed.status_code == 200 and person_id(1) not in listed.text and "2303*" not in listed.text
    with db.session() as s:
        hidden = commit(s, matter(s, code="SCJG-NP"), 1, openness="不可公开").record_id
    assert client.get(f"/portal/records/{hidden}").status_code == 404  # not open to the public
    assert client.get("/api/v1/lists/entries").status_code == 401
    assert client.get(f"/api/v1/checks/{w.check_code}").status_code == 401
    profile = client.get(f"/api/v1/subjects/{w.uscc}")
    assert profile.status_code == 200 and "id_masked" not in profile.text and "2303*" not in profile.text
