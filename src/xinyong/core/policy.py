"""The declared authorisation policy: for every route (method and path), the roles allowed to use it.

Deny by default: ``tests/security/test_authorisation_matrix.py`` requests every route of the application as every
role and fails when a route has no entry here, when an entry names a route that no longer exists, when a role not
listed gets through, or when a listed role is refused. Adding a route means adding ONE line below, e.g.::

    "GET /console/example/{item_id}": DEPARTMENTS,

The table is written by hand from the duties of DESIGN.md 'Who uses it', not derived from ``ROLE_PERMISSIONS``, so a
permission granted to the wrong role shows up as a test failure. Ownership (a department sees only its own data, an
entity only its own) is checked inside the routes and by the ownership tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement

from xinyong.core.errors import PermissionDenied
from xinyong.core.security import ALL_DEPARTMENTS_PERMISSION, Principal


@dataclass(frozen=True)
class DepartmentScope:
    """Whose departments' data a caller may see and decide on: every department (the credit office, by its explicit
    permission), one department, or none (an account without a department). A missing department is never "all"."""

    department_id: int | None = None
    every: bool = False

    @property
    def empty(self) -> bool:
        """Whether the scope covers no department at all."""
        return not self.every and self.department_id is None

    def allows(self, department_id: int | None) -> bool:
        """Whether a row of ``department_id`` lies in the scope."""
        return self.every or (self.department_id is not None and department_id == self.department_id)

    def where(self, column: Any) -> ColumnElement[bool]:
        """The SQL condition restricting ``column`` (a department id column) to the scope."""
        if self.every:
            return true()
        if self.department_id is None:
            return false()
        return column == self.department_id  # type: ignore[no-any-return]

    def refusal(self, message: str) -> PermissionDenied:
        """The 403 to raise for a row outside the scope: ``message``, or the no-department one."""
        return PermissionDenied(NO_DEPARTMENT_REFUSAL if self.empty else message)


# What a service takes for "whose departments": an id (that department), a scope, or None (no department: nothing).
Departments = int | DepartmentScope | None

ALL_DEPARTMENTS = DepartmentScope(every=True)
NO_DEPARTMENT = DepartmentScope()
NO_DEPARTMENT_REFUSAL = "当前账号未归属任何部门，不能查看或办理部门的业务；请联系信用办管理员为账号指定部门。"


def scope_of(department: Departments) -> DepartmentScope:
    """A scope from a service argument: a department id is that department, None is no department (never all)."""
    if isinstance(department, DepartmentScope):
        return department
    return NO_DEPARTMENT if department is None else DepartmentScope(department_id=department)


def department_scope(principal: Principal) -> DepartmentScope:
    """The departments a caller acts for: every one with the credit office's permission, else its own, else none."""
    if principal.can(ALL_DEPARTMENTS_PERMISSION):
        return DepartmentScope(department_id=principal.department_id, every=True)
    return scope_of(principal.department_id)


ROLES = ("public", "entity", "operator", "reviewer", "inspector", "admin", "auditor", "client", "association")

EVERYONE = frozenset(ROLES)
SIGNED_IN_USERS = frozenset({"entity", "operator", "reviewer", "inspector", "admin", "auditor", "association"})
STAFF = frozenset({"operator", "reviewer", "inspector", "admin", "auditor"})
DEPARTMENTS = frozenset({"operator", "reviewer", "admin"})
DEPARTMENTS_AND_AUDITOR = DEPARTMENTS | {"auditor"}
DEPARTMENTS_AND_CLIENTS = DEPARTMENTS | {"client"}
ENTITY_AND_DEPARTMENTS = DEPARTMENTS | {"entity"}
REVIEWERS = frozenset({"reviewer", "admin"})
CREDIT_OFFICE = frozenset({"admin"})
AUDIT_READERS = frozenset({"admin", "auditor"})
AUDITOR = frozenset({"auditor"})
ENTITY = frozenset({"entity"})
INSPECTOR = frozenset({"inspector"})
CLIENTS = frozenset({"client"})
ASSOCIATION = frozenset({"association"})

