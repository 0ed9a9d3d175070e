"""The `xinyong` command line (Typer). Messages are Chinese; exit codes follow the v1 contract."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from xinyong.core.cli import _database, before_database, err, fail, out, unit_of_work
from xinyong.core.config import get_settings
from xinyong.core.db import Database
from xinyong.core.errors import CalendarMissing, DomainError

app = typer.Typer(
    help="信用密山：公共信用信息平台命令行工具。", no_args_is_help=True, add_completion=False, rich_markup_mode=None
)
calendar_app = typer.Typer(help="工作日历：加载年度日历、计算期限。", no_args_is_help=True)
token_app = typer.Typer(help="接口访问令牌。", no_args_is_help=True)
audit_app = typer.Typer(help="审计链。", no_args_is_help=True)
user_app = typer.Typer(help="用户账号。", no_args_is_help=True)
keys_app = typer.Typer(help="密钥：生成与轮换（见 docs/security.md）。", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")


def _add_domain_commands() -> None:
    from xinyong.disclosure.cli import disclosure_app
    from xinyong.repair.cli import repair_app
    from xinyong.reports.cli import report_app

    app.add_typer(disclosure_app, name="disclosure")
    from xinyong.lists.cli import lists_app

    app.add_typer(lists_app, name="lists")

    from xinyong.inspections.cli import register as register_inspections

    register_inspections(app)
    app.add_typer(report_app, name="report")
    app.add_typer(repair_app, name="repair")
    from xinyong.oversight.cli import oversight_app

    app.add_typer(oversight_app, name="oversight")
    from xinyong.exchange.cli import exchange_app

    app.add_typer(exchange_app, name="exchange")
    from xinyong.privacy.cli import privacy_app

    app.add_typer(privacy_app, name="privacy")


_add_domain_commands()


def _load_models() -> None:
    import xinyong.models  # noqa: F401  (every mapper known before the first flush)


before_database(_load_models)


def _init(db: Database, *, quiet: bool = False) -> None:
    from xinyong.catalog import service as catalog_service
    from xinyong.core import calendar as calendar_service
    from xinyong.core.audit import Actor
    from xinyong.core.db import upgrade
    from xinyong.evaluation import service as evaluation_service
    from xinyong.inspections import service as inspections_service
    from xinyong.oversight import plan as plan_service
    from xinyong.subjects import service as subjects_service

    upgrade(db.url)
    with db.session() as session:
        actor = Actor.system("cli:init")
        added = subjects_service.load_reference_data(session, actor=actor)
        years = calendar_service.seed_from_chinesecalendar(session, actor=actor)
        if years:
            from xinyong.core import deadlines

            deadlines.recompute_open(session, actor=actor)
        versions = catalog_service.load_shipped(session, actor=actor)
        inspection_items = inspections_service.load_shipped_items(session, actor=actor)
        models = evaluation_service.load_shipped(session, actor=actor)
        plan_items = plan_service.load_shipped(session, actor=actor)
    if not quiet:
        out.print(f"数据库已就绪：{_display_url(db.url)}")
        out.print(f"参考数据：新增监管领域{added['domains']}个、部门{added['departments']}个。")
        if years:
            out.print(f"工作日历：新加载{len(years)}个年度（{years[0]}—{years[-1]}年，内置历年节假日安排）。")
        if versions:
            out.print(f"信用信息目录：新加载版本{'、'.join(versions)}。")
        if inspection_items:
            out.print(f"随机抽查事项清单：新增事项{inspection_items}项。")
        if models:
            out.print(f"信用评价模型：新发布版本{'、'.join(models)}。")
        if plan_items:
            out.print(f"实施方案计划任务：新增{plan_items}项。")


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def init() -> None:
    """创建或升级数据库，并加载参考数据（监管领域、部门、工作日历）。"""
    db = _database()
    try:
        _init(db)
    finally:
        db.dispose()


@app.command()
def demo(
    entities: Annotated[int, typer.Option("--entities", help="生成的市场主体数量")] = 20000,
    seed: Annotated[int, typer.Option(help="随机种子（相同种子生成相同数据）")] = 20210407,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="已有主体数据时跳过生成")] = False,
) -> None:
    """生成演示城市：市场主体、法定代表人、各部门各角色演示账号。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from xinyong.demo import service as demo_service
    from xinyong.subjects import service as subjects_service

    if entities < 0 or entities > 20_000_000:
        raise fail("--entities 应在0到20,000,000之间。", 2)
    settings = get_settings()
    db = _database()
    try:
        _init(db, quiet=True)
        with db.session() as session:
            existing = subjects_service.counts(session)["entities"]
        if if_empty and existing:
            out.print(f"数据库中已有{existing:,}个市场主体，跳过生成演示数据。")
            todo = 0
        else:
            todo = entities
        with Progress(
            TextColumn("[bold]生成演示城市"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=out,
            transient=False,
            disable=todo == 0,
        ) as bar:
            task = bar.add_task("entities", total=todo)
            result = demo_service.generate(
                db,
                entities=todo,
                secret_key=settings.field_secret,
                signing_secret=settings.signing_secret,
                seed=seed,
                progress=lambda k: bar.advance(task, k),
            )
        if todo:
            out.print(
                f"已生成市场主体{result.entities:,}个、自然人{result.persons:,}个、关联关系{result.relations:,}条，"
                f"用时{result.seconds:.1f}秒。"
            )
        _print_demo_accounts(result.credentials)
    finally:
        db.dispose()


KEY_DEMO_ACCOUNTS = (
    "admin",
    "auditor",
    "scjg_operator",
    "scjg_reviewer",
    "scjg_inspector",
    "entity",
    "association",
)


def _print_demo_accounts(credentials: list[Any]) -> None:
    from xinyong.core.security import role_label
    from xinyong.demo.service import DEMO_PASSWORD

    if not credentials:
        out.print(f"演示账号已存在（初始密码 {DEMO_PASSWORD}）：admin、auditor、scjg_operator、scjg_reviewer 等。")
        return
    out.print(f"演示账号（仅供演示环境使用）的初始密码均为：{DEMO_PASSWORD}")
    table = Table()
    for col in ("用户名", "角色", "姓名", "部门"):
        table.add_column(col, overflow="fold")
    key = [c for c in credentials if c.username in KEY_DEMO_ACCOUNTS]
    for c in key:
        table.add_row(c.username, role_label(c.role), c.display_name, c.department_name or "")
    out.print(table)
    others = len(credentials) - len(key)
    if others:
        out.print(
            f"另有{others}个账号：每个部门的“部门代码_operator”（经办人）和“部门代码_reviewer”（审核人），"
            "部分部门的“部门代码_inspector”（执法检查人员），密码相同；部门代码见 xinyong departments。"
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="监听端口")] = 8000,
) -> None:
    """启动平台网站与接口服务。"""
    import uvicorn

    from xinyong.app import create_app

    out.print(f"平台地址：http://{host}:{port}/　接口文档：http://{host}:{port}/api/docs")
    # Forwarded headers are handled by the application itself, from XINYONG_TRUSTED_PROXIES only (issue 29).
    uvicorn.run(create_app(), host=host, port=port, log_level="info", proxy_headers=False, forwarded_allow_ips="")


