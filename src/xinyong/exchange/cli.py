"""`xinyong exchange …`: push the upward feed, configure destinations, record acknowledgements; API clients."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from xinyong.core.cli import _database, fail, out, unit_of_work

exchange_app = typer.Typer(help="信息报送：向鸡西市、省级平台推送增量数据；接口调用方管理。", no_args_is_help=True)


@exchange_app.command("push")
def push(
    destination: Annotated[
        str | None, typer.Option("--destination", help="目的地代码（默认全部已启用的目的地）")
    ] = None,
) -> None:
    """推送增量批次：先收取回执、重发未确认的批次，再生成并发送新批次；有失败时退出码1。"""
    from xinyong.core.audit import Actor
    from xinyong.core.errors import DomainError
    from xinyong.exchange import service

    db = _database()
    try:
        reports = service.push(db, destination=destination, actor=Actor.system("cli:exchange push"))
    except DomainError as exc:
        raise fail(exc.message) from None
    finally:
        db.dispose()
    if not reports:
        out.print("没有已启用的报送目的地（xinyong exchange destination 配置）。")
    for report in reports:
        out.print(report.summary())
    if any(r.failed or r.errors for r in reports):
        raise typer.Exit(1)


@exchange_app.command("destination")
def destination(
    code: Annotated[str, typer.Argument(help="目的地代码，如 JIXI")],
    name: Annotated[str, typer.Option("--name", help="名称")],
    kind: Annotated[str, typer.Option("--kind", help="http 或 directory")],
    url: Annotated[str | None, typer.Option("--url", help="接收地址（http）")] = None,
    directory: Annotated[str | None, typer.Option("--directory", help="交换目录（directory）")] = None,
    types: Annotated[str | None, typer.Option("--types", help="报送类型，逗号分隔（默认全部）")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size")] = None,
    max_attempts: Annotated[int | None, typer.Option("--max-attempts")] = None,
    backoff: Annotated[float | None, typer.Option("--backoff", help="重试间隔基数（秒），每次翻倍")] = None,
    backoff_max: Annotated[float | None, typer.Option("--backoff-max", help="重试间隔上限（秒）")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="请求超时（秒）")] = None,
    max_pending: Annotated[int | None, typer.Option("--max-pending", help="未确认批次上限")] = None,
    disable: Annotated[bool, typer.Option("--disable", help="停用该目的地")] = False,
) -> None:
    """新增或修改报送目的地（按代码）。"""
    from xinyong.core.audit import Actor
    from xinyong.exchange import service

    values = {
        "code": code,
        "name": name,
        "kind": kind,
        "url": url,
        "directory": directory,
        "types": types or "",
        "batch_size": batch_size,
        "max_attempts": max_attempts,
        "backoff_seconds": backoff,
        "backoff_max_seconds": backoff_max,
        "timeout_seconds": timeout,
        "max_pending": max_pending,
        "enabled": not disable,
    }
    with unit_of_work() as (_db, session):
        dest = service.save_destination(session, values=values, actor=Actor.system("cli:exchange destination"))
        out.print(f"报送目的地{dest.code}（{dest.name}）已保存。")


@exchange_app.command("status")
def status() -> None:
    """每个目的地：已确认、待回执、失败的批次与条数，确认位置。"""
    from xinyong.exchange import service

    with unit_of_work() as (_db, session):
        for row in service.overview(session):
            dest, counts = row["destination"], row["counts"]
            parts = "，".join(f"{label}{counts[s][0]}批/{counts[s][1]}条" for s, label in service.STATUS_LABELS.items())
            out.print(f"{dest.code}\t{dest.name}\t{parts}\t确认位置：{dest.acked_cursor}")


@exchange_app.command("ack")
def ack(
    batch: Annotated[str, typer.Argument(help="批次号")],
    sha256: Annotated[str, typer.Argument(help="接收方回执中的SHA-256")],
) -> None:
    """手工登记接收方的回执（批次号＋校验值）。"""
    from xinyong.core.audit import Actor
    from xinyong.exchange import service

    with unit_of_work() as (_db, session):
        service.acknowledge(session, number=batch, sha256=sha256.strip().lower(), actor=Actor.system("cli:exchange"))
    out.print(f"批次{batch}已确认接收。")


@exchange_app.command("client")
def client(
    code: Annotated[str, typer.Argument(help="调用方代码")],
    name: Annotated[str, typer.Option("--name", help="机构名称")],
    kind: Annotated[str, typer.Option("--kind", help="agency（信用服务机构）或 association（行业协会）")],
    scopes: Annotated[str, typer.Option("--scopes", help="可用范围，逗号分隔：open.public,open.authorised,open.bulk")],
    rate: Annotated[int, typer.Option("--rate", help="每分钟调用上限")] = 60,
    uscc: Annotated[str | None, typer.Option("--uscc", help="统一社会信用代码")] = None,
) -> None:
    """登记或修改接口调用方（第三方信用服务机构、行业协会）。"""
    from xinyong.core.audit import Actor
    from xinyong.exchange import clients

    values = {"code": code, "name": name, "kind": kind, "scopes": scopes, "rate_per_minute": rate, "uscc": uscc}
    with unit_of_work() as (_db, session):
        row = clients.save_client(session, values=values, actor=Actor.system("cli:exchange client"))
        out.print(f"接口调用方{row.code}（{row.name}）已保存。")


@exchange_app.command("client-token")
def client_token(
    code: Annotated[str, typer.Argument(help="调用方代码")],
    scopes: Annotated[str | None, typer.Option("--scopes", help="令牌范围（默认调用方的全部范围）")] = None,
    expires_days: Annotated[int, typer.Option("--expires-days", help="有效天数")] = 90,
) -> None:
    """为接口调用方签发限定范围、限期的令牌，只输出令牌本身。"""
    from xinyong.core.audit import Actor
    from xinyong.exchange import clients

    chosen = [s.strip() for s in scopes.split(",") if s.strip()] if scopes else None
    with unit_of_work() as (_db, session):
        token, _row = clients.issue_token(
            session, client_code=code, scopes=chosen, expires_days=expires_days, actor=Actor.system("cli:exchange")
        )
    sys.stdout.write(token + "\n")
