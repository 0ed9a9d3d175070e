"""Penetration test finding 1 (issue 29): an account without a department is not the credit office.

A department-bound role (operator, reviewer, inspector) cannot be created without a department (form, CLI, service);
a legacy row without one is refused every department route and decision, and changes nothing; services take an
explicit scope, so a missing department is no department; an entity account not linked to an entity sees nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, commit, entity, matter
from tests.helpers import PASSWORD, csrf_from, login, make_user
from tests.repair.support import penalty, sign_repair, train
from typer.testing import CliRunner

from xinyong.accounts import service as accounts
from xinyong.accounts.models import User
from xinyong.cli import app as cli_app
from xinyong.commitments import service as commitments_service
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.core.policy import ALL_DEPARTMENTS, NO_DEPARTMENT, DepartmentScope, department_scope, scope_of
from xinyong.core.security import Principal
from xinyong.objections import service as objections_service
from xinyong.objections.models import Objection
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.repair import service as repair_service
from xinyong.repair.models import RepairApplication

BOUND = ("operator", "reviewer", "inspector")


def _legacy(db: Database, username: str, role: str) -> None:
    """An account of ``role`` without a department, as rows written before the rule (the form now refuses it)."""
    make_user(db, username, role, "scjg")
    with db.session() as s:
        s.execute(update(User).where(User.username == username).values(department_id=None))


def _world(db: Database) -> dict[str, int]:
    """Another department's (scjg) pending objection, pending repair application and unverified commitment."""
    with db.session() as s:
        company, other = entity(s, 1), entity(s, 2)
        disputed, repaired = penalty(s, 1), penalty(s, 2)
        objection = objections_service.file_objection(
            s, record_id=disputed.id, entity_id=company.id, reasons="罚款金额有误", evidence="决定书", actor=ACTOR
        )
        sign_repair(s, repaired, 2)
        train(s, other)
        application = repair_service.apply(
            s, record_id=repaired.id, entity_id=other.id, reason="已缴清罚款", performance="已整改", actor=ACTOR
        )
        commitment = commit(s, matter(s), 3)
        return {
            "objection": objection.id,
            "disputed": disputed.id,
            "application": application.id,
            "repaired": repaired.id,
            "commitment": commitment.id,
        }


def _state(db: Database, ids: dict[str, int]) -> tuple[object, ...]:
    with db.session() as s:
        o = s.get(Objection, ids["objection"])
        a = s.get(RepairApplication, ids["application"])
        c = commitments_service.get_commitment(s, ids["commitment"])
        records = s.execute(select(CreditRecord.id, CreditRecord.status).order_by(CreditRecord.id)).all()
        assert o is not None and a is not None
        return (o.status, o.due_on, o.extended_on, a.status, c.fulfilment, tuple(records))


@pytest.mark.parametrize("role", BOUND)
def test_a_legacy_account_without_department_is_refused_every_decision_and_list(
    client: TestClient, db: Database, clock: FixedClock, role: str
) -> None:
    ids = _world(db)
    before = _state(db, ids)
    _legacy(db, f"nodept-{role}", role)
    login(client, f"nodept-{role}")
    home = client.get("/console")
    assert home.status_code == 200
    token = csrf_from(client.get("/login").text)
    posts = {
        f"/console/objections/{ids['objection']}/decision": {"outcome": "revoke", "reason": "撤销"},
        f"/console/objections/{ids['objection']}/extend": {"reason": "延期"},
        f"/console/repair/{ids['application']}/decision": {"decision": "approve", "note": "同意"},
        f"/console/commitments/{ids['commitment']}/fulfilment": {"fulfilment": "全部未履行", "is_false": "1"},
        "/console/voluntary/1": {"decision": "false", "note": "虚假"},
        "/console/lists/proposals/1": {"domain": "food"},
        "/console/inspections/my/1": {"result": "合格"},
        "/console/evaluation/warnings/1": {"status": "closed", "note": "办结"},
    }
    for url, data in posts.items():
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 403, (url, response.status_code)
        assert "未归属任何部门" in response.text, url
    for url in (
        "/console/objections",
        f"/console/objections/{ids['objection']}",
        "/console/repair",
        "/console/commitments",
        "/console/commitments/overdue",
        "/console/voluntary",
        "/console/lists",
        "/console/inspections",
        "/console/inspections/my",
        "/console/reports",
        "/console/checks",
        "/console/evaluation/warnings",
    ):
        response = client.get(url)
        assert response.status_code == 403, (url, response.status_code)
    assert _state(db, ids) == before  # nothing changed: no 已撤销, no 已修复, no breach record


def test_a_legacy_token_without_department_has_no_department_power(db: Database) -> None:
    with db.session() as s:
        _token, row = accounts.create_token(s, department_code="scjg", role="reviewer", actor=ACTOR)
        row.department_id = None
        s.flush()
        principal = accounts.principal_for_token(row)
    assert principal.lacks_department and not principal.can("objections.decide") and not principal.can("records.read")
    assert department_scope(principal).empty


