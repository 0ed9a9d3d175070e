"""Reading uploaded CSV / XLSX files: kinds, encodings, delimiters, row numbers, sheet rules and rejections."""

from __future__ import annotations

import codecs
import hashlib
import random
import re
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from xinyong.core.errors import DomainError
from xinyong.ingestion.files import (
    SAMPLE_BYTES,
    FileRejected,
    SourceFile,
    column_letter,
    excel_serial_to_date,
    open_source,
)

HEADER = "行政相对人名称,统一社会信用代码,行政处罚决定书文号,罚款金额（万元）"
ROW_A = "密山市兴隆商贸有限公司,91230382MA1BXKQ50N,密市监罚〔2026〕12号,0.5"
ROW_B = "密山市顺达运输有限公司,91230382MA1C2E8H3T,密市监罚〔2026〕13号,1.2"
HEADERS = ["行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "罚款金额（万元）"]
CELLS_A = ROW_A.split(",")
CELLS_B = ROW_B.split(",")


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def read(path: Path, **kwargs: object) -> tuple[SourceFile, list[tuple[int, list[str]]]]:
    source, rows = open_source(path, **kwargs)  # type: ignore[arg-type]
    return source, list(rows)


def rejection(path: Path, **kwargs: object) -> str:
    with pytest.raises(FileRejected) as caught:
        read(path, **kwargs)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def csv_text(*lines: str, newline: str = "\r\n") -> str:
    return newline.join(lines) + newline


# ------------------------------------------------------------------------------------------------ encodings


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "处罚.csv", codecs.BOM_UTF8 + csv_text(HEADER, ROW_A, ROW_B).encode())
    source, rows = read(path)
    assert (source.kind, source.encoding, source.sheet) == ("csv", "utf-8-sig", None)
    assert source.headers == HEADERS  # no "\ufeff" glued to the first header
    assert rows == [(2, CELLS_A), (3, CELLS_B)]
    assert source.warnings == []


def test_utf8_without_bom(tmp_path: Path) -> None:
    source, rows = read(write(tmp_path, "处罚.csv", csv_text(HEADER, ROW_A)))
    assert source.encoding == "utf-8"
    assert source.headers == HEADERS
    assert rows == [(2, CELLS_A)]
    assert source.warnings == []


def test_gb18030_is_detected_with_a_warning(tmp_path: Path) -> None:
    rare = "密山市刘䶮百货店"  # 䶮 (U+4DAE) exists in GB18030 but not in GBK
    path = write(tmp_path, "gbk.csv", csv_text(HEADER, ROW_A, ROW_B.replace("密山市顺达运输有限公司", rare)), "gb18030")
    source, rows = read(path)
    assert source.encoding == "gb18030"
    assert source.headers == HEADERS
    assert rows == [(2, CELLS_A), (3, [rare, *CELLS_B[1:]])]
    assert source.warnings == ["已自动识别文件编码为GB18030（GBK）。"]


def test_explicit_encoding_is_used_and_normalised(tmp_path: Path) -> None:
    gbk = write(tmp_path, "gbk.csv", csv_text(HEADER, ROW_A), "gbk")
    for name in ("GBK", "gb2312", "cp936", "GB18030"):
        source, rows = read(gbk, encoding=name)
        assert (source.encoding, source.headers, rows) == ("gb18030", HEADERS, [(2, CELLS_A)])
        assert source.warnings == []  # nothing was guessed
    utf8 = write(tmp_path, "utf8.csv", csv_text(HEADER, ROW_A))
    assert read(utf8, encoding="UTF8")[0].encoding == "utf-8"
    bom = write(tmp_path, "bom.csv", codecs.BOM_UTF8 + csv_text(HEADER, ROW_A).encode())
    source, _ = read(bom, encoding="utf-8")
    assert (source.encoding, source.headers) == ("utf-8-sig", HEADERS)
    source, _ = read(bom, encoding="gbk")  # the byte order mark wins over a wrong choice, with a note
    assert (source.encoding, source.headers) == ("utf-8-sig", HEADERS)
    assert source.warnings == ["文件开头带有UTF-8字节顺序标记（BOM），已按UTF-8读取，未采用所选编码GB18030（GBK）。"]
    assert rejection(gbk, encoding="utf-8") == (
        "第1行含有无法按所选编码UTF-8解码的字节，请确认文件编码，或将文件另存为UTF-8编码的CSV后重新上传。"
    )
    assert rejection(utf8, encoding="klingon") == "不支持的文件编码“klingon”，请选择UTF-8或GB18030（GBK）。"


