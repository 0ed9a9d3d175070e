"""The outcome column: the values the model's field conditions read are kept beside the JSON by the writer,
filled for old rows by migration 0019, and scored from the index; a field the writer does not keep is still
honoured (read from the JSON). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from importlib import resources
from pathlib import Path
from types import ModuleType

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET
from tests.evaluation.support import ACTOR, action, code, entity

from xinyong.core.clock import FixedClock
from xinyong.core.db import Database
from xinyong.demo import service as demo
from xinyong.evaluation import engine, repository, service
from xinyong.records.models import CreditRecord
from xinyong.records.outcome import OUTCOME_FIELDS, OUTCOME_MAX, covers, outcome_of

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0019_record_outcome.py"


def _company(session: Session, n: int) -> int:
    """Inspected once without problems (+10), one substantiated complaint (-20), one not (0): score 690."""
    uscc = code(n)
    inspected = date(2026, 10, 1)
    action(session, "inspection", uscc, f"密市监检〔2026〕{n}号", inspected, JCFS="双随机抽查", JCJG="未发现问题")
    action(session, "complaint", uscc, f"密市监诉〔2026〕{n}-1号", date(2026, 10, 2), CLJG="属实")
    action(session, "complaint", uscc, f"密市监诉〔2026〕{n}-2号", date(2026, 10, 3), CLJG="不属实")
    return entity(session, uscc).id


def _outcomes(session: Session, entity_id: int) -> dict[tuple[str, int], tuple[str | None, str | None]]:
    rows = session.execute(select(CreditRecord).where(CreditRecord.entity_id == entity_id)).scalars()
    field = {"inspection": "JCJG", "complaint": "CLJG"}
    return {(r.document_number, r.version): (r.outcome, r.fields.get(field[r.item_code])) for r in rows}


def test_the_writer_keeps_the_outcome_and_a_correction_versions_it(session: Session, clock: FixedClock) -> None:
    eid = _company(session, 31)
    action(session, "complaint", code(31), "密市监诉〔2026〕31-2号", date(2026, 10, 3), CLJG="部分属实")  # corrected
    found = _outcomes(session, eid)
    assert found == {
        ("密市监检〔2026〕31号", 1): ("未发现问题", "未发现问题"),
        ("密市监诉〔2026〕31-1号", 1): ("属实", "属实"),
        ("密市监诉〔2026〕31-2号", 1): ("不属实", "不属实"),
        ("密市监诉〔2026〕31-2号", 2): ("部分属实", "部分属实"),
    }
    service.evaluate_all(session, actor=ACTOR)
    grade = service.current_grade(session, eid)
    assert grade is not None and grade.score == 700 + 10 - 20 - 20  # the corrected complaint now counts
    assert sum(f.points for f in service.explain_grade(session, eid).factors) == grade.score


def test_the_shipped_model_reads_no_json_and_scores_from_the_column(session: Session, clock: FixedClock) -> None:
    eid = _company(session, 32)
    _row, doc = service.model_in_force(session)
    dialect = session.get_bind().dialect
    for restricted in (False, True):
        select_, _dates = repository.scoring_select(doc, dialect.name, restricted)
        sql = str(select_.compile(dialect=dialect))
        assert "outcome" in sql and "JCJG" not in sql and "CLJG" not in sql and "LXZT" not in sql
    service.evaluate_all(session, actor=ACTOR)
    grade = service.current_grade(session, eid)
    assert grade is not None and grade.score == 690
    # A row whose outcome was never filled (what migration 0019 repairs) is not scored by its JSON any more.
    session.execute(update(CreditRecord).where(CreditRecord.item_code == "inspection").values(outcome=None))
    service.evaluate_subjects(session, [eid], actor=ACTOR)
    grade = service.current_grade(session, eid)
    assert grade is not None and grade.score == 680


def test_a_model_field_the_writer_does_not_keep_is_read_from_the_json(session: Session, clock: FixedClock) -> None:
    eid = _company(session, 33)
    other = _company(session, 34)
    session.execute(
        update(CreditRecord)
        .where(CreditRecord.entity_id == other, CreditRecord.item_code == "inspection")
        .values(fields={"JCFS": "重点检查", "JCJG": "未发现问题", "WSH": "x"})
    )
    raw = json.loads(resources.files("xinyong.evaluation").joinpath("data", "model-2026.1.json").read_text("utf-8"))
    raw.update(version="2026.7", effective_from="2026-11-01")
    supervision = next(d for d in raw["dimensions"] if d["code"] == "supervision")
    supervision["indicators"].append(
        {
            "code": "random_inspection",
            "name": "双随机抽查",
            "kind": "records",
            "items": ["inspection"],
            "field": {"field": "JCFS", "in": ["双随机抽查"]},
            "points_each": -7,
            "cap": -70,
            "decay": "standard",
        }
    )
    service.publish_model(session, json.dumps(raw).encode(), actor=ACTOR)
    _row, doc = service.model_in_force(session)
    added = next(i for _d, i in doc.indicators() if i.code == "random_inspection")
    clean = next(i for _d, i in doc.indicators() if i.code == "inspection_clean")
    assert engine.reads_json(added) and not engine.reads_json(clean)
    service.evaluate_all(session, actor=ACTOR)
    scores = {e: service.current_grade(session, e) for e in (eid, other)}
    assert {e: g.score for e, g in scores.items() if g} == {eid: 690 - 7, other: 690}
    assert sum(f.points for f in service.explain_grade(session, eid).factors) == 683
    # The one-entity path takes the same route.
    session.execute(
        update(CreditRecord)
        .where(CreditRecord.entity_id == other, CreditRecord.item_code == "inspection")
        .values(outcome=None)
    )
    service.evaluate_subjects(session, [eid, other], actor=ACTOR)
    assert [service.current_grade(session, e).score for e in (eid, other)] == [683, 680]  # type: ignore[union-attr]


def test_a_condition_is_read_from_the_column_only_when_the_column_can_answer_it() -> None:
    assert covers(["inspection"], "JCJG", ["未发现问题"])
    assert not covers(["inspection"], "JCFS", ["双随机抽查"])  # another field of the item
    assert not covers(["inspection", "interview"], "JCJG", ["未发现问题"])  # an item that keeps nothing
    assert not covers(["complaint"], "CLJG", ["属" * (OUTCOME_MAX + 1)])  # a value too long to have been copied
    assert not covers([], "JCJG", ["未发现问题"])


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0019", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_0019_fills_the_column_for_existing_records(session: Session, clock: FixedClock) -> None:
    eid = _company(session, 35)
    action(session, "honour", code(35), "密市荣〔2026〕35号", date(2026, 5, 1))
    before = _outcomes_all(session)
    session.execute(update(CreditRecord).values(outcome=None))
    with Operations.context(MigrationContext.configure(session.connection())):
        _migration()._backfill()
    session.expire_all()
    assert _outcomes_all(session) == before
    assert before[("密市监诉〔2026〕35-1号", 1)] == "属实" and before[("密市荣〔2026〕35号", 1)] is None
    service.evaluate_all(session, actor=ACTOR)
    assert service.current_grade(session, eid).score == 690 + 30  # type: ignore[union-attr]


def _outcomes_all(session: Session) -> dict[tuple[str, int], str | None]:
    rows = session.execute(select(CreditRecord.document_number, CreditRecord.version, CreditRecord.outcome))
    return {(doc, version): outcome for doc, version, outcome in rows}


def test_every_demo_writer_fills_the_column(db: Database, clock: FixedClock) -> None:
    """The demo city's records (written straight into the table, and by the commitments and inspections demos)."""
    demo.generate(db, entities=120, secret_key=TEST_SECRET, records_per_entity=3.0)
    with db.session(write=False) as s:
        rows = s.execute(
            select(CreditRecord.item_code, CreditRecord.fields, CreditRecord.outcome).where(
                CreditRecord.item_code.in_(list(OUTCOME_FIELDS))
            )
        ).all()
    assert {item for item, _f, _o in rows} >= {"inspection"}
    assert [(item, outcome) for item, fields, outcome in rows] == [
        (item, outcome_of(item, fields)) for item, fields, _o in rows
    ]
    assert any(outcome for _i, _f, outcome in rows)
