"""Plans, published pools, stratified draws, inspector avoidance, joint plans, results and their deadline."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.inspections.support import ACTOR, CIPHER, SEEDS, entities, inspectors, plan

from xinyong.core.audit import Actor
from xinyong.core.clock import CHINA_TZ, FixedClock, set_clock
from xinyong.core.errors import Conflict, ValidationFailed
from xinyong.inspections import draw, service
from xinyong.inspections.models import InspectionAssignment, InspectionTask
from xinyong.records.models import CreditRecord


@pytest.fixture
def library(session: Session, clock: FixedClock) -> Session:
    service.load_shipped_items(session, actor=ACTOR)
    return session


def _grades(rows: list, pattern: str = "ABCD") -> dict[int, str]:  # type: ignore[type-arg]
    return {e.id: pattern[i % len(pattern)] for i, e in enumerate(rows)}


def test_stratified_ratios_per_grade_and_published_pool_rerun(library: Session) -> None:
    s = library
    rows = entities(s, 400)
    inspectors(s, 6)
    p = plan(s)
    pools = service.publish_pool(s, plan_id=p.id, actor=ACTOR, grades=_grades(rows))
    # Base ratio 10 %, multipliers A 0.5, B 1, C 2, D 4 of 100 entities per grade.
    assert {x.grade: (x.size, x.count) for x in pools} == {
        "A": (100, 5),
        "B": (100, 10),
        "C": (100, 20),
        "D": (100, 40),
    }
    tasks = service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)
    assert Counter(t.grade for t in tasks) == {"A": 5, "B": 10, "C": 20, "D": 40}
    assert len({t.entity_id for t in tasks}) == 75
    # Anyone can re-run each stratum from the published pool file and seeds (what `xinyong draw` does).
    by_id = {e.id: e for e in rows}
    for pool in pools:
        lines = draw.pool_lines(pool.content)
        assert draw.pool_hash(lines) == pool.sha256
        sources = draw.parse_seed_file(
            service.seeds_text(service.stratum_sources([draw.parse_source(v) for v in SEEDS], pool.grade))
        )
        expected = draw.select(draw.make_key(sources), lines, pool.count)
        drawn = [t for t in tasks if t.grade == pool.grade]
        assert [service.pool_line(by_id[t.entity_id].uscc or "", by_id[t.entity_id].name) for t in drawn] == expected
    # Every task has a team of two assigned inspectors.
    for t in tasks:
        assert sum(a.status == "assigned" for a in t.assignments) == 2
    with pytest.raises(Conflict, match="不能重新抽取"):
        service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)


def test_same_library_and_seeds_give_the_same_draw_and_other_seeds_another(library: Session) -> None:
    s = library
    rows = entities(s, 200)
    inspectors(s, 4)
    results = []
    for code, seeds in (("P-1", SEEDS), ("P-2", SEEDS), ("P-3", ["9320", *SEEDS[1:]])):
        p = plan(s, code=code)
        service.publish_pool(s, plan_id=p.id, actor=ACTOR, grades=_grades(rows, "B"))
        results.append([t.entity_id for t in service.run_draw(s, plan_id=p.id, seed_values=seeds, actor=ACTOR)])
    assert results[0] == results[1]
    assert results[2] != results[0]


def test_draw_needs_a_published_pool_and_every_seed_value(library: Session) -> None:
    s = library
    entities(s, 20)
    inspectors(s, 2)
    p = plan(s)
    with pytest.raises(Conflict, match="请先公布检查对象名录库和随机源"):
        service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)
    service.publish_pool(s, plan_id=p.id, actor=ACTOR)
    with pytest.raises(ValidationFailed, match="计划公布了3个随机源"):
        service.run_draw(s, plan_id=p.id, seed_values=SEEDS[:2], actor=ACTOR)


def test_plan_errors_are_reported_together_in_chinese(library: Session) -> None:
    with pytest.raises(ValidationFailed) as info:
        plan(library, code="x", base_ratio="1.5", items=["WJJ-001"], seed_sources=[], inspectors_per_task="1")
    text = info.value.message
    assert "计划编号（code）" in text
    assert "基础抽查比例（base_ratio）：应为大于0且不超过1的小数" in text
    assert "抽查事项（items）：抽查事项“WJJ-001”不属于参与部门" in text
    assert "随机源（seed_sources）" in text
    assert "每户检查人员数（inspectors_per_task）：不能小于2" in text


def test_avoidance_declared_licensing_and_previous_inspector(library: Session, clock: FixedClock) -> None:
    s = library
    rows = entities(s, 30)
    people = inspectors(s, 5)
    # Everyone but inspectors 4 and 5 has a conflict with every entity: declared or own licensing.
    for e in rows:
        service.declare_conflict(
            s, inspector_id=people[0].id, entity_id=e.id, kind="declared", note="亲属", actor=ACTOR
        )
        service.declare_conflict(s, inspector_id=people[1].id, entity_id=e.id, kind="licensing", note=None, actor=ACTOR)
        service.declare_conflict(s, inspector_id=people[2].id, entity_id=e.id, kind="declared", note=None, actor=ACTOR)
    p = plan(s, base_ratio="1")
    service.publish_pool(s, plan_id=p.id, actor=ACTOR, grades=_grades(rows, "B"))
    tasks = service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)
    assert len(tasks) == 30
    allowed = {people[3].id, people[4].id}
    for t in tasks:
        assert {a.inspector_id for a in t.assignments if a.status == "assigned"} == allowed
        reasons = {a.reason for a in t.assignments if a.status == "avoided"}
        assert reasons <= {"本人申报的利害关系", "本人办理过该主体的行政许可"}
    # The next plan: the two who inspected each entity last time must step aside; with nobody left the draw fails.
    p2 = plan(s, code="SCJG-2026-02", base_ratio="1")
    service.publish_pool(s, plan_id=p2.id, actor=ACTOR, grades=_grades(rows, "B"))
    with pytest.raises(ValidationFailed, match="无需回避的检查人员不足2人"):
        service.run_draw(s, plan_id=p2.id, seed_values=SEEDS, actor=ACTOR)
    s.rollback()


def test_a_licence_the_inspector_entered_is_own_licensing_without_a_declaration(library: Session) -> None:
    """An inspector whose own account submitted a licence of the entity steps aside, with the licensing reason."""
    from tests.ingestion.samples import AUTHORITY

    from xinyong.accounts import service as accounts
    from xinyong.ingestion import service as ingestion

    s = library
    rows = entities(s, 9)
    user = accounts.create_user(
        s,
        username="scjg_xk_zhang",
        display_name="张许可",
        password="Xinyong@2026",
        role="operator",
        department_code="scjg",
        actor=ACTOR,
        check_strength=False,
    )
    people = inspectors(s, 2)
    clerk = service.save_inspector(
        s,
        values={
            "code": "SCJG-0100",
            "name": "张许可",
            "department": "scjg",
            "qualifications": ["shichang"],
            "username": "scjg_xk_zhang",
        },
        actor=ACTOR,
    )
    licensed = rows[:6]
    clerk_actor = Actor(label="scjg_xk_zhang", user_id=user.id, department_code="scjg", role="operator")
    for n, entity in enumerate(licensed, start=1):
        fields = {
            "XK_XDR_MC": entity.name,
            "XK_XDR_LB": "法人及非法人组织",
            "XK_XDR_SHXYM": entity.uscc,
            "XK_FRDB": "张伟",
            "XK_XKWS": "食品经营许可决定书",
            "XK_WSH": f"密市监许〔2026〕{n}号",
            "XK_XKLB": "普通",
            "XK_XKZS": "食品经营许可证",
            "XK_XKBH": f"JY1230382000123{n}",
            "XK_NR": "预包装食品销售（含冷藏冷冻食品）",
            "XK_JDRQ": "2026-11-02",
            "XK_YXQZ": "2026-11-02",
            "XK_YXQZI": "2031-11-01",
            "XK_XKJG": "密山市市场监督管理局",
            "XK_XKJGDM": AUTHORITY,
            "XK_ZT": "1",
            "XK_LYDW": "密山市市场监督管理局",
            "XK_LYDWDM": AUTHORITY,
        }
        ingestion.submit_one(s, kind="license", fields=fields, department_code="scjg", actor=clerk_actor, cipher=CIPHER)
    p = plan(s, base_ratio="1")
    service.publish_pool(s, plan_id=p.id, actor=ACTOR, grades=_grades(rows, "B"))
    tasks = {t.entity_id: t for t in service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)}
    others = {people[0].id, people[1].id}
    reasons = set()
    for entity in licensed:
        team = tasks[entity.id].assignments
        assert {a.inspector_id for a in team if a.status == "assigned"} == others
        reasons |= {(a.status, a.reason) for a in team if a.inspector_id == clerk.id}
    assert reasons == {("avoided", "本人办理过该主体的行政许可")}
    # Only the clerk's own licences count: entities the clerk did not license may be given the clerk.
    assert any(
        a.inspector_id == clerk.id and a.status == "assigned"
        for e, t in tasks.items()
        if e not in {x.id for x in licensed}
        for a in t.assignments
    )


def test_previous_inspectors_are_avoided_in_the_next_plan(library: Session) -> None:
    s = library
    rows = entities(s, 10)
    inspectors(s, 4)
    first = plan(s, base_ratio="1")
    service.publish_pool(s, plan_id=first.id, actor=ACTOR, grades=_grades(rows, "B"))
    before = {
        t.entity_id: {a.inspector_id for a in t.assignments if a.status == "assigned"}
        for t in service.run_draw(s, plan_id=first.id, seed_values=SEEDS, actor=ACTOR)
    }
    second = plan(s, code="SCJG-2026-02", base_ratio="1")
    service.publish_pool(s, plan_id=second.id, actor=ACTOR, grades=_grades(rows, "B"))
    for t in service.run_draw(s, plan_id=second.id, seed_values=SEEDS, actor=ACTOR):
        now = {a.inspector_id for a in t.assignments if a.status == "assigned"}
        assert not now & before[t.entity_id]
        assert {a.inspector_id for a in t.assignments if a.status == "avoided"} <= before[t.entity_id]
        assert all(a.reason == "上次检查同一主体的检查人员" for a in t.assignments if a.status == "avoided")


def test_refused_assignment_is_redrawn_with_the_reason(library: Session) -> None:
    s = library
    rows = entities(s, 5)
    inspectors(s, 5)
    p = plan(s, base_ratio="1")
    service.publish_pool(s, plan_id=p.id, actor=ACTOR, grades=_grades(rows, "B"))
    task = service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)[0]
    first = next(a for a in task.assignments if a.status == "assigned")
    service.refuse_assignment(s, assignment_id=first.id, reason="检查前发现系其配偶任职单位", actor=ACTOR)
    s.expire_all()
    rows_after = s.execute(select(InspectionAssignment).where(InspectionAssignment.task_id == task.id)).scalars().all()
    assigned = [a for a in rows_after if a.status == "assigned"]
    assert len(assigned) == 2 and first.inspector_id not in {a.inspector_id for a in assigned}
    refused = [a for a in rows_after if a.status == "refused"]
    assert [(a.inspector_id, a.reason) for a in refused] == [(first.inspector_id, "检查前发现系其配偶任职单位")]


def test_joint_plan_inspects_each_entity_once_with_all_items(library: Session) -> None:
    s = library
    rows = entities(s, 60, industry="H")
    inspectors(s, 2)
    inspectors(s, 2, dept="wjj", domain="weijian")
    p = plan(s, code="LH-2026-01", departments=["scjg", "wjj"], items=["SCJG-002", "WJJ-001"], base_ratio="0.5")
    service.publish_pool(s, plan_id=p.id, actor=ACTOR, grades=_grades(rows, "BD"))
    tasks = service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)
    ids = [t.entity_id for t in tasks]
    assert len(ids) == len(set(ids)) == 15 + 30
    names = service.item_names(s, tasks[0].item_ids)
    assert names == ["食品经营者经营条件检查", "公共场所卫生检查"]


def test_library_filter_and_minimum_interval(library: Session) -> None:
    s = library
    entities(s, 10, industry="F")
    entities(s, 10, start=11, industry="C", status="注销")
    entities(s, 10, start=21, industry="C", registered_on=date(2026, 10, 1))
    inspectors(s, 4)
    p = plan(s, industries="F C", min_registered_months="12", base_ratio="1")
    pools = service.publish_pool(s, plan_id=p.id, actor=ACTOR)
    assert sum(x.size for x in pools) == 10  # de-registered and too recently registered entities are out
    assert [x.grade for x in pools if x.size] == ["B"]  # no grade known: the setting (B)
    service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)
    again = plan(s, code="SCJG-2026-02", industries="F C", min_registered_months="12", min_interval_days="365")
    with pytest.raises(ValidationFailed, match="没有可抽查的市场主体"):
        service.publish_pool(s, plan_id=again.id, actor=ACTOR)


def test_result_becomes_a_published_inspection_record_with_deadline_across_the_holiday(
    library: Session, clock: FixedClock
) -> None:
    s = library
    set_clock(FixedClock(datetime(2026, 9, 30, 10, 0, tzinfo=CHINA_TZ)))
    rows = entities(s, 3)
    people = inspectors(s, 2)
    p = plan(s, base_ratio="1")
    service.publish_pool(s, plan_id=p.id, actor=ACTOR, grades=_grades(rows, "B"))
    task = service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)[0]
    with pytest.raises(ValidationFailed) as info:
        service.record_result(
            s,
            task_id=task.id,
            result="合格",
            note="",
            inspected_on=None,
            legal_rep="",
            actor=ACTOR,
            inspector_id=people[0].id,
            cipher=CIPHER,
        )
    assert "检查结果（result）：应为：未发现问题" in info.value.message
    assert "法定代表人（legal_rep）" in info.value.message
    service.record_result(
        s,
        task_id=task.id,
        result="发现问题已责令整改",
        note="未按规定公示年度报告，已责令改正",
        inspected_on=date(2026, 9, 29),
        legal_rep="王建国",
        actor=ACTOR,
        inspector_id=people[0].id,
        cipher=CIPHER,
        publish=False,
    )
    # Formed on 30 September: 20 working days skip the National Day holiday and count the 10 October make-up day.
    assert task.publish_deadline == date(2026, 11, 3)
    set_clock(FixedClock(datetime(2026, 11, 4, 9, 0, tzinfo=CHINA_TZ)))
    assert [t.id for t in service.overdue_results(s)] == [task.id]
    record = service.publish_result(s, task_id=task.id, legal_rep="王建国", actor=ACTOR, cipher=CIPHER)
    assert record.item_code == "inspection"
    assert record.fields["JCJG"] == "发现问题已责令整改" and record.fields["JCFS"] == "双随机抽查"
    assert record.fields["WSH"] == task.code
    assert service.overdue_results(s) == []
    stored = s.execute(select(CreditRecord).where(CreditRecord.id == task.record_id)).scalar_one()
    assert stored.entity_id == task.entity_id
    assert stored.outcome == "发现问题已责令整改"  # the result the evaluation scores on, kept beside the JSON


def test_only_the_team_records_a_result_and_targeted_inspections_are_separate(library: Session) -> None:
    s = library
    rows = entities(s, 3)
    people = inspectors(s, 4)
    task = service.create_targeted(
        s,
        department_code="scjg",
        uscc=rows[0].uscc or "",
        reason="complaint",
        note="消费者投诉销售过期食品",
        item_codes=["SCJG-002"],
        inspector_ids=[people[0].id, people[1].id],
        actor=ACTOR,
    )
    assert task.kind == "targeted" and task.plan_id is None
    from xinyong.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.record_result(
            s,
            task_id=task.id,
            result="未发现问题",
            note="",
            inspected_on=date(2026, 11, 27),
            legal_rep="王建国",
            actor=ACTOR,
            inspector_id=people[3].id,
            cipher=CIPHER,
        )
    service.record_result(
        s,
        task_id=task.id,
        result="未发现问题",
        note="",
        inspected_on=date(2026, 11, 27),
        legal_rep="王建国",
        actor=ACTOR,
        inspector_id=people[1].id,
        cipher=CIPHER,
    )
    assert task.status == "published"
    record = s.get(CreditRecord, task.record_id)
    assert record is not None and record.fields["JCFS"] == "投诉举报核查"
    assert s.execute(select(InspectionTask).where(InspectionTask.kind == "random")).first() is None


def test_attachments_are_checked_and_nothing_is_half_written(library: Session) -> None:
    s = library
    rows = entities(s, 2)
    people = inspectors(s, 2)
    p = plan(s, base_ratio="1")
    service.publish_pool(s, plan_id=p.id, actor=ACTOR, grades=_grades(rows, "B"))
    task = service.run_draw(s, plan_id=p.id, seed_values=SEEDS, actor=ACTOR)[0]
    uploads = [service.Upload("现场.pdf", b"not a pdf"), service.Upload("记录.exe", b"MZ")]
    with pytest.raises(ValidationFailed) as info:
        service.record_result(
            s,
            task_id=task.id,
            result="未发现问题",
            note="",
            inspected_on=date(2026, 11, 27),
            legal_rep="王建国",
            attachments=uploads,
            actor=ACTOR,
            inspector_id=people[0].id,
            cipher=CIPHER,
        )
    assert "“现场.pdf”的内容与扩展名不符" in info.value.message and "“记录.exe”的类型不允许" in info.value.message
    assert task.status == "assigned" and task.result is None and task.record_id is None
    service.record_result(
        s,
        task_id=task.id,
        result="未发现问题",
        note="",
        inspected_on=date(2026, 11, 27),
        legal_rep="王建国",
        attachments=[service.Upload("现场.pdf", b"%PDF-1.7 ...")],
        actor=ACTOR,
        inspector_id=people[0].id,
        cipher=CIPHER,
    )
    assert task.status == "published" and task.publish_deadline == date(2026, 12, 25)
