"""JSON routes of the v1 contract: one record, or a file batch."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xinyong.core import deadlines
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import NotFound, PermissionDenied
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, accepts_upload, requires
from xinyong.ingestion import service
from xinyong.ingestion.files import FileRejected, save_upload
from xinyong.records.states import STATUS_LABELS

router = APIRouter(prefix="/api/v1", tags=["信息归集"])

Submitter = Annotated[Principal, Depends(requires("records.submit"))]


class RecordIn(BaseModel):
    """One decision: the catalogue item code and its fields by field code."""

    kind: str
    fields: dict[str, Any]


def _department(principal: Principal) -> str:
    if not principal.department_code:
        raise PermissionDenied("当前账号或令牌未归属任何部门，不能报送信用信息。")
    return principal.department_code


@router.post("/records", status_code=201, summary="报送一条信用信息")
def submit_record(body: RecordIn, session: DbSession, settings: AppSettings, principal: Submitter) -> JSONResponse:
    """Validate and store one decision; 422 lists every field error in Chinese."""
    result, spec = service.submit_one(
        session,
        kind=body.kind,
        fields=body.fields,
        department_code=_department(principal),
        actor=principal.actor(),
        cipher=get_cipher(settings.field_secret),
    )
    record = result.record
    payload = {
        "id": record.id,
        "outcome": result.outcome,
        "version": record.version,
        "subject": {
            "kind": record.subject_kind,
            "name": record.subject_name,
            "category": record.subject_category,
            "uscc": record.fields.get(spec.roles["uscc"]),
        },
        "status": record.status,
        "status_label": STATUS_LABELS[record.status],
        "decision_date": record.decision_date.isoformat(),
        "publication_deadline": record.publication_deadline.isoformat() if record.publication_deadline else None,
        "publication_deadline_provisional": deadlines.is_provisional(session, record.publication_deadline),
        "on_time": record.on_time,
        "publicity_window": {
            "from": record.publicity_from.isoformat() if record.publicity_from else None,
            "until": record.publicity_until.isoformat() if record.publicity_until else None,
        },
        "warnings": result.warnings,
    }
    return JSONResponse(payload, status_code=201 if result.outcome != "unchanged" else 200)


@router.post("/batches", summary="上传文件批量报送（CSV 或 XLSX）", dependencies=[accepts_upload()])
def submit_batch(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: Submitter,
    file: UploadFile,
    kind: Annotated[str, Form()],
    encoding: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Ingest a file; the report lists accepted and rejected rows with every error by row and field."""
    department = _department(principal)
    # The batch commits chunk by chunk in its own sessions: end the request's transaction (it only read the caller)
    # so that, on SQLite, it does not hold the write lock the batch needs.
    session.rollback()
    db = request.app.state.db
    actor, cipher = principal.actor(), get_cipher(settings.field_secret)
    batch_id = service.create_batch(db, kind=kind, department_code=department, actor=actor, filename=file.filename)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        try:
            save_upload(file.file, path)
        except FileRejected as exc:
            service.reject_batch(db, batch_id, message=exc.message, actor=actor)
        else:
            service.run_batch(db, batch_id, path=path, actor=actor, cipher=cipher, encoding=encoding or None)
    return service.report(session, batch_id)


@router.get("/batches/{batch_id}", summary="查询批次报告")
def batch_report(
    batch_id: int, session: DbSession, principal: Annotated[Principal, Depends(requires("records.read"))]
) -> dict[str, Any]:
    """A batch's report (a department sees its own batches; the credit office sees all)."""
    batch = service.get_batch(session, batch_id)
    if not principal.can("records.oversee") and batch.department_id != principal.department_id:
        raise NotFound(f"批次{batch_id}不存在。")
    return service.report(session, batch_id)
