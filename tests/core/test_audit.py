"""The audit chain: every event linked to the previous one; an edited or deleted event is found."""

from __future__ import annotations

import itertools

from sqlalchemy import text

from xinyong.core import audit
from xinyong.core.audit import Actor
from xinyong.core.db import Database


def _append(db: Database, n: int) -> None:
    with db.session() as s:
        for i in range(n):
            audit.record(
                s,
                actor=Actor(label="zhang", user_id=None, department_code="scjg", role="operator", ip="10.0.0.8"),
                action="record.create",
                object_type="record",
                object_id=i,
                purpose="归集行政处罚信息",
                detail={"字段": "处罚决定书文号", "n": i},
            )


def test_chain_verifies_and_links_each_event(db: Database) -> None:
    _append(db, 5)
    with db.session() as s:
        result = audit.verify(s)
        assert result.ok, result.message
        events = s.query(audit.AuditEvent).order_by(audit.AuditEvent.id).all()
        for prev, ev in itertools.pairwise(events):
            assert ev.prev_hash == prev.hash
        assert "审计链完整" in result.message


def test_an_edited_event_is_reported_by_number(db: Database) -> None:
    _append(db, 5)
    with db.session() as s:
        target = (
            s.query(audit.AuditEvent)
            .filter(audit.AuditEvent.action == "record.create")
            .order_by(audit.AuditEvent.id)
            .all()[2]
        )
        target_id = target.id
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET purpose = '查看邻居信息' WHERE id = :id"), {"id": target_id})
    with db.session() as s:
        result = audit.verify(s)
    assert not result.ok
    assert result.broken_event_id == target_id
    assert f"第{target_id}号事件的内容与其哈希不符" in result.message


def test_a_deleted_event_is_reported(db: Database) -> None:
    _append(db, 4)
    with db.session() as s:
        last = s.query(audit.AuditHead).one().last_event_id
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": last - 1})
    with db.session() as s:
        result = audit.verify(s)
    assert not result.ok
    assert result.broken_event_id == last - 1
    assert "缺少" in result.message


def test_rewriting_an_event_with_a_fresh_hash_breaks_the_next_link(db: Database) -> None:
    _append(db, 4)
    with db.session() as s:
        ev = s.query(audit.AuditEvent).order_by(audit.AuditEvent.id.desc()).offset(1).first()
        assert ev is not None
        ev.purpose = "篡改"
        ev.hash = audit.compute_hash(ev)  # the forger recomputes this event's hash ...
        broken = ev.id + 1
    with db.session() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_event_id == broken  # ... but the next event still names the old one


def test_concurrent_writers_keep_one_linear_chain(db: Database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def worker(n: int) -> None:
        for i in range(10):
            with db.session() as s:
                audit.record(s, actor=Actor(label=f"worker{n}"), action="test.write", object_type="x", object_id=i)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(worker, range(4)))
    with db.session() as s:
        result = audit.verify(s)
        written = s.query(audit.AuditEvent).filter(audit.AuditEvent.action == "test.write").count()
    assert result.ok, result.message
    assert written == 40
