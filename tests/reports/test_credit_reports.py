"""Credit reports (T25): the PDF, its text, its signature, and the verification page."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, entity, penalty
from tests.conftest import TEST_SECRET

from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.reports import service, signing
from xinyong.reports.service import Requester

BASE = "http://testserver"


def _issue(session: Session, entity_id: int, edition: str = "full", **kw: object) -> tuple[object, str]:
    requester = kw.pop("requester", Requester(actor=ACTOR, entity_id=entity_id))
    return service.issue_report(
        session,
        entity_id=entity_id,
        edition=edition,
        purpose=str(kw.pop("purpose", "bidding")),
        purpose_note="密山市某道路工程招标",
        requester=requester,  # type: ignore[arg-type]
        secret=TEST_SECRET,
        verify_base=BASE,
    )


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_report_pdf_opens_contains_the_records_and_verifies(session: Session, clock: FixedClock) -> None:
    from xinyong.evaluation import service as evaluation

    company = entity(session)
    record = penalty(session)
    evaluation.evaluate_subjects(session, [company.id], actor=Actor.system("test"))
    report, code = _issue(session, company.id)
    pdf = report.pdf  # type: ignore[attr-defined]
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for expected in (
        "公共信用信息报告",
        "详版",
        company.name,
        company.uscc,
        report.number,  # type: ignore[attr-defined]
        code,
        "基本登记信息",
        "行政许可信息",
        "行政处罚信息",
        record.document_number,
        "罚款5000元",
        "名单信息",
        "信用承诺及履行情况",
        "综合信用等级",  # the evaluation's grade and its summary
        "报告说明",
        "招标投标",
    ):
        assert expected in text, expected
    assert f"{BASE}/portal/reports/verify?number={report.number}&code={code}" in text.replace("\n", "")  # type: ignore[attr-defined]
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = [f["/BaseFont"] for f in page["/Resources"]["/Font"].values()]
    assert any("CJK" in str(name) for name in fonts), fonts  # the Chinese font is embedded (as a subset)
    assert report.summary["penalties"] == 1  # type: ignore[attr-defined]
    keys = {signing.key_id(signing.public_key(TEST_SECRET)): signing.public_key(TEST_SECRET)}
    assert signing.verify_pdf(keys, pdf).ok
    # One byte changed anywhere in the signed part: the signature fails.
    for at in (200, len(pdf) // 2, len(pdf) - 200):
        forged = bytearray(pdf)
        forged[at] ^= 0x01
        assert not signing.verify_pdf(keys, bytes(forged)).ok
    # A different platform key does not verify it either.
    other = signing.public_key("another-secret-0123456789-abcdefghijklmnop")
    assert not signing.verify_pdf({signing.key_id(other): other}, pdf).ok


def test_simple_edition_lists_counts(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    record = penalty(session)
    report, _code = _issue(session, company.id, edition="simple")
    text = _text(report.pdf)  # type: ignore[attr-defined]
    assert "简版" in text and "共1条" in text
    assert record.document_number not in text


def test_report_requests_are_checked(session: Session, clock: FixedClock) -> None:
    company, other = entity(session, 1), entity(session, 2)
    with pytest.raises(PermissionDenied, match="只能申请本单位"):
        _issue(session, other.id, requester=Requester(actor=ACTOR, entity_id=company.id))
    with pytest.raises(ValidationFailed, match="报告用途"):
        _issue(session, company.id, purpose="gossip")
    with pytest.raises(ValidationFailed, match="部门查询信用报告的用途"):
        _issue(session, company.id, purpose="finance", requester=Requester(actor=ACTOR, department_id=1))
    report, _ = _issue(session, company.id, purpose="procurement", requester=Requester(actor=ACTOR, department_id=1))
    assert report.requester_kind == "department"  # type: ignore[attr-defined]


def test_verify_by_number_and_code(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    report, code = _issue(session, company.id)
    ok = service.verify_number(session, number=report.number, code=code.lower(), secret=TEST_SECRET)  # type: ignore[attr-defined]
    assert ok.ok and ok.entity is not None and ok.entity.id == company.id
    wrong = service.verify_number(session, number=report.number, code="ZZZZZZZZ", secret=TEST_SECRET)  # type: ignore[attr-defined]
    assert not wrong.ok and "不正确" in wrong.message
    assert not service.verify_number(session, number="", code="", secret=TEST_SECRET).ok


def test_a_server_without_a_chinese_font_refuses_instead_of_printing_empty_boxes(
    session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinyong.core.errors import ServiceUnavailable

    company = entity(session)
    monkeypatch.setenv("PATH", "/nonexistent")  # no fontconfig tools: no font can be found
    service.has_chinese_font.cache_clear()
    try:
        with pytest.raises(ServiceUnavailable, match="未安装中文字体"):
            _issue(session, company.id)
    finally:
        service.has_chinese_font.cache_clear()
