"""Bulk entity registration on SQLite keeps the name-search index whole, even when a row fails part-way."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from tests.ingestion.samples import company_code

from xinyong.core.db import Database
from xinyong.portal import service as portal
from xinyong.subjects.search_index import insert_entities_sqlite

COLUMNS = ("uscc", "name", "category", "entity_type", "region_code", "status", "created_at", "updated_at")
STAMP = "2026-11-28 02:00:00.000000"


def _row(n: int, name: str) -> tuple[str, ...]:
    return (company_code(n), name, "法人及非法人组织", "有限责任公司", "230382", "存续", STAMP, STAMP)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the FTS5 index exists on SQLite only
def test_a_failing_row_leaves_the_rows_before_it_indexed_and_the_trigger_on(db: Database) -> None:
    rows = [_row(1, "密山市当壁镇兴旺粮食收购站"), _row(2, "密山市黑台镇丰收农机合作社"), _row(1, "重复代码")]
    with db.session() as s:
        raw = s.connection().connection.dbapi_connection
        with pytest.raises(sqlite3.IntegrityError):
            insert_entities_sqlite(raw, COLUMNS, rows)
        # the caller goes on in the same transaction and commits what was stored
    with db.session() as s:
        assert [h.name for h in portal.search(s, "丰收农机").hits] == ["密山市黑台镇丰收农机合作社"]
        assert [h.name for h in portal.search(s, "兴旺粮食").hits] == ["密山市当壁镇兴旺粮食收购站"]
        assert s.execute(text("SELECT deferred FROM search_index_control")).scalar_one() == 0
        s.execute(
            text(
                "INSERT INTO entity (uscc, name, category, entity_type, region_code, status, created_at, updated_at) "
                f"VALUES ('{company_code(3)}', '密山市裴德镇绿源蔬菜合作社', '法人及非法人组织', '农民专业合作社', "
                f"'230382', '存续', '{STAMP}', '{STAMP}')"
            )
        )
    with db.session() as s:  # one row at a time, the trigger indexes as before
        assert [h.name for h in portal.search(s, "绿源蔬菜").hits] == ["密山市裴德镇绿源蔬菜合作社"]
