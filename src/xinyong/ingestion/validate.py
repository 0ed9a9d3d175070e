"""Row validation of submitted records against their catalogue item.

A :class:`RowValidator` is built once per catalogue item (and reference date) and then validates rows at a
high rate: everything that depends only on the item is precompiled in ``__init__`` (per-field parsers, enum
lookup tables, header aliases, requirement conditions), and the pure, repetitive parts of value parsing
(dates, amounts, Unified Social Credit Codes, resident identity numbers) are memoised, because the same
authority codes and decision dates recur on almost every row of a submission.

Each row is checked in passes: (1) every non-empty field is normalised and parsed on its own; (2) identity
numbers are checked against their ID-type field; (3) required and conditionally required fields
(``required``, ``required_when``, ``alternatives``); (4) ``not_before`` date order; (5) consistency of the
subject category with the Unified Social Credit Code.  All errors of a row are reported, in the item's field
order.  Personal fields (``personal``) are masked in error reports.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from xinyong.catalog.schemas import FieldSpec, ItemSpec
from xinyong.core.identifiers import (
    InvalidIdentifier,
    check_uscc,
    describe_uscc,
    find_resident_ids,
    mask_id_number,
    validate_resident_id,
)

__all__ = ["FieldError", "RowValidator", "ValidRow", "column_letter"]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem of a row (or of a file header); ``field`` is empty for row- or file-level problems."""

    field: str
    name: str
    value: str
    reason: str


ID_IN_TEXT_NOTE = "含有公民身份号码，公示和信用报告中将自动遮蔽；自由文本中请勿填写身份证号码，应填入专门的证件号码字段"


@dataclass(frozen=True, slots=True)
class ValidRow:
    """A row that passed validation: normalised, typed values and notes for the submitter."""

    values: dict[str, Any]
    warnings: list[str]
    id_in_text: list[str] = field(default_factory=list)  # names of free-text fields carrying a resident ID number


# (value, error reason, warning): value is None exactly when reason is set.
_Parsed = tuple[Any, str | None, str | None]

# --------------------------------------------------------------------------------------------------
# Normalisation helpers
# --------------------------------------------------------------------------------------------------

# Stripped from both ends of every value: ASCII whitespace, NBSP, ideographic space, BOM, zero-width space and
# the common typographic spaces that spreadsheet exports carry.
_WS: Final = " \t\r\n\v\f\u00a0\u3000\ufeff\u200b\u2002\u2003\u2009\u202f"
_FULL_WIDTH: Final = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULL_WIDTH_NOTE: Final = "全角字符已自动转换为半角，请核对"
_MAX_SHOWN: Final = 200


def _half_width(s: str) -> tuple[str, str | None]:
    """Convert full-width ASCII characters to half-width; the note is set when anything changed."""
    if s.isascii():
        return s, None
    t = s.translate(_FULL_WIDTH)
    if t == s:
        return s, None
    return t.strip(_WS), _FULL_WIDTH_NOTE


def _shown(raw: str) -> str:
    """The raw value for an error report, truncated to 200 characters."""
    return raw if len(raw) <= _MAX_SHOWN else raw[: _MAX_SHOWN - 1] + "…"


def _quoted(items: list[str]) -> str:
    """Quote and join values the Chinese way: “A”、“B”."""
    return "、".join(f"“{x}”" for x in items)


def column_letter(index: int) -> str:
    """The spreadsheet column letter (A, B, …, Z, AA, …) of a 0-based column index."""
    n = index + 1
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _header_key(text: str) -> str:
    """Normalise a header cell or JSON key for matching: NFKC, no whitespace, no '*' marks, upper case."""
    s = unicodedata.normalize("NFKC", text.replace("\ufeff", "").replace("\u200b", ""))
    return "".join(s.split()).strip("*").upper()


# --------------------------------------------------------------------------------------------------
# Memoised value parsers (pure functions of the stripped string)
# --------------------------------------------------------------------------------------------------

