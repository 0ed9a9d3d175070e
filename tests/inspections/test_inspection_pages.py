"""Console and portal pages: plan, publish, draw, refuse, inspector result, public pages and files."""

from __future__ import annotations

import hashlib
import re

from fastapi.testclient import TestClient
from tests.helpers import csrf_from, login, make_user
from tests.inspections.support import ACTOR, entities

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.inspections import draw, service


def _setup(db: Database) -> None:
    make_user(db, "clerk", "operator", "scjg")
    for n in (1, 2, 3):
        make_user(db, f"insp{n}", "inspector", "scjg")
    with db.session() as s:
        service.load_shipped_items(s, actor=ACTOR)
        entities(s, 40)
        for n in (1, 2, 3):
            service.save_inspector(
                s,
                values={
                    "code": f"SCJG-{n:04d}",
                    "name": f"检查员{n}",
                    "department": "scjg",
                    "qualifications": ["shichang"],
                    "username": f"insp{n}",
                },
                actor=ACTOR,
            )


def test_plan_draw_result_and_public_pages(client: TestClient, db: Database, clock: FixedClock) -> None:
    _setup(db)
    login(client, "clerk")
    page = client.get("/console/inspections")
    assert page.status_code == 200 and "新建抽查计划" in page.text
    token = csrf_from(page.text)
    bad = client.post(
        "/console/inspections",
        data={"csrf_token": token, "code": "SCJG-2026-12", "name": "年度抽查", "items": "SCJG-001", "base_ratio": "2"},
    )
    assert bad.status_code == 422 and "基础抽查比例（base_ratio）" in bad.text
    created = client.post(
        "/console/inspections",
        data={
            "csrf_token": token,
            "code": "SCJG-2026-12",
            "name": "2026年12月企业公示信息抽查",
            "items": "SCJG-001",
            "base_ratio": "0.25",
            "min_interval_days": "0",
            "inspectors_per_task": "2",
            "seed_sources": "双色球2026140期开奖号码\n排列5第26320期",
            "period_start": "2026-12-01",
            "period_end": "2026-12-31",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    plan_url = created.headers["location"].split("?")[0]
    assert client.get("/portal/inspections/SCJG-2026-12").status_code == 404  # nothing public before publication
    published = client.post(plan_url + "/publish", data={"csrf_token": token})
    assert "已公布第1版检查对象名录库：共40户" in published.text
    portal = client.get("/portal/inspections/SCJG-2026-12")
    sha = re.search(r'<td>B级（.*?<code class="hash">([0-9a-f]{64})</code>', portal.text, re.S)
    assert sha and "双色球2026140期开奖号码" in portal.text
    pool_file = client.get("/portal/inspections/SCJG-2026-12/pool-B.txt")
    assert hashlib.sha256(pool_file.content).hexdigest() == sha.group(1)
    drawn = client.post(
        plan_url + "/draw", data={"csrf_token": token, "seed_0": "3 9 14 22 27 31 6", "seed_1": "26320"}
    )
    assert "抽取完成：共抽中10户" in drawn.text
    # Re-run the B stratum from the public files: same entities, same order as on the public page.
    seeds = client.get("/portal/inspections/SCJG-2026-12/seeds-B.txt").text
    expected = draw.select(draw.make_key(draw.parse_seed_file(seeds)), draw.pool_lines(pool_file.text), 10)
    public_page = client.get("/portal/inspections/SCJG-2026-12").text
    order = re.findall(r"<code>(91230382MA[0-9A-Z]+)</code></td>\s*<td>(?:检查中|未发现问题)", public_page)
    assert order == [line.split("\t")[0] for line in expected]
    client.cookies.clear()

    # An inspector of a team sees the task and records the result; the public sees it.
    for n in (1, 2, 3):
        login(client, f"insp{n}")
        mine = client.get("/console/inspections/my")
        link = re.search(r'href="/console/inspections/my/(\d+)">(SCJG-2026-12-\d+)</a>', mine.text)
        if link:
            break
        client.cookies.clear()
    assert link
    task_page = client.get(f"/console/inspections/my/{link.group(1)}")
    recorded = client.post(
        f"/console/inspections/my/{link.group(1)}",
        data={
            "csrf_token": csrf_from(task_page.text),
            "result": "未发现问题",
            "inspected_on": "2026-11-27",
            "legal_rep": "王建国",
            "note": "经营场所、公示信息与登记一致",
        },
        files=[("files", ("现场照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, "image/png"))],
    )
    assert "检查结果已记录并公示" in recorded.text, recorded.text
    client.cookies.clear()
    public_page = client.get("/portal/inspections/SCJG-2026-12").text
    assert "未发现问题" in public_page and "2026-11-28" in public_page
    uscc = re.search(r"<code>(91230382MA[0-9A-Z]+)</code></td>\s*<td>未发现问题", public_page)
    assert uscc
    profile = client.get(f"/portal/entities/{uscc.group(1)}").text
    assert "行政监督检查信息" in profile and link.group(2) in profile


def test_public_cannot_reach_the_console_and_inspector_cannot_manage(client: TestClient, db: Database) -> None:
    _setup(db)
    assert client.get("/console/inspections", follow_redirects=False).status_code in (303, 401)
    login(client, "insp1")
    assert client.get("/console/inspections").status_code == 403
    assert client.get("/console/inspections/my").status_code == 200


def test_targeted_inspection_inactive_inspector_and_public_api(client: TestClient, db: Database) -> None:
    _setup(db)
    login(client, "clerk")
    page = client.get("/console/inspections/targeted")
    token = csrf_from(page.text)
    with db.session() as s:
        people = service.list_inspectors(s)
        uscc = service.library_rows(s, _dummy_plan(s), today=_today())[0][1]
    bad = client.post(
        "/console/inspections/targeted",
        data={"csrf_token": token, "uscc": uscc, "reason": "complaint", "note": "", "items": "SCJG-002"},
    )
    assert bad.status_code == 422 and "线索说明（note）" in bad.text and "检查人员（inspectors）" in bad.text
    ok = client.post(
        "/console/inspections/targeted",
        data={
            "csrf_token": token,
            "uscc": uscc,
            "reason": "complaint",
            "note": "消费者投诉销售过期食品",
            "items": "SCJG-002",
            "inspectors": [str(people[0].id), str(people[1].id)],
        },
    )
    assert "已登记定向检查DX-" in ok.text and "投诉举报核查" in ok.text
    # An inactive inspector is never drawn.
    off = client.post(
        f"/console/inspections/inspectors/{people[2].id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert "检查员3已设为不在岗" in off.text
    with db.session() as s:
        plan = service.plan_by_code(s, "TMP")
        assert people[2].id not in {p.id for p in service.inspector_pool(s, plan)}
        service.publish_pool(s, plan_id=plan.id, actor=ACTOR)
    client.cookies.clear()
    body = client.get("/api/v1/inspections/plans/TMP").json()
    assert body["status"] == "published" and body["seed_values"] is None
    assert [st["grade"] for st in body["strata"]] == ["A", "B", "C", "D"] and body["strata"][1]["size"] == 40


def _today():  # type: ignore[no-untyped-def]
    from xinyong.core.clock import get_clock

    return get_clock().today()


def _dummy_plan(s):  # type: ignore[no-untyped-def]
    return service.create_plan(
        s,
        values={
            "code": "TMP",
            "name": "临时计划",
            "departments": ["scjg"],
            "items": ["SCJG-001"],
            "min_interval_days": "0",
            "seed_sources": ["双色球开奖号码"],
            "period_start": "2026-12-01",
            "period_end": "2026-12-31",
        },
        actor=ACTOR,
    )


def test_refusing_an_inspector_on_the_plan_page_records_the_reason(client: TestClient, db: Database) -> None:
    _setup(db)
    with db.session() as s:
        plan = _dummy_plan(s)
        service.publish_pool(s, plan_id=plan.id, actor=ACTOR)
        task = service.run_draw(s, plan_id=plan.id, seed_values=["3 9 14 22 27 31 6"], actor=ACTOR)[0]
        assignment = next(a for a in task.assignments if a.status == "assigned")
        plan_id, refused_name = plan.id, assignment.inspector.name
    login(client, "clerk")
    page = client.get(f"/console/inspections/plans/{plan_id}")
    missing = client.post(
        f"/console/inspections/assignments/{assignment.id}/refuse",
        data={"csrf_token": csrf_from(page.text), "plan_id": str(plan_id), "reason": " "},
    )
    assert missing.status_code == 422 and "回避原因（reason）：必填项缺失" in missing.text
    done = client.post(
        f"/console/inspections/assignments/{assignment.id}/refuse",
        data={"csrf_token": csrf_from(page.text), "plan_id": str(plan_id), "reason": "系其亲属开办"},
    )
    assert "已记录回避原因" in done.text and f"{refused_name}：系其亲属开办" in done.text


def test_a_large_draw_is_shown_a_page_at_a_time(client: TestClient, db: Database, clock: FixedClock) -> None:
    """150 tasks: the console and the portal show 100 per page with a pager; the JSON API lists them all."""
    from tests.inspections.support import SEEDS, plan

    _setup(db)
    with db.session() as s:
        entities(s, 110, start=41)
        p = plan(s, base_ratio="1")
        service.publish_pool(s, plan_id=p.id, actor=ACTOR)
        assert service.draw_plan(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR) == 150
        plan_id, code = p.id, p.code
        first_ids = [t.code for t in service.plan_tasks(s, plan_id, limit=100)]
    login(client, "clerk")
    first = client.get(f"/console/inspections/plans/{plan_id}")
    assert "抽取结果（共150户）" in first.text and "第1页 / 共2页" in first.text
    assert re.findall(rf"<code>({code}-\d+)</code>", first.text) == first_ids
    second = client.get(f"/console/inspections/plans/{plan_id}?page=2")
    codes = re.findall(rf"<code>({code}-\d+)</code>", second.text)
    assert len(codes) == 50 and codes[0] == f"{code}-000101" and "上一页" in second.text
    client.cookies.clear()
    public = client.get(f"/portal/inspections/{code}?page=2")
    assert "（共150户）" in public.text and "第2页 / 共2页" in public.text
    assert len(re.findall(r"<td>检查中</td>", public.text)) == 50
    assert len(client.get(f"/api/v1/inspections/plans/{code}").json()["selected"]) == 150
    # A page past the end shows the last page rather than an empty table.
    assert "第2页 / 共2页" in client.get(f"/portal/inspections/{code}?page=9").text
