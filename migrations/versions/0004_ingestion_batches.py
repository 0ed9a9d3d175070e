"""ingestion batches

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("file_kind", sa.String(length=10), nullable=True),
        sa.Column("encoding", sa.String(length=20), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("versioned", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_token_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_ingest_batch_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_ingest_batch_submitted_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_batch")),
    )
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_batch_department_id"), ["department_id"], unique=False)
        batch_op.create_index("ix_ingest_batch_dept_sha", ["department_id", "item_code", "file_sha256"], unique=False)

    op.create_table(
        "ingest_error",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("field_code", sa.String(length=40), nullable=False),
        sa.Column("field_name", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batch.id"], name=op.f("fk_ingest_error_batch_id_ingest_batch"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_error")),
    )
    with op.batch_alter_table("ingest_error", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_error_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingest_error", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_error_batch_id"))

    op.drop_table("ingest_error")
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_batch_dept_sha")
        batch_op.drop_index(batch_op.f("ix_ingest_batch_department_id"))

    op.drop_table("ingest_batch")
