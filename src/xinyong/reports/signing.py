"""Ed25519 signatures of report PDFs.

The signing key is derived from the platform secret (``XINYONG_SECRET_KEY``) with HKDF-SHA256 (salt
``xinyong-v1``, info ``report-signing-ed25519``), so it is stable across restarts and identical in every test run
with the same secret; rotating the secret rotates the key (reports signed before stay verifiable only with the old
public key, which the credit office should keep published).

File format: the signed PDF is the PDF as rendered, followed by one comment line after ``%%EOF``::

    %XINYONG-SIG ed25519 <key id> <base64 signature>\n

The signature covers every byte before that line. PDF readers ignore the trailing comment. The key id is the first
16 hex digits of the SHA-256 of the raw public key. Offline check: split the file at the last ``\n%XINYONG-SIG ``,
verify the base64 signature over the first part (including its final newline) with the published public key.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MARKER = b"\n%XINYONG-SIG "
ALGORITHM = b"ed25519"


@lru_cache(maxsize=4)
def signing_key(secret: str) -> Ed25519PrivateKey:
    """The report signing key derived from the platform secret."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"xinyong-v1", info=b"report-signing-ed25519").derive(
        secret.encode()
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key(secret: str) -> Ed25519PublicKey:
    """The public half of the signing key."""
    return signing_key(secret).public_key()


def raw_public(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short identifier of a public key (first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def public_pem(secret: str) -> str:
    """The public key in PEM (SubjectPublicKeyInfo), as the portal publishes it."""
    pem = public_key(secret).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


@dataclass(frozen=True)
class Signed:
    """A signed file and what identifies it."""

    data: bytes
    signed_sha256: str
    signature: str
    key_id: str


def sign_pdf(secret: str, pdf: bytes) -> Signed:
    """Append the signature line to a rendered PDF."""
    body = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    key = signing_key(secret)
    kid = key_id(key.public_key())
    signature = base64.b64encode(key.sign(body)).decode()
    line = MARKER[1:] + ALGORITHM + b" " + kid.encode() + b" " + signature.encode() + b"\n"
    return Signed(body + line, hashlib.sha256(body).hexdigest(), signature, kid)


@dataclass(frozen=True)
class Check:
    """The outcome of checking a file's signature."""

    ok: bool
    reason: str  # Chinese, for the verification page
    signed_sha256: str | None = None
    key_id: str | None = None


def verify_pdf(keys: dict[str, Ed25519PublicKey], data: bytes) -> Check:
    """Check the signature line of a file against the known public keys (by key id)."""
    at = data.rfind(MARKER)
    if at < 0 or not data.startswith(b"%PDF-"):
        return Check(False, "文件不是本平台签发的信用报告：未找到报告签名。")
    body, line = data[: at + 1], data[at + len(MARKER) :]
    parts = line.rstrip(b"\r\n").split(b" ")
    if len(parts) != 3 or parts[0] != ALGORITHM or not line.endswith(b"\n") or line.count(b"\n") != 1:
        return Check(False, "报告签名格式不正确，文件可能被篡改。")
    kid = parts[1].decode(errors="replace")
    key = keys.get(kid)
    if key is None:
        return Check(False, f"报告签名使用的密钥（{kid}）不是本平台公布的密钥。")
    try:
        signature = base64.b64decode(parts[2], validate=True)
        key.verify(signature, body)
    except (InvalidSignature, ValueError):
        return Check(False, "签名验证失败：报告内容在签发后被修改，或签名不是本平台作出的。", key_id=kid)
    return Check(True, "签名验证通过：报告由本平台签发，签发后未被修改。", hashlib.sha256(body).hexdigest(), kid)
