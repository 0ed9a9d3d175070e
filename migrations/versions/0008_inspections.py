"""random inspections: item list, inspector library, plans, pools, tasks, assignments, attachments

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("domain_code", sa.String(length=32), nullable=True),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_inspection_item_department_id_department")
        ),
        sa.ForeignKeyConstraint(["domain_code"], ["domain.code"], name=op.f("fk_inspection_item_domain_code_domain")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_item")),
        sa.UniqueConstraint("code", name=op.f("uq_inspection_item_code")),
    )
    with op.batch_alter_table("inspection_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_item_department_id"), ["department_id"], unique=False)

    op.create_table(
        "inspection_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lead_department_id", sa.Integer(), nullable=False),
        sa.Column("department_ids", sa.JSON(), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("library_filter", sa.JSON(), nullable=False),
        sa.Column("base_ratio", sa.String(length=12), nullable=False),
        sa.Column("multipliers", sa.JSON(), nullable=False),
        sa.Column("min_interval_days", sa.Integer(), nullable=False),
        sa.Column("inspectors_per_task", sa.Integer(), nullable=False),
        sa.Column("seed_sources", sa.JSON(), nullable=False),
        sa.Column("seed_values", sa.JSON(), nullable=True),
        sa.Column("rules_version", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("pool_version", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_department_id"], ["department.id"], name=op.f("fk_inspection_plan_lead_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plan")),
        sa.UniqueConstraint("code", name=op.f("uq_inspection_plan_code")),
    )
    with op.batch_alter_table("inspection_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_plan_lead_department_id"), ["lead_department_id"], unique=False)

    op.create_table(
        "inspection_pool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("entity_ids", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["inspection_plan.id"],
            name=op.f("fk_inspection_pool_plan_id_inspection_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_pool")),
        sa.UniqueConstraint("plan_id", "version", "grade", name=op.f("uq_inspection_pool_plan_id_version_grade")),
    )
    with op.batch_alter_table("inspection_pool", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_pool_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "inspector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_inspector_department_id_department")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_inspector_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspector")),
        sa.UniqueConstraint("code", name=op.f("uq_inspector_code")),
    )
    with op.batch_alter_table("inspector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspector_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspector_user_id"), ["user_id"], unique=False)

    op.create_table(
        "inspection_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("targeted_reason", sa.String(length=20), nullable=True),
        sa.Column("targeted_note", sa.Text(), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.Column("draw_position", sa.Integer(), nullable=True),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("result", sa.String(length=40), nullable=True),
        sa.Column("result_note", sa.Text(), nullable=True),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("publish_deadline", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_inspection_task_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_inspection_task_entity_id_entity")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["inspection_plan.id"], name=op.f("fk_inspection_task_plan_id_inspection_plan")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name=op.f("fk_inspection_task_record_id_credit_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_task")),
        sa.UniqueConstraint("code", name=op.f("uq_inspection_task_code")),
    )
    with op.batch_alter_table("inspection_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_task_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_task_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_task_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "inspector_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_inspector_conflict_entity_id_entity")),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["inspector.id"],
            name=op.f("fk_inspector_conflict_inspector_id_inspector"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspector_conflict")),
        sa.UniqueConstraint(
            "inspector_id", "entity_id", "kind", name=op.f("uq_inspector_conflict_inspector_id_entity_id_kind")
        ),
    )
    with op.batch_alter_table("inspector_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspector_conflict_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspector_conflict_inspector_id"), ["inspector_id"], unique=False)

    op.create_table(
        "inspection_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("draw_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["inspector.id"], name=op.f("fk_inspection_assignment_inspector_id_inspector")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["inspection_task.id"],
            name=op.f("fk_inspection_assignment_task_id_inspection_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_assignment")),
    )
    with op.batch_alter_table("inspection_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_assignment_inspector_id"), ["inspector_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_assignment_task_id"), ["task_id"], unique=False)

    op.create_table(
        "inspection_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["inspection_task.id"],
            name=op.f("fk_inspection_attachment_task_id_inspection_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_attachment")),
    )
    with op.batch_alter_table("inspection_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_attachment_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_attachment_task_id"))

    op.drop_table("inspection_attachment")
    with op.batch_alter_table("inspection_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_assignment_task_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_assignment_inspector_id"))

    op.drop_table("inspection_assignment")
    with op.batch_alter_table("inspector_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspector_conflict_inspector_id"))
        batch_op.drop_index(batch_op.f("ix_inspector_conflict_entity_id"))

    op.drop_table("inspector_conflict")
    with op.batch_alter_table("inspection_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_task_plan_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_task_entity_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_task_department_id"))

    op.drop_table("inspection_task")
    with op.batch_alter_table("inspector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspector_user_id"))
        batch_op.drop_index(batch_op.f("ix_inspector_department_id"))

    op.drop_table("inspector")
    with op.batch_alter_table("inspection_pool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_pool_plan_id"))

    op.drop_table("inspection_pool")
    with op.batch_alter_table("inspection_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plan_lead_department_id"))

    op.drop_table("inspection_plan")
    with op.batch_alter_table("inspection_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_item_department_id"))

    op.drop_table("inspection_item")
