"""The evaluation model file format (validated on load): dimensions, indicators, decay, overrides, grades, industry
evaluations and early-warning rules. The credit office publishes new versions; nothing here is a constant in code."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GRADES = ("A", "B", "C", "D")
GRADE_RANK = {g: i + 1 for i, g in enumerate(GRADES)}  # 1 = A (best) … 4 = D (worst)
RANK_GRADE = {v: k for k, v in GRADE_RANK.items()}
LIST_CODES = ("serious_list", "abnormal_list", "key_attention", "red_list", "judgment_debtor")
RECORD_STATUSES = ("valid", "disputed", "corrected", "revoked", "repaired", "expired")
Grade = Literal["A", "B", "C", "D"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldCondition(_Strict):
    """A record counts only when one of its fields has one of the listed values."""

    field: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    in_: list[str] = Field(alias="in", min_length=1)


class DecayStep(_Strict):
    """Records decided within ``within_days`` of the evaluation date weigh ``percent`` per cent."""

    within_days: int = Field(gt=0)
    percent: int = Field(ge=0, le=100)


class AgeBand(_Strict):
    """Points for an entity registered at least ``min_years`` ago (the first matching band counts)."""

    min_years: int = Field(ge=0)
    points: int


class Indicator(_Strict):
    """One scored indicator."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kind: Literal["records", "list", "age", "status"]
    # records: which records count, how many points each (before decay), and the cap on the indicator's total
    items: list[str] = []
    severities: list[Literal["minor", "general", "serious"]] = []
    field: FieldCondition | None = None
    subject: Literal["self", "legal_rep"] = "self"
    points_each: int = 0
    cap: int | None = None
    decay: str | None = None
    # list: membership in a list
    list_code: str | None = Field(default=None, alias="list")
    points: int = 0
    # age / status
    bands: list[AgeBand] = []
    status_points: dict[str, int] = {}
    # what would raise it (shown in explanations); {document} and {points} are filled in
    advice: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Indicator:
        if self.kind == "records":
            if not self.items:
                raise ValueError(f"指标{self.code}（records）须列出计分的目录项 items")
            if self.points_each == 0:
                raise ValueError(f"指标{self.code}的 points_each 不能为0")
            if self.cap is not None and (self.cap > 0) != (self.points_each > 0):
                raise ValueError(f"指标{self.code}的上限 cap 须与 points_each 同号")
        elif self.kind == "list":
            if self.list_code not in LIST_CODES:
                raise ValueError(f"指标{self.code}的名单 list 须为：{'、'.join(LIST_CODES)}")
        elif self.kind == "age":
            if not self.bands:
                raise ValueError(f"指标{self.code}（age）须给出年限分档 bands")
            years = [b.min_years for b in self.bands]
            if years != sorted(years, reverse=True):
                raise ValueError(f"指标{self.code}的年限分档须按 min_years 从大到小排列")
        elif self.kind == "status" and not self.status_points:
            raise ValueError(f"指标{self.code}（status）须给出登记状态分值 status_points")
        return self


class Dimension(_Strict):
    """A group of indicators (基础属性, 行政管理信息, 司法信息 …)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    indicators: list[Indicator] = Field(min_length=1)


class OverrideWhen(_Strict):
    """The condition of an override: list membership, or a matching record within some days."""

    list_code: str | None = Field(default=None, alias="list")
    items: list[str] = []
    severities: list[Literal["minor", "general", "serious"]] = []
    within_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> OverrideWhen:
        if (self.list_code is None) == (not self.items):
            raise ValueError("覆盖规则的条件须且只须给出 list（名单）或 items（记录）之一")
        if self.list_code is not None and self.list_code not in LIST_CODES:
            raise ValueError(f"名单代码须为：{'、'.join(LIST_CODES)}")
        return self


class Override(_Strict):
    """A rule that caps the grade whatever the score (e.g. serious-dishonesty list → D)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    when: OverrideWhen
    at_best: Grade


