"""Demo data for commitments and education: matters, commitments (fulfilled, pending, broken), courses taken."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.commitments import service
from xinyong.commitments.models import Commitment
from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher, get_cipher
from xinyong.core.db import Database
from xinyong.core.policy import ALL_DEPARTMENTS
from xinyong.education import service as education_service
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity

COMMITMENTS = 24


def seed(db: Database, *, secret_key: str) -> dict[str, int]:
    """Add the demo matters (once) and, on a database without commitments, a few dozen commitments and courses."""
    actor = Actor.system("demo")
    cipher = get_cipher(secret_key)
    with db.session() as session:
        matters = _matters(session, actor)
        if session.execute(select(func.count()).select_from(Commitment)).scalar_one():
            return {"matters": matters, "commitments": 0}
        companies = list(
            session.execute(
                select(Entity)
                .where(Entity.category == "法人及非法人组织", Entity.uscc.is_not(None), Entity.uscc.like("91%"))
                .order_by(Entity.id)
                .limit(COMMITMENTS)
            ).scalars()
        )
        made = _commitments(session, companies, actor, cipher)
        _education(session, companies, actor)
    return {"matters": matters, "commitments": made}


def _matters(session: Session, actor: Actor) -> int:
    rows = json.loads(resources.files("xinyong.commitments").joinpath("data", "demo-matters.json").read_bytes())
    added = 0
    for row in rows:
        if service.matter_by_code(session, row["code"]) is None:
            service.save_matter(session, values=row, actor=actor)
            added += 1
    return added


def _commitments(session: Session, companies: list[Entity], actor: Actor, cipher: FieldCipher) -> int:
    today = get_clock().today()
    plan = ["SCJG-SPJY", "ZJJ-SGXK", "WTLJ-LXS", "SW-ZMSX", "RSJ-LDBZ", "JTJ-DLYS"]
    made = 0
    for i, company in enumerate(companies):
        matter = service.matter_by_code(session, plan[i % len(plan)])
        if matter is None:
            continue
        made_on = today - timedelta(days=3 * i)
        try:
            with session.begin_nested():
                c = service.create_commitment(
                    session,
                    values={
                        "matter": matter.code,
                        "committer_category": company.category,
                        "committer_name": company.name,
                        "committer_code": company.uscc,
                        "legal_rep": service.legal_rep_of(session, company.id) or "未登记",
                        "reason": matter.name,
                        "content": matter.standard_text,
                        "liability": matter.breach_liability,
                        "made_on": made_on.isoformat(),
                        "openness": "可向社会公开" if i % 5 else "特定范围内公开",
                    },
                    channel="department",
                    actor=actor,
                    cipher=cipher,
                    department_id=matter.department_id,
                )
                if i % 4 == 1:
                    service.record_fulfilment(
                        session,
                        commitment_id=c.id,
                        values={"fulfilment": "全部履行"},
                        actor=actor,
                        cipher=cipher,
                        department_id=ALL_DEPARTMENTS,
                    )
                elif i == 10:
                    service.record_fulfilment(
                        session,
                        commitment_id=c.id,
                        values={
                            "fulfilment": "部分履行",
                            "unfulfilled_content": "承诺的冷链储存设施未按期建成",
                            "accountability": "责令限期整改，记入信用记录",
                        },
                        actor=actor,
                        cipher=cipher,
                        department_id=ALL_DEPARTMENTS,
                    )
            made += 1
        except Exception:
            continue
    return made


def _education(session: Session, companies: list[Entity], actor: Actor) -> None:
    today = get_clock().today()
    scjg = subjects_service.department_by_code(session, "scjg")
    sitting = education_service.create_session(
        session,
        course_code="ZT-XYZS",
        department=scjg,
        held_on=today - timedelta(days=7),
        place="密山市政务服务中心信用服务窗口",
        capacity=60,
        actor=actor,
    )
    for company in companies[:6]:
        education_service.record_completion(
            session,
            course_code="ZT-XYZS",
            completed_on=sitting.held_on,
            entity_id=company.id,
            session_id=sitting.id,
            actor=actor,
        )
    for code, place in (("ZY-DY", "密山市文体广电和旅游局培训室"), ("ZY-YS", "密山市人民医院学术报告厅")):
        course = education_service.course(code)
        dept = subjects_service.department_by_code(session, course.department)
        education_service.create_session(
            session,
            course_code=code,
            department=dept,
            held_on=today + timedelta(days=14),
            place=place,
            capacity=40,
            actor=actor,
        )
