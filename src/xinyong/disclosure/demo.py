"""Synthetic credit records for the demo city and the portal benchmark (bulk, deterministic by seed).

Records are written straight into ``credit_record`` (plain multi-row inserts, no ORM), with the publicity window
computed by the same rules engine as real submissions (decisions cached by their inputs, so millions of records
stay feasible). Natural persons appear as subjects of licences and penalties (penalties on persons are not
published under the shipped regimes) with their ID numbers masked in the stored fields, as real ingestion does.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

import orjson
from sqlalchemy import Table, insert, text

from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.calendar import get_calendar
from xinyong.core.clock import get_clock
from xinyong.core.db import Database
from xinyong.core.errors import DomainError
from xinyong.disclosure import service as disclosure
from xinyong.records import chain as record_chain
from xinyong.records.models import RecordEvent
from xinyong.records.outcome import outcome_of

# item code -> (records per entity on average, departments that decide it)
_MIX: dict[str, tuple[float, tuple[str, ...]]] = {
    "license": (0.45, ("scjg", "wjj", "zjj", "jtj", "wtlj", "yjj", "nyj", "sthj")),
    "penalty": (0.16, ("scjg", "wjj", "zjj", "jtj", "yjj", "sthj", "sw", "nyj", "wtlj")),
    "inspection": (0.10, ("scjg", "yjj", "wjj", "sthj", "zjj")),
    "coercion": (0.015, ("scjg", "sw", "sthj")),
    "confirmation": (0.015, ("rsj", "nyj", "zjj")),
    "levy": (0.01, ("sw", "zjj")),
    "payment": (0.01, ("rsj", "mzj", "nyj")),
    "adjudication": (0.003, ("zjj", "nyj")),
    "compensation": (0.003, ("zjj", "nyj")),
    "reward": (0.015, ("scjg", "fgj", "swj")),
    "judgment_debtor": (0.012, ("fy",)),
    "abnormal_list": (0.03, ("scjg",)),
    "serious_list": (0.004, ("scjg", "sw", "yjj")),
    "red_list": (0.01, ("ysj", "sw")),
    "honour": (0.01, ("ysj", "scjg", "swj")),
    "complaint": (0.03, ("scjg", "wjj")),  # government-only: never on the portal
    "key_attention": (0.005, ("ysj",)),  # government-only
}
_PENALTIES = (
    (("警告",), None, "未按规定公示年度报告", "《企业信息公示暂行条例》第八条"),
    (("罚款",), "0.05", "未按规定明码标价", "《明码标价和禁止价格欺诈规定》第二十一条"),
    (("罚款",), "0.3", "经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条"),
    (("罚款", "没收违法所得"), "1.2", "销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条"),
    (("罚款",), "2", "未按规定开展安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条"),
    (("罚款",), "0.5", "消防设施未保持完好有效", "《中华人民共和国消防法》第六十条"),
    (("罚款",), "0.8", "未取得排污许可证排放污染物", "《排污许可管理条例》第三十三条"),
    (("警告", "罚款"), "0.2", "未按规定办理变更登记", "《中华人民共和国市场主体登记管理条例》第四十六条"),
    (("吊销许可证件",), None, "以欺骗手段取得许可", "《中华人民共和国行政许可法》第七十九条"),
    (("责令停产停业", "罚款"), "5", "特种设备未经定期检验继续使用", "《中华人民共和国特种设备安全法》第八十四条"),
    (("罚款",), "0.6", "销售未经注册的医疗器械", "《医疗器械监督管理条例》第八十六条"),
)
_LICENSES = (
    ("食品经营许可证", "食品经营许可", "JY1230382"),
    ("卫生许可证", "公共场所卫生许可", "密卫公字"),
    ("建筑工程施工许可证", "建筑工程施工许可", "230382"),
    ("道路运输经营许可证", "道路普通货物运输", "黑交运管许可鸡字"),
    ("排污许可证", "排污许可", "91230382"),
    ("危险化学品经营许可证", "危险化学品经营（不带储存）", "黑鸡危化经字"),
    ("营业性演出许可证", "营业性演出", "230382"),
    ("农药经营许可证", "农药经营", "农药经许（黑）"),
)
_ACTION_TEXT = {
    "inspection": ("双随机抽查：检查经营场所及经营资质", "未发现问题"),
    "coercion": ("查封涉案物品", "依法查封"),
    "confirmation": ("确认工伤认定事项", "予以确认"),
    "levy": ("征收城市基础设施配套费", "已征收"),
    "payment": ("发放稳岗补贴", "已发放"),
    "adjudication": ("林地权属争议裁决", "已裁决"),
    "compensation": ("征收土地补偿", "已补偿"),
    "reward": ("授予“守合同重信用”企业称号并奖励", "已奖励"),
    "abnormal_list": ("未按规定报送年度报告，列入经营异常名录", ""),
    "serious_list": ("因严重违法失信行为，列入严重失信主体名单", ""),
    "red_list": ("纳税信用A级纳税人，列入守信激励名单", ""),
    "honour": ("获评“诚信经营示范单位”", ""),
    "complaint": ("消费者投诉：商品质量问题", "已调解"),
    "key_attention": ("列为重点关注对象", ""),
}
_SHORT = {
    "scjg": "市监",
    "wjj": "卫健",
    "zjj": "住建",
    "jtj": "交通",
    "yjj": "应急",
    "sthj": "环",
    "sw": "税",
    "nyj": "农",
    "wtlj": "文旅",
    "rsj": "人社",
    "mzj": "民",
    "fgj": "发改",
    "swj": "商",
    "ysj": "信用",
    "fy": "法",
}


def item_rules(session: Any, today: date) -> dict[str, tuple[int, str, int | None]]:
    """The catalogue items in force on a day: code → (item id, publicity rule, deadline in working days)."""
    version = session.execute(
        text("SELECT id FROM catalog_version WHERE effective_from <= :d ORDER BY effective_from DESC LIMIT 1"),
        {"d": today},
    ).scalar_one()
    return {
        code: (item_id, rule, days)
        for item_id, code, rule, days in session.execute(
            text("SELECT id, code, publicity_rule, deadline_working_days FROM catalog_item WHERE version_id = :v"),
            {"v": version},
        )
    }


@dataclass(frozen=True)
class DemoRecords:
    """What the generator wrote."""

    records: int
    published: int
    seconds: float


@lru_cache(maxsize=200_000)
def _window(
    item: str,
    rule: str,
    category: str,
    decided: date,
    cats: tuple[str, ...],
    fine: str | None,
    basis: str,
    valid_until: date | None,
) -> tuple[date | None, date | None, str | None]:
    fields: dict[str, Any] = {}
    if rule == "penalty":
        fields = {"CF_CFLB": list(cats), "CF_NR_FK": fine, "CF_YJ": basis}
    elif rule == "license":
        fields = {"XK_YXQZ": decided.isoformat(), "XK_YXQZI": valid_until.isoformat() if valid_until else None}
    elif item == "judgment_debtor":
        fields = {"FBRQ": decided.isoformat()}
    try:
        d = disclosure.decide_for(item, rule, category, decided, fields)
    except DomainError:
        return None, None, None
    return (d.start, d.max_end, d.severity) if d.published else (None, None, d.severity)


def generate_records(
    db: Database,
    *,
    per_entity: float = 1.0,
    seed: int = 20210407,
    years: int = 3,
    chunk: int = 20_000,
    first_entity_id: int = 0,
    progress: Callable[[int], None] | None = None,
) -> DemoRecords:
    """Add about ``per_entity`` records for each existing entity (decisions over the last ``years`` years)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = get_clock().today()
    submitted = get_clock().now().astimezone(UTC)
    now = submitted.replace(tzinfo=None)
    with db.session() as session:
        cal = get_calendar(session)
        depts: dict[str, int] = {}
        dept_names: dict[str, str] = {}
        for c, i, n in session.execute(text("SELECT code, id, name FROM department")):
            depts[c], dept_names[c] = i, n
        items = item_rules(session, today)
        entities = session.execute(
            text(
                "SELECT e.id, e.uscc, e.name, e.category, p.name, p.id_masked FROM entity e "
                "LEFT JOIN subject_relation r ON r.entity_id = e.id AND r.role = 'legal_rep' "
                "LEFT JOIN person p ON p.id = r.person_id WHERE e.id >= :first ORDER BY e.id"
            ),
            {"first": first_entity_id},
        ).all()
        persons = session.execute(text("SELECT id, name, id_masked FROM person ORDER BY id LIMIT 50000")).all()
        start_id = int(session.execute(text("SELECT coalesce(max(id), 0) FROM credit_record")).scalar_one()) + 1
    codes = [c for c in _MIX if c in items]
    weights = [_MIX[c][0] for c in codes]
    span_days = 365 * years
    first_day = today - timedelta(days=span_days)
    deadlines: dict[date, date | None] = {}
    seq = [start_id]
    written = published = 0
    cols = (
        "id, item_id, item_code, subject_kind, entity_id, person_id, subject_name, subject_category, department_id, "
        "document_number, decision_date, fields, content_hash, severity, status, version, is_current, "
        "publication_deadline, submitted_at, on_time, publicity_from, publicity_until, chain_seq, chain_prev, "
        "chain_hash, outcome"
    )
    marks = ", ".join(f":{c.strip()}" for c in cols.split(","))
    insert_sql = text(f"INSERT INTO credit_record ({cols}) VALUES ({marks})")
    import json

    def one(entity: Any, person: Any | None) -> dict[str, Any]:
        code = rng.choices(codes, cum_weights=None, weights=weights)[0]
        item_id, rule, wdays = items[code]
        dept = rng.choice(_MIX[code][1])
        decided = first_day + timedelta(days=int(rng.random() * span_days))
        if decided.weekday() >= 5:
            decided -= timedelta(days=decided.weekday() - 4)
        rid = seq[0]
        seq[0] += 1
        doc = f"密{_SHORT.get(dept, dept)}{'罚' if code == 'penalty' else '字'}〔{decided.year}〕{rid}号"
        if person is not None:
            kind, name, category, uscc, masked = "person", person[1], "自然人", None, person[2]
        else:
            kind, name, uscc, masked = "entity", entity[2], entity[1], None
            category = entity[3] if entity[3] in ("个体工商户",) else "法人及非法人组织"
        base: dict[str, Any] = {"XDR_MC": name, "XDR_LB": category}
        if uscc:
            base["XDR_SHXYM"] = uscc
            if entity[4]:
                base["FRDB"] = entity[4]
        else:
            base.update({"XDR_ZJLX": "身份证", "XDR_ZJHM": masked})
        cats: tuple[str, ...] = ()
        fine = None
        basis = ""
        valid_until = None
        if code == "penalty":
            cats, fine, conduct, basis = _PENALTIES[int(rng.random() * len(_PENALTIES))]
            fields = {k.replace("XDR_", "CF_XDR_") if k.startswith("XDR_") else f"CF_{k}": v for k, v in base.items()}
            fields.update(
                {
                    "CF_WSH": doc,
                    "CF_WFXW": conduct,
                    "CF_SY": f"当事人{conduct}，经查证属实。",
                    "CF_YJ": basis,
                    "CF_CFLB": list(cats),
                    "CF_NR": "、".join(cats) + (f"，罚款{fine}万元" if fine else ""),
                    "CF_NR_FK": fine,
                    "CF_JDRQ": decided.isoformat(),
                    "CF_CFJG": dept_names[dept],
                }
            )
        elif code == "license":
            cert, content, prefix = _LICENSES[int(rng.random() * len(_LICENSES))]
            valid_until = decided + timedelta(days=365 * rng.choice((1, 3, 5)))
            fields = {k.replace("XDR_", "XK_XDR_") if k.startswith("XDR_") else f"XK_{k}": v for k, v in base.items()}
            fields.update(
                {
                    "XK_XKWS": f"{cert}准予许可决定书",
                    "XK_WSH": doc,
                    "XK_XKLB": "普通",
                    "XK_XKZS": cert,
                    "XK_XKBH": f"{prefix}{rid:08d}",
                    "XK_NR": content,
                    "XK_JDRQ": decided.isoformat(),
                    "XK_YXQZ": decided.isoformat(),
                    "XK_YXQZI": valid_until.isoformat(),
                    "XK_ZT": "1",
                }
            )
        elif code == "judgment_debtor":
            fields = {
                **base,
                "AH": f"（{decided.year}）黑0382执{rid % 9000 + 100}号",
                "ZXFY": "密山市人民法院",
                "LARQ": (decided - timedelta(days=90)).isoformat(),
                "SXYW": "给付货款及利息",
                "LXQK": "全部未履行",
                "SXQX": "有履行能力而拒不履行生效法律文书确定义务",
                "FBRQ": decided.isoformat(),
            }
        else:
            what, result = _ACTION_TEXT.get(code, ("", ""))
            fields = {**base, "WSH": doc, "NR": what, "JDRQ": decided.isoformat(), "JDJG": dept_names[dept]}
            if code == "inspection":
                fields.update({"JCFS": "双随机抽查", "JCJG": result})
        start, until, severity = _window(code, rule, category, decided, cats, fine, basis, valid_until)
        if decided not in deadlines:
            try:
                deadlines[decided] = cal.add_working_days(decided, wdays or 7)
            except DomainError:
                deadlines[decided] = None
        deadline = deadlines[decided] if wdays else None
        r = rng.random()
        status = "disputed" if r < 0.01 else "revoked" if r < 0.015 else "valid"
        payload = json.dumps(fields, ensure_ascii=False)
        return {
            "id": rid,
            "item_id": item_id,
            "item_code": code,
            "subject_kind": kind,
            "entity_id": entity[0] if person is None else None,
            "person_id": person[0] if person is not None else None,
            "subject_name": name,
            "subject_category": category,
            "department_id": depts[dept],
            "document_number": doc,
            "decision_date": decided,
            "fields": payload,
            "content_hash": hashlib.sha256(payload.encode()).hexdigest(),
            "severity": severity,
            "status": status,
            "version": 1,
            "is_current": True,
            "publication_deadline": deadline,
            "submitted_at": now,
            "on_time": True if deadline else None,
            "publicity_from": start,
            "publicity_until": until,
            "outcome": outcome_of(code, fields),
        }

    batch: list[dict[str, Any]] = []
    mean = per_entity

    def _chain_values(b: dict[str, Any], submitted: datetime) -> list[Any]:
        values = [b.get(c) for c in record_chain.HASHED_COLUMNS]
        values[record_chain.FIELDS_POSITION] = record_chain.canonical_fields(orjson.loads(b["fields"]))
        values[record_chain.SUBMITTED_POSITION] = submitted
        return values

    def flush() -> None:
        nonlocal written, published
        if not batch:
            return
        with db.write_engine.begin() as conn:
            # Each chunk extends the tamper-evident record chain under its locked head (records/chain.py).
            links = record_chain.extend(conn, [_chain_values(b, submitted) for b in batch])
            for b, (chain_seq, chain_prev, chain_hash) in zip(batch, links, strict=True):
                b.update(chain_seq=chain_seq, chain_prev=chain_prev, chain_hash=chain_hash)
            if db.dialect == "sqlite":
                conn.execute(insert_sql, batch)
            else:
                conn.execute(insert_sql.bindparams(), batch)
            # A demo record that starts 异议中 or 已撤销 has the state event that put it there.
            events = [
                {
                    "record_id": b["id"],
                    "at": submitted,
                    "from_status": "valid",
                    "to_status": b["status"],
                    "reason": "演示数据",
                    "actor": "demo",
                }
                for b in batch
                if b["status"] != "valid"
            ]
            if events:
                conn.execute(insert(cast(Table, RecordEvent.__table__)), events)
        written += len(batch)
        published += sum(1 for b in batch if b["publicity_from"] is not None)
        if progress is not None:
            progress(len(batch))
        batch.clear()

    for entity in entities:
        n = int(mean) + (1 if rng.random() < mean - int(mean) else 0)
        for _ in range(n):
            batch.append(one(entity, None))
        if persons and rng.random() < 0.04 * max(per_entity, 0.2):
            batch.append(one(entity, persons[int(rng.random() * len(persons))]))
        if len(batch) >= chunk:
            flush()
    flush()
    if db.dialect == "postgresql":
        with db.write_engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('credit_record', 'id'), "
                    "(SELECT coalesce(max(id), 1) FROM credit_record))"
                )
            )
    with db.session() as session:
        audit(
            session,
            actor=Actor.system("demo"),
            action="demo.records",
            object_type="credit_record",
            detail={"records": written, "published": published, "seed": seed, "per_entity": per_entity},
        )
    return DemoRecords(written, published, time.perf_counter() - started)
