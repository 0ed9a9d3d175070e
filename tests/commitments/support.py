"""Helpers for commitment tests: matters, entities, commitments, a penalty to repair (in ``tests.factories``)."""

from __future__ import annotations

from tests.factories import ACTOR, CIPHER, TODAY, commit, entity, list_entry, matter, penalty
from tests.factories import commitment_values as values

__all__ = ["ACTOR", "CIPHER", "TODAY", "commit", "entity", "list_entry", "matter", "penalty", "values"]
