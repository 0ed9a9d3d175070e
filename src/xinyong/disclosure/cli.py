"""`xinyong disclosure …`: the publicity jobs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from xinyong.core.cli import fail, out, unit_of_work

disclosure_app = typer.Typer(help="信用信息公示：公示期到期处理。", no_args_is_help=True)


@disclosure_app.command("refresh")
def refresh(
    on: Annotated[str | None, typer.Option("--date", help="按该日期处理（YYYY-MM-DD，默认今天）")] = None,
) -> None:
    """将公示期已届满的记录置为“公示期满”（经记录状态机，写审计日志）。服务启动时每天自动运行一次。"""
    from xinyong.core.audit import Actor
    from xinyong.disclosure import service

    day = None
    if on:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise fail(f"日期“{on}”格式有误，应为YYYY-MM-DD。") from None
    with unit_of_work() as (_db, session):
        result = service.refresh(session, actor=Actor.system("cli:disclosure refresh"), day=day)
    names = "、".join(f"{k} {v}条" for k, v in sorted(result.by_item.items()))
    out.print(
        f"{result.day.isoformat()}：{result.expired}条记录公示期届满，已停止公示"
        + (f"（{names}）" if names else "")
        + "。"
    )
