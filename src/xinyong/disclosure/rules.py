"""Publicity rules engine: whether and for how long the public portal shows a credit record.

Pure functions over versioned rules data (``data/publicity-regimes.json``); no database access. Every period,
threshold and category list comes from the data file, and every decision carries Chinese explanation lines that
name the regime, the rule applied, its source and its confidence mark ([V] read in the source, [P] secondary
source only, [U] unverified configurable default).

Date arithmetic: a period of N months starts on the start date (inclusive). Under the shipped convention
``day_before_corresponding_day`` it ends the day before the corresponding day N months later, where a missing
corresponding day (31 January + 1 month) is the last day of that month: 2026-03-10 + 3 months covers
2026-03-10 … 2026-06-09; 2026-01-31 + 1 month covers 2026-01-31 … 2026-02-27; 2024-02-29 + 1 year covers
2024-02-29 … 2025-02-27. The alternative ``corresponding_day`` (Civil Code art. 201–202) ends on the corresponding
day itself. The record is shown up to and including ``max_end`` and leaves the portal the day after.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from xinyong.core.datafiles import json_content, validated
from xinyong.core.errors import ValidationFailed

__all__ = [
    "PublicityDecision",
    "Regime",
    "RegimeSet",
    "add_months",
    "decide",
    "input_fields",
    "load_regimes",
    "period_end",
    "shown_on",
]

SHIPPED_FILE = "publicity-regimes.json"

Confidence = Literal["V", "P", "U"]
Convention = Literal["day_before_corresponding_day", "corresponding_day"]

SEVERITY_LABELS: dict[str, str] = {"minor": "轻微", "general": "一般", "serious": "严重"}
CONFIDENCE_LABELS: dict[str, str] = {"V": "已核对原文", "P": "仅见于二手资料", "U": "未核实，为可配置默认值"}
_RANK: dict[str, int] = {"minor": 0, "general": 1, "serious": 2}

# Field codes of the national double-publicity data standard (schema, not rules).
_CATEGORIES_FIELD = "CF_CFLB"
_FINE_FIELD = "CF_NR_FK"
_LICENSE_FROM = "XK_YXQZ"
_LICENSE_UNTIL = "XK_YXQZI"
_LICENSE_STATUS = "XK_ZT"
_NATURAL_PERSON = "自然人"
_MULTI_SEPARATORS = str.maketrans({",": "、", "，": "、", ";": "、", "；": "、", "/": "、", "|": "、"})

# --------------------------------------------------------------------------------------------------
# Rules data (file format, validated strictly on load)
# --------------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Strict):
    """A rule's provenance: the source text shown to the credit office and its confidence mark."""

    confidence: Confidence
    source: str = Field(min_length=1)

    def basis(self, prefix: str = "依据") -> str:
        """The provenance as a Chinese parenthesis: source and confidence mark."""
        return f"（{prefix}：{self.source}；[{self.confidence}]{CONFIDENCE_LABELS[self.confidence]}）"


class PeriodEndRule(Sourced):
    """How the last day of a period is counted."""

    convention: Convention


class MinorFine(Sourced):
    """A fine strictly below this amount (万元) counts as minor."""

    below_wan: Decimal = Field(gt=0)


class SeverityRule(Sourced):
    """Severity of a penalty decision by its categories; categories listed nowhere are general."""

    fine_category: str = Field(min_length=1)
    minor_categories: list[str]
    serious_categories: list[str]
    minor_fine: MinorFine | None

    @model_validator(mode="after")
    def _disjoint(self) -> SeverityRule:
        both = [c for c in self.minor_categories if c in self.serious_categories]
        if both:
            raise ValueError(f"处罚类别{'、'.join(both)}不能同时列为轻微和严重")
        if self.fine_category in self.minor_categories or self.fine_category in self.serious_categories:
            raise ValueError(
                f"罚款类别“{self.fine_category}”按金额判断轻重，不能列入 minor_categories 或 serious_categories"
            )
        return self


class MinorRule(Sourced):
    """Minor penalties: published for this many months (0 = not published)."""

    published_months: int = Field(ge=0)


class LevelPeriod(Sourced):
    """Minimum and maximum publicity period of one severity level, in months."""

    min_months: int = Field(ge=0)
    max_months: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> LevelPeriod:
        if self.min_months > self.max_months:
            raise ValueError(f"最短公示期（{self.min_months}个月）不能长于最长公示期（{self.max_months}个月）")
        return self


