"""Helpers for repair tests: a repairable penalty with its repair commitment and training (in ``tests.factories``)."""

from __future__ import annotations

from tests.factories import penalty, repair_matter, sign_repair, train

__all__ = ["penalty", "repair_matter", "sign_repair", "train"]