def test_gbk_row_after_the_detection_sample_is_rejected_naming_its_line(tmp_path: Path) -> None:
    good = ROW_A.encode() + b"\r\n"
    count = SAMPLE_BYTES // len(good) + 2000  # well past the sample that decided "UTF-8"
    data = (HEADER + "\r\n").encode() + good * count + ROW_B.encode("gbk") + b"\r\n" + good
    bad_line = count + 2
    source, rows = open_source(write(tmp_path, "mixed.csv", data))
    assert source.encoding == "utf-8"
    seen = 0
    with pytest.raises(FileRejected) as caught:
        for number, _cells in rows:
            seen = number
    assert caught.value.message == (
        f"文件编码不一致：第{bad_line}行含有无法按UTF-8解码的字节（此前的内容为UTF-8编码），"
        "请将整个文件另存为UTF-8编码的CSV后重新上传。"
    )
    assert seen < bad_line


def test_gbk_row_inside_the_sample_is_rejected_at_open(tmp_path: Path) -> None:
    data = csv_text(HEADER, ROW_A, ROW_A).encode() + ROW_B.encode("gbk") + b"\r\n"
    assert "第4行含有无法按UTF-8解码的字节" in rejection(write(tmp_path, "mixed.csv", data))


def test_undecodable_text_is_rejected(tmp_path: Path) -> None:
    data = b"name,code\r\nabc,1\r\n\x80\x80\xff,2\r\n"
    assert rejection(write(tmp_path, "bad.csv", data)) == (
        "无法识别文件编码：第3行附近有无法解码的字节，请将文件另存为UTF-8编码的CSV后重新上传。"
    )


def test_utf16_tab_separated_unicode_text(tmp_path: Path) -> None:
    text = csv_text(HEADER.replace(",", "\t"), ROW_A.replace(",", "\t"), ROW_B.replace(",", "\t"))
    source, rows = read(write(tmp_path, "unicode.txt", text, "utf-16"))  # Excel's "Unicode text": BOM + UTF-16LE
    assert source.encoding == "utf-16"
    assert source.headers == HEADERS
    assert rows == [(2, CELLS_A), (3, CELLS_B)]
    source, rows = read(write(tmp_path, "nobom.txt", text, "utf-16-le"))
    assert (source.encoding, source.headers, rows[-1]) == ("utf-16-le", HEADERS, (3, CELLS_B))


# ----------------------------------------------------------------------------------------- CSV structure


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    text = csv_text(HEADER.replace(",", delimiter), ROW_A.replace(",", delimiter), "甲公司,乙分店" + delimiter + "x")
    source, rows = read(write(tmp_path, "d.csv", text))
    assert source.headers == HEADERS
    assert rows == [(2, CELLS_A), (3, ["甲公司,乙分店", "x", "", ""])]


def test_quoted_multiline_cells_keep_physical_line_numbers(tmp_path: Path) -> None:
    for newline in ("\r\n", "\n"):
        text = csv_text(
            "名称,违法事实,金额",
            '甲公司,"第一行' + newline + "第二行" + newline + '第三行",1',
            "乙公司,x,2",
            '丙公司,"含""引号""的内容",3',
            newline=newline,
        )
        _, rows = read(write(tmp_path, "m.csv", text))
        assert rows == [
            (2, ["甲公司", f"第一行{newline}第二行{newline}第三行", "1"]),
            (5, ["乙公司", "x", "2"]),
            (6, ["丙公司", '含"引号"的内容', "3"]),
        ]


def test_blank_rows_are_skipped_but_numbering_is_kept(tmp_path: Path) -> None:
    text = csv_text("名称,代码", "", "甲,1", " , \u3000", ",,,", "", "乙,2")
    _, rows = read(write(tmp_path, "b.csv", text))
    assert rows == [(3, ["甲", "1"]), (7, ["乙", "2"])]


