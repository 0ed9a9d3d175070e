"""calendar: deadlines counted over provisional calendar days, recomputed when the year's notice is loaded

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision: str | None = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("column_name", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("value", sa.Date(), nullable=False),
        sa.Column("party_window", sa.Boolean(), nullable=False),
        sa.Column("open_when", sa.JSON(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("previous_value", sa.Date(), nullable=True),
        sa.Column("recomputed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_deadline")),
    )
    op.create_index(op.f("ix_calendar_deadline_active"), "calendar_deadline", ["active"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_deadline_active"), table_name="calendar_deadline")
    op.drop_table("calendar_deadline")
