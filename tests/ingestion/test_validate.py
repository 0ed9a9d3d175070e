"""Row validation against catalogue items: normalisation, every field rule, cross-field rules, headers, JSON."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from xinyong.catalog.schemas import CatalogueDoc, ItemSpec
from xinyong.core.identifiers import make_uscc, resident_id_check_char, validate_resident_id
from xinyong.ingestion.validate import FieldError, RowValidator, ValidRow, column_letter

DOC = CatalogueDoc.model_validate(
    json.loads(resources.files("xinyong.catalog").joinpath("data", "catalogue-2026.1.json").read_bytes())
)
PENALTY = next(i for i in DOC.items if i.code == "penalty")
LICENSE = next(i for i in DOC.items if i.code == "license")
TODAY = date(2026, 3, 15)

# Identifiers used below; test_fixture_identifiers_are_valid recomputes them independently of the validator.
COMPANY = "91230382MA1B3N1N24"  # 企业 (9-1), 密山市
SOLE_TRADER = "92230382MA1C2D3EXH"  # 个体工商户 (9-2)
AUTHORITY = "112303820023820061"  # 机关 (1-1)
PERSON_ID = "230382200001011239"
LATE_REGISTERED_ID = "230382199001011233"  # 230382 was not yet in use in 1990: valid, with a warning
PENALTY_CATEGORIES = (
    "警告、通报批评、罚款、没收违法所得、没收非法财物、暂扣许可证件、降低资质等级、吊销许可证件、"
    "限制开展生产经营活动、责令停产停业、责令关闭、限制从业、行政拘留、其他"
)
ALTERNATIVES = "工商注册号、组织机构代码、税务登记号、事业单位证书号、社会组织登记证号"


def penalty_row(**changes: str | None) -> dict[str, str | None]:
    """A realistic valid penalty row (a food-safety fine on a company) with some fields changed."""
    row: dict[str, str | None] = {
        "CF_XDR_MC": "密山市兴隆商贸有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": COMPANY,
        "CF_FRDB": "张伟",
        "CF_FR_ZJLX": "身份证",
        "CF_FR_ZJHM": PERSON_ID,
        "CF_WSH": "密市监罚〔2026〕12号",
        "CF_WFXW": "销售不符合食品安全标准的食品",
        "CF_SY": "经查，当事人于2026年1月销售超过保质期的食品。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": "警告、罚款",
        "CF_NR": "警告，并处罚款2000元",
        "CF_NR_FK": "0.2",
        "CF_JDRQ": "2026-02-10",
        "CF_GSJZQ": "2026-05-10",
        "CF_CFJG": "密山市市场监督管理局",
        "CF_CFJGDM": AUTHORITY,
        "CF_SJLY": "密山市市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
        "BZ": "",
    }
    row.update(changes)
    return row


def license_row(**changes: str | None) -> dict[str, str | None]:
    """A realistic valid licensing row (a food business licence) with some fields changed."""
    row: dict[str, str | None] = {
        "XK_XDR_MC": "密山市兴隆商贸有限公司",
        "XK_XDR_LB": "法人及非法人组织",
        "XK_XDR_SHXYM": COMPANY,
        "XK_FRDB": "张伟",
        "XK_XKWS": "食品经营许可决定书",
        "XK_WSH": "密市监许〔2026〕8号",
        "XK_XKLB": "普通",
        "XK_XKZS": "食品经营许可证",
        "XK_XKBH": "JY12303820001234",
        "XK_NR": "预包装食品销售（含冷藏冷冻食品）",
        "XK_JDRQ": "2026-01-05",
        "XK_YXQZ": "2026-01-05",
        "XK_YXQZI": "2031-01-04",
        "XK_XKJG": "密山市市场监督管理局",
        "XK_XKJGDM": AUTHORITY,
        "XK_ZT": "1",
        "XK_LYDW": "密山市市场监督管理局",
        "XK_LYDWDM": AUTHORITY,
    }
    row.update(changes)
    return row


@pytest.fixture(scope="module")
def penalty() -> RowValidator:
    return RowValidator(PENALTY, today=TODAY)


@pytest.fixture(scope="module")
def licence() -> RowValidator:
    return RowValidator(LICENSE, today=TODAY)


def ok(result: ValidRow | list[FieldError]) -> ValidRow:
    assert isinstance(result, ValidRow), f"expected a valid row, got errors: {result}"
    return result


def errs(result: ValidRow | list[FieldError]) -> list[FieldError]:
    assert isinstance(result, list), f"expected errors, got a valid row: {result}"
    return result


def reasons(result: ValidRow | list[FieldError]) -> dict[str, str]:
    return {e.field: e.reason for e in errs(result)}


def test_fixture_identifiers_are_valid() -> None:
    assert make_uscc("9", "1", "230382", "MA1B3N1N") == COMPANY
    assert make_uscc("9", "2", "230382", "MA1C2D3E") == SOLE_TRADER
    assert make_uscc("1", "1", "230382", "00238200") == AUTHORITY
    assert PERSON_ID[17] == resident_id_check_char(PERSON_ID[:17])
    assert validate_resident_id(LATE_REGISTERED_ID, today=TODAY).warnings


# --------------------------------------------------------------------------------------------------
# A valid row and normalisation
# --------------------------------------------------------------------------------------------------


def test_valid_penalty_row_is_normalised_to_typed_values(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(CF_XDR_MC="\u3000密山市兴隆商贸有限公司\u00a0 ", CF_XDR_GSZC="")))
    v = row.values
    assert v["CF_NR_FK"] == Decimal("0.2") and isinstance(v["CF_NR_FK"], Decimal)
    assert str(v["CF_NR_FK"]) == "0.2"
    assert v["CF_JDRQ"] == date(2026, 2, 10)
    assert v["CF_GSJZQ"] == date(2026, 5, 10)
    assert v["CF_CFLB"] == ["警告", "罚款"]
    assert v["CF_XDR_MC"] == "密山市兴隆商贸有限公司"  # text: stripped, incl. U+3000 and NBSP
    assert v["CF_XDR_SHXYM"] == COMPANY
    assert v["CF_FR_ZJHM"] == PERSON_ID
    assert "CF_XDR_GSZC" not in v and "BZ" not in v and "CF_NR_WFFF" not in v  # empty optional fields omitted
    assert row.warnings == []


def test_none_values_and_missing_keys_count_as_empty(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(BZ=None, CF_GSJZQ=None)))
    assert "BZ" not in row.values and "CF_GSJZQ" not in row.values


def test_all_errors_of_a_row_are_returned_in_field_order(penalty: RowValidator) -> None:
    result = errs(
        penalty.validate(penalty_row(CF_NR_FK="2000元", CF_JDRQ="2026-02-30", CF_XDR_SHXYM=COMPANY[:-1] + "M"))
    )
    assert [e.field for e in result] == ["CF_XDR_SHXYM", "CF_NR_FK", "CF_JDRQ"]
    assert result[0] == FieldError(
        "CF_XDR_SHXYM", "统一社会信用代码", COMPANY[:-1] + "M", "第18位校验码错误：应为“4”，实际为“M”"
    )


def test_error_value_is_truncated_to_200_characters(penalty: RowValidator) -> None:
    (error,) = errs(penalty.validate(penalty_row(CF_WSH="文" * 500)))
    assert len(error.value) == 200 and error.value.startswith("文文")


# --------------------------------------------------------------------------------------------------
# Required, conditionally required, alternatives
# --------------------------------------------------------------------------------------------------


def test_missing_required_field(penalty: RowValidator) -> None:
    result = errs(penalty.validate(penalty_row(CF_WSH="  ")))
    assert result == [FieldError("CF_WSH", "行政处罚决定书文号", "", "必填项为空")]


def test_fine_required_when_category_contains_fine(penalty: RowValidator) -> None:
    assert reasons(penalty.validate(penalty_row(CF_NR_FK=""))) == {"CF_NR_FK": "当处罚类别含“罚款”时必填"}
    row = ok(penalty.validate(penalty_row(CF_CFLB="警告", CF_NR_FK="")))
    assert row.values["CF_CFLB"] == ["警告"]


def test_confiscation_amount_names_the_matching_category(penalty: RowValidator) -> None:
    result = reasons(penalty.validate(penalty_row(CF_CFLB="没收违法所得、警告", CF_NR_FK="")))
    assert result == {"CF_NR_WFFF": "当处罚类别含“没收违法所得”时必填"}


def test_natural_person_requires_id_type_and_number(penalty: RowValidator) -> None:
    row = penalty_row(CF_XDR_MC="李四", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_FRDB="", CF_FR_ZJLX="", CF_FR_ZJHM="")
    assert reasons(penalty.validate(row)) == {
        "CF_XDR_ZJLX": "当行政相对人类别为“自然人”时必填",
        "CF_XDR_ZJHM": "当行政相对人类别为“自然人”时必填",
    }
    valid = ok(penalty.validate({**row, "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": PERSON_ID.lower()}))
    assert valid.values["CF_XDR_ZJHM"] == PERSON_ID


def test_legal_representative_required_for_organisations(penalty: RowValidator) -> None:
    assert reasons(penalty.validate(penalty_row(CF_FRDB=""))) == {
        "CF_FRDB": "当行政相对人类别为“法人及非法人组织”时必填"
    }


def test_uscc_alternatives(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(CF_XDR_SHXYM="", CF_XDR_GSZC="230382100012345")))
    assert row.values["CF_XDR_GSZC"] == "230382100012345" and "CF_XDR_SHXYM" not in row.values
    assert reasons(penalty.validate(penalty_row(CF_XDR_SHXYM=""))) == {
        "CF_XDR_SHXYM": f"当行政相对人类别为“法人及非法人组织”时必填（也可填写{ALTERNATIVES}之一）"
    }


def test_condition_on_invalid_field_is_not_guessed(penalty: RowValidator) -> None:
    # The category is invalid: only that error is reported, no requirement derived from it.
    assert reasons(penalty.validate(penalty_row(CF_XDR_LB="企业", CF_XDR_SHXYM="", CF_FRDB=""))) == {
        "CF_XDR_LB": "“企业”不是有效取值，应为：法人及非法人组织、自然人、个体工商户"
    }


# --------------------------------------------------------------------------------------------------
# Amounts in 万元
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.2", Decimal("0.2")),
        ("1,200.5", Decimal("1200.5")),
        ("５", Decimal("5")),
        ("3.000000", Decimal("3")),
        ("1000", Decimal("1000")),
        ("0.000001", Decimal("0.000001")),
        ("0", Decimal("0")),
    ],
)
def test_amount_accepted(penalty: RowValidator, raw: str, expected: Decimal) -> None:
    value = ok(penalty.validate(penalty_row(CF_NR_FK=raw))).values["CF_NR_FK"]
    assert value == expected
    assert "E" not in str(value)  # normalised without exponent notation


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("5000元", "金额应以万元为单位填写数字，“5000元”应填写为0.5"),
        ("1,234.5元", "金额应以万元为单位填写数字，“1,234.5元”应填写为0.12345"),
        ("￥800", "金额应以万元为单位填写数字，“￥800”应填写为0.08"),
        ("-0.5", "金额不能为负数"),
        ("1000001", "金额超过100亿元，请确认单位为万元"),
        ("两千元", "应为以万元为单位的数字"),
        ("0.2.1", "应为以万元为单位的数字"),
        ("1e3", "应为以万元为单位的数字"),
        ("12,34", "应为以万元为单位的数字"),
        ("0.1234567", "小数位数为7位，最多6位（万元金额精确到分）"),
    ],
)
def test_amount_rejected(penalty: RowValidator, raw: str, reason: str) -> None:
    assert reasons(penalty.validate(penalty_row(CF_NR_FK=raw))) == {"CF_NR_FK": reason}


@pytest.mark.parametrize("raw", ["0.5万元", "0.5 万元", "0.5万"])
def test_amount_with_wan_unit_accepted_with_warning(penalty: RowValidator, raw: str) -> None:
    row = ok(penalty.validate(penalty_row(CF_NR_FK=raw)))
    assert row.values["CF_NR_FK"] == Decimal("0.5")
    unit = "万元" if raw.endswith("万元") else "万"
    assert row.warnings == [f"罚款金额（万元）：已去掉单位“{unit}”"]


def test_spreadsheet_float_noise_is_rounded_with_warning(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(CF_NR_FK="0.30000000000000004")))
    assert row.values["CF_NR_FK"] == Decimal("0.3")
    assert len(row.warnings) == 1 and "浮点误差" in row.warnings[0]


# --------------------------------------------------------------------------------------------------
# Text and enums
# --------------------------------------------------------------------------------------------------


def test_text_too_long(penalty: RowValidator) -> None:
    assert reasons(penalty.validate(penalty_row(CF_WSH="号" * 101))) == {"CF_WSH": "长度为101字，超过上限100字"}
    assert ok(penalty.validate(penalty_row(CF_WSH="号" * 100))).values["CF_WSH"] == "号" * 100


def test_text_kept_as_sent_apart_from_stripping(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(CF_WSH=" 密市监罚〔２０２６〕12号 ")))
    assert row.values["CF_WSH"] == "密市监罚〔２０２６〕12号"


def test_enum_invalid_lists_allowed_values(penalty: RowValidator) -> None:
    assert reasons(penalty.validate(penalty_row(CF_FR_ZJLX="居民身份证", CF_FR_ZJHM=""))) == {
        "CF_FR_ZJLX": (
            "“居民身份证”不是有效取值，应为：身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证"
        )
    }


def test_multiple_enum_with_a_bad_part(penalty: RowValidator) -> None:
    assert reasons(penalty.validate(penalty_row(CF_CFLB="警告、罚没、罚款"))) == {
        "CF_CFLB": f"“罚没”不是有效取值，应为：{PENALTY_CATEGORIES}（可多选，用“、”分隔）"
    }


@pytest.mark.parametrize("raw", ["罚款，警告", "罚款,警告;罚款", "罚款｜警告", " 警告 ； 罚款 、"])
def test_multiple_enum_split_deduplicated_in_catalogue_order(penalty: RowValidator, raw: str) -> None:
    assert ok(penalty.validate(penalty_row(CF_CFLB=raw))).values["CF_CFLB"] == ["警告", "罚款"]


def test_multiple_enum_is_not_split_on_spaces(penalty: RowValidator) -> None:
    assert "CF_CFLB" in reasons(penalty.validate(penalty_row(CF_CFLB="警告 罚款")))


def test_multiple_enum_result_lists_are_independent(penalty: RowValidator) -> None:
    first = ok(penalty.validate(penalty_row()))
    first.values["CF_CFLB"].append("其他")
    assert ok(penalty.validate(penalty_row())).values["CF_CFLB"] == ["警告", "罚款"]


@pytest.mark.parametrize(("raw", "warned"), [("有效", False), ("1", False), ("１", True)])
def test_enum_label_and_full_width_code(licence: RowValidator, raw: str, warned: bool) -> None:
    row = ok(licence.validate(license_row(XK_ZT=raw)))
    assert row.values["XK_ZT"] == "1"
    assert row.warnings == (["当前状态：全角字符已自动转换为半角，请核对"] if warned else [])


def test_enum_with_labels_lists_them(licence: RowValidator) -> None:
    assert reasons(licence.validate(license_row(XK_ZT="3"))) == {"XK_ZT": "“3”不是有效取值，应为：1（有效）、2（无效）"}


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2026-02-05",
        "2026-2-5",
        "2026/02/05",
        "2026/2/5",
        "2026.02.05",
        "20260205",
        "2026年2月5日",
        "2026年02月05日",
        "2026-02-05 14:30",
        "2026-02-05 14:30:59",
        "2026/2/5 8:05:00",
    ],
)
def test_date_formats(penalty: RowValidator, raw: str) -> None:
    row = ok(penalty.validate(penalty_row(CF_JDRQ=raw)))
    assert row.values["CF_JDRQ"] == date(2026, 2, 5)
    assert row.warnings == []


def test_excel_serial_date(licence: RowValidator) -> None:
    row = ok(licence.validate(license_row(XK_JDRQ="45292", XK_YXQZ="45292.0")))
    assert row.values["XK_JDRQ"] == date(2024, 1, 1)
    assert row.values["XK_YXQZ"] == date(2024, 1, 1)
    assert "许可决定日期：Excel日期序列号“45292”已按1900日期系统转换为2024-01-01，请核对" in row.warnings


def test_full_width_date_converted_with_warning(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(CF_JDRQ="２０２６－０２－０５")))
    assert row.values["CF_JDRQ"] == date(2026, 2, 5)
    assert row.warnings == ["处罚决定日期：全角字符已自动转换为半角，请核对"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2026-02-30", "日期“2026-02-30”不存在"),
        ("2025年2月29日", "日期“2025年2月29日”不存在"),
        ("20261301", "日期“20261301”不存在"),
        ("05/02/2026", "日期格式无法识别，应为YYYY-MM-DD"),
        ("2026-02-05 25:00", "“2026-02-05 25:00”中的时间不存在"),
        ("1234", "日期格式无法识别，应为YYYY-MM-DD"),
        ("12345", "日期格式无法识别，应为YYYY-MM-DD"),  # 5 digits, but outside the realistic serial range
        ("1900-01-01", "年份不合理：1900年早于1949年"),
        ("2026-03-16", "不得晚于今天（2026-03-15）"),
    ],
)
def test_date_rejected(penalty: RowValidator, raw: str, reason: str) -> None:
    assert reasons(penalty.validate(penalty_row(CF_JDRQ=raw))) == {"CF_JDRQ": reason}


def test_today_is_not_in_the_future(penalty: RowValidator) -> None:
    assert ok(penalty.validate(penalty_row(CF_JDRQ="2026-03-15"))).values["CF_JDRQ"] == TODAY


def test_long_term_validity_gets_advice(licence: RowValidator) -> None:
    assert reasons(licence.validate(license_row(XK_YXQZI="长期"))) == {
        "XK_YXQZI": "日期格式无法识别，应为YYYY-MM-DD（长期有效请填写2099-12-31）"
    }


def test_not_before(licence: RowValidator) -> None:
    assert reasons(licence.validate(license_row(XK_YXQZ="2024-01-01", XK_YXQZI="2023-12-31"))) == {
        "XK_YXQZI": "不得早于有效期自（2024-01-01）"
    }
    assert ok(licence.validate(license_row(XK_YXQZ="2024-01-01", XK_YXQZI="2024-01-01")))
    # Future dates are fine where not_future is not set.
    assert ok(licence.validate(license_row(XK_YXQZI="2099-12-31"))).values["XK_YXQZI"] == date(2099, 12, 31)


def test_not_before_skipped_when_reference_invalid(licence: RowValidator) -> None:
    assert reasons(licence.validate(license_row(XK_YXQZ="2024-02-30", XK_YXQZI="2023-12-31"))) == {
        "XK_YXQZ": "日期“2024-02-30”不存在"
    }


# --------------------------------------------------------------------------------------------------
# Unified Social Credit Codes and subject category
# --------------------------------------------------------------------------------------------------


def test_full_width_uscc_converted_with_warning(penalty: RowValidator) -> None:
    full = "".join(chr(ord(c) + 0xFEE0) for c in COMPANY[:3]) + COMPANY[3:]
    row = ok(penalty.validate(penalty_row(CF_XDR_SHXYM=full)))
    assert row.values["CF_XDR_SHXYM"] == COMPANY
    assert row.warnings == ["统一社会信用代码：第1—3位为全角字符，已自动转换为半角，请核对"]


def test_lower_case_and_spaced_uscc_accepted(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(CF_XDR_SHXYM=" 91230382ma1b3n1n24 ", CF_CFJGDM="112303820-02382006-1")))
    assert row.values["CF_XDR_SHXYM"] == COMPANY
    assert row.values["CF_CFJGDM"] == AUTHORITY


def test_uscc_wrong_check_character(penalty: RowValidator) -> None:
    assert reasons(penalty.validate(penalty_row(CF_CFJGDM=AUTHORITY[:-1] + "2"))) == {
        "CF_CFJGDM": "第18位校验码错误：应为“1”，实际为“2”"
    }


def test_sole_trader_category_with_enterprise_code(penalty: RowValidator) -> None:
    assert reasons(penalty.validate(penalty_row(CF_XDR_LB="个体工商户"))) == {
        "CF_XDR_LB": "行政相对人类别为“个体工商户”，但统一社会信用代码第1—2位为“91”（企业）"
    }
    assert ok(penalty.validate(penalty_row(CF_XDR_LB="个体工商户", CF_XDR_SHXYM=SOLE_TRADER, CF_FRDB="")))


def test_organisation_category_with_sole_trader_code(penalty: RowValidator) -> None:
    assert reasons(penalty.validate(penalty_row(CF_XDR_SHXYM=SOLE_TRADER))) == {
        "CF_XDR_LB": "行政相对人类别为“法人及非法人组织”，但统一社会信用代码第1—2位为“92”（个体工商户）"
    }


def test_natural_person_with_uscc(penalty: RowValidator) -> None:
    row = penalty_row(CF_XDR_MC="李四", CF_XDR_LB="自然人", CF_FRDB="", CF_XDR_ZJLX="身份证", CF_XDR_ZJHM=PERSON_ID)
    assert reasons(penalty.validate(row)) == {"CF_XDR_LB": "行政相对人类别为“自然人”时不应填写统一社会信用代码"}


# --------------------------------------------------------------------------------------------------
# Identity numbers (personal information)
# --------------------------------------------------------------------------------------------------


def test_personal_id_error_does_not_leak_the_number(penalty: RowValidator) -> None:
    wrong = PERSON_ID[:-1] + "8"
    (error,) = errs(penalty.validate(penalty_row(CF_FR_ZJHM=wrong)))
    assert error.field == "CF_FR_ZJHM"
    assert error.value == "2303**********1238"
    assert error.reason == "身份证号码无效：第18位校验码错误：应为“9”，实际为“8”"
    assert wrong not in repr(error)


def test_personal_id_error_reason_hides_birth_date(penalty: RowValidator) -> None:
    first17 = "23038220000230123"  # 30 February
    number = first17 + resident_id_check_char(first17)
    (error,) = errs(penalty.validate(penalty_row(CF_FR_ZJHM=number)))
    assert error.reason == "身份证号码无效：第7—14位出生日期不是有效日期"
    assert "20000230" not in error.value + error.reason
    (short,) = errs(penalty.validate(penalty_row(CF_FR_ZJHM="2303821")))
    assert short.value == "*******"
    assert short.reason == "身份证号码无效：长度应为18位，实际为7位"


def test_resident_id_warning_goes_to_row_warnings(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(CF_FR_ZJHM=LATE_REGISTERED_ID)))
    assert row.values["CF_FR_ZJHM"] == LATE_REGISTERED_ID
    assert row.warnings == [
        "法定代表人证件号码：行政区划代码230382（密山市）在出生年份1990年尚未启用，可能为迟报户口，请核实"
    ]


def test_id_without_type_checked_as_resident_id_when_it_looks_like_one(penalty: RowValidator) -> None:
    assert ok(penalty.validate(penalty_row(CF_FR_ZJLX="", CF_FR_ZJHM=PERSON_ID)))
    assert reasons(penalty.validate(penalty_row(CF_FR_ZJLX="", CF_FR_ZJHM=PERSON_ID[:-1] + "X"))) == {
        "CF_FR_ZJHM": "身份证号码无效：第18位校验码错误：应为“9”，实际为“X”"
    }


def test_other_id_types(penalty: RowValidator) -> None:
    row = ok(penalty.validate(penalty_row(CF_FR_ZJLX="护照", CF_FR_ZJHM="e1234567-8")))
    assert row.values["CF_FR_ZJHM"] == "E1234567-8"
    (error,) = errs(penalty.validate(penalty_row(CF_FR_ZJLX="护照", CF_FR_ZJHM="E12#")))
    assert error.reason == "证件号码格式不正确（应为5—30位英文字母、数字或“-”）"
    assert error.value == "****"


# --------------------------------------------------------------------------------------------------
# Integers (no shipped item uses them yet)
# --------------------------------------------------------------------------------------------------


def test_integer_field() -> None:
    item = ItemSpec.model_validate(
        {
            **LICENSE.model_dump(mode="json", by_alias=True, exclude={"fields"}),
            "fields": [
                *(f.model_dump(mode="json", by_alias=True, exclude_defaults=True) for f in LICENSE.fields),
                {"code": "XK_SL", "name": "数量", "type": "integer"},
            ],
        }
    )
    validator = RowValidator(item, today=TODAY)
    assert ok(validator.validate(license_row(XK_SL="-12"))).values["XK_SL"] == -12
    assert ok(validator.validate(license_row(XK_SL="１２"))).values["XK_SL"] == 12
    assert reasons(validator.validate(license_row(XK_SL="12.5"))) == {"XK_SL": "应为整数"}


# --------------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------------


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_header_map_by_code_name_lower_case_and_unprefixed_code(penalty: RowValidator) -> None:
    required = [f.code for f in PENALTY.fields if f.required and f.code not in ("CF_WSH", "CF_XDR_MC", "CF_NR_FK")]
    headers = ["cf_wsh", "XDR_MC", "罚款金额(万元)", " 行政处罚决定书文号 ", "", *required]
    mapping, errors = penalty.header_map(headers)
    assert mapping[0] == "CF_WSH"
    assert mapping[1] == "CF_XDR_MC"
    assert mapping[2] == "CF_NR_FK"
    assert 4 not in mapping  # empty header cells are ignored
    assert errors == [
        FieldError(
            "",
            "表头",
            "行政处罚决定书文号",
            "第D列表头“行政处罚决定书文号”与第A列表头“cf_wsh”对应同一字段：CF_WSH 行政处罚决定书文号",
        )
    ]
    assert 3 not in mapping


def test_header_map_chinese_names(licence: RowValidator) -> None:
    mapping, errors = licence.header_map([f.name for f in LICENSE.fields])
    assert errors == []
    assert list(mapping.values()) == [f.code for f in LICENSE.fields]


def test_header_map_unknown_and_missing_columns(penalty: RowValidator) -> None:
    headers = [f.code for f in PENALTY.fields if f.code != "CF_WSH"] + ["XK_WSH"]
    _, errors = penalty.header_map(headers)
    letter = column_letter(len(headers) - 1)
    assert letter == "AD"
    assert [e.reason for e in errors] == [
        "第AD列表头“XK_WSH”不是“行政处罚信息”的字段（可用字段代码或中文名称）",
        "缺少必填字段列：CF_WSH 行政处罚决定书文号",
    ]
    assert all(e.field == "" for e in errors)


def test_header_map_does_not_require_conditional_columns(penalty: RowValidator) -> None:
    required = [f.code for f in PENALTY.fields if f.required]
    mapping, errors = penalty.header_map(required)
    assert errors == [] and len(mapping) == len(required)


# --------------------------------------------------------------------------------------------------
# JSON API
# --------------------------------------------------------------------------------------------------


def test_validate_json_numbers_names_and_lists(penalty: RowValidator) -> None:
    record: dict[str, Any] = {k: v for k, v in penalty_row().items() if v}
    record["CF_NR_FK"] = 0.2
    record["CF_CFLB"] = ["罚款", "警告"]
    record["行政处罚决定书文号"] = record.pop("CF_WSH")
    record["XDR_MC"] = record.pop("CF_XDR_MC")
    row = ok(penalty.validate_json(record))
    assert row.values["CF_NR_FK"] == Decimal("0.2")
    assert row.values["CF_CFLB"] == ["警告", "罚款"]
    assert row.values["CF_WSH"] == "密市监罚〔2026〕12号"
    assert row.values["CF_XDR_MC"] == "密山市兴隆商贸有限公司"


@pytest.mark.parametrize(("number", "expected"), [(1e-05, Decimal("0.00001")), (3.0, Decimal("3")), (12, Decimal(12))])
def test_validate_json_number_conversion(penalty: RowValidator, number: float, expected: Decimal) -> None:
    assert ok(penalty.validate_json({**penalty_row(), "CF_NR_FK": number})).values["CF_NR_FK"] == expected


def test_validate_json_excel_serial_number_as_date(penalty: RowValidator) -> None:
    assert ok(penalty.validate_json({**penalty_row(), "CF_JDRQ": 45292})).values["CF_JDRQ"] == date(2024, 1, 1)


def test_validate_json_unknown_key_and_bad_types(penalty: RowValidator) -> None:
    result = errs(penalty.validate_json({**penalty_row(), "CF_XXX": "1", "CF_WSH": {"a": 1}}))
    assert [(e.field, e.reason) for e in result] == [
        ("CF_WSH", "应为字符串或数字，实际为对象"),
        ("", "未知字段：“CF_XXX”不是“行政处罚信息”的字段（可用字段代码或中文名称）"),
    ]


def test_validate_json_same_field_twice(penalty: RowValidator) -> None:
    result = errs(penalty.validate_json({**penalty_row(), "行政处罚决定书文号": "另一个文号"}))
    assert [e.reason for e in result] == ["字段“行政处罚决定书文号”与“CF_WSH”重复，都对应CF_WSH 行政处罚决定书文号"]