def test_cells_and_headers_are_stripped(tmp_path: Path) -> None:
    text = csv_text(" 名称\u3000,\u200b代码 ,\xa0备注", "\u3000甲公司\u3000 ,\xa091230382MA1BXKQ50N\t, 有 空格 ")
    source, rows = read(write(tmp_path, "s.csv", text))
    assert source.headers == ["名称", "代码", "备注"]
    assert rows == [(2, ["甲公司", "91230382MA1BXKQ50N", "有 空格"])]


def test_short_rows_are_padded_and_extra_cells_appended(tmp_path: Path) -> None:
    text = csv_text("名称,,代码,", "甲,,1,,,", "乙,x,2,3,,", "丙")
    source, rows = read(write(tmp_path, "e.csv", text))
    assert source.headers == ["名称", "", "代码"]  # trailing empty header dropped, inner one kept
    assert rows == [(2, ["甲", "", "1"]), (3, ["乙", "x", "2", "3"]), (4, ["丙", "", ""])]


def test_unclosed_quote_at_end_of_file_is_rejected(tmp_path: Path) -> None:
    text = csv_text("名称,说明", "甲,正常", '乙,"没有结束引号', "丙,被吞掉的行")
    _, rows = open_source(write(tmp_path, "q.csv", text))
    assert next(rows) == (2, ["甲", "正常"])
    with pytest.raises(FileRejected) as caught:
        next(rows)
    assert caught.value.message == (
        "第3行有以英文双引号开头的单元格，但直到文件末尾都没有对应的结束引号，请检查该行的引号后重新上传。"
    )


# --------------------------------------------------------------------------------------- CSV rejections


@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, b"  \r\n\r\n\t", ",,\r\n , \r\n", "\ufeff\u3000\r\n".encode()])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    assert rejection(write(tmp_path, "empty.csv", data)) == "文件为空。"


@pytest.mark.parametrize("text", [HEADER, HEADER + "\r\n", csv_text(HEADER, "", ",,,", " ")])
def test_header_only(tmp_path: Path, text: str) -> None:
    assert rejection(write(tmp_path, "h.csv", text)) == "文件只有表头，没有数据行。"


@pytest.mark.parametrize("first", ["", ",,,", "\u3000, "])
def test_missing_header(tmp_path: Path, first: str) -> None:
    assert rejection(write(tmp_path, "m.csv", csv_text(first, HEADER, ROW_A))) == "缺少表头：第1行为空。"


def test_duplicate_headers_name_the_columns(tmp_path: Path) -> None:
    names = [f"字段{i}" for i in range(28)]
    names[1] = names[27] = "统一社会信用代码"
    path = write(tmp_path, "dup.csv", csv_text(",".join(names), ",".join("x" * 28)))
    assert rejection(path) == "表头“统一社会信用代码”重复出现（第B列和第AB列）。"
    path = write(tmp_path, "dup2.csv", csv_text("名称,代码, 名称\u3000", "甲,1,乙"))
    assert rejection(path) == "表头“名称”重复出现（第A列和第C列）。"


def test_oversized_file_is_rejected_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.csv", csv_text(HEADER, *[ROW_A] * 40))
    size = path.stat().st_size
    assert rejection(path, max_bytes=1024) == f"文件大小为{size / 1024:.1f} KB，超过上限1.0 KB，请拆分后分批上传。"
    assert rejection(path, max_bytes=size - 1) == (
        f"文件大小为{size / 1024:.1f} KB（{size:,}字节），超过上限{size / 1024:.1f} KB（{size - 1:,}字节），"
        "请拆分后分批上传。"
    )
    sparse = tmp_path / "huge.xls"  # 2 GiB of zero bytes: rejected from its size alone, never read
    with open(sparse, "wb") as handle:
        handle.truncate(2 * 1024**3)
    assert rejection(sparse) == "文件大小为2.0 GB，超过上限1.0 GB，请拆分后分批上传。"


