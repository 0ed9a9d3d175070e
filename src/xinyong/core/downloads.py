"""Safe files in and out: upload names that cannot climb directories, downloads named by RFC 6266/5987 and
carrying their SHA-256, and spreadsheet cells that cannot run as formulas.

Every CSV and XLSX the platform writes goes through this module (``csv_text``, ``sheet_append``; enforced by
``tests/security/test_issue29_exports.py``), so that no exported cell starts a formula in Excel, WPS or LibreOffice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

CHECKSUM_HEADER = "X-Content-SHA256"
# A cell starting with one of these is a formula (or becomes one) in Excel, WPS and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._]+")
# A signed plain number ("-5", "+0.2", "-1e3") is a value, not a formula: kept as is (an amount stays an amount).
_PLAIN_NUMBER = re.compile(r"[+-]\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def safe_filename(name: str | None, default: str = "upload") -> str:
    """The last component of an uploaded file's name, without control characters, separators or leading dots.

    ``../../etc/passwd`` becomes ``passwd``, ``C:\\temp\\a.csv`` becomes ``a.csv``; an empty result gives
    ``default``. Never use the result as more than a file name inside a directory of our own.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = PureWindowsPath(PurePosixPath(text.replace("\x00", "")).name).name
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" and ch not in '/\\:*?"<>|')
    text = text.strip().lstrip(".").strip()
    return text[:150] or default


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition value: an ASCII fallback ``filename`` and the exact name as RFC 5987 ``filename*``."""
    clean = safe_filename(filename, "download")
    stem, dot, suffix = clean.rpartition(".")
    if not dot:
        stem, suffix = clean, ""
    fallback_stem = "-".join(part for part in _UNSAFE_ASCII.split(stem) if part.strip("._-")) or "download"
    fallback = fallback_stem + ("." + _UNSAFE_ASCII.sub("", suffix) if suffix else "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(clean, safe='')}"


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of a file, as served in ``X-Content-SHA256``."""
    return hashlib.sha256(data).hexdigest()


def download(data: bytes, *, filename: str, media_type: str, inline: bool = False) -> Response:
    """A file download: safe name, exact type, no sniffing, and its SHA-256 for the recipient to check."""
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(filename, inline=inline),
            CHECKSUM_HEADER: sha256_hex(data),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def neutralise_cell(value: Any) -> Any:
    """A spreadsheet cell value that cannot start a formula: text beginning with = + - @ tab CR or LF gets a
    leading apostrophe (shown as text by Excel and WPS). Numbers, signed plain numbers as text and dates pass
    unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_row(values: list[Any]) -> list[Any]:
    """``neutralise_cell`` over a row."""
    return [neutralise_cell(v) for v in values]


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (RFC 4180, CRLF line ends) of the rows, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(neutralise_row(list(row)))
    return out.getvalue()


def neutralise_csv(text: str) -> str:
    """A CSV text (written by ``csv_text`` or before it existed) with every cell neutralised; unchanged when it
    already was."""
    return csv_text(csv.reader(io.StringIO(text, newline="")))


def sheet_append(sheet: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet (write-only or not), every cell neutralised."""
    sheet.append(neutralise_row(list(values)))
