"""evaluation: the records' outcome value (inspection result, complaint outcome, commitment fulfilment) in a column

Revision ID: 0019
Revises: 0012
Create Date: 2026-11-29

The evaluation scored inspections, complaints and commitments by a value read from each record's JSON, about
3 million table lookups in a full run over 10 million records. The writer now copies that value into
``credit_record.outcome`` (``records.outcome``); existing rows are filled here, and the evaluation's covering index
gains the column so that a full run reads the archive from the index alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision: str | None = "0016"
branch_labels = None
depends_on = None

# Frozen copy of records.outcome.OUTCOME_FIELDS / OUTCOME_MAX at this revision.
_FIELDS = {"inspection": "JCJG", "complaint": "CLJG", "commitment": "LXZT"}
_MAX = 60
_OLD_COLUMNS = ["entity_id", "is_current", "status", "item_code", "severity", "decision_date"]


def _backfill() -> None:
    bind = op.get_bind()
    for item, field in _FIELDS.items():
        if bind.dialect.name == "postgresql":
            value = f"fields::json ->> '{field}'"
            is_text = f"json_typeof(fields::json -> '{field}') = 'string'"
        else:
            value = f"json_extract(fields, '$.{field}')"
            is_text = f"json_type(fields, '$.{field}') = 'text'"
        op.execute(
            sa.text(
                f"UPDATE credit_record SET outcome = {value} "
                f"WHERE item_code = :item AND {is_text} AND length({value}) <= {_MAX}"
            ).bindparams(item=item)
        )


def upgrade() -> None:
    op.add_column("credit_record", sa.Column("outcome", sa.String(length=60), nullable=True))
    _backfill()
    op.drop_index("ix_credit_record_evaluation", table_name="credit_record")
    op.create_index("ix_credit_record_evaluation", "credit_record", [*_OLD_COLUMNS, "outcome"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_credit_record_evaluation", table_name="credit_record")
    op.create_index("ix_credit_record_evaluation", "credit_record", _OLD_COLUMNS, unique=False)
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.drop_column("outcome")
