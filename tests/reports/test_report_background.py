"""Large credit reports are rendered in the background: the request answers 生成中 at once, the worker renders,
signs and stores the PDF; failures are stored and can be retried; a restart re-queues pending reports."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, entity, penalty
from tests.conftest import TEST_SECRET
from tests.helpers import csrf_from, login, make_user

from xinyong.accounts.models import User
from xinyong.app import create_app
from xinyong.core.clock import FixedClock
from xinyong.core.config import Settings
from xinyong.core.db import Database
from xinyong.reports import service, signing
from xinyong.reports.models import CreditReport
from xinyong.reports.service import Requester

SHIPPED = service.load_rules()


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Reports printing more than 2 rows count as large (so the tests need not render hundreds of rows)."""
    monkeypatch.setattr(service, "load_rules", lambda: SHIPPED.model_copy(update={"background_rows": 2}))
    yield


def _company(db: Database, penalties: int) -> tuple[int, list[str]]:
    with db.session() as s:
        company = entity(s)
        docs = [penalty(s, 1, CF_WSH=f"密市监罚〔2026〕{100 + i}号").document_number for i in range(penalties)]
        company_id = company.id
    make_user(db, "company", "entity", dept=None)
    with db.session() as s:
        s.execute(update(User).where(User.username == "company").values(entity_id=company_id))
    return company_id, docs


