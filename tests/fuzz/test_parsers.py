"""Property-based fuzzing (hypothesis) of what reads hostile input: the CSV/XLSX readers and the identifier
validators. Whatever the bytes or text, they either work or refuse with a Chinese message: never another
exception, never a silent change of the cells."""

from __future__ import annotations

import csv
import io
import string
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from xinyong.core import identifiers
from xinyong.ingestion.files import FileRejected, open_source

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Cell text as clerks type it: Chinese, digits, punctuation, spaces; no control characters (refused elsewhere).
CELL = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("密山市监督管理局罚款警告（）〔〕号、，。“”")),
        st.sampled_from(list(string.ascii_letters + string.digits + " -_.,;:'\"/")),
    ),
    max_size=12,
)
HEADER = st.lists(
    st.text(alphabet=string.ascii_uppercase + "_", min_size=1, max_size=8), min_size=1, max_size=5, unique=True
)


def _read(data: bytes, name: str) -> list[tuple[int, list[str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        _source, rows = open_source(path, filename=name)
        return list(rows)


@FAST
@given(data=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a.xls"]))
@example(data=b'\xef\xbb\xbfA,B\n1,"2', name="a.csv")  # an unclosed quote
@example(data=b"PK\x03\x04garbage", name="a.xlsx")  # a ZIP header and nothing behind it
@example(data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, name="a.xls")  # an OLE2 (old Excel) header
@example(data=b"A,A\n1,2\n", name="a.csv")  # duplicate headers
def test_arbitrary_bytes_are_read_or_refused_in_chinese(data: bytes, name: str) -> None:
    try:
        _read(data, name)
    except FileRejected as exc:
        assert exc.message and any("\u4e00" <= ch <= "\u9fff" for ch in exc.message)


@FAST
@given(headers=HEADER, body=st.lists(st.lists(CELL, min_size=1, max_size=5), max_size=8), gb=st.booleans())
def test_a_csv_written_by_a_spreadsheet_reads_back_cell_for_cell(
    headers: list[str], body: list[list[str]], gb: bool
) -> None:
    width = len(headers)
    rows = [(r + [""] * width)[:width] for r in body]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    data = out.getvalue().encode("gb18030" if gb else "utf-8-sig")
    try:
        read = _read(data, "upload.csv")
    except FileRejected as exc:  # e.g. a file of headers only, or markup-looking text: refused, in Chinese
        assert exc.message
        return
    got = [cells for _number, cells in read]
    expected = [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]
    assert [[c.strip() for c in (cells + [""] * width)[:width]] for cells in got] == expected


@FAST
@given(headers=HEADER, body=st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=6))
def test_an_xlsx_reads_back_cell_for_cell(headers: list[str], body: list[list[str]]) -> None:
    width = len(headers)
    rows = [(r + [""] * width)[:width] for r in body]
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append([c or None for c in r])
    buffer = io.BytesIO()
    wb.save(buffer)
    try:
        read = _read(buffer.getvalue(), "upload.xlsx")
    except FileRejected as exc:
        assert exc.message
        return
    got = [[c.strip() for c in (cells + [""] * width)[:width]] for _n, cells in read]
    assert got == [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]


TEXT = st.text(max_size=40)


@settings(max_examples=400, deadline=None)
@given(raw=TEXT)
@example(raw="９１１１００００６０００３７３４１Ｌ")  # full-width digits
@example(raw="\u200b91110000600037341L")  # a zero-width space
def test_code_checks_never_fail_on_any_text(raw: str) -> None:
    for check in (identifiers.check_uscc, identifiers.check_code, identifiers.check_resident_id):
        result = check(raw)
        assert result.ok in (True, False)
    for validate in (identifiers.validate_uscc, identifiers.validate_resident_id, identifiers.validate_commitment_code):
        try:
            validate(raw)
        except identifiers.InvalidIdentifier as exc:  # the validators' contract: a Chinese reason, nothing else
            assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.reason)
    masked = identifiers.mask_id_number(raw)
    if len(raw) >= 18:
        assert raw[6:14] not in masked or raw[6:14] == "*" * 8  # the birth date never shows
    identifiers.mask_name(raw)


ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from([("9", "1"), ("9", "2"), ("9", "3"), ("1", "1"), ("5", "1")]),
    org=st.text(alphabet=ORG, min_size=8, max_size=8),
    position=st.integers(0, 17),
    replacement=st.sampled_from(ORG),
)
def test_a_well_formed_code_is_accepted_and_any_single_change_refused(
    kind: tuple[str, str], org: str, position: int, replacement: str
) -> None:
    code = identifiers.make_uscc(kind[0], kind[1], "230382", org)
    assert identifiers.check_uscc(code).ok, code
    assert identifiers.validate_uscc(code.lower()) == code
    if code[position] != replacement:
        changed = code[:position] + replacement + code[position + 1 :]
        assert not identifiers.check_uscc(changed).ok, changed  # the check character catches one wrong character


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)), seq=st.integers(0, 999))
def test_a_resident_number_with_its_check_character_is_accepted(day: date, seq: int) -> None:
    body = f"230382{day:%Y%m%d}{seq:03d}"
    number = body + identifiers.resident_id_check_char(body)
    assert identifiers.validate_resident_id(number).number == number
    assert identifiers.validate_resident_id(number.lower()).number == number
