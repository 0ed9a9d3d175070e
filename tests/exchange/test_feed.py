"""Upward reporting (G2): incremental batches, acknowledgement, resending without duplicates, both transports."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.commitments.support import ACTOR, entity
from tests.exchange.support import expected_keys, http_receiver, ingest_penalties
from tests.ingestion.samples import row
from tests.repair.support import penalty, sign_repair, train

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.core.errors import Conflict, ValidationFailed
from xinyong.exchange import service
from xinyong.exchange.models import ExchangeBatch, ExchangeDestination
from xinyong.records.models import CreditRecord
from xinyong.repair import service as repair_service


def _destination(db: Database, **values: Any) -> None:
    with db.session() as s:
        service.save_destination(s, values=values, actor=ACTOR)


def _dest(db: Database, code: str) -> ExchangeDestination:
    with db.session(write=False) as s:
        return service.get_destination(s, code)


def _batches(db: Database, code: str) -> list[ExchangeBatch]:
    with db.session(write=False) as s:
        return list(reversed(service.batches(s, service.get_destination(s, code).id)))


def _max_record(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.execute(select(func.max(CreditRecord.id))).scalar_one())


def test_http_push_survives_a_receiver_failing_every_third_request(
    db: Database, tmp_path: Path, clock: FixedClock
) -> None:
    with http_receiver() as (url, rx):
        _destination(
            db, code="jixi", name="鸡西市信用信息共享平台", kind="http", url=url, batch_size=4, max_attempts=4,
            backoff_seconds=0.5, backoff_max_seconds=2,
        )  # fmt: skip
        ingest_penalties(db, tmp_path, range(1, 26))
        sleeps: list[float] = []
        (report,) = service.push(db, destination="JIXI", actor=ACTOR, sleep=sleeps.append)

        # 25 records in batches of 4: 7 batches; requests 3 and 9 fail before storing, request 6 after storing.
        assert (report.built, report.acknowledged, report.items_acknowledged) == (7, 7, 25)
        assert rx.failures == 3 and rx.duplicates == 1 and rx.bad_checksums == 0
        assert sorted(rx.keys) == sorted(expected_keys(db)) and len(rx.keys) == len(set(rx.keys)) == 25
        assert sleeps == [0.5, 0.5, 0.5]  # the first retry of each failed batch waits the base delay
        batches = _batches(db, "JIXI")
        assert [b.number for b in batches] == [f"230382-JIXI-{n:08d}" for n in range(1, 8)]
        assert all(b.status == service.ACKNOWLEDGED for b in batches)
        assert _dest(db, "JIXI").acked_cursor["record"] == _max_record(db)

        # The items carry the national double-publicity field codes of the catalogue, in its order.
        first = rx.batches[batches[0].number][0]
        assert first["type"] == "penalty" and first["op"] == "add"
        assert list(first["fields"])[:3] == ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM"]
        assert first["fields"]["CF_WSH"] == row(1)["CF_WSH"] and first["fields"]["CF_NR_FK"] == "0.2"

        # The receiver goes down: the new batch fails after the configured attempts with exponential backoff;
        # the cursor stays where the last acknowledgement put it and no further batch is built behind it.
        cursor = dict(_dest(db, "JIXI").acked_cursor)
        rx.down = True
        ingest_penalties(db, tmp_path, range(26, 29))
        sleeps.clear()
        (report,) = service.push(db, destination="JIXI", actor=ACTOR, sleep=sleeps.append)
        assert (report.built, report.failed, report.acknowledged) == (1, 1, 0)
        assert sleeps == [0.5, 1.0, 2.0]
        failed = _batches(db, "JIXI")[-1]
        assert failed.status == service.FAILED and failed.attempts == 4 and "503" in (failed.last_error or "")
        assert _dest(db, "JIXI").acked_cursor == cursor and len(rx.keys) == 25
        (report,) = service.push(db, destination="JIXI", actor=ACTOR, sleep=sleeps.append)
        assert report.built == 0 and len(_batches(db, "JIXI")) == 8  # nothing is built behind an unacked batch

        # Back up: the same batch (same id, same bytes) is resent, then the cursor moves.
        rx.down = False
        (report,) = service.push(db, destination="JIXI", actor=ACTOR, sleep=sleeps.append)
        assert report.acknowledged == 1 and report.built == 0
        assert rx.checksums[failed.number] == failed.sha256
        assert _dest(db, "JIXI").acked_cursor["record"] == _max_record(db)
        assert sorted(rx.keys) == sorted(expected_keys(db)) and len(rx.keys) == len(set(rx.keys)) == 28

        # Nothing new: nothing is sent.
        before = rx.requests
        (report,) = service.push(db, destination="JIXI", actor=ACTOR, sleep=sleeps.append)
        assert report.built == 0 and rx.requests == before


def _ack(folder: Path, number: str, sha256: str) -> None:
    (folder / "ack").mkdir(parents=True, exist_ok=True)
    (folder / "ack" / f"{number}.ack.json").write_text(json.dumps({"batch_id": number, "sha256": sha256}))


def test_directory_mode_writes_files_with_a_manifest_and_reads_acks_back(
    db: Database, tmp_path: Path, clock: FixedClock
) -> None:
    folder = tmp_path / "xfer"
    _destination(
        db, code="PROVINCE", name="黑龙江省信用平台（离线）", kind="directory", directory=str(folder), max_pending=2
    )
    ingest_penalties(db, tmp_path, range(1, 6))
    (report,) = service.push(db, actor=ACTOR)
    assert (report.built, report.delivered, report.acknowledged) == (1, 1, 0)
    (b1,) = _batches(db, "PROVINCE")
    out = folder / "out"
    jsonl = (out / f"{b1.number}.jsonl").read_bytes()
    manifest = json.loads((out / f"{b1.number}.manifest.json").read_text(encoding="utf-8"))
    assert manifest["batch_id"] == b1.number and manifest["item_count"] == 5
    assert manifest["sha256"] == hashlib.sha256(jsonl).hexdigest() == b1.sha256
    for f in manifest["files"]:
        assert hashlib.sha256((out / f["name"]).read_bytes()).hexdigest() == f["sha256"]
    rows = list(csv.reader(io.StringIO((out / f"{b1.number}.penalty.csv").read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["ITEM_KEY", "OP", "CF_XDR_MC", "CF_XDR_LB"] and len(rows) == 6
    wsh = rows[0].index("CF_WSH")
    assert [r[wsh] for r in rows[1:]] == [row(n)["CF_WSH"] for n in range(1, 6)]
    assert _dest(db, "PROVINCE").acked_cursor.get("record", 0) == 0  # not acknowledged yet

    ingest_penalties(db, tmp_path, range(6, 9))
    service.push(db, actor=ACTOR)
    service.push(db, actor=ACTOR)
    b1, b2 = _batches(db, "PROVINCE")  # two unacknowledged batches at most
    assert b2.item_count == 3 and b2.cursor_from == b1.cursor_to

    # A wrong checksum is refused and the batch is written again, identically.
    _ack(folder, b1.number, "0" * 64)
    (out / f"{b1.number}.jsonl").unlink()
    (report,) = service.push(db, actor=ACTOR)
    assert report.failed == 1 and "校验值" in report.errors[0]
    assert (out / f"{b1.number}.jsonl").read_bytes() == jsonl
    # The second batch's acknowledgement alone does not move the cursor past the first.
    _ack(folder, b1.number, "0" * 64)
    _ack(folder, b2.number, b2.sha256)
    service.push(db, actor=ACTOR)
    assert _dest(db, "PROVINCE").acked_cursor.get("record", 0) == 0
    _ack(folder, b1.number, b1.sha256)
    (report,) = service.push(db, actor=ACTOR)
    assert report.acknowledged == 1
    assert _dest(db, "PROVINCE").acked_cursor["record"] == b2.cursor_to["record"] == _max_record(db)
    assert [b.status for b in _batches(db, "PROVINCE")] == [service.ACKNOWLEDGED] * 2


def test_an_approved_repair_is_reported_upward(db: Database, tmp_path: Path, clock: FixedClock) -> None:
    with db.session() as s:
        company = entity(s, 1)
        record = penalty(s, 1)
        sign_repair(s, record, 1)
        train(s, company, date(2026, 11, 20))
        app = repair_service.apply(
            s, record_id=record.id, entity_id=company.id, reason="已缴清罚款并完成整改，申请提前终止公示",
            performance="2026年3月10日缴纳罚款5000元", actor=ACTOR,
        )  # fmt: skip
        repair_service.decide(
            s, application_id=app.id, approve=True, note="罚款已缴清，整改到位", actor=ACTOR,
            department_id=record.department_id,
        )  # fmt: skip
        number, document = app.number, record.document_number
    _destination(db, code="JIXI", name="鸡西", kind="directory", directory=str(tmp_path / "x"))
    service.push(db, actor=ACTOR)
    (batch,) = _batches(db, "JIXI")
    items = [json.loads(line) for line in batch.content.splitlines()]
    repair = [i for i in items if i["type"] == "repair"]
    assert len(repair) == 1
    assert repair[0]["fields"]["XFBH"] == number and repair[0]["fields"]["XFJG"] == "同意修复"
    assert repair[0]["fields"]["YWSH"] == document and repair[0]["fields"]["JDRQ"] == "2026-11-28"
    status = [i for i in items if i["type"] == "record_status"]
    assert [(i["fields"]["WSH"], i["fields"]["XZT"]) for i in status] == [(document, "已修复")]
    assert {i["key"] for i in items} == expected_keys(db)


def test_an_acknowledgement_must_carry_the_checksum_and_may_be_repeated(
    db: Database, tmp_path: Path, clock: FixedClock
) -> None:
    _destination(db, code="JIXI", name="鸡西", kind="directory", directory=str(tmp_path / "x"))
    ingest_penalties(db, tmp_path, range(1, 3))
    service.push(db, actor=ACTOR)
    (batch,) = _batches(db, "JIXI")
    with db.session() as s, pytest.raises(Conflict, match="校验值"):
        service.acknowledge(s, number=batch.number, sha256="f" * 64, actor=ACTOR)
    assert _dest(db, "JIXI").acked_cursor.get("record", 0) == 0
    for _ in range(2):
        with db.session() as s:
            service.acknowledge(s, number=batch.number, sha256=batch.sha256, actor=ACTOR)
    assert _dest(db, "JIXI").acked_cursor["record"] == _max_record(db)
    with db.session() as s, pytest.raises(Conflict, match="无需重发"):
        service.resend(s, number=batch.number, actor=ACTOR)


def test_destination_errors_are_named_and_nothing_is_saved(db: Database) -> None:
    with db.session() as s, pytest.raises(ValidationFailed) as err:
        service.save_destination(
            s, values={"code": "x", "name": "", "kind": "http", "url": "ftp://a", "types": "penalty,nope"}, actor=ACTOR
        )
    fields = {d["field"] for d in err.value.details}
    assert fields == {"code", "name", "url", "types"}
    assert "目的地代码" in err.value.message
    with db.session(write=False) as s:
        assert service.destinations(s) == []
