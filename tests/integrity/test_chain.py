"""Tamper evidence: the record chain and the audit chain, edited behind the platform's back, are caught and named.

Every test edits the database with raw SQL (as an intruder with database access would) and runs the real
`xinyong audit verify` command or the service it calls, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET, Cli
from tests.factories import shop_penalty

from xinyong.app import create_app
from xinyong.catalog import service as catalog
from xinyong.core.audit import Actor
from xinyong.core.clock import FixedClock
from xinyong.core.config import Settings
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.integrity import service as integrity
from xinyong.integrity.models import ChainAnchor
from xinyong.records import chain, service, states
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects

ACTOR = Actor.system("test")


def store_many(session: Session, rows: list[dict[str, Any]], *, first_row: int = 1) -> list[service.Stored]:
    item, spec = catalog.item_for(session, "penalty")
    return service.store_many(
        session,
        item=item,
        spec=spec,
        department=subjects.department_by_code(session, "scjg"),
        rows=[(first_row + i, values) for i, values in enumerate(rows)],
        provenance=service.Provenance(actor=ACTOR, batch_id=7, file_sha256="ab" * 32),
        cipher=get_cipher(TEST_SECRET),
    )


def fill(db: Database) -> dict[str, int]:
    """Five penalties in one bulk call, a person's penalty, a corrected version and a state change: doc → id."""
    with db.session() as s:
        store_many(s, [shop_penalty(n) for n in range(1, 6)])
        store_many(
            s,
            [
                shop_penalty(
                    6,
                    CF_XDR_MC="张三",
                    CF_XDR_LB="自然人",
                    CF_XDR_SHXYM=None,
                    CF_XDR_ZJLX="身份证",
                    CF_XDR_ZJHM="230382199001011234",
                )
            ],
        )
        store_many(s, [shop_penalty(3, CF_NR="警告并处罚款3000元", CF_NR_FK=Decimal("0.3"))])
        rec = s.execute(select(CreditRecord).where(CreditRecord.document_number == "密市监罚〔2026〕2号")).scalar_one()
        service.transition(s, record_id=rec.id, target=states.DISPUTED, reason="当事人提出异议", actor=ACTOR)
        return {
            r.document_number: r.id
            for r in s.execute(select(CreditRecord).where(CreditRecord.is_current.is_(True))).scalars()
        }


def records_check(db: Database) -> chain.ChainResult:
    with db.engine.connect() as conn:
        return chain.verify(conn)


def test_records_written_in_bulk_versioned_and_changed_form_one_intact_chain(db: Database, clock: FixedClock) -> None:
    fill(db)
    with db.session() as s:
        rows = s.execute(select(CreditRecord).order_by(CreditRecord.chain_seq)).scalars().all()
        assert [r.chain_seq for r in rows] == list(range(1, len(rows) + 1)) and len(rows) == 7
        assert all(b.chain_prev == a.chain_hash for a, b in itertools.pairwise(rows))
        assert rows[0].chain_prev == "0" * 64
    result = records_check(db)
    assert result.ok, result.message
    assert result.message == "记录链完整：共校验7条信用记录。"


def test_an_edited_record_row_is_named_by_audit_verify(db_url: str, db: Database, clock: FixedClock) -> None:
    ids = fill(db)
    target = ids["密市监罚〔2026〕4号"]
    assert Cli(db_url)("audit", "verify").returncode == 0
    with db.engine.begin() as conn:  # the fine reduced behind the platform's back
        conn.execute(text("UPDATE credit_record SET subject_name = '密山市老李烧烤店' WHERE id = :id"), {"id": target})
    run = Cli(db_url)("audit", "verify")
    assert run.returncode == 1
    named = f"记录{target}（penalty，文书号“密市监罚〔2026〕4号”）"
    assert f"{named}（第4号链节）的内容与其哈希不符（已被篡改）" in run.stderr
    assert "审计链完整" in run.stdout


def test_an_edited_field_inside_the_json_is_caught(db: Database, clock: FixedClock) -> None:
    ids = fill(db)
    target = ids["密市监罚〔2026〕5号"]
    with db.session() as s:
        fields = s.get(CreditRecord, target).fields  # type: ignore[union-attr]
    fields["CF_NR_FK"] = "0.02"
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE credit_record SET fields = :f WHERE id = :id"),
            {"f": json.dumps(fields, ensure_ascii=False), "id": target},
        )
    result = records_check(db)
    assert not result.ok and result.record_id == target and "密市监罚〔2026〕5号" in result.message


def test_a_deleted_record_row_is_reported_between_its_neighbours(db: Database, clock: FixedClock) -> None:
    ids = fill(db)
    with db.engine.begin() as conn:
        first = {"id": ids["密市监罚〔2026〕1号"]}
        gone = conn.execute(text("SELECT chain_seq FROM credit_record WHERE id = :id"), first).scalar_one()
        conn.execute(text("DELETE FROM credit_record WHERE id = :id"), first)
    result = records_check(db)
    assert not result.ok and result.seq == gone
    assert f"缺少第{gone}号链节（该记录已被删除）" in result.message


