"""Pages: an entity's repair applications (eligibility shown, commitment signed online), the department's review
with deadline reminders, the credit office's re-check draws, and the statistics of repair and objections."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from xinyong.catalog.models import CatalogItem
from xinyong.commitments import service as commitments_service
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import get_or_404
from xinyong.core.errors import PermissionDenied, ValidationFailed
from xinyong.core.forms import form_action
from xinyong.core.policy import DepartmentScope, department_scope
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, CurrentPrincipal, DbSession, accepts_upload, form_fields, render, requires
from xinyong.education import service as education_service
from xinyong.evidence import service as evidence_service
from xinyong.evidence import uploads as evidence_uploads
from xinyong.notices import service as notices
from xinyong.objections import service as objections_service
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.repair import service
from xinyong.repair.models import RecheckCase, RecheckDraw, RepairApplication
from xinyong.reports import service as reports_service
from xinyong.subjects.models import Department, Entity

router = APIRouter(include_in_schema=False)

Applicant = Annotated[Principal, Depends(requires("repair.apply"))]
Reviewer = Annotated[Principal, Depends(requires("repair.review"))]
Rechecker = Annotated[Principal, Depends(requires("repair.recheck"))]
Stats = Annotated[Principal, Depends(requires("credit.stats"))]


# The dependencies below take the principal the route's permission already checked (FastAPI resolves a route's
# parameters in order, and the permission is declared first).


def my_entity(session: DbSession, principal: CurrentPrincipal) -> Entity:
    """The market entity the signed-in account acts for."""
    entity = session.get(Entity, principal.entity_id) if principal.entity_id else None
    if entity is None:
        raise PermissionDenied("当前账号未关联市场主体，请联系信用办管理员关联后再办理。")
    return entity


MyEntity = Annotated[Entity, Depends(my_entity)]


def my_record(session: DbSession, entity: MyEntity, record_id: int) -> CreditRecord:
    """The credit record of the path, when it is about the caller's entity."""
    record = session.get(CreditRecord, record_id)
    if record is None or record.entity_id != entity.id:
        raise PermissionDenied("该信用记录不是关于本单位的，不能申请修复。")
    return record


MyRecord = Annotated[CreditRecord, Depends(my_record)]


def own_application(session: DbSession, principal: CurrentPrincipal, application_id: int) -> RepairApplication:
    """The application of the path, when the caller's department decides it."""
    app = service.get_application(session, application_id)
    scope = _dept_scope(principal)
    if not scope.allows(app.department_id):
        raise scope.refusal("只能审核本部门认定信息的修复申请。")
    return app


OwnApplication = Annotated[RepairApplication, Depends(own_application)]


def _common(session: DbSession) -> dict[str, Any]:
    return {
        "rules": service.load_rules(),
        "status_labels": service.STATUS_LABELS,
        "state_labels": states.STATUS_LABELS,
        "items": {i.id: i for i in session.execute(select(CatalogItem)).scalars()},
        "departments": {d.id: d for d in session.execute(select(Department)).scalars()},
    }


# --------------------------------------------------------------------------------------------------
# The entity
# --------------------------------------------------------------------------------------------------


@router.get("/console/my/repair", response_class=HTMLResponse)
def my_repair(request: Request, session: DbSession, principal: Applicant, entity: MyEntity) -> HTMLResponse:
    """The entity's negative records it may apply to repair, and its applications."""
    apps = service.applications(session, entity_id=entity.id)
    return render(
        request,
        "repair/my.html",
        {
            **_common(session),
            "entity": entity,
            "records": service.repairable_records(session, entity_id=entity.id),
            "applications": apps,
            "app_records": {a.id: session.get(CreditRecord, a.record_id) for a in apps},
            "evidence": evidence_service.files_by_owner(
                session, owner_kind=evidence_service.REPAIR, owner_ids=[a.id for a in apps]
            ),
        },
    )


