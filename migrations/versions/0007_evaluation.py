"""credit evaluation: model versions, grades and history, industry grades, early warnings

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_dirty",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_evaluation_dirty")),
    )
    op.create_table(
        "evaluation_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_model")),
        sa.UniqueConstraint("version", name=op.f("uq_evaluation_model_version")),
    )
    with op.batch_alter_table("evaluation_model", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_model_effective_from"), ["effective_from"], unique=False)

    op.create_table(
        "evaluation_scratch",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("overall_rank", sa.Integer(), nullable=False),
        sa.Column("override_code", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "entity_id", name=op.f("pk_evaluation_scratch")),
    )
    op.create_table(
        "evaluation_setting",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_evaluation_setting")),
    )
    op.create_table(
        "evaluation_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_snapshot")),
        sa.UniqueConstraint("day", "scope", "grade", name=op.f("uq_evaluation_snapshot_day_scope_grade")),
    )
    with op.batch_alter_table("evaluation_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_snapshot_day"), ["day"], unique=False)

    op.create_table(
        "evaluation_domain_grade",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("domain_code", sa.String(length=32), nullable=False),
        sa.Column("industry_grade", sa.String(length=1), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_code"], ["domain.code"], name=op.f("fk_evaluation_domain_grade_domain_code_domain")
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_evaluation_domain_grade_entity_id_entity"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entity_id", "domain_code", name=op.f("pk_evaluation_domain_grade")),
    )
    op.create_table(
        "evaluation_grade",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("overall_grade", sa.String(length=1), nullable=False),
        sa.Column("override_code", sa.String(length=40), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_evaluation_grade_entity_id_entity"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_evaluation_grade")),
    )
    op.create_table(
        "evaluation_grade_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("overall_grade", sa.String(length=1), nullable=False),
        sa.Column("override_code", sa.String(length=40), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_evaluation_grade_history_entity_id_entity"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_grade_history")),
    )
    with op.batch_alter_table("evaluation_grade_history", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_grade_history_entity", ["entity_id", "id"], unique=False)

    op.create_table(
        "evaluation_industry_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("domain_code", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_evaluation_industry_import_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["domain_code"], ["domain.code"], name=op.f("fk_evaluation_industry_import_domain_code_domain")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_industry_import")),
    )
    op.create_table(
        "evaluation_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=40), nullable=False),
        sa.Column("rule_name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("cause_key", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_evaluation_warning_entity_id_entity"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_warning")),
        sa.UniqueConstraint(
            "entity_id", "rule_code", "cause_key", name=op.f("uq_evaluation_warning_entity_id_rule_code_cause_key")
        ),
    )
    with op.batch_alter_table("evaluation_warning", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_warning_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_warning_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_warning_rule_code"), ["rule_code"], unique=False)

    op.create_table(
        "evaluation_industry_grade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("domain_code", sa.String(length=32), nullable=False),
        sa.Column("source_grade", sa.String(length=20), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_evaluation_industry_grade_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["domain_code"], ["domain.code"], name=op.f("fk_evaluation_industry_grade_domain_code_domain")
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entity.id"], name=op.f("fk_evaluation_industry_grade_entity_id_entity"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["evaluation_industry_import.id"],
            name=op.f("fk_evaluation_industry_grade_import_id_evaluation_industry_import"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_industry_grade")),
    )
    with op.batch_alter_table("evaluation_industry_grade", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evaluation_industry_grade_current", ["entity_id", "domain_code", "is_current"], unique=False
        )

    op.create_table(
        "evaluation_warning_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("domain_code", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_evaluation_warning_recipient_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["evaluation_warning.id"],
            name=op.f("fk_evaluation_warning_recipient_warning_id_evaluation_warning"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_warning_recipient")),
        sa.UniqueConstraint(
            "warning_id", "department_id", name=op.f("uq_evaluation_warning_recipient_warning_id_department_id")
        ),
    )
    with op.batch_alter_table("evaluation_warning_recipient", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_warning_recipient_dept", ["department_id", "status"], unique=False)

    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_record_evaluation",
            ["entity_id", "is_current", "status", "item_code", "severity", "decision_date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_record_evaluation")

    with op.batch_alter_table("evaluation_warning_recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_warning_recipient_dept")

    op.drop_table("evaluation_warning_recipient")
    with op.batch_alter_table("evaluation_industry_grade", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_industry_grade_current")

    op.drop_table("evaluation_industry_grade")
    with op.batch_alter_table("evaluation_warning", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_warning_rule_code"))
        batch_op.drop_index(batch_op.f("ix_evaluation_warning_entity_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_warning_created_at"))

    op.drop_table("evaluation_warning")
    op.drop_table("evaluation_industry_import")
    with op.batch_alter_table("evaluation_grade_history", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_grade_history_entity")

    op.drop_table("evaluation_grade_history")
    op.drop_table("evaluation_grade")
    op.drop_table("evaluation_domain_grade")
    with op.batch_alter_table("evaluation_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_snapshot_day"))

    op.drop_table("evaluation_snapshot")
    op.drop_table("evaluation_setting")
    op.drop_table("evaluation_scratch")
    with op.batch_alter_table("evaluation_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_model_effective_from"))

    op.drop_table("evaluation_model")
    op.drop_table("evaluation_dirty")