class SectorMinimum(Sourced):
    """A longer minimum period for penalties in the listed sectors."""

    sectors: list[str] = Field(min_length=1)
    min_months: int = Field(ge=1)


class NaturalPersonRule(Sourced):
    """Whether penalties on natural persons are shown on the portal."""

    published: bool


class PenaltyRules(_Strict):
    """The penalty publicity rules of one regime."""

    severity: SeverityRule
    minor: MinorRule | None  # None: the regime has no minor level, minor categories count as general
    general: LevelPeriod
    serious: LevelPeriod
    sector_minimum: SectorMinimum | None
    natural_person: NaturalPersonRule

    @model_validator(mode="after")
    def _consistent(self) -> PenaltyRules:
        g, s = self.general, self.serious
        if s.min_months < g.min_months or s.max_months < g.max_months:
            raise ValueError("严重失信行为的最短、最长公示期均不能短于一般失信行为（多类别时按最严重者确定期限）")
        if self.minor is not None and self.minor.published_months > g.max_months:
            raise ValueError(f"轻微处罚的公示期（{self.minor.published_months}个月）不能长于一般失信行为的最长公示期")
        if self.sector_minimum is not None and self.sector_minimum.min_months > g.max_months:
            raise ValueError("重点领域最短公示期不能长于一般失信行为的最长公示期")
        return self


class Regime(Sourced):
    """One version of the penalty publicity rules, in force from its effective date."""

    code: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")
    name: str = Field(min_length=1)
    effective_from: date
    penalty: PenaltyRules


class NoEarlyEnd(Sourced):
    """Penalty categories whose publicity may never be ended early by repair."""

    categories: list[str] = Field(min_length=1)


class LicenseRule(Sourced):
    """Licences are shown while valid."""

    name: str = Field(min_length=1)
    invalid_status: list[str] = Field(min_length=1)
    long_term_until: date


class PeriodRule(Sourced):
    """A fixed publicity period from the decision date (or from a date field of the record)."""

    name: str = Field(min_length=1)
    published: bool
    min_months: int | None = Field(ge=0)
    max_months: int | None = Field(ge=1)
    early_end_allowed: bool
    start_field: str | None = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    note: str | None

    @model_validator(mode="after")
    def _consistent(self) -> PeriodRule:
        if not self.published:
            if self.min_months is not None or self.max_months is not None or self.early_end_allowed:
                raise ValueError("不公示的规则不能设置公示期或提前终止")
            return self
        if self.max_months is None:
            raise ValueError("公示的规则须设置最长公示期 max_months")
        if self.min_months is not None and self.min_months > self.max_months:
            raise ValueError(f"最短公示期（{self.min_months}个月）不能长于最长公示期（{self.max_months}个月）")
        return self


class OtherRules(_Strict):
    """Rules of the catalogue's non-penalty publicity rules (the catalogue items' ``publicity_rule``)."""

    license: LicenseRule
    action: PeriodRule
    inspection: PeriodRule
    judgment_debtor: PeriodRule
    commitment: PeriodRule
    serious_list: PeriodRule
    abnormal_list: PeriodRule
    red_list: PeriodRule
    honour: PeriodRule
    none: PeriodRule


class RegimeSet(_Strict):
    """The loaded, validated publicity rules: penalty regimes by effective date and the other rules."""

    version: str = Field(pattern=r"^\d{4}\.\d+$")
    title: str = Field(min_length=1)
    notes: str
    period_end: PeriodEndRule
    sectors: dict[str, str]
    regimes: list[Regime] = Field(min_length=1)
    multiple_categories: Sourced
    no_early_end: NoEarlyEnd
    other_rules: OtherRules
    item_rules: dict[str, PeriodRule]

    @model_validator(mode="after")
    def _consistent(self) -> RegimeSet:
        codes = [r.code for r in self.regimes]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"制度代码重复：{'、'.join(dupes)}")
        dates = [r.effective_from for r in self.regimes]
        if any(a >= b for a, b in pairwise(dates)):
            raise ValueError("regimes 须按施行日期 effective_from 从早到晚排列，且施行日期不能相同")
        for r in self.regimes:
            sm = r.penalty.sector_minimum
            unknown = [s for s in (sm.sectors if sm else []) if s not in self.sectors]
            if unknown:
                raise ValueError(f"制度{r.code}的重点领域代码未在 sectors 中定义：{'、'.join(unknown)}")
        return self

    def regime(self, code: str) -> Regime:
        """The regime with this code; a Chinese error for an unknown code."""
        for r in self.regimes:
            if r.code == code:
                return r
        known = "、".join(r.code for r in self.regimes)
        raise ValidationFailed(f"公示制度代码“{code}”不存在（规则版本{self.version}中可选：{known}）。")

    def regime_on(self, day: date) -> Regime | None:
        """The regime in force on a day: the latest effective_from not after it (None before the first)."""
        found = None
        for r in self.regimes:
            if r.effective_from <= day:
                found = r
        return found


