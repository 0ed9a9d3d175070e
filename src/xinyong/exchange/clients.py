"""API clients (T32): third-party credit agencies and industry associations with scoped, expiring tokens, subjects'
authorisations for authorised queries, per-client rate limits and usage statistics."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiToken
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import FieldCipher
from xinyong.core.db import Database, get_or_404
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, TooManyAttempts, ValidationFailed
from xinyong.core.forms import FieldErrors, date_value
from xinyong.core.identifiers import check_uscc
from xinyong.core.security import Principal
from xinyong.exchange.models import ApiClient, ApiClientUsage, SubjectAuthorisation
from xinyong.exchange.service import code_and_name
from xinyong.subjects.models import Entity, Person

SCOPES = {
    "open.public": "公开数据查询（主体公开信用档案）",
    "open.authorised": "经主体授权查询（须有主体授权，限授权范围和期限）",
    "open.bulk": "批量获取公开数据（双公示公开记录，分页）",
}
KINDS = {"agency": "第三方信用服务机构", "association": "行业协会"}
AUTH_SCOPES = {"records": "信用记录（公开及授权查询类信息）", "grade": "公共信用综合评价等级", "lists": "名单信息"}
CLIENT_FIELDS = {
    "code": "调用方代码",
    "name": "机构名称",
    "kind": "机构类型",
    "uscc": "统一社会信用代码",
    "scopes": "可用范围",
    "rate_per_minute": "每分钟调用上限",
}
AUTH_FIELDS = {
    "client": "调用方",
    "subject": "主体代码",
    "scope": "授权范围",
    "purpose": "查询用途",
    "evidence": "授权书编号",
    "valid_from": "授权起始日",
    "valid_until": "授权截止日",
}
MAX_TOKEN_DAYS = 365
MAX_AUTH_DAYS = 365  # no lifetime authorisation (国办发〔2020〕49号)


def _split(raw: Any) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else (raw or [])
    return [str(s).strip() for s in items if str(s).strip()]


def save_client(session: Session, *, values: dict[str, Any], actor: Actor) -> ApiClient:
    """Register or update an API client by code; every field error at once."""
    errors = FieldErrors(CLIENT_FIELDS)
    add = errors.add
    code, name = code_and_name(values, errors)
    kind = str(values.get("kind") or "").strip()
    if kind not in KINDS:
        add("kind", f"“{kind}”无效，可选：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}")
    uscc = str(values.get("uscc") or "").strip().upper() or None
    if uscc and not check_uscc(uscc).ok:
        add("uscc", f"“{uscc}”不是有效的统一社会信用代码")
    scopes = _split(values.get("scopes"))
    if not scopes:
        add("scopes", "至少选择一项")
    elif unknown := [s for s in scopes if s not in SCOPES]:
        add("scopes", f"不存在：{'、'.join(unknown)}；可选：{'、'.join(SCOPES)}")
    rate_raw = str(values.get("rate_per_minute") or "").strip()
    rate = int(rate_raw) if rate_raw.isdigit() else 0
    if not 1 <= rate <= 100_000:
        add("rate_per_minute", "应为1至100000之间的整数")
    errors.raise_if_any("接口调用方有误，未保存")
    row = session.execute(select(ApiClient).where(ApiClient.code == code)).scalar_one_or_none()
    created = row is None
    if row is None:
        row = ApiClient(code=code, created_at=get_clock().now(), created_by=actor.label, active=True)
        session.add(row)
    row.name, row.kind, row.uscc, row.scopes, row.rate_per_minute = name, kind, uscc, sorted(scopes), rate
    if "active" in values:
        row.active = values["active"] in (True, "1", "on", "true")
    session.flush()
    audit(
        session,
        actor=actor,
        action="api_client.create" if created else "api_client.update",
        object_type="api_client",
        object_id=row.id,
        detail={"code": code, "kind": kind, "scopes": row.scopes, "rate_per_minute": rate, "active": row.active},
    )
    return row


def get_client(session: Session, code: str) -> ApiClient:
    """A client by code."""
    row = session.execute(select(ApiClient).where(ApiClient.code == code.strip().upper())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"接口调用方“{code}”不存在。")
    return row


def list_clients(session: Session) -> list[ApiClient]:
    """Every client, by code."""
    return list(session.execute(select(ApiClient).order_by(ApiClient.code)).scalars())


def tokens_of(session: Session, client_id: int) -> list[ApiToken]:
    """A client's tokens, newest first."""
    stmt = select(ApiToken).where(ApiToken.client_id == client_id).order_by(ApiToken.id.desc())
    return list(session.execute(stmt).scalars())


