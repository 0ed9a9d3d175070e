"""Chinese identifiers: Unified Social Credit Codes, resident identity numbers and commitment codes.

Unified Social Credit Code (统一社会信用代码, GB 32100-2015)
    18 characters: registering authority (1), entity type (1), GB/T 2260 administrative division (6),
    GB 11714 organisation code (9, its own check character at position 17) and a GB 32100 check
    character (position 18).  Both check characters are verified.  ``stdnum.cn.uscc`` is deliberately
    not used: it rejects the valid authority letters ``A``, ``N`` and ``Y`` (and any letter in positions
    1-8) and does not verify the organisation-code check character at position 17.  An unknown
    (authority, entity type) pair is accepted with a warning because the published list is incomplete.

Resident identity number (公民身份号码, GB 11643)
    18 characters: division (6), birth date YYYYMMDD (8), sequence (3, odd = male, even = female) and a
    check character.  Checksum, date arithmetic and the division table come from ``python-stdnum``.

    Division policy: ``stdnum.cn.ric.get_birth_place`` rejects a division code that was not in force in
    the birth *year*.  A number is however assigned with the code in force when it is *assigned*, which
    can be years after birth (late household registration, 迟报户口), and codes of abolished divisions
    stay on issued cards.  Therefore a code that never appears in stdnum's division table is an error,
    while a code that appears but was not in force in the birth year is accepted with a warning asking
    the user to verify it.  Wrong length, non-digits, a wrong check character, an impossible birth date,
    a birth date before 1850 or after ``today`` are errors; 15-digit (first generation) numbers are
    rejected with a request to convert them to 18 digits.

Commitment code (承诺编码)
    20 digits: division (6) + date YYYYMMDD (8, a real date) + serial (6).

Input is normalised before validation (see :func:`normalize_code`).  Every message a user may see is in
Simplified Chinese.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from xinyong.core.clock import get_clock

__all__ = [
    "USCC_AUTHORITIES",
    "USCC_CHARSET",
    "USCC_ENTITY_TYPES",
    "CodeCheck",
    "InvalidIdentifier",
    "ResidentId",
    "check_code",
    "check_resident_id",
    "check_uscc",
    "describe_uscc",
    "make_commitment_code",
    "make_uscc",
    "mask_id_number",
    "mask_name",
    "normalize_code",
    "org_code_check_char",
    "resident_id_check_char",
    "uscc_check_char",
    "validate_commitment_code",
    "validate_resident_id",
    "validate_uscc",
]

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_USCC_FORBIDDEN_LETTERS = "IOSVZ"
_DIGITS = frozenset("0123456789")

_USCC_VALUE: dict[str, int] = {c: i for i, c in enumerate(USCC_CHARSET)}
_ORG_VALUE: dict[str, int] = {c: i for i, c in enumerate(_ORG_ALPHABET)}
# Per-position lookup tables (character -> value x weight): the hot path of make_uscc does one dict
# lookup per character and no multiplication.
_USCC_TERMS: tuple[dict[str, int], ...] = tuple({c: v * w for c, v in _USCC_VALUE.items()} for w in _USCC_WEIGHTS)
_ORG_TERMS_USCC: tuple[dict[str, int], ...] = tuple({c: _ORG_VALUE[c] * w for c in USCC_CHARSET} for w in _ORG_WEIGHTS)
_ORG_TERMS_ANY: tuple[dict[str, int], ...] = tuple({c: v * w for c, v in _ORG_VALUE.items()} for w in _ORG_WEIGHTS)
# Index: weighted sum mod 11 (or mod 31) -> check character.
_ORG_CHECK_BY_REMAINDER: tuple[str, ...] = tuple({10: "X", 11: "0"}.get(11 - r, str(11 - r)) for r in range(11))
_USCC_CHECK_BY_REMAINDER: tuple[str, ...] = tuple(USCC_CHARSET[(31 - r) % 31] for r in range(31))

USCC_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监管",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}

USCC_ENTITY_TYPES: dict[tuple[str, str], str] = {
    ("1", "1"): "机关",
    ("1", "2"): "事业单位",
    ("1", "3"): "中央编办直接管理机构编制的群众团体",
    ("1", "9"): "其他",
    ("5", "1"): "社会团体",
    ("5", "2"): "民办非企业单位",
    ("5", "3"): "基金会",
    ("5", "9"): "其他",
    ("9", "1"): "企业",
    ("9", "2"): "个体工商户",
    ("9", "3"): "农民专业合作社",
    ("N", "1"): "组级集体经济组织",
    ("N", "2"): "村级集体经济组织",
    ("N", "3"): "乡镇级集体经济组织",
    ("N", "9"): "其他",
    ("Y", "1"): "其他",
}

# Characters removed by normalisation: ASCII space, tab, ideographic space, hyphens and dashes.
_SEPARATORS = frozenset(" \t\u00a0\u3000-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d")
_EDGE_WHITESPACE = " \t\r\n\u00a0\u3000"

_RIC_MIN_BIRTH_YEAR = 1850
_RESIDENCE_PERMIT_DIVISIONS = {"810000": "香港居民居住证", "820000": "澳门居民居住证", "830000": "台湾居民居住证"}
_GENERIC_PREFECTURE_NAMES = frozenset({"市辖区", "省直辖县级行政单位", "自治区直辖县级行政单位", "县", "市区"})


class InvalidIdentifier(ValueError):
    """An identifier failed validation; ``reason`` is the Chinese explanation."""

    def __init__(self, reason: str, *, position: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking one identifier."""

    raw: str
    code: str
    ok: bool
    reason: str | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ResidentId:
    """A validated resident identity number and what it encodes."""

    number: str
    birth_date: date
    gender: str
    division: str
    place: str
    warnings: tuple[str, ...]


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------


