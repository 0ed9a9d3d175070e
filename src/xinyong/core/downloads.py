"""Safe files in and out: upload names that cannot climb directories, downloads named by RFC 6266/5987 and
carrying their SHA-256, and spreadsheet cells that cannot run as formulas."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

CHECKSUM_HEADER = "X-Content-SHA256"
# A cell starting with one of these is a formula (or becomes one) in Excel, WPS and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._]+")


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
    leading apostrophe (shown as text by Excel and WPS). Numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_row(values: list[Any]) -> list[Any]:
    """``neutralise_cell`` over a row."""
    return [neutralise_cell(v) for v in values]
