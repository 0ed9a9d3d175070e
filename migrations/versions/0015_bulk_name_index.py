"""bulk ingestion: the SQLite name-search index filled once per statement, fewer record index entries

Revision ID: 0015
Revises: 0010
Create Date: 2026-11-28

FTS5 flushes its pending index data at every statement that touches it, so the per-row trigger wrote one tiny
segment per new entity (about 200 µs each). The trigger now stands aside while a bulk writer holds the flag in
``search_index_control`` (set and cleared inside the writer's own transaction, so no other connection ever sees it
set); the writer then indexes its new rows with one INSERT … SELECT. Every other insert path is unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision: str | None = "0010"
branch_labels = None
depends_on = None

_TRIGGER = (
    "CREATE TRIGGER entity_fts_ai AFTER INSERT ON entity "
    "WHEN (SELECT deferred FROM search_index_control WHERE id = 1) IS NOT 1 BEGIN "
    "INSERT INTO entity_fts(rowid, name) VALUES (new.id, new.name); END"
)
_OLD_TRIGGER = (
    "CREATE TRIGGER entity_fts_ai AFTER INSERT ON entity BEGIN "
    "INSERT INTO entity_fts(rowid, name) VALUES (new.id, new.name); END"
)


def upgrade() -> None:
    # Fewer index entries per stored record: the entity index is the evaluation index's leading prefix, and the
    # person index need not hold the (many) records without a person.
    op.drop_index("ix_credit_record_entity_current", table_name="credit_record")
    op.drop_index("ix_credit_record_person_current", table_name="credit_record")
    op.create_index(
        "ix_credit_record_person_current",
        "credit_record",
        ["person_id", "is_current"],
        sqlite_where=sa.text("person_id IS NOT NULL"),
        postgresql_where=sa.text("person_id IS NOT NULL"),
    )
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE search_index_control (id INTEGER PRIMARY KEY, deferred INTEGER NOT NULL DEFAULT 0)")
    op.execute("INSERT INTO search_index_control (id, deferred) VALUES (1, 0)")
    op.execute("DROP TRIGGER IF EXISTS entity_fts_ai")
    op.execute(_TRIGGER)


def downgrade() -> None:
    op.drop_index("ix_credit_record_person_current", table_name="credit_record")
    op.create_index("ix_credit_record_person_current", "credit_record", ["person_id", "is_current"])
    op.create_index("ix_credit_record_entity_current", "credit_record", ["entity_id", "is_current"])
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS entity_fts_ai")
    op.execute(_OLD_TRIGGER)
    op.execute("DROP TABLE IF EXISTS search_index_control")
