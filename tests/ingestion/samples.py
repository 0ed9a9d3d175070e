"""Sample penalty files for ingestion tests: realistic rows with valid codes, and ways to break them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from xinyong.core.identifiers import make_uscc

AUTHORITY = "112303820023820061"  # 密山市市场监督管理局 (the demo department's code)
HEADERS_CODE = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_FRDB",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_JDRQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
]
HEADERS_CN = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
]


def company_code(n: int) -> str:
    """A valid enterprise USCC in Mishan, distinct for each n."""
    return make_uscc("9", "1", "230382", "MA" + format(n, "06d"))


def row(n: int, **overrides: str) -> dict[str, str]:
    """One valid penalty row (by field code) about company n."""
    values = {
        "CF_XDR_MC": f"密山市兴凯食品有限公司{n}",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": company_code(n),
        "CF_FRDB": "王建国",
        "CF_WSH": f"密市监罚〔2026〕{n}号",
        "CF_WFXW": "销售不符合食品安全标准的食品",
        "CF_SY": "经查，当事人销售过期食品。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": "警告、罚款",
        "CF_NR": "警告，并处罚款2000元",
        "CF_NR_FK": "0.2",
        "CF_JDRQ": "2026-11-20",
        "CF_CFJG": "密山市市场监督管理局",
        "CF_CFJGDM": AUTHORITY,
        "CF_SJLY": "密山市市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
    }
    values.update(overrides)
    return values


def write_csv(path: Path, rows: list[dict[str, str]], *, chinese: bool = False, encoding: str = "utf-8-sig") -> Path:
    """Write rows as a CSV with code or Chinese headers."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS_CN if chinese else HEADERS_CODE)
    for r in rows:
        writer.writerow([r.get(code, "") for code in HEADERS_CODE])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def json_fields(n: int, **overrides: Any) -> dict[str, Any]:
    """One penalty as the JSON API takes it."""
    values: dict[str, Any] = dict(row(n))
    values.update(overrides)
    return values
