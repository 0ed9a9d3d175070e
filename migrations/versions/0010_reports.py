"""credit reports, repair, re-checks, objections, notices

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repair_recheck_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("rate_percent", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=200), nullable=False),
        sa.Column("pool", sa.JSON(), nullable=False),
        sa.Column("pool_sha256", sa.String(length=64), nullable=False),
        sa.Column("selected", sa.JSON(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("drawn_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_recheck_draw")),
        sa.UniqueConstraint("number", name=op.f("uq_repair_recheck_draw_number")),
    )
    op.create_table(
        "credit_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("purpose_note", sa.String(length=200), nullable=True),
        sa.Column("requester_kind", sa.String(length=12), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("generated_at", sa.DateTime(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_credit_report_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_credit_report_entity_id_entity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_report")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_report_number")),
    )
    with op.batch_alter_table("credit_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_report_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_report_pdf_sha256"), ["pdf_sha256"], unique=False)

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_notice_entity_id_entity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("prior_status", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("new_record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_objection_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_objection_entity_id_entity")),
        sa.ForeignKeyConstraint(["record_id"], ["credit_record.id"], name=op.f("fk_objection_record_id_credit_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection")),
        sa.UniqueConstraint("number", name=op.f("uq_objection_number")),
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.create_index("ix_objection_dept_status_due", ["department_id", "status", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_objection_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_objection_record_id"), ["record_id"], unique=False)

    op.create_table(
        "repair_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("performance", sa.Text(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("feedback_due_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitment.id"], name=op.f("fk_repair_application_commitment_id_commitment")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_repair_application_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_repair_application_entity_id_entity")),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name=op.f("fk_repair_application_record_id_credit_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_application")),
        sa.UniqueConstraint("number", name=op.f("uq_repair_application_number")),
    )
    with op.batch_alter_table("repair_application", schema=None) as batch_op:
        batch_op.create_index(
            "ix_repair_application_dept_status_due", ["department_id", "status", "due_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_repair_application_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_application_record_id"), ["record_id"], unique=False)

    op.create_table(
        "repair_recheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        sa.Column("breach_record_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["repair_application.id"],
            name=op.f("fk_repair_recheck_application_id_repair_application"),
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["repair_recheck_draw.id"], name=op.f("fk_repair_recheck_draw_id_repair_recheck_draw")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_recheck")),
    )
    with op.batch_alter_table("repair_recheck", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_recheck_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_recheck_draw_id"), ["draw_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repair_recheck", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_recheck_draw_id"))
        batch_op.drop_index(batch_op.f("ix_repair_recheck_application_id"))

    op.drop_table("repair_recheck")
    with op.batch_alter_table("repair_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_application_record_id"))
        batch_op.drop_index(batch_op.f("ix_repair_application_entity_id"))
        batch_op.drop_index("ix_repair_application_dept_status_due")

    op.drop_table("repair_application")
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_record_id"))
        batch_op.drop_index(batch_op.f("ix_objection_entity_id"))
        batch_op.drop_index("ix_objection_dept_status_due")

    op.drop_table("objection")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_entity_id"))

    op.drop_table("notice")
    with op.batch_alter_table("credit_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_report_pdf_sha256"))
        batch_op.drop_index(batch_op.f("ix_credit_report_entity_id"))

    op.drop_table("credit_report")
    op.drop_table("repair_recheck_draw")
