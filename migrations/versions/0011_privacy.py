"""personal-information queries: authorisations and query registrations (T29)

Revision ID: 0011
Revises: 0013
Create Date: 2026-11-28 20:43:24.787770
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_authorisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.String(length=20), nullable=False),
        sa.Column("evidence_note", sa.Text(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_content", sa.LargeBinary(), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_person_authorisation_department_id_department")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_person_authorisation_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_authorisation")),
    )
    with op.batch_alter_table("person_authorisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_authorisation_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_authorisation_person_id"), ["person_id"], unique=False)

    op.create_table(
        "person_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("department_name", sa.String(length=80), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("person_label", sa.String(length=120), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("basis_code", sa.String(length=40), nullable=True),
        sa.Column("basis_title", sa.String(length=200), nullable=True),
        sa.Column("rules_version", sa.String(length=20), nullable=False),
        sa.Column("authorisation_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.Column("shown", sa.JSON(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("flag_note", sa.Text(), nullable=True),
        sa.Column("flagged_by", sa.String(length=120), nullable=True),
        sa.Column("flagged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["authorisation_id"],
            ["person_authorisation.id"],
            name=op.f("fk_person_query_authorisation_id_person_authorisation"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_person_query_department_id_department")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_person_query_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_query")),
    )
    with op.batch_alter_table("person_query", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_query_at"), ["at"], unique=False)
        batch_op.create_index("ix_person_query_person_at", ["person_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_query_reference"), ["reference"], unique=False)
        batch_op.create_index("ix_person_query_user_at", ["actor", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person_query", schema=None) as batch_op:
        batch_op.drop_index("ix_person_query_user_at")
        batch_op.drop_index(batch_op.f("ix_person_query_reference"))
        batch_op.drop_index("ix_person_query_person_at")
        batch_op.drop_index(batch_op.f("ix_person_query_at"))

    op.drop_table("person_query")
    with op.batch_alter_table("person_authorisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_authorisation_person_id"))
        batch_op.drop_index(batch_op.f("ix_person_authorisation_department_id"))

    op.drop_table("person_authorisation")
