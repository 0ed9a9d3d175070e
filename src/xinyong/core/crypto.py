"""Encryption at rest for personal identifiers, with a keyed blind index for exact lookup."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"xinyong-v1", info=purpose).derive(secret.encode())


class FieldCipher:
    """AES-256-GCM encryption of short fields and an HMAC-SHA256 blind index, both keyed from the secret."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(_derive(secret, b"field-encryption"))
        self._index_key = _derive(secret, b"blind-index")

    def encrypt(self, plaintext: str) -> str:
        """Encrypt to a printable token (version, nonce, ciphertext)."""
        nonce = os.urandom(12)
        blob = self._aead.encrypt(nonce, plaintext.encode(), None)
        return "v1:" + base64.urlsafe_b64encode(nonce + blob).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a token made by ``encrypt``."""
        raw = base64.urlsafe_b64decode(token.removeprefix("v1:"))
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()

    def blind_index(self, value: str) -> str:
        """A deterministic keyed digest for equality lookup without storing the value."""
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def get_cipher(secret: str) -> FieldCipher:
    """A cached cipher for the given secret."""
    return FieldCipher(secret)
