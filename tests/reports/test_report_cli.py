"""`xinyong report verify|public-key` and `xinyong repair remind`, run as real processes."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TEST_SECRET, Cli

from xinyong.reports import signing


def test_offline_verification_with_the_published_key(cli: Cli, tmp_path: Path) -> None:
    signed = signing.sign_pdf(TEST_SECRET, b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
    good = tmp_path / "good.pdf"
    good.write_bytes(signed.data)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(signed.data.replace(b"1 0 obj", b"2 0 obj"))
    ok = cli("report", "verify", str(good))
    assert ok.returncode == 0 and "签名验证通过" in ok.stdout and signed.signed_sha256 in ok.stdout
    no = cli("report", "verify", str(bad))
    assert no.returncode == 1 and "签名验证失败" in no.stderr
    pem = cli("report", "public-key")
    assert pem.returncode == 0 and pem.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    key = tmp_path / "key.pem"
    key.write_text(pem.stdout)
    assert cli("report", "verify", str(good), "--key", str(key)).returncode == 0
    remind = cli("repair", "remind")
    assert remind.returncode == 0 and "没有待审核的修复申请" in remind.stdout
