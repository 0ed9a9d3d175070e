"""The outcome column: one field value per record kept beside the JSON, for the readers that filter on it.

The evaluation model scores inspections by their result (``JCJG``), complaints by their handling result (``CLJG``)
and commitments by their fulfilment (``LXZT``). Reading those values out of every record's JSON made a full
evaluation look up some 3 million table rows; the writer (``records.service.write_prepared``, the only path that
stores records) copies the value into ``credit_record.outcome``, which the evaluation's covering index holds.

Which field is kept for which item is fixed here (and frozen into migration 0019's backfill): it is a storage
decision, not a rule. A model that names another field, or another item's field, is still honoured: the
evaluation reads the JSON for it (``covers``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# catalogue item code → the field whose value is stored in ``credit_record.outcome``
OUTCOME_FIELDS: dict[str, str] = {
    "inspection": "JCJG",
    "complaint": "CLJG",
    "commitment": "LXZT",
}
OUTCOME_MAX = 60  # longer values are not copied (the catalogue's enumerations are far shorter)


def outcome_of(item_code: str, values: dict[str, Any]) -> str | None:
    """The value to store in the outcome column for a record of ``item_code`` with these field values."""
    field = OUTCOME_FIELDS.get(item_code)
    if field is None:
        return None
    value = values.get(field)
    if not isinstance(value, str) or len(value) > OUTCOME_MAX:
        return None
    return value


def covers(items: Iterable[str], field: str, accepted: Iterable[str]) -> bool:
    """Whether a condition "``field`` of these items is one of ``accepted``" can be read from the outcome column.

    True only when every item keeps exactly that field there and every accepted value fits the column (a value
    that was too long to copy is stored as NULL and must not be mistaken for a non-match).
    """
    item_list = list(items)
    return (
        bool(item_list)
        and all(OUTCOME_FIELDS.get(item) == field for item in item_list)
        and all(len(v) <= OUTCOME_MAX for v in accepted)
    )
