"""Every kind of reported change reaches the feed with its type and fields: list entries and removals, joint
reward/punishment cases (check feedback), supervision feedback (rectification outcomes), record revocations."""

from __future__ import annotations

import json
from pathlib import Path

from tests.commitments.support import CIPHER, entity
from tests.ingestion.samples import company_code
from tests.lists.support import OPERATOR, REVIEWER, dept_id, propose, to_published

from xinyong.checks import service as checks
from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.exchange import service
from xinyong.lists import service as lists_service
from xinyong.lists import supervision
from xinyong.records import service as records_service
from xinyong.records import states


def test_lists_checks_supervision_and_revocations_are_reported(db: Database, tmp_path: Path, clock: FixedClock) -> None:
    with db.session() as s:
        entry = to_published(s, clock, propose(s))
        d = dept_id(s)
        check = checks.run_check(
            s, subject=company_code(1), matter="procurement", department_id=d, actor=OPERATOR, cipher=CIPHER
        )
        checks.record_feedback(
            s, code=check.code, values={"outcome": "refused", "measures": [{"code": "CJ-02", "applied": True}]},
            department_id=d, actor=OPERATOR,
        )  # fmt: skip
        check_code = check.code
        entity(s, 2)
        order = supervision.issue_order(
            s, values={"subject": company_code(2), "content": "限期整改冷链储存条件", "working_days": 5},
            department_id=d, actor=OPERATOR, cipher=CIPHER,
        )  # fmt: skip
        supervision.follow_up(
            s, order_id=order.id, note="复查已整改到位", rectified=True, department_id=d, actor=OPERATOR
        )
        lists_service.remove(
            s, entry_id=entry.id, kind="revoked", reason="列入决定被行政复议撤销", department_id=d, actor=REVIEWER
        )
        basis = entry.basis_record_ids[0]
        records_service.transition(s, record_id=basis, target=states.REVOKED, reason="处罚决定被撤销", actor=REVIEWER)
        entry_document = entry.document_number

    with db.session() as s:
        service.save_destination(
            s, values={"code": "JIXI", "name": "鸡西", "kind": "directory", "directory": str(tmp_path)}, actor=OPERATOR
        )
    service.push(db, actor=OPERATOR)
    with db.session(write=False) as s:
        (batch,) = service.batches(s, service.get_destination(s, "JIXI").id)
        items = [json.loads(line) for line in batch.content.splitlines()]
    by_type: dict[str, list[dict[str, str]]] = {}
    for item in items:
        by_type.setdefault(item["type"], []).append(item["fields"])

    # The company's entry and its legal representative's (T24), published then removed.
    assert [f["RDWH"] for f in by_type["list_entry"]] == [entry_document, f"{entry_document}-1"]
    assert by_type["list_entry"][0]["XDR_SHXYM"] == company_code(1) and by_type["list_entry"][0]["MDMC"]
    assert by_type["list_entry"][1]["XDR_ZJHM"].count("*") >= 8  # the person only masked
    assert {f["YCFS"] for f in by_type["list_removal"]} == {"撤销列入决定"}
    (case,) = by_type["joint_case"]
    assert case["HCBH"] == check_code and case["SSCS"] == "CJ-02" and case["BLJG"] == "不予办理"
    assert case["XDR_DM"] == company_code(1) and case["CSLX"]
    (outcome,) = by_type["supervision"]
    assert outcome["ZGJG"] == "已整改" and outcome["XDR_SHXYM"] == company_code(2)
    assert outcome["GZQK"] == "复查已整改到位"
    assert ("已撤销", "处罚决定被撤销") in {(f["XZT"], f["BGYY"]) for f in by_type["record_status"]}
    assert len(by_type["penalty"]) == 1  # the basis penalty (list records themselves travel as list entries)
    assert batch.type_counts == {k: len(v) for k, v in sorted(by_type.items())}
