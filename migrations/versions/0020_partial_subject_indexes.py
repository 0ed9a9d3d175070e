"""lists: the subject indexes of list entries and bans leave out the rows of the other subject kind

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29

An entry or a ban is about an entity or a natural person, never both, so each of the two subject columns is NULL
in most rows of the other kind. With full indexes, SQLite's planner read ANALYZE's statistics as "20,000 rows per
value" for the person column and scanned the whole table for every credit check on an ID number. Partial indexes
(``… IS NOT NULL``) hold only the rows they serve; ``person_id = ?`` implies the condition, so they are used.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision: str | None = "0019"
branch_labels = None
depends_on = None

# Frozen at this revision: (index, table, columns, the subject column).
_INDEXES = [
    ("ix_list_entry_entity_status", "list_entry", ["entity_id", "status"], "entity_id"),
    ("ix_list_entry_person_status", "list_entry", ["person_id", "status"], "person_id"),
    ("ix_list_ban_entity", "list_ban", ["entity_id", "starts_on"], "entity_id"),
    ("ix_list_ban_person", "list_ban", ["person_id", "starts_on"], "person_id"),
]


def upgrade() -> None:
    for name, table, columns, subject in _INDEXES:
        op.drop_index(name, table_name=table)
        where = sa.text(f"{subject} IS NOT NULL")
        op.create_index(name, table, columns, sqlite_where=where, postgresql_where=where)
    op.execute("ANALYZE list_entry")  # statistics for the new indexes (the planner's choice rests on them)
    op.execute("ANALYZE list_ban")


def downgrade() -> None:
    for name, table, columns, _subject in _INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
