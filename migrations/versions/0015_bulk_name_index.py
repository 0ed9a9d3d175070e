"""bulk entity registration: the SQLite name-search index filled once per statement, not once per row

Revision ID: 0015
Revises: 0010
Create Date: 2026-11-28

FTS5 flushes its pending index data at every statement that touches it, so the per-row trigger wrote one tiny
segment per new entity (about 200 µs each). The trigger now stands aside while a bulk writer holds the flag in
``search_index_control`` (set and cleared inside the writer's own transaction, so no other connection ever sees it
set); the writer then indexes its new rows with one INSERT … SELECT. Every other insert path is unchanged.
"""

from __future__ import annotations

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
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE search_index_control (id INTEGER PRIMARY KEY, deferred INTEGER NOT NULL DEFAULT 0)")
    op.execute("INSERT INTO search_index_control (id, deferred) VALUES (1, 0)")
    op.execute("DROP TRIGGER IF EXISTS entity_fts_ai")
    op.execute(_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS entity_fts_ai")
    op.execute(_OLD_TRIGGER)
    op.execute("DROP TABLE IF EXISTS search_index_control")
