"""Helpers for evaluation tests: store real records through the records service (defined in ``tests.factories``)."""

from __future__ import annotations

from tests.factories import AUTHORITY, action
from tests.factories import SYSTEM as ACTOR
from tests.factories import company_code as code
from tests.factories import entity_by_code as entity
from tests.factories import penalty_decision as penalty
from tests.factories import store_record as _store

__all__ = ["ACTOR", "AUTHORITY", "_store", "action", "code", "entity", "penalty"]