class GradeBand(_Strict):
    """A grade, its SAMR meaning and the lowest score that earns it."""

    grade: Grade
    label: str
    min_score: int = Field(ge=0, le=1000)


class IndustryDomain(_Strict):
    """An industry evaluation of one supervision domain: its own scale mapped to A–D, and how it combines."""

    domain: str
    name: str
    scale: dict[str, Grade] = Field(min_length=1)
    combine: Literal["worst", "industry", "public"] = "worst"


class WarningRule(_Strict):
    """An early-warning rule; each cause fires once."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kind: Literal["grade_drop", "new_record", "record_count", "related_listed"]
    level: Literal["提示", "关注", "警示"] = "关注"
    steps: int = Field(default=2, ge=1, le=3)
    items: list[str] = []
    severities: list[Literal["minor", "general", "serious"]] = []
    field: FieldCondition | None = None
    within_days: int = Field(default=30, gt=0)
    threshold: int = Field(default=1, ge=1)
    lists: list[str] = []
    roles: list[str] = ["legal_rep"]

    @model_validator(mode="after")
    def _shape(self) -> WarningRule:
        if self.kind in ("new_record", "record_count") and not self.items:
            raise ValueError(f"预警规则{self.code}须列出目录项 items")
        if self.kind == "related_listed":
            bad = [c for c in self.lists if c not in LIST_CODES]
            if not self.lists or bad:
                raise ValueError(f"预警规则{self.code}的名单 lists 须取自：{'、'.join(LIST_CODES)}")
        return self


class ModelDoc(BaseModel):
    """A whole evaluation model file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_from: date
    title: str
    basis: str | None = None
    notes: str | None = None
    base_score: int = Field(ge=0, le=1000)
    record_statuses: list[Literal["valid", "disputed", "corrected", "revoked", "repaired", "expired"]] = Field(
        min_length=1
    )
    decay: dict[str, list[DecayStep]]
    grades: list[GradeBand] = Field(min_length=4, max_length=4)
    dimensions: list[Dimension] = Field(min_length=1)
    overrides: list[Override] = []
    default_domains: list[str] = []
    industry: list[IndustryDomain] = []
    warnings: list[WarningRule] = []

    @model_validator(mode="after")
    def _consistent(self) -> ModelDoc:
        if [g.grade for g in self.grades] != list(GRADES):
            raise ValueError("等级须按 A、B、C、D 顺序各列一次")
        scores = [g.min_score for g in self.grades]
        if scores != sorted(scores, reverse=True) or len(set(scores)) != 4 or scores[-1] != 0:
            raise ValueError("等级分数线须从A到D严格递减，且D的分数线为0")
        codes = [i.code for d in self.dimensions for i in d.indicators]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"指标代码重复：{'、'.join(dupes)}")
        for name, steps in self.decay.items():
            days = [s.within_days for s in steps]
            if days != sorted(days) or len(set(days)) != len(days):
                raise ValueError(f"衰减方案{name}的 within_days 须严格递增")
        for d in self.dimensions:
            for i in d.indicators:
                if i.decay is not None and i.decay not in self.decay:
                    raise ValueError(f"指标{i.code}引用了不存在的衰减方案{i.decay}")
        domains = [x.domain for x in self.industry]
        if len(set(domains)) != len(domains):
            raise ValueError("行业评价的监管领域重复")
        return self

    def indicators(self) -> list[tuple[Dimension, Indicator]]:
        """Every indicator with its dimension, in file order."""
        return [(d, i) for d in self.dimensions for i in d.indicators]

    def grade_for(self, score: int) -> str:
        """The grade a score earns before overrides."""
        for band in self.grades:
            if score >= band.min_score:
                return band.grade
        return "D"

    def label(self, grade: str) -> str:
        """The SAMR meaning of a grade (信用风险低 …)."""
        return next(g.label for g in self.grades if g.grade == grade)
