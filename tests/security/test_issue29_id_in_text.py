"""Issue 29, finding 5: a resident ID number written into a free-text field (备注) is masked wherever the public
sees it (portal record page, public API, the credit report) and the submitting clerk is warned at intake."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, entity
from tests.helpers import make_token
from tests.ingestion.samples import company_code, json_fields, row, write_csv
from tests.reports.test_credit_reports import _issue, _text

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.core.identifiers import find_resident_ids, mask_resident_ids, resident_id_check_char
from xinyong.ingestion import service as ingestion_service
from xinyong.ingestion.models import Batch

FIRST17 = "23038219900101123"
ID = FIRST17 + resident_id_check_char(FIRST17)
MASKED = ID[:4] + "*" * 10 + ID[-4:]
NOTE = f"当事人张三（公民身份号码{ID}）当场签收。"


def test_ids_in_text_are_found_by_their_check_character_and_masked() -> None:
    wrong_check = FIRST17 + ("0" if ID[-1] != "0" else "1")
    text = f"{NOTE}另：{wrong_check}；统一社会信用代码91230382MA1B3N1N24；账号6222{ID}99"
    assert find_resident_ids(text) == [ID]
    assert mask_resident_ids(text) == text.replace(ID, MASKED, 1)
    assert mask_resident_ids("短文本") == "短文本"


def test_the_api_warns_the_clerk_and_the_portal_masks_the_number(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    with db.session() as s:
        entity(s, 1)
    token = make_token(db, "operator")
    r = client.post(
        "/api/v1/records",
        json={"kind": "penalty", "fields": json_fields(1, BZ=NOTE, CF_JDRQ="2026-11-20")},
        headers={"authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    assert any(w.startswith("备注：含有公民身份号码") and "自动遮蔽" in w for w in r.json()["warnings"])
    record_id = r.json()["id"]
    page = client.get(f"/portal/records/{record_id}")
    assert page.status_code == 200 and "当场签收" in page.text
    assert ID not in page.text and MASKED in page.text
    api = client.get(f"/api/v1/subjects/{company_code(1)}").text
    assert ID not in api


def test_the_credit_report_masks_the_number(session: Session, clock: FixedClock) -> None:
    from tests.commitments.support import penalty

    company = entity(session)
    penalty(session, BZ=NOTE)
    report, _code = _issue(session, company.id)
    text = _text(report.pdf).replace("\n", "")  # type: ignore[attr-defined]
    assert "当场签收" in text and MASKED in text and ID not in text


def test_a_batch_accepts_the_row_and_names_it_in_its_warnings(db: Database, tmp_path: Path, clock: FixedClock) -> None:
    path = write_csv(tmp_path / "p.csv", [row(1), row(2, CF_SY=NOTE), row(3)])
    batch_id = ingestion_service.ingest_file(
        db, path=path, kind="penalty", department_code="scjg", actor=ACTOR, cipher=CIPHER
    )
    with db.session(write=False) as s:
        batch = s.execute(select(Batch).where(Batch.id == batch_id)).scalar_one()
        assert batch.created == 3 and batch.rejected == 0
        (warning,) = [w for w in batch.warnings if "公民身份号码" in w]
    assert warning.startswith("第3行“违法事实”含有公民身份号码") and ID not in warning


def test_the_batch_page_shows_the_warning(client: TestClient, db: Database, tmp_path: Path) -> None:
    from tests.helpers import csrf_from, login, make_user
    from tests.ingestion.test_ingest import wait_for_batch

    make_user(db, "op", "operator")
    login(client, "op")
    page = client.get("/console/ingest")
    path = write_csv(tmp_path / "p.csv", [row(1, CF_SY=NOTE)])
    with path.open("rb") as fh:
        r = client.post(
            "/console/ingest",
            data={"kind": "penalty", "csrf_token": csrf_from(page.text)},
            files={"file": ("p.csv", fh, "text/csv")},
        )
    batch_id = int(str(r.url).rsplit("/", 1)[-1])
    text = wait_for_batch(client, batch_id)
    assert "第2行“违法事实”含有公民身份号码" in text and ID not in text


def test_every_public_page_masks_a_number_in_any_free_text(client: TestClient, db: Database, clock: FixedClock) -> None:
    """The last line of defence: text the portal shows from other modules (here the entity's own voluntary
    registration, T11) never carries a full resident ID number either."""
    from tests.commitments.test_voluntary import _register

    with db.session() as s:
        company = entity(s, 1)
        _register(s, company.id, content=f"负责人张三，公民身份号码{ID}，持证上岗。")
    page = client.get(f"/portal/entities/{company_code(1)}")
    assert page.status_code == 200 and "持证上岗" in page.text
    assert ID not in page.text and MASKED in page.text
