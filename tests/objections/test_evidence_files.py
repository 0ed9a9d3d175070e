"""Evidence files with objections and repair applications: type by magic bytes, size and count limits, nothing
half-written on a bad file, listed for the applicant and the deciding department, downloaded only by them and the
credit office."""

from __future__ import annotations

import hashlib
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from tests.commitments.support import entity
from tests.helpers import csrf_from, login, make_user
from tests.repair.support import penalty, repair_matter, train

from xinyong.accounts.models import User
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.evidence import service as evidence_service
from xinyong.evidence.models import EvidenceFile
from xinyong.objections.models import Objection
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.repair.models import RepairApplication

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _entity_user(db: Database, username: str, entity_id: int) -> None:
    make_user(db, username, "entity", dept=None)
    with db.session() as s:
        s.execute(update(User).where(User.username == username).values(entity_id=entity_id))


def _setup(db: Database) -> tuple[int, int]:
    with db.session() as s:
        company, other = entity(s, 1), entity(s, 2)
        record = penalty(s)
        repair_matter(s).online_signing = True
        train(s, company)
        ids = record.id, other.id, company.id
    _entity_user(db, "company", ids[2])
    _entity_user(db, "other", ids[1])
    make_user(db, "scjg-reviewer", "reviewer", "scjg")
    make_user(db, "sw-reviewer", "reviewer", "sw")
    make_user(db, "office", "admin", "ysj")
    return ids[0], ids[1]


def _record_status(db: Database, record_id: int) -> str:
    with db.session() as s:
        record = s.get(CreditRecord, record_id)
        assert record is not None
        return record.status


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_limits_and_types_are_checked_by_content() -> None:
    limits = evidence_service.Limits(max_bytes=1024 * 1024, max_files=2)
    ok = [evidence_service.Upload("决定书.pdf", PDF), evidence_service.Upload("凭证.PNG", PNG)]
    assert evidence_service.check(ok, limits) == []
    bad = evidence_service.check(
        [
            evidence_service.Upload("伪装.pdf", b"MZ\x90\x00 an executable"),
            evidence_service.Upload("照片.jpg", JPG + b"\x00" * 1024 * 1024),
            evidence_service.Upload("空.png", b""),
        ],
        limits,
    )
    assert bad == [
        "证明材料文件最多2个，本次选择了3个",
        "文件“伪装.pdf”不是PDF、JPG、PNG文件（按文件内容判断，与扩展名无关）",
        "文件“照片.jpg”超过1MB的大小限制",
        "文件“空.png”是空文件",
    ]
    # a JPG named .txt is accepted (the content decides); folders in the name are dropped
    assert evidence_service.check([evidence_service.Upload("a.txt", JPG)], limits) == []
    assert evidence_service.clean_name("C:\\Users\\王\\决定书.pdf") == "决定书.pdf"
    assert evidence_service.clean_name("../../etc/passwd") == "passwd"


