"""Lists (T13, T17, T18), personal liability (T24) and bans (T23).

A listing is a state machine: 拟列入 (proposed) → 已告知 (noticed, the statement window runs) → 已决定 (decided) →
已公布 (published) → 已移出 (removed: expiry, early removal on application, revocation, or performance of a court
obligation). Illegal steps are refused; every step writes a ``list_event`` row and an audit event. Only the listing
department decides and removes ("谁认定、谁移出"). A published entry is also a credit record of the list's catalogue
item, so the portal, the evaluation and the commitment rules see it; removing the entry changes that record's state.

The package is split by workflow; this module re-exports its public API, so callers keep
``from xinyong.lists import service`` and ``service.propose(...)``:

* ``common``: statuses, allowed steps, the step log, the list rule, the department, getting an entry;
* ``subjects``: the subject of a listing or a ban (USCC or ID number);
* ``proposal``: proposing a listing, taking up a commitment breach proposal;
* ``workflow``: notice, statement, decision, publication, withdrawal, removal, expiry, escalation;
* ``liability``: responsible persons, the legal representative, personal liability at publication;
* ``credit_records``: a published entry as a credit record;
* ``queries``: an entry's history, filtered lists, visibility, entries in force, the public lists;
* ``judgments``: the court's dishonest judgment debtors import;
* ``bans``: market and industry bans;
* ``serialisation``: entries and bans as JSON.
"""

from xinyong.core.forms import FieldErrors as _Errors
from xinyong.core.forms import text_value as _text
from xinyong.lists.service.bans import BAN_FIELDS, active_bans, create_ban, list_bans, revoke_ban
from xinyong.lists.service.common import (
    DECIDED,
    NOTICED,
    PERSON_CATEGORY,
    PROPOSED,
    PUBLISHED,
    REJECTED,
    REMOVAL_KINDS,
    REMOVAL_RECORD_STATE,
    REMOVED,
    SHARED_STATUSES,
    STATUS_LABELS,
    TRANSITIONS,
    WITHDRAWN,
    check_transition,
    get_entry,
    rule_for,
)
from xinyong.lists.service.common import department_of as _department
from xinyong.lists.service.judgments import ImportResult, import_judgment_debtors
from xinyong.lists.service.liability import legal_rep_for_entity, registered_responsible
from xinyong.lists.service.proposal import PROPOSAL_FIELDS, pending_commitment_proposals, propose, take_up_proposal
from xinyong.lists.service.queries import active_entries, events, list_entries, may_see, public_entries
from xinyong.lists.service.serialisation import ban_json, ban_values, entry_json
from xinyong.lists.service.subjects import Subject, classify_code, find_subject
from xinyong.lists.service.workflow import (
    decide,
    escalation_due,
    expire_due,
    give_notice,
    notice_due,
    publish,
    record_statement,
    remove,
    withdraw,
)

__all__ = [
    "BAN_FIELDS",
    "DECIDED",
    "NOTICED",
    "PERSON_CATEGORY",
    "PROPOSAL_FIELDS",
    "PROPOSED",
    "PUBLISHED",
    "REJECTED",
    "REMOVAL_KINDS",
    "REMOVAL_RECORD_STATE",
    "REMOVED",
    "SHARED_STATUSES",
    "STATUS_LABELS",
    "TRANSITIONS",
    "WITHDRAWN",
    "ImportResult",
    "Subject",
    "_Errors",  # the three private names are kept for lists.supervision
    "_department",
    "_text",
    "active_bans",
    "active_entries",
    "ban_json",
    "ban_values",
    "check_transition",
    "classify_code",
    "create_ban",
    "decide",
    "entry_json",
    "escalation_due",
    "events",
    "expire_due",
    "find_subject",
    "get_entry",
    "give_notice",
    "import_judgment_debtors",
    "legal_rep_for_entity",
    "list_bans",
    "list_entries",
    "may_see",
    "notice_due",
    "pending_commitment_proposals",
    "propose",
    "public_entries",
    "publish",
    "record_statement",
    "registered_responsible",
    "remove",
    "revoke_ban",
    "rule_for",
    "take_up_proposal",
    "withdraw",
]
