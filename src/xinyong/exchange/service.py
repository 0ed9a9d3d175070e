"""Upward reporting: destinations, incremental batches with cursors, delivery, acknowledgement and resending.

A destination's cursor (``acked_cursor``: the last id per feed source) advances only when the receiver
acknowledges a batch with its id and SHA-256, and only over an unbroken run of acknowledged batches. A batch is
built once (from the previous batch's end, or the acknowledged cursor), stored, and resent byte for byte until it is
acknowledged; its number is the idempotent id the receiver dedups by.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock, to_china
from xinyong.core.config import Settings, get_settings
from xinyong.core.db import Database
from xinyong.core.errors import Conflict, NotFound
from xinyong.core.forms import FieldErrors, text_value
from xinyong.exchange import feed, transport
from xinyong.exchange.models import ExchangeAttempt, ExchangeBatch, ExchangeDestination

PENDING, SENT, ACKNOWLEDGED, FAILED = "pending", "sent", "acknowledged", "failed"
STATUS_LABELS = {PENDING: "待发送", SENT: "已发送待回执", ACKNOWLEDGED: "已确认接收", FAILED: "发送失败待重发"}
NUMBER_FIELDS = (
    "batch_size",
    "max_attempts",
    "backoff_seconds",
    "backoff_max_seconds",
    "timeout_seconds",
    "max_pending",
)
KIND_LABELS = {"http": "HTTP接口推送", "directory": "目录（离线交换）"}
DESTINATION_FIELDS = {
    "code": "目的地代码",
    "name": "名称",
    "kind": "交换方式",
    "url": "接收地址",
    "directory": "交换目录",
    "types": "报送类型",
    "batch_size": "每批条数",
    "max_attempts": "最多尝试次数",
    "backoff_seconds": "重试间隔基数（秒）",
    "backoff_max_seconds": "重试间隔上限（秒）",
    "timeout_seconds": "超时（秒）",
    "max_pending": "未确认批次上限",
}


# --------------------------------------------------------------------------------------------------
# Destinations (data, editable by the credit office)
# --------------------------------------------------------------------------------------------------


def _number(values: dict[str, Any], key: str, errors: FieldErrors, *, integer: bool) -> Any:
    raw = values.get(key)
    default = getattr(feed.load_rules().defaults, key)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        number = int(str(raw)) if integer else float(str(raw))
    except ValueError:
        errors.add(key, "应为数字")
        return default
    if number < (1 if integer else 0):
        errors.add(key, "取值过小")
    return number


def code_and_name(values: dict[str, Any], errors: FieldErrors) -> tuple[str, str]:
    """The upper-cased code and the name of a destination or client, errors recorded."""
    code = text_value(values, "code").upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9_-]{1,39}", code):
        errors.add("code", "须为2至40位大写字母、数字、下划线或连字符，以字母开头")
    name = text_value(values, "name")
    if not name:
        errors.add("name", "必填项缺失")
    return code, name


@dataclass(frozen=True)
class DestinationPolicy:
    """Where batches may go: directories under ``root``, HTTP to the listed hosts (settings ``export_root``,
    ``exchange_hosts``, ``exchange_allow_private``)."""

    root: Path
    hosts: tuple[str, ...] = ()
    allow_private: bool = False

    @classmethod
    def of(cls, settings: Settings) -> DestinationPolicy:
        """The policy the settings configure."""
        return cls(Path(settings.export_root), tuple(settings.exchange_host_list), settings.exchange_allow_private)

    def resolve(self, directory: str) -> Path:
        """The absolute directory a destination names (a relative one lies under the root)."""
        target = Path(directory).expanduser()
        return (target if target.is_absolute() else self.root.resolve() / target).resolve()

    def directory_problem(self, directory: str) -> str | None:
        """Why a destination directory is refused (Chinese), or None."""
        root = self.root.resolve()
        if not self.resolve(directory).is_relative_to(root):
            return f"交换目录“{directory}”不在允许的报送目录{root}之内（由 XINYONG_EXPORT_ROOT 配置）"
        return None

    def url_problem(self, url: str) -> str | None:
        """Why a destination URL is refused (Chinese), or None."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower().rstrip(".")
            _port = parts.port
        except ValueError:
            return f"接收地址“{url}”无效"
        if parts.scheme not in ("http", "https") or not host:
            return "HTTP方式须填写以http://或https://开头的接收地址"
        if parts.username or parts.password:
            return "接收地址不能包含用户名或密码"
        if host not in self.hosts:
            allowed = "、".join(self.hosts) or "（尚未配置）"
            return f"接收地址的主机“{host}”不在允许的报送主机之内：{allowed}（由 XINYONG_EXCHANGE_HOSTS 配置）"
        if not self.allow_private and _internal_host(host):
            return (
                f"接收地址的主机“{host}”是本机、链路本地或内网地址，不允许报送"
                "（确需如此时由 XINYONG_EXCHANGE_ALLOW_PRIVATE 开启）"
            )
        return None

    def destination_problem(self, dest: ExchangeDestination) -> str | None:
        """Why a stored destination may not be delivered to now (the settings may have changed since it was saved)."""
        if dest.kind == "http":
            return self.url_problem(dest.url or "")
        return self.directory_problem(dest.directory or "")


