"""lists, bans, credit checks and supervision (rectification, interviews, campaigns)

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("matter", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("approvals", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_approval_report_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_report")),
        sa.UniqueConstraint(
            "department_id", "matter", "period", name=op.f("uq_approval_report_department_id_matter_period")
        ),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closing_report", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_campaign_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "credit_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("subject_label", sa.String(length=200), nullable=False),
        sa.Column("matter", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("checked_by", sa.String(length=120), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("conclusion", sa.String(length=10), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_by", sa.String(length=120), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("feedback", sa.JSON(), nullable=True),
        sa.Column("feedback_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_credit_check_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_credit_check_entity_id_entity")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_credit_check_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_check")),
        sa.UniqueConstraint("code", name=op.f("uq_credit_check_code")),
    )
    with op.batch_alter_table("credit_check", schema=None) as batch_op:
        batch_op.create_index("ix_credit_check_dept_matter", ["department_id", "matter", "checked_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_check_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_check_person_id"), ["person_id"], unique=False)

    op.create_table(
        "list_ban",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("domain", sa.String(length=30), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_list_ban_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_list_ban_entity_id_entity")),
        sa.ForeignKeyConstraint(["parent_id"], ["list_ban.id"], name=op.f("fk_list_ban_parent_id_list_ban")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_list_ban_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_ban")),
    )
    with op.batch_alter_table("list_ban", schema=None) as batch_op:
        batch_op.create_index("ix_list_ban_entity", ["entity_id", "starts_on"], unique=False)
        batch_op.create_index("ix_list_ban_person", ["person_id", "starts_on"], unique=False)

    op.create_table(
        "rectification_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("basis_record_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("follow_ups", sa.JSON(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["basis_record_id"], ["credit_record.id"], name=op.f("fk_rectification_order_basis_record_id_credit_record")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_rectification_order_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_rectification_order_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_rectification_order_entity_id_entity")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_rectification_order_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_order")),
    )
    with op.batch_alter_table("rectification_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectification_order_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rectification_order_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rectification_order_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rectification_order_person_id"), ["person_id"], unique=False)

    op.create_table(
        "credit_interview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("record_text", sa.Text(), nullable=False),
        sa.Column("commitments", sa.Text(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_credit_interview_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_credit_interview_entity_id_entity")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["rectification_order.id"], name=op.f("fk_credit_interview_order_id_rectification_order")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_credit_interview_person_id_person")),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name=op.f("fk_credit_interview_record_id_credit_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_interview")),
    )
    with op.batch_alter_table("credit_interview", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_interview_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_interview_entity_id"), ["entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_interview_person_id"), ["person_id"], unique=False)

    op.create_table(
        "list_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_type", sa.String(length=20), nullable=False),
        sa.Column("domain", sa.String(length=30), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("subject_code", sa.String(length=24), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("basis_record_ids", sa.JSON(), nullable=False),
        sa.Column("responsible", sa.JSON(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("proposed_by", sa.String(length=120), nullable=False),
        sa.Column("notice_on", sa.Date(), nullable=True),
        sa.Column("notice_document", sa.String(length=100), nullable=True),
        sa.Column("statement_until", sa.Date(), nullable=True),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("document_number", sa.String(length=100), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("early_removal_from", sa.Date(), nullable=True),
        sa.Column("removal_kind", sa.String(length=12), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.Column("offline_by", sa.Date(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_list_entry_department_id_department")
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entity.id"], name=op.f("fk_list_entry_entity_id_entity")),
        sa.ForeignKeyConstraint(["parent_id"], ["list_entry.id"], name=op.f("fk_list_entry_parent_id_list_entry")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_list_entry_person_id_person")),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["commitment_list_proposal.id"],
            name=op.f("fk_list_entry_proposal_id_commitment_list_proposal"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name=op.f("fk_list_entry_record_id_credit_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entry")),
    )
    with op.batch_alter_table("list_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_entry_department_id"), ["department_id"], unique=False)
        batch_op.create_index("ix_list_entry_entity_status", ["entity_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_entry_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_list_entry_person_status", ["person_id", "status"], unique=False)
        batch_op.create_index("ix_list_entry_type_status", ["list_type", "status"], unique=False)

    op.create_table(
        "list_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["list_entry.id"], name=op.f("fk_list_event_entry_id_list_entry")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_event")),
    )
    with op.batch_alter_table("list_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_list_event_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("list_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_list_event_entry_id"))

    op.drop_table("list_event")
    with op.batch_alter_table("list_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entry_type_status")
        batch_op.drop_index("ix_list_entry_person_status")
        batch_op.drop_index(batch_op.f("ix_list_entry_parent_id"))
        batch_op.drop_index("ix_list_entry_entity_status")
        batch_op.drop_index(batch_op.f("ix_list_entry_department_id"))

    op.drop_table("list_entry")
    with op.batch_alter_table("credit_interview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_interview_person_id"))
        batch_op.drop_index(batch_op.f("ix_credit_interview_entity_id"))
        batch_op.drop_index(batch_op.f("ix_credit_interview_department_id"))

    op.drop_table("credit_interview")
    with op.batch_alter_table("rectification_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_order_person_id"))
        batch_op.drop_index(batch_op.f("ix_rectification_order_entity_id"))
        batch_op.drop_index(batch_op.f("ix_rectification_order_department_id"))
        batch_op.drop_index(batch_op.f("ix_rectification_order_campaign_id"))

    op.drop_table("rectification_order")
    with op.batch_alter_table("list_ban", schema=None) as batch_op:
        batch_op.drop_index("ix_list_ban_person")
        batch_op.drop_index("ix_list_ban_entity")

    op.drop_table("list_ban")
    with op.batch_alter_table("credit_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_check_person_id"))
        batch_op.drop_index(batch_op.f("ix_credit_check_entity_id"))
        batch_op.drop_index("ix_credit_check_dept_matter")

    op.drop_table("credit_check")
    op.drop_table("campaign")
    op.drop_table("approval_report")
