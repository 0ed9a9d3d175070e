"""Retention of query registrations, the auditor's review, anomalies and queries outside working hours."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET
from tests.helpers import csrf_from
from tests.lists.support import person_id
from tests.privacy.support import as_user, registrations

from xinyong.core.audit import Actor, AuditEvent
from xinyong.core.clock import CHINA_TZ, FixedClock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.core.errors import ValidationFailed
from xinyong.core.security import ROLE_PERMISSIONS, Principal
from xinyong.privacy import service
from xinyong.privacy.models import PersonQuery
from xinyong.privacy.rules import parse_rules, rules_on
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Person

ACTOR = Actor.system("test")
CLERK = Principal(
    role="operator",
    permissions=ROLE_PERMISSIONS["operator"],
    user_id=7,
    username="clerk",
    department_id=None,
    department_name="密山市市场监督管理局",
)


def _persons(session: Session, n: int) -> list[Person]:
    cipher = get_cipher(TEST_SECRET)
    return [
        subjects_service.create_person(session, cipher=cipher, name=f"张{i}", id_number=person_id(i), actor=ACTOR)
        for i in range(1, n + 1)
    ]


def _register(session: Session, persons: list[Person], who: Principal = CLERK) -> None:
    service.register(
        session,
        who,
        persons,
        ["records"],
        service.QueryRequest(purpose="行政处罚案件调查", basis="admin-penalty"),
        path="GET /test",
    )


def _at(clock: FixedClock, when: datetime) -> None:
    clock._at = when  # type: ignore[attr-defined]


def test_purge_keeps_a_registration_of_four_years_eleven_months(session: Session, clock: FixedClock) -> None:
    [p] = _persons(session, 1)
    now = datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ)
    for when in (now.replace(year=2021, month=12, day=28), now.replace(year=2021, month=10, day=28)):
        _at(clock, when)  # 4 years 11 months ago, and 5 years 1 month ago
        _register(session, [p])
    _at(clock, now)
    assert service.retention_cutoff(now.date()).isoformat() == "2021-11-28"
    assert service.purge_expired(session, actor=ACTOR) == 1
    [kept] = session.query(PersonQuery).all()
    assert kept.at.date().isoformat() == "2021-12-28"
    assert session.query(AuditEvent).filter(AuditEvent.action == "privacy.purge").count() == 1


def test_retention_shorter_than_five_years_is_refused_in_the_data() -> None:
    raw = {"versions": [{**rules_on(datetime(2026, 1, 1).date()).model_dump(mode="json"), "retention_years": 3}]}
    with pytest.raises(ValidationFailed, match="retention_years"):
        parse_rules(raw)


def test_many_unrelated_persons_in_the_window_are_an_anomaly(session: Session, clock: FixedClock) -> None:
    limit = rules_on(clock.today()).anomaly_max_unrelated_persons
    persons = _persons(session, limit + 1)
    _register(session, persons[:limit])
    found, _rules = service.anomalies(session)
    assert found == []  # at the bar: not yet
    other = Principal(role="operator", permissions=frozenset(), user_id=8, username="other")
    _register(session, persons, who=other)
    found, _rules = service.anomalies(session)
    assert [(a.actor, a.persons, a.unrelated_groups) for a in found] == [("other", limit + 1, limit + 1)]
    # persons of one company count as related: two of them in one company make one group less
    company = subjects_service.create_entity(
        session,
        actor=ACTOR,
        uscc="91230382MA1B3N1N24",
        name="密山市兴凯湖食品有限公司",
        category="法人及非法人组织",
        entity_type="有限责任公司",
        region_code="230382",
    )
    for p in persons[:2]:
        subjects_service.add_relation(session, entity=company, person=p, role="principal", actor=ACTOR)
    found, _rules = service.anomalies(session)
    assert found == []
    # outside the window nothing counts
    clock.advance(hours=rules_on(clock.today()).anomaly_window_hours + 1)
    assert service.anomalies(session)[0] == []


def test_queries_outside_hours_or_on_days_off(session: Session, clock: FixedClock) -> None:
    [p] = _persons(session, 1)
    cases = {
        datetime(2026, 11, 27, 9, 0, tzinfo=CHINA_TZ): None,  # Friday morning
        datetime(2026, 11, 27, 8, 29, tzinfo=CHINA_TZ): "工作时间",
        datetime(2026, 11, 27, 17, 30, tzinfo=CHINA_TZ): "工作时间",
        datetime(2026, 11, 28, 11, 0, tzinfo=CHINA_TZ): "非工作日",  # Saturday
        datetime(2026, 10, 1, 10, 0, tzinfo=CHINA_TZ): "非工作日",  # National Day
    }
    for when in cases:
        _at(clock, when)
        _register(session, [p])
    found = service.off_hours(session, since=datetime(2026, 9, 1).date(), until=datetime(2026, 11, 30).date())
    got = {item.query.at.astimezone(CHINA_TZ).replace(tzinfo=CHINA_TZ): item.reason for item in found}
    for when, reason in cases.items():
        if reason is None:
            assert when not in got
        else:
            assert reason in got[when], when


def test_auditor_filters_flags_and_sees_anomalies(client: TestClient, db: Database, clock: FixedClock) -> None:
    with db.session() as s:
        persons = _persons(s, 2)
        _register(s, persons)
        _at(clock, datetime(2026, 11, 28, 22, 0, tzinfo=CHINA_TZ))  # Saturday night
        _register(s, persons[:1], who=Principal(role="operator", permissions=frozenset(), user_id=9, username="night"))
    as_user(client, db, "aud", "auditor", dept=None)  # type: ignore[arg-type]
    page = client.get("/console/privacy/queries", params={"actor": "night"})
    assert page.status_code == 200 and page.text.count("行政处罚案件调查") == 1 and "张1" in page.text
    target = registrations(db)[-1]
    empty = client.post(f"/console/privacy/queries/{target.id}/flag", data={"csrf_token": csrf_from(page.text)})
    assert empty.status_code == 422 and "理由" in empty.text
    flagged = client.post(
        f"/console/privacy/queries/{target.id}/flag",
        data={"csrf_token": csrf_from(page.text), "note": "深夜查询，与其承办案件无关"},
    )
    assert flagged.status_code == 200 and "疑似违规" in flagged.text
    only = client.get("/console/privacy/queries", params={"flagged": "1"})
    assert "深夜查询，与其承办案件无关" in only.text and only.text.count('class="flagged"') == 1
    with db.session() as s:
        event = s.query(AuditEvent).filter(AuditEvent.action == "privacy.flag").one()
        assert event.actor == "aud"
    anomalies = client.get("/console/privacy/anomalies")
    assert anomalies.status_code == 200 and "night" in anomalies.text and "非工作日" in anomalies.text
    # a clerk may not see the registrations
    client.cookies.clear()
    as_user(client, db, "clerk", "operator")
    assert client.get("/console/privacy/queries").status_code == 403


def test_demo_registrations_give_the_auditor_an_anomaly(db: Database, clock: FixedClock) -> None:
    from tests.helpers import make_user

    from xinyong.privacy import demo

    with db.session() as s:
        _persons(s, 30)
    make_user(db, "demo-clerk-1", "operator", "scjg")
    make_user(db, "demo-clerk-2", "operator", "fgj")
    assert demo.seed(db)["queries"] > 30
    assert demo.seed(db) == {"queries": 0}  # idempotent
    with db.session() as s:
        found, _rules = service.anomalies(s)
        assert [a.actor for a in found] == ["demo-clerk-2"]
        assert service.authorisations(s, department_id=None)[0].expires_on > clock.today()