def _internal_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
    )


def save_destination(
    session: Session, *, values: dict[str, Any], actor: Actor, policy: DestinationPolicy | None = None
) -> ExchangeDestination:
    """Create or update a destination by code; every field error at once, nothing written when any is wrong."""
    policy = policy or DestinationPolicy.of(get_settings())
    rules = feed.load_rules()
    errors = FieldErrors(DESTINATION_FIELDS)
    add = errors.add
    code, name = code_and_name(values, errors)
    kind = text_value(values, "kind")
    url = text_value(values, "url") or None
    directory = text_value(values, "directory") or None
    if kind not in KIND_LABELS:
        add("kind", f"“{kind}”无效，可选：http（{KIND_LABELS['http']}）、directory（{KIND_LABELS['directory']}）")
    elif kind == "http" and not (url and re.match(r"^https?://", url)):
        add("url", "HTTP方式须填写以http://或https://开头的接收地址")
    elif kind == "http" and url and (problem := policy.url_problem(url)):
        add("url", problem)
    elif kind == "directory" and not directory:
        add("directory", "目录方式须填写交换目录")
    elif kind == "directory" and directory and (problem := policy.directory_problem(directory)):
        add("directory", problem)
    elif kind == "directory" and directory:
        directory = str(policy.resolve(directory))  # stored absolute: delivery does not depend on the working dir
    raw_types = values.get("types") or []
    types = [t.strip() for t in (raw_types.split(",") if isinstance(raw_types, str) else raw_types) if t.strip()]
    unknown = [t for t in types if t not in rules.types]
    if unknown:
        add("types", f"类型不存在：{'、'.join(unknown)}；可选：{'、'.join(rules.types)}")
    numbers = {
        key: _number(values, key, errors, integer=key in ("batch_size", "max_attempts", "max_pending"))
        for key in NUMBER_FIELDS
    }
    errors.raise_if_any("报送目的地有误，未保存")
    now = get_clock().now()
    dest = session.execute(select(ExchangeDestination).where(ExchangeDestination.code == code)).scalar_one_or_none()
    created = dest is None
    if dest is None:
        dest = ExchangeDestination(code=code, acked_cursor={}, created_at=now, enabled=True)
        session.add(dest)
    dest.name, dest.kind, dest.url, dest.directory, dest.types = name, kind, url, directory, types
    for key, value in numbers.items():
        setattr(dest, key, value)
    if "enabled" in values:
        dest.enabled = values["enabled"] in (True, "1", "on", "true")
    dest.updated_at = now
    session.flush()
    audit(
        session,
        actor=actor,
        action="exchange.destination.create" if created else "exchange.destination.update",
        object_type="exchange_destination",
        object_id=dest.id,
        detail={"code": code, "kind": kind, "url": url, "directory": directory, "types": types, **numbers},
    )
    return dest


def destinations(session: Session, *, enabled_only: bool = False) -> list[ExchangeDestination]:
    """Every destination, by code."""
    stmt = select(ExchangeDestination).order_by(ExchangeDestination.code)
    if enabled_only:
        stmt = stmt.where(ExchangeDestination.enabled.is_(True))
    return list(session.execute(stmt).scalars())


def get_destination(session: Session, code: str) -> ExchangeDestination:
    """A destination by code."""
    dest = session.execute(
        select(ExchangeDestination).where(ExchangeDestination.code == code.strip().upper())
    ).scalar_one_or_none()
    if dest is None:
        known = "、".join(d.code for d in destinations(session)) or "（尚未配置）"
        raise NotFound(f"报送目的地“{code}”不存在。已配置：{known}。")
    return dest