@app.command()
def departments() -> None:
    """列出部门：每行一个，代码<TAB>名称。"""
    from xinyong.subjects import service as subjects_service

    with unit_of_work() as (_db, session):
        for dept in subjects_service.list_departments(session):
            sys.stdout.write(f"{dept.code}\t{dept.name}\n")


@token_app.command("create")
def token_create(
    dept: Annotated[str, typer.Option("--dept", help="部门代码（见 xinyong departments）")],
    role: Annotated[
        str,
        typer.Option("--role", help="角色：public entity operator reviewer inspector admin auditor client association"),
    ],
    name: Annotated[str | None, typer.Option(help="令牌名称，如调用系统名")] = None,
    expires_days: Annotated[int | None, typer.Option("--expires-days", help="有效天数（不填为长期）")] = None,
) -> None:
    """生成接口访问令牌，只输出令牌本身。"""
    from xinyong.accounts import service as accounts
    from xinyong.core.audit import Actor

    with unit_of_work() as (_db, session):
        token, _row = accounts.create_token(
            session,
            department_code=dept,
            role=role,
            name=name,
            expires_days=expires_days,
            actor=Actor.system("cli"),
        )
    sys.stdout.write(token + "\n")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="令牌编号")]) -> None:
    """吊销接口访问令牌。"""
    from xinyong.accounts import service as accounts
    from xinyong.core.audit import Actor

    with unit_of_work() as (_db, session):
        accounts.revoke_token(session, token_id=token_id, actor=Actor.system("cli"))
    out.print(f"令牌{token_id}已吊销。")


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV（UTF-8 或 GB18030）或 XLSX 文件")],
    kind: Annotated[str, typer.Option("--kind", help="信息类别（目录项代码，如 penalty、license）")],
    dept: Annotated[str, typer.Option("--dept", help="报送部门代码（见 xinyong departments）")],
    encoding: Annotated[str | None, typer.Option(help="CSV 编码（默认自动识别）")] = None,
    report: Annotated[Path | None, typer.Option(help="错误清单 XLSX 的保存位置（默认与文件同目录）")] = None,
) -> None:
    """归集一个文件：输出通过与未通过的行数，有误的行写入错误清单（XLSX）。"""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from xinyong.core.audit import Actor
    from xinyong.core.crypto import get_cipher
    from xinyong.ingestion import service as ingestion

    if not file.is_file():
        raise fail(f"文件不存在：{file}", 2)
    db = _database()
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("[bold]归集 {task.description}"),
            TextColumn("已处理 {task.completed:,.0f} 行"),
            TimeElapsedColumn(),
            console=err,
        ) as bar:
            task = bar.add_task(file.name, total=None)
            batch_id = ingestion.ingest_file(
                db,
                path=file,
                kind=kind,
                department_code=dept,
                actor=Actor.system("cli:import"),
                cipher=get_cipher(get_settings().field_secret),
                filename=file.name,
                encoding=encoding,
                progress=lambda k: bar.advance(task, k),
            )
        with db.session(write=False) as session:
            summary = ingestion.report(session, batch_id, error_limit=0)
            out.print(
                f"批次{batch_id}：数据行{summary['rows']:,}，通过{summary['accepted']:,}"
                f"（新增{summary['created']:,}，新版本{summary['versioned']:,}，重复{summary['unchanged']:,}），"
                f"未通过{summary['rejected']:,}。"
            )
            for warning in summary["warnings"]:
                out.print(f"提示：{warning}")
            if summary["error_count"]:
                target = report or file.with_name(f"{file.stem}.errors.xlsx")
                ingestion.write_error_report(session, batch_id, target)
                out.print(f"错误清单（{summary['error_count']:,}处）已写入：{target}")
        if summary["status"] in ("rejected", "failed"):
            raise fail(summary["message"] or "文件未能归集。")
    except DomainError as exc:
        raise fail(exc.message) from None
    finally:
        db.dispose()