POLICY: dict[str, frozenset[str]] = {
    "GET /healthz": EVERYONE,
    "GET /api/v1/departments": DEPARTMENTS_AND_AUDITOR,
    "GET /api/v1/subjects/{code}": EVERYONE,
    "GET /api/v1/catalog": EVERYONE,
    "POST /api/v1/records": DEPARTMENTS,
    "POST /api/v1/batches": DEPARTMENTS,
    "GET /api/v1/batches/{batch_id}": DEPARTMENTS,
    "GET /api/v1/commitment-matters": EVERYONE,
    "POST /api/v1/commitments": DEPARTMENTS,
    "GET /api/v1/commitments/overdue": DEPARTMENTS,
    "GET /api/v1/commitments/{code}": DEPARTMENTS,
    "POST /api/v1/commitments/{code}/fulfilment": DEPARTMENTS,
    "GET /api/v1/evaluation/charts": STAFF,
    "GET /api/v1/evaluation/subjects/{code}": STAFF,
    "POST /api/v1/checks": DEPARTMENTS_AND_CLIENTS,
    "GET /api/v1/checks/statistics": CREDIT_OFFICE,
    "POST /api/v1/checks/approvals": DEPARTMENTS_AND_CLIENTS,
    "GET /api/v1/checks/{code}": DEPARTMENTS_AND_CLIENTS,
    "POST /api/v1/checks/{code}/feedback": DEPARTMENTS_AND_CLIENTS,
    "GET /api/v1/measures": EVERYONE,
    "GET /api/v1/lists/entries": DEPARTMENTS,
    "GET /api/v1/lists/entries/{entry_id}": DEPARTMENTS,
    "POST /api/v1/lists/entries": DEPARTMENTS,
    "POST /api/v1/lists/entries/{entry_id}/notice": DEPARTMENTS,
    "POST /api/v1/lists/entries/{entry_id}/statement": DEPARTMENTS,
    "POST /api/v1/lists/entries/{entry_id}/decision": REVIEWERS,
    "POST /api/v1/lists/entries/{entry_id}/publication": REVIEWERS,
    "POST /api/v1/lists/entries/{entry_id}/removal": REVIEWERS,
    "POST /api/v1/lists/judgment-debtors": DEPARTMENTS,
    "GET /api/v1/bans": DEPARTMENTS,
    "POST /api/v1/bans": DEPARTMENTS,
    "POST /api/v1/rectifications": DEPARTMENTS,
    "POST /api/v1/rectifications/{order_id}/follow-ups": DEPARTMENTS,
    "POST /api/v1/interviews": DEPARTMENTS,
    "POST /api/v1/campaigns": DEPARTMENTS,
    "GET /api/v1/campaigns/{campaign_id}": DEPARTMENTS,
    "POST /api/v1/campaigns/{campaign_id}/close": DEPARTMENTS,
    "GET /": EVERYONE,
    "GET /login": EVERYONE,
    "POST /login": EVERYONE,
    "POST /logout": EVERYONE,
    "GET /console": SIGNED_IN_USERS,
    "GET /console/users": CREDIT_OFFICE,
    "POST /console/users": CREDIT_OFFICE,
    "POST /console/users/{user_id}/active": CREDIT_OFFICE,
    "POST /console/users/tokens": CREDIT_OFFICE,
    "POST /console/users/tokens/{token_id}/revoke": CREDIT_OFFICE,
    "GET /console/departments": DEPARTMENTS_AND_AUDITOR,
    "GET /console/calendar": SIGNED_IN_USERS,
    "POST /console/calendar/load": CREDIT_OFFICE,
    "GET /console/audit": AUDIT_READERS,
    "GET /console/catalog": STAFF,
    "GET /console/catalog/{version}/{code}": STAFF,
    "POST /console/catalog/load": CREDIT_OFFICE,
    "GET /console/ingest": DEPARTMENTS,
    "POST /console/ingest": DEPARTMENTS,
    "GET /console/ingest/batches/{batch_id}": DEPARTMENTS,
    "GET /console/ingest/batches/{batch_id}/errors.xlsx": DEPARTMENTS,
    "GET /console/ingest/timeliness": CREDIT_OFFICE,
    "GET /console/subjects/name-reviews": CREDIT_OFFICE,
    "POST /console/subjects/name-reviews/{review_id}": CREDIT_OFFICE,
    "GET /portal": EVERYONE,
    "GET /portal/search": EVERYONE,
    "GET /portal/entities/{code}": EVERYONE,
    "GET /portal/entities/{code}/print": EVERYONE,
    "GET /portal/publicity/{slug}": EVERYONE,
    "GET /portal/records/{record_id}": EVERYONE,
    "GET /console/records/{record_id}/window": CREDIT_OFFICE,
    "GET /console/commitment-matters": DEPARTMENTS,
    "POST /console/commitment-matters": CREDIT_OFFICE,
    "GET /console/commitment-matters/{matter_id}": DEPARTMENTS,
    "POST /console/commitment-matters/{matter_id}": CREDIT_OFFICE,
    "GET /portal/commitment-matters": EVERYONE,
    "GET /console/commitments": DEPARTMENTS,
    "POST /console/commitments": DEPARTMENTS,
    "GET /console/commitments/overdue": DEPARTMENTS,
    "GET /console/commitments/{commitment_id}": DEPARTMENTS,
    "POST /console/commitments/{commitment_id}/fulfilment": DEPARTMENTS,
    "GET /console/my/commitments": ENTITY,
    "POST /console/my/commitments": ENTITY,
    "GET /console/my/voluntary": ENTITY,
    "POST /console/my/voluntary": ENTITY,
    "GET /console/voluntary": DEPARTMENTS,
    "POST /console/voluntary/{info_id}": DEPARTMENTS,
    "GET /console/voluntary/attachments/{attachment_id}": DEPARTMENTS,
    "GET /console/education": DEPARTMENTS,
    "POST /console/education/sessions": DEPARTMENTS,
    "POST /console/education/completions": DEPARTMENTS,
    "GET /console/inspections": DEPARTMENTS,
    "POST /console/inspections": DEPARTMENTS,
    "GET /console/inspections/plans/{plan_id}": DEPARTMENTS,
    "POST /console/inspections/plans/{plan_id}/publish": DEPARTMENTS,
    "POST /console/inspections/plans/{plan_id}/draw": DEPARTMENTS,
    "POST /console/inspections/assignments/{assignment_id}/refuse": DEPARTMENTS,
    "GET /console/inspections/libraries": DEPARTMENTS,
    "POST /console/inspections/items": DEPARTMENTS,
    "POST /console/inspections/inspectors": DEPARTMENTS,
    "POST /console/inspections/inspectors/{inspector_id}/conflicts": DEPARTMENTS,
    "POST /console/inspections/inspectors/{inspector_id}/active": DEPARTMENTS,
    "GET /console/inspections/targeted": DEPARTMENTS,
    "POST /console/inspections/targeted": DEPARTMENTS,
    "GET /console/inspections/my": INSPECTOR,
    "GET /console/inspections/my/{task_id}": INSPECTOR,
    "POST /console/inspections/my/{task_id}": INSPECTOR,
    "GET /console/inspections/overdue": DEPARTMENTS,
    "GET /portal/inspections": EVERYONE,
    "GET /api/v1/inspections/plans/{code}": EVERYONE,
    "GET /portal/inspections/{code}": EVERYONE,
    "GET /portal/inspections/{code}/pool-{grade}.txt": EVERYONE,
    "GET /portal/inspections/{code}/seeds-{grade}.txt": EVERYONE,
    "GET /console/evaluation": STAFF,
    "GET /console/evaluation/entities/{entity_id}": STAFF,
    "GET /console/evaluation/mine": ENTITY,
    "GET /console/evaluation/warnings": DEPARTMENTS,
    "POST /console/evaluation/warnings/{recipient_id}": DEPARTMENTS,
    "GET /console/evaluation/model": STAFF,
    "POST /console/evaluation/model": CREDIT_OFFICE,
    "POST /console/evaluation/settings": CREDIT_OFFICE,
    "POST /console/evaluation/run": CREDIT_OFFICE,
    "GET /console/evaluation/industry": DEPARTMENTS,
    "POST /console/evaluation/industry": DEPARTMENTS,
    "GET /console/checks": DEPARTMENTS_AND_CLIENTS,
    "POST /console/checks": DEPARTMENTS_AND_CLIENTS,
    "GET /console/checks/statistics": CREDIT_OFFICE,
    "GET /console/checks/{code}": DEPARTMENTS_AND_CLIENTS,
    "POST /console/checks/{code}/feedback": DEPARTMENTS_AND_CLIENTS,
    "GET /embed/check": DEPARTMENTS_AND_CLIENTS,
    "POST /embed/check": DEPARTMENTS_AND_CLIENTS,
    "GET /embed/check/{code}": DEPARTMENTS_AND_CLIENTS,
    "POST /embed/check/{code}/feedback": DEPARTMENTS_AND_CLIENTS,
    "GET /console/lists": DEPARTMENTS,
    "POST /console/lists": DEPARTMENTS,
    "POST /console/lists/proposals/{proposal_id}": DEPARTMENTS,
    "GET /console/lists/{entry_id}": DEPARTMENTS,
    "POST /console/lists/{entry_id}/{step}": DEPARTMENTS,
    "GET /console/measures": DEPARTMENTS,
    "GET /portal/measures": EVERYONE,
    "GET /console/bans": DEPARTMENTS,
    "POST /console/bans": DEPARTMENTS,
    "GET /console/supervision": DEPARTMENTS,
    "POST /console/supervision/{action}": DEPARTMENTS,
    "GET /api/v1/reports/verify": EVERYONE,
    "GET /api/v1/reports/public-key": EVERYONE,
    "GET /console/reports": ENTITY_AND_DEPARTMENTS,
    "POST /console/reports": ENTITY_AND_DEPARTMENTS,
    "GET /console/reports/{report_id}/pdf": ENTITY_AND_DEPARTMENTS,
    "GET /console/reports/{report_id}": ENTITY_AND_DEPARTMENTS,
    "POST /console/reports/{report_id}/retry": ENTITY_AND_DEPARTMENTS,
    "GET /portal/reports/verify": EVERYONE,
    "POST /portal/reports/verify": EVERYONE,
    "GET /portal/reports/public-key.pem": EVERYONE,
    "GET /console/my/repair": ENTITY,
    "GET /console/my/repair/{record_id}": ENTITY,
    "POST /console/my/repair/{record_id}/commitment": ENTITY,
    "POST /console/my/repair/{record_id}": ENTITY,
    "GET /console/repair": REVIEWERS,
    "GET /console/repair/{application_id:int}": REVIEWERS,
    "POST /console/repair/{application_id:int}/decision": REVIEWERS,
    "GET /console/repair/rechecks": CREDIT_OFFICE,
    "POST /console/repair/rechecks": CREDIT_OFFICE,
    "GET /console/repair/rechecks/{draw_id}": CREDIT_OFFICE,
    "POST /console/repair/rechecks/cases/{case_id}": CREDIT_OFFICE,
    "GET /console/credit-stats": CREDIT_OFFICE,
    "GET /console/my/notices": ENTITY,
    "GET /console/my/objections": ENTITY,
    "POST /console/my/objections": ENTITY,
    "GET /console/objections": DEPARTMENTS,
    "GET /console/objections/{objection_id}": DEPARTMENTS,
    "POST /console/objections/{objection_id}/extend": DEPARTMENTS,
    "POST /console/objections/{objection_id}/decision": REVIEWERS,
    "GET /console/evidence/{file_id}": ENTITY_AND_DEPARTMENTS,
    "GET /console/objections/window": DEPARTMENTS,
    "POST /console/objections/window": DEPARTMENTS,
    "GET /console/objections/window/{objection_id}": DEPARTMENTS,
    "GET /console/privacy/queries": AUDITOR,
    "POST /console/privacy/queries/{query_id}/flag": AUDITOR,
    "GET /console/privacy/anomalies": AUDITOR,
    "GET /console/privacy/authorisations": DEPARTMENTS,
    "POST /console/privacy/authorisations": DEPARTMENTS,
    "POST /console/privacy/authorisations/{authorisation_id}/revoke": DEPARTMENTS,
    "GET /console/privacy/person-report": CREDIT_OFFICE,
    "POST /console/privacy/person-report": CREDIT_OFFICE,
    # Exchange (issue 11): the credit office runs the upward feed and registers API clients; clients use /open.
    "GET /api/v1/open/publicity/{item}": CLIENTS,
    "GET /api/v1/open/subjects/{code}": CLIENTS,
    "GET /console/exchange": CREDIT_OFFICE,
    "GET /console/exchange/batches/{number}/{name}": CREDIT_OFFICE,
    "GET /console/exchange/clients": CREDIT_OFFICE,
    "GET /console/exchange/destinations/{code}": CREDIT_OFFICE,
    "POST /api/v1/open/authorised": CLIENTS,
    "POST /console/exchange/authorisations": CREDIT_OFFICE,
    "POST /console/exchange/authorisations/{auth_id}/revoke": CREDIT_OFFICE,
    "POST /console/exchange/batches/{number}/resend": CREDIT_OFFICE,
    "POST /console/exchange/clients": CREDIT_OFFICE,
    "POST /console/exchange/clients/{code}/tokens": CREDIT_OFFICE,
    "POST /console/exchange/destinations": CREDIT_OFFICE,
    "POST /console/exchange/destinations/{code}/push": CREDIT_OFFICE,
    "POST /console/exchange/tokens/{token_id}/revoke": CREDIT_OFFICE,
    # Oversight and plan tracking (issue 11): the credit office and the auditor read; departments report progress.
    "GET /api/v1/oversight/dashboard": AUDIT_READERS,
    "GET /console/oversight": AUDIT_READERS,
    "GET /console/oversight/assessment.xlsx": AUDIT_READERS,
    "GET /console/oversight/plan": AUDIT_READERS,
    "GET /console/plan/my": DEPARTMENTS,
    "POST /console/plan/my/{code}": DEPARTMENTS,
    # Industry associations (T31): the credit office registers them; an association manages its own members.
    "GET /console/association": ASSOCIATION,
    "GET /console/association/members/{entity_id}": ASSOCIATION,
    "GET /console/associations": CREDIT_OFFICE,
    "POST /console/association/members": ASSOCIATION,
    "POST /console/association/members/import": ASSOCIATION,
    "POST /console/association/members/{entity_id}/info": ASSOCIATION,
    "POST /console/association/members/{entity_id}/remove": ASSOCIATION,
    "POST /console/associations": CREDIT_OFFICE,
    "POST /console/associations/{association_id}/users": CREDIT_OFFICE,
    # Tamper evidence (T28): the daily chain anchors are public.
    "GET /portal/integrity": EVERYONE,
    "GET /portal/integrity.json": EVERYONE,
}
