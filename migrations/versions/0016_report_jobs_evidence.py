"""background report rendering, evidence attachments, objections filed at the window for natural persons

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-29

- ``credit_report``: ``status`` (生成中 / 已生成 / 生成失败), the verification code kept only until the PDF that
  prints it is rendered, the verification address, the failure message.
- ``evidence_file``: files attached to objections and repair applications (checked by magic bytes, SHA-256).
- ``objection``: about a natural person (``person_id``; ``entity_id`` becomes optional), filed at the credit service
  window by a clerk (``filed_via``, ``window_department_id``) for the person named, with the contact phone encrypted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision: str | None = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_report") as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=12), nullable=False, server_default="ready"))
        batch_op.add_column(sa.Column("pending_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("verify_base", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.create_index("ix_credit_report_status", ["status"])

    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", sa.String(length=12), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_file")),
    )
    op.create_index("ix_evidence_file_owner", "evidence_file", ["owner_kind", "owner_id"])

    with op.batch_alter_table("objection") as batch_op:
        batch_op.alter_column("entity_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("filed_via", sa.String(length=10), nullable=False, server_default="online"))
        batch_op.add_column(sa.Column("window_department_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("applicant_name", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("applicant_phone_cipher", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("applicant_phone_masked", sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(op.f("fk_objection_person_id_person"), "person", ["person_id"], ["id"])
        batch_op.create_index("ix_objection_person_id", ["person_id"])


def downgrade() -> None:
    with op.batch_alter_table("objection") as batch_op:
        batch_op.drop_index("ix_objection_person_id")
        batch_op.drop_constraint(op.f("fk_objection_person_id_person"), type_="foreignkey")
        for column in (
            "applicant_phone_masked",
            "applicant_phone_cipher",
            "applicant_name",
            "window_department_id",
            "filed_via",
            "person_id",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column("entity_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_evidence_file_owner", table_name="evidence_file")
    op.drop_table("evidence_file")
    with op.batch_alter_table("credit_report") as batch_op:
        batch_op.drop_index("ix_credit_report_status")
        for column in ("error", "verify_base", "pending_code", "status"):
            batch_op.drop_column(column)