@app.command()
def evaluate(
    dirty: Annotated[bool, typer.Option("--dirty", help="只重新评价信用记录有变化、尚待评价的主体")] = False,
) -> None:
    """重新计算市场主体的公共信用综合评价等级（默认全部主体）。"""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from xinyong.core.audit import Actor
    from xinyong.evaluation import service as evaluation_service

    steps = ["计算评分", "合并行业评价", "预警研判", "写入等级与历史", "统计等级分布", "完成"]
    with unit_of_work() as (_db, session):
        actor = Actor.system("cli:evaluate")
        if dirty:
            waiting = evaluation_service.dirty_count(session)
            result = evaluation_service.evaluate_dirty(session, actor=actor)
            out.print(f"待重新评价主体{waiting:,}个，已评价{result.evaluated:,}个。")
        else:
            with Progress(
                TextColumn("[bold]信用评价 {task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=err,
            ) as bar:
                task = bar.add_task("准备", total=len(steps))

                def advance(label: str) -> None:
                    bar.update(task, description=label, advance=1 if label != steps[0] else 0)

                result = evaluation_service.evaluate_all(session, actor=actor, progress=advance)
                bar.update(task, completed=len(steps))
        out.print(
            f"评价模型{result.model_version}版：评价主体{result.evaluated:,}个，等级或分数变化{result.changed:,}个，"
            f"新增预警{result.warnings:,}条，用时{result.seconds:.1f}秒。"
        )


@app.command("check-code")
def check_code(codes: Annotated[list[str], typer.Argument(help="统一社会信用代码，可多个")]) -> None:
    """校验统一社会信用代码：每行输出 代码<TAB>OK 或 代码<TAB>INVALID<TAB>原因；有无效代码时退出码为1。"""
    from xinyong.core.identifiers import check_uscc

    bad = False
    for raw in codes:
        result = check_uscc(raw)
        shown = result.code or raw
        if result.ok:
            sys.stdout.write(f"{shown}\tOK\n")
        else:
            bad = True
            sys.stdout.write(f"{shown}\tINVALID\t{result.reason}\n")
        for warning in result.warnings:
            err.print(f"提示：{raw}：{warning}", markup=False)
    if bad:
        raise typer.Exit(1)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"日期“{text}”无效，应为YYYY-MM-DD格式的真实日期。", 2) from None


