"""HTTP: the public matter list and page, department tokens for their own matters, console pages, entity pages."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.commitments.support import entity, matter, values
from tests.helpers import csrf_from, login, make_token, make_user

from xinyong.accounts.models import User
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database


def _setup(db: Database) -> dict[str, Any]:
    with db.session() as s:
        m = matter(s, online_signing=True, excluded_lists=["serious_list"])
        matter(s, code="JYJ-BX", name="民办学校办学许可（告知承诺）", department="jyj")
        company = entity(s)
        return {"matter": m.code, "entity_id": company.id}


def test_public_matter_list_json_and_page(client: TestClient, db: Database, clock: FixedClock) -> None:
    _setup(db)
    body = client.get("/api/v1/commitment-matters").json()
    assert body["count"] == 2
    food = next(m for m in body["matters"] if m["code"] == "SCJG-SPJY")
    assert food["excluded_lists"] == ["严重失信主体名单"] and food["online_signing"] is True
    page = client.get("/portal/commitment-matters")
    assert page.status_code == 200
    assert "食品经营许可（告知承诺）" in page.text and "密山市教育局" in page.text


def test_department_token_records_a_commitment_for_its_own_matter(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    ctx = _setup(db)
    with db.session() as s:
        from xinyong.commitments import service

        body = values(service.matter_by_code(s, ctx["matter"]))  # type: ignore[arg-type]
    scjg = {"Authorization": f"Bearer {make_token(db, 'operator', 'scjg')}"}
    jyj = {"Authorization": f"Bearer {make_token(db, 'operator', 'jyj')}"}
    created = client.post("/api/v1/commitments", json=body, headers=scjg)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    assert code == "23038220261128000001" and created.json()["fulfilment_label"] == "待核查"
    # Another department can neither accept the matter nor see or verify the commitment.
    refused = client.post("/api/v1/commitments", json=body, headers=jyj)
    assert refused.status_code == 403 and "不能由本部门受理" in refused.json()["error"]["message"]
    assert client.get(f"/api/v1/commitments/{code}", headers=jyj).status_code == 404
    other = client.post(f"/api/v1/commitments/{code}/fulfilment", json={"fulfilment": "全部履行"}, headers=jyj)
    assert other.status_code == 404
    # Anonymous callers and entity accounts cannot record commitments.
    assert client.post("/api/v1/commitments", json=body).status_code == 401
    entity_token = {"Authorization": f"Bearer {make_token(db, 'entity', 'scjg')}"}
    assert client.post("/api/v1/commitments", json=body, headers=entity_token).status_code == 403
    # Partial fulfilment without the unfulfilled content: 422 naming the field, nothing changes.
    bad = client.post(f"/api/v1/commitments/{code}/fulfilment", json={"fulfilment": "部分履行"}, headers=scjg)
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["error"]["details"]} == {"unfulfilled_content", "accountability"}
    assert client.get(f"/api/v1/commitments/{code}", headers=scjg).json()["fulfilment"] is None
    done = client.post(
        f"/api/v1/commitments/{code}/fulfilment",
        json={"fulfilment": "部分履行", "unfulfilled_content": "未按期提交检验报告", "accountability": "责令补正"},
        headers=scjg,
    )
    assert done.status_code == 200 and done.json()["breach"]["record_id"] > 0


def test_missing_fields_through_the_api_are_named_in_chinese(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    ctx = _setup(db)
    scjg = {"Authorization": f"Bearer {make_token(db, 'operator', 'scjg')}"}
    response = client.post("/api/v1/commitments", json={"matter": ctx["matter"]}, headers=scjg)
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert message.startswith("承诺信息有误，未记录：")
    for text in (
        "承诺人类别（committer_category）：必填项缺失",
        "承诺内容（content）：必填项缺失",
        "公开类型（openness）：必填项缺失",
    ):
        assert text in message


def test_entity_signs_online_and_sees_it(client: TestClient, db: Database, clock: FixedClock) -> None:
    ctx = _setup(db)
    make_user(db, "company", "entity", dept=None)
    with db.session() as s:
        s.execute(update(User).where(User.username == "company").values(entity_id=ctx["entity_id"]))
    login(client, "company")
    page = client.get("/console/my/commitments")
    assert page.status_code == 200 and "食品经营许可（告知承诺）" in page.text
    form = {"matter": ctx["matter"], "legal_rep": "王建国", "openness": "可向社会公开", "agree": "1"}
    response = client.post("/console/my/commitments", data={**form, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 200 and "承诺已提交，承诺编码23038220261128000001" in response.text
    assert "网上自主承诺" in response.text
    # The department console is not the entity's.
    assert client.get("/console/commitments").status_code == 403


def test_operator_records_at_approval_and_a_breach_in_the_console(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    ctx = _setup(db)
    make_user(db, "clerk", "operator", "scjg")
    login(client, "clerk")
    page = client.get("/console/commitments")
    with db.session() as s:
        from xinyong.commitments import service

        form = values(service.matter_by_code(s, ctx["matter"]))  # type: ignore[arg-type]
    form = {k: v for k, v in form.items() if v is not None}
    bad = client.post("/console/commitments", data={**form, "reason": "", "csrf_token": csrf_from(page.text)})
    assert bad.status_code == 422 and "承诺事由（reason）：必填项缺失" in bad.text
    created = client.post("/console/commitments", data={**form, "csrf_token": csrf_from(page.text)})
    assert created.status_code == 200 and "已受理信用承诺，承诺编码23038220261128000001" in created.text
    detail_url = str(created.url)
    breach = client.post(
        detail_url.split("?")[0] + "/fulfilment",
        data={
            "fulfilment": "全部未履行",
            "unfulfilled_content": "现场核查发现无冷藏设施",
            "accountability": "撤销许可",
            "csrf_token": csrf_from(created.text),
        },
    )
    assert breach.status_code == 200 and "已生成违背信用承诺信息并记入信用记录" in breach.text
    assert "全部未履行" in breach.text
    for url in (
        "/console/commitment-matters",
        "/console/commitments/overdue",
        "/console/voluntary",
        "/console/education",
    ):
        assert client.get(url).status_code == 200, url
