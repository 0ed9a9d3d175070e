"""`xinyong report …` and `xinyong repair …`: offline report verification, the signing public key, repair
deadline reminders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xinyong.core.cli import fail, out, unit_of_work

report_app = typer.Typer(help="信用报告：离线核验签名、导出公钥。", no_args_is_help=True)
repair_app = typer.Typer(help="信用修复：期限提醒。", no_args_is_help=True)


@report_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="信用报告PDF文件")],
    key: Annotated[Path | None, typer.Option("--key", help="公钥PEM文件（默认使用本平台密钥）")] = None,
) -> None:
    """核验报告PDF的平台签名（不访问数据库）：通过退出码0，未通过退出码1。"""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from xinyong.core.config import get_settings
    from xinyong.reports import signing

    if not file.is_file():
        raise fail(f"文件“{file}”不存在。")
    if key is not None:
        loaded = load_pem_public_key(key.read_bytes())
        if not isinstance(loaded, Ed25519PublicKey):
            raise fail("公钥不是Ed25519公钥。")
        public = loaded
    else:
        public = signing.public_key(get_settings().signing_secret)
    check = signing.verify_pdf({signing.key_id(public): public}, file.read_bytes())
    if not check.ok:
        raise fail(check.reason)
    out.print(f"{check.reason}SHA-256：{check.signed_sha256}")


@report_app.command("public-key")
def public_key() -> None:
    """打印报告签名公钥（PEM）。"""
    from xinyong.core.config import get_settings
    from xinyong.reports import signing

    out.print(signing.public_pem(get_settings().signing_secret).rstrip(), markup=False)


@repair_app.command("remind")
def remind() -> None:
    """列出待审核的信用修复申请和处理中的异议：已超期、即将到期的标出。"""
    from xinyong.objections import service as objections_service
    from xinyong.repair import service

    with unit_of_work() as (_db, session):
        rows = service.reminders(session)
        overdue_objections = objections_service.overdue(session)
        for r in rows:
            flag = "已超期" if r.overdue else ("即将到期" if r.due_soon else "")
            a = r.application
            out.print(f"修复\t{a.number}\t期限{a.due_on.isoformat()}\t剩余{r.working_days_left}个工作日\t{flag}")
        for o in overdue_objections:
            out.print(f"异议\t{o.number}\t期限{o.due_on.isoformat()}\t已超期")
    if not rows and not overdue_objections:
        out.print("没有待审核的修复申请或超期的异议。")
