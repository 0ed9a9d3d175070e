"""The list, measure and check rules as versioned reference data (JSON under lists/data/), validated with pydantic."""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from xinyong.core.datafiles import validation_problems
from xinyong.core.errors import ValidationFailed

RULES_FILE = "list-rules-2026.1.json"


class ListRule(BaseModel):
    """One list: its catalogue item, procedure periods (working days), duration and early-removal threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    item: str
    nature: Literal["negative", "positive"]
    workflow: bool  # False: decided outside the platform (the court) and imported
    notice_working_days: int = Field(ge=0)
    statement_working_days: int = Field(ge=0)
    duration_months: int | None = Field(default=None, ge=1)  # None: until removed
    early_removal_after_months: int | None = Field(default=None, ge=0)  # None: no early removal
    early_removal_conditions: str | None = None
    personal_liability: bool
    removal_offline_working_days: int = Field(ge=0)
    domains_required: bool = False
    escalate_after_months: int | None = None
    escalate_to: str | None = None


class Measure(BaseModel):
    """One measure of the measures list (失信惩戒/守信激励措施清单)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[A-Z]{2}-\d{2}$")
    content: str = Field(min_length=1)
    kind: Literal["punishment", "incentive", "management"]
    effect: Literal["deny", "restrict", "incentive"]
    legal_basis: str = Field(min_length=1)
    departments: list[str] = Field(min_length=1)  # implementing departments; "*" for every department
    lists: list[str] = Field(min_length=1)  # list types, or "ban" for market and industry bans
    domains: list[str]  # key-attention domains it is limited to; empty: every domain
    matters: list[str] = Field(min_length=1)


class ListRules(BaseModel):
    """The whole rule set of one version."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_from: date
    title: str
    source: str
    lists: dict[str, ListRule]
    key_attention_domains: dict[str, str]
    ban_scopes: dict[str, str]
    ban_domains: dict[str, str]
    responsible_roles: dict[str, str]
    matters: dict[str, str]
    conclusions: dict[Literal["deny", "restrict", "allow"], str]
    measure_kinds: dict[str, str]
    measures: list[Measure]

    @model_validator(mode="after")
    def _consistent(self) -> ListRules:
        codes = [m.code for m in self.measures]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"措施编码重复：{'、'.join(dupes)}")
        known_lists = set(self.lists) | {"ban"}
        for m in self.measures:
            bad = [x for x in m.lists if x not in known_lists]
            if bad:
                raise ValueError(f"措施{m.code}适用的名单{'、'.join(bad)}不存在")
            bad = [x for x in m.matters if x not in self.matters]
            if bad:
                raise ValueError(f"措施{m.code}适用的事项{'、'.join(bad)}不存在")
            bad = [x for x in m.domains if x not in self.key_attention_domains]
            if bad:
                raise ValueError(f"措施{m.code}适用的领域{'、'.join(bad)}不存在")
        return self

    def measure(self, code: str) -> Measure | None:
        """A measure by code, or None when it is not in the list."""
        return next((m for m in self.measures if m.code == code), None)

    def list_name(self, list_type: str) -> str:
        """The Chinese name of a list type (bans included)."""
        if list_type == "ban":
            return "市场和行业禁入"
        rule = self.lists.get(list_type)
        return rule.name if rule else list_type


def parse_rules(raw: object) -> ListRules:
    """Validate a rule file's content; Chinese errors name the place."""
    try:
        return ListRules.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(raw, exc)
        raise ValidationFailed("名单与措施规则文件有误：" + "；".join(problems), details=problems) from None


@lru_cache(maxsize=1)
def load_rules() -> ListRules:
    """The shipped rules, validated once."""
    raw = json.loads(resources.files("xinyong.lists").joinpath("data", RULES_FILE).read_bytes())
    return parse_rules(raw)


def measure_json(m: Measure) -> dict[str, Any]:
    """A measure as the check and the public list show it."""
    rules = load_rules()
    return {
        "code": m.code,
        "content": m.content,
        "kind": m.kind,
        "kind_name": rules.measure_kinds[m.kind],
        "effect": m.effect,
        "legal_basis": m.legal_basis,
        "departments": m.departments,
        "lists": [rules.list_name(x) for x in m.lists],
        "domains": [rules.key_attention_domains[d] for d in m.domains],
        "matters": [rules.matters[x] for x in m.matters],
    }
