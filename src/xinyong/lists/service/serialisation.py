"""List entries and bans as JSON for the API, the portal and the credit check."""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.lists.models import Ban, ListEntry
from xinyong.lists.rules import ListRules, load_rules
from xinyong.lists.service.common import STATUS_LABELS


def entry_json(entry: ListEntry) -> dict[str, Any]:
    """A list entry for the API (ID numbers only masked)."""
    rules = load_rules()
    return {
        "id": entry.id,
        "list_type": entry.list_type,
        "list_name": rules.list_name(entry.list_type),
        "domain": entry.domain,
        "domain_name": rules.key_attention_domains.get(entry.domain or ""),
        "subject_name": entry.subject_name,
        "subject_code": entry.subject_code,
        "department": entry.department.name,
        "status": entry.status,
        "status_label": STATUS_LABELS[entry.status],
        "reason": entry.reason,
        "legal_basis": entry.legal_basis,
        "basis_records": entry.basis_record_ids,
        "responsible": [
            {"role": r["role"], "role_name": r["role_name"], "name": r["name"], "id_masked": r.get("id_masked")}
            for r in entry.responsible
        ],
        "parent_id": entry.parent_id,
        "proposed_on": _iso(entry.proposed_on),
        "notice_on": _iso(entry.notice_on),
        "notice_document": entry.notice_document,
        "statement_until": _iso(entry.statement_until),
        "statement": entry.statement,
        "decided_on": _iso(entry.decided_on),
        "document_number": entry.document_number,
        "published_on": _iso(entry.published_on),
        "ends_on": _iso(entry.ends_on),
        "early_removal_from": _iso(entry.early_removal_from),
        "removal_kind": entry.removal_kind,
        "removed_on": _iso(entry.removed_on),
        "removal_reason": entry.removal_reason,
        "record_id": entry.record_id,
    }


def ban_json(ban: Ban) -> dict[str, Any]:
    """A ban for the API and the portal."""
    return ban_values(ban, ban.department.name)


def ban_values(ban: Any, department: str, rules: ListRules | None = None) -> dict[str, Any]:
    """A ban as the API and the credit check show it, from a ``Ban`` or a row of its columns (the check reads rows)
    and the deciding department's name."""
    rules = rules or load_rules()
    return {
        "id": ban.id,
        "subject_name": ban.subject_name,
        "scope": ban.scope,
        "scope_name": rules.ban_scopes.get(ban.scope, ban.scope),
        "domain": ban.domain,
        "domain_name": rules.ban_domains.get(ban.domain, ban.domain),
        "content": ban.content,
        "basis": ban.basis,
        "document_number": ban.document_number,
        "department": department,
        "starts_on": ban.starts_on.isoformat(),
        "ends_on": _iso(ban.ends_on),
        "permanent": ban.ends_on is None,
        "revoked_on": _iso(ban.revoked_on),
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
