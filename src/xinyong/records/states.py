"""The record state machine: which status may follow which, and why."""

from __future__ import annotations

from xinyong.core.errors import Conflict

VALID = "valid"
DISPUTED = "disputed"
CORRECTED = "corrected"
REVOKED = "revoked"
REPAIRED = "repaired"
EXPIRED = "expired"

STATUS_LABELS = {
    VALID: "有效",
    DISPUTED: "异议中",
    CORRECTED: "已更正",
    REVOKED: "已撤销",
    REPAIRED: "已修复",
    EXPIRED: "公示期满",
}

# from → allowed targets. 已更正 and 已撤销 are final: a corrected record lives on as its new version.
TRANSITIONS: dict[str, frozenset[str]] = {
    VALID: frozenset({DISPUTED, CORRECTED, REVOKED, REPAIRED, EXPIRED}),
    DISPUTED: frozenset({VALID, CORRECTED, REVOKED}),  # objection outcomes: 维持 / 更正 / 撤销
    REPAIRED: frozenset({VALID, REVOKED}),  # a repair obtained by false material is revoked: back to 有效
    EXPIRED: frozenset({VALID, REVOKED, REPAIRED}),  # re-publication after a broken repair commitment
    CORRECTED: frozenset(),
    REVOKED: frozenset(),
}


def check_transition(current: str, target: str) -> None:
    """Refuse a transition the state machine does not allow, naming both states in Chinese."""
    if target not in STATUS_LABELS:
        raise Conflict(f"未知的记录状态“{target}”。")
    if target not in TRANSITIONS[current]:
        allowed = "、".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS[current])) or "无（终态）"
        raise Conflict(
            f"记录状态不能从“{STATUS_LABELS[current]}”变为“{STATUS_LABELS[target]}”。当前状态允许变为：{allowed}。"
        )
