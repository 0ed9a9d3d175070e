"""Ingestion: one decision through the API, or a whole file, validated row by row against the catalogue."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from xinyong.catalog import service as catalog_service
from xinyong.catalog.models import CatalogItem
from xinyong.catalog.schemas import ItemSpec
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.db import Database
from xinyong.core.downloads import sheet_append
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.ingestion import pipeline
from xinyong.ingestion.files import FileRejected, open_source
from xinyong.ingestion.models import Batch, BatchError
from xinyong.ingestion.validate import ID_IN_TEXT_NOTE, FieldError, RowValidator, ValidRow
from xinyong.records import hooks as records_hooks
from xinyong.records import service as records_service
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department

CHUNK_ROWS = 2000
PARALLEL_FROM_BYTES = 4_000_000  # smaller files are validated in the calling process (a worker takes ~0.5 s to start)
MAX_WORKERS = 2

log = logging.getLogger("xinyong.ingestion")
MAX_ERRORS_KEPT = 100_000


def _check_source(spec: ItemSpec, department: Department) -> None:
    if "*" not in spec.source_departments and department.code not in spec.source_departments:
        raise PermissionDenied(f"“{department.name}”不是“{spec.name}”的信息提供部门，不能报送此类信息。")


def target(session: Session, *, kind: str, department_code: str) -> tuple[CatalogItem, ItemSpec, Department]:
    """The catalogue item in force today and the submitting department, checked against each other."""
    department = subjects_service.department_by_code(session, department_code)
    item, spec = catalog_service.item_for(session, kind)
    _check_source(spec, department)
    return item, spec, department


def error_details(errors: list[FieldError]) -> list[dict[str, str]]:
    """Field errors as JSON objects."""
    return [{"field": e.field, "name": e.name, "value": e.value, "reason": e.reason} for e in errors]


def submit_one(
    session: Session, *, kind: str, fields: dict[str, Any], department_code: str, actor: Actor, cipher: FieldCipher
) -> tuple[records_service.StoreResult, ItemSpec]:
    """Validate and store one decision sent through the API; every field error is reported at once."""
    item, spec, department = target(session, kind=kind, department_code=department_code)
    validator = RowValidator(spec, today=get_clock().today())
    result = validator.validate_json(fields)
    if not isinstance(result, ValidRow):
        message = "；".join(f"{e.name}（{e.field}）：{e.reason}" if e.field else e.reason for e in result)
        raise ValidationFailed(f"信息有误，未归集：{message}", details=error_details(result))
    stored = records_service.store(
        session,
        item=item,
        spec=spec,
        department=department,
        values=result.values,
        provenance=records_service.Provenance(actor=actor),
        cipher=cipher,
    )
    stored.warnings[:0] = result.warnings
    if stored.record.entity_id is not None:  # re-graded at once (a person's related entities wait for the next run)
        records_hooks.regrade(session, actor=actor, entity_ids=[stored.record.entity_id])
    return stored, spec


@dataclass
class _Counters:
    rows: int = 0
    created: int = 0
    versioned: int = 0
    unchanged: int = 0
    rejected: int = 0


def create_batch(
    db: Database, *, kind: str, department_code: str, actor: Actor, filename: str | None, status: str = "running"
) -> int:
    """Register a batch for a file about to be ingested (checks the item and the department first)."""
    with db.session() as session:
        _item, spec, department = target(session, kind=kind, department_code=department_code)
        batch = Batch(
            department_id=department.id,
            item_code=spec.code,
            filename=filename,
            status=status,
            warnings=[],
            started_at=get_clock().now(),
            submitted_by=actor.label,
            submitted_by_user_id=actor.user_id,
            submitted_by_token_id=actor.token_id,
        )
        session.add(batch)
        session.flush()
        return batch.id


def ingest_file(
    db: Database,
    *,
    path: Path,
    kind: str,
    department_code: str,
    actor: Actor,
    cipher: FieldCipher,
    filename: str | None = None,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
    regrade: bool = True,
) -> int:
    """Ingest a CSV or XLSX file; returns the batch id. Good rows are stored chunk by chunk, bad rows reported.

    Each chunk commits with its counters, so a crash loses at most the chunk in flight; sending the same file again
    stores nothing twice (records are keyed by department, item and document number) and finishes the job.
    """
    batch_id = create_batch(db, kind=kind, department_code=department_code, actor=actor, filename=filename or path.name)
    run_batch(
        db, batch_id, path=path, actor=actor, cipher=cipher, encoding=encoding, progress=progress, regrade=regrade
    )
    return batch_id


def worker_count(kind: str, size: int) -> int:
    """How many worker processes validate a file (0: validate in this process).

    Each worker parses the whole file and validates its share; for XLSX, whose parsing is the costly part, one
    worker reads while this process writes.
    """
    if size < PARALLEL_FROM_BYTES:
        return 0
    if kind == "xlsx":
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def run_batch(
    db: Database,
    batch_id: int,
    *,
    path: Path,
    actor: Actor,
    cipher: FieldCipher,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    regrade: bool = True,
) -> None:
    """Process a registered batch's file (see ``ingest_file``); ``workers`` overrides ``worker_count``. With
    ``regrade`` False the subjects the batch touched stay queued for ``xinyong evaluate --dirty``."""
    with db.session() as session:
        batch = get_batch(session, batch_id)
        batch.status = "running"
        filename = batch.filename
        item, spec = catalog_service.item_for(session, batch.item_code)
        item_id, department_id = item.id, batch.department_id
        preparer = records_service.preparer_for(session, spec)
    try:
        source, _rows = open_source(path, filename=filename, encoding=encoding)
    except FileRejected as exc:
        _finish(db, batch_id, status="rejected", message=exc.message, actor=actor)
        return
    today = get_clock().today()
    _mapping, header_errors = RowValidator(spec, today=today).header_map(source.headers)
    with db.session() as session:
        stored = session.get(Batch, batch_id)
        assert stored is not None
        stored.file_kind, stored.encoding, stored.file_sha256 = source.kind, source.encoding, source.sha256
        stored.size = source.size
        stored.warnings = list(source.warnings)
        if header_errors:
            _store_errors(session, batch_id, [_error_line(1, e) for e in header_errors])
    if header_errors:
        _finish(
            db,
            batch_id,
            status="rejected",
            message="表头有误，整个文件未归集，请按错误清单修改表头后重新上传。",
            actor=actor,
        )
        return
    job = pipeline.Job(
        path=str(path),
        filename=filename,
        encoding=source.encoding if source.kind == "csv" else None,
        spec=spec,
        today=today,
        submitted_day=preparer.submitted_day,
        calendar=preparer.calendar,
        regimes=preparer.regimes,
        chunk_rows=CHUNK_ROWS,
    )
    seen: dict[str, int] = {}
    doc_field = spec.roles["document_number"]
    doc_name = spec.field(doc_field).name
    counters = _Counters()
    provenance = records_service.Provenance(actor=actor, batch_id=batch_id, file_sha256=source.sha256)
    id_rows: list[tuple[int, list[str]]] = []
    id_rows_total = 0
    for chunk in pipeline.chunks(job, worker_count(source.kind, source.size) if workers is None else workers):
        if chunk.file_error is not None:  # e.g. an undecodable byte deep in the file: the rows so far stay
            _finish(db, batch_id, status="failed", message=chunk.file_error, actor=actor)
            return
        errors = chunk.errors
        good: list[records_service.Prepared] = []
        for values in chunk.good:
            p = records_service.Prepared._make(values)
            first = seen.get(p.document_number)
            if first is not None:
                errors.append(
                    (p.row_number or 0, doc_field, doc_name, p.document_number, f"与本文件第{first}行的文书号重复")
                )
            else:
                seen[p.document_number] = p.row_number or 0
                good.append(p)
        id_rows_total += len(chunk.id_in_text)
        id_rows.extend(chunk.id_in_text[: ID_IN_TEXT_SHOWN - len(id_rows)])
        with db.session() as session:
            counters.rows += chunk.rows
            counters.rejected += len({e[0] for e in errors})
            _store_errors(session, batch_id, errors)
            if good:
                item_row = session.get(CatalogItem, item_id)
                dept = session.get(Department, department_id)
                assert item_row is not None and dept is not None
                for done in records_service.write_prepared(
                    session,
                    item=item_row,
                    spec=spec,
                    department=dept,
                    rows=good,
                    provenance=provenance,
                    cipher=cipher,
                    want_ids=False,
                ):
                    setattr(counters, done.outcome, getattr(counters, done.outcome) + 1)
            current = session.get(Batch, batch_id)
            assert current is not None
            for name in ("rows", "created", "versioned", "unchanged", "rejected"):
                setattr(current, name, getattr(counters, name))
        if chunk.index + 1 in _ANALYZE_AFTER_CHUNKS:
            _refresh_statistics(db)
        if progress:
            progress(chunk.rows)
    if id_rows:
        with db.session() as session:
            current = session.get(Batch, batch_id)
            assert current is not None
            current.warnings = [*current.warnings, *id_in_text_warnings(id_rows, id_rows_total)]
    if regrade:
        _regrade(db, actor)
    _finish(db, batch_id, status="completed", message=None, actor=actor)


ID_IN_TEXT_SHOWN = 20
"""Rows named in a batch's warnings about ID numbers in free text (the rest are counted)."""