def _show_char(ch: str) -> str:
    """Quote a character for a message, spelling out invisible ones as a code point."""
    if ch.isprintable() and not ch.isspace():
        return f"“{ch}”"
    return f"U+{ord(ch):04X}（不可见字符）"


def _positions_text(positions: list[int]) -> str:
    """Render sorted 1-based positions compactly: [1, 2, 3, 7] -> '第1—3、7位'."""
    parts: list[str] = []
    start = prev = positions[0]
    for p in [*positions[1:], -1]:
        if p == prev + 1:
            prev = p
            continue
        parts.append(str(start) if start == prev else f"{start}—{prev}")
        start = prev = p
    return f"第{'、'.join(parts)}位"


def normalize_code(raw: str) -> tuple[str, tuple[str, ...]]:
    """Strip separators, convert full-width characters (with a warning) and upper-case an identifier."""
    if raw.isascii() and raw.isalnum():  # the common case, fast: nothing to strip or convert
        return raw.upper(), ()
    out: list[str] = []
    full_width: list[int] = []
    for ch in raw.strip(_EDGE_WHITESPACE):
        if ch in _SEPARATORS:
            continue
        o = ord(ch)
        if o < 0x80:
            out.append(ch)
        elif 0xFF01 <= o <= 0xFF5E:
            out.append(chr(o - 0xFEE0))
            full_width.append(len(out))
        else:
            pos = len(out) + 1
            raise InvalidIdentifier(f"第{pos}位字符{_show_char(ch)}不合法（只能使用数字和英文字母）", position=pos)
    warnings: tuple[str, ...] = ()
    if full_width:
        warnings = (f"{_positions_text(full_width)}为全角字符，已自动转换为半角，请核对",)
    return "".join(out).upper(), warnings


# --------------------------------------------------------------------------------------------------
# Unified Social Credit Code
# --------------------------------------------------------------------------------------------------


def uscc_check_char(first17: str) -> str:
    """Compute the GB 32100 check character (position 18) from the first 17 characters."""
    if len(first17) != 17:
        raise InvalidIdentifier(f"计算校验码需要前17位，实际为{len(first17)}位")
    total = 0
    for i, (ch, terms) in enumerate(zip(first17, _USCC_TERMS, strict=True)):
        try:
            total += terms[ch]
        except KeyError:
            raise InvalidIdentifier(_bad_uscc_char_reason(i + 1, ch), position=i + 1) from None
    return _USCC_CHECK_BY_REMAINDER[total % 31]


