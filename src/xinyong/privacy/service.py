"""The gate on natural persons' credit information, its registrations, authorisations and the auditor's views."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

from fastapi import Depends, Query, Request
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xinyong.core import audit
from xinyong.core.audit import Actor
from xinyong.core.calendar import get_calendar
from xinyong.core.clock import CHINA_TZ, get_clock, to_china
from xinyong.core.db import Prepared, Snapshot, get_or_404
from xinyong.core.errors import DomainError, NotFound, ValidationFailed
from xinyong.core.security import Principal
from xinyong.privacy.models import PersonAuthorisation, PersonQuery
from xinyong.privacy.rules import PrivacyRules, rules_on
from xinyong.subjects.models import Person, Relation

# Roles whose access to a natural person's credit information is gated and registered: every government role and
# API clients (department systems and agencies); entities and the public never see persons' credit information.
GATED_ROLES = frozenset({"operator", "reviewer", "inspector", "admin", "auditor", "client"})
T = TypeVar("T")
PURPOSE_MAX = 200
PURPOSE_MIN = 4
AUTHORISATION_FILE_MAX = 5 * 1024 * 1024
AUTHORISATION_FILE_TYPES = {".pdf": b"%PDF", ".png": b"\x89PNG", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}
# A registration row written by a caller's own INSERT (``registration_rows``): the credit check's group commit.
REGISTRATION = Prepared.insert_into(PersonQuery.__table__)
_AUTHORISATION = Prepared(select(PersonAuthorisation.__table__).where(PersonAuthorisation.id == bindparam("id")))


class PurposeRequired(DomainError):
    """A natural person's credit information was asked for without a valid purpose and basis or authorisation."""

    status_code = 428
    code = "purpose_required"

    def __init__(self, message: str, *, sections: Sequence[str] = ()) -> None:
        super().__init__(
            message, details={"sections": list(sections), "parameters": ["purpose", "basis", "authorisation"]}
        )
        self.sections = list(sections)


@dataclass(frozen=True)
class QueryRequest:
    """What the caller stated: a purpose, and a legal basis code or an authorisation number."""

    purpose: str = ""
    basis: str = ""
    authorisation: str = ""


def is_gated(principal: Principal) -> bool:
    """Whether this caller's access to persons' credit information must state a purpose and be registered."""
    return principal.is_authenticated and principal.role in GATED_ROLES


def query_request(request: Request, extra: Mapping[str, Any] | None = None) -> QueryRequest:
    """The statement from the form or body (``extra``), the query string, or ``X-Query-*`` headers (URL-encoded)."""

    def pick(name: str) -> str:
        if extra is not None and isinstance(extra.get(name), str | int) and str(extra[name]).strip():
            return str(extra[name]).strip()
        if value := request.query_params.get(name, "").strip():
            return value
        return unquote(request.headers.get(f"x-query-{name}", "")).strip()

    return QueryRequest(purpose=pick("purpose"), basis=pick("basis"), authorisation=pick("authorisation"))


def person_label(person: Person) -> str:
    """How a person is named in registrations: name and masked ID number."""
    return f"{person.name}（{person.id_masked}）"


