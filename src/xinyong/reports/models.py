"""ORM model of issued credit reports (the signed PDF is kept so a report can be verified later)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class CreditReport(Base):
    """One issued public credit information report (简版 or 详版) about one entity."""

    __tablename__ = "credit_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the verification code printed on the report
    entity_id: Mapped[int] = mapped_column(ForeignKey("entity.id"), index=True)
    edition: Mapped[str] = mapped_column(String(8))  # simple | full
    purpose: Mapped[str] = mapped_column(String(40))
    purpose_note: Mapped[str | None] = mapped_column(String(200))
    requester_kind: Mapped[str] = mapped_column(String(12))  # entity | department
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    requested_by: Mapped[str] = mapped_column(String(120))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the signed part of the file
    signature: Mapped[str] = mapped_column(String(100))  # base64 Ed25519 signature
    key_id: Mapped[str] = mapped_column(String(16))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)  # section counts, for lists and statistics
    size: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)  # empty while the report is being rendered
    # ready | pending (生成中: rendered in the background) | failed (生成失败: ``error`` says why; can be retried)
    status: Mapped[str] = mapped_column(String(12), default="ready", server_default="ready", index=True)
    # The verification code is printed on the PDF (which is kept), so it is kept too until the PDF is rendered,
    # then cleared: afterwards only its hash remains, as for reports rendered at once.
    pending_code: Mapped[str | None] = mapped_column(String(16))
    verify_base: Mapped[str | None] = mapped_column(String(300))  # the address the QR code points to
    error: Mapped[str | None] = mapped_column(Text)


class ReportSigningKey(Base):
    """Every public key that has signed a report, kept (and published) after the signing key is rotated, so that
    reports signed before still verify."""

    __tablename__ = "report_signing_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    public_pem: Mapped[str] = mapped_column(Text)
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime())
