"""Reading XLSX workbooks for ingestion: the worksheet scan in bounded memory (before openpyxl opens anything),
the sheet choice, merged cells, and rows as text (split from ``files.py``, which detects the file kind)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from xinyong.ingestion.files import (
    _CHUNK,
    _EMPTY,
    _HEADER_ONLY,
    _PRIMER,
    _RESAVE,
    _TEXT_EXTENSIONS,
    XLSX_MAX_ROW_BYTES,
    FileRejected,
    Row,
    SourceFile,
    _extension,
    _fit,
    _human_size,
    _make_headers,
    _sha256,
)

# ------------------------------------------------------------------------------------------------------ XLSX


def _format_float(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    text = format(value, ".15g")
    if "e" in text:
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _xlsx_text(value: Any) -> str:
    """Return the text of an openpyxl cell value (see the module docstring)."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value.strip()  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    if kind is float:
        return _format_float(value)
    if kind is bool:
        return "是" if value else "否"
    if isinstance(value, datetime):
        if value.microsecond >= 500_000:
            value += timedelta(microseconds=1_000_000 - value.microsecond)
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return str(value).strip()


def _sheet_has_data(ws: Any) -> bool:
    rows = ws.iter_rows(values_only=True)
    try:
        return any(_xlsx_text(value) for row in rows for value in row if value is not None)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_ATTR_T = re.compile(rb"""\st\s*=\s*["']([^"']*)["']""")
_ATTR_R = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")


