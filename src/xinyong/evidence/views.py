"""Evidence files: reading uploads from a form, and the download route (the applicant, the deciding department and
the credit office only; never public)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from xinyong.core import downloads
from xinyong.core.config import Settings
from xinyong.core.errors import PermissionDenied
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, requires
from xinyong.evidence import service
from xinyong.evidence.models import EvidenceFile
from xinyong.objections import service as objections_service
from xinyong.repair import service as repair_service

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(requires("evidence.read"))]
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


def may_read(session: DbSession, principal: Principal, row: EvidenceFile) -> bool:
    """The applicant, the deciding department (and the window that filed for a person), the credit office."""
    if principal.can("records.oversee"):
        return True
    if row.owner_kind == service.OBJECTION:
        o = objections_service.get_objection(session, row.owner_id)
        return (principal.entity_id is not None and principal.entity_id == o.entity_id) or (
            principal.department_id is not None
            and principal.can("objections.handle")
            and principal.department_id in (o.department_id, o.window_department_id)
        )
    if row.owner_kind == service.REPAIR:
        a = repair_service.get_application(session, row.owner_id)
        return (principal.entity_id is not None and principal.entity_id == a.entity_id) or (
            principal.department_id is not None
            and principal.can("repair.review")
            and principal.department_id == a.department_id
        )
    return False


@router.get("/console/evidence/{file_id}")
def download(session: DbSession, principal: Reader, file_id: int) -> Response:
    """One evidence file, to those who may see the application it belongs to."""
    row = service.get_file(session, file_id)
    if not may_read(session, principal, row):
        raise PermissionDenied("证明材料只向申请人、作出决定的部门和信用办提供，您无权下载该文件。")
    return downloads.download(row.data, filename=row.name, media_type=row.content_type)
