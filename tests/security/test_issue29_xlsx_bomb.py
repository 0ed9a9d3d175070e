"""Issue 29, finding 2: an XLSX decompression bomb (a sheet of hundreds of MB in a file of a few hundred KB, one row
that never ends) is refused quickly, in bounded memory, with a Chinese message naming the file and the reason."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from xinyong.ingestion.files import FileRejected, ZipLimits, open_source

CELL = b'<c t="inlineStr"><is><t>AAAAAAAAAAAAAAAA</t></is></c>'


def _bomb(path: Path, sheet_mb: int, *, cell: bytes = CELL) -> Path:
    """A real workbook whose sheet1.xml is replaced by ``sheet_mb`` MB of cells in one row without ``</row>``."""
    wb = Workbook()
    wb.active.append(["统一社会信用代码", "名称"])
    plain = io.BytesIO()
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, src.read(info))
                continue
            with out.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
                )
                block = cell * (1024 * 1024 // len(cell))
                for _ in range(sheet_mb):
                    sheet.write(block)
    return path


def _refusal(path: Path, **kw: object) -> tuple[str, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FileRejected) as caught:
            open_source(path, filename="处罚信息.xlsx", **kw)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return caught.value.message, elapsed, peak


def test_a_decompression_bomb_is_refused_quickly_by_its_compression_ratio(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx", 128)
    assert bomb.stat().st_size < 1024 * 1024
    message, elapsed, peak = _refusal(bomb)
    assert "处罚信息.xlsx" in message and "sheet1.xml" in message and "压缩比异常" in message and "压缩炸弹" in message
    assert elapsed < 1.0 and peak < 5 * 1024 * 1024, (elapsed, peak)


def test_a_row_that_never_ends_is_refused_in_bounded_memory_even_under_the_ratio_limit(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx", 64)
    lenient = ZipLimits(max_member_bytes=4 * 1024**3, max_ratio=100_000)  # only the row bound stops it
    message, elapsed, peak = _refusal(bomb, zip_limits=lenient)
    assert "处罚信息.xlsx" in message and "第1行" in message and "未找到行结束标记" in message
    assert elapsed < 3.0 and peak < 32 * 1024 * 1024, (elapsed, peak)


def test_a_member_beyond_the_uncompressed_limit_is_refused(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx", 8)
    message, _elapsed, _peak = _refusal(bomb, zip_limits=ZipLimits(max_member_bytes=4 * 1024 * 1024, max_ratio=10**6))
    assert "处罚信息.xlsx" in message and "超过单个部件的上限4.0 MB" in message


def test_ordinary_workbooks_are_unaffected(tmp_path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("处罚")
    ws.append(["统一社会信用代码", "名称", "备注"])
    for i in range(20_000):  # a repetitive sheet of several MB: compresses about 15 times
        ws.append([f"91230382MA{i:07d}X", "密山市某某商贸有限公司", ""])
    path = tmp_path / "ok.xlsx"
    wb.save(path)
    source, rows = open_source(path)
    assert source.headers == ["统一社会信用代码", "名称", "备注"] and sum(1 for _ in rows) == 20_000