def issue_token(
    session: Session, *, client_code: str, scopes: list[str] | None, expires_days: int, actor: Actor
) -> tuple[str, ApiToken]:
    """A bearer token for a client: within the client's scopes, always expiring (at most a year)."""
    client = get_client(session, client_code)
    if not client.active:
        raise Conflict(f"接口调用方{client.code}已停用，不能签发令牌。")
    chosen = sorted(set(scopes)) if scopes else list(client.scopes)
    outside = [s for s in chosen if s not in client.scopes]
    if outside:
        raise ValidationFailed(f"令牌范围超出该调用方登记的范围：{'、'.join(outside)}。")
    if not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(f"有效天数应为1至{MAX_TOKEN_DAYS}天（接口调用方的令牌必须限期）。")
    return accounts.create_token(
        session,
        department_code=None,
        client_id=client.id,
        role="client",
        name=f"{client.name}·接口令牌",
        scopes=chosen,
        expires_days=expires_days,
        actor=actor,
    )


# --------------------------------------------------------------------------------------------------
# Subjects' authorisations
# --------------------------------------------------------------------------------------------------


def find_subject(session: Session, code: str, *, cipher: FieldCipher) -> tuple[Entity | None, Person | None]:
    """The entity (by USCC or registration number) or the person (by ID number, blind index) a code names."""
    code = code.strip().upper()
    entity = session.execute(select(Entity).where((Entity.uscc == code) | (Entity.reg_no == code))).scalars().first()
    if entity is not None:
        return entity, None
    person = session.execute(select(Person).where(Person.id_index == cipher.blind_index(code))).scalars().first()
    return None, person


def record_authorisation(
    session: Session, *, values: dict[str, Any], actor: Actor, cipher: FieldCipher
) -> SubjectAuthorisation:
    """Record a subject's signed authorisation of one client (scope, purpose, period of at most a year)."""
    errors = FieldErrors(AUTH_FIELDS)
    add = errors.add
    client = None
    try:
        client = get_client(session, str(values.get("client") or ""))
    except NotFound as exc:
        add("client", exc.message)
    entity, person = find_subject(session, str(values.get("subject") or ""), cipher=cipher)
    if entity is None and person is None:
        add("subject", "平台未登记该主体（统一社会信用代码或身份证件号码）")
    scope = _split(values.get("scope"))
    if not scope:
        add("scope", "至少选择一项")
    elif unknown := [s for s in scope if s not in AUTH_SCOPES]:
        add("scope", f"不存在：{'、'.join(unknown)}；可选：{'、'.join(AUTH_SCOPES)}")
    for key in ("purpose", "evidence"):
        if not str(values.get(key) or "").strip():
            add(key, "必填项缺失")
    start = date_value(values, "valid_from", errors, required=True)
    end = date_value(values, "valid_until", errors, required=True)
    if start and end and not start <= end <= start + timedelta(days=MAX_AUTH_DAYS):
        add("valid_until", f"应在起始日之后、{MAX_AUTH_DAYS}天之内（不接受长期或一次性终身授权）")
    errors.raise_if_any("主体授权有误，未保存")
    assert client is not None and start is not None and end is not None
    row = SubjectAuthorisation(
        client_id=client.id,
        entity_id=entity.id if entity else None,
        person_id=person.id if person else None,
        subject_label=(entity.uscc or entity.reg_no or entity.name) if entity else (person.id_masked if person else ""),
        scope=sorted(set(scope)),
        purpose=str(values["purpose"]).strip()[:200],
        evidence=str(values["evidence"]).strip()[:200],
        valid_from=start,
        valid_until=end,
        created_at=get_clock().now(),
        created_by=actor.label,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor=actor,
        action="subject_authorisation.create",
        object_type="subject_authorisation",
        object_id=row.id,
        detail={"client": client.code, "subject": row.subject_label, "scope": row.scope, "until": end.isoformat()},
    )
    return row


def revoke_authorisation(session: Session, *, authorisation_id: int, actor: Actor) -> SubjectAuthorisation:
    """Withdraw an authorisation at once (the subject may withdraw it at any time)."""
    row = get_or_404(session, SubjectAuthorisation, authorisation_id, f"授权{authorisation_id}不存在。")
    if row.revoked_at is None:
        row.revoked_at = get_clock().now()
        audit(session, actor=actor, action="subject_authorisation.revoke", object_type="subject_authorisation",
              object_id=row.id)  # fmt: skip
    return row