def _validate(
    session: Session | Connection | Snapshot,
    persons: Sequence[Person],
    sections: Sequence[str],
    req: QueryRequest,
    rules: PrivacyRules,
    on: date,
) -> tuple[str | None, str | None, Any]:
    """(basis code, basis title, authorisation) or PurposeRequired with the reason in Chinese."""
    need = "、".join(rules.scopes.get(s, s) for s in sections)
    if not req.purpose:
        raise PurposeRequired(
            f"查询自然人的信用信息（{need}）须说明查询目的，并选择法律依据或填写本人授权编号。", sections=sections
        )
    if not PURPOSE_MIN <= len(req.purpose) <= PURPOSE_MAX:
        raise PurposeRequired(f"查询目的应为{PURPOSE_MIN}至{PURPOSE_MAX}个字，请具体说明。", sections=sections)
    if not req.basis and not req.authorisation:
        raise PurposeRequired("请选择查询的法律依据，或填写本人授权编号。", sections=sections)
    if req.basis:
        basis = rules.basis(req.basis)
        if basis is None or not basis.in_force(on):
            raise PurposeRequired(f"法律依据“{req.basis}”不在依据清单内或不在有效期内。", sections=sections)
        return basis.code, basis.title, None
    try:
        number = int(req.authorisation)
    except ValueError:
        auth = None
    else:
        # In a unit of work as it stands (pending changes included); on the check's plain connection, a row.
        auth = (
            session.get(PersonAuthorisation, number)
            if isinstance(session, Session)
            else _AUTHORISATION.first(session, {"id": number})
        )
    if auth is None:
        raise PurposeRequired(f"授权编号“{req.authorisation}”不存在。", sections=sections)
    if len(persons) != 1 or persons[0].id != auth.person_id:
        raise PurposeRequired(f"授权编号{auth.id}不是本次查询对象本人的授权。", sections=sections)
    if auth.revoked_on is not None and auth.revoked_on <= on:
        raise PurposeRequired(f"授权编号{auth.id}已于{auth.revoked_on}撤回。", sections=sections)
    if not auth.granted_on <= on <= auth.expires_on:
        raise PurposeRequired(
            f"授权编号{auth.id}的有效期为{auth.granted_on}至{auth.expires_on}，今天不在有效期内。", sections=sections
        )
    missing = [rules.scopes.get(s, s) for s in sections if s not in auth.scope]
    if missing:
        raise PurposeRequired(f"授权编号{auth.id}的授权范围不包括：{'、'.join(missing)}。", sections=sections)
    return None, None, auth


def gate(
    session: Session,
    request: Request,
    principal: Principal,
    persons: Iterable[Person],
    sections: Sequence[str],
    *,
    extra: Mapping[str, Any] | None = None,
    reference: str | None = None,
) -> list[PersonQuery]:
    """Refuse (PurposeRequired) unless a purpose and a basis or authorisation are stated, then register the access.

    A no-op for callers that are not gated and when no person is shown, so entity pages pay nothing."""
    rows = registration_rows(session, request, principal, persons, sections, extra=extra, reference=reference)
    return _store(session, rows)


def registration_rows(
    conn: Session | Connection | Snapshot,
    request: Request,
    principal: Principal,
    persons: Iterable[Person],
    sections: Sequence[str],
    *,
    extra: Mapping[str, Any] | None = None,
    reference: str | None = None,
) -> list[dict[str, Any]]:
    """``gate`` without the write: refuses (PurposeRequired) alike and returns the registrations as rows of
    ``REGISTRATION``, for a caller that inserts them in its own transaction (the credit check's group commit)."""
    unique = list({p.id: p for p in persons}.values())
    if not unique or not is_gated(principal):
        return []
    req = query_request(request, extra)
    return _registrations(conn, principal, unique, sections, req, path=_path(request), reference=reference)


def gate_ids(
    session: Session,
    request: Request,
    principal: Principal,
    person_ids: Iterable[int],
    sections: Sequence[str],
    *,
    reference: str | None = None,
) -> list[PersonQuery]:
    """``gate`` for persons known by id (loaded only when the caller is gated)."""
    ids = sorted(set(person_ids))
    if not ids or not is_gated(principal):
        return []
    persons = list(session.execute(select(Person).where(Person.id.in_(ids)).order_by(Person.id)).scalars())
    return gate(session, request, principal, persons, sections, reference=reference)


def _path(request: Request) -> str:
    return f"{request.method} {request.url.path}"[:300]


def register(
    session: Session,
    principal: Principal,
    persons: Sequence[Person],
    sections: Sequence[str],
    req: QueryRequest,
    *,
    path: str,
    reference: str | None = None,
) -> list[PersonQuery]:
    """Validate the statement and write one registration per person (in the caller's transaction)."""
    return _store(session, _registrations(session, principal, persons, sections, req, path=path, reference=reference))


