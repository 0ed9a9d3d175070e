"""commitments, voluntary registration and integrity education

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commitment_serial",
        sa.Column("division", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("division", "day", name=op.f("pk_commitment_serial")),
    )
    op.create_table(
        "commitment_matter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("matter_kind", sa.String(length=20), nullable=False),
        sa.Column("commitment_type", sa.String(length=10), nullable=False),
        sa.Column("standard_text", sa.Text(), nullable=False),
        sa.Column("breach_liability", sa.Text(), nullable=False),
        sa.Column("verification_working_days", sa.Integer(), nullable=False),
        sa.Column("excluded_grades", sa.JSON(), nullable=False),
        sa.Column("excluded_lists", sa.JSON(), nullable=False),
        sa.Column("online_signing", sa.Boolean(), nullable=False),
        sa.Column("breach_ban_months", sa.Integer(), nullable=True),
        sa.Column("breach_key_attention", sa.Boolean(), nullable=False),
        sa.Column("required_course", sa.String(length=40), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_commitment_matter_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_matter")),
        sa.UniqueConstraint("code", name=op.f("uq_commitment_matter_code")),
    )
    with op.batch_alter_table("commitment_matter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_matter_department_id"), ["department_id"], unique=False)

    op.create_table(
        "course_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_code", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_course_session_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_session")),
    )
    with op.batch_alter_table("course_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_session_course_code"), ["course_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_session_department_id"), ["department_id"], unique=False)

    op.create_table(
        "course_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_code", sa.String(length=40), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("certificate_no", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_course_completion_entity_id_entity")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_course_completion_person_id_person")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["course_session.id"], name=op.f("fk_course_completion_session_id_course_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_completion")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_course_completion_certificate_no")),
    )
    with op.batch_alter_table("course_completion", schema=None) as batch_op:
        batch_op.create_index("ix_course_completion_entity", ["entity_id", "course_code"], unique=False)
        batch_op.create_index("ix_course_completion_person", ["person_id", "course_code"], unique=False)

    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("committer_category", sa.String(length=20), nullable=False),
        sa.Column("committer_name", sa.String(length=200), nullable=False),
        sa.Column("committer_code", sa.String(length=18), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("commitment_type", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("liability", sa.Text(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("accepting_unit", sa.String(length=200), nullable=False),
        sa.Column("accepting_unit_code", sa.String(length=18), nullable=False),
        sa.Column("openness", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("verify_by", sa.Date(), nullable=False),
        sa.Column("related_record_id", sa.Integer(), nullable=True),
        sa.Column("fulfilment", sa.String(length=10), nullable=True),
        sa.Column("unfulfilled_content", sa.Text(), nullable=True),
        sa.Column("accountability", sa.Text(), nullable=True),
        sa.Column("is_false", sa.Boolean(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("breach_record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["breach_record_id"], ["credit_record.id"], name=op.f("fk_commitment_breach_record_id_credit_record")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_commitment_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_commitment_entity_id_entity")),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["commitment_matter.id"], name=op.f("fk_commitment_matter_id_commitment_matter")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_commitment_person_id_person")),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name=op.f("fk_commitment_record_id_credit_record")
        ),
        sa.ForeignKeyConstraint(
            ["related_record_id"], ["credit_record.id"], name=op.f("fk_commitment_related_record_id_credit_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
        sa.UniqueConstraint("code", name=op.f("uq_commitment_code")),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index("ix_commitment_dept_pending", ["department_id", "fulfilment", "verify_by"], unique=False)
        batch_op.create_index("ix_commitment_entity", ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_matter_id"), ["matter_id"], unique=False)
        batch_op.create_index("ix_commitment_person", ["person_id"], unique=False)

    op.create_table(
        "commitment_ban",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitment.id"], name=op.f("fk_commitment_ban_commitment_id_commitment")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_commitment_ban_entity_id_entity")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_commitment_ban_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_ban")),
    )
    with op.batch_alter_table("commitment_ban", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_ban_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_ban_person_id"), ["person_id"], unique=False)

    op.create_table(
        "commitment_list_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_item", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitment.id"], name=op.f("fk_commitment_list_proposal_commitment_id_commitment")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_commitment_list_proposal_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_commitment_list_proposal_entity_id_entity")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_commitment_list_proposal_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_list_proposal")),
    )
    with op.batch_alter_table("commitment_list_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_list_proposal_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_list_proposal_person_id"), ["person_id"], unique=False)

    op.create_table(
        "voluntary_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verified_by", sa.String(length=120), nullable=True),
        sa.Column("verify_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitment.id"], name=op.f("fk_voluntary_info_commitment_id_commitment")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_voluntary_info_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_voluntary_info_entity_id_entity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voluntary_info")),
    )
    with op.batch_alter_table("voluntary_info", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voluntary_info_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "voluntary_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("info_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["info_id"],
            ["voluntary_info.id"],
            name=op.f("fk_voluntary_attachment_info_id_voluntary_info"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voluntary_attachment")),
    )
    with op.batch_alter_table("voluntary_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voluntary_attachment_info_id"), ["info_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("voluntary_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voluntary_attachment_info_id"))

    op.drop_table("voluntary_attachment")
    with op.batch_alter_table("voluntary_info", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voluntary_info_entity_id"))

    op.drop_table("voluntary_info")
    with op.batch_alter_table("commitment_list_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_list_proposal_person_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_list_proposal_entity_id"))

    op.drop_table("commitment_list_proposal")
    with op.batch_alter_table("commitment_ban", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_ban_person_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_ban_entity_id"))

    op.drop_table("commitment_ban")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index("ix_commitment_person")
        batch_op.drop_index(batch_op.f("ix_commitment_matter_id"))
        batch_op.drop_index("ix_commitment_entity")
        batch_op.drop_index("ix_commitment_dept_pending")

    op.drop_table("commitment")
    with op.batch_alter_table("course_completion", schema=None) as batch_op:
        batch_op.drop_index("ix_course_completion_person")
        batch_op.drop_index("ix_course_completion_entity")

    op.drop_table("course_completion")
    with op.batch_alter_table("course_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_session_department_id"))
        batch_op.drop_index(batch_op.f("ix_course_session_course_code"))

    op.drop_table("course_session")
    with op.batch_alter_table("commitment_matter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_matter_department_id"))

    op.drop_table("commitment_matter")
    op.drop_table("commitment_serial")