def load_regimes(content: bytes | None = None) -> RegimeSet:
    """Load and strictly validate a rules file (default: the shipped one); errors are Chinese and name the place."""
    if content is None:
        return _shipped()
    return _parse(content)


@lru_cache(maxsize=1)
def _shipped() -> RegimeSet:
    return _parse(resources.files("xinyong.disclosure").joinpath("data", SHIPPED_FILE).read_bytes())


def _parse(content: bytes) -> RegimeSet:
    raw = json_content(content, "公示期限规则")
    if not isinstance(raw, dict):
        raise ValidationFailed("公示期限规则文件有误：文件顶层应为对象")
    return validated(raw, RegimeSet, "公示期限规则", strict=True)


# --------------------------------------------------------------------------------------------------
# Date arithmetic
# --------------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` calendar months later; the month's last day when it has no such day."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: date, months: int, convention: Convention = "day_before_corresponding_day") -> date:
    """The last day (inclusive) of a period of `months` months starting on `start` (inclusive)."""
    corresponding = add_months(start, months)
    return corresponding - timedelta(days=1) if convention == "day_before_corresponding_day" else corresponding


# --------------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicityDecision:
    """Whether and when the public portal shows a record, with the reasons in Chinese."""

    published: bool
    regime: str
    regime_name: str
    severity: str | None
    start: date | None
    min_end: date | None  # None: no minimum period
    max_end: date | None
    early_end_allowed: bool
    explanation: list[str] = field(default_factory=list)


def shown_on(decision: PublicityDecision, day: date) -> bool:
    """Whether the portal shows the record on a day: published and start <= day <= max_end."""
    if not decision.published or decision.start is None or decision.max_end is None:
        return False
    return decision.start <= day <= decision.max_end


def decide(
    *,
    rules: RegimeSet,
    item_code: str,
    publicity_rule: str,
    subject_category: str,
    decision_date: date,
    fields: Mapping[str, Any],
    sector: str | None = None,
    regime: str | None = None,
) -> PublicityDecision:
    """Decide the publicity of one record under the regime in force on its decision date (or the given one)."""
    if sector is not None and sector not in rules.sectors:
        known = "、".join(f"{k}（{v}）" for k, v in rules.sectors.items())
        raise ValidationFailed(f"处罚所属领域代码“{sector}”不存在，可选：{known}。")
    ctx = _Context(rules, rules.period_end.convention)
    chosen = _select_regime(ctx, decision_date, regime, penalty=publicity_rule == "penalty")
    if publicity_rule == "penalty":
        return _penalty(ctx, chosen, subject_category, decision_date, fields, sector)
    if publicity_rule == "license":
        return _license(ctx, chosen, rules.other_rules.license, decision_date, fields)
    rule = rules.item_rules.get(item_code)
    if rule is None:
        candidate = getattr(rules.other_rules, publicity_rule, None) if publicity_rule.isidentifier() else None
        if not isinstance(candidate, PeriodRule):
            raise ValidationFailed(
                f"目录项{item_code}的公示规则“{publicity_rule}”在公示期限规则（版本{rules.version}）中不存在。"
            )
        rule = candidate
        ctx.lines.append(f"目录项{item_code}按公示规则“{publicity_rule}”（{rule.name}）确定公示期")
    else:
        ctx.lines.append(f"目录项{item_code}适用专门规则：{rule.name}")
    return _period(ctx, chosen, rule, decision_date, fields)