def id_in_text_warnings(rows: list[tuple[int, list[str]]], total: int) -> list[str]:
    """The batch report's warnings about resident ID numbers written in free-text fields (accepted, masked on
    publication)."""
    out = [f"第{row}行“{'”“'.join(names)}”{ID_IN_TEXT_NOTE}。" for row, names in rows]
    if total > len(rows):
        out.append(f"另有{total - len(rows)}行的自由文本中含有公民身份号码（已归集，公示时自动遮蔽）。")
    return out


# PostgreSQL plans the per-chunk lookups from table statistics; when a large file grows the tables from nearly
# empty, stale statistics make it scan instead of using the natural-key index (quadratic time). Re-analyse as the
# tables grow by orders of magnitude.
_ANALYZE_AFTER_CHUNKS = frozenset({1, 10, 100, 1000})


def _regrade(db: Database, actor: Actor) -> None:
    """Re-grade the subjects the batch touched (they were marked dirty as their records were stored)."""
    try:
        with db.session() as session:
            records_hooks.regrade(session, actor=actor)
    except Exception:  # the records are committed; the subjects stay queued for `xinyong evaluate --dirty`
        log.exception("re-grading after a batch failed; subjects stay queued")


def _refresh_statistics(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE credit_record, entity")
        conn.commit()


def _error_line(row_number: int, e: FieldError) -> pipeline.ErrorLine:
    return (row_number, e.field, e.name, e.value[:200], e.reason)


def _store_errors(session: Session, batch_id: int, errors: list[pipeline.ErrorLine]) -> None:
    """Keep a chunk's error lines (one executemany)."""
    if errors:
        session.execute(
            insert(cast(Table, BatchError.__table__)),
            [
                {"batch_id": batch_id, "row_number": r, "field_code": f, "field_name": n, "value": v, "reason": why}
                for r, f, n, v, why in errors
            ],
        )


def _finish(db: Database, batch_id: int, *, status: str, message: str | None, actor: Actor) -> None:
    with db.session() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        batch.status, batch.message, batch.finished_at = status, message, get_clock().now()
        audit(
            session,
            actor=actor,
            action=f"batch.{status}",
            object_type="ingest_batch",
            object_id=batch_id,
            detail={
                "item": batch.item_code,
                "file": batch.filename,
                "sha256": batch.file_sha256,
                "rows": batch.rows,
                "created": batch.created,
                "versioned": batch.versioned,
                "unchanged": batch.unchanged,
                "rejected": batch.rejected,
                "message": message,
            },
        )


def reject_batch(db: Database, batch_id: int, *, message: str, actor: Actor) -> None:
    """Refuse a whole file (nothing of it is stored)."""
    _finish(db, batch_id, status="rejected", message=message, actor=actor)


def fail_batch(db: Database, batch_id: int, *, message: str, actor: Actor) -> None:
    """Mark a batch as interrupted (the rows committed so far stay; sending the file again finishes the job)."""
    _finish(db, batch_id, status="failed", message=message, actor=actor)


def get_batch(session: Session, batch_id: int) -> Batch:
    """A batch by id."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        from xinyong.core.errors import NotFound

        raise NotFound(f"批次{batch_id}不存在。")
    return batch


def batch_errors(session: Session, batch_id: int, *, limit: int | None = None) -> list[BatchError]:
    """A batch's errors in row order."""
    stmt = select(BatchError).where(BatchError.batch_id == batch_id).order_by(BatchError.row_number, BatchError.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def error_count(session: Session, batch_id: int) -> int:
    """How many error lines a batch has."""
    return int(session.execute(select(func.count()).where(BatchError.batch_id == batch_id)).scalar_one())


def report(session: Session, batch_id: int, *, error_limit: int = 1000) -> dict[str, Any]:
    """The batch report of the v1 contract: counts and errors by row and field."""
    batch = get_batch(session, batch_id)
    errors = batch_errors(session, batch_id, limit=error_limit)
    return {
        "batch": batch.id,
        "kind": batch.item_code,
        "file": batch.filename,
        "status": batch.status,
        "message": batch.message,
        "rows": batch.rows,
        "accepted": batch.created + batch.versioned + batch.unchanged,
        "created": batch.created,
        "versioned": batch.versioned,
        "unchanged": batch.unchanged,
        "rejected": batch.rejected,
        "warnings": batch.warnings,
        "error_count": error_count(session, batch_id),
        "errors": [
            {"row": e.row_number, "field": e.field_code, "name": e.field_name, "value": e.value, "reason": e.reason}
            for e in errors
        ],
    }


def write_error_report(session: Session, batch_id: int, path: Path) -> Path:
    """The batch's errors as an XLSX a clerk can open, fix and send back."""
    from openpyxl import Workbook

    batch = get_batch(session, batch_id)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误清单")
    # Every value a submitter wrote is neutralised: a cell like =HYPERLINK(...) must stay text (formula injection).
    sheet_append(
        ws,
        [
            f"文件：{batch.filename}",
            f"信息类别：{batch.item_code}",
            f"总行数：{batch.rows}",
            f"未通过：{batch.rejected}",
            batch.message or "",
        ],
    )
    sheet_append(ws, ["行号", "字段代码", "字段名称", "填写的值", "错误原因"])
    last = 0
    while True:
        chunk = list(
            session.execute(
                select(BatchError)
                .where(BatchError.batch_id == batch_id, BatchError.id > last)
                .order_by(BatchError.id)
                .limit(5000)
            ).scalars()
        )
        if not chunk:
            break
        for e in chunk:
            sheet_append(ws, [e.row_number, e.field_code, e.field_name, e.value, e.reason])
        last = chunk[-1].id
    wb.save(path)
    return path


def list_batches(session: Session, *, department_id: int | None = None, limit: int = 50) -> list[Batch]:
    """Recent batches, newest first."""
    stmt = select(Batch).order_by(Batch.id.desc()).limit(limit)
    if department_id is not None:
        stmt = stmt.where(Batch.department_id == department_id)
    return list(session.execute(stmt).scalars())