def _apply_page(
    request: Request,
    session: DbSession,
    entity: Entity,
    record: CreditRecord,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    form = form or {}
    checks = service.eligibility(session, record=record, entity=entity, performance=form.get("performance") or "")
    course = service.load_rules().required_course.code
    return render(
        request,
        "repair/apply.html",
        {
            **_common(session),
            "entity": entity,
            "record": record,
            "checks": checks,
            "ready": all(c.ok for c in checks if c.key != "obligations"),
            "commitment": service.repair_commitment(session, record_id=record.id, entity_id=entity.id),
            "matter": service.repair_matter_for(session, record.department_id),
            "course": education_service.course(course) if course else None,
            "legal_rep": commitments_service.legal_rep_of(session, entity.id) or "",
            "error": error,
            "message": message,
            "form": form,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/my/repair/{record_id}", response_class=HTMLResponse)
def apply_page(
    request: Request, session: DbSession, principal: Applicant, entity: MyEntity, record: MyRecord
) -> HTMLResponse:
    """The eligibility checks for one record and the application form."""
    return _apply_page(request, session, entity, record)


@router.post("/console/my/repair/{record_id}/commitment", response_class=HTMLResponse)
async def sign_commitment(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: Applicant,
    entity: MyEntity,
    record: MyRecord,
) -> HTMLResponse:
    """The entity signs the 信用修复型 commitment for the record online."""
    form = await form_fields(request)
    if not form.get("agree"):
        return _apply_page(
            request, session, entity, record, error="请阅读信用修复承诺书并勾选“本单位作出上述承诺”后再提交。"
        )
    return form_action(
        session,
        lambda: service.sign_repair_commitment(
            session,
            record_id=record.id,
            entity=entity,
            legal_rep=form.get("legal_rep") or "",
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        ),
        done=lambda c: _apply_page(request, session, entity, record, message=f"已签署信用修复承诺，承诺编码{c.code}。"),
        failed=lambda exc: _apply_page(request, session, entity, record, error=exc.message),
    )


@router.post(
    "/console/my/repair/{record_id}",
    response_class=HTMLResponse,
    dependencies=[accepts_upload(evidence_uploads.request_limit_mb)],
)
async def apply(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: Applicant,
    entity: MyEntity,
    record: MyRecord,
) -> HTMLResponse:
    """File the application with its evidence files (refused with every unmet condition and bad file)."""
    form = await form_fields(request)
    files = await evidence_uploads.read_uploads(request, settings)
    return form_action(
        session,
        lambda: service.apply(
            session,
            record_id=record.id,
            entity_id=entity.id,
            reason=form.get("reason") or "",
            performance=form.get("performance") or "",
            actor=principal.actor(),
            files=files,
            limits=evidence_uploads.limits(settings),
        ),
        done=lambda app: _apply_page(
            request,
            session,
            entity,
            record,
            message=f"修复申请已提交，申请编号{app.number}；认定部门应于{app.due_on.isoformat()}前作出决定。",
        ),
        failed=lambda exc: _apply_page(request, session, entity, record, error=exc.message, form=form),
    )


# --------------------------------------------------------------------------------------------------
# The deciding department
# --------------------------------------------------------------------------------------------------


def _dept_scope(principal: Principal) -> DepartmentScope:
    return department_scope(principal)


@router.get("/console/repair", response_class=HTMLResponse)
def review_list(request: Request, session: DbSession, principal: Reviewer) -> HTMLResponse:
    """Pending applications by deadline (overdue and due-soon flagged), and recent decisions."""
    scope = _dept_scope(principal)
    decided = [a for a in service.applications(session, department_id=scope, limit=50) if a.status != service.PENDING]
    reminders = service.reminders(session, department_id=scope)
    shown = decided + [r.application for r in reminders]
    return render(
        request,
        "repair/review_list.html",
        {
            **_common(session),
            "reminders": reminders,
            "decided": decided,
            "entities": {a.entity_id: session.get(Entity, a.entity_id) for a in shown},
        },
    )


def _review_page(
    request: Request,
    session: DbSession,
    app: RepairApplication,
    *,
    error: str | None = None,
    message: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "repair/review.html",
        {
            **_common(session),
            "app": app,
            "record": session.get(CreditRecord, app.record_id),
            "entity": session.get(Entity, app.entity_id),
            "commitment": commitments_service.get_commitment(session, app.commitment_id),
            "evidence": evidence_service.files_of(session, owner_kind=evidence_service.REPAIR, owner_id=app.id),
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/repair/{application_id:int}", response_class=HTMLResponse)
def review_page(request: Request, session: DbSession, principal: Reviewer, app: OwnApplication) -> HTMLResponse:
    """One application with its checks, record and commitment, and the decision form."""
    return _review_page(request, session, app)


@router.post("/console/repair/{application_id:int}/decision", response_class=HTMLResponse)
async def decide(request: Request, session: DbSession, principal: Reviewer, app: OwnApplication) -> HTMLResponse:
    """Approve (the record becomes 已修复) or refuse with reasons."""
    form = await form_fields(request)
    return form_action(
        session,
        lambda: service.decide(
            session,
            application_id=app.id,
            approve=form.get("decision") == "approve",
            note=form.get("note") or "",
            actor=principal.actor(),
            department_id=_dept_scope(principal),
        ),
        done=lambda decided: _review_page(
            request, session, decided, message=f"已作出决定：{service.STATUS_LABELS[decided.status]}。"
        ),
        failed=lambda exc: _review_page(request, session, app, error=exc.message),
    )


# --------------------------------------------------------------------------------------------------
# Re-checks
# --------------------------------------------------------------------------------------------------


def _parse_day(value: str | None, name: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationFailed(f"{name}：应为YYYY-MM-DD格式的日期。") from None


@router.get("/console/repair/rechecks", response_class=HTMLResponse)
def rechecks(request: Request, session: DbSession, principal: Rechecker, error: str | None = None) -> HTMLResponse:
    """Re-check draws and the form for a new one."""
    today = get_clock().today()
    return render(
        request,
        "repair/rechecks.html",
        {
            **_common(session),
            "draws": service.draws(session),
            "form": {"period_from": today.replace(day=1).isoformat(), "period_to": today.isoformat()},
            "error": error,
        },
    )


@router.post("/console/repair/rechecks", response_class=HTMLResponse)
async def draw(request: Request, session: DbSession, principal: Rechecker) -> HTMLResponse:
    """Draw a verifiable random sample of repaired cases."""
    form = await form_fields(request)

    def draw_it() -> RecheckDraw:
        rate = form.get("rate_percent") or ""
        if not rate.strip().isdigit():
            raise ValidationFailed("抽查比例：应为1至100之间的整数（百分比）。")
        return service.draw_recheck(
            session,
            period_from=_parse_day(form.get("period_from"), "起始日期"),
            period_to=_parse_day(form.get("period_to"), "截止日期"),
            rate_percent=int(rate),
            seed=form.get("seed") or "",
            actor=principal.actor(),
        )

    return form_action(
        session,
        draw_it,
        done=lambda d: _draw_page(
            request, session, d.id, message=f"已抽取{len(d.selected)}个案例（共{len(d.pool)}个）。"
        ),
        failed=lambda exc: render(
            request,
            "repair/rechecks.html",
            {**_common(session), "draws": service.draws(session), "form": form, "error": exc.message},
            status_code=422,
        ),
    )


def _draw_page(
    request: Request, session: DbSession, draw_id: int, *, error: str | None = None, message: str | None = None
) -> HTMLResponse:
    d = service.get_draw(session, draw_id)
    cases = service.cases_of(session, d.id)
    apps = {c.application_id: service.get_application(session, c.application_id) for c in cases}
    return render(
        request,
        "repair/draw.html",
        {
            **_common(session),
            "draw": d,
            "cases": cases,
            "apps": apps,
            "entities": {a.entity_id: session.get(Entity, a.entity_id) for a in apps.values()},
            "recheck_labels": service.RECHECK_LABELS,
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/repair/rechecks/{draw_id}", response_class=HTMLResponse)
def draw_page(request: Request, session: DbSession, principal: Rechecker, draw_id: int) -> HTMLResponse:
    """A draw: seed, pool and its SHA-256, the sample, and a finding form per case."""
    return _draw_page(request, session, draw_id)


@router.post("/console/repair/rechecks/cases/{case_id}", response_class=HTMLResponse)
async def review_case(
    request: Request, session: DbSession, settings: AppSettings, principal: Rechecker, case_id: int
) -> HTMLResponse:
    """Record a re-check finding (confirm, or revoke a wrong repair)."""
    form = await form_fields(request)
    case = get_or_404(session, RecheckCase, case_id, f"复核案例{case_id}不存在。")
    draw_id = case.draw_id
    return form_action(
        session,
        lambda: service.review_case(
            session,
            case_id=case_id,
            revoke=form.get("outcome") == "revoke",
            finding=form.get("finding") or "",
            actor=principal.actor(),
            cipher=get_cipher(settings.field_secret),
        ),
        done=lambda _case: _draw_page(request, session, draw_id, message="复核结果已记录。"),
        failed=lambda exc: _draw_page(request, session, draw_id, error=exc.message),
    )


# --------------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------------


@router.get("/console/credit-stats", response_class=HTMLResponse)
def stats(request: Request, session: DbSession, principal: Stats) -> HTMLResponse:
    """Repair applications, approval rates, time against deadlines; objections by department and outcome; reports;
    the share of entities with dishonesty information in publicity."""
    today = get_clock().today()
    return render(
        request,
        "repair/stats.html",
        {
            "repair": service.statistics(session),
            "objections": objections_service.statistics(session),
            "reports": reports_service.counts(session),
            "share": service.dishonest_share(session, days=service.month_ends(today)),
            "rules": service.load_rules(),
        },
    )


@router.get("/console/my/notices", response_class=HTMLResponse)
def my_notices(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(requires("notices.read"))],
    entity: MyEntity,
) -> HTMLResponse:
    """The entity's notices: outcomes of its repair applications and objections, extensions, revocations."""
    items = notices.notices_for(session, entity_id=entity.id)
    return render(request, "repair/notices.html", {"notices": items, "entity": entity})
