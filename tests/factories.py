"""The one home of the test factories: codes, actors, companies, penalties, matters, commitments, lists, repairs.

Each builder is defined here once; the per-domain ``support`` modules (``tests.commitments.support``,
``tests.repair.support``, ``tests.lists.support``, ``tests.evaluation.support``, ``tests.ingestion.samples``) re-export
the names their tests import.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import TEST_SECRET

from xinyong.catalog import service as catalog_service
from xinyong.commitments import service as commitments_service
from xinyong.commitments.models import Commitment, CommitmentMatter
from xinyong.core.audit import Actor
from xinyong.core.clock import CHINA_TZ, FixedClock
from xinyong.core.crypto import get_cipher
from xinyong.core.identifiers import make_uscc, resident_id_check_char
from xinyong.education import service as education_service
from xinyong.ingestion import service as ingestion_service
from xinyong.lists import service as lists_service
from xinyong.lists.models import ListEntry
from xinyong.records import service as records_service
from xinyong.records.models import CreditRecord
from xinyong.subjects import service as subjects_service
from xinyong.subjects.models import Department, Entity

# ---------------------------------------------------------------------------------------------------------- actors

OPERATOR = Actor(label="op-scjg", department_code="scjg", role="operator")
REVIEWER = Actor(label="rev-scjg", department_code="scjg", role="reviewer")
OTHER_DEPT = Actor(label="rev-zjj", department_code="zjj", role="reviewer")
ACTOR = OPERATOR  # the market regulation bureau's operator, who records most things in the tests
SYSTEM = Actor.system("test")
CIPHER = get_cipher(TEST_SECRET)
TODAY = "2026-11-28"
AUTHORITY = "112303820023820061"  # 密山市市场监督管理局 (the demo department's code)
SHOP = "92230382MA1C00018L"  # a 个体工商户 code (valid)

# ----------------------------------------------------------------------------------------------- codes and numbers


def company_code(n: int) -> str:
    """A valid enterprise USCC in Mishan, distinct for each n."""
    return make_uscc("9", "1", "230382", "MA" + format(n, "06d"))


def person_id(n: int) -> str:
    """A valid resident ID number (born 1980-01-01 in Mishan), distinct for each n."""
    first = f"23038219800101{n:03d}"
    return first + resident_id_check_char(first)


def dept_id(session: Session, code: str = "scjg") -> int:
    """The id of a department by code."""
    return subjects_service.department_by_code(session, code).id


def department(session: Session, code: str) -> Department:
    """A department by code."""
    return subjects_service.department_by_code(session, code)


def set_day(clock: FixedClock, year: int, month: int, day: int) -> None:
    """Move the fixed clock to 10:00 China time on a day."""
    clock._at = datetime(year, month, day, 10, 0, tzinfo=CHINA_TZ)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------ penalty rows and files

HEADERS_CODE = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_FRDB",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_JDRQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
]
HEADERS_CN = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
]


def row(n: int, **overrides: str) -> dict[str, str]:
    """One valid penalty row (by field code) about company n."""
    values = {
        "CF_XDR_MC": f"密山市兴凯食品有限公司{n}",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": company_code(n),
        "CF_FRDB": "王建国",
        "CF_WSH": f"密市监罚〔2026〕{n}号",
        "CF_WFXW": "销售不符合食品安全标准的食品",
        "CF_SY": "经查，当事人销售过期食品。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
        "CF_CFLB": "警告、罚款",
        "CF_NR": "警告，并处罚款2000元",
        "CF_NR_FK": "0.2",
        "CF_JDRQ": "2026-11-20",
        "CF_CFJG": "密山市市场监督管理局",
        "CF_CFJGDM": AUTHORITY,
        "CF_SJLY": "密山市市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
    }
    values.update(overrides)
    return values


def write_csv(path: Path, rows: list[dict[str, str]], *, chinese: bool = False, encoding: str = "utf-8-sig") -> Path:
    """Write rows as a CSV with code or Chinese headers."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS_CN if chinese else HEADERS_CODE)
    for r in rows:
        writer.writerow([r.get(code, "") for code in HEADERS_CODE])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def json_fields(n: int, **overrides: Any) -> dict[str, Any]:
    """One penalty as the JSON API takes it."""
    values: dict[str, Any] = dict(row(n))
    values.update(overrides)
    return values


