"""Report, repair and objection pages through HTTP: request, download, verify (number + code, upload), reviews."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.commitments.support import entity
from tests.helpers import csrf_from, login, make_user
from tests.repair.support import penalty, repair_matter, train

from xinyong.accounts.models import User
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database


def _company_user(db: Database, entity_id: int, username: str = "company") -> None:
    make_user(db, username, "entity", dept=None)
    with db.session() as s:
        s.execute(update(User).where(User.username == username).values(entity_id=entity_id))


def _setup(db: Database) -> tuple[int, int, str]:
    with db.session() as s:
        company = entity(s)
        record = penalty(s)
        repair_matter(s).online_signing = True
        train(s, company)
        ids = company.id, record.id, record.document_number
    _company_user(db, ids[0])
    return ids


def test_entity_requests_downloads_and_anyone_verifies(client: TestClient, db: Database, clock: FixedClock) -> None:
    _entity_id, _record_id, doc = _setup(db)
    login(client, "company")
    page = client.get("/console/reports")
    assert page.status_code == 200 and "申请信用报告" in page.text
    issued = client.post(
        "/console/reports",
        data={"edition": "full", "purpose": "bidding", "purpose_note": "道路工程", "csrf_token": csrf_from(page.text)},
    )
    assert issued.status_code == 200, issued.text
    number, code = re.search(r"报告编号 <strong>(\w+)</strong>，核验码 <strong>(\w+)</strong>", issued.text).groups()  # type: ignore[union-attr]
    link = re.search(r'href="(/console/reports/\d+/pdf)"', issued.text).group(1)  # type: ignore[union-attr]
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and doc.encode() not in pdf.content  # text is in compressed streams

    public = TestClient(client.app, base_url="http://testserver")
    ok = public.get("/portal/reports/verify", params={"number": number, "code": code})
    assert ok.status_code == 200 and "核验通过" in ok.text and number in ok.text
    bad = public.get("/portal/reports/verify", params={"number": number, "code": "WRONG123"})
    assert bad.status_code == 422 and "报告编号或核验码不正确" in bad.text
    form = public.get("/portal/reports/verify")
    token = csrf_from(form.text)
    up = public.post(
        "/portal/reports/verify", data={"csrf_token": token}, files={"file": ("r.pdf", pdf.content, "application/pdf")}
    )
    assert up.status_code == 200 and "签名验证通过" in up.text and number in up.text, re.findall(
        r"核验未通过.{0,80}", up.text
    )
    forged = bytearray(pdf.content)
    forged[len(forged) // 3] ^= 0x20
    up = public.post(
        "/portal/reports/verify",
        data={"csrf_token": token},
        files={"file": ("r.pdf", bytes(forged), "application/pdf")},
    )
    assert up.status_code == 422 and "签名验证失败" in up.text
    up = public.post(
        "/portal/reports/verify",
        data={"csrf_token": token},
        files={"file": ("x.pdf", b"%PDF-1.7 hello", "application/pdf")},
    )
    assert up.status_code == 422 and "未找到报告签名" in up.text
    pem = public.get("/portal/reports/public-key.pem")
    assert pem.status_code == 200 and pem.text.startswith("-----BEGIN PUBLIC KEY-----")
    api = public.get("/api/v1/reports/verify", params={"number": number, "code": code}).json()
    assert api["genuine"] is True and api["report"]["sha256"]
    assert public.get("/api/v1/reports/public-key").json()["algorithm"] == "Ed25519"


def test_entity_cannot_download_another_entitys_report(client: TestClient, db: Database, clock: FixedClock) -> None:
    _setup(db)
    with db.session() as s:
        other_id = entity(s, 2).id
    _company_user(db, other_id, "other")
    login(client, "company")
    page = client.get("/console/reports")
    client.post("/console/reports", data={"edition": "simple", "purpose": "self", "csrf_token": csrf_from(page.text)})
    client.cookies.clear()
    login(client, "other")
    assert client.get("/console/reports/1/pdf").status_code == 403


def test_repair_and_objection_pages(client: TestClient, db: Database, clock: FixedClock) -> None:
    _entity_id, record_id, _doc = _setup(db)
    make_user(db, "reviewer", "reviewer", "scjg")
    login(client, "company")
    page = client.get(f"/console/my/repair/{record_id}")
    assert page.status_code == 200 and "尚未就该记录作出信用修复型承诺" in page.text
    token = csrf_from(page.text)
    signed = client.post(
        f"/console/my/repair/{record_id}/commitment", data={"csrf_token": token, "agree": "1", "legal_rep": "王建国"}
    )
    assert "已签署信用修复承诺" in signed.text, signed.text
    refused = client.post(f"/console/my/repair/{record_id}", data={"csrf_token": token, "reason": "已整改"})
    assert refused.status_code == 422 and "履行义务" in refused.text
    filed = client.post(
        f"/console/my/repair/{record_id}", data={"csrf_token": token, "reason": "已整改", "performance": "已缴纳罚款"}
    )
    assert filed.status_code == 200 and "修复申请已提交" in filed.text
    assert client.get("/console/my/repair").status_code == 200
    assert client.get("/console/my/objections").status_code == 200
    assert client.get("/console/repair").status_code == 403
    client.cookies.clear()
    login(client, "reviewer")
    listing = client.get("/console/repair")
    assert listing.status_code == 200 and "密山市兴凯食品有限公司1" in listing.text
    app_id = re.search(r'href="/console/repair/(\d+)"', listing.text).group(1)  # type: ignore[union-attr]
    detail = client.get(f"/console/repair/{app_id}")
    done = client.post(
        f"/console/repair/{app_id}/decision",
        data={"csrf_token": csrf_from(detail.text), "decision": "approve", "note": "罚款已缴清"},
    )
    assert "已作出决定：已修复" in done.text
    assert client.get("/console/objections").status_code == 200
