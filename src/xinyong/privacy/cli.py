"""`xinyong privacy …`: the retention job of personal-information query registrations."""

from __future__ import annotations

import typer

from xinyong.core.cli import out, unit_of_work

privacy_app = typer.Typer(help="个人信息查询登记：保存期满清理。", no_args_is_help=True)


@privacy_app.command("purge")
def purge() -> None:
    """删除保存期满（不少于五年，按规则文件）的查询登记；未满期的一条也不删除，写审计日志。"""
    from xinyong.core.audit import Actor
    from xinyong.privacy import service

    with unit_of_work() as (_db, session):
        cutoff = service.retention_cutoff(service.get_clock().today())
        deleted = service.purge_expired(session, actor=Actor.system("cli:privacy purge"))
    out.print(f"已删除{cutoff}以前的查询登记{deleted}条。")