def shop_penalty(n: int = 15, **overrides: Any) -> dict[str, Any]:
    """The typed values of penalty decision 密市监罚〔2026〕n号 against a barbecue shop (个体工商户), a warning and a
    fine of 2,000 yuan decided 2026-09-29, as ``records.service.store`` takes them."""
    values: dict[str, Any] = {
        "CF_XDR_MC": "密山市老王烧烤店",
        "CF_XDR_LB": "个体工商户",
        "CF_XDR_SHXYM": SHOP,
        "CF_WSH": f"密市监罚〔2026〕{n}号",
        "CF_WFXW": "未按规定公示食品经营许可",
        "CF_SY": "经查……",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十六条",
        "CF_CFLB": ["警告", "罚款"],
        "CF_NR": "警告并处罚款2000元",
        "CF_NR_FK": Decimal("0.2"),
        "CF_JDRQ": date(2026, 9, 29),
        "CF_CFJG": "密山市市场监督管理局",
        "CF_CFJGDM": AUTHORITY,
        "CF_SJLY": "密山市市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
    }
    values.update(overrides)
    return values


# ------------------------------------------------------------------------------------------- companies and records


def entity(session: Session, n: int = 1, category: str = "法人及非法人组织") -> Entity:
    """A registered company."""
    return subjects_service.create_entity(
        session,
        actor=ACTOR,
        uscc=company_code(n),
        name=f"密山市兴凯食品有限公司{n}",
        category=category,
        entity_type="企业",
        region_code="230382",
    )


def entity_by_code(session: Session, uscc: str, *, registered: date | None = None, status: str | None = None) -> Entity:
    """The entity with this code (registered by a first record), with attributes set for the test."""
    found = session.execute(select(Entity).where(Entity.uscc == uscc)).scalar_one()
    if registered is not None:
        found.registered_on = registered
    if status is not None:
        found.status = status
    session.flush()
    return found


def penalty(session: Session, n: int = 1, **overrides: Any) -> CreditRecord:
    """A penalty against company n, submitted through ingestion: by default a general one (a fine of 5,000 yuan)
    decided 2026-03-02; ``overrides`` are field codes (``CF_CFLB``, ``CF_JDRQ`` …)."""
    defaults = {"CF_CFLB": "罚款", "CF_NR": "罚款5000元", "CF_NR_FK": "0.5", "CF_JDRQ": "2026-03-02"}
    fields = json_fields(n, **{**defaults, **overrides})
    result, _spec = ingestion_service.submit_one(
        session, kind="penalty", fields=fields, department_code="scjg", actor=ACTOR, cipher=CIPHER
    )
    return result.record


def list_entry(session: Session, n: int, item: str = "serious_list") -> CreditRecord:
    """A list-entry record (e.g. the serious-dishonesty list) for company n."""
    fields = {
        "XDR_MC": f"密山市兴凯食品有限公司{n}",
        "XDR_LB": "法人及非法人组织",
        "XDR_SHXYM": company_code(n),
        "FRDB": "王建国",
        "WSH": f"密市监严〔2026〕{n}号",
        "NR": "列入严重违法失信名单",
        "JDRQ": "2026-10-09",
        "JDJG": "密山市市场监督管理局",
        "JDJGDM": AUTHORITY,
        "SJLY": "密山市市场监督管理局",
        "SJLYDM": AUTHORITY,
    }
    result, _spec = ingestion_service.submit_one(
        session, kind=item, fields=fields, department_code="scjg", actor=ACTOR, cipher=CIPHER
    )
    return result.record


def store_record(
    session: Session, kind: str, values: dict[str, Any], dept: str = "scjg"
) -> records_service.StoreResult:
    """Store typed values of a catalogue item straight through the records service (no ingestion)."""
    item, spec = catalog_service.item_for(session, kind)
    return records_service.store(
        session,
        item=item,
        spec=spec,
        department=subjects_service.department_by_code(session, dept),
        values=values,
        provenance=records_service.Provenance(actor=SYSTEM),
        cipher=CIPHER,
    )


def penalty_decision(
    session: Session, uscc: str, doc: str, decided: date, categories: list[str], *, dept: str = "scjg"
) -> records_service.StoreResult:
    """Store a penalty decision through the records service (severity follows the penalty categories)."""
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
    return store_record(session, "penalty", values, dept)


def action(
    session: Session, kind: str, uscc: str, doc: str, decided: date, *, dept: str = "scjg", **extra: Any
) -> records_service.StoreResult:
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
    return store_record(session, kind, values, dept)


# -------------------------------------------------------------------------------------- matters and commitments


def matter(session: Session, code: str = "SCJG-SPJY", **overrides: Any) -> CommitmentMatter:
    """A market-regulation matter (food business licence by commitment) unless overridden."""
    values: dict[str, Any] = {
        "code": code,
        "name": "食品经营许可（告知承诺）",
        "department": "scjg",
        "matter_kind": "approval",
        "commitment_type": "审批替代型",
        "standard_text": "本单位承诺已具备食品经营许可的全部条件，所提交材料真实有效。",
        "breach_liability": "承诺不实或未履行的，撤销许可并记入信用记录。",
        "verification_working_days": 20,
    }
    values.update(overrides)
    return commitments_service.save_matter(session, values=values, actor=ACTOR)