def org_code_check_char(first8: str) -> str:
    """Compute the GB 11714 organisation-code check character from its first 8 characters."""
    if len(first8) != 8:
        raise InvalidIdentifier(f"组织机构代码本体应为8位，实际为{len(first8)}位")
    total = 0
    for i, (ch, terms) in enumerate(zip(first8, _ORG_TERMS_ANY, strict=True)):
        try:
            total += terms[ch]
        except KeyError:
            raise InvalidIdentifier(
                f"组织机构代码第{i + 1}位字符{_show_char(ch)}不合法（只能使用数字和大写英文字母）",
                position=i + 1,
            ) from None
    return _ORG_CHECK_BY_REMAINDER[total % 11]


def _bad_uscc_char_reason(pos: int, ch: str) -> str:
    """Explain why a character is not in the USCC character set."""
    if ch in _USCC_FORBIDDEN_LETTERS:
        return f"第{pos}位字符{_show_char(ch)}不合法（统一社会信用代码不使用I、O、S、V、Z）"
    return f"第{pos}位字符{_show_char(ch)}不合法（统一社会信用代码只能由数字和除I、O、S、V、Z以外的大写英文字母组成）"


def make_uscc(authority: str, entity_type: str, division: str, org_body8: str) -> str:
    """Build a valid USCC from its parts, computing both check characters."""
    if authority not in USCC_AUTHORITIES:
        raise InvalidIdentifier(f"登记管理部门代码“{authority}”不存在")
    total = _USCC_TERMS[0][authority]
    try:
        total += _USCC_TERMS[1][entity_type]
    except KeyError:
        raise InvalidIdentifier(f"机构类别代码“{entity_type}”不合法（应为统一社会信用代码字符集中的1个字符）") from None
    if len(division) != 6 or not (division.isascii() and division.isdigit()):
        raise InvalidIdentifier(f"行政区划码“{division}”应为6位数字")
    if len(org_body8) != 8:
        raise InvalidIdentifier(f"组织机构代码本体“{org_body8}”应为8位，实际为{len(org_body8)}位")
    t = _USCC_TERMS
    o = _ORG_TERMS_USCC
    try:
        org_sum = (
            o[0][org_body8[0]]
            + o[1][org_body8[1]]
            + o[2][org_body8[2]]
            + o[3][org_body8[3]]
            + o[4][org_body8[4]]
            + o[5][org_body8[5]]
            + o[6][org_body8[6]]
            + o[7][org_body8[7]]
        )
        total += (
            t[8][org_body8[0]]
            + t[9][org_body8[1]]
            + t[10][org_body8[2]]
            + t[11][org_body8[3]]
            + t[12][org_body8[4]]
            + t[13][org_body8[5]]
            + t[14][org_body8[6]]
            + t[15][org_body8[7]]
        )
    except KeyError:
        raise InvalidIdentifier(
            f"组织机构代码本体“{org_body8}”含有不合法字符（只能使用数字和除I、O、S、V、Z以外的大写英文字母）"
        ) from None
    total += (
        t[2][division[0]]
        + t[3][division[1]]
        + t[4][division[2]]
        + t[5][division[3]]
        + t[6][division[4]]
        + t[7][division[5]]
    )
    org_check = _ORG_CHECK_BY_REMAINDER[org_sum % 11]
    total += t[16][org_check]
    return f"{authority}{entity_type}{division}{org_body8}{org_check}{_USCC_CHECK_BY_REMAINDER[total % 31]}"


