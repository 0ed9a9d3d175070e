"""A commitment as a credit record: the catalogue item's fields built from the commitment, stored or re-versioned."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from xinyong.commitments.models import Commitment, CommitmentMatter
from xinyong.commitments.service.rules import COMMITMENT_ITEM, load_rules
from xinyong.core.audit import Actor
from xinyong.core.crypto import FieldCipher
from xinyong.ingestion import service as ingestion_service
from xinyong.records import service as records_service
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Department, Person

CHANNEL_LABELS = {"department": "部门受理", "online": "网上自主承诺", "voluntary": "自愿注册真实性承诺"}


def department_of(session: Session, department_id: int) -> Department:
    """The department by id (it exists: commitments and matters reference it)."""
    dept = session.get(Department, department_id)
    assert dept is not None
    return dept


def subject_fields(commitment: Commitment, extra: dict[str, str]) -> dict[str, Any]:
    """The record fields naming the committer (credit code or ID, legal representative)."""
    fields: dict[str, Any] = {"XDR_MC": commitment.committer_name, "XDR_LB": commitment.committer_category}
    if commitment.committer_category == "自然人":
        fields["XDR_ZJLX"] = extra.get("id_type") or "身份证"
        fields["XDR_ZJHM"] = extra["id_number"]
    else:
        fields["XDR_SHXYM"] = commitment.committer_code
        if extra.get("legal_rep"):
            fields["FRDB"] = extra["legal_rep"]
    return fields


def record_extra(session: Session, commitment: Commitment, cipher: FieldCipher) -> dict[str, str]:
    """The subject fields a stored record needs again (legal representative, clear ID number) for a new version."""
    extra: dict[str, str] = {}
    if commitment.record_id:
        record = session.get(CreditRecord, commitment.record_id)
        if record is not None:
            extra["legal_rep"] = str(record.fields.get("FRDB") or "")
            extra["id_type"] = str(record.fields.get("XDR_ZJLX") or "身份证")
    if commitment.person_id:
        person = session.get(Person, commitment.person_id)
        assert person is not None
        extra["id_number"] = cipher.decrypt(person.id_cipher)
    return extra


def store_commitment_record(
    session: Session, commitment: Commitment, *, extra: dict[str, str], actor: Actor, cipher: FieldCipher
) -> CreditRecord:
    """Store (or re-version) the commitment as a record of the catalogue's commitment item; openness respected.

    The record belongs to the accepting unit (the matter's department), so a fulfilment finding versions it.
    """
    matter = session.get(CommitmentMatter, commitment.matter_id)
    assert matter is not None
    department = department_of(session, matter.department_id)
    fields = subject_fields(commitment, extra)
    fields.update(
        {
            "WSH": commitment.code,
            "CNLX": commitment.commitment_type,
            "CNSY": commitment.reason,
            "NR": commitment.content,
            "WYZR": commitment.liability,
            "GKLX": commitment.openness,
            "JDRQ": commitment.made_on.isoformat(),
            "JDJG": commitment.accepting_unit,
            "JDJGDM": commitment.accepting_unit_code,
            "SJLY": department.name,
            "SJLYDM": department.uscc,
            "BZ": f"承诺事项：{matter.name}（{matter.code}）；办理方式：{CHANNEL_LABELS[commitment.channel]}",
        }
    )
    if commitment.fulfilment:
        fields["LXZT"] = commitment.fulfilment
        if commitment.unfulfilled_content:
            fields["WLXNR"] = commitment.unfulfilled_content
        if commitment.accountability:
            fields["ZJNR"] = commitment.accountability
    result, _spec = ingestion_service.submit_one(
        session, kind=COMMITMENT_ITEM, fields=fields, department_code=department.code, actor=actor, cipher=cipher
    )
    record = result.record
    if not load_rules().openness_types.get(commitment.openness, False) and record.publicity_until is not None:
        records_service.set_publicity(
            session,
            record_id=record.id,
            publicity_from=None,
            publicity_until=None,
            reason=f"承诺公开类型为“{commitment.openness}”，不在门户网站公示",
            actor=actor,
        )
    return record
