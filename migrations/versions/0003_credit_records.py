"""credit records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_name_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reported_name", sa.String(length=200), nullable=False),
        sa.Column("registered_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_subject_name_review_entity_id_entity")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_subject_name_review_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_name_review")),
    )
    with op.batch_alter_table("subject_name_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_name_review_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subject_name_review_person_id"), ["person_id"], unique=False)

    op.create_table(
        "credit_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("subject_category", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("publication_deadline", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("publicity_from", sa.Date(), nullable=True),
        sa.Column("publicity_until", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_token_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_credit_record_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_credit_record_entity_id_entity")),
        sa.ForeignKeyConstraint(["item_id"], ["catalog_item.id"], name=op.f("fk_credit_record_item_id_catalog_item")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_credit_record_person_id_person")),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_credit_record_submitted_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["credit_record.id"], name=op.f("fk_credit_record_supersedes_id_credit_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_record")),
        sa.UniqueConstraint(
            "department_id",
            "item_code",
            "document_number",
            "version",
            name=op.f("uq_credit_record_department_id_item_code_document_number_version"),
        ),
    )
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_record_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_record_decision_date"), ["decision_date"], unique=False)
        batch_op.create_index("ix_credit_record_dept_deadline", ["department_id", "publication_deadline"], unique=False)
        batch_op.create_index("ix_credit_record_entity_current", ["entity_id", "is_current"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_record_item_code"), ["item_code"], unique=False)
        batch_op.create_index("ix_credit_record_person_current", ["person_id", "is_current"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_record_status"), ["status"], unique=False)

    op.create_table(
        "credit_record_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name=op.f("fk_credit_record_event_record_id_credit_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_record_event")),
    )
    with op.batch_alter_table("credit_record_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_record_event_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_record_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_record_event_record_id"))

    op.drop_table("credit_record_event")
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_record_status"))
        batch_op.drop_index("ix_credit_record_person_current")
        batch_op.drop_index(batch_op.f("ix_credit_record_item_code"))
        batch_op.drop_index("ix_credit_record_entity_current")
        batch_op.drop_index("ix_credit_record_dept_deadline")
        batch_op.drop_index(batch_op.f("ix_credit_record_decision_date"))
        batch_op.drop_index(batch_op.f("ix_credit_record_batch_id"))

    op.drop_table("credit_record")
    with op.batch_alter_table("subject_name_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_name_review_person_id"))
        batch_op.drop_index(batch_op.f("ix_subject_name_review_entity_id"))

    op.drop_table("subject_name_review")
