"""`xinyong lists …`: the daily expiry job and the court's judgment-debtor import."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from xinyong.core.cli import fail, out, unit_of_work

lists_app = typer.Typer(help="名单：期满移出、导入失信被执行人。", no_args_is_help=True)


@lists_app.command("expire")
def expire(
    on: Annotated[str | None, typer.Option("--date", help="按该日期处理（YYYY-MM-DD，默认今天）")] = None,
) -> None:
    """将列入期限已届满的名单记录移出（经名单状态机，信用记录置为“公示期满”，写审计日志）。"""
    from xinyong.core.audit import Actor
    from xinyong.core.errors import DomainError
    from xinyong.lists import service

    day = None
    if on:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise fail(f"日期“{on}”格式有误，应为YYYY-MM-DD。") from None
    try:
        with unit_of_work() as (_db, session):
            removed = service.expire_due(session, actor=Actor.system("cli:lists expire"), on=day)
    except DomainError as exc:
        raise fail(exc.message) from None
    out.print(f"{len(removed)}条名单记录列入期限届满，已移出。")


@lists_app.command("import-court")
def import_court(file: Annotated[Path, typer.Argument(help="人民法院提供的失信被执行人名单（CSV或XLSX）")]) -> None:
    """导入人民法院公布的失信被执行人名单（表头为目录字段代码或中文名称）；有错误的行单独报告。"""
    from xinyong.core.audit import Actor
    from xinyong.core.config import get_settings
    from xinyong.core.crypto import get_cipher
    from xinyong.core.errors import DomainError
    from xinyong.lists import service

    if not file.is_file():
        raise fail(f"文件{file}不存在。")
    try:
        with unit_of_work() as (_db, session):
            result = service.import_judgment_debtors(
                session,
                path=file,
                filename=file.name,
                actor=Actor(label="cli:lists import-court", department_code="fy", role="operator"),
                cipher=get_cipher(get_settings().field_secret),
            )
    except DomainError as exc:
        raise fail(exc.message) from None
    out.print(f"导入{result.accepted}条，已在名单中跳过{result.skipped}条，有误{len(result.errors)}条。")
    for e in result.errors:
        out.print(f"第{e['row']}行：{e['message']}")