def _store(session: Session, rows: list[dict[str, Any]]) -> list[PersonQuery]:
    """The registrations added to the unit of work and flushed (nothing is flushed when there are none)."""
    if not rows:
        return []
    stored = [PersonQuery(**r) for r in rows]
    session.add_all(stored)
    session.flush()
    return stored


def _registrations(
    conn: Session | Connection | Snapshot,
    principal: Principal,
    persons: Sequence[Person],
    sections: Sequence[str],
    req: QueryRequest,
    *,
    path: str,
    reference: str | None,
) -> list[dict[str, Any]]:
    """Validate the statement (PurposeRequired) and give one registration per person, every column's value."""
    now = get_clock().now()
    today = to_china(now).date()
    rules = rules_on(today)
    basis_code, basis_title, auth = _validate(conn, persons, sections, req, rules, today)
    return [
        {
            "at": now,
            "actor": principal.actor().label,
            "user_id": principal.user_id,
            "token_id": principal.token_id,
            "role": principal.role,
            "department_id": principal.department_id,
            "department_name": principal.department_name,
            "ip": principal.ip,
            "person_id": p.id,
            "person_label": person_label(p),
            "purpose": req.purpose,
            "basis_code": basis_code,
            "basis_title": basis_title,
            "rules_version": rules.version,
            "authorisation_id": auth.id if auth else None,
            "path": path,
            "reference": reference,
            "shown": list(sections),
            "flagged": False,
            "flag_note": None,
            "flagged_by": None,
            "flagged_at": None,
        }
        for p in persons
    ]


def reuse_registration(
    session: Session, request: Request, principal: Principal, person: Person, sections: Sequence[str], reference: str
) -> list[PersonQuery]:
    """Register a re-display of a result (a check, an entry being processed) under the purpose and basis the same
    user stated when first shown it; ask (PurposeRequired) when this user never stated one."""
    if not is_gated(principal):
        return []
    first = session.execute(
        select(PersonQuery)
        .where(PersonQuery.reference == reference, PersonQuery.actor == principal.actor().label)
        .order_by(PersonQuery.id)
        .limit(1)
    ).scalar_one_or_none()
    if first is None:
        return gate(session, request, principal, [person], sections, reference=reference)
    stated = QueryRequest(
        purpose=first.purpose, basis=first.basis_code or "", authorisation=str(first.authorisation_id or "")
    )
    return register(session, principal, [person], sections, stated, path=_path(request), reference=reference)


def withhold_persons(
    session: Session,
    request: Request,
    principal: Principal,
    rows: Sequence[T],
    person_of: Callable[[T], int | None],
    sections: Sequence[str],
    *,
    extra: Mapping[str, Any] | None = None,
) -> tuple[list[T], int]:
    """For overview pages: rows about natural persons are left out (their count returned) unless the caller stated a
    purpose, in which case every person shown is checked and registered. Callers that are not gated see all rows."""
    person_ids = {pid for r in rows if (pid := person_of(r)) is not None}
    if not person_ids or not is_gated(principal):
        return list(rows), 0
    req = query_request(request, extra)
    if not (req.purpose or req.basis or req.authorisation):
        kept = [r for r in rows if person_of(r) is None]
        return kept, len(rows) - len(kept)
    persons = list(session.execute(select(Person).where(Person.id.in_(person_ids)).order_by(Person.id)).scalars())
    register(session, principal, persons, sections, req, path=_path(request))
    return list(rows), 0


def withheld_notice(count: int) -> str | None:
    """The Chinese note that rows about natural persons were left out, and how to see them."""
    if not count:
        return None
    return (
        f"另有{count}条自然人的信息未显示：查看自然人的信用信息须说明查询目的（purpose），"
        "并给出法律依据代码（basis）或本人授权编号（authorisation），查询将被登记。"
    )


# ------------------------------------------------------------------------------------------------ authorisations