def live_authorisation(
    session: Session, *, client_id: int, entity: Entity | None, person: Person | None, on: date
) -> SubjectAuthorisation | None:
    """The client's authorisation by the subject in force on a day, if any."""
    stmt = select(SubjectAuthorisation).where(
        SubjectAuthorisation.client_id == client_id,
        SubjectAuthorisation.revoked_at.is_(None),
        SubjectAuthorisation.valid_from <= on,
        SubjectAuthorisation.valid_until >= on,
    )
    if entity is not None:
        stmt = stmt.where(SubjectAuthorisation.entity_id == entity.id)
    elif person is not None:
        stmt = stmt.where(SubjectAuthorisation.person_id == person.id)
    else:
        return None
    return session.execute(stmt.order_by(SubjectAuthorisation.valid_until.desc()).limit(1)).scalar_one_or_none()


def authorisations(session: Session, client_id: int | None = None) -> list[SubjectAuthorisation]:
    """Authorisations, newest first."""
    stmt = select(SubjectAuthorisation).order_by(SubjectAuthorisation.id.desc()).limit(500)
    if client_id is not None:
        stmt = stmt.where(SubjectAuthorisation.client_id == client_id)
    return list(session.execute(stmt).scalars())


def require_client(principal: Principal) -> int:
    """The client id of the caller; the open data API is for registered clients only."""
    if principal.client_id is None:
        raise PermissionDenied("开放数据接口仅供已登记的接口调用方使用，请向信用办申请登记。")
    return principal.client_id


# --------------------------------------------------------------------------------------------------
# Rate limits and usage (in-process: one meter per server process, flushed to the database in the background
# of requests, so a call costs no extra query)
# --------------------------------------------------------------------------------------------------


class Meter:
    """Per-client calls in the current minute, and usage counts per (client, day, endpoint) not yet flushed."""

    def __init__(
        self, *, flush_every: int = 200, flush_seconds: float = 30.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._minute: dict[int, tuple[int, int]] = {}
        self._usage: defaultdict[tuple[int, date, str], list[int]] = defaultdict(lambda: [0, 0])
        self._unflushed = 0
        self._last_flush = time.monotonic()
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds

    def hit(self, *, client_id: int, rate: int, endpoint: str, day: date, now: float | None = None) -> None:
        """Count a call; over the client's allowance for this minute: HTTP 429 with the seconds to wait."""
        now = self.clock() if now is None else now
        minute = int(now // 60)
        with self._lock:
            current, count = self._minute.get(client_id, (minute, 0))
            if current != minute:
                count = 0
            allowed = count < rate
            self._minute[client_id] = (minute, count + 1 if allowed else count)
            usage = self._usage[(client_id, day, endpoint)]
            usage[0] += 1
            usage[1] += 0 if allowed else 1
            self._unflushed += 1
        if not allowed:
            wait = max(1, 60 - int(now % 60))
            raise TooManyAttempts(
                f"调用过于频繁：本调用方每分钟最多调用{rate}次，请{wait}秒后再试。如需提高限额，请联系信用办。",
                details={"retry_after": wait},
            )

    def due(self) -> bool:
        """Whether enough calls or time have passed to write the counts."""
        return self._unflushed >= self.flush_every or time.monotonic() - self._last_flush >= self.flush_seconds

    def flush(self, db: Database) -> None:
        """Add the counted calls to ``api_client_usage`` (one row per client, day and endpoint)."""
        with self._lock:
            pending, self._usage = dict(self._usage), defaultdict(lambda: [0, 0])
            self._unflushed, self._last_flush = 0, time.monotonic()
        if not pending:
            return
        with db.session() as session:
            for (client_id, day, endpoint), (calls, refused) in sorted(pending.items()):
                row = session.execute(
                    select(ApiClientUsage).where(
                        ApiClientUsage.client_id == client_id,
                        ApiClientUsage.day == day,
                        ApiClientUsage.endpoint == endpoint,
                    )
                ).scalar_one_or_none()
                if row is None:
                    session.add(
                        ApiClientUsage(client_id=client_id, day=day, endpoint=endpoint, calls=calls, refused=refused)
                    )
                else:
                    row.calls += calls
                    row.refused += refused


def usage(session: Session, *, client_id: int | None = None, days: int = 30) -> list[ApiClientUsage]:
    """Calls per day and endpoint over the last days, newest first."""
    since = get_clock().today() - timedelta(days=days)
    stmt = select(ApiClientUsage).where(ApiClientUsage.day >= since)
    if client_id is not None:
        stmt = stmt.where(ApiClientUsage.client_id == client_id)
    return list(session.execute(stmt.order_by(ApiClientUsage.day.desc(), ApiClientUsage.endpoint)).scalars())


def usage_totals(session: Session) -> dict[int, int]:
    """Calls per client over all time."""
    rows = session.execute(select(ApiClientUsage.client_id, func.sum(ApiClientUsage.calls)).group_by("client_id"))
    return {int(c): int(n or 0) for c, n in rows}
