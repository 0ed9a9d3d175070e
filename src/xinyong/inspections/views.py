"""Pages: item list, inspector library, plans (pool, draw, teams), inspector tasks and results, the public pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from xinyong.core.crypto import get_cipher
from xinyong.core.errors import DomainError, NotFound, PermissionDenied
from xinyong.core.policy import department_scope
from xinyong.core.security import Principal
from xinyong.core.web import AppSettings, DbSession, accepts_upload, form_fields, public, render, requires
from xinyong.inspections import draw, service
from xinyong.inspections.models import InspectionPlan
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(requires("inspections.read"))]
Manager = Annotated[Principal, Depends(requires("inspections.manage"))]
Performer = Annotated[Principal, Depends(requires("inspections.perform"))]
Public = Annotated[Principal, Depends(public)]

PLAN_KEYS = (
    "code",
    "name",
    "departments",
    "items",
    "base_ratio",
    "min_interval_days",
    "inspectors_per_task",
    "seed_sources",
    "period_start",
    "period_end",
    "regions",
    "industries",
    "domain",
    "grades",
    "exclude_lists",
    "include_lists",
    "min_registered_months",
)


def _oversee(principal: Principal) -> bool:
    return principal.can("records.oversee")


def _scope(principal: Principal) -> list[int] | None:
    if _oversee(principal):
        return None
    return [principal.department_id] if principal.department_id else []


def _dept_names(session: DbSession) -> dict[int, Department]:
    return {d.id: d for d in subjects_service.list_departments(session)}


# --------------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------------


def _plans_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    rules = service.load_rules()
    dept = department_scope(principal)
    return render(
        request,
        "inspections/plans.html",
        {
            "plans": service.list_plans(session, department_id=dept),
            "departments": subjects_service.list_departments(session),
            "domains": subjects_service.list_domains(session),
            "items": service.list_items(session),
            "rules": rules,
            "dept_names": _dept_names(session),
            "error": error,
            "message": message,
            "form": form
            or {
                "departments": principal.department_code or "",
                "base_ratio": rules.default_base_ratio,
                "min_interval_days": rules.default_min_interval_days,
                "inspectors_per_task": rules.min_inspectors_per_task,
            },
            "overdue": len(service.overdue_results(session, department_id=dept)),
        },
        status_code=422 if error else 200,
    )


@router.get("/console/inspections", response_class=HTMLResponse)
def plans_page(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """The plans the department takes part in, and the form to create one."""
    return _plans_page(request, session, principal)


@router.post("/console/inspections", response_class=HTMLResponse)
async def create_plan(request: Request, session: DbSession, principal: Manager) -> Response:
    """Create a plan (a joint plan when several departments are named)."""
    form = await form_fields(request, lists=True)
    values: dict[str, Any] = {k: form.get(k) for k in PLAN_KEYS}
    values["multipliers"] = {g: form.get(f"multiplier_{g}") for g in service.GRADES}
    if not _oversee(principal):
        own = principal.department_code or ""
        named = service._list(values.get("departments"))
        if own not in named:
            values["departments"] = [own, *named]
    try:
        plan = service.create_plan(session, values=values, actor=principal.actor())
    except DomainError as exc:
        session.rollback()
        return _plans_page(request, session, principal, error=exc.message, form={**form, **values})
    return RedirectResponse(f"/console/inspections/plans/{plan.id}?created=1", status_code=303)


def _plan_for(session: DbSession, principal: Principal, plan_id: int) -> InspectionPlan:
    plan = service.get_plan(session, plan_id)
    service.check_plan_access(plan, department_id=principal.department_id, oversee=_oversee(principal))
    return plan


def _plan_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    plan: InspectionPlan,
    *,
    error: str | None = None,
    message: str | None = None,
    page: int = 1,
) -> HTMLResponse:
    return render(
        request,
        "inspections/plan.html",
        {
            **_plan_context(session, plan, page=page),
            "can_manage": principal.can("inspections.manage"),
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


TASKS_PER_PAGE = 100


def _plan_context(session: DbSession, plan: InspectionPlan, *, page: int = 1) -> dict[str, Any]:
    depts = _dept_names(session)
    total = service.count_plan_tasks(session, plan.id) if plan.status == "drawn" else 0
    pages = max(1, -(-total // TASKS_PER_PAGE))
    page = min(max(page, 1), pages)
    people = service.inspector_pool(session, plan)
    names = {p.id: p for p in service.list_inspectors(session)}
    return {
        "plan": plan,
        "rules": service.load_rules(),
        "departments": [depts[i] for i in plan.department_ids if i in depts],
        "item_names": service.item_names(session, plan.item_ids),
        "pools": service.current_pools(session, plan) if plan.pool_version else [],
        "tasks": (
            service.plan_tasks(session, plan.id, offset=(page - 1) * TASKS_PER_PAGE, limit=TASKS_PER_PAGE)
            if total
            else []
        ),
        "task_total": total,
        "page": page,
        "pages": pages,
        "inspector_pool_size": len(people),
        "inspector_pool_hash": draw.pool_hash(service.inspector_line(p) for p in people),
        "inspectors": names,
    }


@router.get("/console/inspections/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request, session: DbSession, principal: Reader, plan_id: int, created: str = "", page: int = 1
) -> HTMLResponse:
    """A plan: its library filter, published pool and seeds, the draw and the teams (a page of tasks at a time)."""
    plan = _plan_for(session, principal, plan_id)
    message = f"已创建抽查计划{plan.code}。请公布检查对象名录库和随机源。" if created else None
    return _plan_page(request, session, principal, plan, message=message, page=page)


@router.post("/console/inspections/plans/{plan_id}/publish", response_class=HTMLResponse)
def publish_pool(request: Request, session: DbSession, principal: Manager, plan_id: int) -> HTMLResponse:
    """Snapshot the entity library by grade and publish it with the seed sources (before the draw)."""
    plan = _plan_for(session, principal, plan_id)
    try:
        pools = service.publish_pool(session, plan_id=plan.id, actor=principal.actor())
    except DomainError as exc:
        session.rollback()
        return _plan_page(request, session, principal, service.get_plan(session, plan_id), error=exc.message)
    total = sum(p.size for p in pools)
    count = sum(p.count for p in pools)
    return _plan_page(
        request,
        session,
        principal,
        plan,
        message=f"已公布第{plan.pool_version}版检查对象名录库：共{total}户，按信用等级分层，计划抽取{count}户。",
    )


@router.post("/console/inspections/plans/{plan_id}/draw", response_class=HTMLResponse)
async def run_draw(request: Request, session: DbSession, principal: Manager, plan_id: int) -> HTMLResponse:
    """Enter the published values of the seed sources and draw."""
    plan = _plan_for(session, principal, plan_id)
    form = await form_fields(request, lists=True)
    values = [str(form.get(f"seed_{i}") or "") for i in range(len(plan.seed_sources))]
    try:
        drawn = service.draw_plan(session, plan_id=plan.id, seed_values=values, actor=principal.actor())
    except DomainError as exc:
        session.rollback()
        return _plan_page(request, session, principal, service.get_plan(session, plan_id), error=exc.message)
    return _plan_page(request, session, principal, plan, message=f"抽取完成：共抽中{drawn}户，检查组已随机分派。")


@router.post("/console/inspections/assignments/{assignment_id}/refuse", response_class=HTMLResponse)
async def refuse(request: Request, session: DbSession, principal: Manager, assignment_id: int) -> Response:
    """Take an assigned inspector off a team (reason recorded); the draw continues for a replacement."""
    form = await form_fields(request, lists=True)
    plan_id = int(str(form.get("plan_id") or 0))
    plan = _plan_for(session, principal, plan_id)
    try:
        service.refuse_assignment(
            session, assignment_id=assignment_id, reason=str(form.get("reason") or ""), actor=principal.actor()
        )
    except DomainError as exc:
        session.rollback()
        return _plan_page(request, session, principal, service.get_plan(session, plan_id), error=exc.message)
    return _plan_page(request, session, principal, plan, message="已记录回避原因，并按同一随机序列递补检查人员。")


# --------------------------------------------------------------------------------------------------
# Item list and inspector library
# --------------------------------------------------------------------------------------------------


def _libraries_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    error: str | None = None,
    message: str | None = None,
) -> HTMLResponse:
    scope = _scope(principal)
    return render(
        request,
        "inspections/libraries.html",
        {
            "items": service.list_items(session, department_ids=scope),
            "inspectors": service.list_inspectors(session, department_ids=scope),
            "departments": subjects_service.list_departments(session),
            "domains": {d.code: d.name for d in subjects_service.list_domains(session)},
            "rules": service.load_rules(),
            "can_manage": principal.can("inspections.manage"),
            "own_department": principal.department_code,
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/inspections/libraries", response_class=HTMLResponse)
def libraries(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """The item list and the inspector library (一单两库; the entity library is each plan's filter)."""
    return _libraries_page(request, session, principal)


def _own_department(principal: Principal, requested: str) -> str:
    if _oversee(principal):
        return requested
    if requested and requested != principal.department_code:
        raise PermissionDenied("只能维护本部门的抽查事项和检查人员。")
    return principal.department_code or ""


@router.post("/console/inspections/items", response_class=HTMLResponse)
async def add_item(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """Add an item to the department's list."""
    form = await form_fields(request, lists=True)
    try:
        form["department"] = _own_department(principal, str(form.get("department") or ""))
        item = service.save_item(session, values=form, actor=principal.actor())
    except DomainError as exc:
        session.rollback()
        return _libraries_page(request, session, principal, error=exc.message)
    return _libraries_page(request, session, principal, message=f"已添加抽查事项“{item.name}”。")


@router.post("/console/inspections/inspectors", response_class=HTMLResponse)
async def add_inspector(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """Add a person to the inspector library."""
    form = await form_fields(request, lists=True)
    try:
        form["department"] = _own_department(principal, str(form.get("department") or ""))
        person = service.save_inspector(session, values=form, actor=principal.actor())
    except DomainError as exc:
        session.rollback()
        return _libraries_page(request, session, principal, error=exc.message)
    return _libraries_page(request, session, principal, message=f"已将{person.name}加入执法检查人员名录库。")


@router.post("/console/inspections/inspectors/{inspector_id}/conflicts", response_class=HTMLResponse)
async def add_conflict(request: Request, session: DbSession, principal: Manager, inspector_id: int) -> HTMLResponse:
    """Record a declared conflict of interest (or own licensing) of an inspector with an entity."""
    form = await form_fields(request, lists=True)
    try:
        entity = subjects_service.entity_by_uscc(session, str(form.get("uscc") or "").strip().upper())
        service.declare_conflict(
            session,
            inspector_id=inspector_id,
            entity_id=entity.id,
            kind=str(form.get("kind") or ""),
            note=str(form.get("note") or "") or None,
            actor=principal.actor(),
        )
    except DomainError as exc:
        session.rollback()
        return _libraries_page(request, session, principal, error=exc.message)
    return _libraries_page(request, session, principal, message=f"已登记回避事项：{entity.name}。")


@router.post("/console/inspections/inspectors/{inspector_id}/active", response_class=HTMLResponse)
async def toggle_inspector(request: Request, session: DbSession, principal: Manager, inspector_id: int) -> HTMLResponse:
    """Take an inspector out of the library (never drawn while inactive) or back in."""
    form = await form_fields(request, lists=True)
    try:
        person = service.set_inspector_active(
            session, inspector_id=inspector_id, active=form.get("active") == "1", actor=principal.actor()
        )
        if not _oversee(principal) and person.department_id != principal.department_id:
            raise PermissionDenied("只能维护本部门的检查人员。")
    except DomainError as exc:
        session.rollback()
        return _libraries_page(request, session, principal, error=exc.message)
    state = "在岗" if person.is_active else "不在岗（不参加抽取）"
    return _libraries_page(request, session, principal, message=f"{person.name}已设为{state}。")


# --------------------------------------------------------------------------------------------------
# Targeted inspections
# --------------------------------------------------------------------------------------------------


def _targeted_page(
    request: Request, session: DbSession, principal: Principal, *, error: str | None = None, message: str | None = None
) -> HTMLResponse:
    dept = department_scope(principal)
    scope = [principal.department_id] if principal.department_id else []
    return render(
        request,
        "inspections/targeted.html",
        {
            "tasks": service.targeted_tasks(session, department_id=dept),
            "items": service.list_items(session, department_ids=scope),
            "inspectors": [p for p in service.list_inspectors(session, department_ids=scope) if p.is_active],
            "rules": service.load_rules(),
            "can_manage": principal.can("inspections.manage") and bool(principal.department_code),
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/inspections/targeted", response_class=HTMLResponse)
def targeted(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """Targeted inspections (complaints, alerts), kept apart from random ones."""
    return _targeted_page(request, session, principal)


@router.post("/console/inspections/targeted", response_class=HTMLResponse)
async def create_targeted(request: Request, session: DbSession, principal: Manager) -> HTMLResponse:
    """Register a targeted inspection with the department's named inspectors."""
    form = await form_fields(request, lists=True)
    try:
        task = service.create_targeted(
            session,
            department_code=principal.department_code or "",
            uscc=str(form.get("uscc") or ""),
            reason=str(form.get("reason") or ""),
            note=str(form.get("note") or ""),
            item_codes=service._list(form.get("items")),
            inspector_ids=[int(i) for i in service._list(form.get("inspectors")) if i.isdigit()],
            actor=principal.actor(),
        )
    except DomainError as exc:
        session.rollback()
        return _targeted_page(request, session, principal, error=exc.message)
    return _targeted_page(request, session, principal, message=f"已登记定向检查{task.code}。")


# --------------------------------------------------------------------------------------------------
# Inspector tasks and results
# --------------------------------------------------------------------------------------------------


def _me(session: DbSession, principal: Principal) -> Any:
    inspector = service.inspector_for_user(session, principal.user_id)
    if inspector is None:
        raise PermissionDenied("当前账号未关联执法检查人员名录库中的人员，请联系本部门管理员。")
    return inspector


@router.get("/console/inspections/my", response_class=HTMLResponse)
def my_tasks(request: Request, session: DbSession, principal: Performer) -> HTMLResponse:
    """The inspector's assigned inspections."""
    me = _me(session, principal)
    return render(request, "inspections/my.html", {"me": me, "tasks": service.tasks_for_inspector(session, me.id)})


def _task_page(
    request: Request,
    session: DbSession,
    task_id: int,
    me: Any,
    *,
    error: str | None = None,
    message: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    task = service.get_task(session, task_id)
    if me.id not in {a.inspector_id for a in task.assignments if a.status == "assigned"}:
        raise NotFound("检查任务不存在。")
    return render(
        request,
        "inspections/task.html",
        {
            "task": task,
            "items": service.item_names(session, task.item_ids),
            "team": [a for a in task.assignments if a.status == "assigned"],
            "inspectors": {p.id: p for p in service.list_inspectors(session)},
            "rules": service.load_rules(),
            "form": form or {"legal_rep": service.legal_rep_of(session, task.entity_id) or ""},
            "error": error,
            "message": message,
        },
        status_code=422 if error else 200,
    )


@router.get("/console/inspections/my/{task_id}", response_class=HTMLResponse)
def my_task(request: Request, session: DbSession, principal: Performer, task_id: int) -> HTMLResponse:
    """One assigned inspection: entity, items, team, the result form."""
    return _task_page(request, session, task_id, _me(session, principal))


@router.post("/console/inspections/my/{task_id}", response_class=HTMLResponse, dependencies=[accepts_upload(50)])
async def record_result(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    principal: Performer,
    task_id: int,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI reads the default, never mutates it)
) -> HTMLResponse:
    """Record the result; it is published at once as an inspection credit record."""
    me = _me(session, principal)
    form = await form_fields(request, lists=True)
    form.pop("files", None)
    limit = service.load_rules().max_attachment_bytes
    uploads = [service.Upload(f.filename or "", await f.read(limit + 1)) for f in files if f.filename]
    inspected: date | None = None
    try:
        text = str(form.get("inspected_on") or "").strip()
        inspected = date.fromisoformat(text) if text else None
    except ValueError:
        return _task_page(request, session, task_id, me, error="检查日期（inspected_on）：应为YYYY-MM-DD", form=form)
    try:
        task = service.record_result(
            session,
            task_id=task_id,
            result=str(form.get("result") or ""),
            note=str(form.get("note") or ""),
            inspected_on=inspected,
            legal_rep=str(form.get("legal_rep") or ""),
            attachments=uploads,
            actor=principal.actor(),
            inspector_id=me.id,
            cipher=get_cipher(settings.field_secret),
        )
    except DomainError as exc:
        session.rollback()
        return _task_page(request, session, task_id, me, error=exc.message, form=form)
    return _task_page(
        request,
        session,
        task_id,
        me,
        message=f"检查结果已记录并公示（公示期限{task.publish_deadline}），已记入该主体的信用记录。",
    )


@router.get("/console/inspections/overdue", response_class=HTMLResponse)
def overdue(request: Request, session: DbSession, principal: Reader) -> HTMLResponse:
    """Results not published within 20 working days."""
    dept = department_scope(principal)
    return render(request, "inspections/overdue.html", {"tasks": service.overdue_results(session, department_id=dept)})


# --------------------------------------------------------------------------------------------------
# Public pages (一公开)
# --------------------------------------------------------------------------------------------------


@router.get("/portal/inspections", response_class=HTMLResponse)
def portal_plans(request: Request, session: DbSession, _: Public) -> HTMLResponse:
    """Published plans: pool hashes, seed sources, results."""
    return render(
        request,
        "inspections/portal_plans.html",
        {"plans": service.list_plans(session, public_only=True), "dept_names": _dept_names(session)},
    )


def _public_plan(session: DbSession, code: str) -> InspectionPlan:
    plan = service.plan_by_code(session, code)
    if plan.status == "draft":
        raise NotFound(f"抽查计划{code}尚未公布。")
    return plan


@router.get("/api/v1/inspections/plans/{code}", include_in_schema=True)
def api_plan(session: DbSession, _: Public, code: str) -> dict[str, Any]:
    """A published plan as JSON: pool hashes by grade, seed sources and values, the draw and published results."""
    return service.plan_public(session, _public_plan(session, code))


@router.get("/portal/inspections/{code}", response_class=HTMLResponse)
def portal_plan(request: Request, session: DbSession, _: Public, code: str, page: int = 1) -> HTMLResponse:
    """One plan: pool by grade with its SHA-256, seed sources and values, the draw, the published results."""
    plan = _public_plan(session, code)
    return render(request, "inspections/portal_plan.html", _plan_context(session, plan, page=page))


@router.get("/portal/inspections/{code}/pool-{grade}.txt", response_class=PlainTextResponse)
def portal_pool(session: DbSession, _: Public, code: str, grade: str) -> PlainTextResponse:
    """The published pool file of a grade stratum (its SHA-256 is on the plan page)."""
    plan = _public_plan(session, code)
    for pool in service.current_pools(session, plan):
        if pool.grade == grade.upper():
            return PlainTextResponse(pool.content, media_type="text/plain; charset=utf-8")
    raise NotFound("没有该信用等级的名录库。")


@router.get("/portal/inspections/{code}/seeds-{grade}.txt", response_class=PlainTextResponse)
def portal_seeds(session: DbSession, _: Public, code: str, grade: str) -> PlainTextResponse:
    """The seeds file of a grade stratum (the plan's seed values, then the grade number), after the draw."""
    plan = _public_plan(session, code)
    if not plan.seed_values or grade.upper() not in service.GRADES:
        raise NotFound("随机源取值尚未公布。")
    sources = service.stratum_sources([draw.parse_source(v) for v in plan.seed_values], grade.upper())
    return PlainTextResponse(service.seeds_text(sources), media_type="text/plain; charset=utf-8")
