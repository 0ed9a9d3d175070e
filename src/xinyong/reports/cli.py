"""`xinyong report …`: offline report verification, the signing public key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xinyong.core.cli import fail, out

report_app = typer.Typer(help="信用报告：离线核验签名、导出公钥。", no_args_is_help=True)


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