def record_authorisation(
    session: Session,
    *,
    person: Person,
    values: Mapping[str, Any],
    file_name: str | None,
    content: bytes | None,
    department_id: int | None,
    actor: Actor,
) -> PersonAuthorisation:
    """Record a person's authorisation; refuse one without an end, longer than the rules allow, or without scope."""
    today = get_clock().today()
    rules = rules_on(today)
    errors: list[dict[str, str]] = []

    def fail(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    scope = [s for s in values.get("scope") or [] if s]
    unknown = [s for s in scope if s not in rules.scopes]
    if not scope:
        fail("scope", "请选择授权范围。")
    elif unknown:
        fail("scope", f"授权范围“{'、'.join(unknown)}”不存在。")
    purpose = str(values.get("purpose") or "").strip()
    if not PURPOSE_MIN <= len(purpose) <= PURPOSE_MAX:
        fail("purpose", f"授权用途应为{PURPOSE_MIN}至{PURPOSE_MAX}个字。")
    granted_on = _date(values.get("granted_on"), "granted_on", "授权日期", fail)
    expires_on = _date(
        values.get("expires_on"),
        "expires_on",
        "授权截止日期",
        fail,
        required_message=("授权必须有截止日期：不接受无期限或终身授权（国办发〔2020〕49号）。"),
    )
    if granted_on and granted_on > today:
        fail("granted_on", "授权日期不能晚于今天。")
    if granted_on and expires_on:
        if expires_on < granted_on:
            fail("expires_on", "授权截止日期不能早于授权日期。")
        elif (expires_on - granted_on).days > rules.authorisation_max_days:
            fail(
                "expires_on",
                f"授权期限最长{rules.authorisation_max_days}天（{rules.authorisation_source}），"
                f"本次为{(expires_on - granted_on).days}天。",
            )
    evidence = "uploaded" if content else "recorded"
    note = str(values.get("evidence_note") or "").strip()
    if content:
        suffix = "." + (file_name or "").rsplit(".", 1)[-1].lower() if "." in (file_name or "") else ""
        magic = AUTHORISATION_FILE_TYPES.get(suffix)
        if len(content) > AUTHORISATION_FILE_MAX:
            fail("file", f"授权书文件不能超过{AUTHORISATION_FILE_MAX // 1024 // 1024}MB。")
        elif magic is None or not content.startswith(magic):
            fail("file", "授权书应为PDF、PNG或JPG文件。")
    elif len(note) < PURPOSE_MIN:
        fail("evidence_note", "未上传授权书时，请写明现场签署授权的情况（地点、经办人、身份核验方式）。")
    if errors:
        raise ValidationFailed("授权信息有误：" + "；".join(e["message"] for e in errors), details=errors)
    assert granted_on is not None and expires_on is not None
    auth = PersonAuthorisation(
        person_id=person.id,
        department_id=department_id,
        scope=scope,
        purpose=purpose,
        granted_on=granted_on,
        expires_on=expires_on,
        evidence=evidence,
        evidence_note=note or None,
        file_name=(file_name or "")[-200:] or None if content else None,
        file_sha256=hashlib.sha256(content).hexdigest() if content else None,
        file_content=content or None,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(auth)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="privacy.authorisation",
        object_type="person_authorisation",
        object_id=auth.id,
        detail={"person_id": person.id, "scope": scope, "granted_on": str(granted_on), "expires_on": str(expires_on)},
    )
    return auth


def _date(value: Any, field: str, label: str, fail: Any, *, required_message: str | None = None) -> date | None:
    text = str(value or "").strip()
    if not text:
        fail(field, required_message or f"请填写{label}。")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(field, f"{label}应为YYYY-MM-DD格式的日期。")
        return None


def revoke_authorisation(
    session: Session, *, authorisation_id: int, department_id: int | None, actor: Actor
) -> PersonAuthorisation:
    """The person withdrew the authorisation (PIPL art. 15): it stops covering queries from today.

    A department revokes only authorisations it recorded (``department_id`` None: the credit office, any)."""
    auth = session.get(PersonAuthorisation, authorisation_id)
    if auth is None or (department_id is not None and auth.department_id != department_id):
        raise NotFound(f"授权编号{authorisation_id}不存在。")
    if auth.revoked_on is None:
        auth.revoked_on = get_clock().today()
        audit.record(
            session,
            actor=actor,
            action="privacy.authorisation.revoke",
            object_type="person_authorisation",
            object_id=auth.id,
        )
    return auth


def authorisations(session: Session, *, department_id: int | None, limit: int = 200) -> list[PersonAuthorisation]:
    """Authorisations recorded by a department (all of them for None), newest first."""
    stmt = select(PersonAuthorisation).order_by(PersonAuthorisation.id.desc()).limit(limit)
    if department_id is not None:
        stmt = stmt.where(PersonAuthorisation.department_id == department_id)
    return list(session.execute(stmt).scalars())


# ------------------------------------------------------------------------------------------------ auditor views


@dataclass(frozen=True)
class QueryFilter:
    """The auditor's filter of registrations."""

    actor: str = ""
    department_id: int | None = None
    person_id: int | None = None
    since: date | None = None
    until: date | None = None
    flagged: bool = False


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA_TZ)


