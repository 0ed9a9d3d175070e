"""JSON routes: the listing workflow, the measures list (public), bans, the court's judgment-debtor import."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from xinyong.core.crypto import get_cipher
from xinyong.core.downloads import safe_filename
from xinyong.core.errors import NotFound, PermissionDenied, ValidationFailed
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, accepts_upload, public, requires
from xinyong.lists import service
from xinyong.lists.rules import load_rules, measure_json
from xinyong.privacy import service as privacy_service
from xinyong.subjects.models import Person

MAX_LIST_UPLOAD = 100 * 1024 * 1024
router = APIRouter(prefix="/api/v1", tags=["名单、措施与禁入"])

Reader = Annotated[Principal, Depends(requires("lists.read"))]
Proposer = Annotated[Principal, Depends(requires("lists.propose"))]
Decider = Annotated[Principal, Depends(requires("lists.decide"))]
BanManager = Annotated[Principal, Depends(requires("bans.manage"))]
Public = Annotated[Principal, Depends(public)]


class Responsible(BaseModel):
    """A person the listing decision names."""

    role: str | None = None
    name: str | None = None
    id_number: str | None = None


class ProposalIn(BaseModel):
    """A department's listing proposal."""

    list_type: str | None = None
    subject: str | None = None
    subject_name: str | None = None
    domain: str | None = None
    reason: str | None = None
    legal_basis: str | None = None
    legal_rep: str | None = None
    basis_records: list[int] = []
    responsible: list[Responsible] = []
    use_registered: bool = False


class NoticeIn(BaseModel):
    """The prior notice served."""

    document: str = ""


class StatementIn(BaseModel):
    """The subject's statement or objection."""

    statement: str = ""


class DecisionIn(BaseModel):
    """The reviewer's decision."""

    approve: bool
    note: str = ""
    document_number: str | None = None


class RemovalIn(BaseModel):
    """A removal: expired | early | revoked | performed, with the reason."""

    kind: str
    reason: str = ""


class BanIn(BaseModel):
    """A market or industry ban."""

    subject: str | None = None
    scope: str | None = None
    domain: str | None = None
    content: str | None = None
    basis: str | None = None
    document_number: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None
    permanent: bool = False
    responsible: list[Responsible] = []


def _entry(session: DbSession, entry_id: int) -> dict[str, Any]:
    entry = service.get_entry(session, entry_id)
    return _entry_out(session, entry)


def _entry_out(session: DbSession, entry: Any) -> dict[str, Any]:
    out = service.entry_json(entry)
    out["events"] = [
        {"at": e.at.isoformat(), "from": e.from_status, "to": e.to_status, "actor": e.actor, "note": e.note}
        for e in service.events(session, entry.id)
    ]
    return out


@router.get("/measures", summary="失信惩戒和守信激励措施清单（公开）")
def measures(session: DbSession, _: Public) -> dict[str, Any]:
    """Every measure with content, kind, legal basis, implementing departments, lists, domains and matters."""
    rules = load_rules()
    return {
        "version": rules.version,
        "effective_from": rules.effective_from.isoformat(),
        "matters": rules.matters,
        "measures": [measure_json(m) for m in rules.measures],
    }