class _SheetScan:
    """One streaming pass over a sheet's raw XML for what read-only openpyxl does not report.

    Finds the merged ranges, the first formula cell without a cached result and the first number of 16 or more
    digits (Excel writes those in exponent form, e.g. ``2.30382199001011E+17``, having kept only 15 digits).
    """

    def __init__(self) -> None:
        self.merges: list[str] = []
        self.uncached_formula: str | None = None  # its coordinate ("" when the cell has none)
        self.long_number: tuple[str, float] | None = None  # (coordinate, value)
        self.prefix = b""

    def run(self, path: Path, member: str, filename: str) -> _SheetScan:
        """Scan the member in bounded memory: whole rows at a time, refusing a row (or any stretch of the sheet
        without a row end) longer than ``XLSX_MAX_ROW_BYTES`` (a decompression bomb, e.g. one row that never ends)."""
        carry, ready, rows = bytearray(), False, 0
        with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as handle:
            while True:
                chunk = handle.read(_CHUNK)
                if not ready:
                    carry += chunk
                    root = _ROOT.search(carry)
                    if root is None and chunk:
                        self._bound(carry, rows, filename)
                        continue
                    self._compile(root.group(1) if root is not None else None)
                    ready, chunk, carry = True, bytes(carry), bytearray()
                if chunk:  # process whole rows only, so that no cell is split between two segments
                    start = max(0, len(carry) - len(self.row_close) + 1)  # the carry holds no row end before this
                    carry += chunk
                    cut = carry.rfind(self.row_close, start)
                    if cut < 0:
                        self._bound(carry, rows, filename)
                        continue
                    cut += len(self.row_close)
                else:
                    cut = len(carry)
                segment = bytes(carry[:cut])
                del carry[:cut]
                self._segment(segment)
                rows += segment.count(self.row_close)
                if not chunk:
                    return self

    @staticmethod
    def _bound(carry: bytearray, rows: int, filename: str) -> None:
        if len(carry) > XLSX_MAX_ROW_BYTES:
            raise FileRejected(
                f"Excel文件“{filename}”第{rows + 1}行附近有一行内容超过{_human_size(XLSX_MAX_ROW_BYTES)}"
                "（未找到行结束标记），文件异常（疑似压缩炸弹），已拒绝读取。"
            )

    def _compile(self, namespace_prefix: bytes | None) -> None:
        prefix = self.prefix = namespace_prefix + b":" if namespace_prefix else b""
        p = re.escape(prefix)
        self.row_close = b"</" + prefix + b"row>"
        self.cell_open, self.cell_close = b"<" + prefix + b"c", b"</" + prefix + b"c>"
        self.formula = re.compile(b"<" + p + rb"f[\s/>]")
        self.value = re.compile(b"<" + p + rb"v(?:\s[^>]*)?(/>|>(.*?)</" + p + rb"v>)", re.S)
        self.merge = re.compile(b"<" + p + rb"""mergeCell\s[^>]*?\bref\s*=\s*["']([^"']+)["']""")
        self.big = re.compile(b"<" + p + rb"v>\s*(-?\d(?:\.\d+)?[Ee]\+0*(?:1[5-9]|[2-9]\d|\d{3,}))\s*</" + p + b"v>")
        # an uncached formula leaves one of these marks: an empty <v>, or the cell closing right after <f>
        self.marks = [b"<" + prefix + m for m in (b"v/>", b"v />", b"v></" + prefix + b"v>")]
        self.marks += [b"</" + prefix + b"f>" + self.cell_close, b"/>" + self.cell_close]

    def _segment(self, segment: bytes) -> None:
        if self.uncached_formula is None and any(mark in segment for mark in self.marks):
            self.uncached_formula = self._first_uncached_formula(segment)
        if self.long_number is None and (b"E+" in segment or b"e+" in segment):
            self.long_number = self._first_long_number(segment)
        if b"mergeCell" in segment:
            self.merges.extend(match.group(1).decode("ascii", "replace") for match in self.merge.finditer(segment))

    def _start_tag(self, segment: bytes, position: int) -> bytes | None:
        start = segment.rfind(self.cell_open, 0, position)
        return None if start < 0 else segment[start : segment.find(b">", start) + 1]

    def _first_uncached_formula(self, segment: bytes) -> str | None:
        for match in self.formula.finditer(segment):
            tag = self._start_tag(segment, match.start())
            if tag is None:
                continue
            end = segment.find(self.cell_close, match.end())
            cached = self.value.search(segment, match.end(), end if end >= 0 else len(segment))
            cell_type = _ATTR_T.search(tag)
            if cached is None or (not cached.group(2) and not (cell_type and cell_type.group(1) == b"str")):
                coordinate = _ATTR_R.search(tag)
                return coordinate.group(1).decode("ascii", "replace") if coordinate else ""
        return None

    def _first_long_number(self, segment: bytes) -> tuple[str, float] | None:
        for match in self.big.finditer(segment):
            tag = self._start_tag(segment, match.start())
            cell_type = _ATTR_T.search(tag) if tag else None
            if tag is None or (cell_type is not None and cell_type.group(1) != b"n"):
                continue  # a string result that merely looks like a number
            coordinate = _ATTR_R.search(tag)
            return (coordinate.group(1).decode("ascii", "replace") if coordinate else "", float(match.group(1)))
        return None

    def notes(self) -> list[str]:
        """Return the warnings for the uploader."""
        notes = []
        if self.uncached_formula is not None:
            example = f"（如{self.uncached_formula}）" if self.uncached_formula else ""
            notes.append(
                f"文件中含有未计算结果的公式单元格{example}，其值按空白处理；请在Excel中打开并保存后重新上传。"
            )
        if self.long_number is not None:
            coordinate, value = self.long_number
            where = _cell_words(coordinate)
            notes.append(
                f"{where}的数字“{_format_float(value)}”超过15位，Excel只保存15位有效数字，末尾数字可能已丢失；"
                "身份证号码、统一社会信用代码等请设为文本格式后重新录入。"
            )
        return notes


def _cell_words(coordinate: str) -> str:
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", coordinate)
    return f"第{match.group(2)}行{match.group(1).upper()}列" if match else "有单元格"


def _merge_bounds(ref: str) -> tuple[int, int, int, int] | None:
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        return None
    if None in (min_col, min_row, max_col, max_row):
        return None
    return min_row, min_col, max_row, max_col


def _check_merges(merges: list[str], width: int) -> None:
    found = []
    for ref in merges:
        bounds = _merge_bounds(ref)
        if bounds is None or (bounds[0] == bounds[2] and bounds[1] == bounds[3]):
            continue
        if bounds[1] <= width:  # the range reaches into the table's columns
            found.append((bounds, ref.upper()))
    if found:
        (min_row, _col, _max_row, _max_col), ref = min(found)
        raise FileRejected(f"第{min_row}行存在合并单元格（{ref}），请取消合并并逐行填写后上传。")


def _quote_names(names: list[str]) -> str:
    return "、".join(f"“{name}”" for name in names)