def test_old_xls_and_other_binaries_are_rejected(tmp_path: Path) -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    xls_message = "不支持旧版Excel（.xls）文件，请另存为.xlsx或CSV（UTF-8）后上传。"
    assert rejection(write(tmp_path, "old.xls", ole2 + "Workbook".encode("utf-16-le"))) == xls_message
    assert rejection(write(tmp_path, "renamed.csv", ole2)) == xls_message  # content decides, not the name
    encrypted = ole2 + "EncryptedPackage".encode("utf-16-le")
    assert "文件已加密" in rejection(write(tmp_path, "secret.xlsx", encrypted))
    noise = random.Random(7).randbytes(20_000)
    binary = "无法识别文件格式：文件既不是Excel工作簿（.xlsx），也不是CSV文本文件。"
    assert rejection(write(tmp_path, "upload.bin", noise)) == binary
    assert (
        rejection(write(tmp_path, "upload.csv", noise))
        == "文件含有二进制内容（空字节），不是有效的CSV文本文件，无法读取。"
    )
    pdf = rejection(write(tmp_path, "scan.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"))
    assert pdf == "文件是PDF文档，不是Excel工作簿（.xlsx）或CSV文件，无法读取。"


def test_html_and_zip_files_named_as_excel_are_rejected(tmp_path: Path) -> None:
    html = "<html><body><table><tr><td>名称</td></tr></table></body></html>"
    assert "网页（HTML）表格" in rejection(write(tmp_path, "export.xls", html))
    docx = tmp_path / "report.xlsx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert rejection(docx) == "文件是Word文档（.docx），不是Excel工作簿（.xlsx）或CSV文件，无法读取。"


def test_csv_content_with_excel_name_is_read_with_a_note(tmp_path: Path) -> None:
    source, rows = read(write(tmp_path, "导出.xls", csv_text(HEADER.replace(",", "\t"), ROW_A.replace(",", "\t"))))
    assert (source.kind, source.headers, rows) == ("csv", HEADERS, [(2, CELLS_A)])
    assert source.warnings == ["文件扩展名为“.xls”，但内容是文本（CSV）格式，已按CSV读取。"]


def test_hash_and_size(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + csv_text(HEADER, ROW_A).encode()
    source, _ = read(write(tmp_path, "h.csv", data))
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.size == len(data)


def test_large_csv_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    total = 200_000
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\r\n")
        for number in range(total):
            handle.write(
                f"密山市第{number}号商贸有限公司,91230382MA{number:08d},密市监罚〔2026〕{number}号,{number % 97}\r\n"
            )
    assert path.stat().st_size > 15_000_000
    tracemalloc.start()
    try:
        source, rows = open_source(path)
        _, open_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        assert isinstance(rows, Iterator) and not isinstance(rows, list | tuple)
        count = last = 0
        for number, cells in rows:
            count, last = count + 1, number
            assert len(cells) == 4
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, last) == (total, total + 1)
    assert source.headers == HEADERS
    assert open_peak < 3 * SAMPLE_BYTES < path.stat().st_size  # only the detection sample was held
    assert read_peak < 2_000_000  # the rows (~90 MB as Python lists) were never held together


# ----------------------------------------------------------------------------------------------------- XLSX


def save(wb: Workbook, tmp_path: Path, name: str = "处罚.xlsx") -> Path:
    path = tmp_path / name
    wb.save(path)
    return path


