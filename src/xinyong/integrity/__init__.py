"""Tamper evidence: the record and audit chains verified together, daily published anchors, export checksums."""
