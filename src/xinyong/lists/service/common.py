"""The listing state machine: statuses, allowed steps, the step log, and the lookups every step needs."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinyong.lists.models import ListEntry, ListEvent
from xinyong.lists.rules import ListRule, load_rules
from xinyong.records import states as record_states
from xinyong.subjects.models import Department

PROPOSED = "proposed"
NOTICED = "noticed"
DECIDED = "decided"
PUBLISHED = "published"
REMOVED = "removed"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

SHARED_STATUSES = (PUBLISHED, REMOVED)
STATUS_LABELS = {
    PROPOSED: "拟列入",
    NOTICED: "已告知（陈述申辩期）",
    DECIDED: "已决定列入",
    PUBLISHED: "已公布",
    REMOVED: "已移出",
    REJECTED: "决定不予列入",
    WITHDRAWN: "已撤回",
}

TRANSITIONS: dict[str, frozenset[str]] = {
    PROPOSED: frozenset({NOTICED, WITHDRAWN}),
    NOTICED: frozenset({DECIDED, REJECTED}),
    DECIDED: frozenset({PUBLISHED}),
    PUBLISHED: frozenset({REMOVED}),
    REMOVED: frozenset(),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
}

REMOVAL_KINDS = {
    "expired": "期满移出",
    "early": "申请提前移出",
    "revoked": "撤销列入决定",
    "performed": "已履行义务移出",
}
# the credit record's state after a removal of each kind
REMOVAL_RECORD_STATE = {
    "expired": record_states.EXPIRED,
    "early": record_states.REPAIRED,
    "revoked": record_states.REVOKED,
    "performed": record_states.REPAIRED,
}

PERSON_CATEGORY = "自然人"


def check_transition(current: str, target: str) -> None:
    """Refuse a step the listing workflow does not allow, naming both states in Chinese."""
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS.get(current, frozenset()))) or "无（已结束）"
        raise Conflict(
            f"名单流程不能从“{STATUS_LABELS.get(current, current)}”进入“{STATUS_LABELS.get(target, target)}”。"
            f"当前可进入：{allowed}。"
        )


def log_event(
    session: Session,
    entry_id: int,
    from_status: str | None,
    to_status: str,
    actor: Actor,
    note: str | None,
    *,
    department_code: str | None = None,
) -> None:
    """One line of an entry's workflow history (who, when, from which state to which, why)."""
    session.add(
        ListEvent(
            entry_id=entry_id,
            at=get_clock().now(),
            from_status=from_status,
            to_status=to_status,
            actor=actor.label,
            department_code=department_code or actor.department_code,
            note=note,
        )
    )


def step(session: Session, entry: ListEntry, target: str, actor: Actor, note: str | None, **detail: Any) -> None:
    """Move an entry to ``target`` if the workflow allows it: status, history line and audit event."""
    before = entry.status
    check_transition(before, target)
    entry.status = target
    log_event(session, entry.id, before, target, actor, note)
    session.flush()
    audit(
        session,
        actor=actor,
        action=f"list.{target}",
        object_type="list_entry",
        object_id=entry.id,
        detail={"list_type": entry.list_type, "from": before, "to": target, "note": note, **detail},
    )


def parse_ids(value: Any) -> list[int]:
    """Record ids from a list or a comma/space separated text (ValueError on a non-integer)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,，、\s]+", value) if v]
    out = []
    for v in value:
        out.append(int(v))
    return out


def department_of(session: Session, department_id: int | None) -> Department:
    """The caller's department; refused when the account or token belongs to none."""
    if department_id is None:
        raise PermissionDenied("当前账号或令牌未归属任何部门，不能办理名单事项。")
    dept = session.get(Department, department_id)
    if dept is None:
        raise NotFound(f"部门{department_id}不存在。")
    return dept


def rule_for(list_type: str) -> ListRule:
    """The rule of a list type, or a Chinese error naming the known ones."""
    rules = load_rules()
    rule = rules.lists.get(list_type)
    if rule is None:
        known = "、".join(f"{k}（{v.name}）" for k, v in rules.lists.items())
        raise ValidationFailed(f"名单类型“{list_type}”不存在，可选：{known}")
    return rule


def get_entry(session: Session, entry_id: int) -> ListEntry:
    """A list entry by id."""
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound(f"名单记录{entry_id}不存在。")
    return entry


def require_owner(entry: ListEntry, department_id: int | None, what: str) -> None:
    """Only the listing department may take this step ("谁认定、谁移出")."""
    if department_id != entry.department_id:
        raise PermissionDenied(f"“谁认定、谁移出”：只有作出列入的部门（{entry.department.name}）可以{what}。")
