"""oversight: plan tasks and progress reports; industry associations, members and their own member information

Revision ID: 0014
Revises: 0015
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision: str | None = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "association",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("supervising_department_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["supervising_department_id"],
            ["department.id"],
            name=op.f("fk_association_supervising_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association")),
        sa.UniqueConstraint("name", name=op.f("uq_association_name")),
        sa.UniqueConstraint("uscc", name=op.f("uq_association_uscc")),
    )
    op.create_table(
        "plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("section", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lead_department_id", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_department_id"], ["department.id"], name=op.f("fk_plan_item_lead_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_item")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_item_code")),
    )
    op.create_table(
        "association_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["association.id"],
            name=op.f("fk_association_info_association_id_association"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_association_info_entity_id_entity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_info")),
    )
    with op.batch_alter_table("association_info", schema=None) as batch_op:
        batch_op.create_index("ix_association_info_assoc_entity", ["association_id", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_association_info_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "association_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["association.id"],
            name=op.f("fk_association_member_association_id_association"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_association_member_entity_id_entity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_member")),
        sa.UniqueConstraint("association_id", "entity_id", name=op.f("uq_association_member_association_id_entity_id")),
    )
    with op.batch_alter_table("association_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_association_member_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "association_user",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["association.id"],
            name=op.f("fk_association_user_association_id_association"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_association_user_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_association_user")),
    )
    with op.batch_alter_table("association_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_association_user_association_id"), ["association_id"], unique=False)

    op.create_table(
        "plan_item_unit",
        sa.Column("plan_item_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_plan_item_unit_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["plan_item_id"],
            ["plan_item.id"],
            name=op.f("fk_plan_item_unit_plan_item_id_plan_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_item_id", "department_id", name=op.f("pk_plan_item_unit")),
    )
    with op.batch_alter_table("plan_item_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_item_unit_department_id"), ["department_id"], unique=False)

    op.create_table(
        "plan_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_item_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(), nullable=False),
        sa.Column("reported_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_plan_progress_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["plan_item_id"], ["plan_item.id"], name=op.f("fk_plan_progress_plan_item_id_plan_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_progress")),
        sa.UniqueConstraint(
            "plan_item_id", "department_id", "period", name=op.f("uq_plan_progress_plan_item_id_department_id_period")
        ),
    )
    with op.batch_alter_table("plan_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_progress_plan_item_id"), ["plan_item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_progress_plan_item_id"))

    op.drop_table("plan_progress")
    with op.batch_alter_table("plan_item_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_item_unit_department_id"))

    op.drop_table("plan_item_unit")
    with op.batch_alter_table("association_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_association_user_association_id"))

    op.drop_table("association_user")
    with op.batch_alter_table("association_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_association_member_entity_id"))

    op.drop_table("association_member")
    with op.batch_alter_table("association_info", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_association_info_entity_id"))
        batch_op.drop_index("ix_association_info_assoc_entity")

    op.drop_table("association_info")
    op.drop_table("plan_item")
    op.drop_table("association")
