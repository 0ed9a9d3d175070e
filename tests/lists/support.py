"""Helpers for list, check and supervision tests: companies with a legal representative, a basis penalty, actors
(defined in ``tests.factories``)."""

from __future__ import annotations

from tests.factories import (
    OPERATOR,
    OTHER_DEPT,
    REVIEWER,
    company_with_basis,
    department,
    dept_id,
    person_id,
    proposal_values,
    propose,
    set_day,
    to_published,
)

__all__ = [
    "OPERATOR",
    "OTHER_DEPT",
    "REVIEWER",
    "company_with_basis",
    "department",
    "dept_id",
    "person_id",
    "proposal_values",
    "propose",
    "set_day",
    "to_published",
]