def commitment_values(m: CommitmentMatter, n: int = 1, **overrides: Any) -> dict[str, Any]:
    """Every national-template field of a commitment by company n under the matter."""
    out: dict[str, Any] = {
        "matter": m.code,
        "committer_category": "法人及非法人组织",
        "committer_name": f"密山市兴凯食品有限公司{n}",
        "committer_code": company_code(n),
        "legal_rep": "王建国",
        "reason": m.name,
        "content": m.standard_text,
        "liability": m.breach_liability,
        "made_on": TODAY,
        "openness": "可向社会公开",
    }
    out.update(overrides)
    return out


def commit(session: Session, m: CommitmentMatter, n: int = 1, **overrides: Any) -> Any:
    """A commitment accepted by the matter's department."""
    return commitments_service.create_commitment(
        session,
        values=commitment_values(m, n, **overrides),
        channel="department",
        actor=ACTOR,
        cipher=CIPHER,
        department_id=m.department_id,
    )


# -------------------------------------------------------------------------------------------------------- repair


def repair_matter(session: Session) -> Any:
    """The market-regulation matter for repair commitments."""
    return commitments_service.matter_by_code(session, "SCJG-XYXF") or matter(
        session,
        code="SCJG-XYXF",
        name="行政处罚信息信用修复承诺",
        commitment_type="信用修复型",
        standard_text="本单位已履行行政处罚决定规定的义务，纠正了失信行为，承诺今后守法经营。",
        breach_liability="承诺不实的，撤销信用修复，恢复公示并记入信用记录。",
    )


def sign_repair(session: Session, record: CreditRecord, n: int = 1, made_on: str = TODAY) -> Commitment:
    """Company n signs a 信用修复型 commitment for the record."""
    return commit(session, repair_matter(session), n, related_record=record.id, made_on=made_on)  # type: ignore[no-any-return]


def train(session: Session, company: Entity, on: date = date(2026, 11, 20)) -> None:
    """Company completes the repair training."""
    education_service.record_completion(
        session, course_code="XF-PX", completed_on=on, actor=ACTOR, entity_id=company.id
    )


# --------------------------------------------------------------------------------------------------------- lists


def company_with_basis(session: Session, n: int = 1) -> tuple[Any, Any]:
    """A company and a penalty against it (the basis of a listing)."""
    company = entity(session, n)
    return company, penalty(session, n)


def proposal_values(n: int = 1, basis: list[int] | None = None, **overrides: Any) -> dict[str, Any]:
    """A serious-dishonesty proposal for company n naming its legal representative."""
    values: dict[str, Any] = {
        "list_type": "serious",
        "subject": company_code(n),
        "reason": "食品生产中违法添加非食用物质，被处以从重罚款并吊销许可证",
        "legal_basis": "《市场监督管理严重违法失信名单管理办法》第九条",
        "basis_records": basis or [],
        "responsible": [{"role": "legal_rep", "name": "王建国", "id_number": person_id(n)}],
    }
    values.update(overrides)
    return values


def propose(session: Session, n: int = 1, **overrides: Any) -> ListEntry:
    """A proposal by the market regulation bureau."""
    _company, basis = company_with_basis(session, n)
    return lists_service.propose(
        session,
        values=proposal_values(n, [basis.id], **overrides),
        department_id=dept_id(session),
        actor=OPERATOR,
        cipher=CIPHER,
    )


def to_published(session: Session, clock: FixedClock, entry: ListEntry) -> ListEntry:
    """Notice, let the statement window pass, decide and publish."""
    d = dept_id(session)
    lists_service.give_notice(
        session, entry_id=entry.id, document="密市监告〔2026〕1号", department_id=d, actor=OPERATOR
    )
    assert entry.statement_until is not None
    set_day(clock, entry.statement_until.year, entry.statement_until.month, entry.statement_until.day)
    clock.advance(days=1)
    lists_service.decide(
        session,
        entry_id=entry.id,
        approve=True,
        note="符合列入条件",
        document_number="密市监严〔2026〕1号",
        department_id=d,
        actor=REVIEWER,
    )
    return lists_service.publish(session, entry_id=entry.id, department_id=d, actor=REVIEWER, cipher=CIPHER)


def ban_values(**overrides: Any) -> dict[str, Any]:
    """An industry ban on company 3 and its principal (five years in food business), as the bans service takes it."""
    values: dict[str, Any] = {
        "subject": company_code(3),
        "scope": "industry",
        "domain": "food_drugs",
        "content": "五年内不得从事食品生产经营管理工作",
        "basis": "《中华人民共和国食品安全法》第一百三十五条",
        "document_number": "密市监罚〔2026〕88号",
        "starts_on": "2026-11-01",
        "ends_on": "2031-10-31",
        "responsible": [{"role": "principal", "name": "李强", "id_number": person_id(3)}],
    }
    values.update(overrides)
    return values
