"""Commitment rules (reference data): the national template's enumerations and the platform's settings."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xinyong.core.datafiles import validation_problems
from xinyong.core.errors import ValidationFailed

COMMITMENT_ITEM = "commitment"
BREACH_ITEM = "commitment_breach"
FULFILLED = "全部履行"
PENDING_LABEL = "待核查"


# --------------------------------------------------------------------------------------------------
# Rules (reference data)
# --------------------------------------------------------------------------------------------------


class TruthMatter(BaseModel):
    """The system matter under which truthfulness commitments of voluntary registration are made."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str
    department: str
    commitment_type: str
    standard_text: str
    breach_liability: str
    verification_working_days: int = Field(ge=1)


class VoluntaryRules(BaseModel):
    """Voluntary registration: kinds of information and attachment limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kinds: dict[str, str]
    max_attachments: int = Field(ge=0)
    max_attachment_bytes: int = Field(ge=1)
    allowed_types: dict[str, str]
    truth_matter: TruthMatter


class CommitmentRules(BaseModel):
    """The national commitment template's enumerations and the platform's commitment settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_from: date
    title: str
    source: str
    commitment_types: list[str] = Field(min_length=1)
    repair_type: str
    committer_categories: list[str]
    openness_types: dict[str, bool]
    fulfilment_states: list[str]
    breach_states: list[str]
    matter_kinds: dict[str, str]
    list_items: dict[str, str]
    grades: dict[str, str]
    default_verification_working_days: int = Field(ge=1)
    division_code: str = Field(pattern=r"^\d{6}$")
    voluntary: VoluntaryRules


@lru_cache(maxsize=1)
def load_rules() -> CommitmentRules:
    """The shipped commitment rules, validated (Chinese errors naming the place)."""
    raw = json.loads(resources.files("xinyong.commitments").joinpath("data", "commitment-rules.json").read_bytes())
    try:
        return CommitmentRules.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(raw, exc)
        raise ValidationFailed("信用承诺规则文件有误：" + "；".join(problems), details=problems) from None