def registrations(session: Session, f: QueryFilter, *, limit: int = 500) -> list[PersonQuery]:
    """Registrations matching the filter, newest first."""
    stmt = select(PersonQuery).order_by(PersonQuery.at.desc(), PersonQuery.id.desc()).limit(limit)
    if f.actor:
        stmt = stmt.where(PersonQuery.actor == f.actor)
    if f.department_id is not None:
        stmt = stmt.where(PersonQuery.department_id == f.department_id)
    if f.person_id is not None:
        stmt = stmt.where(PersonQuery.person_id == f.person_id)
    if f.since is not None:
        stmt = stmt.where(PersonQuery.at >= _day_start(f.since))
    if f.until is not None:
        stmt = stmt.where(PersonQuery.at < _day_start(f.until + timedelta(days=1)))
    if f.flagged:
        stmt = stmt.where(PersonQuery.flagged.is_(True))
    return list(session.execute(stmt).scalars())


def flag(session: Session, *, query_id: int, note: str, actor: Actor) -> PersonQuery:
    """The auditor flags a registration as suspected misuse, with a note (audited)."""
    row = get_or_404(session, PersonQuery, query_id, f"查询登记{query_id}不存在。")
    note = note.strip()
    if len(note) < PURPOSE_MIN:
        raise ValidationFailed(
            "请写明标记为疑似违规查询的理由（至少4个字）。", details=[{"field": "note", "message": "请写明理由"}]
        )
    row.flagged = True
    row.flag_note = note
    row.flagged_by = actor.label
    row.flagged_at = get_clock().now()
    audit.record(
        session,
        actor=actor,
        action="privacy.flag",
        object_type="person_query",
        object_id=row.id,
        purpose="个人信息查询审计",
        detail={"note": note, "querier": row.actor, "person_id": row.person_id},
    )
    return row


@dataclass(frozen=True)
class Anomaly:
    """A user who queried more unrelated persons within the window than the rules allow."""

    actor: str
    department_name: str | None
    persons: int
    unrelated_groups: int
    first_at: datetime
    last_at: datetime


