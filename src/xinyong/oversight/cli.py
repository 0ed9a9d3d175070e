"""`xinyong oversight …`: the annual assessment table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xinyong.core.cli import out, unit_of_work

oversight_app = typer.Typer(help="部门履职监测与年度考核。", no_args_is_help=True)


@oversight_app.command("assessment")
def assessment_command(
    out_file: Annotated[Path, typer.Option("--out", help="写入的XLSX文件")],
    year: Annotated[int | None, typer.Option("--year", min=2000, max=2100, help="考核年度（默认本年）")] = None,
) -> None:
    """导出年度营商环境考核评分表（XLSX：各部门指标、得分、权重版本与指标口径）。"""
    from xinyong.oversight import assessment, service

    with unit_of_work() as (_db, session):
        p = service.period(year)
        data = assessment.workbook_bytes(session, p)
        scored = [f for f in assessment.rows(session, p) if f.score(service.weighting_for(p.year)) is not None]
    out_file.write_bytes(data)
    out.print(f"已导出{p.year}年度考核评分表：{out_file}（{len(scored)}个部门有得分）。")