class _Context:
    """Explanation lines collected while deciding, and the period convention."""

    def __init__(self, rules: RegimeSet, convention: Convention) -> None:
        self.rules = rules
        self.convention = convention
        self.lines: list[str] = []

    def end(self, start: date, months: int) -> date:
        return period_end(start, months, self.convention)

    def result(
        self,
        regime: Regime,
        *,
        published: bool,
        severity: str | None = None,
        start: date | None = None,
        min_end: date | None = None,
        max_end: date | None = None,
        early_end_allowed: bool = False,
    ) -> PublicityDecision:
        if not published:
            start = min_end = max_end = None
            early_end_allowed = False
        return PublicityDecision(
            published=published,
            regime=regime.code,
            regime_name=regime.name,
            severity=severity,
            start=start,
            min_end=min_end,
            max_end=max_end,
            early_end_allowed=early_end_allowed,
            explanation=list(self.lines),
        )


def _select_regime(ctx: _Context, decision_date: date, code: str | None, *, penalty: bool) -> Regime:
    rules = ctx.rules
    in_force = rules.regime_on(decision_date)
    head = f"公示期限规则版本{rules.version}；"
    if code is not None:
        chosen = rules.regime(code)
        how = f"由信用办指定适用（决定日期{decision_date.isoformat()}"
        how += f"，按日期本应适用{in_force.name}）" if in_force is not None and in_force.code != chosen.code else "）"
    elif in_force is not None:
        chosen = in_force
        how = f"按决定日期{decision_date.isoformat()}确定（该制度自{chosen.effective_from.isoformat()}起施行）"
    elif penalty:
        first = rules.regimes[0]
        raise ValidationFailed(
            f"行政处罚决定日期{decision_date.isoformat()}早于最早收录的公示制度“{first.name}”的施行日期"
            f"{first.effective_from.isoformat()}，无法自动确定公示期。请信用办指定适用的公示制度。"
        )
    else:
        chosen = rules.regimes[0]
        how = (
            f"决定日期{decision_date.isoformat()}早于最早收录的制度，标注为最早制度"
            "（本类信息的公示期不随行政处罚公示制度变化）"
        )
    ctx.lines.append(f"{head}适用公示制度：{chosen.name}，{how}{chosen.basis()}")
    return chosen


def _months_text(months: int) -> str:
    return f"{months // 12}年" if months and months % 12 == 0 else f"{months}个月"


def _quoted(items: list[str]) -> str:
    return "、".join(f"“{c}”" for c in items)


def _categories(value: Any) -> list[str]:
    if value is None:
        return []
    parts = value if isinstance(value, list | tuple) else str(value).translate(_MULTI_SEPARATORS).split("、")
    out: list[str] = []
    for part in parts:
        text = str(part).strip()
        if text and text not in out:
            out.append(text)
    return out


