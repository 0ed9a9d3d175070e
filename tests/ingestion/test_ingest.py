"""Ingestion end to end: the records and batches API, files with bad rows, idempotency, crash and resume, reports."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from tests.conftest import TEST_SECRET
from tests.helpers import csrf_from, login, make_token, make_user
from tests.ingestion.samples import json_fields, row, write_csv

from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.ingestion import service
from xinyong.ingestion.files import SAMPLE_BYTES
from xinyong.records import service as records_service
from xinyong.records.models import CreditRecord


def auth(db: Database, role: str = "operator", dept: str = "scjg") -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(db, role, dept)}"}


def wait_for_batch(client: TestClient, batch_id: int) -> str:
    """The batch page once the background job has finished (it refreshes itself while running)."""
    deadline = time.monotonic() + 30
    while True:
        text = client.get(f"/console/ingest/batches/{batch_id}").text
        if 'http-equiv="refresh"' not in text:
            return text
        assert time.monotonic() < deadline, "batch did not finish"
        time.sleep(0.1)


def count_records(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(CreditRecord)).scalar_one())


def test_post_one_record_returns_deadline_and_is_idempotent(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    headers = auth(db)
    body = {"kind": "penalty", "fields": json_fields(1, CF_NR_FK=0.2, CF_JDRQ="2026-09-29")}
    first = client.post("/api/v1/records", json=body, headers=headers)
    assert first.status_code == 201, first.text
    data = first.json()
    assert data["publication_deadline"] == "2026-10-14"  # 7 working days across National Day
    assert data["status"] == "valid" and data["status_label"] == "有效" and data["outcome"] == "created"
    assert data["subject"]["uscc"] == json_fields(1)["CF_XDR_SHXYM"]
    # 警告 and a 0.2万元 fine under the 2026 regime: general, shown for at most one year from the decision.
    assert data["publicity_window"] == {"from": "2026-09-29", "until": "2027-09-28"}
    again = client.post("/api/v1/records", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged" and again.json()["id"] == data["id"]
    assert count_records(db) == 1


def test_post_record_with_errors_lists_every_field_in_chinese(client: TestClient, db: Database) -> None:
    body = {"kind": "penalty", "fields": json_fields(2, CF_NR_FK="5000元", CF_JDRQ="2026-02-30", CF_WSH="")}
    r = client.post("/api/v1/records", json=body, headers=auth(db))
    assert r.status_code == 422
    err = r.json()["error"]
    fields = {d["field"]: d["reason"] for d in err["details"]}
    assert fields["CF_NR_FK"] == "金额应以万元为单位填写数字，“5000元”应填写为0.5"
    assert "不存在" in fields["CF_JDRQ"]
    assert fields["CF_WSH"] == "必填项为空"
    assert err["message"].startswith("信息有误，未归集：")
    assert count_records(db) == 0


def test_unknown_kind_and_wrong_department_are_refused(client: TestClient, db: Database) -> None:
    r = client.post("/api/v1/records", json={"kind": "gossip", "fields": {}}, headers=auth(db))
    assert r.status_code == 422 and "不在信用信息目录" in r.json()["error"]["message"]
    court_only = client.post("/api/v1/records", json={"kind": "judgment_debtor", "fields": {}}, headers=auth(db))
    assert (
        court_only.status_code == 403
        and "不是“失信被执行人信息”的信息提供部门" in court_only.json()["error"]["message"]
    )
    anonymous = client.post("/api/v1/records", json={"kind": "penalty", "fields": {}})
    assert anonymous.status_code == 401
    auditor = client.post("/api/v1/records", json={"kind": "penalty", "fields": {}}, headers=auth(db, "auditor", "ysj"))
    assert auditor.status_code == 403


def test_batch_keeps_good_rows_and_reports_bad_ones_by_row_and_field(
    client: TestClient, db: Database, tmp_path: Path, clock: FixedClock
) -> None:
    rows = [row(n) for n in range(1, 11)]
    rows[3] = row(4, CF_NR_FK="5000元")  # file row 5
    rows[6] = row(7, CF_XDR_SHXYM=row(7)["CF_XDR_SHXYM"][:-1] + "0")  # file row 8: wrong check character
    path = write_csv(tmp_path / "penalties.csv", rows, chinese=True, encoding="gb18030")
    with path.open("rb") as fh:
        r = client.post(
            "/api/v1/batches", data={"kind": "penalty"}, files={"file": ("处罚.csv", fh, "text/csv")}, headers=auth(db)
        )
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["rows"], report["accepted"], report["rejected"]) == (10, 8, 2)
    assert any("GB18030" in w for w in report["warnings"])
    errors = {(e["row"], e["field"]): e for e in report["errors"]}
    assert errors[(5, "CF_NR_FK")]["name"] == "罚款金额（万元）"
    assert errors[(5, "CF_NR_FK")]["value"] == "5000元"
    assert errors[(8, "CF_XDR_SHXYM")]["reason"].startswith("第18位校验码错误")
    assert count_records(db) == 8
    with path.open("rb") as fh:  # the same file again: nothing new, nothing duplicated
        again = client.post(
            "/api/v1/batches", data={"kind": "penalty"}, files={"file": ("处罚.csv", fh, "text/csv")}, headers=auth(db)
        ).json()
    assert (again["created"], again["unchanged"], again["rejected"]) == (0, 8, 2)
    assert count_records(db) == 8
    fetched = client.get(f"/api/v1/batches/{report['batch']}", headers=auth(db)).json()
    assert fetched["accepted"] == 8 and fetched["errors"] == report["errors"]
    other_department = client.get(f"/api/v1/batches/{report['batch']}", headers=auth(db, dept="jtj"))
    assert other_department.status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        (b"CF_WSH,CF_JDRQ\n", "文件只有表头，没有数据行"),
        (b"CF_WSH,CF_JDRQ\nx,2026-01-01\n", "缺少必填字段列"),
        (b"CF_WSH,CF_HUH\nx,y\n", "表头“CF_HUH”不是“行政处罚信息”的字段"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "不支持旧版Excel"),
    ],
)
def test_bad_files_are_refused_whole_with_a_reason(
    client: TestClient, db: Database, content: bytes, message: str
) -> None:
    r = client.post(
        "/api/v1/batches", data={"kind": "penalty"}, files={"file": ("x.csv", io.BytesIO(content))}, headers=auth(db)
    )
    assert r.status_code == 200
    report = r.json()
    assert report["status"] == "rejected"
    assert message in (report["message"] or "") + "".join(e["reason"] for e in report["errors"])
    assert report["accepted"] == 0 and count_records(db) == 0


def test_duplicate_document_numbers_inside_one_file(client: TestClient, db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [row(1), row(2, CF_WSH=row(1)["CF_WSH"])])
    with path.open("rb") as fh:
        report = client.post(
            "/api/v1/batches", data={"kind": "penalty"}, files={"file": ("dup.csv", fh)}, headers=auth(db)
        ).json()
    assert report["rejected"] == 1
    assert report["errors"][0]["reason"] == "与本文件第2行的文书号重复"


def test_a_killed_import_is_finished_by_sending_the_file_again(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    monkeypatch.setattr(service, "CHUNK_ROWS", 5)
    path = write_csv(tmp_path / "big.csv", [row(n) for n in range(1, 13)])
    real_store = records_service.write_prepared
    calls = {"n": 0}

    def dying_store(*args: object, **kwargs: object) -> list[records_service.Stored]:
        calls["n"] += 1
        if calls["n"] == 2:  # the second chunk dies after its rows were inserted, before the commit
            real_store(*args, **kwargs)  # type: ignore[arg-type]
            raise KeyboardInterrupt("power cut")
        return real_store(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(records_service, "write_prepared", dying_store)
    kwargs = {
        "path": path,
        "kind": "penalty",
        "department_code": "scjg",
        "actor": Actor.system("test"),
        "cipher": get_cipher(TEST_SECRET),
    }
    with pytest.raises(KeyboardInterrupt):
        service.ingest_file(db, **kwargs)  # type: ignore[arg-type]
    assert count_records(db) == 5  # the first chunk, whole; nothing of the second
    monkeypatch.setattr(records_service, "write_prepared", real_store)
    batch_id = service.ingest_file(db, **kwargs)  # type: ignore[arg-type]
    with db.session(write=False) as s:
        report = service.report(s, batch_id)
    assert (report["created"], report["unchanged"]) == (7, 5)
    assert count_records(db) == 12


def test_error_report_downloads_as_xlsx(client: TestClient, db: Database, tmp_path: Path) -> None:
    make_user(db, "op", "operator")
    login(client, "op")
    page = client.get("/console/ingest")
    path = write_csv(tmp_path / "bad.csv", [row(1), row(2, CF_JDRQ="2099-01-01")])
    with path.open("rb") as fh:
        r = client.post(
            "/console/ingest",
            data={"kind": "penalty", "csrf_token": csrf_from(page.text)},
            files={"file": ("bad.csv", fh, "text/csv")},
        )
    assert r.status_code == 200 and "批次" in r.text
    batch_id = int(str(r.url).rsplit("/", 1)[-1])
    page_text = wait_for_batch(client, batch_id)
    assert "不得晚于今天" in page_text and "已完成" in page_text
    xlsx = client.get(f"/console/ingest/batches/{batch_id}/errors.xlsx")
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1] == ("行号", "字段代码", "字段名称", "填写的值", "错误原因")
    assert rows[2][0] == 3 and rows[2][1] == "CF_JDRQ" and "不得晚于今天" in rows[2][4]


def test_timeliness_page_for_the_credit_office(client: TestClient, db: Database, clock: FixedClock) -> None:
    client.post(
        "/api/v1/records", json={"kind": "penalty", "fields": json_fields(1, CF_JDRQ="2026-11-01")}, headers=auth(db)
    )
    make_user(db, "admin1", "admin", "ysj")
    login(client, "admin1")
    page = client.get("/console/ingest/timeliness")
    assert page.status_code == 200
    assert "密山市市场监督管理局" in page.text and "0.0%" in page.text  # decided 1 Nov, sent 28 Nov: late
    assert "密市监罚〔2026〕1号" in page.text


def test_upload_page_shows_progress_while_the_batch_runs(
    client: TestClient, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    monkeypatch.setattr(service, "CHUNK_ROWS", 2)
    release = threading.Event()
    real_store = records_service.write_prepared

    calls = {"n": 0}

    def held_store(*args: object, **kwargs: object) -> list[records_service.Stored]:
        calls["n"] += 1
        if calls["n"] == 2:
            release.wait(timeout=20)  # hold the job in its second chunk, after the first one committed
        return real_store(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(records_service, "write_prepared", held_store)
    make_user(db, "op", "operator")
    login(client, "op")
    page = client.get("/console/ingest")
    path = write_csv(tmp_path / "slow.csv", [row(n) for n in range(1, 7)])
    with path.open("rb") as fh:
        r = client.post(
            "/console/ingest",
            data={"kind": "penalty", "csrf_token": csrf_from(page.text)},
            files={"file": ("slow.csv", fh, "text/csv")},
        )
    batch_id = int(str(r.url).rsplit("/", 1)[-1])
    deadline = time.monotonic() + 10
    while "已处理 2 行" not in (text := client.get(f"/console/ingest/batches/{batch_id}").text):
        assert time.monotonic() < deadline, text
        time.sleep(0.05)
    assert 'http-equiv="refresh"' in text and "正在处理" in text
    release.set()
    final = wait_for_batch(client, batch_id)
    assert "已完成" in final and "全部数据行均已通过校验" in final


def test_an_oversized_upload_is_refused_while_it_arrives(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinyong.ingestion import files

    monkeypatch.setattr(files, "MAX_UPLOAD_BYTES", 4 * 1024 * 1024)
    big = io.BytesIO(b"CF_WSH\n" + b"x" * (6 * 1024 * 1024))
    report = client.post(
        "/api/v1/batches", data={"kind": "penalty"}, files={"file": ("big.csv", big)}, headers=auth(db)
    ).json()
    assert report["status"] == "rejected"
    assert report["message"] == "文件大小超过上限4.0 MB，请拆分后分批上传。"
    assert count_records(db) == 0


def _ingest(db: Database, path: Path, workers: int) -> dict[str, object]:
    batch_id = service.create_batch(db, kind="penalty", department_code="scjg", actor=Actor.system("t"), filename=None)
    service.run_batch(db, batch_id, path=path, actor=Actor.system("t"), cipher=get_cipher(TEST_SECRET), workers=workers)
    with db.session(write=False) as s:
        return service.report(s, batch_id, error_limit=10_000)


def _stored(db: Database) -> list[tuple[object, ...]]:
    with db.session(write=False) as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    CreditRecord.document_number,
                    CreditRecord.row_number,
                    CreditRecord.content_hash,
                    CreditRecord.fields,
                    CreditRecord.publication_deadline,
                    CreditRecord.publicity_until,
                    CreditRecord.severity,
                ).order_by(CreditRecord.document_number)
            )
        ]


@pytest.mark.parametrize("workers", [1, 3])
def test_worker_processes_store_and_report_exactly_what_one_process_does(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock, workers: int
) -> None:
    monkeypatch.setattr(service, "CHUNK_ROWS", 4)  # 25 rows: 7 chunks spread over the workers
    rows = [row(n) for n in range(1, 26)]
    rows[2] = row(3, CF_NR_FK="5000元")  # chunk 0
    rows[9] = row(10, CF_JDRQ="2099-01-01")  # chunk 2
    rows[17] = row(5)  # chunk 4 repeats chunk 1's document number: caught across workers
    path = write_csv(tmp_path / "p.csv", rows)
    results = []
    for n in (0, workers):
        db = Database(db_url)
        try:
            with db.session() as s:
                s.execute(CreditRecord.__table__.delete())
            report = _ingest(db, path, n)
            results.append((report, _stored(db)))
        finally:
            db.dispose()
    (inline, inline_rows), (parallel, parallel_rows) = results
    assert (parallel["rows"], parallel["created"], parallel["rejected"]) == (25, 22, 3)
    assert [(e["row"], e["field"], e["reason"]) for e in parallel["errors"]] == [
        (e["row"], e["field"], e["reason"]) for e in inline["errors"]
    ]
    assert any(e["reason"] == "与本文件第6行的文书号重复" and e["row"] == 19 for e in parallel["errors"])
    assert parallel_rows == inline_rows and len(parallel_rows) == 22


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # about the workers, not the database
def test_a_bad_byte_deep_in_the_file_keeps_the_chunks_before_it_with_workers(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    monkeypatch.setattr(service, "CHUNK_ROWS", 500)
    one = write_csv(tmp_path / "one.csv", [row(1)]).stat().st_size
    count = SAMPLE_BYTES // (one // 2) + 1000  # past the sample that decided "UTF-8"
    good = write_csv(tmp_path / "good.csv", [row(n) for n in range(1, count + 1)])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(good.read_bytes() + "x,密山市某某商店".encode("gbk") + b"\r\n")
    report = _ingest(db, bad, 2)
    assert report["status"] == "failed"
    assert f"第{count + 2}行含有无法按UTF-8解码的字节" in str(report["message"])
    kept = count // 500 * 500  # the whole chunks before the one with the bad byte
    assert report["created"] == kept and count_records(db) == kept


def test_companies_first_seen_in_a_file_are_found_by_partial_name_at_once(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    """New entities are registered in bulk (on SQLite the name index is filled once per chunk, not per row)."""
    from xinyong.portal import service as portal
    from xinyong.subjects.models import Entity

    monkeypatch.setattr(service, "CHUNK_ROWS", 3)
    rows = [row(n) for n in range(1, 8)]
    rows[4] = row(5, CF_XDR_MC="密山市连珠山镇振兴粮贸有限公司")
    report = _ingest(db, write_csv(tmp_path / "p.csv", rows), 0)
    assert (report["created"], report["rejected"]) == (7, 0)
    with db.session() as s:
        hits = portal.search(s, "连珠山 粮贸").hits
        assert [h.name for h in hits] == ["密山市连珠山镇振兴粮贸有限公司"]
        assert portal.search(s, "振兴粮贸").total == 1
        # A company registered later by a person, one row at a time, is indexed by the trigger as before.
        s.add(
            Entity(
                uscc="91230382MA1B3N1N24",
                name="密山市白鱼湾镇渔业合作社",
                category="法人及非法人组织",
                entity_type="农民专业合作社",
                region_code="230382",
                status="存续",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    with db.session() as s:
        assert [h.name for h in portal.search(s, "白鱼湾 渔业").hits] == ["密山市白鱼湾镇渔业合作社"]
        if s.get_bind().dialect.name == "sqlite":
            assert s.execute(text("SELECT deferred FROM search_index_control")).scalar_one() == 0
