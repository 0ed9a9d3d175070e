"""Chinese identifiers: USCC (GB 32100 + GB 11714), resident numbers (GB 11643), commitment codes."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import uscc as stdnum_uscc

from xinyong.core.identifiers import (
    USCC_CHARSET,
    CodeCheck,
    InvalidIdentifier,
    check_code,
    check_resident_id,
    check_uscc,
    describe_uscc,
    make_commitment_code,
    make_uscc,
    mask_id_number,
    mask_name,
    normalize_code,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
    validate_commitment_code,
    validate_resident_id,
    validate_uscc,
)

VALID_USCC = [
    "91110000600037341L",
    "91350100M000100Y43",
    "91230500MA1B3N1N2M",
    "11230500001755309F",
    "9144030071526726XG",
]
TODAY = date(2026, 3, 15)


# Independent reference implementations, written from the standards' text, so the module is not
# checked against itself.
def ref_uscc_check(first17: str) -> str:
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def ref_org_check(first8: str) -> str:
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w for c, w in zip(first8, weights, strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def ref_ric_check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def ric(first17: str) -> str:
    """A resident number with a correct check character (computed by the reference)."""
    return first17 + ref_ric_check(first17)


# --------------------------------------------------------------------------------------------------
# USCC: valid examples
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_examples_pass_both_check_characters(code: str) -> None:
    assert ref_org_check(code[8:16]) == code[16], "example fails the GB 11714 check at position 17"
    assert ref_uscc_check(code[:17]) == code[17], "example fails the GB 32100 check at position 18"
    assert org_code_check_char(code[8:16]) == code[16]
    assert uscc_check_char(code[:17]) == code[17]
    assert validate_uscc(code) == code
    result = check_uscc(code)
    assert result == CodeCheck(raw=code, code=code, ok=True, reason=None, warnings=())


@pytest.mark.parametrize("code", VALID_USCC)
def test_make_uscc_rebuilds_the_examples(code: str) -> None:
    assert make_uscc(code[0], code[1], code[2:8], code[8:16]) == code


def test_describe_uscc_enterprise() -> None:
    assert describe_uscc("91110000600037341L") == {
        "authority": "9",
        "authority_name": "市场监管",
        "entity_type": "1",
        "entity_type_name": "企业",
        "division": "110000",
    }


def test_describe_uscc_government_body_and_normalises_input() -> None:
    info = describe_uscc("11230500-0017553 09f")
    assert (info["authority_name"], info["entity_type_name"], info["division"]) == (
        "机构编制",
        "机关",
        "230500",
    )


def test_describe_uscc_rejects_invalid_code() -> None:
    with pytest.raises(InvalidIdentifier):
        describe_uscc("91110000600037341M")


def test_check_code_is_uscc_validation() -> None:
    assert check_code("91110000600037341L").ok
    assert check_code("91110000600037341M") == check_uscc("91110000600037341M")
    assert not check_code("91110000600037341M").ok


# --------------------------------------------------------------------------------------------------
# USCC: every single-character substitution is rejected
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCC)
def test_every_single_substitution_is_rejected(code: str) -> None:
    authority_ok = set("123456789ANY")
    checked = 0
    for i in range(18):
        pos = i + 1
        for ch in USCC_CHARSET:
            if ch == code[i]:
                continue
            mutated = code[:i] + ch + code[i + 1 :]
            result = check_uscc(mutated)
            assert not result.ok, f"{mutated} (position {pos} -> {ch}) was accepted"
            assert result.reason
            with pytest.raises(InvalidIdentifier):
                validate_uscc(mutated)
            checked += 1
            if pos == 1 and ch not in authority_ok:
                assert result.reason == f"第1位登记管理部门代码“{ch}”不存在"
            elif 3 <= pos <= 8 and not ch.isdigit():
                assert result.reason.startswith("第3—8位行政区划码")
            elif pos == 17:
                assert result.reason.startswith("第17位组织机构代码校验位错误")
            elif pos == 18:
                assert result.reason == f"第18位校验码错误：应为“{code[17]}”，实际为“{ch}”"
            elif pos in (1, 2) or 3 <= pos <= 8:
                # Only the position-18 checksum can catch these (position 17 only covers 9-16).
                assert result.reason.startswith("第18位校验码错误")
        for ch in "IOSVZ*.中":
            mutated = code[:i] + ch + code[i + 1 :]
            result = check_uscc(mutated)
            assert not result.ok, f"{mutated} was accepted"
            assert result.reason is not None
            assert result.reason.startswith(f"第{pos}位字符“{ch}”不合法"), result.reason
    assert checked == 18 * 30


@pytest.mark.parametrize("code", VALID_USCC)
def test_lower_case_is_normalised_and_accepted(code: str) -> None:
    assert validate_uscc(code.lower()) == code
    for i in range(18):
        assert check_uscc(code[:i] + code[i].lower() + code[i + 1 :]).ok


# --------------------------------------------------------------------------------------------------
# USCC: letter authorities (A, N, Y) — where stdnum is wrong
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authority", "entity_type", "authority_name", "entity_type_name"),
    [
        ("N", "2", "农业", "村级集体经济组织"),
        ("N", "1", "农业", "组级集体经济组织"),
        ("A", "1", "中央军委改革和编制办公室", ""),
        ("Y", "1", "其他", "其他"),
    ],
)
def test_letter_authorities_are_valid_although_stdnum_rejects_them(
    authority: str, entity_type: str, authority_name: str, entity_type_name: str
) -> None:
    code = make_uscc(authority, entity_type, "230382", "MA1B3N1N")
    assert code[0] == authority
    assert ref_org_check(code[8:16]) == code[16]
    assert ref_uscc_check(code[:17]) == code[17]
    assert validate_uscc(code) == code
    assert check_uscc(code).ok
    info = describe_uscc(code)
    assert info["authority_name"] == authority_name
    assert info["entity_type_name"] == entity_type_name
    # Documented difference: python-stdnum's cn.uscc only allows digits in positions 1-8.
    assert not stdnum_uscc.is_valid(code)


def test_stdnum_does_not_check_position_17_but_we_do() -> None:
    code = "91110000600037341L"
    first17 = code[:16] + "3"
    wrong_org = first17 + ref_uscc_check(first17)
    assert stdnum_uscc.is_valid(wrong_org)
    assert check_uscc(wrong_org).reason == "第17位组织机构代码校验位错误：应为“1”，实际为“3”"


def test_unknown_entity_type_is_accepted_with_warning() -> None:
    code = make_uscc("9", "4", "230382", "MA1B3N1N")
    result = check_uscc(code)
    assert result.ok
    assert result.warnings == ("第2位机构类别代码“4”不在登记管理部门“市场监管”的已知类别中，请核实",)
    assert describe_uscc(code)["entity_type_name"] == ""


def test_known_entity_types_give_no_warning() -> None:
    for authority, entity_type in [("5", "3"), ("9", "2"), ("9", "3"), ("N", "3"), ("1", "9")]:
        assert check_uscc(make_uscc(authority, entity_type, "230382", "MA1B3N1N")).warnings == ()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("B", "1", "230382", "MA1B3N1N"), "登记管理部门代码“B”不存在"),
        (("0", "1", "230382", "MA1B3N1N"), "登记管理部门代码“0”不存在"),
        (("91", "1", "230382", "MA1B3N1N"), "登记管理部门代码“91”不存在"),
        (("9", "I", "230382", "MA1B3N1N"), "机构类别代码“I”不合法"),
        (("9", "", "230382", "MA1B3N1N"), "机构类别代码“”不合法"),
        (("9", "1", "23A382", "MA1B3N1N"), "行政区划码“23A382”应为6位数字"),
        (("9", "1", "2303820", "MA1B3N1N"), "行政区划码“2303820”应为6位数字"),
        (("9", "1", "230382", "MA1B3N1"), "组织机构代码本体“MA1B3N1”应为8位"),
        (("9", "1", "230382", "MA1B3NIN"), "组织机构代码本体“MA1B3NIN”含有不合法字符"),
        (("9", "1", "230382", "ma1b3n1n"), "组织机构代码本体“ma1b3n1n”含有不合法字符"),
    ],
)
def test_make_uscc_rejects_bad_parts(args: tuple[str, str, str, str], message: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        make_uscc(*args)
    assert info.value.reason.startswith(message)


def test_make_uscc_always_produces_valid_codes() -> None:
    bodies = ["00000000", "YYYYYYYY", "MA000001", "12345678", "A0B1C2D3", "X0000009"]
    for body in bodies:
        for division in ["230382", "000000", "999999"]:
            for authority, entity_type in [("9", "1"), ("N", "9"), ("A", "Y"), ("1", "0")]:
                code = make_uscc(authority, entity_type, division, body)
                assert validate_uscc(code) == code
                assert ref_org_check(body) == code[16]
                assert ref_uscc_check(code[:17]) == code[17]


# --------------------------------------------------------------------------------------------------
# USCC: normalisation
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        " 91110000600037341L ",
        "9111 0000 6000 3734 1L",
        "9111-0000-600037341-L",
        "91110000\t600037341L",
        "91110000\u3000600037341L",
        "9111\u20140000\u2013600037341L",
        "91110000\uff0d600037341L\u2212",
        "91110000600037341l",
        "91110000600037341L\n",
    ],
)
def test_separators_and_case_are_normalised_without_warning(raw: str) -> None:
    result = check_uscc(raw)
    assert result.ok, result.reason
    assert result.code == "91110000600037341L"
    assert result.raw == raw
    assert result.warnings == ()


def test_full_width_characters_are_converted_with_a_warning() -> None:
    raw = "９１１１００００６０００３７３４１Ｌ"
    result = check_uscc(raw)
    assert result.ok
    assert result.code == "91110000600037341L"
    assert result.warnings == ("第1—18位为全角字符，已自动转换为半角，请核对",)
    assert normalize_code(raw) == ("91110000600037341L", result.warnings)


def test_partial_full_width_warning_names_the_positions() -> None:
    code, warnings = normalize_code("９1１10000600037341ｌ")
    assert code == "91110000600037341L"
    assert warnings == ("第1、3、18位为全角字符，已自动转换为半角，请核对",)


def test_chinese_character_is_an_error_naming_its_position() -> None:
    result = check_uscc("9111 0000中600037341L")
    assert not result.ok
    assert result.reason == "第9位字符“中”不合法（只能使用数字和英文字母）"
    with pytest.raises(InvalidIdentifier) as info:
        normalize_code("9111 0000中600037341L")
    assert info.value.position == 9


def test_invisible_non_ascii_character_is_an_error_with_code_point() -> None:
    result = check_uscc("9111\u200b0000600037341L")
    assert not result.ok
    assert result.reason == "第5位字符U+200B（不可见字符）不合法（只能使用数字和英文字母）"


def test_non_breaking_space_pasted_from_a_web_page_is_a_separator() -> None:
    assert check_uscc("\u00a09111\u00a00000600037341L\u00a0").ok


def test_residence_permit_numbers_of_hong_kong_macao_taiwan_residents_are_valid() -> None:
    body = "83000019900101002"
    number = body + resident_id_check_char(body)
    rid = validate_resident_id(number)
    assert rid.place == "台湾居民居住证" and rid.warnings == ()


@pytest.mark.parametrize("raw", ["", "   ", " - \u3000"])
def test_empty_input(raw: str) -> None:
    assert check_uscc(raw).reason == "代码为空"


# --------------------------------------------------------------------------------------------------
# USCC: exact messages and check order
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("91110000600037341", "长度应为18位，实际为17位"),
        ("91110000600037341LL", "长度应为18位，实际为19位"),
        ("9111I000600037341", "长度应为18位，实际为17位"),  # length before character set
        ("9111I000600037341L", "第5位字符“I”不合法（统一社会信用代码不使用I、O、S、V、Z）"),
        ("9111000060003734OL", "第17位字符“O”不合法（统一社会信用代码不使用I、O、S、V、Z）"),
        (
            "91110000*00037341L",
            "第9位字符“*”不合法（统一社会信用代码只能由数字和除I、O、S、V、Z以外的大写英文字母组成）",
        ),
        ("B1110000600037341L", "第1位登记管理部门代码“B”不存在"),
        ("B1I10000600037341L", "第3位字符“I”不合法（统一社会信用代码不使用I、O、S、V、Z）"),  # charset first
        ("9123A382600037341L", "第3—8位行政区划码“23A382”应为6位数字"),
        ("B123A382600037341L", "第1位登记管理部门代码“B”不存在"),  # authority before division
        ("91110000600037343L", "第17位组织机构代码校验位错误：应为“1”，实际为“3”"),
        ("9144030071526726X0", "第18位校验码错误：应为“G”，实际为“0”"),
        ("91110000600037341M", "第18位校验码错误：应为“L”，实际为“M”"),
        ("91230500MA1B3N1N2L", "第18位校验码错误：应为“M”，实际为“L”"),
        ("9144030071526726YG", "第17位组织机构代码校验位错误：应为“X”，实际为“Y”"),
    ],
)
def test_exact_rejection_messages(raw: str, reason: str) -> None:
    result = check_uscc(raw)
    assert not result.ok
    assert result.reason == reason
    with pytest.raises(InvalidIdentifier) as info:
        validate_uscc(raw)
    assert info.value.reason == reason
    assert str(info.value) == reason
    assert isinstance(info.value, ValueError)


def test_invalid_identifier_exposes_position() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate_uscc("9111I000600037341L")
    assert info.value.position == 5


def test_check_char_helpers_reject_bad_input() -> None:
    with pytest.raises(InvalidIdentifier):
        uscc_check_char("9111000060003734")
    with pytest.raises(InvalidIdentifier):
        uscc_check_char("9111I00060003734" + "1")
    with pytest.raises(InvalidIdentifier):
        org_code_check_char("6000373")
    with pytest.raises(InvalidIdentifier):
        org_code_check_char("6000373*")


def test_org_code_check_char_special_values() -> None:
    # c = 10 -> X, c = 11 (sum divisible by 11) -> 0.
    assert org_code_check_char("71526726") == "X"
    assert org_code_check_char("00000000") == "0"
    assert ref_org_check("00000000") == "0"


# --------------------------------------------------------------------------------------------------
# Resident identity numbers
# --------------------------------------------------------------------------------------------------


def test_well_known_sample_is_valid() -> None:
    assert ref_ric_check("11010519491231002") == "X"
    assert resident_id_check_char("11010519491231002") == "X"
    rid = validate_resident_id("11010519491231002X", today=TODAY)
    assert rid.number == "11010519491231002X"
    assert rid.birth_date == date(1949, 12, 31)
    assert rid.gender == "女"
    assert rid.division == "110105"
    assert rid.place == "北京市朝阳区"
    assert rid.warnings == ()


def test_mishan_number_born_2000_is_valid() -> None:
    number = ric("23038220000101123")
    rid = validate_resident_id(number, today=TODAY)
    assert rid.birth_date == date(2000, 1, 1)
    assert rid.gender == "男"
    assert rid.division == "230382"
    assert rid.place == "黑龙江省鸡西市密山市"
    assert rid.warnings == ()
    assert check_resident_id(number, today=TODAY) == CodeCheck(
        raw=number, code=number, ok=True, reason=None, warnings=()
    )


def test_resident_id_check_char_matches_reference() -> None:
    for first17 in ["23038220000101123", "11010519491231002", "44030019991231000", "23038219800229456"]:
        assert resident_id_check_char(first17) == ref_ric_check(first17)
    with pytest.raises(InvalidIdentifier):
        resident_id_check_char("2303822000010112")


def test_lower_case_x_is_accepted() -> None:
    assert validate_resident_id("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert validate_resident_id("110105 19491231 002x", today=TODAY).number == "11010519491231002X"


def test_wrong_checksum() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate_resident_id("110105194912310021", today=TODAY)
    assert info.value.reason == "第18位校验码错误：应为“X”，实际为“1”"


def test_every_single_digit_change_is_rejected() -> None:
    number = ric("23038220000101123")
    for i in range(18):
        for ch in "0123456789X":
            if ch == number[i] or (i < 17 and ch == "X"):
                continue
            mutated = number[:i] + ch + number[i + 1 :]
            assert not check_resident_id(mutated, today=TODAY).ok, mutated


def test_impossible_birth_date() -> None:
    number = ric("23038219990230123")
    with pytest.raises(InvalidIdentifier) as info:
        validate_resident_id(number, today=TODAY)
    assert info.value.reason == "第7—14位出生日期“19990230”不是有效日期"


def test_birth_date_in_the_future() -> None:
    tomorrow = ric("23038220260316123")
    with pytest.raises(InvalidIdentifier) as info:
        validate_resident_id(tomorrow, today=TODAY)
    assert info.value.reason == "第7—14位出生日期“20260316”晚于当前日期2026年3月15日"
    assert validate_resident_id(ric("23038220260315123"), today=TODAY).birth_date == TODAY
    # The same number is fine once that day has come.
    assert validate_resident_id(tomorrow, today=date(2026, 3, 16)).birth_date == date(2026, 3, 16)


def test_implausibly_old_birth_date() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate_resident_id(ric("11010510990101123"), today=TODAY)
    assert info.value.reason == "第7—14位出生日期“10990101”早于1850年，不合理"


def test_fifteen_digit_number() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate_resident_id("110105491231002", today=TODAY)
    assert info.value.reason == "15位旧身份证号码，请换算为18位后提交"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "公民身份号码为空"),
        ("1101051949123100", "长度应为18位，实际为16位"),
        ("1101051949123100A2", "第17位字符“A”不合法（公民身份号码前17位应为数字）"),
        ("11010519491231002A", "第18位字符“A”不合法（校验码应为数字或X）"),
        ("110105１9491231002X", None),
    ],
)
def test_resident_id_format_errors(raw: str, reason: str | None) -> None:
    result = check_resident_id(raw, today=TODAY)
    assert result.reason == reason
    assert result.ok is (reason is None)


def test_full_width_resident_id_warns() -> None:
    rid = validate_resident_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY)
    assert rid.number == "11010519491231002X"
    assert rid.warnings == ("第1—18位为全角字符，已自动转换为半角，请核对",)


def test_unknown_division_is_an_error() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate_resident_id(ric("99999920000101123"), today=TODAY)
    assert info.value.reason == "第1—6位行政区划代码“999999”不存在"
    # A valid province with a county part that never existed.
    assert check_resident_id(ric("11999920000101123"), today=TODAY).reason == "第1—6位行政区划代码“119999”不存在"


def test_division_not_yet_in_force_at_birth_is_accepted_with_warning() -> None:
    """Policy: late household registration — the code in force at assignment may post-date birth."""
    number = ric("23038219800101123")
    rid = validate_resident_id(number, today=TODAY)
    assert rid.division == "230382"
    assert rid.birth_date == date(1980, 1, 1)
    assert rid.warnings == ("行政区划代码230382（密山市）在出生年份1980年尚未启用，可能为迟报户口，请核实",)
    result = check_resident_id(number, today=TODAY)
    assert result.ok
    assert result.warnings == rid.warnings
    # python-stdnum would have rejected it outright.
    from stdnum.cn import ric as stdnum_ric

    assert not stdnum_ric.is_valid(number)


def test_division_abolished_before_birth_is_accepted_with_warning() -> None:
    rid = validate_resident_id(ric("11010320150101123"), today=TODAY)
    assert rid.place == "北京市崇文区"
    assert rid.warnings == ("行政区划代码110103（崇文区）自2011年起已停止使用，与出生年份2015年不符，请核实",)


def test_renamed_division_uses_the_name_of_the_birth_year() -> None:
    assert validate_resident_id(ric("13050220250101123"), today=TODAY).place == "河北省邢台市襄都区"
    assert validate_resident_id(ric("13050219900101123"), today=TODAY).place == "河北省邢台市桥东区"


def test_gender_from_seventeenth_digit() -> None:
    assert validate_resident_id(ric("23038220000101121"), today=TODAY).gender == "男"
    assert validate_resident_id(ric("23038220000101120"), today=TODAY).gender == "女"


def test_default_today_accepts_past_birth_date() -> None:
    assert validate_resident_id("11010519491231002X").birth_date == date(1949, 12, 31)


# --------------------------------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------------------------------


def test_mask_id_number() -> None:
    assert mask_id_number("23038220000101123X") == "2303**********123X"
    assert len(mask_id_number("23038220000101123X")) == 18
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("91110000600037341L") == "9111**********341L"
    assert mask_id_number("1234567") == "*******"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("张三", "张*"), ("欧阳娜娜", "欧***"), ("张", "张"), ("", ""), (" 李四 ", "李*")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# --------------------------------------------------------------------------------------------------
# Commitment codes
# --------------------------------------------------------------------------------------------------


def test_make_and_validate_commitment_code() -> None:
    code = make_commitment_code("230382", date(2026, 3, 15), 127)
    assert code == "23038220260315000127"
    assert validate_commitment_code(code) == code
    assert validate_commitment_code("230382-20260315-000127") == code
    assert make_commitment_code("230382", date(2026, 3, 15), 999_999) == "23038220260315999999"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "承诺编码为空"),
        ("2303822026031500012", "承诺编码长度应为20位，实际为19位"),
        ("23038220260315000A27", "第18位字符“A”不合法（承诺编码应全部为数字）"),
        ("23038220260230000127", "第7—14位日期“20260230”不是有效日期"),
        ("23038220261301000127", "第7—14位日期“20261301”不是有效日期"),
        ("23038200000101000127", "第7—14位日期“00000101”不是有效日期"),
    ],
)
def test_invalid_commitment_codes(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        validate_commitment_code(raw)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("division", "serial", "message"),
    [
        ("23038", 1, "行政区划代码“23038”应为6位数字"),
        ("23O382", 1, "行政区划代码“23O382”应为6位数字"),
        ("230382", -1, "序号-1超出范围"),
        ("230382", 1_000_000, "序号1000000超出范围"),
    ],
)
def test_make_commitment_code_rejects_bad_parts(division: str, serial: int, message: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        make_commitment_code(division, date(2026, 3, 15), serial)
    assert info.value.reason.startswith(message)
