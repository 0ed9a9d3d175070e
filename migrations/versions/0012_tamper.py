"""tamper evidence: the record chain (backfilled), daily anchors, idle session expiry, retired signing keys

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.add_column("credit_record", sa.Column("chain_seq", sa.Integer(), nullable=True))
    op.add_column("credit_record", sa.Column("chain_prev", sa.String(length=64), nullable=True))
    op.add_column("credit_record", sa.Column("chain_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_credit_record_chain_seq", "credit_record", ["chain_seq"], unique=True)
    op.create_table(
        "credit_record_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_record_chain_head")),
    )
    op.create_table(
        "chain_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("record_seq", sa.Integer(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_anchor")),
        sa.UniqueConstraint("day", name=op.f("uq_chain_anchor_day")),
        sa.UniqueConstraint("hash", name=op.f("uq_chain_anchor_hash")),
    )
    op.add_column("web_session", sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    op.create_table(
        "report_signing_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("first_used_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_signing_key")),
        sa.UniqueConstraint("key_id", name=op.f("uq_report_signing_key_key_id")),
    )
    # The key that signed the reports already issued stays published: its public half is in each report's row
    # only as a key id, so it is recorded when the platform next signs (reports.service.keep_public_key) or by
    # `xinyong keys keep-signing-key` before a rotation.
    op.execute(sa.text(f"INSERT INTO credit_record_chain_head (id, last_seq, last_hash) VALUES (1, 0, '{GENESIS}')"))
    # Chain the records already stored, in id order, with the same code the writers use.
    from xinyong.records import chain

    chain.backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("report_signing_key")
    with op.batch_alter_table("web_session") as batch_op:
        batch_op.drop_column("last_seen_at")
    op.drop_table("chain_anchor")
    op.drop_table("credit_record_chain_head")
    op.drop_index("ix_credit_record_chain_seq", table_name="credit_record")
    with op.batch_alter_table("credit_record") as batch_op:
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("chain_prev")
        batch_op.drop_column("chain_seq")
