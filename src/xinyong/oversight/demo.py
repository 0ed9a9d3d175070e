"""Demo data for oversight and associations: this quarter's progress reports on the plan tasks by part of their
responsible units, and one industry association with members and its own information (constant work)."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.associations import service as associations_service
from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.db import Database
from xinyong.core.identifiers import make_uscc
from xinyong.oversight import plan
from xinyong.oversight.models import PlanProgress
from xinyong.subjects.models import Department, Entity

ASSOCIATION_NAME = "密山市食品行业协会"
ASSOCIATION_USER = "association"
MEMBERS = 25
PROGRESS = {
    "in_progress": "已明确责任科室和工作人员，按月调度推进。",
    "done": "本季度任务已完成，相关制度和台账已建立。",
    "not_started": "已列入下季度工作计划。",
    "delayed": "已制定方案，系统对接尚在进行。",
}


def _pick(*parts: object) -> int:
    """A stable number from 0 to 99 for the parts (the same on every run)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).digest()[0] * 100 // 256


def seed(db: Database) -> dict[str, int]:
    """On a database without progress reports, report on about 60 % of the (task, unit) pairs; then create the demo
    association if missing."""
    made = {"reports": 0, "members": 0}
    with db.session() as session:
        if not session.execute(select(func.count()).select_from(PlanProgress)).scalar_one():
            made["reports"] = _progress(session)
        made["members"] = _association(session)
    return made


def _progress(session: Session) -> int:
    codes = {d.id: d.code for d in session.execute(select(Department)).scalars()}
    count = 0
    for status in plan.overview(session):
        for unit in status.units:
            n = _pick(status.item.code, unit.department_id)
            if n >= 60:
                continue
            kind = "done" if n < 15 else "delayed" if n < 20 else "not_started" if n < 25 else "in_progress"
            plan.submit_progress(
                session,
                item_code=status.item.code,
                department_id=unit.department_id,
                status=kind,
                progress=PROGRESS[kind],
                problems="与上级平台的数据接口尚未联调完成。" if kind == "delayed" else None,
                actor=Actor(label=f"{codes[unit.department_id]}_operator", role="operator"),
            )
            count += 1
    return count


def _association(session: Session) -> int:
    if associations_service.exists(session, ASSOCIATION_NAME):
        return 0
    actor = Actor.system("demo")
    civil = session.execute(select(Department.code).where(Department.code == "mzj")).scalar_one_or_none()
    association = associations_service.register(
        session,
        uscc=make_uscc("5", "1", "230382", "MJ000001"),
        name=ASSOCIATION_NAME,
        supervising_department=civil,
        actor=actor,
    )
    if session.execute(select(User.id).where(User.username == ASSOCIATION_USER, User.role == "association")).first():
        associations_service.link_user(session, association_id=association.id, username=ASSOCIATION_USER, actor=actor)
    members = list(
        session.execute(select(Entity).where(Entity.uscc.like("91%")).order_by(Entity.id).limit(MEMBERS)).scalars()
    )
    today = get_clock().today()
    for e in members:
        associations_service.add_member(
            session, association=association, uscc=e.uscc or "", joined_on=None, actor=actor
        )
    items = [
        ("commitment", None, "食品安全行业自律承诺", "承诺严格执行食品安全标准，不采购、不销售过期和不合格食品。"),
        ("commitment", None, "食品安全行业自律承诺", "承诺建立进货查验记录制度，如实记录食品进货信息。"),
        ("training", None, "2026年度食品安全诚信培训", "参加协会组织的食品安全法律法规和诚信经营培训（4学时）。"),
        ("discipline", "通报批评", "违反行业自律公约", "销售超过保质期的食品，经理事会决定在全体会员范围内通报批评。"),
    ]
    for e, (kind, measure, title, content) in zip(members, items, strict=False):
        associations_service.record_info(
            session,
            association=association,
            entity_id=e.id,
            values={"kind": kind, "measure": measure, "title": title, "content": content, "occurred_on": str(today)},
            actor=actor,
        )
    return len(members)
