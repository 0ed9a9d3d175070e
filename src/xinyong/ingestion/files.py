"""Uploaded data files (CSV or XLSX) turned into a header and a stream of raw string rows.

:func:`open_source` inspects an uploaded file, rejects it as a whole with a precise Chinese message
(:class:`FileRejected`) or returns its description (:class:`SourceFile`) and an iterator of
``(row_number, cells)`` for the data rows.  Validation of the rows against a catalogue item is not done here.

Kind
    Decided by content, not by name: a ZIP containing ``[Content_Types].xml`` and ``xl/workbook.xml`` is an
    XLSX workbook; OLE2 files (old ``.xls``, password-protected workbooks, ``.doc``), other ZIP files
    (``.docx``, ``.xlsb``, ``.ods``), PDF, images, archives, HTML tables and Excel 2003 XML saved as ``.xls``
    are rejected naming what they are; anything else that decodes as text is CSV.  A name that contradicts
    the content only produces a warning.

Row numbers
    What a clerk sees: the header is row 1.  For CSV the number is the physical line (counting from 1) on
    which the record starts, so quoted cells spanning several lines do not shift later rows; for XLSX it is
    the sheet row index.  Rows whose cells are all empty after stripping are skipped (their numbers are not
    reused).

Cells
    Strings with surrounding whitespace removed (``str.strip``: includes U+3000 and NBSP; header cells also
    lose zero-width characters and stray byte-order marks).  Every row has ``len(headers)`` cells (short
    rows are padded with ``""``); when a row has non-empty cells beyond the header, they are appended (up to
    the last non-empty one), so ``len(cells) > len(headers)`` tells the caller about extra cells.  Trailing
    empty header cells are dropped; an empty header cell in the middle is kept as ``""``.

CSV
    Read with the C ``csv`` module in one streaming pass (the SHA-256 is a separate, hashing-only pass).
    Encoding: the given one (``gbk``/``gb2312``/``cp936``/``ansi`` mean GB18030, its superset), else a byte
    order mark (UTF-8, UTF-16, UTF-32), else UTF-16 without BOM recognised by its zero bytes, else strict
    UTF-8 on the first 4 MB, else GB18030 (with a warning).  A decoding error found later, while streaming,
    raises :class:`FileRejected` naming the physical line.  Delimiter: whichever of ``,`` ``TAB`` ``;``
    ``|`` splits the header line into the most non-empty cells (ties: comma).  A quote left open at the
    end of the file is rejected instead of silently swallowing the rows after it.

XLSX
    Read with openpyxl in read-only, ``data_only`` mode (formula cells give their cached results).  The data
    sheet is the only visible sheet with a non-empty cell (hidden sheets, e.g. drop-down lists, are ignored with
    a note; used only when no visible sheet has data); empty sheets are noted; two data sheets are rejected.
    Decompression bombs are refused before anything is parsed: each ZIP member is held to ``xlsx_max_member_mb``
    uncompressed and (above 1 MB) to ``xlsx_max_ratio`` times its compressed size, and every sheet's raw XML is
    scanned first in bounded memory, refusing a row longer than ``XLSX_MAX_ROW_BYTES`` (openpyxl keeps a row's
    cells until the row ends).  The raw scan of the chosen sheet's XML also finds merged ranges over the table's
    columns (rejected), formula cells without a cached result (blank, with a warning) and numbers of 16 or more
    digits (a warning: an identity number typed as a number, of which Excel kept 15 digits).  Values: ``int`` as
    is; ``float`` to at most 15 significant digits (what Excel displays; 0.2 → ``0.2``, 12.0 → ``12``), never in
    exponent form; ``bool`` → ``是``/``否``; date-formatted cells → ``YYYY-MM-DD`` (``YYYY-MM-DD HH:MM:SS`` when
    there is a time of day).  Excel serial numbers typed into text cells are left alone:
    :func:`excel_serial_to_date` converts them for the caller, who knows which fields are dates.

The iterator
    Holds the file open until it is exhausted, closed (``rows.close()``) or garbage-collected.  It may raise
    :class:`FileRejected` part-way (bytes in another encoding, a quote left open, a damaged XLSX part): the
    file then fails as a whole, even though some rows were already yielded.  Memory stays constant: the
    4 MB detection sample and one row at a time.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from xinyong.core.errors import DomainError

__all__ = ["FileRejected", "SourceFile", "ZipLimits", "column_letter", "excel_serial_to_date", "open_source"]

SAMPLE_BYTES = 4 * 1024 * 1024
"""Bytes inspected to detect the encoding and the delimiter of a CSV file."""
XLSX_MAX_UNCOMPRESSED = 4 * 1024**3
"""Largest total uncompressed size accepted for an XLSX package (guards against ZIP bombs)."""
XLSX_MAX_ROW_BYTES = 2 * 1024 * 1024
"""Largest XML of one sheet row (real rows take a few KB; openpyxl holds a row's cells in memory until its end)."""
XLSX_RATIO_GRACE = 1024 * 1024
"""Members smaller than this (uncompressed) are not held to the compression ratio limit."""

_CHUNK = 1024 * 1024
_TEXT_EXTENSIONS = {".csv", ".txt", ".tsv", ".tab"}
_DELIMITERS = (",", "\t", ";", "|")
_HEADER_STRIP = "\ufeff\u200b\u200c\u200d\u2060"
_EOF_SENTINEL = "\ue000\U0010fffdXINYONG-EOF\U0010fffd\ue000"
_PRIMER: tuple[int, list[str]] = (0, [])

_EMPTY = "文件为空。"
_HEADER_ONLY = "文件只有表头，没有数据行。"
_MISSING_HEADER = "缺少表头：第1行为空。"
_XLS = "不支持旧版Excel（.xls）文件，请另存为.xlsx或CSV（UTF-8）后上传。"
_RESAVE = "请在Excel中打开并另存为.xlsx或CSV（UTF-8）后重新上传。"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SIGNATURES = (
    (b"%PDF-", "PDF文档"),
    (b"\x89PNG\r\n\x1a\n", "PNG图片"),
    (b"\xff\xd8\xff", "JPEG图片"),
    (b"GIF87a", "GIF图片"),
    (b"GIF89a", "GIF图片"),
    (b"Rar!\x1a\x07", "RAR压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z压缩包"),
    (b"\x1f\x8b", "gzip压缩包"),
    (b"{\\rtf", "RTF文档"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_GB_ALIASES = {"gbk", "gb2312", "gb-2312", "gb18030", "gb-18030", "cp936", "ms936", "936", "ansi", "euc-cn", "hz"}
_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "gb18030": "GB18030（GBK）",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "utf-32": "UTF-32",
    "utf-32-le": "UTF-32",
    "utf-32-be": "UTF-32",
}


class FileRejected(DomainError):
    """The uploaded file as a whole cannot be read; ``message`` (Chinese) says why."""

    status_code = 422
    code = "file_rejected"

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class SourceFile:
    """Description of an uploaded file that can be read (see the module docstring for the conventions)."""

    kind: str  # "csv" or "xlsx"
    encoding: str | None  # CSV: the Python codec used ("utf-8-sig", "utf-8", "gb18030", "utf-16" …); XLSX: None
    sheet: str | None  # XLSX: the title of the sheet read; CSV: None
    headers: list[str]  # row 1, stripped, trailing empty cells dropped
    sha256: str  # hex digest of the file's bytes
    size: int  # bytes
    warnings: list[str]  # Chinese notes for the uploader


Row = tuple[int, list[str]]


# --------------------------------------------------------------------------------------------------- helpers


def column_letter(index0: int) -> str:
    """Return the Excel column letters of a zero-based column index (0 → ``A``, 26 → ``AA``)."""
    if index0 < 0:
        raise ValueError(f"column index must be >= 0, got {index0}")
    number = index0 + 1
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_SERIAL = re.compile(r"\d{1,7}(?:\.\d*)?")
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


def excel_serial_to_date(value: str) -> date | None:
    """Return the date of an Excel 1900-system serial number such as ``"45292"`` or ``"45292.0"``, else None."""
    text = value.strip()
    if not _SERIAL.fullmatch(text):
        return None
    serial = int(float(text))  # a time-of-day fraction is dropped
    if serial < 1 or serial > _EXCEL_MAX_SERIAL or serial == 60:  # 60 is Excel's fictitious 1900-02-29
        return None
    if serial < 60:
        return _EXCEL_EPOCH + timedelta(days=serial + 1)
    return _EXCEL_EPOCH + timedelta(days=serial)


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


MAX_UPLOAD_BYTES = 1_073_741_824


def save_upload(stream: BinaryIO, path: Path, *, max_bytes: int | None = None) -> int:
    """Copy an upload to disk, refusing it as soon as it passes the size limit (nothing large is kept)."""
    max_bytes = max_bytes or MAX_UPLOAD_BYTES
    size = 0
    with path.open("wb") as out:
        while block := stream.read(1 << 20):
            size += len(block)
            if size > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise FileRejected(f"文件大小超过上限{_human_size(max_bytes)}，请拆分后分批上传。")
            out.write(block)
    return size


def _too_large(size: int, limit: int) -> str:
    shown, allowed = _human_size(size), _human_size(limit)
    if shown == allowed:
        shown, allowed = f"{shown}（{size:,}字节）", f"{allowed}（{limit:,}字节）"
    return f"文件大小为{shown}，超过上限{allowed}，请拆分后分批上传。"


def _clean_header(cell: str) -> str:
    return cell.strip().strip(_HEADER_STRIP).strip()


def _check_headers(headers: list[str]) -> None:
    seen: dict[str, int] = {}
    for index, name in enumerate(headers):
        if not name:
            continue
        if name in seen:
            first = column_letter(seen[name])
            raise FileRejected(f"表头“{name}”重复出现（第{first}列和第{column_letter(index)}列）。")
        seen[name] = index


def _make_headers(cells: Iterable[str]) -> list[str]:
    headers = [_clean_header(cell) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise FileRejected(_MISSING_HEADER)
    _check_headers(headers)
    return headers


def _fit(cells: list[str], width: int) -> list[str]:
    """Pad a row to the header width or drop its empty cells beyond the header."""
    count = len(cells)
    if count < width:
        cells.extend([""] * (width - count))
    else:
        while count > width and not cells[count - 1]:
            count -= 1
        del cells[count:]
    return cells


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


# ------------------------------------------------------------------------------------------------ file kind


def _reject_binary(what: str) -> FileRejected:
    return FileRejected(f"文件是{what}，不是Excel工作簿（.xlsx）或CSV文件，无法读取。")


def _classify_ole2(path: Path) -> FileRejected:
    with open(path, "rb") as handle:
        head = handle.read(_CHUNK)
    if "EncryptedPackage".encode("utf-16-le") in head:
        return FileRejected("文件已加密（设置了打开密码），无法读取，请在Excel中取消密码后另存为.xlsx再上传。")
    if "WordDocument".encode("utf-16-le") in head:
        return _reject_binary("Word文档（.doc）")
    return FileRejected(_XLS)


@dataclass(frozen=True)
class ZipLimits:
    """Decompression limits of an XLSX package, per member (settings ``xlsx_max_member_mb``, ``xlsx_max_ratio``)."""

    max_member_bytes: int
    max_ratio: int

    @classmethod
    def configured(cls) -> ZipLimits:
        """The limits the settings configure."""
        from xinyong.core.config import get_settings

        settings = get_settings()
        return cls(settings.xlsx_max_member_mb * 1024 * 1024, settings.xlsx_max_ratio)


def _check_members(infos: list[zipfile.ZipInfo], name: str, limits: ZipLimits) -> None:
    """Refuse a package one of whose members would inflate beyond the limits (before anything reads it; Python's
    zipfile never returns more than a member's declared size, so the declared sizes are the ones that count)."""
    for info in infos:
        size, packed = info.file_size, max(1, info.compress_size)
        if size > limits.max_member_bytes:
            raise FileRejected(
                f"Excel文件“{name}”中的“{info.filename}”解压后为{_human_size(size)}，"
                f"超过单个部件的上限{_human_size(limits.max_member_bytes)}，已拒绝读取；请拆分后分批上传。"
            )
        if size > XLSX_RATIO_GRACE and size / packed > limits.max_ratio:
            raise FileRejected(
                f"Excel文件“{name}”中的“{info.filename}”压缩比异常（{_human_size(packed)}解压后为"
                f"{_human_size(size)}，约{size // packed}倍，上限{limits.max_ratio}倍），疑似压缩炸弹，已拒绝读取。"
            )


def _classify_zip(path: Path, name: str, limits: ZipLimits) -> str:
    """Return "xlsx" for an Excel workbook package, else raise FileRejected naming what the ZIP file is."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            mimetype = archive.read("mimetype")[:200] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        what = "Excel文件" if _extension(name) in {".xlsx", ".xlsm"} else "ZIP文件"
        raise FileRejected(f"{what}已损坏，无法读取。{_RESAVE}") from exc
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        total = sum(info.file_size for info in infos)
        if total > XLSX_MAX_UNCOMPRESSED:
            raise FileRejected(
                f"Excel文件解压后的内容为{_human_size(total)}，超过上限{_human_size(XLSX_MAX_UNCOMPRESSED)}，"
                "请拆分后分批上传。"
            )
        _check_members(infos, name, limits)
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise FileRejected("不支持Excel二进制工作簿（.xlsb）文件，请另存为.xlsx或CSV（UTF-8）后上传。")
    if b"spreadsheet" in mimetype:
        raise FileRejected("不支持OpenDocument表格（.ods）文件，请另存为.xlsx或CSV（UTF-8）后上传。")
    if "word/document.xml" in names:
        raise _reject_binary("Word文档（.docx）")
    if "ppt/presentation.xml" in names:
        raise _reject_binary("PowerPoint演示文稿（.pptx）")
    raise FileRejected("文件是ZIP压缩包，不是Excel工作簿（.xlsx）或CSV文件，请解压后上传其中的表格文件。")


def _detect_kind(path: Path, head: bytes, name: str, limits: ZipLimits) -> str:
    if head.startswith(_OLE2):
        raise _classify_ole2(path)
    if head.startswith(_ZIP_MAGIC):
        return _classify_zip(path, name, limits)
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise _reject_binary(what)
    return "csv"


# ------------------------------------------------------------------------------------------------ encoding


def _label(encoding: str) -> str:
    return _LABELS.get(encoding, encoding.upper())


def _normalise_encoding(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    if key in _GB_ALIASES:
        return "gb18030"
    try:
        info = codecs.lookup(key)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise FileRejected(f"不支持的文件编码“{name}”，请选择UTF-8或GB18030（GBK）。")
    if info.name in {"gbk", "gb2312", "gb18030"}:
        return "gb18030"
    return info.name


def _breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _decoding_error(line: int, encoding: str, how: str) -> FileRejected:
    label = _label(encoding)
    if how == "explicit":
        return FileRejected(
            f"第{line}行含有无法按所选编码{label}解码的字节，请确认文件编码，或将文件另存为UTF-8编码的CSV后重新上传。"
        )
    return FileRejected(
        f"文件编码不一致：第{line}行含有无法按{label}解码的字节（此前的内容为{label}编码），"
        "请将整个文件另存为UTF-8编码的CSV后重新上传。"
    )


def _bom_encoding(sample: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    probe = sample[:4096]
    even, odd = probe[0::2], probe[1::2]
    if len(odd) < 2:
        return None
    even_zero, odd_zero = even.count(0), odd.count(0)
    # ASCII characters give a zero byte in every other position; CJK characters rarely give one anywhere
    if odd_zero >= max(1, len(odd) // 10) and even_zero * 8 <= odd_zero:
        return "utf-16-le"
    if even_zero >= max(1, len(even) // 10) and odd_zero * 8 <= even_zero:
        return "utf-16-be"
    return None


def _same_family(explicit: str, bom: str) -> bool:
    return explicit.replace("-sig", "").split("-")[:2] == bom.replace("-sig", "").split("-")[:2]


def _scan_text(chunks: Iterable[bytes], encoding: str, final: bool) -> tuple[str, int, int]:
    """Strictly decode ``chunks`` without keeping the text.

    Return the text of the first chunk, the physical line (from 1) of the first undecodable byte (-1 when there
    is none) and the number of non-ASCII characters decoded before it.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    head: str | None = None
    lines, non_ascii, previous_cr = 1, 0, False
    for chunk in itertools.chain(chunks, [b""] if final else []):
        state = decoder.getstate()
        try:
            text = decoder.decode(chunk, final=not chunk)
            error = False
        except UnicodeDecodeError as exc:  # decode the good part before the error to count its lines
            fresh = codecs.getincrementaldecoder(encoding)("replace")
            fresh.setstate((b"", state[1]))
            text = fresh.decode(bytes(exc.object[: exc.start]), final=True)
            error = True
        if head is None:
            head = text
        if text:
            lines += _breaks(text) - (1 if previous_cr and text.startswith("\n") else 0)
            non_ascii += _non_ascii(text)
            previous_cr = text.endswith("\r")
        if error:
            return head, lines, non_ascii
    return head or "", -1, 0


def _decode(sample: bytes, encoding: str, complete: bool) -> tuple[str | None, int, int]:
    """Validate the sample; return (its first 256 KB as text, -1, 0) or (None, error line, non-ASCII before it)."""
    pieces = (sample[start : start + 256 * 1024] for start in range(0, len(sample), 256 * 1024))
    head, line, non_ascii = _scan_text(pieces, encoding, complete)
    return (head, -1, 0) if line < 0 else (None, line, non_ascii)


@dataclass
class _Decoding:
    encoding: str
    how: str  # "explicit", "bom" or "auto": chooses the wording of a later decoding error
    text: str  # the start of the decoded sample (256 KB)


def _choose_encoding(
    sample: bytes, complete: bool, explicit: str | None, textual_name: bool, warnings: list[str]
) -> _Decoding:
    bom = _bom_encoding(sample)
    if explicit is not None:
        encoding, how = _normalise_encoding(explicit), "explicit"
        if bom is not None:
            if not _same_family(encoding, bom):
                warnings.append(
                    f"文件开头带有{_label(bom)}字节顺序标记（BOM），已按{_label(bom)}读取，"
                    f"未采用所选编码{_label(encoding)}。"
                )
            encoding, how = bom, "bom"
    elif bom is not None:
        encoding, how = bom, "bom"
    else:
        encoding, how = _utf16_without_bom(sample) or "", "auto"
    if encoding:
        text, line, _ = _decode(sample, encoding, complete)
        if text is None:
            raise _decoding_error(line, encoding, how)
        return _Decoding(encoding, how, text)

    if b"\x00" in sample:
        if textual_name:
            raise FileRejected("文件含有二进制内容（空字节），不是有效的CSV文本文件，无法读取。")
        raise FileRejected("无法识别文件格式：文件既不是Excel工作簿（.xlsx），也不是CSV文本文件。")
    text, utf8_line, utf8_non_ascii = _decode(sample, "utf-8", complete)
    if text is not None:
        return _Decoding("utf-8", "auto", text)
    if utf8_non_ascii >= 4:  # genuine UTF-8 text before the bad bytes: a file mixing encodings
        raise _decoding_error(utf8_line, "utf-8", "auto")
    text, gb_line, _ = _decode(sample, "gb18030", complete)
    if text is not None:
        warnings.append("已自动识别文件编码为GB18030（GBK）。")
        return _Decoding("gb18030", "auto", text)
    if not textual_name:
        raise FileRejected("无法识别文件格式：文件既不是Excel工作簿（.xlsx），也不是CSV文本文件。")
    line = max(utf8_line, gb_line)
    raise FileRejected(f"无法识别文件编码：第{line}行附近有无法解码的字节，请将文件另存为UTF-8编码的CSV后重新上传。")


def _locate_decoding_error(path: Path, encoding: str) -> int | None:
    """Return the physical line (from 1) of the first byte of ``path`` that ``encoding`` cannot decode."""
    with open(path, "rb") as handle:
        line = _scan_text(iter(lambda: handle.read(_CHUNK), b""), encoding, True)[1]
    return None if line < 0 else line


def _sniff_delimiter(text: str) -> str:
    for line in itertools.islice(_lines(text), 10_000):
        if line.strip().strip("".join(_DELIMITERS) + " \u3000"):  # skip lines that are blank as records
            counts = [sum(1 for cell in next(csv.reader([line], delimiter=d)) if cell.strip()) for d in _DELIMITERS]
            return _DELIMITERS[counts.index(max(counts))]
    return ","


def _lines(text: str) -> Iterator[str]:
    start = 0
    for match in re.finditer(r"\r\n|\r|\n", text):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


def _reject_markup(text: str) -> None:
    head = text[:4096].lstrip("\ufeff \t\r\n").lower()
    if not head.startswith("<"):
        return
    if "urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise FileRejected("文件是Excel 2003 XML表格，不是.xlsx工作簿，请在Excel中另存为.xlsx或CSV（UTF-8）后上传。")
    if "<html" in head or "<table" in head or "<!doctype html" in head:
        raise FileRejected(
            "文件内容是网页（HTML）表格，不是真正的Excel文件，请在Excel中打开并另存为.xlsx或CSV（UTF-8）后上传。"
        )


# ------------------------------------------------------------------------------------------------------- CSV


@dataclass
class _CsvContext:
    path: Path
    encoding: str
    how: str

    def failure(self, exc: Exception, start: int) -> FileRejected:
        if isinstance(exc, UnicodeDecodeError):
            line = _locate_decoding_error(self.path, self.encoding) or start
            return _decoding_error(line, self.encoding, self.how)
        text = str(exc)
        if "field limit" in text:
            return FileRejected(
                f"第{start}行起有单元格内容超过{csv.field_size_limit()}个字符，通常是英文双引号不成对，"
                f"导致其后多行被并入同一单元格；请检查第{start}行的引号后重新上传。"
            )
        return FileRejected(f"第{start}行不符合CSV格式（{text}），请检查该行后重新上传。")


def _unclosed_quote(start: int) -> FileRejected:
    return FileRejected(
        f"第{start}行有以英文双引号开头的单元格，但直到文件末尾都没有对应的结束引号，请检查该行的引号后重新上传。"
    )


def _next_record(reader: Any, last: int, context: _CsvContext) -> tuple[Row | None, int]:
    """Read up to the next non-blank record; return it (or None at the end) and the last line consumed."""
    start = last + 1
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if not row:
                continue
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if cells[-1].endswith(_EOF_SENTINEL):
                if len(cells) == 1 and cells[0] == _EOF_SENTINEL:
                    return None, last
                raise _unclosed_quote(start)
            return (start, cells), last
    except (UnicodeDecodeError, csv.Error) as exc:
        raise context.failure(exc, last + 1) from None
    raise AssertionError("the end-of-file sentinel was not seen")  # pragma: no cover


def _csv_rows(handle: Any, reader: Any, first: Row, width: int, context: _CsvContext) -> Iterator[Row]:
    strip = str.strip
    try:
        yield _PRIMER
        yield first
        last = reader.line_num
        try:
            for row in reader:
                start = last + 1
                last = reader.line_num
                if not row:
                    continue
                cells = list(map(strip, row))
                if not any(cells):
                    continue
                if cells[-1].endswith(_EOF_SENTINEL):
                    if len(cells) == 1 and cells[0] == _EOF_SENTINEL:
                        return
                    raise _unclosed_quote(start)
                if len(cells) != width:
                    _fit(cells, width)
                yield start, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise context.failure(exc, last + 1) from None
    finally:
        handle.close()


def _open_csv(
    path: Path, name: str, size: int, encoding: str | None, warnings: list[str]
) -> tuple[SourceFile, Iterator[Row]]:
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    complete = len(sample) >= size
    decoding = _choose_encoding(sample, complete, encoding, _extension(name) in _TEXT_EXTENSIONS, warnings)
    _reject_markup(decoding.text)
    if _extension(name) in {".xlsx", ".xlsm", ".xls", ".et"}:
        warnings.append(f"文件扩展名为“{_extension(name)}”，但内容是文本（CSV）格式，已按CSV读取。")
    delimiter = _sniff_delimiter(decoding.text)
    context = _CsvContext(path, decoding.encoding, decoding.how)

    stream = open(path, encoding=decoding.encoding, newline="", errors="strict")  # noqa: SIM115 - closed by rows
    try:
        reader = csv.reader(itertools.chain(stream, (_EOF_SENTINEL,)), delimiter=delimiter, quotechar='"')
        header, last = _next_record(reader, 0, context)
        if header is None:
            raise FileRejected(_EMPTY)
        if header[0] != 1:
            raise FileRejected(_MISSING_HEADER)
        headers = _make_headers(header[1])
        first, last = _next_record(reader, last, context)
        if first is None:
            raise FileRejected(_HEADER_ONLY)
        _fit(first[1], len(headers))
        rows = _csv_rows(stream, reader, first, len(headers), context)
        next(rows)  # arm the generator: from now on it closes the file when it is exhausted, closed or collected
    except BaseException:
        stream.close()
        raise
    source = SourceFile("csv", decoding.encoding, None, headers, _sha256(path), size, warnings)
    return source, rows


# ------------------------------------------------------------------------------------------------------- API


def open_source(
    path: Path,
    *,
    filename: str | None = None,
    encoding: str | None = None,
    max_bytes: int = 1_073_741_824,
    zip_limits: ZipLimits | None = None,
) -> tuple[SourceFile, Iterator[tuple[int, list[str]]]]:
    """Inspect the file and return its description and an iterator of (row_number, cells) for data rows."""
    path = Path(path)
    name = filename or path.name
    size = os.stat(path).st_size
    if size > max_bytes:
        raise FileRejected(_too_large(size, max_bytes))
    if size == 0:
        raise FileRejected(_EMPTY)
    with open(path, "rb") as handle:
        head = handle.read(16)
    warnings: list[str] = []
    if _detect_kind(path, head, name, zip_limits or ZipLimits.configured()) == "xlsx":
        from xinyong.ingestion.xlsx import _open_xlsx  # the XLSX reader builds on this module's helpers

        return _open_xlsx(path, name, size, warnings)
    return _open_csv(path, name, size, encoding, warnings)