def _wait_ready(client: TestClient, status_url: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(status_url)
        if "报告已生成" in page.text or "报告生成失败" in page.text:
            return page.text
        assert page.status_code == 202 and "报告正在生成" in page.text
        time.sleep(0.3)
    raise AssertionError("the report was not rendered in time")


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_shipped_threshold_is_rule_data_and_counts_printed_rows(session: Session, clock: FixedClock) -> None:
    assert SHIPPED.background_rows == 40
    company = entity(session)
    for i in range(41):
        penalty(session, 1, CF_WSH=f"密市监罚〔2026〕{200 + i}号")
    kwargs = dict(
        entity_id=company.id,
        purpose="bidding",
        purpose_note=None,
        requester=Requester(actor=ACTOR, entity_id=company.id),
        secret=TEST_SECRET,
        verify_base="http://testserver",
        background=True,
    )
    full, code = service.issue_report(session, edition="full", **kwargs)  # type: ignore[arg-type]
    # 41 penalty rows > 40: stored 生成中, nothing rendered yet, the code kept only until the PDF prints it
    assert full.status == service.PENDING and full.pdf == b"" and full.pending_code == code
    assert full.summary["penalties"] == 41
    assert service.verify_number(session, number=full.number, code=code, secret=TEST_SECRET).ok is False
    # the simple edition prints counts only: small, rendered at once
    simple, _ = service.issue_report(session, edition="simple", **kwargs)  # type: ignore[arg-type]
    assert simple.status == service.READY and simple.pdf.startswith(b"%PDF-") and simple.pending_code is None


def test_large_report_answers_at_once_then_becomes_downloadable(
    client: TestClient, db: Database, clock: FixedClock, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _company_id, docs = _company(db, 3)
    release, entered = threading.Event(), threading.Event()
    real_render = service.render_pdf

    def held_render(content: service.ReportContent) -> bytes:
        entered.set()
        assert release.wait(60), "the test never released the renderer"
        return real_render(content)

    monkeypatch.setattr(service, "render_pdf", held_render)
    login(client, "company")
    page = client.get("/console/reports")
    started = time.monotonic()
    answer = client.post(
        "/console/reports",
        data={"edition": "full", "purpose": "bidding", "purpose_note": "", "csrf_token": csrf_from(page.text)},
    )
    # answered while the renderer is still held: the request did not wait for rendering
    assert time.monotonic() - started < 30 and not release.is_set()
    assert answer.status_code == 202 and "报告正在生成" in answer.text
    assert re.search(r'http-equiv="refresh" content="\d+;url=/console/reports/\d+"', answer.text)
    number, code = re.search(r"报告编号 <strong>(\w+)</strong>，核验码 <strong>(\w+)</strong>", answer.text).groups()  # type: ignore[union-attr]
    status_url = re.search(r'url=(/console/reports/\d+)"', answer.text).group(1)  # type: ignore[union-attr]
    assert client.get(status_url + "/pdf").status_code == 409
    listing = client.get("/console/reports")
    assert number in listing.text and "生成中" in listing.text
    # while the worker renders, other requests still write (no write lock is held during rendering)
    assert entered.wait(30)
    started = time.monotonic()
    with db.session() as s:
        s.execute(update(User).where(User.username == "company").values(display_name="兴凯食品经办人"))
    assert time.monotonic() - started < 10 and not release.is_set()

    release.set()
    done = _wait_ready(client, status_url)
    assert "报告已生成" in done and "http-equiv" not in done
    pdf = client.get(status_url + "/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = _text(pdf.content)
    assert number in text and code in text and all(d in text for d in docs)
    keys = {signing.key_id(signing.public_key(TEST_SECRET)): signing.public_key(TEST_SECRET)}
    assert signing.verify_pdf(keys, pdf.content).ok
    ok = client.get("/portal/reports/verify", params={"number": number, "code": code})
    assert ok.status_code == 200 and "核验通过" in ok.text
    with db.session() as s:
        report = s.execute(select(CreditReport).where(CreditReport.number == number)).scalar_one()
        assert report.pending_code is None and report.status == service.READY


def test_failure_is_stored_in_chinese_and_can_be_retried(
    client: TestClient, db: Database, clock: FixedClock, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _company(db, 3)
    real_render = service.render_pdf

    def broken(content: service.ReportContent) -> bytes:
        raise RuntimeError("pango crashed")

    monkeypatch.setattr(service, "render_pdf", broken)
    login(client, "company")
    page = client.get("/console/reports")
    answer = client.post(
        "/console/reports", data={"edition": "full", "purpose": "self", "csrf_token": csrf_from(page.text)}
    )
    assert answer.status_code == 202
    code = re.search(r"核验码 <strong>(\w+)</strong>", answer.text).group(1)  # type: ignore[union-attr]
    status_url = re.search(r'url=(/console/reports/\d+)"', answer.text).group(1)  # type: ignore[union-attr]
    failed = _wait_ready(client, status_url)
    assert "报告生成失败" in failed and "重新生成" in failed and "pango" not in failed
    assert client.get(status_url + "/pdf").status_code == 409

    monkeypatch.setattr(service, "render_pdf", real_render)
    again = client.post(status_url + "/retry", data={"csrf_token": csrf_from(failed)})
    assert again.status_code in (200, 202)
    done = _wait_ready(client, status_url)
    assert "报告已生成" in done
    pdf = client.get(status_url + "/pdf").content
    assert code in _text(pdf)  # the same verification code as given at the request
    # a report that is not failed cannot be retried
    assert client.post(status_url + "/retry", data={"csrf_token": csrf_from(done)}).status_code == 409


def test_another_entity_cannot_see_a_pending_report(
    client: TestClient, db: Database, clock: FixedClock, small_threshold: None
) -> None:
    company_id, _ = _company(db, 3)
    with db.session() as s:
        other = entity(s, 2)
        report, _code = service.issue_report(
            s,
            entity_id=company_id,
            edition="full",
            purpose="self",
            purpose_note=None,
            requester=Requester(actor=ACTOR, entity_id=company_id),
            secret=TEST_SECRET,
            verify_base="http://testserver",
            background=True,
        )
        report_id, other_id = report.id, other.id
    make_user(db, "other", "entity", dept=None)
    with db.session() as s:
        s.execute(update(User).where(User.username == "other").values(entity_id=other_id))
    login(client, "other")
    assert client.get(f"/console/reports/{report_id}").status_code == 403


def test_restart_requeues_pending_reports(
    settings: Settings, db: Database, clock: FixedClock, small_threshold: None
) -> None:
    company_id, docs = _company(db, 3)
    with db.session() as s:  # requested, then the server stopped before the worker rendered it
        report, code = service.issue_report(
            s,
            entity_id=company_id,
            edition="full",
            purpose="self",
            purpose_note=None,
            requester=Requester(actor=ACTOR, entity_id=company_id),
            secret=settings.signing_secret,
            verify_base="http://testserver",
            background=True,
        )
        report_id, number = report.id, report.number
    assert report.status == service.PENDING
    with TestClient(create_app(settings, db), base_url="http://testserver") as restarted:
        login(restarted, "company")
        done = _wait_ready(restarted, f"/console/reports/{report_id}")
        assert "报告已生成" in done
        pdf = restarted.get(f"/console/reports/{report_id}/pdf").content
    text = _text(pdf)
    assert number in text and code in text and docs[0] in text
    with db.session() as s:
        verified = service.verify_number(s, number=number, code=code, secret=settings.signing_secret)
        assert verified.ok, verified.message
