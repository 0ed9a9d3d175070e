"""Key rotation: re-encrypt the personal identifiers (natural persons' identity numbers) under a new field key in
one transaction.

The other two keys need no data rewrite: a new report signing key only needs the old public key kept published
(``reports.service.keep_public_key``), and a new session secret makes every stored session digest unknown, which
``accounts.service.end_all_sessions`` also records as an explicit logout of everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from cryptography.exceptions import InvalidTag
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import ValidationFailed
from xinyong.subjects.models import Person


@dataclass(frozen=True)
class Rotation:
    """What a field-key rotation did."""

    rotated: int
    already: int


def _decrypts(cipher: FieldCipher, token: str) -> str | None:
    try:
        return cipher.decrypt(token)
    except (InvalidTag, ValueError):
        return None


def rotate_field_key(
    session: Session, *, old: FieldCipher, new: FieldCipher, actor: Actor, chunk: int = 2000
) -> Rotation:
    """Re-encrypt every person's identity number and recompute its blind index under ``new``, in the caller's
    transaction (all or nothing). Rows already under the new key are left as they are, so a rerun is harmless;
    a row neither key opens stops the rotation, naming it."""
    table = cast(Table, Person.__table__)
    rotated = already = 0
    last_id = 0
    stmt = update(table).where(table.c.id == bindparam("pid")).values(id_cipher=bindparam("c"), id_index=bindparam("i"))
    while True:
        rows = session.execute(
            select(table.c.id, table.c.id_cipher).where(table.c.id > last_id).order_by(table.c.id).limit(chunk)
        ).all()
        if not rows:
            break
        changes = []
        for row in rows:
            number = _decrypts(old, row.id_cipher)
            if number is None:
                if _decrypts(new, row.id_cipher) is not None:
                    already += 1
                    continue
                raise ValidationFailed(
                    f"自然人{row.id}的证件号码既不能用旧密钥也不能用新密钥解密，轮换已中止，未做任何修改。"
                    "请核对 XINYONG_FIELD_KEY_PREVIOUS 是否为原字段加密密钥。"
                )
            changes.append({"pid": row.id, "c": new.encrypt(number), "i": new.blind_index(number)})
        if changes:
            session.execute(stmt, changes)
        rotated += len(changes)
        last_id = rows[-1].id
    session.flush()
    audit(
        session,
        actor=actor,
        action="keys.rotate_field_key",
        object_type="person",
        detail={"rotated": rotated, "already": already},
    )
    return Rotation(rotated, already)