def anomalies(session: Session, *, until: datetime | None = None) -> tuple[list[Anomaly], PrivacyRules]:
    """Users who queried more unrelated persons (not linked through a common entity) in the window than allowed."""
    end = until or get_clock().now()
    rules = rules_on(to_china(end).date())
    start = end - timedelta(hours=rules.anomaly_window_hours)
    rows = session.execute(
        select(
            PersonQuery.actor,
            PersonQuery.department_name,
            PersonQuery.person_id,
            func.min(PersonQuery.at),
            func.max(PersonQuery.at),
        )
        .where(PersonQuery.at > start, PersonQuery.at <= end)
        .group_by(PersonQuery.actor, PersonQuery.department_name, PersonQuery.person_id)
    ).all()
    by_actor: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_actor[row[0]].append(row)
    found: list[Anomaly] = []
    for actor_label, items in by_actor.items():
        person_ids = {r[2] for r in items}
        if len(person_ids) <= rules.anomaly_max_unrelated_persons:
            continue
        groups = _unrelated_groups(session, person_ids)
        if groups > rules.anomaly_max_unrelated_persons:
            found.append(
                Anomaly(
                    actor_label,
                    items[0][1],
                    len(person_ids),
                    groups,
                    min(r[3] for r in items),
                    max(r[4] for r in items),
                )
            )
    return sorted(found, key=lambda a: -a.unrelated_groups), rules


def _unrelated_groups(session: Session, person_ids: set[int]) -> int:
    """How many groups the persons form when persons of a common entity (relations) count as related."""
    parent = {p: p for p in person_ids}

    def root(p: int) -> int:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    by_entity: dict[int, list[int]] = defaultdict(list)
    ids = sorted(person_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for entity_id, person_id in session.execute(
            select(Relation.entity_id, Relation.person_id).where(Relation.person_id.in_(chunk))
        ):
            by_entity[entity_id].append(person_id)
    for members in by_entity.values():
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    return len({root(p) for p in person_ids})


@dataclass(frozen=True)
class OffHours:
    """A registration made outside working hours or on a non-working day."""

    query: PersonQuery
    reason: str


def off_hours(session: Session, *, since: date, until: date, limit: int = 500) -> list[OffHours]:
    """Registrations outside working hours (rules) or on non-working days (the working calendar)."""
    calendar = get_calendar(session)
    found: list[OffHours] = []
    for row in registrations(session, QueryFilter(since=since, until=until), limit=5000):
        local = to_china(row.at)
        hours = rules_on(local.date()).working_hours
        if not calendar.is_workday(local.date()):
            found.append(OffHours(row, "非工作日"))
        elif not hours.start <= local.time() < hours.end:
            found.append(OffHours(row, f"工作时间（{hours.start:%H:%M}–{hours.end:%H:%M}）以外"))
        if len(found) >= limit:
            break
    return found


# ------------------------------------------------------------------------------------------------ retention


def retention_cutoff(today: date) -> date:
    """Registrations made before this day are past the retention period (whole years, at least five)."""
    years = rules_on(today).retention_years
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def purge_expired(session: Session, *, actor: Actor) -> int:
    """Delete registrations older than the retention period, never younger ones; audited with the count."""
    cutoff = retention_cutoff(get_clock().today())
    result = session.execute(delete(PersonQuery).where(PersonQuery.at < _day_start(cutoff)))
    count = int(getattr(result, "rowcount", 0) or 0)
    audit.record(
        session,
        actor=actor,
        action="privacy.purge",
        object_type="person_query",
        detail={"before": str(cutoff), "deleted": count},
    )
    return count


# ------------------------------------------------------------------------------------------------ the person's view


def queries_about(session: Session, *, person_id: int) -> list[PersonQuery]:
    """Every registered query of the person's information still kept, newest first."""
    stmt = select(PersonQuery).where(PersonQuery.person_id == person_id).order_by(PersonQuery.at.desc())
    return list(session.execute(stmt).scalars())


def _statement_parameters(
    purpose: Annotated[str | None, Query(description="查询目的（查看自然人信用信息时必填）")] = None,
    basis: Annotated[str | None, Query(description="法律依据代码（与本人授权编号二选一）")] = None,
    authorisation: Annotated[str | None, Query(description="本人授权编号（与法律依据代码二选一）")] = None,
) -> None:
    """The statement a natural person's credit information needs, documented once for every API route that may
    show one; ``query_request`` reads it (also from ``X-Query-*`` headers or a body)."""


StatementQuery = Annotated[None, Depends(_statement_parameters)]
"""Add ``_statement: StatementQuery`` to a route that may show a natural person's credit information."""
