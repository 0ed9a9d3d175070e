"""Every path through which a government user sees a natural person's credit information asks for a purpose and a
basis (or the person's authorisation) and registers the access (RULES.md §9, T29)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.helpers import csrf_from
from tests.lists.support import person_id
from tests.privacy.support import STATED, World, as_user, bearer, build, count, registrations

from xinyong.checks.models import CreditCheck
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database


@dataclass(frozen=True)
class Path:
    """A page or API route showing persons' information; ``who``: op (operator session), admin, token."""

    name: str
    url: str
    who: str
    person: str  # the World field naming the person shown
    section: str
    advance_days: int = 0


def _open(client: TestClient, db: Database, who: str) -> dict[str, str]:
    if who == "token":
        return bearer(db)
    as_user(client, db, f"u-{who}", "admin" if who == "admin" else "operator")
    return {}


def _url(path: Path, w: World) -> str:
    return path.url.format(w=w)


DETAILS = [
    Path("名单条目API", "/api/v1/lists/entries/{w.person_entry_id}", "token", "person_id", "lists"),
    Path("名单条目页", "/console/lists/{w.person_entry_id}", "op", "person_id", "lists"),
    Path("信用记录公示期说明", "/console/records/{w.person_record_id}/window", "admin", "person_id", "records"),
    Path("信用等级解释页", "/console/evaluation/entities/{w.entity_id}", "op", "person_id", "records"),
    Path("信用等级解释API", "/api/v1/evaluation/subjects/{w.uscc}", "token", "person_id", "records"),
    Path("信用承诺页", "/console/commitments/{w.commitment_id}", "op", "commitment_person_id", "commitments"),
    Path("信用承诺API", "/api/v1/commitments/{w.commitment_code}", "token", "commitment_person_id", "commitments"),
    Path("信用核查结果页", "/console/checks/{w.check_code}", "op", "person_id", "checks"),
    Path("嵌入式核查结果页", "/embed/check/{w.check_code}", "op", "person_id", "checks"),
    Path("信用核查API", "/api/v1/checks/{w.check_code}", "token", "person_id", "checks"),
]

OVERVIEWS = [
    Path("名单列表API", "/api/v1/lists/entries", "token", "person_id", "lists"),
    Path("名单管理页", "/console/lists", "op", "person_id", "lists"),
    Path("禁入API", "/api/v1/bans", "token", "ban_person_id", "bans"),
    Path("禁入页", "/console/bans", "op", "ban_person_id", "bans"),
    Path("整改约谈页", "/console/supervision", "op", "person_id", "supervision"),
    Path("诚信教育页", "/console/education", "op", "person_id", "education"),
    Path("信用承诺列表页", "/console/commitments", "op", "commitment_person_id", "commitments"),
    Path("核查提醒页", "/console/commitments/overdue", "op", "commitment_person_id", "commitments", 60),
    Path("逾期承诺API", "/api/v1/commitments/overdue", "token", "commitment_person_id", "commitments", 60),
]


def _assert_registered(db: Database, w: World, path: Path, before: int) -> None:
    rows = registrations(db)[before:]
    person = getattr(w, path.person)
    mine = [r for r in rows if r.person_id == person]
    assert mine, f"{path.name}: no registration for the person shown"
    row = mine[0]
    assert row.purpose == STATED["purpose"] and row.basis_code == "admin-licensing"
    assert row.basis_title and "行政许可法" in row.basis_title
    assert (row.shown == [path.section] and row.path.endswith(path.url.split("{")[0].rstrip("/"))) or row.path
    assert row.department_name == "密山市市场监督管理局" and row.actor


def _asks(response: Any, path: Path) -> None:
    assert response.status_code == 428, response.text
    if path.url.startswith("/api/"):
        error = response.json()["error"]
        assert error["code"] == "purpose_required" and "查询目的" in error["message"]
    else:
        assert 'id="purpose-form"' in response.text and "法律依据" in response.text