def _amount(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _classify(ctx: _Context, regime: Regime, fields: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The severity of a penalty decision and its categories; explanation lines are added to the context."""
    rule = regime.penalty.severity
    categories = _categories(fields.get(_CATEGORIES_FIELD))
    if not categories:
        ctx.lines.append(f"未填写处罚类别，无法判断轻重，按一般失信行为处理{rule.basis('分级依据')}")
        return "general", []
    levels: dict[str, str] = {}
    for cat in categories:
        if cat in rule.serious_categories:
            levels[cat] = "serious"
        elif cat == rule.fine_category:
            levels[cat] = _fine_level(ctx, rule, fields.get(_FINE_FIELD))
        elif cat in rule.minor_categories:
            levels[cat] = "minor"
        else:
            levels[cat] = "general"
    top = max(levels.values(), key=_RANK.__getitem__)
    drivers = [c for c in categories if levels[c] == top]
    label = SEVERITY_LABELS[top]
    if len(categories) > 1:
        parts = "、".join(f"{c}（{SEVERITY_LABELS[levels[c]]}）" for c in categories)
        ctx.lines.append(
            f"同一决定含多个处罚类别：{parts}，按其中最严重、公示期最长的{_quoted(drivers)}确定"
            f"{ctx.rules.multiple_categories.basis()}"
        )
    verb = "含" if len(categories) > 1 else "为"
    ctx.lines.append(f"处罚类别{verb}{_quoted(drivers)}，属{label}失信行为{rule.basis('分级依据')}")
    return top, categories


def _fine_level(ctx: _Context, rule: SeverityRule, raw: Any) -> str:
    fine = rule.minor_fine
    if fine is None:
        return "general"
    amount = _amount(raw)
    threshold = format(fine.below_wan.normalize(), "f")
    if amount is None:
        shown = "未填写" if raw in (None, "") else f"“{raw}”无法识别"
        ctx.lines.append(f"罚款金额{shown}，无法判断是否属小额罚款，按一般失信行为处理{fine.basis()}")
        return "general"
    text = format(amount.normalize(), "f")
    if amount < fine.below_wan:
        ctx.lines.append(f"罚款金额{text}万元，低于小额罚款标准{threshold}万元，属轻微{fine.basis()}")
        return "minor"
    ctx.lines.append(f"罚款金额{text}万元，不低于小额罚款标准{threshold}万元，属一般{fine.basis()}")
    return "general"


def _penalty(
    ctx: _Context,
    regime: Regime,
    subject_category: str,
    decision_date: date,
    fields: Mapping[str, Any],
    sector: str | None,
) -> PublicityDecision:
    rules = regime.penalty
    severity, categories = _classify(ctx, regime, fields)
    if severity == "minor" and rules.minor is None:
        ctx.lines.append(f"{regime.name}未设轻微档，轻微处罚按一般失信行为确定公示期{rules.general.basis()}")
        severity = "general"
    if subject_category == _NATURAL_PERSON and not rules.natural_person.published:
        ctx.lines.append(
            f"行政相对人为自然人：本制度下对自然人的行政处罚信息不在门户网站公示{rules.natural_person.basis()}"
        )
        return ctx.result(regime, published=False, severity=severity)
    start = decision_date
    if severity == "minor":
        minor = rules.minor
        assert minor is not None  # severity stays "minor" only when the regime has a minor level
        if minor.published_months == 0:
            ctx.lines.append(f"轻微失信行为的行政处罚信息不在门户网站公示{minor.basis()}")
            return ctx.result(regime, published=False, severity=severity)
        max_end = ctx.end(start, minor.published_months)
        ctx.lines.append(
            f"轻微失信行为的行政处罚信息公示{_months_text(minor.published_months)}，无最短公示期："
            f"自{start.isoformat()}起公示，至{max_end.isoformat()}止{minor.basis()}"
        )
        return ctx.result(
            regime, published=True, severity=severity, start=start, max_end=max_end, early_end_allowed=True
        )
    level = rules.serious if severity == "serious" else rules.general
    min_months = level.min_months
    ctx.lines.append(
        f"{SEVERITY_LABELS[severity]}失信行为的行政处罚信息公示期"
        f"{_months_text(level.min_months)}至{_months_text(level.max_months)}{level.basis('期限依据')}"
    )
    sm = rules.sector_minimum
    if sm is not None:
        names = "、".join(ctx.rules.sectors[s] for s in sm.sectors)
        if sector in sm.sectors:
            if sm.min_months > min_months:
                min_months = sm.min_months
                ctx.lines.append(
                    f"处罚属{ctx.rules.sectors[sector]}领域，最短公示期延长为{_months_text(sm.min_months)}{sm.basis()}"
                )
            else:
                ctx.lines.append(
                    f"处罚属{ctx.rules.sectors[sector]}领域，重点领域最短公示期{_months_text(sm.min_months)}"
                    f"不长于本档最短公示期，不作调整{sm.basis()}"
                )
        elif sector is None:
            ctx.lines.append(
                f"未指明处罚所属领域；如属{names}领域，最短公示期应为{_months_text(sm.min_months)}，"
                f"请补充领域后重新计算{sm.basis()}"
            )
    min_end = ctx.end(start, min_months)
    max_end = ctx.end(start, level.max_months)
    blocked = [c for c in categories if c in ctx.rules.no_early_end.categories]
    ctx.lines.append(
        f"自{start.isoformat()}起公示：最短公示期至{min_end.isoformat()}"
        + ("；" if blocked else f"，自{(min_end + timedelta(days=1)).isoformat()}起可申请信用修复提前终止公示；")
        + f"最长公示期至{max_end.isoformat()}，自{(max_end + timedelta(days=1)).isoformat()}起不再公示"
        + ctx.rules.period_end.basis("期限计算")
    )
    if blocked:
        ctx.lines.append(
            f"处罚类别含{_quoted(blocked)}，不得通过信用修复提前终止公示，须公示至最长公示期届满"
            f"{ctx.rules.no_early_end.basis()}"
        )
    return ctx.result(
        regime,
        published=True,
        severity=severity,
        start=start,
        min_end=min_end,
        max_end=max_end,
        early_end_allowed=not blocked,
    )


def _license(
    ctx: _Context, regime: Regime, rule: LicenseRule, decision_date: date, fields: Mapping[str, Any]
) -> PublicityDecision:
    status = fields.get(_LICENSE_STATUS)
    if status is not None and str(status).strip() in rule.invalid_status:
        ctx.lines.append(f"{rule.name}当前状态为无效（{_LICENSE_STATUS}={status}），不在门户网站公示{rule.basis()}")
        return ctx.result(regime, published=False)
    start = _as_date(fields.get(_LICENSE_FROM))
    if start is None:
        start = decision_date
        ctx.lines.append(f"未填写有效的“有效期自”，自许可决定日期{decision_date.isoformat()}起公示")
    until = _as_date(fields.get(_LICENSE_UNTIL))
    if until is None:
        ctx.lines.append(f"未填写有效的“有效期至”，无法确定公示期，暂不公示，请补正数据{rule.basis()}")
        return ctx.result(regime, published=False)
    if until < start:
        ctx.lines.append(
            f"“有效期至”{until.isoformat()}早于公示起始日{start.isoformat()}，数据有误，暂不公示，请补正{rule.basis()}"
        )
        return ctx.result(regime, published=False)
    term = "长期有效，持续公示" if until >= rule.long_term_until else "有效期届满后归档，不再公示"
    ctx.lines.append(
        f"{rule.name}在有效期内公示：自{start.isoformat()}起至{until.isoformat()}止，{term}；"
        f"无最短公示期，不适用信用修复提前终止{rule.basis()}"
    )
    return ctx.result(regime, published=True, start=start, max_end=until)


def _period(
    ctx: _Context, regime: Regime, rule: PeriodRule, decision_date: date, fields: Mapping[str, Any]
) -> PublicityDecision:
    if not rule.published or rule.max_months is None:
        ctx.lines.append(f"{rule.name}不在门户网站公示{rule.basis()}")
        return ctx.result(regime, published=False)
    start = decision_date
    if rule.start_field is not None:
        found = _as_date(fields.get(rule.start_field))
        if found is not None:
            start = found
            ctx.lines.append(f"公示期自字段{rule.start_field}的日期{found.isoformat()}起算")
        else:
            ctx.lines.append(f"字段{rule.start_field}未填写或无法识别，公示期自决定日期{decision_date.isoformat()}起算")
    max_end = ctx.end(start, rule.max_months)
    min_end = ctx.end(start, rule.min_months) if rule.min_months else None
    text = f"自{start.isoformat()}起公示{_months_text(rule.max_months)}，至{max_end.isoformat()}止"
    if rule.early_end_allowed:
        text += f"；最短公示期至{min_end.isoformat()}，此后可申请提前终止" if min_end else "；可依规定提前终止公示"
    else:
        text += "；不适用提前终止"
    ctx.lines.append(text + rule.basis() + ctx.rules.period_end.basis("期限计算"))
    if rule.note:
        ctx.lines.append(rule.note)
    return ctx.result(
        regime, published=True, start=start, min_end=min_end, max_end=max_end, early_end_allowed=rule.early_end_allowed
    )


def input_fields(rules: RegimeSet) -> frozenset[str]:
    """Every record field ``decide`` may read: a decision is a function of these, the item, category and date."""
    periods = [getattr(rules.other_rules, name) for name in type(rules.other_rules).model_fields]
    rules_with_dates = [r for r in [*periods, *rules.item_rules.values()] if isinstance(r, PeriodRule)]
    starts = {r.start_field for r in rules_with_dates if r.start_field}
    return frozenset({_CATEGORIES_FIELD, _FINE_FIELD, _LICENSE_FROM, _LICENSE_UNTIL, _LICENSE_STATUS, *starts})
