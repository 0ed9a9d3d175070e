"""Helpers for commitment tests: matters, entities, commitments, a penalty to repair."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET
from tests.ingestion.samples import company_code, json_fields

from xinyong.commitments import service
from xinyong.commitments.models import CommitmentMatter
from xinyong.core.audit import Actor
from xinyong.core.crypto import get_cipher
from xinyong.ingestion import service as ingestion_service
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Entity

ACTOR = Actor(label="op-scjg", department_code="scjg", role="operator")
CIPHER = get_cipher(TEST_SECRET)
TODAY = "2026-11-28"


def matter(session: Session, code: str = "SCJG-SPJY", **overrides: Any) -> CommitmentMatter:
    """A market-regulation matter (food business licence by commitment) unless overridden."""
    values: dict[str, Any] = {
        "code": code,
        "name": "食品经营许可（告知承诺）",
        "department": "scjg",
        "matter_kind": "approval",
        "commitment_type": "审批替代型",
        "standard_text": "本单位承诺已具备食品经营许可的全部条件，所提交材料真实有效。",
        "breach_liability": "承诺不实或未履行的，撤销许可并记入信用记录。",
        "verification_working_days": 20,
    }
    values.update(overrides)
    return service.save_matter(session, values=values, actor=ACTOR)


def entity(session: Session, n: int = 1, category: str = "法人及非法人组织") -> Entity:
    """A registered company."""
    return subjects_service.create_entity(
        session,
        actor=ACTOR,
        uscc=company_code(n),
        name=f"密山市兴凯食品有限公司{n}",
        category=category,
        entity_type="企业",
        region_code="230382",
    )


def values(m: CommitmentMatter, n: int = 1, **overrides: Any) -> dict[str, Any]:
    """Every national-template field of a commitment by company n under the matter."""
    out: dict[str, Any] = {
        "matter": m.code,
        "committer_category": "法人及非法人组织",
        "committer_name": f"密山市兴凯食品有限公司{n}",
        "committer_code": company_code(n),
        "legal_rep": "王建国",
        "reason": m.name,
        "content": m.standard_text,
        "liability": m.breach_liability,
        "made_on": TODAY,
        "openness": "可向社会公开",
    }
    out.update(overrides)
    return out


def commit(session: Session, m: CommitmentMatter, n: int = 1, **overrides: Any) -> Any:
    """A commitment accepted by the matter's department."""
    return service.create_commitment(
        session,
        values=values(m, n, **overrides),
        channel="department",
        actor=ACTOR,
        cipher=CIPHER,
        department_id=m.department_id,
    )


def penalty(session: Session, n: int = 1, **overrides: Any) -> CreditRecord:
    """A general penalty against company n (a fine of 5,000 yuan), decided 2026-03-02."""
    fields = json_fields(n, CF_CFLB="罚款", CF_NR="罚款5000元", CF_NR_FK="0.5", CF_JDRQ="2026-03-02", **overrides)
    result, _spec = ingestion_service.submit_one(
        session, kind="penalty", fields=fields, department_code="scjg", actor=ACTOR, cipher=CIPHER
    )
    return result.record


def list_entry(session: Session, n: int, item: str = "serious_list") -> CreditRecord:
    """A list-entry record (e.g. the serious-dishonesty list) for company n."""
    fields = {
        "XDR_MC": f"密山市兴凯食品有限公司{n}",
        "XDR_LB": "法人及非法人组织",
        "XDR_SHXYM": company_code(n),
        "FRDB": "王建国",
        "WSH": f"密市监严〔2026〕{n}号",
        "NR": "列入严重违法失信名单",
        "JDRQ": "2026-10-09",
        "JDJG": "密山市市场监督管理局",
        "JDJGDM": "112303820023820061",
        "SJLY": "密山市市场监督管理局",
        "SJLYDM": "112303820023820061",
    }
    result, _spec = ingestion_service.submit_one(
        session, kind=item, fields=fields, department_code="scjg", actor=ACTOR, cipher=CIPHER
    )
    return result.record