def test_the_last_record_deleted_is_caught_by_the_head(db: Database, clock: FixedClock) -> None:
    fill(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM credit_record WHERE chain_seq = (SELECT MAX(chain_seq) FROM credit_record)"))
    result = records_check(db)
    assert not result.ok and "链头记载共7个链节，实际只连续到第6号" in result.message


def test_a_rehashed_record_row_is_named(db_url: str, db: Database, clock: FixedClock) -> None:
    """The intruder edits a record and recomputes its own link hash: the next link (or the head) still disagrees."""
    ids = fill(db)
    target = ids["密市监罚〔2026〕4号"]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE credit_record SET subject_name = '别人' WHERE id = :id"), {"id": target})
        table = CreditRecord.__table__
        row = conn.execute(select(table).where(table.c.id == target)).one()
        values = [getattr(row, c) for c in chain.HASHED_COLUMNS]
        values[chain.FIELDS_POSITION] = chain.canonical_fields(values[chain.FIELDS_POSITION])
        forged = chain.link_hash(row.chain_prev, row.chain_seq, values)
        conn.execute(text("UPDATE credit_record SET chain_hash = :h WHERE id = :id"), {"h": forged, "id": target})
    run = Cli(db_url)("audit", "verify")
    assert run.returncode == 1
    assert f"记录{target}（penalty，文书号“密市监罚〔2026〕4号”）（第4号链节）的哈希与下一链节" in run.stderr
    assert "被改动后重新计算了哈希" in run.stderr


def test_a_status_changed_without_its_event_is_named(db: Database, clock: FixedClock) -> None:
    ids = fill(db)
    target = ids["密市监罚〔2026〕1号"]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE credit_record SET status = 'revoked' WHERE id = :id"), {"id": target})
    result = records_check(db)
    assert not result.ok and result.record_id == target
    assert "状态为“已撤销”，但其状态变更记录的最后结果是“有效”" in result.message
    with db.engine.begin() as conn:  # put back; now the disputed one is silently made 有效 again
        conn.execute(text("UPDATE credit_record SET status = 'valid' WHERE id = :id"), {"id": target})
        disputed = ids["密市监罚〔2026〕2号"]
        conn.execute(text("UPDATE credit_record SET status = 'valid' WHERE id = :id"), {"id": disputed})
    result = records_check(db)
    assert not result.ok and result.record_id == disputed and "最后结果是“异议中”" in result.message


def test_a_superseded_version_made_current_again_is_named(db: Database, clock: FixedClock) -> None:
    fill(db)
    with db.engine.begin() as conn:
        old = conn.execute(
            text("SELECT id FROM credit_record WHERE document_number = '密市监罚〔2026〕3号' AND version = 1")
        ).scalar_one()
        conn.execute(text("UPDATE credit_record SET is_current = :t WHERE id = :id"), {"t": True, "id": old})
    result = records_check(db)
    assert not result.ok and result.record_id == old and "被新版本取代却仍标为现行版本" in result.message


def test_a_record_inserted_around_the_writer_is_reported(db: Database, clock: FixedClock) -> None:
    ids = fill(db)
    copied = ", ".join(c for c in chain.HASHED_COLUMNS if c != "document_number") + ", status, is_current"
    with db.engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO credit_record (document_number, {copied}) "
                f"SELECT '密市监罚〔2026〕99号', {copied} FROM credit_record WHERE id = :id"
            ),
            {"id": ids["密市监罚〔2026〕1号"]},
        )
    result = records_check(db)
    assert not result.ok and "不在链中（绕过系统直接写入）" in result.message
    assert "密市监罚〔2026〕99号" in result.message


