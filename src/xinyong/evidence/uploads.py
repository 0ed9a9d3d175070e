"""Reading evidence uploads from a form (objections and repair applications file evidence with their forms)."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from xinyong.core.config import Settings
from xinyong.evidence import service

FIELD = "evidence_files"


def limits(settings: Settings) -> service.Limits:
    """The limits the settings give."""
    return service.Limits(max_bytes=settings.evidence_max_mb * 1024 * 1024, max_files=settings.evidence_max_files)


def request_limit_mb(settings: Settings) -> int:
    """The body limit of a filing with evidence: every file at its largest, and 1 MB for the form."""
    return settings.evidence_max_mb * settings.evidence_max_files + 1


async def read_uploads(request: Request, settings: Settings) -> list[service.Upload]:
    """The files posted in the form's evidence field (each read only up to the size limit plus one byte, so an
    oversized file is recognised without being held whole)."""
    form = await request.form()
    cap = limits(settings).max_bytes + 1
    out = []
    for value in form.getlist(FIELD):
        if isinstance(value, UploadFile):
            out.append(service.Upload(name=value.filename or "", data=await value.read(cap)))
    return out
