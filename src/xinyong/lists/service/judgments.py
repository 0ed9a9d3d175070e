"""Dishonest judgment debtors from the court (T13): the court's file imported as published entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.errors import DomainError, ValidationFailed
from xinyong.core.identifiers import mask_id_number
from xinyong.disclosure.rules import add_months
from xinyong.ingestion import files as ingestion_files
from xinyong.ingestion import service as ingestion_service
from xinyong.lists.models import ListEntry
from xinyong.lists.rules import ListRule
from xinyong.lists.service.common import PUBLISHED, log_event, rule_for
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department


@dataclass
class ImportResult:
    """What a court file import did."""

    accepted: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_judgment_debtors(
    session: Session, *, path: Path, filename: str | None, actor: Actor, cipher: FieldCipher
) -> ImportResult:
    """Import the court's list (CSV/XLSX, headers are catalogue field codes or their Chinese names).

    Each row becomes a judgment-debtor credit record and a published list entry for 2 years from its 发布日期
    (the list's duration as data); a case already on the list is skipped. Row errors are reported, good rows kept.
    """
    from xinyong.catalog import service as catalog_service

    rule = rule_for("judgment_debtor")
    _item, spec = catalog_service.item_for(session, rule.item)
    by_name = {f.name: f.code for f in spec.fields}
    codes = {f.code for f in spec.fields}
    court = subjects_service.department_by_code(session, "fy")
    source, rows = ingestion_files.open_source(path, filename=filename)
    headers = [h if h in codes else by_name.get(h, h) for h in source.headers]
    unknown = [h for h in headers if h not in codes]
    if unknown:
        raise ValidationFailed(
            f"文件表头有不认识的列：{'、'.join(unknown)}（应为信用信息目录中失信被执行人信息的字段）"
        )
    result = ImportResult()
    for row_number, cells in rows:
        values = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)}
        values = {k: v for k, v in values.items() if str(v).strip()}
        case = str(values.get("AH", "")).strip()
        exists = session.execute(
            select(ListEntry.id).where(
                ListEntry.list_type == "judgment_debtor",
                ListEntry.document_number == case,
                ListEntry.status == PUBLISHED,
            )
        ).first()
        if case and exists:
            result.skipped += 1
            continue
        nested = session.begin_nested()
        try:
            note = f"人民法院公布失信被执行人（{case}），导入自{source.sha256[:12]}"
            _import_row(session, values, rule=rule, court=court, case=case, note=note, actor=actor, cipher=cipher)
            nested.commit()
            result.accepted += 1
        except DomainError as exc:
            nested.rollback()
            result.errors.append({"row": row_number, "message": exc.message})
    audit(
        session,
        actor=actor,
        action="list.import_judgment_debtors",
        object_type="list_entry",
        object_id=None,
        detail={
            "file_sha256": source.sha256,
            "accepted": result.accepted,
            "skipped": result.skipped,
            "rejected": len(result.errors),
        },
    )
    return result


def _import_row(
    session: Session,
    values: dict[str, Any],
    *,
    rule: ListRule,
    court: Department,
    case: str,
    note: str,
    actor: Actor,
    cipher: FieldCipher,
) -> ListEntry:
    """One row of the court's file: its credit record and its published entry, for the list's duration."""
    stored, _ = ingestion_service.submit_one(
        session, kind=rule.item, fields=values, department_code=court.code, actor=actor, cipher=cipher
    )
    record = stored.record
    published = date.fromisoformat(str(record.fields.get("FBRQ") or record.decision_date.isoformat()))
    ends = add_months(published, rule.duration_months) - timedelta(days=1) if rule.duration_months else None
    entry = ListEntry(
        list_type="judgment_debtor",
        entity_id=record.entity_id,
        person_id=record.person_id,
        subject_name=record.subject_name,
        subject_code=(str(record.fields.get("XDR_SHXYM") or "") or mask_id_number(str(values.get("XDR_ZJHM", "")))),
        department_id=court.id,
        status=PUBLISHED,
        reason=str(record.fields.get("SXQX") or ""),
        legal_basis=str(record.fields.get("ZXYJWH") or ""),
        basis_record_ids=[record.id],
        responsible=[],
        proposed_on=record.decision_date,
        proposed_by=actor.label,
        decided_on=record.decision_date,
        decided_by=str(record.fields.get("ZXFY") or court.name),
        document_number=case,
        published_on=published,
        ends_on=ends,
        early_removal_from=published,
        record_id=record.id,
        extra={k: record.fields.get(k) for k in ("ZXFY", "SXYW", "LXQK", "SXQX", "LARQ", "FRDB")},
        created_at=get_clock().now(),
    )
    session.add(entry)
    session.flush()
    log_event(session, entry.id, None, PUBLISHED, actor, note, department_code=court.code)
    return entry
