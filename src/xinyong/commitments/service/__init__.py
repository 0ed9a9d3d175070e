"""Credit commitments (T1–T3, T11): matters, commitments with codes, fulfilment, breach, voluntary registration.

The workflows live in the modules of this package; their public names are re-exported here, so callers keep
writing ``from xinyong.commitments import service`` and ``service.create_commitment(...)``:

- ``rules``: the commitment rules (reference data) and the item constants;
- ``matters``: commitment matters (T1);
- ``eligibility``: grades, lists, bans and courses that exclude a subject from commitment-based approval;
- ``codes``: 承诺编码 allocation;
- ``commitments``: recording a commitment (T2); ``storage``: the commitment as a credit record;
- ``queries``: reading commitments, deadlines, the fulfilment label;
- ``fulfilment``: the verification finding and the breach flow (T2, T3), list proposals;
- ``voluntary``: voluntary registration (T11).
"""

from xinyong.commitments.service.codes import next_code
from xinyong.commitments.service.commitments import COMMITMENT_FIELDS, create_commitment
from xinyong.commitments.service.eligibility import (
    GradeProvider,
    active_ban,
    eligibility_problems,
    list_memberships,
    subject_grade,
)
from xinyong.commitments.service.fulfilment import (
    FULFILMENT_FIELDS,
    BreachOutcome,
    pending_proposals,
    record_fulfilment,
    reopen_publicity,
)
from xinyong.commitments.service.matters import (
    MATTER_FIELDS,
    breach_measures,
    get_matter,
    list_matters,
    matter_by_code,
    matter_public,
    save_matter,
)
from xinyong.commitments.service.queries import (
    commitment_by_code,
    due_soon,
    fulfilment_label,
    get_commitment,
    list_commitments,
    overdue_counts,
    overdue_verifications,
    public_commitments,
)
from xinyong.commitments.service.rules import (
    BREACH_ITEM,
    COMMITMENT_ITEM,
    FULFILLED,
    PENDING_LABEL,
    CommitmentRules,
    TruthMatter,
    VoluntaryRules,
    load_rules,
)
from xinyong.commitments.service.storage import CHANNEL_LABELS
from xinyong.commitments.service.voluntary import (
    VOLUNTARY_FIELDS,
    VOLUNTARY_STATUS,
    DeclaredItem,
    Upload,
    declared_items,
    ensure_truth_matter,
    get_attachment,
    get_voluntary,
    legal_rep_of,
    list_voluntary,
    register_voluntary,
    verify_voluntary,
)

__all__ = [
    "BREACH_ITEM",
    "CHANNEL_LABELS",
    "COMMITMENT_FIELDS",
    "COMMITMENT_ITEM",
    "FULFILLED",
    "FULFILMENT_FIELDS",
    "MATTER_FIELDS",
    "PENDING_LABEL",
    "VOLUNTARY_FIELDS",
    "VOLUNTARY_STATUS",
    "BreachOutcome",
    "CommitmentRules",
    "DeclaredItem",
    "GradeProvider",
    "TruthMatter",
    "Upload",
    "VoluntaryRules",
    "active_ban",
    "breach_measures",
    "commitment_by_code",
    "create_commitment",
    "declared_items",
    "due_soon",
    "eligibility_problems",
    "ensure_truth_matter",
    "fulfilment_label",
    "get_attachment",
    "get_commitment",
    "get_matter",
    "get_voluntary",
    "legal_rep_of",
    "list_commitments",
    "list_matters",
    "list_memberships",
    "list_voluntary",
    "load_rules",
    "matter_by_code",
    "matter_public",
    "next_code",
    "overdue_counts",
    "overdue_verifications",
    "pending_proposals",
    "public_commitments",
    "record_fulfilment",
    "register_voluntary",
    "reopen_publicity",
    "save_matter",
    "subject_grade",
    "verify_voluntary",
]