def _uscc_failure(code: str) -> tuple[str, int | None] | None:
    """Return (reason, position) of the first problem of a normalised code, or None if it is valid."""
    if not code:
        return "代码为空", None
    if len(code) != 18:
        return f"长度应为18位，实际为{len(code)}位", None
    for i, ch in enumerate(code):
        if ch not in _USCC_VALUE:
            return _bad_uscc_char_reason(i + 1, ch), i + 1
    if code[0] not in USCC_AUTHORITIES:
        return f"第1位登记管理部门代码“{code[0]}”不存在", 1
    division = code[2:8]
    if not all(c in _DIGITS for c in division):
        return f"第3—8位行政区划码“{division}”应为6位数字", 3
    org_expected = org_code_check_char(code[8:16])
    if code[16] != org_expected:
        return f"第17位组织机构代码校验位错误：应为“{org_expected}”，实际为“{code[16]}”", 17
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"第18位校验码错误：应为“{expected}”，实际为“{code[17]}”", 18
    return None


def _entity_type_warning(code: str) -> str | None:
    """Warn when the (authority, entity type) pair of a valid code is not in the known list."""
    if (code[0], code[1]) in USCC_ENTITY_TYPES:
        return None
    return f"第2位机构类别代码“{code[1]}”不在登记管理部门“{USCC_AUTHORITIES[code[0]]}”的已知类别中，请核实"


def check_uscc(raw: str) -> CodeCheck:
    """Check a Unified Social Credit Code and report the first problem and any warnings."""
    try:
        code, warnings = normalize_code(raw)
    except InvalidIdentifier as exc:
        return CodeCheck(raw=raw, code=raw.strip(_EDGE_WHITESPACE), ok=False, reason=exc.reason, warnings=())
    failure = _uscc_failure(code)
    if failure is not None:
        return CodeCheck(raw=raw, code=code, ok=False, reason=failure[0], warnings=warnings)
    extra = _entity_type_warning(code)
    if extra is not None:
        warnings = (*warnings, extra)
    return CodeCheck(raw=raw, code=code, ok=True, reason=None, warnings=warnings)


def validate_uscc(raw: str) -> str:
    """Return the normalised Unified Social Credit Code or raise InvalidIdentifier."""
    code, _ = normalize_code(raw)
    failure = _uscc_failure(code)
    if failure is not None:
        raise InvalidIdentifier(failure[0], position=failure[1])
    return code


def describe_uscc(code: str) -> dict[str, str]:
    """Decode the authority, entity type and division of a (validated) Unified Social Credit Code."""
    code = validate_uscc(code)
    return {
        "authority": code[0],
        "authority_name": USCC_AUTHORITIES[code[0]],
        "entity_type": code[1],
        "entity_type_name": USCC_ENTITY_TYPES.get((code[0], code[1]), ""),
        "division": code[2:8],
    }


def check_code(raw: str) -> CodeCheck:
    """Check a code entered by a user (the CLI ``check-code``): Unified Social Credit Code validation."""
    return check_uscc(raw)


# --------------------------------------------------------------------------------------------------
# Resident identity number
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DivisionName:
    """One name a division code carried, with its first and last year of use (None = open)."""

    name: str
    start: int | None
    end: int | None

    def in_force(self, year: int) -> bool:
        """Whether the name was in use in the given year."""
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)


@functools.lru_cache(maxsize=4096)
def _division_names(code: str) -> tuple[tuple[str, ...], tuple[_DivisionName, ...]]:
    """Province names and county-level names (with years) for a 6-digit code; empty names if unknown."""
    results = numdb.get("cn/loc").info(code)
    props = {k: v for _, part in results for k, v in part.items()}
    county = props.get("county")
    if not county:
        return (), ()
    names: list[_DivisionName] = []
    for item in county.split(","):
        if item.startswith("[") and "]" in item:
            span, name = item[1:].split("]", 1)
            start, _, end = span.partition("-")
            names.append(_DivisionName(name, int(start) if start else None, int(end) if end else None))
        else:
            names.append(_DivisionName(item, None, None))
    province = props.get("province", "")
    return ((province,) if province else ()), tuple(names)


def _name_for_year(names: tuple[_DivisionName, ...], year: int) -> tuple[_DivisionName, bool]:
    """Pick the name in force in ``year`` (True), else the nearest later, else the latest earlier (False)."""
    for n in names:
        if n.in_force(year):
            return n, True
    later = [n for n in names if n.start is not None and n.start > year]
    if later:
        return min(later, key=lambda n: n.start or 0), False
    return max(names, key=lambda n: n.end or 0), False