# --------------------------------------------------------------------------------------------------
# Batches
# --------------------------------------------------------------------------------------------------


def batches(session: Session, destination_id: int, *, limit: int = 200) -> list[ExchangeBatch]:
    """A destination's batches, newest first."""
    stmt = (
        select(ExchangeBatch)
        .where(ExchangeBatch.destination_id == destination_id)
        .order_by(ExchangeBatch.sequence.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def get_batch(session: Session, number: str) -> ExchangeBatch:
    """A batch by its number."""
    batch = session.execute(select(ExchangeBatch).where(ExchangeBatch.number == number)).scalar_one_or_none()
    if batch is None:
        raise NotFound(f"报送批次{number}不存在。")
    return batch


def unacknowledged(session: Session, destination_id: int) -> list[ExchangeBatch]:
    """Batches not yet acknowledged, oldest first (they are delivered in this order)."""
    stmt = (
        select(ExchangeBatch)
        .where(ExchangeBatch.destination_id == destination_id, ExchangeBatch.status != ACKNOWLEDGED)
        .order_by(ExchangeBatch.sequence)
    )
    return list(session.execute(stmt).scalars())


def build_next(session: Session, *, dest: ExchangeDestination, upto: dict[str, int]) -> ExchangeBatch | None:
    """Build the next batch from where the last one ended (or the acknowledged cursor), up to ``upto``.

    None when nothing new is reportable or the destination already has ``max_pending`` unacknowledged batches.
    Rows that nobody reports (other items, filtered types) only move the cursor; with no batch waiting, the
    acknowledged cursor moves over them directly, so they are not read again.
    """
    waiting = unacknowledged(session, dest.id)
    if len(waiting) >= dest.max_pending:
        return None
    last = session.execute(
        select(ExchangeBatch)
        .where(ExchangeBatch.destination_id == dest.id)
        .order_by(ExchangeBatch.sequence.desc())
        .limit(1)
    ).scalar_one_or_none()
    ends = [dest.acked_cursor, last.cursor_to if last else {}]
    start = {s: max(int(e.get(s, 0)) for e in ends) for s in feed.SOURCES}
    items, reached = feed.collect(session, start=start, upto=upto, limit=dest.batch_size, types=dest.types)
    if not items:
        if reached != start and not waiting:
            dest.acked_cursor = reached
        return None
    sequence = (last.sequence if last else 0) + 1
    number = f"{feed.load_rules().division}-{dest.code}-{sequence:08d}"
    content = feed.jsonl(items)
    batch = ExchangeBatch(
        number=number,
        destination_id=dest.id,
        sequence=sequence,
        cursor_from=start,
        cursor_to=reached,
        item_count=len(items),
        type_counts=dict(sorted(Counter(i.type for i in items).items())),
        sha256=feed.sha256_text(content),
        content=content,
        csv_files=feed.csv_files(number, items),
        status=PENDING,
        attempts=0,
        built_at=get_clock().now(),
    )
    session.add(batch)
    session.flush()
    return batch


def parcel_of(batch: ExchangeBatch, dest: ExchangeDestination) -> transport.Parcel:
    """The delivery snapshot of a stored batch."""
    return transport.Parcel(
        number=batch.number,
        sequence=batch.sequence,
        destination=dest.code,
        division=feed.load_rules().division,
        sha256=batch.sha256,
        item_count=batch.item_count,
        type_counts=dict(batch.type_counts),
        cursor_from=dict(batch.cursor_from),
        cursor_to=dict(batch.cursor_to),
        built_at=to_china(batch.built_at).isoformat(),
        content=batch.content,
        csv_files=dict(batch.csv_files),
    )


def _advance(dest: ExchangeDestination, session: Session) -> None:
    """Move the acknowledged cursor to the end of the longest run of acknowledged batches from the start."""
    first_open = session.execute(
        select(func.min(ExchangeBatch.sequence)).where(
            ExchangeBatch.destination_id == dest.id, ExchangeBatch.status != ACKNOWLEDGED
        )
    ).scalar()
    stmt = select(ExchangeBatch.cursor_to).where(
        ExchangeBatch.destination_id == dest.id, ExchangeBatch.status == ACKNOWLEDGED
    )
    if first_open is not None:
        stmt = stmt.where(ExchangeBatch.sequence < first_open)
    cursor = session.execute(stmt.order_by(ExchangeBatch.sequence.desc()).limit(1)).scalar()
    if cursor is not None and cursor != dest.acked_cursor:
        dest.acked_cursor = dict(cursor)


def acknowledge(session: Session, *, number: str, sha256: str, actor: Actor) -> ExchangeBatch:
    """The receiver's acknowledgement of a batch (its id and checksum); repeating it changes nothing."""
    batch = get_batch(session, number)
    if sha256 != batch.sha256:
        raise Conflict(f"批次{number}的回执校验值与发送内容的SHA-256不一致，未确认。")
    if batch.status == ACKNOWLEDGED:
        return batch
    batch.status = ACKNOWLEDGED
    batch.acknowledged_at = get_clock().now()
    batch.last_error = None
    dest = session.get(ExchangeDestination, batch.destination_id)
    assert dest is not None
    session.flush()
    _advance(dest, session)
    audit(
        session,
        actor=actor,
        action="exchange.acknowledge",
        object_type="exchange_batch",
        object_id=batch.id,
        detail={"number": number, "items": batch.item_count, "cursor": dest.acked_cursor},
    )
    return batch


def _record_attempts(session: Session, batch: ExchangeBatch, attempts: list[transport.Attempt], *, sent: str) -> None:
    now = get_clock().now()
    for a in attempts:
        session.add(ExchangeAttempt(batch_id=batch.id, at=now, ok=a.ok, http_status=a.http_status, error=a.error))
    batch.attempts += len(attempts)
    if attempts and attempts[-1].ok:
        batch.sent_at = now
        batch.status = sent
        batch.last_error = None
    else:
        batch.status = FAILED
        batch.last_error = attempts[-1].error if attempts else "未尝试发送"
    session.flush()


def resend(session: Session, *, number: str, actor: Actor) -> ExchangeBatch:
    """Mark a sent or failed batch for delivery again (identical content; the receiver dedups by batch id)."""
    batch = get_batch(session, number)
    if batch.status == ACKNOWLEDGED:
        raise Conflict(f"批次{number}已确认接收，无需重发。")
    batch.status = PENDING
    audit(session, actor=actor, action="exchange.resend", object_type="exchange_batch", object_id=batch.id)
    return batch


# --------------------------------------------------------------------------------------------------
# Push (a job: one short transaction per step, delivery outside any transaction)
# --------------------------------------------------------------------------------------------------


@dataclass
class PushReport:
    """What one push did for one destination."""

    destination: str
    built: int = 0
    delivered: int = 0
    acknowledged: int = 0
    failed: int = 0
    items_acknowledged: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line in Chinese."""
        text = (
            f"{self.destination}：新建{self.built}批，发送{self.delivered}批，确认{self.acknowledged}批"
            f"（{self.items_acknowledged}条），失败{self.failed}批"
        )
        return text + (f"；{self.errors[-1]}" if self.errors else "")


def _collect_acks(db: Database, code: str, report: PushReport, actor: Actor) -> None:
    with db.session() as session:
        dest = get_destination(session, code)
        assert dest.directory is not None
        waiting = {b.number: b for b in unacknowledged(session, dest.id)}
        for name, body in transport.read_acks(dest.directory):
            number = name.removesuffix(".ack.json")
            batch = waiting.get(number)
            if batch is None:
                continue
            parcel = parcel_of(batch, dest)
            problem = "回执文件无法读取" if body is None else transport.check_ack(parcel, body)
            if problem is None:
                acknowledge(session, number=number, sha256=batch.sha256, actor=actor)
                report.acknowledged += 1
                report.items_acknowledged += batch.item_count
            elif batch.status != FAILED or batch.last_error != problem:
                _record_attempts(session, batch, [transport.Attempt(False, None, problem)], sent=SENT)
                report.failed += 1
                report.errors.append(f"{number}：{problem}")


def _deliver_waiting(db: Database, code: str, report: PushReport, actor: Actor, sleep: Callable[[float], None]) -> bool:
    """Deliver the waiting batches in order; False when one could not be delivered (the rest wait behind it)."""
    with db.session(write=False) as session:
        dest = get_destination(session, code)
        kind, url, directory = dest.kind, dest.url, dest.directory
        policy = transport.Policy(
            dest.max_attempts, dest.backoff_seconds, dest.backoff_max_seconds, dest.timeout_seconds
        )
        todo = [
            (b.number, parcel_of(b, dest)) for b in unacknowledged(session, dest.id) if b.status in (PENDING, FAILED)
        ]
    for number, parcel in todo:
        if kind == "http":
            assert url is not None
            attempts = transport.post(url, parcel, policy, sleep)
        else:
            assert directory is not None
            attempts = [transport.write_files(directory, parcel)]
        with db.session() as session:
            batch = get_batch(session, number)
            _record_attempts(session, batch, attempts, sent=SENT)
            if attempts[-1].ok:
                report.delivered += 1
                if kind == "http":  # the response was the acknowledgement
                    acknowledge(session, number=number, sha256=parcel.sha256, actor=actor)
                    report.acknowledged += 1
                    report.items_acknowledged += parcel.item_count
            else:
                report.failed += 1
                report.errors.append(f"{number}：{attempts[-1].error}")
        if not attempts[-1].ok:
            return False
    return True


def push_destination(
    db: Database,
    code: str,
    *,
    actor: Actor,
    sleep: Callable[[float], None] = time.sleep,
    policy: DestinationPolicy | None = None,
) -> PushReport:
    """Collect acknowledgements, resend what waits, then build and deliver new batches until caught up."""
    policy = policy or DestinationPolicy.of(get_settings())
    report = PushReport(destination=code)
    with db.session(write=False) as session:
        dest = get_destination(session, code)
        kind = dest.kind
        refused = policy.destination_problem(dest)
    if refused is not None:  # saved before the settings narrowed (or written around the service): nothing sent
        report.errors.append(f"未报送：{refused}")
        return report
    if kind == "directory":
        _collect_acks(db, code, report, actor)
    upto = feed.horizon(db)
    while _deliver_waiting(db, code, report, actor, sleep):
        with db.session() as session:
            dest = get_destination(session, code)
            batch = build_next(session, dest=dest, upto=upto)
            if batch is None:
                break
            report.built += 1
    with db.session() as session:
        dest = get_destination(session, code)
        audit(
            session,
            actor=actor,
            action="exchange.push",
            object_type="exchange_destination",
            object_id=dest.id,
            detail={
                "built": report.built,
                "delivered": report.delivered,
                "acknowledged": report.acknowledged,
                "failed": report.failed,
                "cursor": dest.acked_cursor,
            },
        )
    return report


def push(
    db: Database,
    *,
    destination: str | None = None,
    actor: Actor,
    sleep: Callable[[float], None] = time.sleep,
    policy: DestinationPolicy | None = None,
) -> list[PushReport]:
    """Push to one destination, or to every enabled one."""
    with db.session(write=False) as session:
        codes = (
            [get_destination(session, destination).code]
            if destination
            else [d.code for d in destinations(session, enabled_only=True)]
        )
    return [push_destination(db, code, actor=actor, sleep=sleep, policy=policy) for code in codes]


# --------------------------------------------------------------------------------------------------
# Overview for the console
# --------------------------------------------------------------------------------------------------


def overview(session: Session) -> list[dict[str, Any]]:
    """Per destination: batches and items by status, the last acknowledgement, the last error."""
    counts: dict[int, dict[str, tuple[int, int]]] = {}
    for dest_id, status, n, items in session.execute(
        select(
            ExchangeBatch.destination_id,
            ExchangeBatch.status,
            func.count(),
            func.coalesce(func.sum(ExchangeBatch.item_count), 0),
        ).group_by(ExchangeBatch.destination_id, ExchangeBatch.status)
    ):
        counts.setdefault(dest_id, {})[status] = (int(n), int(items))
    rows = []
    for dest in destinations(session):
        c = counts.get(dest.id, {})
        last_ack = session.execute(
            select(func.max(ExchangeBatch.acknowledged_at)).where(ExchangeBatch.destination_id == dest.id)
        ).scalar()
        last_error = session.execute(
            select(ExchangeBatch.last_error)
            .where(ExchangeBatch.destination_id == dest.id, ExchangeBatch.last_error.is_not(None))
            .order_by(ExchangeBatch.sequence.desc())
            .limit(1)
        ).scalar()
        rows.append(
            {
                "destination": dest,
                "counts": {s: c.get(s, (0, 0)) for s in STATUS_LABELS},
                "last_ack": last_ack,
                "last_error": last_error,
            }
        )
    return rows


def attempts_of(session: Session, batch_id: int) -> list[ExchangeAttempt]:
    """A batch's delivery attempts, newest first."""
    stmt = select(ExchangeAttempt).where(ExchangeAttempt.batch_id == batch_id).order_by(ExchangeAttempt.id.desc())
    return list(session.execute(stmt).scalars())