@pytest.mark.parametrize("path", DETAILS, ids=[p.name for p in DETAILS])
def test_detail_path_asks_for_purpose_then_registers(
    client: TestClient, db: Database, clock: FixedClock, path: Path
) -> None:
    w = build(db, clock)
    headers = _open(client, db, path.who)
    before = count(db)
    _asks(client.get(_url(path, w), headers=headers), path)
    assert count(db) == before  # nothing shown, nothing registered
    wrong = client.get(_url(path, w), headers=headers, params={**STATED, "basis": "no-such-law"})
    assert wrong.status_code == 428 and "不在依据清单内" in wrong.text
    shown = client.get(_url(path, w), headers=headers, params=STATED)
    assert shown.status_code == 200, shown.text
    _assert_registered(db, w, path, before)


@pytest.mark.parametrize("path", OVERVIEWS, ids=[p.name for p in OVERVIEWS])
def test_overview_withholds_persons_until_purpose_then_registers(
    client: TestClient, db: Database, clock: FixedClock, path: Path
) -> None:
    w = build(db, clock)
    clock.advance(days=path.advance_days)
    headers = _open(client, db, path.who)
    before = count(db)
    plain = client.get(_url(path, w), headers=headers)
    assert plain.status_code == 200, plain.text
    if path.url.startswith("/api/"):
        assert plain.json()["persons_withheld"] >= 1 and "查询目的" in plain.json()["persons_notice"]
    else:
        assert 'id="persons-withheld"' in plain.text
    assert count(db) == before
    assert client.get(_url(path, w), headers=headers, params={"purpose": "看看"}).status_code == 428
    shown = client.get(_url(path, w), headers=headers, params=STATED)
    assert shown.status_code == 200
    assert "persons_withheld" not in shown.text and 'id="persons-withheld"' not in shown.text
    _assert_registered(db, w, path, before)


def _checks(db: Database) -> int:
    with db.session() as s:
        return int(s.execute(select(func.count()).select_from(CreditCheck)).scalar_one())


def test_check_api_on_a_person_needs_purpose_and_registers(client: TestClient, db: Database, clock: FixedClock) -> None:
    w = build(db, clock)
    headers = bearer(db)
    before, checks = count(db), _checks(db)
    body = {"subject": person_id(1), "matter": "procurement"}
    refused = client.post("/api/v1/checks", json=body, headers=headers)
    assert refused.status_code == 428 and "查询目的" in refused.json()["error"]["message"]
    assert count(db) == before and _checks(db) == checks  # neither the check nor a registration was kept
    done = client.post("/api/v1/checks", json={**body, **STATED}, headers=headers)
    assert done.status_code == 201, done.text
    [row] = registrations(db)[before:]
    assert row.reference == f"check:{done.json()['id']}" and row.person_id == w.person_id and row.role == "operator"
    # the same caller reading the result again: registered under the purpose it stated
    assert client.get(f"/api/v1/checks/{done.json()['id']}", headers=headers).status_code == 200
    assert [r.purpose for r in registrations(db)[before:]] == [STATED["purpose"]] * 2
    # an entity's check needs nothing and registers nothing
    assert (
        client.post("/api/v1/checks", json={"subject": w.uscc, "matter": "procurement"}, headers=headers).status_code
        == 201
    )
    assert count(db) == before + 2


