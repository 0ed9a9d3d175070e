"""public portal: job runs, publicity list indexes, entity name search index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table over entity.name with the trigram tokenizer (SQLite >= 3.34), kept in
# sync by triggers so that bulk inserts (the demo generator, imports) need no extra step.
_SQLITE_UP = [
    "CREATE VIRTUAL TABLE entity_fts USING fts5(name, content='entity', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER entity_fts_ai AFTER INSERT ON entity BEGIN "
    "INSERT INTO entity_fts(rowid, name) VALUES (new.id, new.name); END",
    "CREATE TRIGGER entity_fts_ad AFTER DELETE ON entity BEGIN "
    "INSERT INTO entity_fts(entity_fts, rowid, name) VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER entity_fts_au AFTER UPDATE OF name ON entity BEGIN "
    "INSERT INTO entity_fts(entity_fts, rowid, name) VALUES ('delete', old.id, old.name); "
    "INSERT INTO entity_fts(rowid, name) VALUES (new.id, new.name); END",
    "INSERT INTO entity_fts(entity_fts) VALUES ('rebuild')",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS entity_fts_au",
    "DROP TRIGGER IF EXISTS entity_fts_ad",
    "DROP TRIGGER IF EXISTS entity_fts_ai",
    "DROP TABLE IF EXISTS entity_fts",
]
# PostgreSQL: a trigram GIN index answers name LIKE '%...%' (kept in sync by PostgreSQL itself).
_PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_entity_name_trgm ON entity USING gin (name gin_trgm_ops)",
]
_PG_DOWN = ["DROP INDEX IF EXISTS ix_entity_name_trgm"]


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_run")),
    )
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.create_index("ix_credit_record_item_decided", ["item_code", "decision_date"], unique=False)
        batch_op.create_index("ix_credit_record_status_until", ["status", "publicity_until"], unique=False)
        # Covered by the two above (their leading column); every index slows bulk ingestion.
        batch_op.drop_index("ix_credit_record_item_code")
        batch_op.drop_index("ix_credit_record_status")
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_UP if dialect == "sqlite" else _PG_UP if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_DOWN if dialect == "sqlite" else _PG_DOWN if dialect == "postgresql" else []:
        op.execute(statement)
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_record_status_until")
        batch_op.drop_index("ix_credit_record_item_decided")
        batch_op.create_index("ix_credit_record_status", ["status"], unique=False)
        batch_op.create_index("ix_credit_record_item_code", ["item_code"], unique=False)
    op.drop_table("job_run")