def test_objection_with_files_listed_and_downloaded_only_by_those_entitled(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    record_id, _other = _setup(db)
    login(client, "company")
    page = client.get("/console/my/objections")
    assert 'enctype="multipart/form-data"' in page.text and 'name="evidence_files"' in page.text
    token = csrf_from(page.text)

    # a file that is not a PDF/JPG/PNG (by content): clear error naming it, nothing written, record unchanged
    refused = client.post(
        "/console/my/objections",
        data={"csrf_token": token, "record": str(record_id), "reasons": "罚款金额有误", "evidence": "决定书"},
        files=[
            ("evidence_files", ("决定书.pdf", PDF, "application/pdf")),
            ("evidence_files", ("凭证.pdf", b"<html>not a pdf</html>", "application/pdf")),
        ],
    )
    assert refused.status_code == 422
    assert "文件“凭证.pdf”不是PDF、JPG、PNG文件" in refused.text
    assert _count(db, Objection) == 0 and _count(db, EvidenceFile) == 0
    assert _record_status(db, record_id) == states.VALID

    filed = client.post(
        "/console/my/objections",
        data={"csrf_token": token, "record": str(record_id), "reasons": "罚款金额有误，实为3000元", "evidence": ""},
        files=[
            ("evidence_files", ("决定书.pdf", PDF, "application/pdf")),
            ("evidence_files", ("缴款凭证.jpg", JPG, "image/jpeg")),
        ],
    )
    assert filed.status_code == 200 and "异议已提交" in filed.text, filed.text
    assert _record_status(db, record_id) == states.DISPUTED
    links = re.findall(r'href="(/console/evidence/\d+)">([^<]+)</a>', filed.text)
    assert [name for _l, name in links] == ["决定书.pdf", "缴款凭证.jpg"]
    pdf_link = links[0][0]
    got = client.get(pdf_link)
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(PDF).hexdigest()[:16] in filed.text
    with db.session() as s:
        row = s.execute(select(EvidenceFile).where(EvidenceFile.name == "决定书.pdf")).scalar_one()
        assert row.sha256 == hashlib.sha256(PDF).hexdigest() and row.size == len(PDF) and row.owner_kind == "objection"

    # another entity, another department, the public: refused
    for user in ("other", "sw-reviewer"):
        client.cookies.clear()
        login(client, user)
        assert client.get(pdf_link).status_code == 403, user
    client.cookies.clear()
    assert client.get(pdf_link, follow_redirects=False).status_code in (303, 401)
    # the providing department sees the files on its review page and downloads them; so does the credit office
    for user in ("scjg-reviewer", "office"):
        client.cookies.clear()
        login(client, user)
        listing = client.get("/console/objections")
        objection_id = re.search(r'href="/console/objections/(\d+)"', listing.text).group(1)  # type: ignore[union-attr]
        detail = client.get(f"/console/objections/{objection_id}")
        assert "决定书.pdf" in detail.text and "缴款凭证.jpg" in detail.text
        assert client.get(pdf_link).content == PDF


def test_repair_application_with_files(client: TestClient, db: Database, clock: FixedClock) -> None:
    record_id, _other = _setup(db)
    login(client, "company")
    page = client.get(f"/console/my/repair/{record_id}")
    token = csrf_from(page.text)
    client.post(
        f"/console/my/repair/{record_id}/commitment", data={"csrf_token": token, "agree": "1", "legal_rep": "王建国"}
    )
    form = {"csrf_token": token, "reason": "已整改", "performance": "已于2026年3月10日缴纳罚款5000元"}
    too_many = [("evidence_files", (f"凭证{i}.png", PNG, "image/png")) for i in range(6)]
    refused = client.post(f"/console/my/repair/{record_id}", data=form, files=too_many)
    assert refused.status_code == 422 and "证明材料文件最多5个，本次选择了6个" in refused.text
    big = [("evidence_files", ("扫描件.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf"))]
    refused = client.post(f"/console/my/repair/{record_id}", data=form, files=big)
    assert refused.status_code == 422 and "文件“扫描件.pdf”超过10MB的大小限制" in refused.text
    assert _count(db, RepairApplication) == 0 and _count(db, EvidenceFile) == 0

    filed = client.post(
        f"/console/my/repair/{record_id}", data=form, files=[("evidence_files", ("缴款凭证.png", PNG, "image/png"))]
    )
    assert filed.status_code == 200 and "修复申请已提交" in filed.text
    mine = client.get("/console/my/repair")
    link = re.search(r'href="(/console/evidence/\d+)">缴款凭证.png</a>', mine.text).group(1)  # type: ignore[union-attr]
    assert client.get(link).content == PNG
    client.cookies.clear()
    login(client, "scjg-reviewer")
    listing = client.get("/console/repair")
    app_id = re.search(r'href="/console/repair/(\d+)"', listing.text).group(1)  # type: ignore[union-attr]
    assert link in client.get(f"/console/repair/{app_id}").text
    assert client.get(link).content == PNG
    client.cookies.clear()
    login(client, "sw-reviewer")
    assert client.get(link).status_code == 403
