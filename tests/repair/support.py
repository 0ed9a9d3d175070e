"""Helpers for repair tests: a repairable penalty with its repair commitment and training."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, commit, matter

from xinyong.commitments.models import Commitment
from xinyong.education import service as education_service
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Entity


def repair_matter(session: Session) -> Any:
    """The market-regulation matter for repair commitments."""
    from xinyong.commitments.service import matter_by_code

    return matter_by_code(session, "SCJG-XYXF") or matter(
        session,
        code="SCJG-XYXF",
        name="行政处罚信息信用修复承诺",
        commitment_type="信用修复型",
        standard_text="本单位已履行行政处罚决定规定的义务，纠正了失信行为，承诺今后守法经营。",
        breach_liability="承诺不实的，撤销信用修复，恢复公示并记入信用记录。",
    )


def sign_repair(session: Session, record: CreditRecord, n: int = 1, made_on: str = "2026-11-28") -> Commitment:
    """Company n signs a 信用修复型 commitment for the record."""
    return commit(session, repair_matter(session), n, related_record=record.id, made_on=made_on)  # type: ignore[no-any-return]


def train(session: Session, company: Entity, on: date = date(2026, 11, 20)) -> None:
    """Company completes the repair training."""
    education_service.record_completion(
        session, course_code="XF-PX", completed_on=on, actor=ACTOR, entity_id=company.id
    )


def penalty(session: Session, n: int = 1, **overrides: Any) -> CreditRecord:
    """A penalty against company n: by default a general one (a fine of 5,000 yuan) decided 2026-03-02."""
    from tests.commitments.support import CIPHER
    from tests.ingestion.samples import json_fields

    from xinyong.ingestion import service as ingestion_service

    values = {"CF_CFLB": "罚款", "CF_NR": "罚款5000元", "CF_NR_FK": "0.5", "CF_JDRQ": "2026-03-02", **overrides}
    fields = json_fields(n, **values)
    result, _spec = ingestion_service.submit_one(
        session, kind="penalty", fields=fields, department_code="scjg", actor=ACTOR, cipher=CIPHER
    )
    return result.record
