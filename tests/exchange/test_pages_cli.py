"""The credit office's console pages for reporting and clients, and `xinyong exchange …` run as a real process."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from tests.conftest import Cli
from tests.exchange.support import ingest_penalties
from tests.helpers import csrf_from, login, make_user
from tests.ingestion.samples import row, write_csv

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.exchange import service


def test_reporting_pages_configure_push_show_download_and_resend(
    client: TestClient, db: Database, tmp_path: Path, clock: FixedClock
) -> None:
    make_user(db, "op", "operator")
    login(client, "op")
    assert client.get("/console/exchange").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/console").text)})
    make_user(db, "xyb", "admin")
    login(client, "xyb")
    page = client.get("/console/exchange")
    assert page.status_code == 200 and "尚未配置报送目的地" in page.text
    form = {"code": "prov", "name": "省信用平台（离线）", "kind": "directory", "directory": "", "batch_size": "x"}
    bad = client.post("/console/exchange/destinations", data={**form, "csrf_token": csrf_from(page.text)})
    assert bad.status_code == 422 and "交换目录" in bad.text and "每批条数" in bad.text
    folder = tmp_path / "xfer"
    form.update(directory=str(folder), batch_size="100", types=["penalty", "repair"])
    saved = client.post("/console/exchange/destinations", data={**form, "csrf_token": csrf_from(page.text)})
    assert saved.status_code == 200 and "省信用平台（离线）" in saved.text  # redirected to the destination page
    with db.session(write=False) as s:
        assert service.get_destination(s, "PROV").types == ["penalty", "repair"]

    ingest_penalties(db, tmp_path, range(1, 4))
    pushed = client.post("/console/exchange/destinations/PROV/push", data={"csrf_token": csrf_from(saved.text)})
    assert pushed.status_code == 200 and "新建1批" in pushed.text and "已发送待回执" in pushed.text
    number = "230382-PROV-00000001"
    assert number in pushed.text
    jsonl = client.get(f"/console/exchange/batches/{number}/{number}.jsonl")
    assert jsonl.status_code == 200
    assert jsonl.content == (folder / "out" / f"{number}.jsonl").read_bytes()
    manifest = client.get(f"/console/exchange/batches/{number}/{number}.manifest.json").json()
    assert manifest["item_count"] == 3
    csv_text = client.get(f"/console/exchange/batches/{number}/{number}.penalty.csv").text
    assert row(2)["CF_WSH"] in csv_text
    resent = client.post(f"/console/exchange/batches/{number}/resend", data={"csrf_token": csrf_from(pushed.text)})
    assert resent.status_code == 200 and "待发送" in resent.text
    overview = client.get("/console/exchange")
    assert "PROV" in overview.text and "1 / 3" in overview.text


def test_client_pages_register_issue_and_authorise(client: TestClient, db: Database, clock: FixedClock) -> None:
    make_user(db, "xyb", "admin")
    login(client, "xyb")
    page = client.get("/console/exchange/clients")
    token = csrf_from(page.text)
    bad = client.post("/console/exchange/clients", data={"code": "x", "kind": "bank", "csrf_token": token})
    assert bad.status_code == 422 and "调用方代码" in bad.text and "机构类型" in bad.text
    ok = client.post(
        "/console/exchange/clients",
        data={"code": "hyxh", "name": "密山市食品行业协会", "kind": "association",
              "scopes": ["open.public", "open.bulk"], "rate_per_minute": "30", "csrf_token": token},
    )  # fmt: skip
    assert ok.status_code == 200 and "密山市食品行业协会" in ok.text
    issued = client.post("/console/exchange/clients/HYXH/tokens", data={"expires_days": "30", "csrf_token": token})
    assert issued.status_code == 200 and "仅显示这一次" in issued.text
    bearer = issued.text.split('id="new-token">')[1].split("<")[0]
    bulk = client.get("/api/v1/open/publicity/license", headers={"Authorization": f"Bearer {bearer}"})
    assert bulk.status_code == 200
    bad_auth = client.post(
        "/console/exchange/authorisations",
        data={"client": "HYXH", "subject": "91230382MA0000019X", "scope": ["records"], "purpose": "会员信用评价",
              "evidence": "SQ-1", "valid_from": "2026-11-01", "valid_until": "2028-11-01", "csrf_token": token},
    )  # fmt: skip
    assert bad_auth.status_code == 422 and "主体代码" in bad_auth.text and "授权截止日" in bad_auth.text


def test_cli_push_to_a_directory_and_acknowledge(cli: Cli, tmp_path: Path) -> None:
    unknown = cli("exchange", "push", "--destination", "NOPE")
    assert unknown.returncode == 1 and "报送目的地“NOPE”不存在" in unknown.stderr
    folder = tmp_path / "xfer"
    done = cli("exchange", "destination", "JIXI", "--name", "鸡西市平台", "--kind", "directory", "--directory",
               str(folder))  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = write_csv(tmp_path / "p.csv", [row(n) for n in range(1, 4)])
    assert cli("import", str(path), "--kind", "penalty", "--dept", "scjg").returncode == 0
    first = cli("exchange", "push")
    assert first.returncode == 0 and "新建1批" in first.stdout and "确认0批" in first.stdout
    (manifest_path,) = (folder / "out").glob("*.manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    (folder / "ack" / f"{manifest['batch_id']}.ack.json").write_text(
        json.dumps({"batch_id": manifest["batch_id"], "sha256": manifest["sha256"]})
    )
    second = cli("exchange", "push", "--destination", "jixi")
    assert second.returncode == 0 and "确认1批（3条）" in second.stdout
    status = cli("exchange", "status")
    assert "JIXI" in status.stdout and "已确认接收1批/3条" in status.stdout
    assert cli("exchange", "client", "XYFW", "--name", "某信用服务公司", "--kind", "agency", "--scopes",
               "open.public").returncode == 0  # fmt: skip
    token = cli("exchange", "client-token", "XYFW", "--expires-days", "30")
    assert token.returncode == 0 and token.stdout.startswith("xy_") and len(token.stdout.strip().splitlines()) == 1


def test_push_fails_with_exit_1_when_the_receiver_is_unreachable(cli: Cli, tmp_path: Path) -> None:
    destination = ["destination", "JIXI", "--name", "鸡西", "--kind", "http", "--url", "http://127.0.0.1:9/none"]
    added = cli("exchange", *destination, "--max-attempts", "1")
    assert added.returncode == 0, added.stderr
    path = write_csv(tmp_path / "p.csv", [row(1)])
    imported = cli("import", str(path), "--kind", "penalty", "--dept", "scjg")
    assert imported.returncode == 0, imported.stderr
    failed = cli("exchange", "push")
    assert failed.returncode == 1 and "失败1批" in failed.stdout and "连接失败" in failed.stdout
