"""Commitment codes (承诺编码): one serial per division and day, allocated atomically."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from xinyong.commitments.models import CommitmentSerial
from xinyong.commitments.service.rules import load_rules
from xinyong.core.errors import Conflict
from xinyong.core.identifiers import make_commitment_code


def next_code(session: Session, *, day: date, division: str | None = None) -> str:
    """Allocate the next 承诺编码 for the division and day: one atomic upsert, so concurrent writers never collide."""
    division = division or load_rules().division_code
    table: Table = CommitmentSerial.__table__  # type: ignore[assignment]
    dialect = session.connection().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert_fn(table)
        .values(division=division, day=day, last_serial=1)
        .on_conflict_do_update(index_elements=["division", "day"], set_={"last_serial": table.c.last_serial + 1})
        .returning(table.c.last_serial)
    )
    serial = int(session.execute(stmt).scalar_one())
    if serial > 999_999:
        raise Conflict(f"{day.isoformat()}的承诺编码序号已用尽（每日最多999999个），请次日再办理。")
    return make_commitment_code(division, day, serial)
