"""Attachments of inspection results: allowed types, sizes and content checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy.orm import Session

from xinyong.core.clock import get_clock
from xinyong.core.forms import FieldErrors as _Errors
from xinyong.inspections.models import InspectionAttachment
from xinyong.inspections.service.rules import load_rules


@dataclass(frozen=True)
class Upload:
    """An uploaded attachment."""

    filename: str
    data: bytes


def _content_matches(ext: str, data: bytes) -> bool:
    if ext == ".pdf":
        return data.startswith(b"%PDF")
    if ext in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    return False


def accepted_uploads(attachments: Sequence[Upload], errors: _Errors) -> list[tuple[Upload, str]]:
    """The uploads with their content type; an ``attachments`` error for each one refused (type, size, content)."""
    rules = load_rules()
    if len(attachments) > rules.max_attachments:
        errors.add("attachments", f"最多{rules.max_attachments}个")
    kept: list[tuple[Upload, str]] = []
    for up in attachments:
        ext = PurePath(up.filename).suffix.lower()
        if ext not in rules.allowed_types:
            errors.add("attachments", f"“{up.filename}”的类型不允许（允许：{'、'.join(rules.allowed_types)}）")
        elif len(up.data) > rules.max_attachment_bytes:
            errors.add("attachments", f"“{up.filename}”超过{rules.max_attachment_bytes // 1048576}MB")
        elif not _content_matches(ext, up.data):
            errors.add("attachments", f"“{up.filename}”的内容与扩展名不符")
        else:
            kept.append((up, rules.allowed_types[ext]))
    return kept


def store_attachments(session: Session, task_id: int, kept: Sequence[tuple[Upload, str]]) -> None:
    """Keep the accepted uploads with the task (file names cut to 200 characters)."""
    now = get_clock().now()
    for up, content_type in kept:
        session.add(
            InspectionAttachment(
                task_id=task_id,
                filename=PurePath(up.filename).name[:200],
                content_type=content_type,
                size=len(up.data),
                data=up.data,
                created_at=now,
            )
        )
