"""Demo data for personal-information queries: registrations by demo clerks, one authorisation, one account that
browsed many unrelated persons in a day and queries at night (so the auditor's pages have something to show)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.db import Database
from xinyong.core.security import ROLE_PERMISSIONS, Principal
from xinyong.privacy import service
from xinyong.privacy.models import PersonQuery
from xinyong.privacy.rules import rules_on
from xinyong.subjects.models import Department, Person

PURPOSES = [
    ("办理食品经营许可审查", "admin-licensing"),
    ("行政处罚案件调查取证", "admin-penalty"),
    ("政府采购供应商资格审查", "pipl-13-1-3"),
    ("失信联合惩戒措施实施", "govoffice-2020-49"),
]


def seed(db: Database) -> dict[str, int]:
    """On a database without registrations: about forty registrations and one authorisation (idempotent)."""
    with db.session() as session:
        if session.execute(select(func.count()).select_from(PersonQuery)).scalar_one():
            return {"queries": 0}
        persons = list(session.execute(select(Person).order_by(Person.id).limit(40)).scalars())
        clerks = list(session.execute(select(User).where(User.role == "operator").order_by(User.id).limit(2)).scalars())
        if not persons or not clerks:
            return {"queries": 0}
        rules = rules_on(get_clock().today())
        now = get_clock().now()
        written = 0
        for i, person in enumerate(persons[:12]):
            clerk = clerks[i % len(clerks)]
            purpose, basis = PURPOSES[i % len(PURPOSES)]
            rows = service.register(
                session,
                _principal(session, clerk),
                [person],
                ["records", "lists"],
                service.QueryRequest(purpose=purpose, basis=basis),
                path="GET /console/lists",
            )
            for row in rows:  # spread over the last days, in office hours, one late in the evening
                row.at = now - timedelta(days=i % 6, hours=3 if i != 5 else -9)
            written += len(rows)
        browser = clerks[-1]
        many = persons[: rules.anomaly_max_unrelated_persons + 5]
        rows = service.register(
            session,
            _principal(session, browser),
            many,
            ["records"],
            service.QueryRequest(purpose="了解辖区人员情况", basis="pipl-13-1-3"),
            path="GET /api/v1/lists/entries",
        )
        for n, row in enumerate(rows):
            row.at = now - timedelta(minutes=5 * n)
        written += len(rows)
        service.record_authorisation(
            session,
            person=persons[0],
            values={
                "scope": ["records", "lists", "checks"],
                "purpose": "本人申请人才公寓入住资格审核",
                "granted_on": get_clock().today().isoformat(),
                "expires_on": (get_clock().today() + timedelta(days=180)).isoformat(),
                "evidence_note": "本人在政务服务中心信用窗口现场签署授权书，已核验身份证原件（演示数据）",
            },
            file_name=None,
            content=None,
            department_id=browser.department_id,
            actor=Actor.system("demo"),
        )
        return {"queries": written}


def _principal(session: Session, user: User) -> Principal:
    dept = session.get(Department, user.department_id) if user.department_id else None
    return Principal(
        role=user.role,
        permissions=ROLE_PERMISSIONS[user.role],
        user_id=user.id,
        username=user.username,
        department_id=user.department_id,
        department_code=dept.code if dept else None,
        department_name=dept.name if dept else None,
    )
