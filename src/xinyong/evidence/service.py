"""Evidence files attached to objections and repair applications: type checked by the content's magic bytes (not
the name), size and count limited by settings, kept with their SHA-256, listed and downloaded only by the applicant,
the deciding department and the credit office (the owning workflow decides who)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from xinyong.core.audit import Actor
from xinyong.core.clock import get_clock
from xinyong.core.db import get_or_404
from xinyong.core.errors import ValidationFailed
from xinyong.core.security import Principal
from xinyong.evidence.models import EvidenceFile

OBJECTION, REPAIR = "objection", "repair"
# (magic bytes, content type, label): the accepted kinds of evidence
KINDS: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)
ACCEPTED = "、".join(label for _magic, _type, label in KINDS)
MAX_NAME = 200


@dataclass(frozen=True)
class Upload:
    """A file as received: its name (from the browser, untrusted) and its bytes (read up to the limit plus one)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Limits:
    """The size and count limits (settings ``evidence_max_mb`` and ``evidence_max_files``)."""

    max_bytes: int
    max_files: int

    @property
    def max_mb(self) -> int:
        """The size limit in MB, for messages."""
        return self.max_bytes // (1024 * 1024)


DEFAULT_LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_files=5)  # the settings' defaults

OwnerReader = Callable[[Session, Principal, int], bool]
"""``(session, principal, owner_id) -> bool``: whether the caller may see the files of that objection or application."""

_owner_readers: dict[str, OwnerReader] = {}


def register_owner_reader(kind: str, reader: OwnerReader) -> None:
    """Let the workflow that owns files of ``kind`` (objections, repair) decide who may read them; evidence imports
    no owner."""
    _owner_readers[kind] = reader


def owner_may_read(session: Session, principal: Principal, *, kind: str, owner_id: int) -> bool:
    """Whether the owning workflow lets ``principal`` read the files of owner ``owner_id``; an unknown kind: no."""
    reader = _owner_readers.get(kind)
    return reader is not None and reader(session, principal, owner_id)


def sniff(data: bytes) -> str | None:
    """The content type by the file's first bytes, or None when it is none of the accepted kinds."""
    for magic, content_type, _label in KINDS:
        if data.startswith(magic):
            return content_type
    return None


def clean_name(name: str) -> str:
    """The file's own name (no folders, no control characters), shortened to fit."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:MAX_NAME]
    return base or "未命名文件"


def chosen(uploads: list[Upload]) -> list[Upload]:
    """The files actually chosen (a file input left empty posts a nameless, empty part)."""
    return [u for u in uploads if u.name or u.data]


def check(uploads: list[Upload], limits: Limits) -> list[str]:
    """Every problem with the files, each naming the file and the reason (empty when all are acceptable)."""
    files = chosen(uploads)
    problems: list[str] = []
    if len(files) > limits.max_files:
        problems.append(f"证明材料文件最多{limits.max_files}个，本次选择了{len(files)}个")
    for upload in files:
        name = clean_name(upload.name)
        if not upload.data:
            problems.append(f"文件“{name}”是空文件")
        elif len(upload.data) > limits.max_bytes:
            problems.append(f"文件“{name}”超过{limits.max_mb}MB的大小限制")
        elif sniff(upload.data) is None:
            problems.append(f"文件“{name}”不是{ACCEPTED}文件（按文件内容判断，与扩展名无关）")
    return problems


def require_valid(uploads: list[Upload], limits: Limits, head: str) -> None:
    """Refuse (nothing written) when any file is unacceptable."""
    problems = check(uploads, limits)
    if problems:
        details = [{"field": "evidence_files", "reason": p} for p in problems]
        raise ValidationFailed(f"{head}：" + "；".join(problems), details=details)


def attach(
    session: Session, *, owner_kind: str, owner_id: int, uploads: list[Upload], limits: Limits, actor: Actor
) -> list[EvidenceFile]:
    """Store the (checked) files with the application, in the caller's transaction."""
    require_valid(uploads, limits, "证明材料文件有误，未提交")
    now = get_clock().now()
    stored = []
    for upload in chosen(uploads):
        content_type = sniff(upload.data)
        assert content_type is not None
        row = EvidenceFile(
            owner_kind=owner_kind,
            owner_id=owner_id,
            name=clean_name(upload.name),
            content_type=content_type,
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            data=upload.data,
            uploaded_by=actor.label,
            uploaded_at=now,
        )
        session.add(row)
        stored.append(row)
    session.flush()
    return stored


def files_of(session: Session, *, owner_kind: str, owner_id: int) -> list[EvidenceFile]:
    """The files of one application (their contents not loaded)."""
    stmt = (
        select(EvidenceFile)
        .where(EvidenceFile.owner_kind == owner_kind, EvidenceFile.owner_id == owner_id)
        .options(defer(EvidenceFile.data))
        .order_by(EvidenceFile.id)
    )
    return list(session.execute(stmt).scalars())


def files_by_owner(session: Session, *, owner_kind: str, owner_ids: list[int]) -> dict[int, list[EvidenceFile]]:
    """The files of several applications, by owner id (one query, contents not loaded)."""
    out: dict[int, list[EvidenceFile]] = {i: [] for i in owner_ids}
    if not owner_ids:
        return out
    stmt = (
        select(EvidenceFile)
        .where(EvidenceFile.owner_kind == owner_kind, EvidenceFile.owner_id.in_(owner_ids))
        .options(defer(EvidenceFile.data))
        .order_by(EvidenceFile.id)
    )
    for row in session.execute(stmt).scalars():
        out[row.owner_id].append(row)
    return out


def get_file(session: Session, file_id: int) -> EvidenceFile:
    """One file by id."""
    row = get_or_404(session, EvidenceFile, file_id, f"证明材料文件{file_id}不存在。")
    return row
