"""exchange: upward reporting feed, API clients

Revision ID: 0013
Revises: 0014
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client")),
        sa.UniqueConstraint("code", name=op.f("uq_api_client_code")),
    )
    op.create_table(
        "exchange_destination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("directory", sa.String(length=500), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("backoff_seconds", sa.Float(), nullable=False),
        sa.Column("backoff_max_seconds", sa.Float(), nullable=False),
        sa.Column("timeout_seconds", sa.Float(), nullable=False),
        sa.Column("max_pending", sa.Integer(), nullable=False),
        sa.Column("acked_cursor", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_destination")),
        sa.UniqueConstraint("code", name=op.f("uq_exchange_destination_code")),
    )
    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
    )
    op.create_table(
        "api_client_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("endpoint", sa.String(length=200), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_client.id"], name=op.f("fk_api_client_usage_client_id_api_client")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client_usage")),
        sa.UniqueConstraint("client_id", "day", "endpoint", name=op.f("uq_api_client_usage_client_id_day_endpoint")),
    )
    op.create_table(
        "exchange_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cursor_from", sa.JSON(), nullable=False),
        sa.Column("cursor_to", sa.JSON(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("type_counts", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("csv_files", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["destination_id"],
            ["exchange_destination.id"],
            name=op.f("fk_exchange_batch_destination_id_exchange_destination"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_batch")),
        sa.UniqueConstraint("destination_id", "sequence", name=op.f("uq_exchange_batch_destination_id_sequence")),
        sa.UniqueConstraint("number", name=op.f("uq_exchange_batch_number")),
    )
    with op.batch_alter_table("exchange_batch", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_batch_destination_status", ["destination_id", "status"], unique=False)

    op.create_table(
        "subject_authorisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("subject_label", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("evidence", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_client.id"], name=op.f("fk_subject_authorisation_client_id_api_client")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_subject_authorisation_entity_id_entity")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_subject_authorisation_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_authorisation")),
    )
    with op.batch_alter_table("subject_authorisation", schema=None) as batch_op:
        batch_op.create_index("ix_subject_authorisation_client_entity", ["client_id", "entity_id"], unique=False)
        batch_op.create_index("ix_subject_authorisation_client_person", ["client_id", "person_id"], unique=False)

    op.create_table(
        "exchange_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["exchange_batch.id"], name=op.f("fk_exchange_attempt_batch_id_exchange_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_attempt")),
    )
    with op.batch_alter_table("exchange_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_attempt_batch_id"), ["batch_id"], unique=False)

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.Integer(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("client_id")

    with op.batch_alter_table("exchange_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_attempt_batch_id"))

    op.drop_table("exchange_attempt")
    with op.batch_alter_table("subject_authorisation", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_authorisation_client_person")
        batch_op.drop_index("ix_subject_authorisation_client_entity")

    op.drop_table("subject_authorisation")
    with op.batch_alter_table("exchange_batch", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_batch_destination_status")

    op.drop_table("exchange_batch")
    op.drop_table("api_client_usage")
    op.drop_table("exchange_outbox")
    op.drop_table("exchange_destination")
    op.drop_table("api_client")
