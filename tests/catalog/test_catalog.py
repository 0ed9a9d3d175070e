"""The credit information catalogue: shipped items, versions by effective date, strict loading, pages and API."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.helpers import csrf_from, login, make_user

from xinyong.catalog import service
from xinyong.core.audit import Actor
from xinyong.core.db import Database
from xinyong.core.errors import Conflict, ValidationFailed

ACTOR = Actor.system("test")


def shipped() -> dict[str, Any]:
    raw = resources.files("xinyong.catalog").joinpath("data", "catalogue-2026.1.json").read_bytes()
    return json.loads(raw)


def test_init_loads_the_shipped_catalogue_with_the_national_field_codes(session: Session) -> None:
    _row, penalty = service.item_for(session, "penalty", on=date(2026, 6, 1))
    codes = [f.code for f in penalty.fields]
    for code in ("CF_XDR_MC", "CF_XDR_SHXYM", "CF_WSH", "CF_CFLB", "CF_NR_FK", "CF_JDRQ", "CF_CFJGDM", "CF_SJLYDM"):
        assert code in codes
    assert penalty.field("CF_NR_FK").type == "amount_wan"
    assert penalty.field("CF_CFLB").multiple and "吊销许可证件" in penalty.field("CF_CFLB").values
    _row, license_ = service.item_for(session, "license")
    assert license_.field("XK_YXQZI").not_before == "XK_YXQZ"
    assert license_.roles["document_number"] == "XK_WSH"
    items = {i.code for i in service.items_of(session, service.version_on(session, date(2026, 6, 1)))}
    required = {
        "license",
        "penalty",
        "coercion",
        "confirmation",
        "levy",
        "payment",
        "adjudication",
        "compensation",
        "reward",
        "inspection",
        "complaint",
        "accident",
        "judgment_debtor",
        "commitment",
        "serious_list",
        "abnormal_list",
        "key_attention",
        "red_list",
        "interview",
        "honour",
    }
    assert required <= items


def test_nothing_outside_the_catalogue_can_be_named(session: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        service.item_for(session, "gossip")
    assert "信息类别“gossip”不在信用信息目录（2026.2版）中，不能归集" in exc.value.message
    assert "penalty" in exc.value.message


def test_a_new_version_applies_from_its_effective_date(session: Session) -> None:
    doc = shipped()
    doc["version"], doc["effective_from"] = "2027.1", "2027-01-01"
    doc["items"] = [i for i in doc["items"] if i["code"] != "complaint"]
    version, new = service.load_catalogue(session, json.dumps(doc, ensure_ascii=False).encode(), actor=ACTOR)
    assert new and version.version == "2027.1"
    assert service.version_on(session, date(2026, 12, 31)).version == "2026.2"
    assert service.version_on(session, date(2027, 1, 1)).version == "2027.1"
    service.item_for(session, "complaint", on=date(2026, 12, 31))
    with pytest.raises(ValidationFailed, match=r"2027\.1版"):
        service.item_for(session, "complaint", on=date(2027, 3, 1))
    with pytest.raises(Exception, match="没有生效的信用信息目录版本"):
        service.version_on(session, date(2020, 1, 1))


def test_published_versions_are_immutable(session: Session) -> None:
    doc = shipped()
    _again, new = service.load_catalogue(session, json.dumps(doc, ensure_ascii=False).encode(), actor=ACTOR)
    assert not new
    doc["items"][0]["name"] = "行政许可信息（改）"
    with pytest.raises(Conflict, match="已发布的版本不可修改"):
        service.load_catalogue(session, json.dumps(doc, ensure_ascii=False).encode(), actor=ACTOR)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["items"][1]["fields"][0].pop("type"),
            "items › 第2项（penalty） › fields › 第1项（CF_XDR_MC） › type：缺少此项",
        ),
        (
            lambda d: d["items"][1]["fields"].append({"code": "CF_WSH", "name": "重复", "type": "text"}),
            "目录项penalty的字段代码重复：CF_WSH",
        ),
        (lambda d: d["items"][1]["fields"][20].update(not_before="CF_NOPE"), "引用了不存在的字段CF_NOPE"),
        (lambda d: d["items"][0].update(nature="bad"), "取值无效"),
        (lambda d: d["items"][0].update(category="nope"), "目录项license的类别nope不在目录类别中"),
        (lambda d: d.update(version="v2"), "version：格式不符合要求"),
    ],
)
def test_bad_catalogue_files_are_refused_with_the_place_and_reason(mutate: Any, message: str) -> None:
    doc = shipped()
    doc["version"] = "2027.1"
    mutate(doc)
    with pytest.raises(ValidationFailed) as exc:
        service.parse_catalogue(json.dumps(doc, ensure_ascii=False).encode())
    assert message in exc.value.message


def test_unknown_source_department_is_refused(session: Session) -> None:
    doc = shipped()
    doc["version"] = "2027.1"
    doc["items"][0]["source_departments"] = ["scjg", "xyz"]
    with pytest.raises(ValidationFailed, match="目录项license的来源部门代码不存在：xyz"):
        service.load_catalogue(session, json.dumps(doc, ensure_ascii=False).encode(), actor=ACTOR)


def test_public_catalogue_api(client: TestClient) -> None:
    body = client.get("/api/v1/catalog").json()
    assert body["version"] == "2026.2"
    penalty = next(i for i in body["items"] if i["code"] == "penalty")
    fine = next(f for f in penalty["fields"] if f["code"] == "CF_NR_FK")
    assert fine == {
        "code": "CF_NR_FK",
        "name": "罚款金额（万元）",
        "type": "amount_wan",
        "required_when": {"field": "CF_CFLB", "contains": ["罚款"]},
    }


def test_console_catalogue_pages_and_publishing(client: TestClient, db: Database) -> None:
    make_user(db, "op", "operator")
    login(client, "op")
    page = client.get("/console/catalog")
    assert page.status_code == 200 and "行政处罚信息" in page.text and "发布新版本" not in page.text
    item = client.get("/console/catalog/2026.1/penalty")
    assert "行政处罚决定书文号" in item.text and "当处罚类别含罚款时" in item.text
    assert (
        client.post(
            "/console/catalog/load",
            data={"csrf_token": csrf_from(page.text)},
            files={"file": ("c.json", b"{}", "application/json")},
        ).status_code
        == 403
    )

    admin = TestClient(client.app)
    make_user(db, "admin1", "admin", "ysj")
    login(admin, "admin1")
    page = admin.get("/console/catalog")
    doc = shipped()
    doc["version"], doc["effective_from"] = "2027.1", "2027-01-01"
    ok = admin.post(
        "/console/catalog/load",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("c.json", json.dumps(doc, ensure_ascii=False).encode(), "application/json")},
    )
    assert "已发布目录2027.1版，自2027-01-01起生效" in ok.text
    bad = admin.post(
        "/console/catalog/load",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("c.json", b"not json", "application/json")},
    )
    assert "目录文件不是有效的UTF-8 JSON" in bad.text