def _place(division: str, year: int) -> str:
    """Human-readable place (province, prefecture, county) of a known division code."""
    parts: list[str] = []
    levels = [division[:2] + "0000"]
    if division[2:4] != "00":
        if division[4:6] != "00":
            levels.append(division[:4] + "00")
        levels.append(division)
    for level in levels:
        _, names = _division_names(level)
        if not names:
            continue
        name = _name_for_year(names, year)[0].name
        if level != division and name in _GENERIC_PREFECTURE_NAMES:
            continue
        if not parts or parts[-1] != name:
            parts.append(name)
    return "".join(parts)


def resident_id_check_char(first17: str) -> str:
    """Compute the GB 11643 check character of a resident identity number from its first 17 digits."""
    if len(first17) != 17 or not all(c in _DIGITS for c in first17):
        raise InvalidIdentifier("计算校验码需要前17位数字")
    return ric.calc_check_digit(first17 + "0")


def _fmt_date(d: date) -> str:
    """Format a date the Chinese way."""
    return f"{d.year}年{d.month}月{d.day}日"


def _validate_normalised_resident_id(number: str, warnings: tuple[str, ...], today: date | None) -> ResidentId:
    """Validate a normalised resident identity number, raising InvalidIdentifier on the first problem."""
    if not number:
        raise InvalidIdentifier("公民身份号码为空")
    if len(number) == 15 and all(c in _DIGITS for c in number):
        raise InvalidIdentifier("15位旧身份证号码，请换算为18位后提交")
    if len(number) != 18:
        raise InvalidIdentifier(f"长度应为18位，实际为{len(number)}位")
    for i, ch in enumerate(number[:17]):
        if ch not in _DIGITS:
            raise InvalidIdentifier(
                f"第{i + 1}位字符{_show_char(ch)}不合法（公民身份号码前17位应为数字）", position=i + 1
            )
    if number[17] not in _DIGITS and number[17] != "X":
        raise InvalidIdentifier(f"第18位字符{_show_char(number[17])}不合法（校验码应为数字或X）", position=18)
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise InvalidIdentifier(f"第18位校验码错误：应为“{expected}”，实际为“{number[17]}”", position=18)
    digits = number[6:14]
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        raise InvalidIdentifier(f"第7—14位出生日期“{digits}”不是有效日期", position=7) from None
    if birth.year < _RIC_MIN_BIRTH_YEAR:
        raise InvalidIdentifier(f"第7—14位出生日期“{digits}”早于{_RIC_MIN_BIRTH_YEAR}年，不合理", position=7)
    today = today if today is not None else get_clock().today()
    if birth > today:
        raise InvalidIdentifier(f"第7—14位出生日期“{digits}”晚于当前日期{_fmt_date(today)}", position=7)
    division = number[:6]
    if division in _RESIDENCE_PERMIT_DIVISIONS:
        # 港澳台居民居住证 numbers (since 2018) use these codes; they are not GB/T 2260 divisions in stdnum's data.
        return ResidentId(
            number=number,
            birth_date=birth,
            gender="男" if int(number[16]) % 2 else "女",
            division=division,
            place=_RESIDENCE_PERMIT_DIVISIONS[division],
            warnings=warnings,
        )
    _, names = _division_names(division)
    if not names:
        raise InvalidIdentifier(f"第1—6位行政区划代码“{division}”不存在", position=1)
    chosen, in_force = _name_for_year(names, birth.year)
    if not in_force:
        if chosen.start is not None and chosen.start > birth.year:
            note = f"行政区划代码{division}（{chosen.name}）在出生年份{birth.year}年尚未启用，可能为迟报户口，请核实"
        else:
            note = (
                f"行政区划代码{division}（{chosen.name}）自{(chosen.end or 0) + 1}年起已停止使用，"
                f"与出生年份{birth.year}年不符，请核实"
            )
        warnings = (*warnings, note)
    return ResidentId(
        number=number,
        birth_date=birth,
        gender="男" if int(number[16]) % 2 else "女",
        division=division,
        place=_place(division, birth.year),
        warnings=warnings,
    )


