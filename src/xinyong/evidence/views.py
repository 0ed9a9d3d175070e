"""Evidence files: the download route (the applicant, the deciding department and the credit office only; never
public). Reading uploads from a form is in ``evidence.uploads``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from xinyong.core import downloads
from xinyong.core.errors import PermissionDenied
from xinyong.core.security import Principal
from xinyong.core.web import DbSession, requires
from xinyong.evidence import service
from xinyong.evidence.models import EvidenceFile

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(requires("evidence.read"))]


def may_read(session: DbSession, principal: Principal, row: EvidenceFile) -> bool:
    """The applicant, the deciding department (and the window that filed for a person), the credit office: the
    owning package (objections, repair) answers for its own applications (``service.register_owner_reader``)."""
    if principal.can("records.oversee"):
        return True
    return service.owner_may_read(session, principal, kind=row.owner_kind, owner_id=row.owner_id)


@router.get("/console/evidence/{file_id}")
def download(session: DbSession, principal: Reader, file_id: int) -> Response:
    """One evidence file, to those who may see the application it belongs to."""
    row = service.get_file(session, file_id)
    if not may_read(session, principal, row):
        raise PermissionDenied("证明材料只向申请人、作出决定的部门和信用办提供，您无权下载该文件。")
    return downloads.download(row.data, filename=row.name, media_type=row.content_type)
