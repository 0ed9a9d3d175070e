"""The demo city and the main deadline-bearing workflows work on any date (issue 18): in December before next year's
notice, in a year with no notice at all, and years ahead — on SQLite and PostgreSQL.

Each run: a freshly initialised database (``init``), ``demo`` with the clock fixed at the date, then a penalty, an
objection with its extension, a repair application, an inspection result, a listing with its statement window and
a rectification order, each deadline computed (provisionally where the year has no loaded notice).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from tests.commitments.support import ACTOR, CIPHER, entity
from tests.conftest import fresh_database_url
from tests.lists.support import OPERATOR, dept_id, proposal_values
from tests.repair.support import penalty, sign_repair, train

from xinyong.core import deadlines
from xinyong.core.clock import CHINA_TZ, FixedClock, get_clock, set_clock
from xinyong.core.db import Database
from xinyong.demo import service as demo
from xinyong.inspections import demo as inspections_demo
from xinyong.inspections import service as inspections
from xinyong.lists import service as lists
from xinyong.lists import supervision
from xinyong.objections import service as objections
from xinyong.repair import service as repair

SECRET = "test-secret-any-date-0123456789-abcdefghijkl"
DATES = [date(2026, 12, 20), date(2027, 6, 15), date(2030, 1, 2)]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=DATES, ids=[d.isoformat() for d in DATES])
def on_date(request: pytest.FixtureRequest) -> Iterator[FixedClock]:
    previous = get_clock()
    fixed = FixedClock(datetime.combine(request.param, datetime.min.time(), tzinfo=CHINA_TZ) + timedelta(hours=10))
    set_clock(fixed)
    yield fixed
    set_clock(previous)


@pytest.fixture
def city(
    backend: str, on_date: FixedClock, tmp_path: Path, sqlite_template: Path, pg_template: str | None
) -> Iterator[Database]:
    urls = fresh_database_url(backend, tmp_path, sqlite_template, pg_template)
    db = Database(next(urls))
    try:
        demo.generate(db, entities=300, secret_key=SECRET, signing_secret=SECRET)
        yield db
    finally:
        db.dispose()
        next(urls, None)


def test_demo_and_workflows_on_any_date(city: Database, on_date: FixedClock) -> None:
    today = get_clock().today()
    with city.session() as session:
        # A penalty decided today: its publication deadline is computed, provisional when it reaches a year with
        # no notice (every date here but none of 2004–2026's).
        company = entity(session, 901)
        record = penalty(session, 901, CF_JDRQ=(today - timedelta(days=200)).isoformat())
        fresh = penalty(session, 901, CF_JDRQ=today.isoformat(), CF_WSH=f"密市监罚〔{today.year}〕9号")
        assert fresh.publication_deadline is not None and fresh.publication_deadline > today
        assert deadlines.is_provisional(session, fresh.publication_deadline) == (fresh.publication_deadline.year > 2026)

        # An objection to the fresh penalty, extended once.
        objection = objections.file_objection(
            session, record_id=fresh.id, entity_id=company.id, reasons="金额有误", evidence="缴款凭证", actor=ACTOR
        )
        first_due = objection.due_on
        objections.extend(
            session, objection_id=objection.id, reason="需调取案卷", actor=ACTOR, department_id=fresh.department_id
        )
        assert objection.due_on > first_due > today

        # A repair application for the older penalty (minimum publicity served, commitment and training done).
        train(session, company, on=today)
        sign_repair(session, record, 901, made_on=today.isoformat())
        application = repair.apply(
            session,
            record_id=record.id,
            entity_id=company.id,
            reason="已缴清罚款并完成整改",
            performance="已缴纳罚款5000元",
            actor=ACTOR,
        )
        assert application.due_on > today and application.feedback_due_on >= application.due_on

        # An inspection plan of this year drawn and a result recorded by the demo's inspector.
        plan = inspections.create_plan(
            session,
            values={
                "code": f"SCJG-{today.year}-SJ99",
                "name": f"{today.year}年度专项抽查",
                "departments": ["scjg"],
                "items": ["SCJG-001"],
                "industries": ["F"],
                "base_ratio": "0.2",
                "min_interval_days": "0",
                "seed_sources": inspections_demo.SEED_SOURCES,
                "period_start": today.isoformat(),
                "period_end": (today + timedelta(days=60)).isoformat(),
            },
            actor=ACTOR,
        )
        inspections.publish_pool(session, plan_id=plan.id, actor=ACTOR)
        task = inspections.run_draw(session, plan_id=plan.id, seed_values=inspections_demo.SEED_VALUES, actor=ACTOR)[0]
        inspector = next(a.inspector_id for a in inspections.get_task(session, task.id).assignments)
        recorded = inspections.record_result(
            session,
            task_id=task.id,
            result="未发现问题",
            note="",
            inspected_on=today,
            legal_rep="王建国",
            actor=ACTOR,
            inspector_id=inspector,
            cipher=CIPHER,
            publish=False,
        )
        assert recorded.publish_deadline is not None and recorded.publish_deadline > today

        # A listing: proposal, prior notice, the statement window granted to the party.
        entry = lists.propose(
            session,
            values=proposal_values(901, [record.id]),
            department_id=dept_id(session),
            actor=OPERATOR,
            cipher=CIPHER,
        )
        lists.give_notice(
            session, entry_id=entry.id, document="密市监告〔2026〕9号", department_id=dept_id(session), actor=OPERATOR
        )
        assert entry.statement_until is not None and entry.statement_until > today

        # A rectification order with its working-day deadline.
        order = supervision.issue_order(
            session,
            values={"subject": company.uscc, "content": "限期整改食品储存条件", "working_days": 15},
            department_id=dept_id(session),
            actor=OPERATOR,
            cipher=CIPHER,
        )
        assert order.due_on > today
        provisional = [d for d in (objection.due_on, application.due_on, entry.statement_until, order.due_on)]
        assert all(deadlines.is_provisional(session, d) == (d.year > 2026) for d in provisional)
