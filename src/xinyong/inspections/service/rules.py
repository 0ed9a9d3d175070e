"""The rules of random inspections (reference data) and the shipped item list file."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from xinyong.core.errors import ValidationFailed
from xinyong.inspections.service._common import _load

GRADES = ("A", "B", "C", "D")
INSPECTION_ITEM = "inspection"


class InspectionRules(BaseModel):
    """Ratios, intervals, result values and limits of random inspections (settings, versioned)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_from: date
    title: str
    source: str
    grade_multipliers: dict[str, str]
    grade_labels: dict[str, str]
    unknown_grade: str = Field(pattern=r"^[ABCD]$")
    default_base_ratio: str
    default_min_interval_days: int = Field(ge=0)
    min_inspectors_per_task: int = Field(ge=1)
    publish_working_days: int = Field(ge=1)
    eligible_statuses: list[str]
    results: list[str] = Field(min_length=1)
    methods: list[str]
    targeted_reasons: dict[str, str]
    list_items: dict[str, str]
    avoidance_kinds: dict[str, str]
    licensing_items: list[str] = Field(min_length=1)
    max_attachments: int = Field(ge=0)
    max_attachment_bytes: int = Field(ge=1)
    allowed_types: dict[str, str]
    domain_industries: dict[str, list[str]]


class ShippedItem(BaseModel):
    """One item of the shipped inspection item list."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    department: str
    name: str
    legal_basis: str
    method: str
    domain: str | None = None
    is_key: bool = False


class ShippedItems(BaseModel):
    """The shipped item list file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    effective_from: date
    title: str
    items: list[ShippedItem]


@lru_cache(maxsize=1)
def load_rules() -> InspectionRules:
    """The shipped inspection rules, validated (Chinese errors naming the place)."""
    rules: InspectionRules = _load("inspection-rules.json", InspectionRules, "随机抽查规则文件")
    for grade in GRADES:
        if grade not in rules.grade_multipliers:
            raise ValidationFailed(f"随机抽查规则文件有误：grade_multipliers 缺少{grade}级的抽查倍数")
    return rules
