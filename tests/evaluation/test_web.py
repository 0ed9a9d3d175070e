"""Console pages and JSON of the evaluation: who sees what, forms with CSRF, uploads."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.evaluation.support import ACTOR, code, entity, penalty
from tests.helpers import csrf_from, login, make_user

from xinyong.accounts.models import User
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.evaluation import service


def _prepare(db: Database) -> int:
    with db.session() as s:
        penalty(s, code(40), "密市监罚〔2026〕12号", date(2026, 11, 20), ["罚款"])
        penalty(s, code(41), "密市监罚〔2026〕41号", date(2026, 11, 21), ["吊销许可证件"])
        eid = entity(s, code(40), registered=date(2016, 5, 1)).id
        service.evaluate_all(s, actor=ACTOR)
    return eid


def test_a_department_reads_an_entity_grade_with_its_explanation(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    eid = _prepare(db)
    make_user(db, "op", "operator", "scjg")
    login(client, "op")
    page = client.get("/console/evaluation", params={"q": code(40)})
    assert page.status_code == 200 and f"/console/evaluation/entities/{eid}" in page.text
    assert 'data-chart="domains"' in page.text and "<script>" not in page.text
    page = client.get(f"/console/evaluation/entities/{eid}")
    assert page.status_code == 200
    assert "综合信用等级：B级（信用风险一般）" in page.text
    assert "完成信用修复：处罚 密市监罚〔2026〕12号 可提前结束公示，评分预计 +50" in page.text
    body = client.get(f"/api/v1/evaluation/subjects/{code(40)}").json()
    assert body["score"] == 710 and body["grade"] == "B"
    assert sum(f["points"] for f in body["explanation"]["factors"]) == body["score"]
    charts = client.get("/api/v1/evaluation/charts").json()
    assert len(charts["domains"]) == 16 and sum(charts["overall"].values()) == 2


def test_the_public_and_entities_cannot_read_department_views(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    eid = _prepare(db)
    assert client.get("/api/v1/evaluation/charts").status_code == 401
    make_user(db, "ent", "entity", None)
    with db.session() as s:
        user = s.execute(select(User).where(User.username == "ent")).scalar_one()
        user.entity_id = eid
    login(client, "ent")
    assert client.get(f"/console/evaluation/entities/{eid}").status_code == 403
    own = client.get("/console/evaluation/mine")
    assert own.status_code == 200 and "如何提升" in own.text and "预警" not in own.text.split("如何提升")[1]


def test_a_department_acknowledges_a_warning_in_its_inbox(client: TestClient, db: Database, clock: FixedClock) -> None:
    _prepare(db)
    make_user(db, "op", "operator", "scjg")
    login(client, "op")
    inbox = client.get("/console/evaluation/warnings")
    assert "新增严重行政处罚" in inbox.text and "密市监罚〔2026〕41号" in inbox.text
    rid = inbox.text.split('action="/console/evaluation/warnings/')[1].split('"')[0]
    refused = client.post(f"/console/evaluation/warnings/{rid}", data={"status": "acknowledged"})
    assert refused.status_code == 403  # no CSRF token
    done = client.post(
        f"/console/evaluation/warnings/{rid}",
        data={"status": "following", "note": "已安排现场检查", "csrf_token": csrf_from(inbox.text)},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "跟进处置中" in done.text and "已安排现场检查" in done.text
    make_user(db, "jt", "operator", "jtj")
    client.cookies.clear()
    login(client, "jt")
    assert "暂无预警" in client.get("/console/evaluation/warnings").text


def test_the_tax_department_imports_industry_grades(client: TestClient, db: Database, clock: FixedClock) -> None:
    eid = _prepare(db)
    make_user(db, "tax", "operator", "sw")
    login(client, "tax")
    page = client.get("/console/evaluation/industry")
    assert "纳税信用等级" in page.text
    csv = f"统一社会信用代码,纳税信用等级\n{code(40)},D\n{code(40)}X,A\n".encode()
    result = client.post(
        "/console/evaluation/industry",
        data={"domain": "shuiwu", "csrf_token": csrf_from(page.text)},
        files={"file": ("tax.csv", csv, "text/csv")},
    )
    assert result.status_code == 200, result.text
    assert "通过1，未通过1" in result.text
    with db.session() as s:
        found = service.current_grade(s, eid)
        assert found is not None and (found.grade, found.overall_grade) == ("B", "D")


def test_the_credit_office_publishes_a_model_and_sees_bad_files_explained(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    make_user(db, "admin", "admin", "ysj")
    login(client, "admin")
    page = client.get("/console/evaluation/model")
    assert "信用风险低" in page.text and "严重失信主体名单" in page.text
    bad = client.post(
        "/console/evaluation/model",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("m.json", b'{"version": "x"}', "application/json")},
    )
    assert bad.status_code == 422 and "评价模型文件有误" in bad.text and "缺少此项" in bad.text
    raw = json.loads(resources.files("xinyong.evaluation").joinpath("data", "model-2026.1.json").read_text("utf-8"))
    raw.update(version="2026.2", effective_from="2026-12-01")
    ok = client.post(
        "/console/evaluation/model",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("m.json", json.dumps(raw).encode(), "application/json")},
    )
    assert ok.status_code == 200 and "已发布评价模型2026.2版" in ok.text
    saved = client.post(
        "/console/evaluation/settings", data={"portal": "on", "csrf_token": csrf_from(page.text)}, follow_redirects=True
    )
    assert saved.status_code == 200
    with db.session() as s:
        assert service.portal_shows_grade(s)


def test_a_record_sent_through_the_api_regrades_its_subject_at_once(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    from tests.helpers import make_token
    from tests.ingestion.samples import row

    from xinyong.subjects import service as subjects_service

    token = make_token(db, "operator", "scjg")
    fields = row(60, CF_CFLB="吊销许可证件", CF_NR_ZKDX="食品经营许可证 JY2303", CF_JDRQ="2026-11-20")
    fields.pop("CF_NR_FK")
    sent = client.post(
        "/api/v1/records",
        json={"kind": "penalty", "fields": fields},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert sent.status_code == 201, sent.text
    with db.session() as s:
        found = service.current_grade(s, subjects_service.entity_by_uscc(s, fields["CF_XDR_SHXYM"]).id)
        assert found is not None and (found.score, found.grade) == (580, "C")
        assert service.dirty_count(s) == 0