_DATE_SEP_RE: Final = re.compile(
    r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:(?:\s+|T)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d{1,6})?)?)?", re.ASCII
)
_DATE_CN_RE: Final = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", re.ASCII)
_DATE_COMPACT_RE: Final = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_EXCEL_SERIAL_RE: Final = re.compile(r"(\d{5})(?:\.\d+)?", re.ASCII)
_EXCEL_EPOCH: Final = date(1899, 12, 30)  # serial 61 = 1900-03-01 (Excel's 1900 system, past its fictitious 02-29)
_EXCEL_MIN, _EXCEL_MAX = 20000, 80000  # 1954-10-03 … 2119-01-10: the realistic range of 5-digit serials
_MIN_YEAR: Final = 1949
_DATE_FORMAT_REASON: Final = "日期格式无法识别，应为YYYY-MM-DD"
_LONG_TERM_WORDS: Final = frozenset({"长期", "长期有效", "永久", "永久有效"})


def _make_date(shown: str, y: int, m: int, d: int, note: str | None) -> _Parsed:
    """Build a date from its parts, rejecting implausible years and impossible dates."""
    if y < _MIN_YEAR:
        return None, f"年份不合理：{y}年早于{_MIN_YEAR}年", None
    try:
        return date(y, m, d), None, note
    except ValueError:
        return None, f"日期“{shown}”不存在", None


@functools.lru_cache(maxsize=65536)
def _parse_date(raw: str) -> _Parsed:
    """Parse a date in any accepted layout (see module rules); the result does not depend on today."""
    s, note = _half_width(raw)
    m = _DATE_SEP_RE.fullmatch(s)
    if m is not None:
        if m.group(5) is not None:
            hh, mm, ss = int(m.group(5)), int(m.group(6)), int(m.group(7) or 0)
            if hh > 23 or mm > 59 or ss > 59:
                return None, f"“{s}”中的时间不存在", None
        return _make_date(s, int(m.group(1)), int(m.group(3)), int(m.group(4)), note)
    m = _DATE_CN_RE.fullmatch(s)
    if m is not None:
        return _make_date(s, int(m.group(1)), int(m.group(2)), int(m.group(3)), note)
    m = _DATE_COMPACT_RE.fullmatch(s)
    if m is not None:
        return _make_date(s, int(m.group(1)), int(m.group(2)), int(m.group(3)), note)
    m = _EXCEL_SERIAL_RE.fullmatch(s)
    if m is not None:
        serial = int(m.group(1))
        if _EXCEL_MIN <= serial <= _EXCEL_MAX:
            value = _EXCEL_EPOCH + timedelta(days=serial)
            serial_note = f"Excel日期序列号“{s}”已按1900日期系统转换为{value.isoformat()}，请核对"
            return value, None, f"{note}；{serial_note}" if note else serial_note
    if s in _LONG_TERM_WORDS:
        return None, f"{_DATE_FORMAT_REASON}（长期有效请填写2099-12-31）", None
    return None, _DATE_FORMAT_REASON, None


_NUMBER_RE: Final = re.compile(r"([-+]?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?", re.ASCII)
_Q6: Final = Decimal("0.000001")
_ONE: Final = Decimal(1)
_ZERO: Final = Decimal(0)
_TEN_THOUSAND: Final = Decimal(10000)
_MAX_WAN: Final = Decimal(1_000_000)  # 100亿元
_FLOAT_NOISE: Final = Decimal("1e-9")
_AMOUNT_REASON: Final = "应为以万元为单位的数字"


