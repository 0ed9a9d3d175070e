"""Helpers for objections about natural persons: a person's penalty, two valid ID numbers."""

from __future__ import annotations

from sqlalchemy.orm import Session
from tests.factories import ACTOR, CIPHER, json_fields

from xinyong.core.identifiers import resident_id_check_char
from xinyong.ingestion import service as ingestion_service
from xinyong.records.models import CreditRecord

ZHANG = "230382200001011239"
LI = "23038219900215123" + resident_id_check_char("23038219900215123")
DOC = "密市监罚〔2026〕301号"
PDF = b"%PDF-1.7\n%%EOF\n"


def person_penalty(session: Session, name: str = "张三", id_number: str = ZHANG, doc: str = DOC) -> CreditRecord:
    """A fine imposed on a natural person (the record keeps the ID number masked)."""
    fields = json_fields(
        1,
        CF_XDR_MC=name,
        CF_XDR_LB="自然人",
        CF_XDR_ZJLX="身份证",
        CF_XDR_ZJHM=id_number,
        CF_WSH=doc,
        CF_CFLB="罚款",
        CF_NR="罚款500元",
        CF_NR_FK="0.05",
        CF_JDRQ="2026-10-12",
    )
    del fields["CF_XDR_SHXYM"]
    del fields["CF_FRDB"]
    result, _spec = ingestion_service.submit_one(
        session, kind="penalty", fields=fields, department_code="scjg", actor=ACTOR, cipher=CIPHER
    )
    assert result.record.subject_kind == "person"
    return result.record
