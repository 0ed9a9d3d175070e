"""`xinyong draw`: re-run an RFC 3797 draw from published files (no database needed)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from xinyong.core.cli import fail


def draw_command(
    seeds: Annotated[Path, typer.Option("--seeds", help="随机源文件：每行一个随机源（空格分隔的整数），#开头为注释")],
    pool: Annotated[Path, typer.Option("--pool", help="名录库文件：每行一个对象，按公布顺序")],
    count: Annotated[int, typer.Option("--count", help="抽取数量")],
) -> None:
    """按 RFC 3797 方法从公布的名录库中抽取：按抽中顺序输出所抽中的名录库行。"""
    from xinyong.core.errors import DomainError
    from xinyong.inspections import draw

    for label, path in (("随机源文件", seeds), ("名录库文件", pool)):
        if not path.is_file():
            raise fail(f"{label}不存在：{path}", 2)
    try:
        sources = draw.parse_seed_file(seeds.read_text(encoding="utf-8-sig"))
        lines = draw.pool_lines(pool.read_text(encoding="utf-8-sig"))
        selected = draw.select(draw.make_key(sources), lines, count)
    except UnicodeDecodeError:
        raise fail("文件应为UTF-8编码的文本。", 2) from None
    except DomainError as exc:
        raise fail(exc.message, 2) from None
    sys.stdout.write("".join(f"{line}\n" for line in selected))


def register(app: typer.Typer) -> None:
    """Add the command to the `xinyong` app."""
    app.command("draw")(draw_command)