@router.get("/lists/entries", summary="名单记录")
def entries(
    request: Request,
    session: DbSession,
    principal: Reader,
    _statement: privacy_service.StatementQuery,
    list_type: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """List entries, newest first; entries of natural persons only with a purpose and a basis or authorisation
    (registered), otherwise counted in ``persons_withheld``."""
    rows = service.list_entries(session, list_type=list_type, status=status, viewer=principal)
    rows, withheld = privacy_service.withhold_persons(session, request, principal, rows, _person_of, ["lists"])
    out: dict[str, Any] = {"count": len(rows), "entries": [service.entry_json(e) for e in rows]}
    if withheld:
        out["persons_withheld"] = withheld
        out["persons_notice"] = privacy_service.withheld_notice(withheld)
    return out


def _person_of(row: Any) -> int | None:
    return row.person_id  # type: ignore[no-any-return]


@router.get("/lists/entries/{entry_id}", summary="一条名单记录及其流程")
def entry(
    entry_id: int,
    request: Request,
    session: DbSession,
    principal: Reader,
    _statement: privacy_service.StatementQuery,
) -> dict[str, Any]:
    """An entry with every workflow step; an entry of a natural person needs a purpose and a basis or
    authorisation (428 otherwise) and is registered."""
    found = service.get_entry(session, entry_id)
    if not service.may_see(found, principal):
        raise NotFound(f"名单记录{entry_id}不存在。")
    person = session.get(Person, found.person_id) if found.person_id is not None else None
    if person is not None:
        privacy_service.gate(session, request, principal, [person], ["lists"], reference=f"list:{found.id}")
    return _entry_out(session, found)


@router.post("/lists/entries", status_code=201, summary="提出列入申请")
def propose(body: ProposalIn, session: DbSession, settings: AppSettings, principal: Proposer) -> JSONResponse:
    """A department proposes a listing with its basis records; 422 names every field error."""
    values = body.model_dump()
    values["responsible"] = [r.model_dump() for r in body.responsible]
    e = service.propose(
        session,
        values=values,
        department_id=principal.department_id,
        actor=principal.actor(),
        cipher=get_cipher(settings.field_secret),
    )
    return JSONResponse(_entry(session, e.id), status_code=201)


@router.post("/lists/entries/{entry_id}/notice", summary="送达事先告知")
def notice(entry_id: int, body: NoticeIn, session: DbSession, principal: Proposer) -> dict[str, Any]:
    """Serve the prior notice; the statement window runs in working days."""
    service.give_notice(
        session,
        entry_id=entry_id,
        document=body.document,
        department_id=principal.department_id,
        actor=principal.actor(),
    )
    return _entry(session, entry_id)


@router.post("/lists/entries/{entry_id}/statement", summary="记录陈述申辩")
def statement(entry_id: int, body: StatementIn, session: DbSession, principal: Proposer) -> dict[str, Any]:
    """Record the subject's statement within the window."""
    service.record_statement(
        session,
        entry_id=entry_id,
        statement=body.statement,
        actor=principal.actor(),
        department_id=principal.department_id or 0,  # a user without a department owns no entry
    )
    return _entry(session, entry_id)


@router.post("/lists/entries/{entry_id}/decision", summary="作出列入决定")
def decision(entry_id: int, body: DecisionIn, session: DbSession, principal: Decider) -> dict[str, Any]:
    """The listing department's reviewer decides to list or not."""
    service.decide(
        session,
        entry_id=entry_id,
        approve=body.approve,
        note=body.note,
        document_number=body.document_number,
        department_id=principal.department_id,
        actor=principal.actor(),
    )
    return _entry(session, entry_id)


@router.post("/lists/entries/{entry_id}/publication", summary="公布名单")
def publication(entry_id: int, session: DbSession, settings: AppSettings, principal: Decider) -> dict[str, Any]:
    """Publish a decided listing (a credit record; named persons recorded too)."""
    service.publish(
        session,
        entry_id=entry_id,
        department_id=principal.department_id,
        actor=principal.actor(),
        cipher=get_cipher(settings.field_secret),
    )
    return _entry(session, entry_id)


@router.post("/lists/entries/{entry_id}/removal", summary="移出名单")
def removal(entry_id: int, body: RemovalIn, session: DbSession, principal: Decider) -> dict[str, Any]:
    """Remove a published entry (谁认定、谁移出)."""
    service.remove(
        session,
        entry_id=entry_id,
        kind=body.kind,
        reason=body.reason,
        department_id=principal.department_id,
        actor=principal.actor(),
    )
    return _entry(session, entry_id)


@router.post(
    "/lists/judgment-debtors",
    summary="导入人民法院公布的失信被执行人",
    dependencies=[accepts_upload(MAX_LIST_UPLOAD // 1048576 + 1)],
)
async def import_debtors(
    session: DbSession, settings: AppSettings, principal: Proposer, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """The court uploads its list (CSV/XLSX); row errors are reported, good rows kept."""
    if principal.department_code != "fy":
        raise PermissionDenied("失信被执行人名单由人民法院导入。")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe_filename(file.filename, "upload.csv")
        data = await file.read(MAX_LIST_UPLOAD + 1)
        if len(data) > MAX_LIST_UPLOAD:
            raise ValidationFailed(f"文件超过{MAX_LIST_UPLOAD // 1048576}MB的上限，请拆分后分批导入。")
        path.write_bytes(data)
        result = service.import_judgment_debtors(
            session,
            path=path,
            filename=file.filename,
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        )
    return {"accepted": result.accepted, "skipped": result.skipped, "errors": result.errors}


@router.get("/bans", summary="市场和行业禁入")
def bans(
    request: Request,
    session: DbSession,
    principal: Reader,
    _statement: privacy_service.StatementQuery,
) -> dict[str, Any]:
    """Bans, newest first; bans on natural persons only with a purpose and a basis or authorisation (registered)."""
    rows, withheld = privacy_service.withhold_persons(
        session, request, principal, service.list_bans(session), _person_of, ["bans"]
    )
    out: dict[str, Any] = {"bans": [service.ban_json(b) for b in rows]}
    if withheld:
        out["persons_withheld"] = withheld
        out["persons_notice"] = privacy_service.withheld_notice(withheld)
    return out


@router.post("/bans", status_code=201, summary="登记禁入决定")
def create_ban(body: BanIn, session: DbSession, settings: AppSettings, principal: BanManager) -> JSONResponse:
    """Record a ban for an entity and its responsible persons."""
    values = body.model_dump()
    values["responsible"] = [r.model_dump() for r in body.responsible]
    ban = service.create_ban(
        session,
        values=values,
        department_id=principal.department_id,
        actor=principal.actor(),
        cipher=get_cipher(settings.field_secret),
    )
    return JSONResponse(service.ban_json(ban), status_code=201)