def test_history_rewritten_consistently_is_caught_by_the_published_anchor(
    db_url: str, db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    """An intruder who edits a record and re-hashes the whole chain after it beats the chain, not the anchor."""
    ids = fill(db)
    with db.session() as s:
        anchor, written = integrity.make_anchor(s, actor=ACTOR)
        assert written and anchor.record_seq == 7
        again, written_again = integrity.make_anchor(s, actor=ACTOR)
        assert not written_again and again.id == anchor.id  # once a day
        published = [integrity.anchor_dict(a) for a in integrity.anchors(s)]
    saved = tmp_path / "anchors.json"
    saved.write_text(json.dumps({"anchors": published}), "utf-8")
    ok = Cli(db_url)("audit", "verify", "--published", str(saved))
    assert ok.returncode == 0, ok.stderr
    assert "每日锚点一致：共1个锚点，并与已发布的1个锚点核对一致" in ok.stdout
    target = ids["密市监罚〔2026〕2号"]
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE credit_record SET subject_name = '别人' WHERE id = :id"), {"id": target})
        table = CreditRecord.__table__
        rows = conn.execute(select(table).order_by(table.c.chain_seq)).all()
        prev = "0" * 64
        for row in rows:
            values = [getattr(row, c) for c in chain.HASHED_COLUMNS]
            values[chain.FIELDS_POSITION] = chain.canonical_fields(values[chain.FIELDS_POSITION])
            digest = chain.link_hash(prev, row.chain_seq, values)
            conn.execute(
                text("UPDATE credit_record SET chain_prev = :p, chain_hash = :h WHERE id = :id"),
                {"p": prev, "h": digest, "id": row.id},
            )
            prev = digest
        conn.execute(text("UPDATE credit_record_chain_head SET last_hash = :h"), {"h": prev})
    assert records_check(db).ok  # the chain alone no longer shows it
    run = Cli(db_url)("audit", "verify")
    assert run.returncode == 1 and "的锚点与记录链不符：第7号链节" in run.stderr and "记录历史被改写" in run.stderr
    # Rewriting the anchor table too: the copy published on the portal (saved by anyone) still disagrees.
    with db.engine.begin() as conn:
        a = conn.execute(select(ChainAnchor.__table__)).one()
        forged = integrity.anchor_hash(a.day, a.record_seq, prev, a.audit_event_id, a.audit_hash, a.prev_hash)
        conn.execute(text("UPDATE chain_anchor SET record_hash = :r, hash = :h"), {"r": prev, "h": forged})
    assert Cli(db_url)("audit", "verify").returncode == 0  # the database alone is consistent again
    run = Cli(db_url)("audit", "verify", "--published", str(saved))
    assert run.returncode == 1 and f"已发布的{date(2026, 11, 28).isoformat()}锚点与锚点表不符" in run.stderr


def test_audit_history_rewritten_is_caught_by_the_anchor(db: Database, clock: FixedClock) -> None:
    fill(db)
    with db.session() as s:
        anchor, _ = integrity.make_anchor(s, actor=ACTOR)
        event_id = anchor.audit_event_id
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET hash = :h WHERE id = :id"), {"h": "f" * 64, "id": event_id})
    with db.session() as s:
        checks = {c.name: c for c in integrity.verify_all(s)}
    assert not checks["audit"].ok and not checks["anchors"].ok
    assert f"第{event_id}号事件的哈希已改变" in checks["anchors"].message


def test_backfill_chains_records_written_before_the_chain(db: Database, clock: FixedClock) -> None:
    """What migration 0012 does for the records already stored."""
    fill(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE credit_record SET chain_seq = NULL, chain_prev = NULL, chain_hash = NULL"))
        conn.execute(text("UPDATE credit_record_chain_head SET last_seq = 0, last_hash = :g"), {"g": "0" * 64})
        assert not chain.verify(conn).ok
        assert chain.backfill(conn, batch=3) == 7
    result = records_check(db)
    assert result.ok, result.message
    with db.session() as s:  # and the writer continues the backfilled chain
        store_many(s, [shop_penalty(8)])
    assert records_check(db).message == "记录链完整：共校验8条信用记录。"


def test_the_daily_anchor_is_written_at_the_first_start_up_and_published(
    settings: Settings, db: Database, clock: FixedClock
) -> None:
    fill(db)
    with TestClient(create_app(settings, db)) as client:
        page = client.get("/portal/integrity")
        data = client.get("/portal/integrity.json").json()
    assert page.status_code == 200 and "数据完整性锚点" in page.text
    with db.session() as s:
        [anchor] = integrity.anchors(s)
    assert anchor.day == date(2026, 11, 28) and anchor.record_seq == 7
    assert anchor.record_hash in page.text and anchor.audit_hash in page.text and "第7号链节" in page.text
    assert data == {"anchors": [integrity.anchor_dict(anchor)]}
    with TestClient(create_app(settings, db)):
        pass
    clock.advance(days=1)
    with TestClient(create_app(settings, db)):
        pass
    with db.session() as s:
        days = [a.day for a in integrity.anchors(s)]
    assert days == [date(2026, 11, 28) + timedelta(days=1), date(2026, 11, 28)]  # one per day, newest first
    with db.session() as s:
        assert all(c.ok for c in integrity.verify_all(s)), [c.message for c in integrity.verify_all(s)]


def test_the_demo_city_verifies_end_to_end(tmp_path: Path, sqlite_template: Path) -> None:
    """Every writer the demo uses (bulk demo records, file-like submissions, repairs, objections, lists, the
    expiry job) keeps both chains and the record states consistent."""
    import shutil

    path = tmp_path / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    demo = Cli(url)("demo", "--entities", "300")
    assert demo.returncode == 0, demo.stderr
    assert Cli(url)("audit", "anchor").returncode == 0
    run = Cli(url)("audit", "verify")
    assert run.returncode == 0, run.stderr
    assert "审计链完整" in run.stdout and "记录链完整" in run.stdout and "每日锚点一致：共1个锚点" in run.stdout
