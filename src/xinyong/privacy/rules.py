"""The versioned rules of personal-information queries (data/privacy-rules.json): bases, limits, anomaly bars."""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from xinyong.core.datafiles import read_shipped, validated

RULES_FILE = "privacy-rules.json"


class LegalBasis(BaseModel):
    """A legal basis a government user may cite for a query."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1)
    title: str = Field(min_length=1)
    summary: str
    effective_from: date
    effective_until: date | None = None
    confidence: Literal["V", "P", "U"]

    def in_force(self, on: date) -> bool:
        """Whether the basis may be cited on that day."""
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)


class WorkingHours(BaseModel):
    """Office hours (China time); queries outside them are shown to the auditor."""

    model_config = ConfigDict(extra="forbid")

    start: time
    end: time
    timezone: str


class PrivacyRules(BaseModel):
    """One version of the rules."""

    model_config = ConfigDict(extra="forbid")

    version: str
    effective_from: date
    retention_years: int = Field(ge=5)  # RULES.md §9: at least five years, whatever the file says
    retention_source: str
    authorisation_max_days: int = Field(gt=0)
    authorisation_source: str
    anomaly_window_hours: int = Field(gt=0)
    anomaly_max_unrelated_persons: int = Field(gt=0)
    working_hours: WorkingHours
    scopes: dict[str, str]
    legal_bases: list[LegalBasis]

    def bases_in_force(self, on: date) -> list[LegalBasis]:
        """The bases that may be cited on that day."""
        return [b for b in self.legal_bases if b.in_force(on)]

    def basis(self, code: str) -> LegalBasis | None:
        """A basis by code."""
        return next((b for b in self.legal_bases if b.code == code), None)


class RulesFile(BaseModel):
    """The file: versions with effective dates."""

    model_config = ConfigDict(extra="ignore")

    versions: list[PrivacyRules] = Field(min_length=1)


def parse_rules(raw: object) -> list[PrivacyRules]:
    """Validate the file; a Chinese error naming each problem."""
    return sorted(validated(raw, RulesFile, "个人信息查询规则").versions, key=lambda v: v.effective_from)


@lru_cache(maxsize=1)
def _versions() -> tuple[PrivacyRules, ...]:
    return tuple(parse_rules(read_shipped("xinyong.privacy", RULES_FILE)))


def rules_on(day: date) -> PrivacyRules:
    """The version in force on a day (the earliest version for days before it)."""
    versions = _versions()
    current = versions[0]
    for version in versions:
        if version.effective_from <= day:
            current = version
    return current