def patch_sheet(path: Path, edit: dict[bytes, bytes], member: str = "xl/worksheets/sheet1.xml") -> None:
    """Rewrite parts of a sheet's XML (openpyxl cannot write cached formula results)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = parts[member]
    for old, new in edit.items():
        assert old in xml, old
        xml = xml.replace(old, new)
    parts[member] = xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def penalty_workbook() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "行政处罚"
    ws.append(HEADERS)
    ws.append(CELLS_A)
    ws.append(CELLS_B)
    return wb


def test_xlsx_simple_sheet(tmp_path: Path) -> None:
    path = save(penalty_workbook(), tmp_path)
    source, rows = read(path)
    assert (source.kind, source.encoding, source.sheet) == ("xlsx", None, "行政处罚")
    assert source.headers == HEADERS
    assert rows == [(2, CELLS_A), (3, CELLS_B)]
    assert source.warnings == []
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source.size == path.stat().st_size


def test_xlsx_values_are_converted(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["金额", "整数", "整数值小数", "日期", "日期时间", "布尔", "文本", "很小", "浮点误差", "大数"])
    ws.append([0.2, 5000, 12.0, date(2026, 3, 5), datetime(2026, 3, 5, 14, 30), True, " 文本\u3000", 1e-7, 0.25])
    ws.append([1234.5, -3, 1e16, datetime(2026, 3, 5), None, False, "0.2", None, None, 123456789012345.0])
    ws["D3"].number_format = "yyyy-mm-dd"
    path = save(wb, tmp_path)
    # Excel stores 17 significant digits (0.1 + 0.2); openpyxl would write only 16, so patch the stored value
    patch_sheet(path, {b'<c r="I2" t="n"><v>0.25</v></c>': b'<c r="I2" t="n"><v>0.30000000000000004</v></c>'})
    source, rows = open_source(path)
    warnings = list(source.warnings)  # complete before any row is read
    assert list(rows) == [
        (2, ["0.2", "5000", "12", "2026-03-05", "2026-03-05 14:30:00", "是", "文本", "0.0000001", "0.3", ""]),
        (3, ["1234.5", "-3", "10000000000000000", "2026-03-05", "", "否", "0.2", "", "", "123456789012345"]),
    ]
    assert (
        warnings
        == source.warnings
        == [
            "第3行C列的数字“10000000000000000”超过15位，Excel只保存15位有效数字，末尾数字可能已丢失；"
            "身份证号码、统一社会信用代码等请设为文本格式后重新录入。"
        ]
    )


def test_xlsx_formulas_with_cached_values(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["单价", "数量", "金额", "说明", "编号"])
    ws.append([2.5, 4, "=A2*B2", '=IF(B2>5,"many","")', '="1E+20"'])
    path = save(wb, tmp_path)
    patch_sheet(
        path,
        {
            b'<c r="C2"><f>A2*B2</f><v /></c>': b'<c r="C2"><f>A2*B2</f><v>10</v></c>',
            b'<c r="D2"><f>IF(B2&gt;5,"many","")</f><v /></c>': (
                b'<c r="D2" t="str"><f>IF(B2&gt;5,"many","")</f><v></v></c>'
            ),
            b'<c r="E2"><f>"1E+20"</f><v /></c>': b'<c r="E2" t="str"><f>"1E+20"</f><v>1E+20</v></c>',
        },
    )
    source, rows = read(path)
    assert rows == [(2, ["2.5", "4", "10", "", "1E+20"])]
    assert source.warnings == []  # an empty string result is a computed value; "1E+20" here is text


def test_xlsx_formula_without_cached_value(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["单价", "数量", "金额"])
    ws.append([2.5, 4, 10])
    ws.append([3, 2, "=A3*B3"])  # openpyxl writes no cached result, as a file never opened in Excel
    source, rows = read(save(wb, tmp_path))
    assert rows == [(2, ["2.5", "4", "10"]), (3, ["3", "2", ""])]
    assert source.warnings == [
        "文件中含有未计算结果的公式单元格（如C3），其值按空白处理；请在Excel中打开并保存后重新上传。"
    ]


def test_xlsx_two_sheets_with_data_are_rejected(tmp_path: Path) -> None:
    wb = penalty_workbook()
    wb.create_sheet("空白")
    other = wb.create_sheet("行政许可")
    other.append(["许可证号"])
    other.append(["黑2026001"])
    assert rejection(save(wb, tmp_path)) == (
        "文件包含多个有数据的工作表（“行政处罚”、“行政许可”），请只保留一个工作表后上传。"
    )


def test_xlsx_empty_sheets_are_ignored_with_a_note(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "Sheet1"
    data = wb.create_sheet("数据")
    for row in (HEADERS, CELLS_A):
        data.append(row)
    wb.create_sheet("Sheet3")["B2"] = "  "  # whitespace only counts as empty
    source, rows = read(save(wb, tmp_path))
    assert (source.sheet, source.headers, rows) == ("数据", HEADERS, [(2, CELLS_A)])
    assert source.warnings == ["工作表“Sheet1”为空，已忽略。", "工作表“Sheet3”为空，已忽略。"]


def test_xlsx_hidden_list_sheet_is_ignored_with_a_note(tmp_path: Path) -> None:
    wb = penalty_workbook()
    lists = wb.create_sheet("字典")
    lists.append(["法人及非法人组织", "个体工商户", "自然人"])
    lists.sheet_state = "hidden"
    source, rows = read(save(wb, tmp_path))
    assert (source.sheet, rows[0]) == ("行政处罚", (2, CELLS_A))
    assert source.warnings == ["已忽略隐藏的工作表“字典”中的内容。"]


def test_xlsx_merged_cells_are_rejected(tmp_path: Path) -> None:
    wb = penalty_workbook()
    ws = wb.active
    ws.append(["密山市丰源粮贸有限公司", "91230382MA1D4F6G7H", "密市监罚〔2026〕14号", 2])
    ws.merge_cells("H1:J2")  # beyond the table's four columns: harmless
    ws.merge_cells("C3:C4")
    path = save(wb, tmp_path)
    assert rejection(path) == "第3行存在合并单元格（C3:C4），请取消合并并逐行填写后上传。"
    wb = penalty_workbook()
    wb.active.merge_cells("A1:D1")  # a title row over the table
    assert rejection(save(wb, tmp_path, "title.xlsx")) == "第1行存在合并单元格（A1:D1），请取消合并并逐行填写后上传。"
    wb = penalty_workbook()
    wb.active.merge_cells("H1:J2")
    assert read(save(wb, tmp_path, "side.xlsx"))[1] == [(2, CELLS_A), (3, CELLS_B)]


def test_xlsx_rows_numbers_blanks_and_structure(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(CELLS_A)
    ws["A3"] = "\u3000"  # blank after stripping
    ws.append([None, None, None, None, None, None, "多余"])  # row 4: an extra cell beyond the header
    ws["A6"] = "乙"
    _, rows = read(save(wb, tmp_path))
    assert rows == [(2, CELLS_A), (4, ["", "", "", "", "", "", "多余"]), (6, ["乙", "", "", ""])]

    wb = Workbook()
    wb.active.append(HEADERS)
    assert rejection(save(wb, tmp_path, "header.xlsx")) == "文件只有表头，没有数据行。"
    wb = Workbook()
    wb.active["A2"] = "名称"
    wb.active["A3"] = "甲"
    assert rejection(save(wb, tmp_path, "nohead.xlsx")) == "缺少表头：第1行为空。"
    assert rejection(save(Workbook(), tmp_path, "empty.xlsx")) == "文件为空。"
    wb = Workbook()
    wb.active.append(["名称", "代码", "名称"])
    wb.active.append(["甲", "1", "乙"])
    assert rejection(save(wb, tmp_path, "dup.xlsx")) == "表头“名称”重复出现（第A列和第C列）。"


def test_xlsx_content_with_csv_name(tmp_path: Path) -> None:
    source, rows = read(save(penalty_workbook(), tmp_path, "上传.csv"))
    assert (source.kind, len(rows)) == ("xlsx", 2)
    assert source.warnings == ["文件扩展名为“.csv”，但内容是Excel工作簿，已按Excel（.xlsx）读取。"]


def test_corrupt_xlsx_is_rejected(tmp_path: Path) -> None:
    path = save(penalty_workbook(), tmp_path)
    data = path.read_bytes()
    write(tmp_path, "broken.xlsx", data[: len(data) // 2])
    assert "已损坏" in rejection(tmp_path / "broken.xlsx")
    patch_sheet(path, {b"</sheetData>": b"<row r="}, member="xl/worksheets/sheet1.xml")
    message = rejection(path)
    assert "已损坏" in message


# ---------------------------------------------------------------------------------------------- helpers


def test_column_letter() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702, 16383)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        column_letter(-1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("45292", date(2024, 1, 1)),
        ("45292.0", date(2024, 1, 1)),
        (" 46086 ", date(2026, 3, 5)),
        ("45292.75", date(2024, 1, 1)),
        ("1", date(1900, 1, 1)),
        ("59", date(1900, 2, 28)),
        ("60", None),  # 1900-02-29 does not exist (Excel's Lotus 1-2-3 bug)
        ("61", date(1900, 3, 1)),
        ("2958465", date(9999, 12, 31)),
        ("2958466", None),
        ("0", None),
        ("-1", None),
        ("2024-01-01", None),
        ("4.5e4", None),
        ("", None),
    ],
)
def test_excel_serial_to_date(value: str, expected: date | None) -> None:
    assert excel_serial_to_date(value) == expected


def test_file_rejected_is_a_domain_error() -> None:
    error = FileRejected("文件为空。")
    assert isinstance(error, DomainError)
    assert (str(error), error.message, error.status_code) == ("文件为空。", "文件为空。", 422)
    assert re.fullmatch(r"[a-z_]+", error.code)