@calendar_app.command("deadline")
def calendar_deadline(
    start: Annotated[str, typer.Argument(help="起始日期 YYYY-MM-DD")],
    n: Annotated[str, typer.Argument(help="工作日数")],
    strict: Annotated[bool, typer.Option("--strict", help="所涉年度未加载节假日安排通知时报错（退出码2）")] = False,
) -> None:
    """输出起始日期之后第N个工作日的日期；涉及未加载通知的年度时按法定节假日暂定，输出“日期<TAB>暂定”。"""
    from xinyong.core import calendar as calendar_service

    day = _parse_date(start)
    try:
        count = int(n)
        if count < 0:
            raise ValueError
    except ValueError:
        raise fail(f"工作日数“{n}”无效，应为非负整数。", 2) from None
    with unit_of_work() as (_db, session):
        cal = calendar_service.get_calendar(session)
        result = cal.deadline(day, count)
        if result.provisional and strict:
            missing = [y for y in range(day.year, result.day.year + 1) if not cal.is_official(y)]
            raise CalendarMissing(missing[0])
    sys.stdout.write(result.day.isoformat() + ("\t暂定" if result.provisional else "") + "\n")


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(help="年度日历文件（.json 或 .csv，格式见 docs/calendar.md）")],
    replace: Annotated[bool, typer.Option("--replace", help="替换已加载的同一年度")] = False,
    confirm: Annotated[bool, typer.Option("--confirm", help="确认加载与法定节假日不一致的通知")] = False,
) -> None:
    """按国务院办公厅通知加载一个年度的节假日与调休上班日，并重新计算按暂定日历计算的未办结期限。"""
    from xinyong.core import calendar as calendar_service
    from xinyong.core import deadlines
    from xinyong.core.audit import Actor

    if not file.is_file():
        raise fail(f"文件不存在：{file}", 2)
    with unit_of_work() as (_db, session):
        data = calendar_service.parse_year_file(file)
        loaded = deadlines.load_notice(
            session, data, actor=Actor.system("cli"), replace=replace, confirm_conflicts=confirm
        )
        row = loaded.year
        out.print(f"已加载{row.year}年日历：工作日放假{row.holidays}天，周末调休上班{row.makeup_workdays}天。")
        if data.year and (conflicts := calendar_service.statutory_conflicts(data.year, data.holidays, data.makeup)):
            err.print("警告：该通知与法定节假日不一致（已确认加载）：" + "；".join(conflicts), markup=False)
        out.print(f"重新计算了{len(loaded.changes)}项未办结的暂定期限。")
        for c in loaded.changes:
            kept = "（保留已告知当事人的期限）" if c.kept_for_party else ""
            out.print(f"  {c.label}（编号{c.row_id}）：{c.old.isoformat()} → {c.new.isoformat()}{kept}", markup=False)


@calendar_app.command("years")
def calendar_years() -> None:
    """列出已加载日历的年度及来源。"""
    from xinyong.core import calendar as calendar_service

    with unit_of_work() as (_db, session):
        for row in sorted(calendar_service.list_years(session), key=lambda r: r.year):
            sys.stdout.write(f"{row.year}\t{row.source}\t{row.reference or ''}\n")


