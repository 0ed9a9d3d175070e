"""`xinyong report verify|public-key` and `xinyong repair remind`, run as real processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_SECRET

from xinyong.reports import signing


def _run(tmp_path: Path, sqlite_template: Path, *args: str) -> subprocess.CompletedProcess[str]:
    db_path = tmp_path / "cli.db"
    if not db_path.exists():
        shutil.copy(sqlite_template, db_path)
    env = {
        **os.environ,
        "XINYONG_DATABASE_URL": f"sqlite:///{db_path}",
        "XINYONG_SECRET_KEY": TEST_SECRET,
        "XINYONG_MODE": "test",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "xinyong.cli", *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )


def test_offline_verification_with_the_published_key(tmp_path: Path, sqlite_template: Path) -> None:
    signed = signing.sign_pdf(TEST_SECRET, b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
    good = tmp_path / "good.pdf"
    good.write_bytes(signed.data)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(signed.data.replace(b"1 0 obj", b"2 0 obj"))
    ok = _run(tmp_path, sqlite_template, "report", "verify", str(good))
    assert ok.returncode == 0 and "签名验证通过" in ok.stdout and signed.signed_sha256 in ok.stdout
    no = _run(tmp_path, sqlite_template, "report", "verify", str(bad))
    assert no.returncode == 1 and "签名验证失败" in no.stderr
    pem = _run(tmp_path, sqlite_template, "report", "public-key")
    assert pem.returncode == 0 and pem.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    key = tmp_path / "key.pem"
    key.write_text(pem.stdout)
    assert _run(tmp_path, sqlite_template, "report", "verify", str(good), "--key", str(key)).returncode == 0
    remind = _run(tmp_path, sqlite_template, "repair", "remind")
    assert remind.returncode == 0 and "没有待审核的修复申请" in remind.stdout
