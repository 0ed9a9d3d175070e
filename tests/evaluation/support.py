"""Helpers for evaluation tests: store real records through the records service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET

from xinyong.catalog import service as catalog
from xinyong.core.audit import Actor
from xinyong.core.crypto import get_cipher
from xinyong.core.identifiers import make_uscc
from xinyong.records import service as records
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Entity

ACTOR = Actor.system("test")
AUTHORITY = "112303820023820061"


def code(n: int) -> str:
    """A valid enterprise USCC in Mishan, distinct for each n."""
    return make_uscc("9", "1", "230382", "MA" + format(n, "06d"))


def penalty(
    session: Session, uscc: str, doc: str, decided: date, categories: list[str], *, dept: str = "scjg"
) -> records.StoreResult:
    """Store a penalty decision (severity follows the penalty categories)."""
    values: dict[str, Any] = {
        "CF_XDR_MC": f"密山市测试企业{uscc[-6:]}",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": uscc,
        "CF_WSH": doc,
        "CF_WFXW": "违法行为",
        "CF_SY": "经查……",
        "CF_YJ": "有关法律",
        "CF_CFLB": categories,
        "CF_NR": "处罚内容",
        "CF_JDRQ": decided,
        "CF_CFJG": "密山市市场监督管理局",
        "CF_CFJGDM": AUTHORITY,
        "CF_SJLY": "密山市市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
    }
    if "罚款" in categories:
        values["CF_NR_FK"] = Decimal("0.5")
    if "吊销许可证件" in categories:
        values["CF_NR_ZKDX"] = "食品经营许可证 JY123"
    return _store(session, "penalty", values, dept)


def action(
    session: Session, kind: str, uscc: str, doc: str, decided: date, *, dept: str = "scjg", **extra: Any
) -> records.StoreResult:
    """Store a decision of one of the platform-defined items (list entries, complaints, inspections …)."""
    values: dict[str, Any] = {
        "XDR_MC": f"密山市测试企业{uscc[-6:]}",
        "XDR_LB": "法人及非法人组织",
        "XDR_SHXYM": uscc,
        "WSH": doc,
        "NR": "内容",
        "JDRQ": decided,
        "JDJG": "密山市市场监督管理局",
        "JDJGDM": AUTHORITY,
        "SJLY": "密山市市场监督管理局",
        "SJLYDM": AUTHORITY,
        **extra,
    }
    return _store(session, kind, values, dept)


def _store(session: Session, kind: str, values: dict[str, Any], dept: str) -> records.StoreResult:
    item, spec = catalog.item_for(session, kind)
    return records.store(
        session,
        item=item,
        spec=spec,
        department=subjects.department_by_code(session, dept),
        values=values,
        provenance=records.Provenance(actor=ACTOR),
        cipher=get_cipher(TEST_SECRET),
    )


def entity(session: Session, uscc: str, *, registered: date | None = None, status: str | None = None) -> Entity:
    """The entity with this code (registered by a first record), with attributes set for the test."""
    row = session.execute(select(Entity).where(Entity.uscc == uscc)).scalar_one()
    if registered is not None:
        row.registered_on = registered
    if status is not None:
        row.status = status
    session.flush()
    return row
