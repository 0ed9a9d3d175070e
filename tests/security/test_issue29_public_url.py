"""Issue 29, finding 4: the verification link printed in a signed report comes from XINYONG_PUBLIC_URL, never from
the request's Host header."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from pypdf import PdfReader
from tests.helpers import csrf_from, login
from tests.reports.test_report_pages import _setup

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database

EVIL = "verify-xinyong.evil.example"


def test_a_forged_host_header_does_not_reach_the_signed_report(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    _setup(db)
    login(client, "company")
    page = client.get("/console/reports")
    issued = client.post(
        "/console/reports",
        data={"edition": "full", "purpose": "bidding", "purpose_note": "道路工程", "csrf_token": csrf_from(page.text)},
        headers={"host": EVIL},
    )
    assert issued.status_code == 200, issued.text
    code = re.search(r"核验码 <strong>(\w+)</strong>", issued.text).group(1)  # type: ignore[union-attr]
    link = re.search(r'href="(/console/reports/\d+/pdf)"', issued.text).group(1)  # type: ignore[union-attr]
    pdf = client.get(link).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert code in text
    assert "http://127.0.0.1:8000/portal/reports/verify" in text
    assert EVIL not in text and EVIL.encode() not in pdf
