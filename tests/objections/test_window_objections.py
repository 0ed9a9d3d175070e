"""Objections about natural persons, filed at the credit service window by a clerk who checked the ID card: the
number must be the record's subject (blind index), never stored or shown whole; the same workflow follows."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, entity
from tests.commitments.support import penalty as company_penalty
from tests.helpers import csrf_from, login, make_user
from tests.objections.window_support import DOC, LI, PDF, ZHANG, person_penalty

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.core.errors import NotFound, PermissionDenied, ValidationFailed
from xinyong.core.identifiers import resident_id_check_char
from xinyong.evidence import service as evidence_service
from xinyong.evidence.models import EvidenceFile
from xinyong.objections import service
from xinyong.objections.models import Objection
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Department


def _window(session: Session, **kw: object) -> Objection:
    values: dict[str, object] = {
        "document_number": DOC,
        "id_number": ZHANG,
        "name": "张三",
        "phone": "13845671234",
        "reasons": "罚款已当场缴纳，处罚决定书记载的金额有误",
        "evidence": "缴款收据（编号0012345）",
        "actor": ACTOR,
        "cipher": CIPHER,
        "window_department_id": _dept(session, "ysj"),
    }
    values.update(kw)
    return service.file_at_window(session, **values)  # type: ignore[arg-type]


def _dept(session: Session, code: str) -> int:
    return int(session.execute(select(Department.id).where(Department.code == code)).scalar_one())


def _count(session: Session) -> int:
    return int(session.execute(select(func.count(Objection.id))).scalar_one())


def test_window_filing_marks_the_record_and_keeps_no_clear_number(session: Session, clock: FixedClock) -> None:
    record = person_penalty(session)
    upload = evidence_service.Upload("收据.pdf", PDF)
    objection = _window(session, files=[upload])
    session.refresh(record)
    assert record.status == states.DISPUTED
    assert objection.entity_id is None and objection.person_id == record.person_id
    assert objection.filed_via == "window" and objection.due_on == date(2026, 12, 4)
    assert objection.applicant_phone_masked == "138****1234"
    assert CIPHER.decrypt(objection.applicant_phone_cipher or "") == "13845671234"
    # the full ID number and phone are nowhere in the objection row
    row = {c.name: getattr(objection, c.key) for c in Objection.__table__.columns}
    assert not any(ZHANG in str(v) or "13845671234" in str(v) for v in row.values())
    label = service.applicant_label(session, objection)
    assert "张三" in label and "2303**********1239" in label and ZHANG not in label
    assert session.execute(select(func.count(EvidenceFile.id))).scalar_one() == 1


def test_a_mismatching_id_number_is_refused_and_changes_nothing(session: Session, clock: FixedClock) -> None:
    record = person_penalty(session)
    person_penalty(session, name="李四", id_number=LI, doc="密市监罚〔2026〕302号")  # another registered person
    with pytest.raises(PermissionDenied, match="身份证号码与该信用记录的信息主体不一致"):
        _window(session, id_number=LI)  # a real person, not this record's subject
    unknown = "23038219850301123" + resident_id_check_char("23038219850301123")
    with pytest.raises(PermissionDenied, match="身份证号码与该信用记录的信息主体不一致"):
        _window(session, id_number=unknown)  # nobody on the platform
    with pytest.raises(ValidationFailed, match="身份证号码无效"):
        _window(session, id_number="230382200001011230")  # wrong check digit
    with pytest.raises(PermissionDenied, match="姓名与身份证号码登记的姓名不一致"):
        _window(session, name="张四")
    with pytest.raises(ValidationFailed) as err:
        _window(session, phone="12345", reasons="", evidence="")
    assert [d["field"] for d in err.value.details] == ["phone"]  # type: ignore[union-attr]
    with pytest.raises(ValidationFailed) as err:
        _window(session, reasons="", evidence="")
    assert [d["field"] for d in err.value.details] == ["reasons", "evidence"]  # type: ignore[union-attr]
    company = entity(session)
    company_record = company_penalty(session)
    assert company_record.entity_id == company.id
    with pytest.raises(NotFound, match="未找到决定文书号"):  # an entity's record is not filed at the window
        _window(session, document_number=company_record.document_number)
    session.refresh(record)
    assert record.status == states.VALID and _count(session) == 0


def test_window_objection_follows_the_workflow_to_a_correction(session: Session, clock: FixedClock) -> None:
    record = person_penalty(session)
    objection = _window(session)
    extended = service.extend(
        session, objection_id=objection.id, reason="需调取缴款记录", actor=ACTOR, department_id=record.department_id
    )
    assert extended.due_on > date(2026, 12, 4)
    with pytest.raises(PermissionDenied):  # only the providing department decides
        service.decide(
            session,
            objection_id=objection.id,
            outcome="revoke",
            reason="x",
            actor=ACTOR,
            department_id=_dept(session, "sw"),
            cipher=CIPHER,
        )
    decided = service.decide(
        session,
        objection_id=objection.id,
        outcome="correct",
        reason="罚款金额录入有误，予以更正",
        actor=ACTOR,
        department_id=record.department_id,
        cipher=CIPHER,
        corrected_fields={"CF_NR": "罚款300元"},
    )
    assert decided.outcome == "correct" and decided.new_record_id is not None
    new = session.get(CreditRecord, decided.new_record_id)
    assert new is not None and new.person_id == record.person_id and new.fields["CF_NR"] == "罚款300元"
    assert new.fields["CF_XDR_ZJHM"] == "2303**********1239"  # still masked in the new version
    session.refresh(record)
    assert record.status == states.CORRECTED


def test_window_objection_revoked(session: Session, clock: FixedClock) -> None:
    record = person_penalty(session)
    objection = _window(session)
    service.decide(
        session,
        objection_id=objection.id,
        outcome="revoke",
        reason="处罚决定已被复议撤销",
        actor=ACTOR,
        department_id=record.department_id,
        cipher=CIPHER,
    )
    session.refresh(record)
    assert record.status == states.REVOKED


def test_clerk_files_at_the_window_and_prints_the_outcome(client: TestClient, db: Database, clock: FixedClock) -> None:
    with db.session() as s:
        record_id = person_penalty(s).id
    make_user(db, "clerk", "operator", "ysj")
    make_user(db, "scjg-reviewer", "reviewer", "scjg")
    make_user(db, "other-clerk", "operator", "sw")
    login(client, "clerk")
    page = client.get("/console/objections/window")
    assert page.status_code == 200 and "身份证号码（核验证件原件后录入）" in page.text
    form = {
        "csrf_token": csrf_from(page.text),
        "document_number": DOC,
        "id_number": LI,
        "name": "张三",
        "phone": "13845671234",
        "reasons": "罚款金额有误",
        "evidence": "缴款收据",
    }
    refused = client.post("/console/objections/window", data=form)
    assert refused.status_code == 422 and "身份证号码与该信用记录的信息主体不一致" in refused.text
    assert LI not in refused.text and "罚款金额有误" in refused.text  # the number is not echoed, the rest is kept
    with db.session() as s:
        assert _count(s) == 0 and s.get(CreditRecord, record_id).status == states.VALID  # type: ignore[union-attr]

    filed = client.post(
        "/console/objections/window",
        data={**form, "id_number": ZHANG},
        files=[("evidence_files", ("收据.pdf", PDF, "application/pdf"))],
    )
    assert filed.status_code == 200 and "异议已受理" in filed.text, filed.text
    assert ZHANG not in filed.text and "13845671234" not in filed.text
    sheet_url = re.search(r'href="(/console/objections/window/\d+)"', filed.text).group(1)  # type: ignore[union-attr]
    receipt = client.get(sheet_url)
    assert "信用信息异议受理回执" in receipt.text and "2303**********1239" in receipt.text and ZHANG not in receipt.text

    client.cookies.clear()
    login(client, "other-clerk")  # another department's window does not see it
    assert client.get(sheet_url).status_code == 403

    client.cookies.clear()
    login(client, "scjg-reviewer")
    listing = client.get("/console/objections")
    assert "张三（自然人" in listing.text
    objection_id = re.search(r'href="/console/objections/(\d+)"', listing.text).group(1)  # type: ignore[union-attr]
    detail = client.get(f"/console/objections/{objection_id}")
    assert "收据.pdf" in detail.text and ZHANG not in detail.text
    done = client.post(
        f"/console/objections/{objection_id}/decision",
        data={"csrf_token": csrf_from(detail.text), "outcome": "maintain", "reason": "经核查，处罚金额无误"},
    )
    assert "已办结：维持" in done.text

    client.cookies.clear()
    login(client, "clerk")
    listing = client.get("/console/objections/window")
    assert "处理结果告知书" in listing.text
    outcome = client.get(sheet_url)
    assert "信用信息异议处理结果告知书" in outcome.text and "维持。理由：经核查，处罚金额无误" in outcome.text
    evidence_link = re.search(r'href="(/console/evidence/\d+)"', outcome.text).group(1)  # type: ignore[union-attr]
    assert client.get(evidence_link).content == PDF  # the window that filed it may open the evidence