def validate_resident_id(raw: str, *, today: date | None = None) -> ResidentId:
    """Validate a resident identity number (today defaults to the China-time clock date)."""
    number, warnings = normalize_code(raw)
    return _validate_normalised_resident_id(number, warnings, today)


def check_resident_id(raw: str, *, today: date | None = None) -> CodeCheck:
    """Check a resident identity number and report the first problem and any warnings."""
    try:
        number, warnings = normalize_code(raw)
    except InvalidIdentifier as exc:
        return CodeCheck(raw=raw, code=raw.strip(_EDGE_WHITESPACE), ok=False, reason=exc.reason, warnings=())
    try:
        result = _validate_normalised_resident_id(number, warnings, today)
    except InvalidIdentifier as exc:
        return CodeCheck(raw=raw, code=number, ok=False, reason=exc.reason, warnings=warnings)
    return CodeCheck(raw=raw, code=number, ok=True, reason=None, warnings=result.warnings)


def mask_id_number(number: str) -> str:
    """Mask an identity number for display, keeping the first 4 and last 4 characters."""
    number = number.strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# An 18-character run of 17 digits and a check character, not part of a longer run of letters or digits.
_RESIDENT_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")


def _is_resident_id(candidate: str) -> bool:
    """Whether 18 characters are a resident identity number: GB 11643 check character and a real birth date."""
    number = candidate.upper()
    if ric.calc_check_digit(number) != number[17]:
        return False
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return False
    return True


def find_resident_ids(text: str) -> list[str]:
    """The resident identity numbers written in a free text (valid check character and birth date)."""
    if len(text) < 18:
        return []
    return [m.group() for m in _RESIDENT_ID_IN_TEXT.finditer(text) if _is_resident_id(m.group())]


def mask_resident_ids(text: str) -> str:
    """A free text with every resident identity number in it masked like the structured fields (``mask_id_number``)."""
    if len(text) < 18:
        return text
    return _RESIDENT_ID_IN_TEXT.sub(
        lambda m: mask_id_number(m.group()) if _is_resident_id(m.group()) else m.group(), text
    )


def mask_name(name: str) -> str:
    """Mask a person's name for display, keeping only the first character."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


# --------------------------------------------------------------------------------------------------
# Commitment code
# --------------------------------------------------------------------------------------------------


def make_commitment_code(division: str, on: date, serial: int) -> str:
    """Build a commitment code: 6-digit division, date YYYYMMDD and a 6-digit serial."""
    if len(division) != 6 or not all(c in _DIGITS for c in division):
        raise InvalidIdentifier(f"行政区划代码“{division}”应为6位数字")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial <= 999_999:
        raise InvalidIdentifier(f"序号{serial}超出范围（应为0至999999之间的整数）")
    if on.year < 1000:
        raise InvalidIdentifier(f"日期{on.isoformat()}不合理")
    return f"{division}{on.year:04d}{on.month:02d}{on.day:02d}{serial:06d}"


def validate_commitment_code(raw: str) -> str:
    """Return the normalised commitment code or raise InvalidIdentifier."""
    code, _ = normalize_code(raw)
    if not code:
        raise InvalidIdentifier("承诺编码为空")
    if len(code) != 20:
        raise InvalidIdentifier(f"承诺编码长度应为20位，实际为{len(code)}位")
    for i, ch in enumerate(code):
        if ch not in _DIGITS:
            raise InvalidIdentifier(f"第{i + 1}位字符{_show_char(ch)}不合法（承诺编码应全部为数字）", position=i + 1)
    digits = code[6:14]
    try:
        on = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidIdentifier(f"第7—14位日期“{digits}”不是有效日期", position=7) from None
    if on.year < 1000:
        raise InvalidIdentifier(f"第7—14位日期“{digits}”不合理", position=7)
    return code