def _number(s: str) -> tuple[Decimal, int] | None:
    """A plain decimal number (optional sign, optional thousands separators) and its count of decimals."""
    m = _NUMBER_RE.fullmatch(s)
    if m is None:
        return None
    whole, frac = m.group(2), m.group(3) or ""
    if not whole and not frac:
        return None
    try:
        d = Decimal(f"{m.group(1)}{whole.replace(',', '') or '0'}.{frac or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain numbers
        return None
    return d, len(frac)


def _plain(d: Decimal) -> str:
    """A decimal without exponent and without trailing zeros."""
    return format(d.normalize(), "f")


@functools.lru_cache(maxsize=65536)
def _parse_amount(raw: str) -> _Parsed:
    """Parse an amount in 万元: non-negative, at most 6 decimals, at most 100亿元."""
    s, note = _half_width(raw)
    notes = [note] if note else []
    for unit in ("万元", "万"):
        if s.endswith(unit):
            s = s[: -len(unit)].rstrip(_WS)
            notes.append(f"已去掉单位“{unit}”")
            break
    else:
        if s.endswith("元") or s.startswith(("¥", "￥")):
            parsed = _number(s.lstrip("¥￥").removesuffix("元").strip(_WS))
            if parsed is None:
                return None, _AMOUNT_REASON, None
            if parsed[0] < 0:
                return None, "金额不能为负数", None
            return None, f"金额应以万元为单位填写数字，“{raw}”应填写为{_plain(parsed[0] / _TEN_THOUSAND)}", None
    parsed = _number(s)
    if parsed is None:
        return None, _AMOUNT_REASON, None
    d, decimals = parsed
    if d < 0:
        return None, "金额不能为负数", None
    if d > _MAX_WAN:
        return None, "金额超过100亿元，请确认单位为万元", None
    q = d.quantize(_Q6)
    if decimals > 6 and q != d:
        if decimals >= 15 and abs(q - d) < _FLOAT_NOISE:
            notes.append(f"已按6位小数取整为{_plain(q)}（原值“{s}”疑为电子表格浮点误差）")
        else:
            return None, f"小数位数为{decimals}位，最多6位（万元金额精确到分）", None
    q = q.normalize()
    if q.is_zero():
        q = _ZERO
    elif q.as_tuple().exponent > 0:  # type: ignore[operator]
        q = q.quantize(_ONE)
    return q, None, "；".join(notes) or None


@functools.lru_cache(maxsize=65536)
def _parse_uscc(raw: str) -> _Parsed:
    """Check a Unified Social Credit Code (normalised: spaces, hyphens, case, full-width with a warning)."""
    result = check_uscc(raw)
    if not result.ok:
        return None, result.reason or "统一社会信用代码无效", None
    return result.code, None, "；".join(result.warnings) or None


def _parse_integer(raw: str) -> _Parsed:
    """Parse an integer: digits with an optional leading minus sign."""
    s, note = _half_width(raw)
    body = s[1:] if s[:1] == "-" else s
    if body.isascii() and body.isdigit():
        return int(s), None, note
    return None, "应为整数", None


_QUOTED_LONG_RE: Final = re.compile(r"“[^”]{4,}”")


@functools.lru_cache(maxsize=16384)
def _parse_resident_id(raw: str, today: date) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Validate a resident identity number; errors are prefixed with “身份证号码无效：”."""
    try:
        rid = validate_resident_id(raw, today=today)
    except InvalidIdentifier as exc:
        return None, f"身份证号码无效：{exc.reason}", ()
    return rid.number, None, rid.warnings


_OTHER_ID_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_OTHER_ID_REASON: Final = "证件号码格式不正确（应为5—30位英文字母、数字或“-”）"


def _parse_other_id(raw: str) -> _Parsed:
    """Check a non-resident ID number (passport, travel permits, …): 5–30 of A–Z, 0–9 and '-'."""
    s, note = _half_width(raw)
    s = "".join(s.split()).upper()
    if 5 <= len(s) <= 30 and _OTHER_ID_CHARS.issuperset(s):
        return s, None, note
    return None, _OTHER_ID_REASON, None


def _looks_like_resident_id(raw: str) -> bool:
    """Whether a value has the shape of an 18-character resident identity number."""
    s = _half_width(raw)[0].replace(" ", "").upper()
    return len(s) == 18 and s[:17].isascii() and s[:17].isdigit() and (s[17] == "X" or s[17].isdigit())


# --------------------------------------------------------------------------------------------------
# Per-field compilation
# --------------------------------------------------------------------------------------------------

_TEXT, _ENUM, _DATE, _AMOUNT, _USCC, _ID, _INT = range(7)
_KINDS: Final = {
    "text": _TEXT,
    "enum": _ENUM,
    "date": _DATE,
    "amount_wan": _AMOUNT,
    "uscc": _USCC,
    "id_number": _ID,
    "integer": _INT,
}
_MULTI_SEPARATORS: Final = str.maketrans(dict.fromkeys("，,;；|｜", "、"))
_MULTI_CACHE_SIZE: Final = 4096
_RESIDENT_ID_TYPE: Final = "身份证"


class _Field:
    """The compiled form of one FieldSpec."""

    __slots__ = (
        "alternatives",
        "code",
        "cond_field",
        "cond_name",
        "cond_values",
        "cond_word",
        "id_type_field",
        "idx",
        "kind",
        "max_length",
        "multiple",
        "name",
        "not_before",
        "not_before_name",
        "not_future",
        "parse",
        "personal",
        "required",
        "required_reason",
        "spec",
    )

    def __init__(self, idx: int, spec: FieldSpec, item: ItemSpec) -> None:
        self.idx = idx
        self.spec = spec
        self.code = spec.code
        self.name = spec.name
        self.kind = _KINDS[spec.type]
        self.max_length = spec.max_length if spec.max_length is not None else sys.maxsize
        self.multiple = spec.multiple
        self.personal = spec.personal
        self.not_future = spec.not_future
        self.not_before = spec.not_before or ""
        self.not_before_name = item.field(spec.not_before).name if spec.not_before else ""
        self.id_type_field = spec.id_type_field
        self.required = spec.required
        self.alternatives = tuple(spec.alternatives)
        alt_note = ""
        if spec.alternatives:
            alt_note = f"（也可填写{'、'.join(item.field(a).name for a in spec.alternatives)}之一）"
        self.required_reason = f"必填项为空{alt_note}"
        cond = spec.required_when
        self.cond_field = cond.field if cond is not None else ""
        self.cond_values: frozenset[str] = frozenset()
        self.cond_name = self.cond_word = ""
        if cond is not None:
            ref = item.field(cond.field)
            self.cond_values = frozenset(cond.in_ if cond.in_ is not None else (cond.contains or ()))
            self.cond_name = ref.name
            self.cond_word = "含" if cond.contains is not None or ref.multiple else "为"
        self.parse: Callable[[str], _Parsed] = self._parser(spec)

    def conditional_reason(self, other: Any, alternatives: str) -> str | None:
        """The reason this field is required given the condition field's parsed value, or None."""
        if isinstance(other, list):
            hits = [v for v in other if v in self.cond_values]
        else:
            hits = [other] if other in self.cond_values else []
        if not hits:
            return None
        return f"当{self.cond_name}{self.cond_word}{_quoted(hits)}时必填{alternatives}"

    def _parser(self, spec: FieldSpec) -> Callable[[str], _Parsed]:
        kind = self.kind
        if kind == _DATE:
            return _parse_date
        if kind == _AMOUNT:
            return _parse_amount
        if kind == _USCC:
            return _parse_uscc
        if kind == _INT:
            return _parse_integer
        if kind == _ENUM:
            return _enum_parser(spec)
        return _parse_other_id  # text and id_number fields are handled by the validator itself

    def error(self, raw: str, reason: str) -> FieldError:
        """An error on this field; personal values are masked and never shown in full."""
        raw = raw.strip(_WS)
        if self.personal:
            return FieldError(self.code, self.name, _shown(mask_id_number(raw)), _QUOTED_LONG_RE.sub("", reason))
        return FieldError(self.code, self.name, _shown(raw), reason)


def _enum_parser(spec: FieldSpec) -> Callable[[str], _Parsed]:
    """Build the parser of an enum field: exact value, case-insensitive ASCII value, or label."""
    canon: dict[str, str] = {}
    for v in spec.values:
        canon[v] = v
        if v.isascii():
            canon.setdefault(v.upper(), v)
    for v, label in spec.labels.items():
        if v in spec.values:
            canon.setdefault(label, v)
    order = {v: i for i, v in enumerate(spec.values)}
    allowed = "、".join(f"{v}（{spec.labels[v]}）" if v in spec.labels else v for v in spec.values)

    def lookup(part: str) -> tuple[str | None, bool]:
        """The canonical value of one part and whether full-width conversion was needed."""
        v = canon.get(part)
        if v is None and part.isascii():
            v = canon.get(part.upper())
        if v is not None:
            return v, False
        half, note = _half_width(part)
        if note is None:
            return None, False
        v = canon.get(half) or canon.get(half.upper())
        return v, v is not None

    if not spec.multiple:
        fast: dict[str, _Parsed] = {k: (v, None, None) for k, v in canon.items()}
        bad_suffix = f"不是有效取值，应为：{allowed}"

        def parse_single(s: str) -> _Parsed:
            hit = fast.get(s)
            if hit is not None:
                return hit
            v, converted = lookup(s)
            if v is None:
                return None, f"“{s}”{bad_suffix}", None
            return v, None, _FULL_WIDTH_NOTE if converted else None

        return parse_single

    multi_suffix = f"不是有效取值，应为：{allowed}（可多选，用“、”分隔）"
    cache: dict[str, tuple[tuple[str, ...] | None, str | None, str | None]] = {}

    def parse_multi_uncached(s: str) -> tuple[tuple[str, ...] | None, str | None, str | None]:
        found: set[str] = set()
        bad: list[str] = []
        converted = False
        for part in s.translate(_MULTI_SEPARATORS).split("、"):
            part = part.strip(_WS)
            if not part:
                continue
            v, conv = lookup(part)
            if v is None:
                bad.append(part)
            else:
                found.add(v)
                converted = converted or conv
        if bad or not found:
            return None, f"{_quoted(bad or [s])}{multi_suffix}", None
        return tuple(sorted(found, key=order.__getitem__)), None, _FULL_WIDTH_NOTE if converted else None

    def parse_multi(s: str) -> _Parsed:
        hit = cache.get(s)
        if hit is None:
            hit = parse_multi_uncached(s)
            if len(cache) >= _MULTI_CACHE_SIZE:
                cache.clear()
            cache[s] = hit
        values, reason, note = hit
        return (list(values) if values is not None else None), reason, note

    return parse_multi


# --------------------------------------------------------------------------------------------------
# The validator
# --------------------------------------------------------------------------------------------------

_NATURAL_PERSON, _ORGANISATION, _INDIVIDUAL_BUSINESS = "自然人", "法人及非法人组织", "个体工商户"
_INDIVIDUAL_BUSINESS_PREFIX: Final = "92"
_PREFIX_SHARE: Final = 0.8  # an item "uses a prefix" when at least 80 % of its codes start with the same XX_


def _item_prefix(item: ItemSpec) -> str:
    """The code prefix shared by the item's fields (e.g. "CF_" for penalties), or "" when there is none."""
    firsts = [f.code.split("_", 1)[0] + "_" for f in item.fields if "_" in f.code]
    if not firsts:
        return ""
    best = max(set(firsts), key=firsts.count)
    return best if firsts.count(best) >= _PREFIX_SHARE * len(item.fields) else ""


_JSON_KINDS: Final[dict[type, str]] = {list: "数组", dict: "对象"}


def _json_text(value: Any, multiple: bool) -> str | None:
    """A JSON value as the string a file cell would hold, or None for unsupported types."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(str(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if multiple and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value)
    return None


class RowValidator:
    """Validate rows of one catalogue item; build once per item and reference date, then call per row."""

    def __init__(self, item: ItemSpec, *, today: date) -> None:
        self.item = item
        self.today = today
        self._today_text = today.isoformat()
        self._fields = [_Field(i, spec, item) for i, spec in enumerate(item.fields)]
        self._by_code = {f.code: f for f in self._fields}
        # Pass-1 plan: (code, text length limit, parser or None for text, not_future, field).
        self._plan: list[tuple[str, int, Callable[[str], _Parsed] | None, bool, _Field]] = [
            (f.code, f.max_length, None if f.kind == _TEXT else f.parse, f.kind == _DATE and f.not_future, f)
            for f in self._fields
            if f.kind != _ID
        ]
        self._ids = [f for f in self._fields if f.kind == _ID]
        # Plain required fields are checked with one set difference; the rest (alternatives, conditions) one by one.
        self._required_plain = frozenset(f.code for f in self._fields if f.required and not f.alternatives)
        self._required = [
            f for f in self._fields if (f.required and f.alternatives) or (f.cond_field and not f.required)
        ]
        self._not_before = [f for f in self._fields if f.not_before]
        self._alt_notes = {f.code: f.required_reason.removeprefix("必填项为空") for f in self._fields}
        roles = item.roles
        cat, uscc = roles.get("subject_category"), roles.get("uscc")
        self._consistency = (
            (self._by_code[cat], uscc)
            if cat in self._by_code and uscc in self._by_code and self._by_code[uscc].kind == _USCC
            else None
        )
        self.prefix = _item_prefix(item)
        self._aliases = self._build_aliases()

    # ---------------------------------------------------------------------------------------- headers

    def _build_aliases(self) -> dict[str, str]:
        """Normalised header/key text -> field code: codes, then unambiguous names, then unprefixed codes."""
        aliases: dict[str, str] = {}
        for f in self._fields:
            aliases[_header_key(f.code)] = f.code
        name_keys = [_header_key(f.name) for f in self._fields]
        for f, key in zip(self._fields, name_keys, strict=True):
            if name_keys.count(key) == 1:
                aliases.setdefault(key, f.code)
        if self.prefix:
            for f in self._fields:
                if f.code.startswith(self.prefix) and len(f.code) > len(self.prefix):
                    aliases.setdefault(_header_key(f.code[len(self.prefix) :]), f.code)
        return aliases

    def _resolve(self, key: str) -> str | None:
        """The field code a header cell or JSON key refers to, or None."""
        if key in self._by_code:
            return key
        return self._aliases.get(_header_key(key))

    def header_map(self, headers: list[str]) -> tuple[dict[int, str], list[FieldError]]:
        """Map file header cells (code, lower-case code, Chinese name or unprefixed code) to field codes."""
        mapping: dict[int, str] = {}
        errors: list[FieldError] = []
        first_column: dict[str, int] = {}
        for col, cell in enumerate(headers):
            text = (cell or "").strip(_WS)
            if not text:
                continue
            code = self._resolve(text)
            letter = column_letter(col)
            if code is None:
                reason = f"第{letter}列表头“{text}”不是“{self.item.name}”的字段（可用字段代码或中文名称）"
                errors.append(FieldError("", "表头", _shown(text), reason))
                continue
            if code in first_column:
                prev = first_column[code]
                reason = (
                    f"第{letter}列表头“{text}”与第{column_letter(prev)}列表头“{(headers[prev] or '').strip(_WS)}”"
                    f"对应同一字段：{code} {self._by_code[code].name}"
                )
                errors.append(FieldError("", "表头", _shown(text), reason))
                continue
            first_column[code] = col
            mapping[col] = code
        for f in self._fields:
            if f.required and f.code not in first_column:
                errors.append(FieldError("", "表头", "", f"缺少必填字段列：{f.code} {f.name}"))
        return mapping, errors

    # ------------------------------------------------------------------------------------------- rows

    def validate(self, raw: Mapping[str, str | None]) -> ValidRow | list[FieldError]:
        """Validate one row given as {field_code: raw string}; returns every error of the row."""
        return self._check(raw, [], set())

    def validate_json(self, fields: Mapping[str, Any]) -> ValidRow | list[FieldError]:
        """Validate one JSON API record: keys are codes, Chinese names or unprefixed codes; unknown keys are errors."""
        raw: dict[str, str] = {}
        used_key: dict[str, str] = {}
        errors: list[tuple[int, FieldError]] = []
        bad: set[str] = set()
        row_level = len(self._fields)
        for key, value in fields.items():
            key_text = str(key)
            code = self._resolve(key_text)
            if code is None:
                reason = f"未知字段：“{key_text}”不是“{self.item.name}”的字段（可用字段代码或中文名称）"
                errors.append((row_level, FieldError("", "", _shown(key_text), reason)))
                continue
            f = self._by_code[code]
            text = _json_text(value, f.multiple)
            if text is None:
                kind = _JSON_KINDS.get(type(value), type(value).__name__)
                expected = "字符串、数字或字符串数组" if f.multiple else "字符串或数字"
                errors.append((f.idx, f.error(str(value), f"应为{expected}，实际为{kind}")))
                bad.add(code)
                continue
            if code in used_key:
                if text.strip(_WS) and raw[code].strip(_WS):
                    reason = f"字段“{key_text}”与“{used_key[code]}”重复，都对应{code} {f.name}"
                    errors.append((row_level, FieldError("", "", _shown(key_text), reason)))
                    continue
                if not text.strip(_WS):
                    continue
            used_key[code] = key_text
            raw[code] = text
        return self._check(raw, errors, bad)

    def _check(
        self, raw: Mapping[str, str | None], errors: list[tuple[int, FieldError]], bad: set[str]
    ) -> ValidRow | list[FieldError]:
        """Run all passes over one row; ``errors``/``bad`` may carry problems found before (JSON keys)."""
        get = raw.get
        values: dict[str, Any] = {}
        warnings: list[str] = []
        id_in_text: list[str] = []
        today = self.today
        # Pass 1: every field on its own (text fields inline: they are most of a row).
        for code, limit, parse, not_future, f in self._plan:
            s = get(code)
            if not s:
                continue
            t = s.strip(_WS)
            if not t:
                continue
            if parse is None:
                if len(t) > limit:
                    errors.append((f.idx, f.error(s, f"长度为{len(t)}字，超过上限{limit}字")))
                    bad.add(code)
                else:
                    values[code] = t
                    if len(t) >= 18 and find_resident_ids(t):  # accepted, but the clerk is told (issue 29)
                        id_in_text.append(f.name)
                        warnings.append(f"{f.name}：{ID_IN_TEXT_NOTE}")
                continue
            value, reason, note = parse(t)
            if reason is not None:
                errors.append((f.idx, f.error(s, reason)))
                bad.add(code)
                continue
            if not_future and value > today:
                errors.append((f.idx, f.error(s, f"不得晚于今天（{self._today_text}）")))
                bad.add(code)
                continue
            values[code] = value
            if note is not None:
                warnings.append(f"{f.name}：{note}")
        # Pass 2: identity numbers, which depend on their ID-type field.
        for f in self._ids:
            s = get(f.code)
            if not s:
                continue
            t = s.strip(_WS)
            if not t:
                continue
            id_type = values.get(f.id_type_field) if f.id_type_field else None
            if id_type == _RESIDENT_ID_TYPE or (id_type is None and _looks_like_resident_id(t)):
                number, reason, notes = _parse_resident_id(t, self.today)
                if number is None:
                    errors.append((f.idx, f.error(s, reason or "身份证号码无效")))
                    bad.add(f.code)
                    continue
                values[f.code] = number
                warnings.extend(f"{f.name}：{n}" for n in notes)
            else:
                value, reason, note = _parse_other_id(t)
                if reason is not None:
                    errors.append((f.idx, f.error(s, reason)))
                    bad.add(f.code)
                    continue
                values[f.code] = value
                if note is not None:
                    warnings.append(f"{f.name}：{note}")
        # Pass 3: required and conditionally required fields.
        missing = self._required_plain.difference(values)
        if missing:
            for code in missing.difference(bad):
                f = self._by_code[code]
                errors.append((f.idx, FieldError(code, f.name, "", f.required_reason)))
        for f in self._required:
            code = f.code
            if code in values or code in bad:
                continue
            if f.alternatives and any(a in values or a in bad for a in f.alternatives):
                continue
            if f.required:
                why = f.required_reason
            else:
                other = values.get(f.cond_field)
                if other is None:
                    continue  # condition field empty or invalid: its own error (if any) is reported
                conditional = f.conditional_reason(other, self._alt_notes[code])
                if conditional is None:
                    continue
                why = conditional
            errors.append((f.idx, FieldError(code, f.name, "", why)))
        # Pass 4: date order.
        for f in self._not_before:
            mine = values.get(f.code)
            ref = values.get(f.not_before)
            if mine is not None and ref is not None and mine < ref:
                errors.append((f.idx, f.error(get(f.code) or "", f"不得早于{f.not_before_name}（{ref.isoformat()}）")))
        # Pass 5: subject category against the Unified Social Credit Code.
        if self._consistency is not None:
            cat_field, uscc_code = self._consistency
            category = values.get(cat_field.code)
            if category is not None:
                reason = self._category_conflict(category, uscc_code, values, bad)
                if reason is not None:
                    errors.append((cat_field.idx, cat_field.error(get(cat_field.code) or "", reason)))
        if errors:
            errors.sort(key=lambda e: e[0])
            return [e[1] for e in errors]
        return ValidRow(values, warnings, id_in_text)

    @staticmethod
    def _category_conflict(category: str, uscc_code: str, values: dict[str, Any], bad: set[str]) -> str | None:
        """Why the subject category contradicts the USCC (None when consistent or not decidable)."""
        if category == _NATURAL_PERSON:
            if uscc_code in values or uscc_code in bad:
                return f"行政相对人类别为“{_NATURAL_PERSON}”时不应填写统一社会信用代码"
            return None
        code = values.get(uscc_code)
        if code is None:
            return None
        is_individual = code[:2] == _INDIVIDUAL_BUSINESS_PREFIX
        if (category == _INDIVIDUAL_BUSINESS) == is_individual or category not in (
            _INDIVIDUAL_BUSINESS,
            _ORGANISATION,
        ):
            return None
        info = describe_uscc(code)
        kind = info["entity_type_name"] or f"{info['authority_name']}登记的未知类别"
        return f"行政相对人类别为“{category}”，但统一社会信用代码第1—2位为“{code[:2]}”（{kind}）"
