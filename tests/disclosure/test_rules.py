"""Publicity rules engine: regimes by date, severity, windows, licences, other rules, date arithmetic, data checks."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from importlib import resources
from typing import Any

import pytest

from xinyong.core.errors import ValidationFailed
from xinyong.disclosure.rules import (
    PublicityDecision,
    RegimeSet,
    add_months,
    decide,
    load_regimes,
    period_end,
    shown_on,
)

ORG = "法人及非法人组织"
PERSON = "自然人"


@pytest.fixture(scope="module")
def rules() -> RegimeSet:
    return load_regimes()


def shipped_raw() -> dict[str, Any]:
    return json.loads(resources.files("xinyong.disclosure").joinpath("data", "publicity-regimes.json").read_bytes())


def decide_penalty(
    rules: RegimeSet,
    decided: date,
    categories: list[str] | str,
    fine: str | None = None,
    *,
    subject: str = ORG,
    sector: str | None = None,
    regime: str | None = None,
) -> PublicityDecision:
    fields: dict[str, Any] = {"CF_CFLB": categories}
    if fine is not None:
        fields["CF_NR_FK"] = fine
    return decide(
        rules=rules,
        item_code="penalty",
        publicity_rule="penalty",
        subject_category=subject,
        decision_date=decided,
        fields=fields,
        sector=sector,
        regime=regime,
    )


def licence(rules: RegimeSet, fields: dict[str, Any], decided: date = date(2025, 12, 20)) -> PublicityDecision:
    return decide(
        rules=rules,
        item_code="license",
        publicity_rule="license",
        subject_category=ORG,
        decision_date=decided,
        fields=fields,
    )


def text(decision: PublicityDecision) -> str:
    return "\n".join(decision.explanation)


def assert_explained(decision: PublicityDecision) -> None:
    """Every explanation names the regime and carries a confidence mark with a source."""
    joined = text(decision)
    assert decision.explanation[0].startswith("公示期限规则版本2026.1；适用公示制度：")
    assert decision.regime_name in decision.explanation[0]
    assert any(mark in joined for mark in ("[V]", "[P]", "[U]"))
    assert "依据：" in joined


# --------------------------------------------------------------------------------------------------
# Date arithmetic
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "corresponding", "last_day"),
    [
        (date(2026, 3, 10), 3, date(2026, 6, 10), date(2026, 6, 9)),
        (date(2026, 1, 31), 1, date(2026, 2, 28), date(2026, 2, 27)),
        (date(2026, 1, 1), 12, date(2027, 1, 1), date(2026, 12, 31)),
        (date(2026, 11, 30), 3, date(2027, 2, 28), date(2027, 2, 27)),
        (date(2024, 2, 29), 12, date(2025, 2, 28), date(2025, 2, 27)),
        (date(2024, 2, 29), 48, date(2028, 2, 29), date(2028, 2, 28)),
        (date(2023, 3, 31), 11, date(2024, 2, 29), date(2024, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15), date(2027, 1, 14)),
    ],
)
def test_periods_end_the_day_before_the_corresponding_day_with_month_end_clamping(
    start: date, months: int, corresponding: date, last_day: date
) -> None:
    assert add_months(start, months) == corresponding
    assert period_end(start, months) == last_day
    assert period_end(start, months, "corresponding_day") == corresponding


def test_the_period_convention_is_data(rules: RegimeSet) -> None:
    raw = shipped_raw()
    raw["period_end"]["convention"] = "corresponding_day"
    civil = load_regimes(json.dumps(raw, ensure_ascii=False).encode())
    base = decide_penalty(rules, date(2026, 3, 10), ["罚款"], "0.5")
    alt = decide_penalty(civil, date(2026, 3, 10), ["罚款"], "0.5")
    assert (base.min_end, base.max_end) == (date(2026, 6, 9), date(2027, 3, 9))
    assert (alt.min_end, alt.max_end) == (date(2026, 6, 10), date(2027, 3, 10))


# --------------------------------------------------------------------------------------------------
# Penalties under the 2026 regime
# --------------------------------------------------------------------------------------------------


def test_warning_plus_fine_of_2000_yuan_is_general_with_exact_windows(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2026, 3, 10), ["警告", "罚款"], "0.2")
    assert d.published and d.regime == "2026" and d.regime_name == "国办发〔2025〕22号等（2025-12-25起）"
    assert d.severity == "general"
    assert (d.start, d.min_end, d.max_end) == (date(2026, 3, 10), date(2026, 6, 9), date(2027, 3, 9))
    assert d.early_end_allowed
    joined = text(d)
    assert "罚款金额0.2万元，不低于小额罚款标准0.1万元" in joined
    assert "同一决定含多个处罚类别：警告（轻微）、罚款（一般），按其中最严重、公示期最长的“罚款”确定" in joined
    assert "公示期3个月至1年" in joined
    assert "自2027-03-10起不再公示" in joined
    assert_explained(d)


def test_warning_only_under_2026_is_minor_and_not_published(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2026, 3, 10), ["警告"])
    assert not d.published and d.severity == "minor"
    assert d.start is d.min_end is d.max_end is None and not d.early_end_allowed
    assert "轻微失信行为的行政处罚信息不在门户网站公示" in text(d)
    assert "[P]" in text(d)
    assert not shown_on(d, date(2026, 3, 10))
    assert_explained(d)


def test_small_fine_is_minor_and_the_threshold_is_strict(rules: RegimeSet) -> None:
    small = decide_penalty(rules, date(2026, 3, 10), ["罚款"], "0.05")
    assert small.severity == "minor" and not small.published
    assert "低于小额罚款标准0.1万元，属轻微" in text(small) and "[U]" in text(small)
    at = decide_penalty(rules, date(2026, 3, 10), ["罚款"], "0.1")
    assert at.severity == "general" and at.published


def test_fine_without_amount_is_general(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2026, 3, 10), "罚款")
    assert d.severity == "general" and d.published
    assert "罚款金额未填写，无法判断是否属小额罚款，按一般失信行为处理" in text(d)


def test_revocation_plus_fine_is_serious_one_to_three_years_and_never_ended_early(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2026, 3, 10), ["罚款", "吊销许可证件"], "5")
    assert d.published and d.severity == "serious"
    assert (d.start, d.min_end, d.max_end) == (date(2026, 3, 10), date(2027, 3, 9), date(2029, 3, 9))
    assert d.early_end_allowed is False
    joined = text(d)
    assert "处罚类别含“吊销许可证件”，属严重失信行为" in joined
    assert "公示期1年至3年" in joined
    assert "不得通过信用修复提前终止公示" in joined and "市场监管总局令第45号" in joined
    assert_explained(d)


def test_closure_is_serious_but_may_be_ended_early(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2026, 3, 10), ["责令关闭"])
    assert d.severity == "serious" and d.early_end_allowed
    assert "自2027-03-10起可申请信用修复提前终止公示" in text(d)


def test_confiscation_and_other_categories_are_general(rules: RegimeSet) -> None:
    for cats in (["没收违法所得"], ["暂扣许可证件"], ["其他"], "没收非法财物、警告"):
        d = decide_penalty(rules, date(2026, 5, 1), cats)
        assert d.severity == "general", cats


def test_missing_categories_count_as_general(rules: RegimeSet) -> None:
    d = decide(
        rules=rules,
        item_code="penalty",
        publicity_rule="penalty",
        subject_category=ORG,
        decision_date=date(2026, 5, 1),
        fields={},
    )
    assert d.severity == "general" and d.published
    assert "未填写处罚类别" in text(d)


def test_penalty_on_a_natural_person_is_not_published(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2026, 3, 10), ["罚款"], "0.5", subject=PERSON)
    assert not d.published and d.severity == "general"
    assert d.max_end is None and not shown_on(d, date(2026, 3, 10))
    assert "行政相对人为自然人" in text(d)
    assert_explained(d)
    business = decide_penalty(rules, date(2026, 3, 10), ["罚款"], "0.5", subject="个体工商户")
    assert business.published


def test_minor_published_months_is_data(rules: RegimeSet) -> None:
    raw = shipped_raw()
    raw["regimes"][2]["penalty"]["minor"]["published_months"] = 3
    d = decide_penalty(load_regimes(json.dumps(raw, ensure_ascii=False).encode()), date(2026, 3, 10), ["通报批评"])
    assert d.published and d.severity == "minor"
    assert (d.start, d.min_end, d.max_end) == (date(2026, 3, 10), None, date(2026, 6, 9))
    assert "公示3个月，无最短公示期" in text(d)


# --------------------------------------------------------------------------------------------------
# Older regimes and regime selection
# --------------------------------------------------------------------------------------------------


def test_2019_regime_general_and_serious_windows(rules: RegimeSet) -> None:
    general = decide_penalty(rules, date(2022, 6, 1), ["罚款"], "1")
    assert general.regime == "2019" and general.severity == "general"
    assert (general.min_end, general.max_end) == (date(2022, 8, 31), date(2023, 5, 31))
    serious = decide_penalty(rules, date(2022, 6, 1), ["责令停产停业"])
    assert serious.regime == "2019" and serious.severity == "serious"
    assert (serious.min_end, serious.max_end) == (date(2022, 11, 30), date(2025, 5, 31))
    assert not serious.early_end_allowed
    assert "发改办财金〔2019〕527号" in serious.explanation[0] and "[V]" in serious.explanation[0]
    assert_explained(serious)


def test_2019_regime_treats_a_warning_as_general(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2022, 6, 1), ["警告"])
    assert d.published and d.severity == "general"
    assert (d.min_end, d.max_end) == (date(2022, 8, 31), date(2023, 5, 31))
    assert "未设轻微档" in text(d)


def test_2023_regime_three_months_to_three_years_and_food_minimum_one_year(rules: RegimeSet) -> None:
    plain = decide_penalty(rules, date(2024, 4, 15), ["罚款"], "2")
    assert plain.regime == "2023"
    assert (plain.min_end, plain.max_end) == (date(2024, 7, 14), date(2027, 4, 14))
    assert "如属食品、药品、特种设备、安全生产、消防领域，最短公示期应为1年" in text(plain)
    food = decide_penalty(rules, date(2024, 4, 15), ["罚款"], "2", sector="food")
    assert (food.min_end, food.max_end) == (date(2025, 4, 14), date(2027, 4, 14))
    assert "处罚属食品领域，最短公示期延长为1年" in text(food)
    serious = decide_penalty(rules, date(2024, 4, 15), ["吊销许可证件"], sector="fire")
    assert serious.severity == "serious" and (serious.min_end, serious.max_end) == (
        date(2025, 4, 14),
        date(2027, 4, 14),
    )
    assert_explained(food)


def test_regimes_switch_on_their_effective_dates(rules: RegimeSet) -> None:
    assert decide_penalty(rules, date(2023, 4, 30), ["罚款"], "1").regime == "2019"
    assert decide_penalty(rules, date(2023, 5, 1), ["罚款"], "1").regime == "2023"
    assert decide_penalty(rules, date(2025, 12, 24), ["罚款"], "1").regime == "2023"
    assert decide_penalty(rules, date(2025, 12, 25), ["罚款"], "1").regime == "2026"


def test_regime_override_applies_the_2026_rules_to_a_2024_decision(rules: RegimeSet) -> None:
    by_date = decide_penalty(rules, date(2024, 6, 1), ["警告"])
    assert by_date.regime == "2023" and by_date.published
    d = decide_penalty(rules, date(2024, 6, 1), ["警告"], regime="2026")
    assert d.regime == "2026" and not d.published and d.severity == "minor"
    assert "由信用办指定适用" in d.explanation[0] and "按日期本应适用国家发展改革委令第58号" in d.explanation[0]
    fine = decide_penalty(rules, date(2024, 6, 1), ["罚款"], "1", regime="2026")
    assert (fine.min_end, fine.max_end) == (date(2024, 8, 31), date(2025, 5, 31))
    with pytest.raises(ValidationFailed, match="公示制度代码“2030”不存在"):
        decide_penalty(rules, date(2024, 6, 1), ["警告"], regime="2030")


def test_penalty_before_the_first_regime_needs_an_explicit_regime(rules: RegimeSet) -> None:
    with pytest.raises(ValidationFailed, match="请信用办指定适用的公示制度"):
        decide_penalty(rules, date(2018, 1, 5), ["罚款"], "1")
    assert decide_penalty(rules, date(2018, 1, 5), ["罚款"], "1", regime="2019").max_end == date(2019, 1, 4)


def test_unknown_sector_is_rejected(rules: RegimeSet) -> None:
    with pytest.raises(ValidationFailed, match="处罚所属领域代码“mining”不存在"):
        decide_penalty(rules, date(2024, 4, 15), ["罚款"], "2", sector="mining")


# --------------------------------------------------------------------------------------------------
# Licences
# --------------------------------------------------------------------------------------------------


def test_licence_is_shown_exactly_while_valid(rules: RegimeSet) -> None:
    d = licence(rules, {"XK_YXQZ": "2026-01-01", "XK_YXQZI": "2028-12-31", "XK_ZT": "1"})
    assert d.published and d.severity is None
    assert (d.start, d.min_end, d.max_end) == (date(2026, 1, 1), None, date(2028, 12, 31))
    assert d.early_end_allowed is False
    assert not shown_on(d, date(2025, 12, 31))
    assert shown_on(d, date(2026, 1, 1))
    assert shown_on(d, date(2028, 12, 31))
    assert not shown_on(d, date(2029, 1, 1))
    assert "有效期届满后归档" in text(d)
    assert_explained(d)


def test_invalid_licence_is_not_shown(rules: RegimeSet) -> None:
    d = licence(rules, {"XK_YXQZ": "2026-01-01", "XK_YXQZI": "2028-12-31", "XK_ZT": "2"})
    assert not d.published and not shown_on(d, date(2026, 6, 1))
    assert "当前状态为无效" in text(d)
    assert_explained(d)


def test_long_term_licence(rules: RegimeSet) -> None:
    d = licence(rules, {"XK_YXQZ": date(2025, 1, 1), "XK_YXQZI": date(2099, 12, 31), "XK_ZT": "1"})
    assert d.max_end == date(2099, 12, 31) and shown_on(d, date(2060, 6, 1))
    assert "长期有效，持续公示" in text(d)


def test_licence_without_start_uses_the_decision_date_and_bad_end_is_not_shown(rules: RegimeSet) -> None:
    d = licence(rules, {"XK_YXQZI": "2027-06-30", "XK_ZT": "1"}, decided=date(2026, 2, 3))
    assert d.start == date(2026, 2, 3) and "自许可决定日期2026-02-03起公示" in text(d)
    missing = licence(rules, {"XK_YXQZ": "2026-01-01", "XK_ZT": "1"})
    assert not missing.published and "未填写有效的“有效期至”" in text(missing)
    backwards = licence(rules, {"XK_YXQZ": "2026-01-01", "XK_YXQZI": "2025-01-01", "XK_ZT": "1"})
    assert not backwards.published


# --------------------------------------------------------------------------------------------------
# Portal window semantics
# --------------------------------------------------------------------------------------------------


def test_record_leaves_the_portal_the_day_after_max_end(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2026, 1, 31), ["罚款"], "1")
    assert d.max_end == date(2027, 1, 30)
    assert not shown_on(d, date(2026, 1, 30))
    assert shown_on(d, date(2026, 1, 31))
    assert shown_on(d, d.max_end)
    assert not shown_on(d, d.max_end + timedelta(days=1))


def test_leap_day_decision(rules: RegimeSet) -> None:
    d = decide_penalty(rules, date(2024, 2, 29), ["罚款"], "1", regime="2026")
    assert (d.min_end, d.max_end) == (date(2024, 5, 28), date(2025, 2, 27))
    assert shown_on(d, date(2025, 2, 27)) and not shown_on(d, date(2025, 2, 28))


# --------------------------------------------------------------------------------------------------
# Other publicity rules
# --------------------------------------------------------------------------------------------------


def other(rules: RegimeSet, item: str, rule: str, fields: dict[str, Any] | None = None) -> PublicityDecision:
    return decide(
        rules=rules,
        item_code=item,
        publicity_rule=rule,
        subject_category=ORG,
        decision_date=date(2026, 4, 1),
        fields=fields or {},
    )


@pytest.mark.parametrize(
    ("item", "rule", "max_end", "min_end", "early"),
    [
        ("coercion", "action", date(2029, 3, 31), None, False),
        ("reward", "action", date(2029, 3, 31), None, False),
        ("inspection", "inspection", date(2029, 3, 31), None, False),
        ("commitment", "commitment", date(2027, 3, 31), None, False),
        ("serious_list", "serious_list", date(2029, 3, 31), date(2027, 3, 31), True),
        ("abnormal_list", "abnormal_list", date(2029, 3, 31), None, True),
        ("red_list", "red_list", date(2027, 3, 31), None, False),
        ("honour", "honour", date(2029, 3, 31), None, False),
    ],
)
def test_period_rules(rules: RegimeSet, item: str, rule: str, max_end: date, min_end: date | None, early: bool) -> None:
    d = other(rules, item, rule)
    assert d.published and d.regime == "2026" and d.severity is None
    assert (d.start, d.min_end, d.max_end, d.early_end_allowed) == (date(2026, 4, 1), min_end, max_end, early)
    assert "[U]" in text(d)
    assert_explained(d)


def test_reward_uses_its_own_item_rule(rules: RegimeSet) -> None:
    assert "行政奖励信息（正面信息）" in text(other(rules, "reward", "action"))


def test_judgment_debtor_counts_from_the_publication_date(rules: RegimeSet) -> None:
    d = other(rules, "judgment_debtor", "judgment_debtor", {"FBRQ": "2026-04-10", "LARQ": "2026-04-01"})
    assert (d.start, d.max_end) == (date(2026, 4, 10), date(2028, 4, 9))
    assert "3个工作日内撤下" in text(d)
    fallback = other(rules, "judgment_debtor", "judgment_debtor")
    assert fallback.start == date(2026, 4, 1)


def test_government_only_items_are_never_published(rules: RegimeSet) -> None:
    d = other(rules, "complaint", "none")
    assert not d.published and d.max_end is None and not shown_on(d, date(2026, 4, 1))
    assert "不在门户网站公示" in text(d)
    assert_explained(d)


def test_unknown_publicity_rule_is_rejected(rules: RegimeSet) -> None:
    with pytest.raises(ValidationFailed, match="公示规则“lottery”"):
        other(rules, "x", "lottery")


def test_every_catalogue_publicity_rule_has_a_rule(rules: RegimeSet) -> None:
    catalogue = json.loads(resources.files("xinyong.catalog").joinpath("data", "catalogue-2026.1.json").read_bytes())
    for item in catalogue["items"]:
        rule = item["publicity_rule"]
        if rule in ("penalty", "license"):
            continue
        d = other(rules, item["code"], rule)
        assert d.published == (item["openness"] == "public"), item["code"]


# --------------------------------------------------------------------------------------------------
# The data file
# --------------------------------------------------------------------------------------------------


def test_shipped_file_periods(rules: RegimeSet) -> None:
    assert rules.version == "2026.1"
    assert [(r.code, r.effective_from) for r in rules.regimes] == [
        ("2019", date(2019, 7, 1)),
        ("2023", date(2023, 5, 1)),
        ("2026", date(2025, 12, 25)),
    ]
    r2026 = rules.regime("2026").penalty
    assert r2026.minor is not None and r2026.minor.published_months == 0
    assert (r2026.general.min_months, r2026.general.max_months, r2026.serious.min_months) == (3, 12, 12)
    assert load_regimes() is load_regimes()  # the shipped file is parsed once


def mutated(change: Any) -> bytes:
    raw = copy.deepcopy(shipped_raw())
    change(raw)
    return json.dumps(raw, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["regimes"][1]["penalty"]["general"].__setitem__("min_months", -1),
            "regimes › 第2项（2023） › penalty › general › min_months：不能为负数",
        ),
        (
            lambda d: d["regimes"][0].__setitem__("effective_from", "2019-02-30"),
            "regimes › 第1项（2019） › effective_from：应为有效的YYYY-MM-DD日期",
        ),
        (
            lambda d: d["regimes"][2].__setitem__("effective", "2026-01-01"),
            "regimes › 第3项（2026） › effective：不认识的键",
        ),
        (lambda d: d["other_rules"].pop("honour"), "other_rules › honour：缺少此项"),
        (lambda d: d["regimes"][2].__setitem__("confidence", "X"), "confidence：取值无效（允许：'V', 'P', 'U'）"),
        (
            lambda d: d["regimes"][2]["penalty"]["serious"].__setitem__("max_months", 6),
            "最短公示期（12个月）不能长于最长公示期（6个月）",
        ),
        (lambda d: d["regimes"][2]["penalty"]["general"].__setitem__("max_months", "12"), "max_months：应为整数"),
        (lambda d: d["regimes"].reverse(), "regimes 须按施行日期 effective_from 从早到晚排列"),
        (
            lambda d: d["regimes"][1]["penalty"]["sector_minimum"]["sectors"].append("mining"),
            "重点领域代码未在 sectors 中定义：mining",
        ),
        (
            lambda d: d["regimes"][2]["penalty"]["severity"]["minor_categories"].append("吊销许可证件"),
            "处罚类别吊销许可证件不能同时列为轻微和严重",
        ),
        (lambda d: d["other_rules"]["none"].__setitem__("max_months", 3), "不公示的规则不能设置公示期"),
        (
            lambda d: d["regimes"][2]["penalty"]["severity"]["minor_fine"].__setitem__("below_wan", "abc"),
            "below_wan：应为数字",
        ),
    ],
)
def test_data_file_errors_are_chinese_and_name_the_place(change: Any, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_regimes(mutated(change))
    assert caught.value.message.startswith("公示期限规则文件有误：")
    assert message in caught.value.message


def test_data_file_must_be_json() -> None:
    with pytest.raises(ValidationFailed, match="不是有效的UTF-8 JSON"):
        load_regimes(b"{not json")
