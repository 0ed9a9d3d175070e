"""Console pages: upload a file, read its report, download the error list; timeliness for the credit office."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from xinyong.catalog import service as catalog_service
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import DomainError, NotFound
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, requires
from xinyong.ingestion import service
from xinyong.ingestion.models import Batch
from xinyong.records import service as records_service
from xinyong.web.views import render

router = APIRouter(prefix="/console/ingest", include_in_schema=False)

Submitter = Annotated[Principal, Depends(requires("records.submit"))]
Reader = Annotated[Principal, Depends(requires("records.read"))]
STATUS = {"running": "处理中", "completed": "已完成", "rejected": "文件被拒收", "failed": "处理中断"}


def _kinds(session: DbSession, principal: Principal) -> list[tuple[str, str]]:
    version = catalog_service.version_on(session, get_clock().today())
    return [
        (i.code, i.name)
        for i in catalog_service.items_of(session, version)
        if "*" in i.source_departments or principal.department_code in i.source_departments
    ]


def _form(request: Request, session: DbSession, principal: Principal, error: str | None = None) -> HTMLResponse:
    dept = None if principal.can("records.oversee") else principal.department_id
    return render(
        request,
        "console/ingest.html",
        {
            "kinds": _kinds(session, principal),
            "batches": service.list_batches(session, department_id=dept),
            "status_labels": STATUS,
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.get("", response_class=HTMLResponse)
def upload_form(request: Request, session: DbSession, principal: Submitter) -> HTMLResponse:
    """The upload form and the department's recent batches."""
    return _form(request, session, principal)


@router.post("", response_class=HTMLResponse)
def upload(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: Submitter,
    file: UploadFile,
    kind: Annotated[str, Form()],
    encoding: Annotated[str, Form()] = "",
) -> Response:
    """Ingest the uploaded file, then show its report."""
    if not principal.department_code:
        return _form(request, session, principal, "当前账号未归属任何部门，不能报送信用信息。")
    session.rollback()  # release the request's transaction: the batch commits in its own sessions
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        try:
            batch_id = service.ingest_file(
                request.app.state.db,
                path=path,
                kind=kind,
                department_code=principal.department_code,
                actor=principal.actor(),
                cipher=get_cipher(settings.secret_key),
                filename=file.filename,
                encoding=encoding or None,
            )
        except DomainError as exc:
            return _form(request, session, principal, exc.message)
    return RedirectResponse(f"/console/ingest/batches/{batch_id}", status_code=303)


def _own_batch(session: DbSession, principal: Principal, batch_id: int) -> Batch:
    batch = service.get_batch(session, batch_id)
    if not principal.can("records.oversee") and batch.department_id != principal.department_id:
        raise NotFound(f"批次{batch_id}不存在。")
    return batch


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, session: DbSession, principal: Reader, batch_id: int) -> HTMLResponse:
    """A batch's report: counts, warnings and every row error (the first 1,000 on the page)."""
    _own_batch(session, principal, batch_id)
    return render(
        request,
        "console/ingest_batch.html",
        {
            "report": service.report(session, batch_id, error_limit=1000),
            "status_labels": STATUS,
        },
    )


@router.get("/batches/{batch_id}/errors.xlsx")
def batch_errors_xlsx(session: DbSession, principal: Reader, batch_id: int) -> FileResponse:
    """The full error list as XLSX."""
    _own_batch(session, principal, batch_id)
    tmp = Path(tempfile.mkdtemp())
    path = service.write_error_report(session, batch_id, tmp / f"batch-{batch_id}-errors.xlsx")
    return FileResponse(
        path,
        filename=f"错误清单-批次{batch_id}.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True),
    )


@router.get("/timeliness", response_class=HTMLResponse)
def timeliness_page(
    request: Request, session: DbSession, _: Annotated[Principal, Depends(requires("records.oversee"))]
) -> HTMLResponse:
    """Per department: on-time rate of reporting within 7 working days, and the overdue records."""
    return render(
        request,
        "console/timeliness.html",
        {
            "rows": records_service.timeliness(session),
            "overdue": records_service.overdue(session, limit=100),
        },
    )