def _scan_worksheets(handle: BinaryIO, path: Path, name: str) -> dict[str, _SheetScan]:
    """Every worksheet's raw XML, scanned in bounded memory before openpyxl reads any of it (its read-only sheets
    parse up to the end of the sheet data to find the dimensions, and keep a row's cells until the row ends)."""
    from openpyxl.reader.excel import ExcelReader

    reader = ExcelReader(handle, read_only=True, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_workbook()
        members = [
            rel.target
            for _sheet, rel in reader.parser.find_sheets()
            if "chartsheet" not in rel.Type and rel.target in reader.valid_files
        ]
    finally:
        reader.archive.close()
        handle.seek(0)
    return {member: _SheetScan().run(path, member, name) for member in members}


def _choose_sheet(wb: Any, warnings: list[str], scans: dict[str, _SheetScan]) -> tuple[Any, _SheetScan]:
    visible: list[Any] = []
    hidden: list[Any] = []
    sheets = list(wb.worksheets)
    for ws in sheets:
        ws.reset_dimensions()  # read every cell even when the stored dimension is wrong
        if _sheet_has_data(ws):
            (visible if ws.sheet_state == "visible" else hidden).append(ws)
        elif len(sheets) > 1:
            warnings.append(f"工作表“{ws.title}”为空，已忽略。")
    candidates = visible or hidden
    if not candidates:
        raise FileRejected(_EMPTY)
    if len(candidates) > 1:
        names = _quote_names([ws.title for ws in candidates])
        raise FileRejected(f"文件包含多个有数据的工作表（{names}），请只保留一个工作表后上传。")
    if visible and hidden:
        warnings.append(f"已忽略隐藏的工作表{_quote_names([ws.title for ws in hidden])}中的内容。")
    elif not visible:
        warnings.append(f"工作表“{candidates[0].title}”为隐藏工作表，已读取其中的数据。")
    return candidates[0], scans[candidates[0]._worksheet_path]


def _xlsx_rows(
    wb: Any, handle: Any, values: Iterator[tuple[Any, ...]], first: Row, next_index: int, width: int
) -> Iterator[Row]:
    index = next_index - 1
    try:
        yield _PRIMER
        yield first
        try:
            for index, row in enumerate(values, start=next_index):
                if not row:
                    continue
                cells = [_xlsx_text(value) for value in row]
                if not any(cells):
                    continue
                if len(cells) != width:
                    _fit(cells, width)
                yield index, cells
        except FileRejected:
            raise
        except Exception as exc:
            raise FileRejected(f"Excel文件第{index + 1}行附近的内容已损坏，无法读取。{_RESAVE}") from exc
    finally:
        close = getattr(values, "close", None)
        if close is not None:
            close()
        wb.close()
        handle.close()


def _open_xlsx(path: Path, name: str, size: int, warnings: list[str]) -> tuple[SourceFile, Iterator[Row]]:
    from openpyxl import load_workbook

    if _extension(name) in _TEXT_EXTENSIONS:
        warnings.append(f"文件扩展名为“{_extension(name)}”，但内容是Excel工作簿，已按Excel（.xlsx）读取。")
    handle = open(path, "rb")  # noqa: SIM115 - a file object, because openpyxl refuses names not ending in .xlsx
    try:
        scans = _scan_worksheets(handle, path, name)
        wb = load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    except BaseException as exc:
        handle.close()
        if isinstance(exc, Exception) and not isinstance(exc, FileRejected):
            raise FileRejected(f"Excel文件已损坏或格式不正确，无法读取。{_RESAVE}") from exc
        raise
    try:
        try:
            ws, scan = _choose_sheet(wb, warnings, scans)
            values = ws.iter_rows(values_only=True)
            header = next(values, ())
            headers = _make_headers(_xlsx_text(value) for value in header)
            _check_merges(scan.merges, len(headers))
            warnings.extend(scan.notes())
            first: Row | None = None
            index = 1
            for index, row in enumerate(values, start=2):
                cells = [_xlsx_text(value) for value in row]
                if any(cells):
                    first = (index, _fit(cells, len(headers)))
                    break
        except FileRejected:
            raise
        except Exception as exc:
            raise FileRejected(f"Excel文件已损坏或格式不正确，无法读取。{_RESAVE}") from exc
        if first is None:
            raise FileRejected(_HEADER_ONLY)
        rows = _xlsx_rows(wb, handle, values, first, index + 1, len(headers))
        next(rows)  # arm the generator: from now on it closes the workbook
    except BaseException:
        wb.close()
        handle.close()
        raise
    source = SourceFile("xlsx", None, ws.title, headers, _sha256(path), size, warnings)
    return source, rows
