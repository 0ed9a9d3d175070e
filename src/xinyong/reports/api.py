"""JSON routes: report verification and the signing public key (public), for other systems checking a bidder's
report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, public
from xinyong.reports import service, signing

router = APIRouter(prefix="/api/v1", tags=["信用报告"])

Public = Annotated[Principal, Depends(public)]


@router.get("/reports/verify")
def verify(session: DbSession, settings: AppSettings, _: Public, number: str = "", code: str = "") -> dict[str, Any]:
    """Whether the platform issued the report with this number and verification code (and its kept copy verifies)."""
    result = service.verify_number(session, number=number, code=code, secret=settings.signing_secret)
    body: dict[str, Any] = {"genuine": result.ok, "message": result.message}
    if result.ok and result.report is not None and result.entity is not None:
        body["report"] = {
            "number": result.report.number,
            "edition": result.report.edition,
            "purpose": result.report.purpose,
            "generated_at": result.report.generated_at.isoformat(),
            "sha256": result.report.pdf_sha256,
            "key_id": result.report.key_id,
            "subject": {"name": result.entity.name, "uscc": result.entity.uscc},
        }
    return body


@router.get("/reports/public-key")
def public_key(session: DbSession, settings: AppSettings, _: Public) -> dict[str, Any]:
    """The Ed25519 public key of report signatures (PEM) and its key id; ``previous``: the keys used before a
    rotation, with which earlier reports still verify."""
    key = signing.public_key(settings.signing_secret)
    previous = service.published_keys(session, settings.signing_secret)[1:]
    return {
        "algorithm": "Ed25519",
        "key_id": signing.key_id(key),
        "pem": signing.public_pem(settings.signing_secret),
        "previous": previous,
    }