def test_check_api_on_a_person_accepts_an_authorisation_that_covers_checks(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    w = build(db, clock)
    as_user(client, db, "clerk", "operator")
    base = {
        "csrf_token": csrf_from(client.get("/console/privacy/authorisations").text),
        "name": "王建国",
        "id_number": person_id(1),
        "purpose": "本人申请人才公寓审核",
        "granted_on": clock.today().isoformat(),
        "expires_on": "2027-06-30",
        "evidence_note": "本人在政务服务中心窗口现场签署，核验身份证原件",
    }
    numbers = {}
    for scope in ("lists", "checks"):
        ok = client.post("/console/privacy/authorisations", data={**base, "scope": [scope]})
        assert ok.status_code == 200, ok.text
        numbers[scope] = ok.text.split("授权编号")[1].split("（")[0]
    client.cookies.clear()
    headers = bearer(db)
    before, checks = count(db), _checks(db)
    body = {"subject": person_id(1), "matter": "procurement", "purpose": "人才公寓审核"}
    # read on the check's own connection: the scope decides, and a refusal writes nothing
    narrow = client.post("/api/v1/checks", json={**body, "authorisation": numbers["lists"]}, headers=headers)
    assert narrow.status_code == 428 and "授权范围不包括" in narrow.json()["error"]["message"]
    assert count(db) == before and _checks(db) == checks
    done = client.post("/api/v1/checks", json={**body, "authorisation": numbers["checks"]}, headers=headers)
    assert done.status_code == 201, done.text
    [row] = registrations(db)[before:]
    assert row.authorisation_id == int(numbers["checks"]) and row.basis_code is None and row.person_id == w.person_id
    assert row.reference == f"check:{done.json()['id']}" and _checks(db) == checks + 1


@pytest.mark.parametrize("base", ["/console/checks", "/embed/check"])
def test_check_form_on_a_person_needs_purpose_and_registers(
    client: TestClient, db: Database, clock: FixedClock, base: str
) -> None:
    w = build(db, clock)
    as_user(client, db, "clerk", "operator")
    token = csrf_from(client.get(base).text)
    before = count(db)
    form = {"subject": person_id(1), "matter": "procurement", "csrf_token": token}
    refused = client.post(base, data=form, follow_redirects=False)
    assert refused.status_code == 422 and "须说明查询目的" in refused.text and count(db) == before
    done = client.post(base, data={**form, **STATED}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"])
    assert page.status_code == 200 and "核查结论" in page.text
    rows = registrations(db, w.person_id)[-2:]
    assert [r.path.split(" ")[0] for r in rows] == ["POST", "GET"] and {r.purpose for r in rows} == {STATED["purpose"]}


def test_check_feedback_page_registers_under_the_stated_purpose(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    w = build(db, clock)
    as_user(client, db, "clerk", "operator")
    assert client.get(f"/console/checks/{w.check_code}", params=STATED).status_code == 200
    before = count(db)
    token = csrf_from(client.get(f"/console/checks/{w.check_code}").text)
    answer = client.post(f"/console/checks/{w.check_code}/feedback", data={"csrf_token": token})
    assert answer.status_code == 422  # no outcome chosen; the result is shown again
    assert count(db) == before + 2 and registrations(db)[-1].path.startswith("POST /console/checks/")


def test_list_step_page_registers_under_the_stated_purpose(client: TestClient, db: Database, clock: FixedClock) -> None:
    w = build(db, clock)
    as_user(client, db, "clerk", "operator")
    page = client.get(f"/console/lists/{w.person_entry_id}", params=STATED)
    assert page.status_code == 200
    before = count(db)
    step = client.post(f"/console/lists/{w.person_entry_id}/statement", data={"csrf_token": csrf_from(page.text)})
    assert step.status_code in (200, 422)
    [row] = registrations(db)[before:]
    assert row.purpose == STATED["purpose"] and row.path.startswith("POST /console/lists/")


def test_subject_api_shows_persons_numbers_only_with_purpose(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    w = build(db, clock)
    headers = bearer(db)
    before = count(db)
    plain = client.get(f"/api/v1/subjects/{w.uscc}", headers=headers)
    assert plain.status_code == 200 and "id_masked" not in plain.text and count(db) == before
    full = client.get(f"/api/v1/subjects/{w.uscc}", headers=headers, params=STATED)
    assert full.json()["relations"][0]["id_masked"].startswith("2303")
    [row] = registrations(db)[before:]
    assert row.person_id == w.person_id and row.shown == ["relations"]
    # the public portal's own API call for an entity registers nothing
    assert client.get(f"/api/v1/subjects/{w.uscc}").status_code == 200 and count(db) == before + 1


def test_authorisation_instead_of_basis(client: TestClient, db: Database, clock: FixedClock) -> None:
    w = build(db, clock)
    as_user(client, db, "clerk", "operator")
    page = client.get("/console/privacy/authorisations")
    token = csrf_from(page.text)
    base = {
        "csrf_token": token,
        "name": "王建国",
        "id_number": person_id(1),
        "purpose": "本人申请人才公寓审核",
        "granted_on": clock.today().isoformat(),
        "evidence_note": "本人在政务服务中心窗口现场签署，核验身份证原件",
    }
    lifetime = client.post("/console/privacy/authorisations", data={**base, "scope": ["lists"]})
    assert lifetime.status_code == 422 and "终身授权" in lifetime.text
    too_long = client.post(
        "/console/privacy/authorisations", data={**base, "scope": ["lists"], "expires_on": "2028-12-31"}
    )
    assert too_long.status_code == 422 and "授权期限最长365天" in too_long.text
    ok = client.post("/console/privacy/authorisations", data={**base, "scope": ["lists"], "expires_on": "2027-06-30"})
    assert ok.status_code == 200 and "已登记授权，授权编号" in ok.text
    auth_id = ok.text.split("授权编号")[1].split("（")[0]
    url = f"/console/lists/{w.person_entry_id}"
    assert client.get(url, params={"purpose": "人才公寓审核", "authorisation": auth_id}).status_code == 200
    assert registrations(db)[-1].authorisation_id == int(auth_id)
    # the authorisation covers the lists only, and only this person
    window_denied = client.get(
        f"/console/evaluation/entities/{w.entity_id}", params={"purpose": "人才公寓审核", "authorisation": auth_id}
    )
    assert window_denied.status_code == 428 and "授权范围不包括" in window_denied.text
    clock.advance(days=400)
    client.cookies.clear()
    as_user(client, db, "clerk2", "operator")
    expired = client.get(url, params={"purpose": "人才公寓审核", "authorisation": auth_id})
    assert expired.status_code == 428 and "不在有效期内" in expired.text


def test_window_prints_who_queried_the_person(client: TestClient, db: Database, clock: FixedClock) -> None:
    w = build(db, clock)
    as_user(client, db, "clerk", "operator")
    client.get(f"/console/lists/{w.person_entry_id}", params=STATED)
    client.cookies.clear()
    as_user(client, db, "window", "admin")
    token = csrf_from(client.get("/console/privacy/person-report").text)
    form = {"csrf_token": token, "name": "王建国", "id_number": person_id(1)}
    unverified = client.post("/console/privacy/person-report", data=form)
    assert unverified.status_code == 422 and "核验本人有效身份证件" in unverified.text
    wrong = client.post("/console/privacy/person-report", data={**form, "name": "王建", "verified": "1"})
    assert wrong.status_code == 422 and "姓名与证件号码不一致" in wrong.text
    report = client.post("/console/privacy/person-report", data={**form, "verified": "1"})
    assert report.status_code == 200
    assert "clerk" in report.text and STATED["purpose"] in report.text and "名单及个人责任" in report.text
    assert person_id(1) not in report.text
    last = registrations(db, w.person_id)[-1]
    assert last.basis_code == "pipl-45" and last.actor == "window"


def test_public_and_entity_pages_pay_nothing_for_the_gate(client: TestClient, db: Database, clock: FixedClock) -> None:
    """The portal's entity pages and an entity's own pages run no query for the gate (it decides from the caller)."""
    from sqlalchemy import event

    w = build(db, clock)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.lower())

    for engine in {db.engine, db.write_engine}:
        event.listen(engine, "before_cursor_execute", seen)
    for url in (f"/portal/entities/{w.uscc}", f"/portal/entities/{w.uscc}/print", f"/api/v1/subjects/{w.uscc}"):
        assert client.get(url).status_code == 200
    assert statements and not [s for s in statements if "person_query" in s or "person_authorisation" in s]
    statements.clear()
    as_user(client, db, "reader", "operator")
    client.get(f"/api/v1/subjects/{w.uscc}")  # a department's profile call without a statement: the public view
    assert statements and not [s for s in statements if "person_query" in s]
