"""Demo data for lists, bans, checks and supervision: a few dozen listings at every step, bans, checks with
feedback, rectification orders, interviews and a campaign (constant work, whatever the demo's size)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.checks import service as checks_service
from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock, get_clock, set_clock
from xinyong.core.crypto import FieldCipher, get_cipher
from xinyong.core.db import Database
from xinyong.core.errors import DomainError
from xinyong.lists import service, supervision
from xinyong.lists.models import ListEntry
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity

CANDIDATES = 40


def seed(db: Database, *, secret_key: str) -> dict[str, int]:
    """On a database without list entries, list some penalised companies and run checks against them."""
    cipher = get_cipher(secret_key)
    with db.session() as session:
        if session.execute(select(func.count()).select_from(ListEntry)).scalar_one():
            return {"entries": 0}
        rows = session.execute(
            select(CreditRecord.id, Entity)
            .join(Entity, Entity.id == CreditRecord.entity_id)
            .where(
                CreditRecord.item_code == "penalty",
                CreditRecord.is_current.is_(True),
                CreditRecord.status == states.VALID,
                Entity.uscc.like("91%"),
            )
            .order_by(CreditRecord.id)
            .limit(CANDIDATES * 3)
        ).all()
        seen: set[int] = set()
        picked: list[tuple[int, Entity]] = []
        for record_id, entity in rows:
            if entity.id not in seen:
                seen.add(entity.id)
                picked.append((record_id, entity))
        if not picked:
            return {"entries": 0}
        made = _listings(session, picked[:CANDIDATES], cipher)
        _bans_and_supervision(session, [e for _r, e in picked[CANDIDATES // 2 :]], cipher)
        _checks(session, [e for _r, e in picked], cipher)
    return {"entries": made}


def _dept_of(session: Session, record_id: int) -> tuple[int, str]:
    record = session.get(CreditRecord, record_id)
    assert record is not None
    from xinyong.subjects.models import Department

    dept = session.get(Department, record.department_id)
    assert dept is not None
    return dept.id, dept.code


def _listings(session: Session, picked: list[tuple[int, Entity]], cipher: FieldCipher) -> int:
    real = get_clock()
    today = real.today()
    plan = ["serious"] * 8 + ["key_attention"] * 5 + ["red"] * 3 + ["serious"] * 4
    made = 0
    for i, ((record_id, entity), list_type) in enumerate(zip(picked, plan, strict=False)):
        dept_id, code = _dept_of(session, record_id)
        operator = Actor(label=f"demo-{code}-operator", department_code=code, role="operator")
        reviewer = Actor(label=f"demo-{code}-reviewer", department_code=code, role="reviewer")
        stage = "published" if i < 16 else ("noticed" if i < 18 else "proposed")
        back = FixedClock(real.now() - timedelta(days=40 if stage == "published" else 1))
        set_clock(back)
        try:
            nested = session.begin_nested()
            entry = service.propose(
                session,
                values={
                    "list_type": list_type,
                    "subject": entity.uscc,
                    "domain": "food_drugs" if list_type == "key_attention" else None,
                    "reason": {
                        "serious": "受到较重行政处罚且拒不履行，情节严重",
                        "key_attention": "多次受到行政处罚，存在失信风险",
                        "red": "连续三年无不良信用记录，诚信经营表现突出",
                    }[list_type],
                    "legal_basis": "密政办规〔2021〕3号",
                    "basis_records": [] if list_type == "red" else [record_id],
                    "use_registered": True,
                },
                department_id=dept_id,
                actor=operator,
                cipher=cipher,
            )
            if stage != "proposed":
                service.give_notice(
                    session,
                    entry_id=entry.id,
                    document=f"告〔{today.year}〕{i + 1}号",
                    department_id=dept_id,
                    actor=operator,
                )
            set_clock(real)
            if stage == "published":
                service.decide(
                    session,
                    entry_id=entry.id,
                    approve=True,
                    note="经审核，符合列入条件",
                    document_number=f"{code.upper()}-MD-{today.year}-{i + 1:03d}",
                    department_id=dept_id,
                    actor=reviewer,
                )
                service.publish(session, entry_id=entry.id, department_id=dept_id, actor=reviewer, cipher=cipher)
            nested.commit()
            made += 1
        except DomainError:
            nested.rollback()
        finally:
            set_clock(real)
    return made


def _bans_and_supervision(session: Session, companies: list[Entity], cipher: FieldCipher) -> None:
    today = get_clock().today()
    scjg = subjects_service.department_by_code(session, "scjg")
    actor = Actor(label="demo-scjg-reviewer", department_code="scjg", role="reviewer")
    for i, entity in enumerate(companies[:3]):
        nested = session.begin_nested()
        try:
            service.create_ban(
                session,
                values={
                    "subject": entity.uscc,
                    "scope": "industry",
                    "domain": "food_drugs",
                    "content": "五年内不得从事食品生产经营管理工作",
                    "basis": "《中华人民共和国食品安全法》第一百三十五条",
                    "document_number": f"密市监罚〔{today.year}〕{900 + i}号",
                    "starts_on": (today - timedelta(days=30)).isoformat(),
                    "ends_on": (today + timedelta(days=5 * 365)).isoformat(),
                },
                department_id=scjg.id,
                actor=actor,
                cipher=cipher,
            )
            nested.commit()
        except DomainError:
            nested.rollback()
    nested = session.begin_nested()
    try:
        campaign = supervision.create_campaign(
            session,
            values={
                "name": f"{today.year}年食品安全领域失信问题专项治理",
                "domain": "食品药品",
                "goal": "督促失信经营者限期整改，整改率达到90%以上",
                "starts_on": (today - timedelta(days=20)).isoformat(),
                "ends_on": (today + timedelta(days=40)).isoformat(),
            },
            department_id=scjg.id,
            actor=actor,
        )
        for entity in companies[3:8]:
            supervision.issue_order(
                session,
                values={
                    "subject": entity.uscc,
                    "content": "限期整改食品贮存和进货查验记录问题",
                    "working_days": 10,
                    "campaign": campaign.id,
                },
                department_id=scjg.id,
                actor=actor,
                cipher=cipher,
            )
        for entity in companies[3:5]:
            supervision.hold_interview(
                session,
                values={
                    "kind": "reminder",
                    "subject": entity.uscc,
                    "document_number": f"密市监约〔{today.year}〕{entity.id}号",
                    "participants": "市场监督管理局执法人员2名；企业负责人",
                    "record_text": "提示企业按期完成整改，告知逾期未整改的信用后果",
                    "commitments": "按期完成整改并报送整改报告",
                    "legal_rep": "（见登记信息）",
                },
                department_id=scjg.id,
                actor=actor,
                cipher=cipher,
            )
        nested.commit()
    except DomainError:
        nested.rollback()


def _checks(session: Session, companies: list[Entity], cipher: FieldCipher) -> None:
    matters = ["procurement", "bidding", "subsidy", "market_access", "honour"]
    for i, entity in enumerate(companies[:30]):
        code = ["fgj", "zjj", "scjg", "swj"][i % 4]
        dept = subjects_service.department_by_code(session, code)
        actor = Actor(label=f"demo-{code}-operator", department_code=code, role="operator")
        check = checks_service.run_check(
            session,
            subject=entity.uscc or "",
            matter=matters[i % len(matters)],
            department_id=dept.id,
            actor=actor,
            cipher=cipher,
        )
        if i % 3 == 2:
            continue  # a third left without feedback: the statistics show it
        measures = [{"code": m["code"], "applied": True} for m in check.result["measures"]]
        outcome = {"deny": "refused", "restrict": "restricted", "allow": "approved"}[check.conclusion]
        checks_service.record_feedback(
            session,
            code=check.code,
            values={"outcome": outcome, "measures": measures},
            department_id=dept.id,
            actor=actor,
        )
