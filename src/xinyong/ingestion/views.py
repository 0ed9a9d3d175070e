"""Console pages: upload a file, read its report, download the error list; timeliness for the credit office."""

from __future__ import annotations

import logging
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.catalog import service as catalog_service
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.downloads import download
from xinyong.core.errors import DomainError, NotFound
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, accepts_upload, render, requires
from xinyong.ingestion import service
from xinyong.ingestion.files import FileRejected, save_upload
from xinyong.ingestion.models import Batch
from xinyong.records import service as records_service

log = logging.getLogger("xinyong.ingestion")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
router = APIRouter(prefix="/console/ingest", include_in_schema=False)

Submitter = Annotated[Principal, Depends(requires("records.submit"))]
Reader = Annotated[Principal, Depends(requires("records.read"))]
STATUS = {
    "queued": "排队中",
    "running": "处理中",
    "completed": "已完成",
    "rejected": "文件被拒收",
    "failed": "处理中断",
}


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


@router.post("", response_class=HTMLResponse, dependencies=[accepts_upload()])
def upload(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: Submitter,
    file: UploadFile,
    kind: Annotated[str, Form()],
    encoding: Annotated[str, Form()] = "",
) -> Response:
    """Register the batch, process the file in the background, and show its page (which follows the progress)."""
    if not principal.department_code:
        return _form(request, session, principal, "当前账号未归属任何部门，不能报送信用信息。")
    session.rollback()  # release the request's transaction: the batch commits in its own sessions
    db = request.app.state.db
    try:
        batch_id = service.create_batch(
            db,
            kind=kind,
            department_code=principal.department_code,
            actor=principal.actor(),
            filename=file.filename,
            status="queued",
        )
    except DomainError as exc:
        return _form(request, session, principal, exc.message)
    folder = Path(tempfile.mkdtemp(prefix="xinyong-upload-"))
    path = folder / "upload"
    actor, cipher = principal.actor(), get_cipher(settings.field_secret)
    try:
        save_upload(file.file, path)
    except FileRejected as exc:
        shutil.rmtree(folder, ignore_errors=True)
        service.reject_batch(db, batch_id, message=exc.message, actor=actor)
        return RedirectResponse(f"/console/ingest/batches/{batch_id}", status_code=303)

    def job() -> None:
        try:
            service.run_batch(db, batch_id, path=path, actor=actor, cipher=cipher, encoding=encoding or None)
        except Exception:
            log.exception("batch %s failed", batch_id)
            service.fail_batch(
                db,
                batch_id,
                actor=actor,
                message="处理中断：系统内部错误。已归集的行不受影响，请稍后重新上传同一文件以完成归集。",
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    _executor(request).submit(job)
    return RedirectResponse(f"/console/ingest/batches/{batch_id}", status_code=303)


def _executor(request: Request) -> ThreadPoolExecutor:
    # One worker: batches run one after another (a single writer suits SQLite and keeps the load predictable).
    executor = getattr(request.app.state, "ingest_executor", None)
    if executor is None:
        executor = request.app.state.ingest_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
    return executor


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
def batch_errors_xlsx(session: DbSession, principal: Reader, batch_id: int) -> Response:
    """The full error list as XLSX, with its SHA-256 in ``X-Content-SHA256``."""
    _own_batch(session, principal, batch_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = service.write_error_report(session, batch_id, Path(tmp) / f"batch-{batch_id}-errors.xlsx")
        data = path.read_bytes()
    return download(data, filename=f"错误清单-批次{batch_id}.xlsx", media_type=XLSX_TYPE)


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