@audit_app.command("verify")
def audit_verify(
    published: Annotated[
        Path | None, typer.Option("--published", help="从门户网站“数据完整性”页面保存的锚点JSON文件，一并核对")
    ] = None,
) -> None:
    """校验审计链、信用记录链（及记录状态）和每日锚点，报告第一处断裂；任何一处断裂时退出码为1。"""
    from xinyong.integrity import service as integrity

    with unit_of_work() as (_db, session):
        entries = integrity.load_published(published) if published is not None else None
        checks = integrity.verify_all(session, published=entries)
    for check in checks:
        if check.ok:
            out.print(check.message, markup=False)
        else:
            err.print(f"错误：{check.message}", style="red", markup=False)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor() -> None:
    """写入今天的锚点（记录链和审计链的链头），每天一次；门户网站“数据完整性”页面公布。"""
    from xinyong.core.audit import Actor
    from xinyong.integrity import service as integrity

    with unit_of_work() as (_db, session):
        anchor, written = integrity.make_anchor(session, actor=Actor.system("cli:audit.anchor"))
        line = (
            f"{anchor.day.isoformat()}\t记录链第{anchor.record_seq}号 {anchor.record_hash}\t"
            f"审计链第{anchor.audit_event_id}号 {anchor.audit_hash}"
        )
    out.print(("已写入锚点：" if written else "今天的锚点已存在：") + line, markup=False)


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Option(help="用户名")],
    role: Annotated[str, typer.Option(help="角色")],
    name: Annotated[str, typer.Option("--name", help="姓名")],
    dept: Annotated[str | None, typer.Option("--dept", help="部门代码（业务经办、审核、检查人员必填）")] = None,
    password: Annotated[str | None, typer.Option(help="密码（不填则交互输入）")] = None,
) -> None:
    """创建用户账号（例如初始管理员）。"""
    from xinyong.accounts import service as accounts
    from xinyong.core.audit import Actor

    if password is None:
        password = typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    with unit_of_work() as (_db, session):
        user = accounts.create_user(
            session,
            username=username,
            display_name=name,
            password=password,
            role=role,
            department_code=dept,
            actor=Actor.system("cli"),
        )
        out.print(f"已创建用户 {user.username}（{user.role}）。")


@keys_app.command("generate")
def keys_generate() -> None:
    """生成一个随机密钥（64个字符），用于 XINYONG_SECRET_KEY、XINYONG_FIELD_KEY 等。"""
    import secrets

    sys.stdout.write(secrets.token_urlsafe(48) + "\n")


@keys_app.command("rotate-field-key")
def keys_rotate_field_key() -> None:
    """用新的字段加密密钥重新加密全部自然人证件号码并重算检索索引（一个事务，全部成功或全部不变）。

    先把原密钥设为 XINYONG_FIELD_KEY_PREVIOUS、新密钥设为 XINYONG_FIELD_KEY，停止服务后运行本命令。
    """
    from xinyong.core.audit import Actor
    from xinyong.core.crypto import FieldCipher
    from xinyong.subjects import keys

    settings = get_settings()
    if not settings.field_key_previous:
        raise fail("请先把原字段加密密钥设为环境变量 XINYONG_FIELD_KEY_PREVIOUS，新密钥设为 XINYONG_FIELD_KEY。")
    if settings.field_key_previous == settings.field_secret:
        raise fail("新旧字段加密密钥相同，无需轮换。")
    with unit_of_work() as (_db, session):
        result = keys.rotate_field_key(
            session,
            old=FieldCipher(settings.field_key_previous),
            new=FieldCipher(settings.field_secret),
            actor=Actor.system("cli:keys.rotate-field-key"),
        )
    out.print(
        f"字段加密密钥已轮换：重新加密{result.rotated}个自然人证件号码"
        + (f"（另有{result.already}个此前已是新密钥）" if result.already else "")
        + "。请从环境中删除 XINYONG_FIELD_KEY_PREVIOUS。",
        markup=False,
    )


@keys_app.command("keep-signing-key")
def keys_keep_signing_key() -> None:
    """把当前报告签名公钥登记为长期公布（更换 XINYONG_SIGNING_KEY 之前运行，旧报告仍可验签）。"""
    from xinyong.reports import service as reports_service

    with unit_of_work() as (_db, session):
        row = reports_service.keep_public_key(session, get_settings().signing_secret)
        kept = [k["key_id"] for k in reports_service.published_keys(session, get_settings().signing_secret)]
    out.print(f"当前签名公钥 {row.key_id} 已登记；公布的公钥：{'、'.join(kept)}。", markup=False)


@keys_app.command("end-sessions")
def keys_end_sessions() -> None:
    """结束全部网页登录会话（更换 XINYONG_SESSION_SECRET 时运行，所有用户须重新登录）。"""
    from xinyong.accounts import service as accounts
    from xinyong.core.audit import Actor

    with unit_of_work() as (_db, session):
        ended = accounts.end_all_sessions(session, actor=Actor.system("cli:keys.end-sessions"), reason="会话密钥轮换")
    out.print(f"已结束{ended}个登录会话，所有用户须重新登录。", markup=False)


def main() -> None:
    """Entry point of the `xinyong` console script."""
    from pydantic import ValidationError

    from xinyong.core import clock

    try:
        clock.apply_setting(get_settings().clock)
    except ValidationError as exc:
        reasons = "；".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())
        raise SystemExit("错误：" + reasons) from None
    app()


if __name__ == "__main__":
    main()
