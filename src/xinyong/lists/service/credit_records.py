"""A published entry as a credit record of its list's catalogue item (so the portal, the evaluation and the
commitment rules see it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.crypto import FieldCipher
from xinyong.ingestion import service as ingestion_service
from xinyong.lists.models import ListEntry
from xinyong.lists.service.common import PERSON_CATEGORY, rule_for
from xinyong.records import service as records_service
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Department


def record_fields(
    entry: ListEntry,
    dept: Department,
    *,
    category: str = "法人及非法人组织",
    name: str,
    uscc: str | None,
    id_number: str | None,
    legal_rep: str | None,
    document_number: str,
    content: str,
) -> dict[str, Any]:
    """The catalogue fields of the credit record for an entry: the subject, the decision and its department."""
    fields: dict[str, Any] = {"XDR_MC": name}
    if id_number:
        fields.update({"XDR_LB": PERSON_CATEGORY, "XDR_ZJLX": "身份证", "XDR_ZJHM": id_number})
    else:
        assert entry.entity_id is not None
        fields.update({"XDR_LB": category, "XDR_SHXYM": uscc})
        if legal_rep:
            fields["FRDB"] = legal_rep
    assert entry.decided_on is not None
    fields.update(
        {
            "WSH": document_number,
            "NR": content,
            "JDRQ": entry.decided_on.isoformat(),
            "JDJG": dept.name,
            "JDJGDM": dept.uscc,
            "SJLY": dept.name,
            "SJLYDM": dept.uscc,
        }
    )
    return fields


def store_record(
    session: Session, entry: ListEntry, fields: dict[str, Any], *, actor: Actor, cipher: FieldCipher
) -> CreditRecord:
    """Store the entry's credit record; a public list's record is shown for the listing period."""
    rule = rule_for(entry.list_type)
    result, _spec = ingestion_service.submit_one(
        session, kind=rule.item, fields=fields, department_code=entry.department.code, actor=actor, cipher=cipher
    )
    record = result.record
    if record.publicity_from is not None or record.publicity_until is not None:  # a public list: shown while on it
        records_service.set_publicity(
            session,
            record_id=record.id,
            publicity_from=entry.published_on,
            publicity_until=entry.ends_on,
            reason=f"{rule.name}公布期间与名单期限一致",
            actor=actor,
        )
    return record
