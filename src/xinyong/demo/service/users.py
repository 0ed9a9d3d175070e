"""The demo accounts: an operator and a reviewer per department, the credit office, inspectors, an entity and an
association user, all with :data:`DEMO_PASSWORD`."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts_service
from xinyong.accounts.models import User
from xinyong.core.audit import Actor
from xinyong.demo.service.pools import cumulative, person_name, word_pools
from xinyong.subjects import service as subjects_service

DEMO_PASSWORD = "Xinyong@2026"  # satisfies core.security.check_password_strength


# Departments whose staff include law-enforcement inspectors (besides 市场监管).
INSPECTOR_DEPARTMENTS = ("scjg", "wjj", "yjj", "sthj", "zjj", "jtj", "wtlj", "nyj")


@dataclass(frozen=True)
class DemoCredential:
    """A demo login printed by the CLI."""

    username: str
    password: str
    role: str
    display_name: str
    department_name: str | None


def create_demo_users(session: Session, *, actor: Actor) -> list[DemoCredential]:
    """Create the demo accounts (all with :data:`DEMO_PASSWORD`) and return those created now.

    Per department an operator (``{code}_operator``) and a reviewer (``{code}_reviewer``); at the credit
    office an administrator (``admin``) and an auditor (``auditor``); inspectors (``{code}_inspector``) at
    市场监管 and the other departments of :data:`INSPECTOR_DEPARTMENTS`; one market-entity user (``entity``,
    linked to a demo company by :func:`generate`) and one industry-association user (``association``).
    Idempotent: an existing username is skipped (and not returned, since its password may have been changed).
    Display names are deterministic.
    """
    departments = subjects_service.list_departments(session)
    office = next((d for d in departments if d.is_credit_office), None)
    plan: list[tuple[str, str, str | None, str | None]] = []  # username, role, department code, name
    if office is not None:
        plan.append(("admin", "admin", office.code, office.name))
        plan.append(("auditor", "auditor", office.code, office.name))
    for dept in departments:
        plan.append((f"{dept.code}_operator", "operator", dept.code, dept.name))
        plan.append((f"{dept.code}_reviewer", "reviewer", dept.code, dept.name))
    by_code = {d.code: d for d in departments}
    for code in INSPECTOR_DEPARTMENTS:
        if code in by_code:
            plan.append((f"{code}_inspector", "inspector", code, by_code[code].name))
    plan.append(("entity", "entity", None, None))
    plan.append(("association", "association", None, None))  # linked to the demo association by oversight.demo

    existing = set(session.execute(select(User.username)).scalars())
    rng = random.Random("xinyong-demo-users")
    surnames = [s for s, _ in word_pools()["surnames"]]
    cum = cumulative([float(w) for _, w in word_pools()["surnames"]])
    created: list[DemoCredential] = []
    for username, role, dept_code, dept_name in plan:
        display_name = person_name(rng, rng.choices(surnames, cum_weights=cum)[0], rng.random() < 0.6)
        if username in existing:
            continue
        accounts_service.create_user(
            session,
            username=username,
            display_name=display_name,
            password=DEMO_PASSWORD,
            role=role,
            department_code=dept_code,
            actor=actor,
        )
        created.append(DemoCredential(username, DEMO_PASSWORD, role, display_name, dept_name))
    return created