def test_services_read_a_missing_department_as_none_not_all(db: Database, clock: FixedClock) -> None:
    ids = _world(db)
    before = _state(db, ids)
    with db.session() as s:
        with pytest.raises(PermissionDenied, match="未归属任何部门"):
            objections_service.decide(
                s, objection_id=ids["objection"], outcome="revoke", reason="撤销", actor=ACTOR, department_id=None,
                cipher=CIPHER,
            )  # fmt: skip
        with pytest.raises(PermissionDenied, match="未归属任何部门"):
            objections_service.extend(s, objection_id=ids["objection"], reason="延期", actor=ACTOR, department_id=None)
        with pytest.raises(PermissionDenied, match="未归属任何部门"):
            repair_service.decide(
                s, application_id=ids["application"], approve=True, note="同意", actor=ACTOR, department_id=None
            )
        with pytest.raises(PermissionDenied, match="未归属任何部门"):
            commitments_service.record_fulfilment(
                s, commitment_id=ids["commitment"], values={"fulfilment": "全部未履行", "is_false": True},
                actor=ACTOR, cipher=CIPHER, department_id=None,
            )  # fmt: skip
        assert objections_service.objections(s, department_id=None) == []
        assert repair_service.applications(s, department_id=None) == []
        assert repair_service.reminders(s, department_id=None) == []
        assert commitments_service.list_commitments(s, department_id=None) == []
        assert commitments_service.overdue_verifications(s, department_id=None) == []
        assert commitments_service.list_voluntary(s, department_id=None) == []
        # the credit office acts on every department only by its explicit scope
        assert [o.id for o in objections_service.objections(s, department_id=ALL_DEPARTMENTS)] == [ids["objection"]]
    assert _state(db, ids) == before


def test_the_scope_is_an_explicit_permission() -> None:
    office = Principal(role="admin", permissions=frozenset({"records.oversee"}), department_id=None)
    assert department_scope(office).every
    clerk = Principal(role="operator", permissions=frozenset({"records.read"}), department_id=7)
    assert department_scope(clerk) == DepartmentScope(department_id=7)
    assert department_scope(Principal(role="operator", permissions=frozenset({"records.read"}))) == NO_DEPARTMENT
    assert scope_of(None).empty and not scope_of(None).allows(None) and not scope_of(None).allows(7)


@pytest.mark.parametrize("role", BOUND)
def test_the_service_refuses_a_department_bound_role_without_department(session: Session, role: str) -> None:
    for department in (None, "", "  "):
        with pytest.raises(ValidationFailed, match="必须归属一个部门"):
            accounts.create_user(
                session,
                username=f"x-{role}",
                display_name="测试",
                password=PASSWORD,
                role=role,
                department_code=department,
                actor=ACTOR,
            )
    with pytest.raises(ValidationFailed, match="必须归属一个部门"):
        accounts.create_token(session, department_code=None, role=role, client_id=1, actor=ACTOR)
    assert session.execute(select(User).where(User.username == f"x-{role}")).first() is None


def test_the_console_form_refuses_and_does_not_preselect_no_department(client: TestClient, db: Database) -> None:
    make_user(db, "office-admin", "admin", "scjg")
    login(client, "office-admin")
    page = client.get("/console/users")
    select_html = page.text.split('name="department"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected disabled>请选择部门</option>' in select_html
    assert "（无）" not in page.text
    refused = client.post(
        "/console/users",
        data={
            "username": "nodept-clerk",
            "display_name": "经办人",
            "role": "reviewer",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert "业务经办、审核、检查人员必须归属一个部门。" in refused.text
    with db.session() as s:
        assert s.execute(select(User).where(User.username == "nodept-clerk")).first() is None
    # the roles that are not a department's may still be created without one
    made = client.post(
        "/console/users",
        data={
            "username": "an-auditor",
            "display_name": "审计员",
            "role": "auditor",
            "password": PASSWORD,
            "department": "",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert "已创建用户 an-auditor" in made.text


def test_the_cli_refuses_a_department_bound_role_without_department(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_DATABASE_URL", str(db.url))
    monkeypatch.setenv("XINYONG_MODE", "test")
    from xinyong.core.config import get_settings

    get_settings.cache_clear()
    try:
        args = ["user", "create", "--username", "cli-clerk", "--role", "operator", "--name", "经办人"]
        result = CliRunner().invoke(cli_app, [*args, "--password", PASSWORD])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and "必须归属一个部门" in result.output
    with db.session() as s:
        assert s.execute(select(User).where(User.username == "cli-clerk")).first() is None


def test_an_entity_account_not_linked_to_an_entity_sees_no_report(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    with db.session() as s:
        company = entity(s)
        penalty(s)
        company_id = company.id
    make_user(db, "company", "entity", dept=None)
    with db.session() as s:
        s.execute(update(User).where(User.username == "company").values(entity_id=company_id))
    login(client, "company")
    page = client.get("/console/reports")
    issued = client.post(
        "/console/reports",
        data={"edition": "full", "purpose": "bidding", "purpose_note": "道路工程", "csrf_token": csrf_from(page.text)},
    )
    assert issued.status_code == 200 and "报告编号" in issued.text
    number = issued.text.split("报告编号 <strong>", 1)[1].split("<", 1)[0]
    client.post("/logout", data={"csrf_token": csrf_from(issued.text)})
    make_user(db, "unlinked", "entity", dept=None)
    login(client, "unlinked")
    page = client.get("/console/reports")
    assert page.status_code == 200 and number not in page.text and "道路工程" not in page.text
    assert "当前账号未关联市场主体" in page.text


def test_state_assertions_cover_the_exploit(db: Database, clock: FixedClock) -> None:
    """The exploit's effects are what ``_state`` watches: a revoked record and a repaired one."""
    ids = _world(db)
    before = _state(db, ids)
    with db.session() as s:
        repair_service.decide(
            s, application_id=ids["application"], approve=True, note="同意", actor=ACTOR, department_id=ALL_DEPARTMENTS
        )
        assert s.get(CreditRecord, ids["repaired"]).status == states.REPAIRED  # type: ignore[union-attr]
    assert _state(db, ids) != before
