"""Breach (T3): a negative record, the matter's measures, and re-publication of a repaired penalty."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.commitments.support import ACTOR, CIPHER, commit, entity, matter, penalty

from xinyong.commitments import service
from xinyong.commitments.models import ListProposal
from xinyong.core.audit import AuditEvent
from xinyong.core.clock import FixedClock
from xinyong.core.errors import Conflict, ValidationFailed
from xinyong.records import service as records_service
from xinyong.records import states
from xinyong.records.models import CreditRecord, RecordEvent

BROKEN = {
    "fulfilment": "全部未履行",
    "unfulfilled_content": "经现场核查，经营场所不具备冷藏条件，与承诺不符",
    "accountability": "撤销食品经营许可，记入信用记录",
}


def _breach(session: Session, c: object, **extra: object) -> tuple[object, service.BreachOutcome | None]:
    return service.record_fulfilment(
        session,
        commitment_id=c.id,  # type: ignore[attr-defined]
        values={**BROKEN, **extra},
        actor=ACTOR,
        cipher=CIPHER,
        department_id=c.department_id,  # type: ignore[attr-defined]
    )


def test_breach_creates_a_negative_record_in_the_subjects_archive(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    c = commit(session, matter(session))
    c, outcome = _breach(session, c, is_false=True)
    assert outcome is not None and outcome.ban is None and outcome.proposal is None
    record = session.get(CreditRecord, outcome.record_id)
    assert record is not None and record.item_code == "commitment_breach" and record.entity_id == company.id
    assert record.fields["CNBM"] == c.code and record.fields["SFXJ"] == "是"
    assert record.fields["NR"] == BROKEN["unfulfilled_content"]
    assert record.decision_date == date(2026, 11, 28)
    assert record.publicity_until == date(2029, 11, 27)  # three years on the portal (rules data)
    items = sorted(r.item_code for r in records_service.subject_records(session, entity_id=company.id))
    assert items == ["commitment", "commitment_breach"]
    commitment_record = session.get(CreditRecord, c.record_id)
    assert commitment_record is not None and commitment_record.fields["LXZT"] == "全部未履行"
    assert commitment_record.fields["WLXNR"] == BROKEN["unfulfilled_content"]
    assert service.fulfilment_label(c) == "全部未履行（虚假承诺）"
    with pytest.raises(Conflict, match="不能重复记录"):
        _breach(session, c)


def test_a_false_commitment_cannot_be_fully_fulfilled(session: Session, clock: FixedClock) -> None:
    c = commit(session, matter(session))
    with pytest.raises(ValidationFailed, match="虚假承诺不能记录为全部履行"):
        service.record_fulfilment(
            session,
            commitment_id=c.id,
            values={"fulfilment": "全部履行", "is_false": "1"},
            actor=ACTOR,
            cipher=CIPHER,
            department_id=c.department_id,
        )


def test_breach_measures_ban_commitments_and_propose_key_attention(session: Session, clock: FixedClock) -> None:
    company = entity(session)
    m = matter(session, breach_ban_months=6, breach_key_attention=True)
    other = matter(session, code="SCJG-TZSB", name="特种设备使用登记（告知承诺）")
    c = commit(session, m)
    _c, outcome = _breach(session, c)
    assert outcome is not None and outcome.ban is not None
    assert (outcome.ban.starts_on, outcome.ban.ends_on) == (date(2026, 11, 28), date(2027, 5, 27))
    proposals = list(session.execute(select(ListProposal)).scalars())
    assert [(p.list_item, p.status, p.entity_id) for p in proposals] == [("key_attention", "pending", company.id)]
    assert service.pending_proposals(session)[0].commitment_id == c.id
    # The ban applies to every commitment-based approval until it ends.
    with pytest.raises(ValidationFailed) as exc:
        commit(session, other)
    assert exc.value.details[0]["field"] == "ban"
    assert "2026-11-28至2027-05-27不得适用告知承诺制办理" in exc.value.message
    clock.advance(days=181)  # 28 May 2027
    assert commit(session, other).code.startswith("23038220270528")


def test_broken_repair_commitment_reopens_the_repaired_penalty(session: Session, clock: FixedClock) -> None:
    entity(session)
    fine = penalty(session)
    # Repair ended the publicity early at the minimum period (3 months) and marked the record repaired.
    records_service.transition(session, record_id=fine.id, target=states.REPAIRED, reason="信用修复", actor=ACTOR)
    records_service.set_publicity(
        session,
        record_id=fine.id,
        publicity_from=date(2026, 3, 2),
        publicity_until=date(2026, 6, 1),
        reason="信用修复提前终止公示",
        actor=ACTOR,
    )
    m = matter(session, code="SCJG-XYXF", name="行政处罚信息信用修复", commitment_type="信用修复型")
    c = commit(session, m, related_record=fine.id)
    _c, outcome = _breach(session, c)
    assert outcome is not None and outcome.reopened_record_id == fine.id
    session.refresh(fine)
    assert fine.status == states.VALID
    # General penalty under the 2026 regime: shown from the decision date to its maximum, one year.
    assert (fine.publicity_from, fine.publicity_until) == (date(2026, 3, 2), date(2027, 3, 1))
    stmt = select(RecordEvent).where(RecordEvent.record_id == fine.id).order_by(RecordEvent.id.desc())
    event = session.execute(stmt).scalars().first()
    assert event is not None and (event.from_status, event.to_status) == (states.REPAIRED, states.VALID)
    assert "信用修复承诺" in (event.reason or "")
    actions = set(session.execute(select(AuditEvent.action).where(AuditEvent.object_id == str(fine.id))).scalars())
    assert {"record.transition", "record.publicity"} <= actions


def test_repair_commitment_must_name_the_subjects_own_record(session: Session, clock: FixedClock) -> None:
    entity(session, 1)
    entity(session, 2)
    m = matter(session, code="SCJG-XYXF", commitment_type="信用修复型")
    with pytest.raises(ValidationFailed, match="须指明所修复的信用记录编号"):
        commit(session, m)
    someone_elses = penalty(session, 2)
    with pytest.raises(ValidationFailed, match="所修复的信用记录不属于该承诺人"):
        commit(session, m, 1, related_record=someone_elses.id)
