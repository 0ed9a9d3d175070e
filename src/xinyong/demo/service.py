"""The demo city: a synthetic, realistic 密山市 with many market entities, their people and demo accounts.

Everything generated is synthetic (the town names are real, villages, streets, trade names and people are
invented) and deterministic for a given seed on a given starting database.

Shape of the data
    * Unified Social Credit Codes valid by GB 32100 and GB 11714 (:func:`make_uscc`), registered at 密山市
      (230382) and a few at 鸡西市 (230300); 9… codes for enterprises (~35 %), 个体工商户 (~60 %) and 农民专业合作社
      (~3 %); N2… 村级集体经济组织, 51…/52… 社会团体/民办非企业单位 and a few Y1… codes.
    * Organisation-code bodies grow with the entity's primary key in gapped series (real codes are issued in
      sequence), so codes never collide with earlier demo runs; a code already in the database is skipped too.
      Post-2015 bodies look like ``MA1B3N1N`` (``MAC…`` for the newest); enterprises registered before the 2015
      reform carry an all-digit body and their old 15-digit 工商注册号 and 9-character 组织机构代码.
    * Each entity has a legal representative (法定代表人, or the 经营者 of a 个体工商户, both role ``legal_rep``);
      about 2 % of those people represent two entities; about a third of limited companies also have a
      ``controller`` (实际控制人).
    * Resident ID numbers are valid by GB 11643 and accepted by ``stdnum.cn.ric`` (the division code is one in
      force in the birth year), unique, stored only encrypted (AES-GCM) with a keyed blind index and a mask.

Speed
    Rows are built in plain Python from precomputed tables and written with the driver directly: SQLite
    ``executemany`` or PostgreSQL ``COPY``, :data:`CHUNK` entities with their people and relations at a time,
    :data:`TX_CHUNKS` chunks per transaction.  Primary keys are assigned here (after the current maximum), so
    relations need no round trip.  Large runs build the rows in a child interpreter while this process writes
    (the 2-core reference machine: 1,000,000 entities in about 50 s on SQLite; see bench/demo_scale.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import random
import subprocess
import sys
import time
import traceback
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts_service
from xinyong.accounts.models import User
from xinyong.core.audit import Actor
from xinyong.core.audit import record as audit
from xinyong.core.clock import get_clock
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.core.errors import Conflict
from xinyong.core.identifiers import (
    USCC_CHARSET,
    make_uscc,
    mask_id_number,
    org_code_check_char,
    resident_id_check_char,
)
from xinyong.subjects import service as subjects_service
from xinyong.subjects.search_index import insert_entities_sqlite

__all__ = [
    "CHUNK",
    "DEMO_PASSWORD",
    "DemoCredential",
    "DemoResult",
    "create_demo_users",
    "generate",
]

DEMO_PASSWORD = "Xinyong@2026"  # satisfies core.security.check_password_strength
CHUNK = 20_000  # entities per write (with their persons and relations)
TX_CHUNKS = 10  # chunks per transaction
PARALLEL_MIN_ENTITIES = 60_000  # from this size rows are built in a child process (on a multi-core machine)
SQLITE_CACHE_KIB = 262_144  # page cache of the writing connection during a run

MISHAN = "230382"
JIXI = "230300"
ID_TYPE = "身份证"

# Departments whose staff include law-enforcement inspectors (besides 市场监管).
INSPECTOR_DEPARTMENTS = ("scjg", "wjj", "yjj", "sthj", "zjj", "jtj", "wtlj", "nyj")

_PROVINCE_CITY = "黑龙江省鸡西市"
_MISHAN_SCJG = "密山市市场监督管理局"
_JIXI_SCJG = "鸡西市市场监督管理局"
_MZJ = "密山市民政局"
_NYJ = "密山市农业农村局"
_ZJJ = "密山市住房和城乡建设局"
_LEGAL = "法人及非法人组织"
_GETI = "个体工商户"


@dataclass(frozen=True)
class DemoCredential:
    """A demo login printed by the CLI."""

    username: str
    password: str
    role: str
    display_name: str
    department_name: str | None


@dataclass(frozen=True)
class DemoResult:
    """What one ``generate`` call wrote."""

    entities: int
    persons: int
    relations: int
    credentials: list[DemoCredential]
    seconds: float


# --------------------------------------------------------------------------------------------------
# Word pools
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pools() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("xinyong.demo").joinpath("data", "pools.json").read_text("utf-8"))
    return data


def _cum(weights: list[float]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _person_name(rng: random.Random, surname: str, male: bool) -> str:
    p = _pools()
    if male:
        first, second = p["given_male_first"], p["given_male_second"]
    else:
        first, second = p["given_female_first"], p["given_female_second"]
    if rng.random() < 0.3:
        return surname + second[int(rng.random() * len(second))]
    return surname + first[int(rng.random() * len(first))] + second[int(rng.random() * len(second))]


# --------------------------------------------------------------------------------------------------
# Demo users
# --------------------------------------------------------------------------------------------------


def create_demo_users(session: Session, *, actor: Actor) -> list[DemoCredential]:
    """Create the demo accounts (all with :data:`DEMO_PASSWORD`) and return those created now.

    Per department an operator (``{code}_operator``) and a reviewer (``{code}_reviewer``); at the credit
    office an administrator (``admin``) and an auditor (``auditor``); inspectors (``{code}_inspector``) at
    市场监管 and the other departments of :data:`INSPECTOR_DEPARTMENTS`; one market-entity user (``entity``,
    linked to a demo company by :func:`generate`) and one industry-association user (``association``).
    Idempotent: an existing username is skipped (and not returned, since its password may have been changed).
    Display names are deterministic.
    """
    departments = subjects_service.list_departments(session)
    office = next((d for d in departments if d.is_credit_office), None)
    plan: list[tuple[str, str, str | None, str | None]] = []  # username, role, department code, name
    if office is not None:
        plan.append(("admin", "admin", office.code, office.name))
        plan.append(("auditor", "auditor", office.code, office.name))
    for dept in departments:
        plan.append((f"{dept.code}_operator", "operator", dept.code, dept.name))
        plan.append((f"{dept.code}_reviewer", "reviewer", dept.code, dept.name))
    by_code = {d.code: d for d in departments}
    for code in INSPECTOR_DEPARTMENTS:
        if code in by_code:
            plan.append((f"{code}_inspector", "inspector", code, by_code[code].name))
    plan.append(("entity", "entity", None, None))
    plan.append(("association", "association", None, None))  # linked to the demo association by oversight.demo

    existing = set(session.execute(select(User.username)).scalars())
    rng = random.Random("xinyong-demo-users")
    surnames = [s for s, _ in _pools()["surnames"]]
    cum = _cum([float(w) for _, w in _pools()["surnames"]])
    created: list[DemoCredential] = []
    for username, role, dept_code, dept_name in plan:
        display_name = _person_name(rng, rng.choices(surnames, cum_weights=cum)[0], rng.random() < 0.6)
        if username in existing:
            continue
        accounts_service.create_user(
            session,
            username=username,
            display_name=display_name,
            password=DEMO_PASSWORD,
            role=role,
            department_code=dept_code,
            actor=actor,
        )
        created.append(DemoCredential(username, DEMO_PASSWORD, role, display_name, dept_name))
    return created


# --------------------------------------------------------------------------------------------------
# Identifier helpers
# --------------------------------------------------------------------------------------------------

_B31 = USCC_CHARSET
_M6 = 31**6
# Codes of ids up to this stay within their series (5-character series: 12*31**4 + 2*id < 31**5).
MAX_ENTITY_ID = 8_000_000
_SERIES_PREFIX = {"5": "MJ", "N": "MF"}  # 民政 and 农业 bodies; others "MB" (demo shapes)


def _b31(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, r = divmod(value, 31)
        out.append(_B31[r])
    return "".join(reversed(out))


def _reg_no_check(first14: str) -> str:
    """ISO 7064 MOD 11,10 check digit of a 15-digit 工商注册号."""
    p = 10
    for ch in first14:
        s = (p % 11) + int(ch)
        p = ((s % 10) or 10) * 2
    return str((11 - p % 11) % 10)


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _birth_division(year: int) -> str:
    """The 密山 division code ``stdnum.cn.ric`` accepts for a birth year (鸡西市 before 1983)."""
    if year >= 1996:
        return "230382"
    if year >= 1989:
        return "231082"
    if year >= 1983:
        return "231026"
    return "230300"


@dataclass(frozen=True)
class _Kind:
    authority: str
    type_code: str
    entity_type: str
    category: str
    weight: float
    industries: tuple[tuple[str, float], ...]


_GETI_INDUSTRIES = (
    ("F", 44),
    ("H", 20),
    ("O", 15),
    ("A", 5),
    ("C", 3),
    ("G", 5),
    ("R", 3),
    ("E", 2),
    ("I", 1),
    ("L", 1),
    ("K", 0.5),
    ("M", 0.2),
    ("P", 0.3),
    ("Q", 0.5),
)
_COMPANY_INDUSTRIES = (
    ("F", 28),
    ("C", 11),
    ("E", 10),
    ("A", 10),
    ("L", 10),
    ("G", 5),
    ("H", 4),
    ("I", 4),
    ("K", 3),
    ("M", 5),
    ("O", 4),
    ("R", 3),
    ("Q", 1.5),
    ("P", 1.5),
)

_KINDS: tuple[_Kind, ...] = (
    _Kind("9", "2", "个体工商户", _GETI, 0.600, _GETI_INDUSTRIES),
    _Kind("9", "1", "有限责任公司", _LEGAL, 0.185, _COMPANY_INDUSTRIES),
    _Kind("9", "1", "有限责任公司（自然人独资）", _LEGAL, 0.085, _COMPANY_INDUSTRIES),
    _Kind("9", "1", "股份有限公司", _LEGAL, 0.006, _COMPANY_INDUSTRIES),
    _Kind("9", "1", "个人独资企业", _LEGAL, 0.060, _COMPANY_INDUSTRIES),
    _Kind("9", "1", "合伙企业", _LEGAL, 0.012, _COMPANY_INDUSTRIES),
    _Kind("9", "3", "农民专业合作社", _LEGAL, 0.030, (("A", 1),)),
    _Kind("N", "2", "农村集体经济组织", _LEGAL, 0.005, (("A", 1),)),
    _Kind("5", "1", "社会团体", _LEGAL, 0.007, (("S", 1),)),
    _Kind("5", "2", "民办非企业单位", _LEGAL, 0.008, (("P", 1),)),
    _Kind("Y", "1", "其他组织", _LEGAL, 0.001, (("S", 1),)),
)

_NONENTERPRISE_INDUSTRY = {
    "民营医院": "Q",
    "康复中心": "Q",
    "养老院": "Q",
    "老年公寓": "Q",
    "社会工作服务中心": "Q",
    "托育中心": "Q",
    "体育俱乐部": "R",
}

# (status, weight) for 个体工商户 and for everything else; entities younger than a year are always live.
_STATUS_GETI = (("存续", 54.0), ("在业", 37.0), ("吊销", 3.0), ("注销", 5.0), ("歇业", 0.8), ("迁出", 0.2))
_STATUS_OTHER = (("存续", 87.0), ("在业", 4.5), ("吊销", 3.0), ("注销", 5.0), ("歇业", 0.2), ("迁出", 0.3))

_REFORM = date(2015, 10, 1)  # 三证合一: from here on new bodies are "MA…"
_MAC_SERIES = date(2023, 7, 1)  # approximate start of the "MAC…" bodies (demo realism only)


# --------------------------------------------------------------------------------------------------
# Row generation
# --------------------------------------------------------------------------------------------------


@dataclass
class _Chunk:
    """The rows of one chunk (ids already assigned) and what they contain."""

    persons: list[tuple[Any, ...]]
    entities: list[tuple[Any, ...]]
    relations: list[tuple[Any, ...]]
    counts: Counter[str]
    first_company_id: int | None


class _CityGenerator:
    """Builds rows chunk by chunk; all randomness comes from one ``random.Random(seed)``."""

    def __init__(
        self,
        *,
        seed: int | str,
        secret_key: str,
        today: date,
        now: datetime,
        taken_usccs: set[str],
        taken_indexes: set[int],
    ) -> None:
        self.rng = random.Random(seed)
        self.cipher = get_cipher(secret_key)
        self.today = today
        self.now_text = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        self.taken_usccs = taken_usccs
        self.taken_indexes = taken_indexes
        p = _pools()
        self.p = p
        # Start of each code series (see _body); MA1B… to MA1X… for the 5-character series.
        self.base5_floor = 11 * 31**4
        self.base5 = self.base5_floor + self.rng.randrange(31**4)
        self.base6 = self.rng.randrange(_M6 // 4)
        self.base8_floor = 10_000_000
        self.base8 = self.base8_floor + self.rng.randrange(10_000_000)
        self.salt = self.rng.getrandbits(32)
        self.kind_cum = _cum([k.weight for k in _KINDS])
        self.industry = [([c for c, _ in k.industries], _cum([w for _, w in k.industries])) for k in _KINDS]
        self.status_geti = ([s for s, _ in _STATUS_GETI], _cum([w for _, w in _STATUS_GETI]))
        self.status_other = ([s for s, _ in _STATUS_OTHER], _cum([w for _, w in _STATUS_OTHER]))
        self.surnames = [s for s, _ in p["surnames"]]
        self.surname_cum = _cum([float(w) for _, w in p["surnames"]])
        towns = p["towns"]
        self.towns = list(towns)
        self.town_cum = _cum([float(towns[t]["weight"]) for t in self.towns])
        self.town_places = [towns[t]["places"] for t in self.towns]
        self.town_urban = [bool(towns[t]["urban"]) for t in self.towns]
        self.villages = [(t, v) for t in self.towns if not towns[t]["urban"] for v in towns[t]["places"]]
        self.jixi = [(d, s) for d, streets in p["jixi_districts"].items() for s in streets]
        # Registration dates: 1995 to today, more each year and a jump after the 2014 商事制度改革.
        self.today_ord = today.toordinal()
        spans: list[tuple[int, int]] = []
        weights: list[float] = []
        for year in range(1995, today.year + 1):
            start = date(year, 1, 1).toordinal()
            end = min(date(year, 12, 31).toordinal(), self.today_ord)
            spans.append((start, end - start + 1))
            w = 1.07 ** (year - 1995) * (1.8 if year >= 2014 else 1.0)
            weights.append(w * (end - start + 1) / 365.0)
        self.year_spans = spans
        self.year_cum = _cum(weights)
        self.min_birth = _years_before(today, 75).toordinal() + 1
        self.max_birth = _years_before(today, 20).toordinal()
        self.reform_ord = _REFORM.toordinal()
        self.mac_ord = _MAC_SERIES.toordinal()
        self._date_text: dict[int, str] = {}
        self._birth: dict[int, tuple[str, str]] = {}
        # People of this run, for reuse as a second legal representative or as a controller.
        self.pool_ids: list[int] = []
        self.pool_births: list[int] = []
        self.pool_names: list[str] = []

    # -- small cached conversions ------------------------------------------------------------------

    def _date(self, ordinal: int) -> str:
        s = self._date_text.get(ordinal)
        if s is None:
            s = self._date_text[ordinal] = date.fromordinal(ordinal).isoformat()
        return s

    def _birth_parts(self, ordinal: int) -> tuple[str, str]:
        parts = self._birth.get(ordinal)
        if parts is None:
            d = date.fromordinal(ordinal)
            parts = self._birth[ordinal] = (d.strftime("%Y%m%d"), _birth_division(d.year))
        return parts

    # -- identifiers -------------------------------------------------------------------------------

    def _body(self, kind: _Kind, entity_id: int, reg_ord: int, attempt: int) -> str:
        """The organisation-code body (positions 9-16) of an entity, from its id.

        Bodies grow with the id in gapped series (as real codes are issued in sequence), so different ids
        never share a body and new codes land at a few points of the unique index instead of all over it.
        A retry (the body is taken by a code not made here) uses a range the series never reach.
        """
        numeric = kind.authority == "9" and reg_ord < self.reform_ord and kind.type_code != "2"
        if attempt == 0:
            jitter = ((entity_id ^ self.salt) * 2_654_435_761 >> 11) & 0xFFFF
            if numeric:
                return f"{self.base8 + 7 * entity_id + jitter % 7:08d}"
            if kind.authority == "9":
                prefix = "MAC" if reg_ord >= self.mac_ord else "MA1"  # the newer "MAC…" series
                return prefix + _b31(self.base5 + 2 * entity_id + jitter % 2, 5)
            return _SERIES_PREFIX.get(kind.authority, "MB") + _b31(self.base6 + 3 * entity_id + jitter % 3, 6)
        h = (entity_id * 1_000_003 + attempt * 7_919_993 + self.salt) & 0xFFFFFFFFFFFF
        if numeric:
            return f"{h % self.base8_floor:08d}"
        if kind.authority == "9":
            return "MA1" + _b31(h % self.base5_floor, 5)
        return _SERIES_PREFIX.get(kind.authority, "MB") + _b31(_M6 // 2 + h % (_M6 // 2), 6)

    def _uscc(self, kind: _Kind, division: str, entity_id: int, reg_ord: int) -> tuple[str, str]:
        attempt = 0
        while True:
            body = self._body(kind, entity_id, reg_ord, attempt)
            code = make_uscc(kind.authority, kind.type_code, division, body)
            if code not in self.taken_usccs:
                if attempt:
                    self.taken_usccs.add(code)  # a shifted body must not be produced again for another id
                return code, body
            attempt += 1

    # -- one chunk ---------------------------------------------------------------------------------

    def chunk(self, n: int, entity_id: int, person_id: int, relation_id: int) -> _Chunk:
        rng = self.rng
        rand = rng.random
        choices = rng.choices
        p = self.p
        zihao = p["zihao"]
        company_words = p["company_words"]
        shop_words = p["shop_words"]
        sole_suffix = p["sole_suffix"]
        crops = p["cooperative_crops"]
        livestock = p["cooperative_livestock"]
        groups = p["social_groups"]
        nonent = p["private_nonenterprise"]
        residential = p["residential"]
        male_first, male_second = p["given_male_first"], p["given_male_second"]
        female_first, female_second = p["given_female_first"], p["given_female_second"]
        towns, town_places, town_urban = self.towns, self.town_places, self.town_urban
        villages, jixi = self.villages, self.jixi
        cipher = self.cipher
        encrypt, blind_index = cipher.encrypt, cipher.blind_index
        taken_indexes = self.taken_indexes
        now_text = self.now_text
        today_ord = self.today_ord
        min_birth, max_birth = self.min_birth, self.max_birth
        pool_ids, pool_births, pool_names = self.pool_ids, self.pool_births, self.pool_names
        counts: Counter[str] = Counter()
        first_company_id: int | None = None
        date_text = self._date
        birth_parts = self._birth_parts

        kinds = choices(range(len(_KINDS)), cum_weights=self.kind_cum, k=n)
        years = choices(self.year_spans, cum_weights=self.year_cum, k=n)
        surnames = choices(self.surnames, cum_weights=self.surname_cum, k=n)
        town_idx = choices(range(len(towns)), cum_weights=self.town_cum, k=n)

        persons: list[tuple[Any, ...]] = []
        entities: list[tuple[Any, ...]] = []
        relations: list[tuple[Any, ...]] = []
        for i in range(n):
            eid = entity_id + i
            kind = _KINDS[kinds[i]]
            auth = kind.authority
            etype = kind.entity_type
            start, span = years[i]
            reg_ord = start + int(rand() * span)
            reg_text = date_text(reg_ord)
            codes, cum = self.industry[kinds[i]]
            industry = codes[0] if len(codes) == 1 else codes[bisect(cum, rand() * cum[-1])]
            # Where: almost all registered in 密山, about 1.5 % of enterprises at 鸡西市.
            jixi_level = auth == "9" and kind.type_code == "1" and rand() < 0.015
            t = town_idx[i]
            town = towns[t]
            places = town_places[t]
            place = places[int(rand() * len(places))]
            if jixi_level:
                district, street = jixi[int(rand() * len(jixi))]
                division, city, authority = JIXI, "鸡西市", _JIXI_SCJG
                address = f"{_PROVINCE_CITY}{district}{street}{int(rand() * 400) + 1}号"
            else:
                division, city = MISHAN, "密山市"
                authority = {"9": _MISHAN_SCJG, "5": _MZJ, "N": _NYJ}.get(auth, _ZJJ)
                address = f"{_PROVINCE_CITY}密山市{town}{place}{int(rand() * (600 if town_urban[t] else 200)) + 1}号"
            # Who: the legal representative (经营者 for 个体工商户), new or (about 2 %) someone already representing
            # another entity.
            surname = surnames[i]
            years_since = (today_ord - reg_ord) / 365.2425
            lo = max(18.5, 20.5 - years_since)
            hi = min(62.0, 74.5 - years_since)
            age = rng.triangular(lo, hi, min(max(36.0, lo), hi))
            rep_id = 0
            if pool_ids and rand() < 0.02:
                j = int(rand() * len(pool_ids))
                if pool_births[j] <= reg_ord - 6_600:  # adult (18) when this entity was registered
                    rep_id = pool_ids[j]
                    rep_name = pool_names[j]
            if not rep_id:
                birth_ord = int(reg_ord - age * 365.2425)
                birth_ord = min(max(birth_ord, min_birth), max_birth)
                ymd, bdiv = birth_parts(birth_ord)
                r = rand()
                if r < 0.08:
                    bdiv = "230300"  # born in 鸡西 proper (code in use every year)
                elif r < 0.11:
                    bdiv = "230100"  # born in 哈尔滨
                male = rand() < 0.68
                while True:
                    seq = int(rand() * 499) + 1
                    seq = seq * 2 - 1 if male else seq * 2  # odd = male, even = female
                    first17 = f"{bdiv}{ymd}{seq:03d}"
                    number = first17 + resident_id_check_char(first17)
                    index = blind_index(number)
                    key = int(index[:15], 16)
                    if key not in taken_indexes:
                        taken_indexes.add(key)
                        break
                if male:
                    g1, g2 = male_first, male_second
                else:
                    g1, g2 = female_first, female_second
                if rand() < 0.3:
                    rep_name = surname + g2[int(rand() * len(g2))]
                else:
                    rep_name = surname + g1[int(rand() * len(g1))] + g2[int(rand() * len(g2))]
                rep_id = person_id
                person_id += 1
                persons.append((rep_id, rep_name, ID_TYPE, encrypt(number), index, mask_id_number(number), now_text))
                pool_ids.append(rep_id)
                pool_births.append(birth_ord)
                pool_names.append(rep_name)
            # What: name, by kind.
            zh = zihao[int(rand() * len(zihao))]
            if etype == "个体工商户":
                fmts = shop_words[industry]
                fmt = fmts[int(rand() * len(fmts))]
                r = rand()
                if r < 0.2:
                    shop = "老" + rep_name[0]
                elif r < 0.4:
                    shop = rep_name[0] + "记"
                elif r < 0.6:
                    shop = rep_name
                else:
                    shop = zh
                where = town if (not town_urban[t] and rand() < 0.6) else ""
                name = f"{city}{where}{shop}{fmt}"
            elif etype.startswith("有限责任公司") or etype == "股份有限公司":
                words = company_words[industry]
                word = words[int(rand() * len(words))]
                suffix = "股份有限公司" if etype == "股份有限公司" else "有限公司"
                head = "黑龙江" if (etype == "股份有限公司" or rand() < 0.08) else city
                name = f"{head}{zh}{word}{suffix}"
            elif etype == "个人独资企业":
                sfx = sole_suffix[industry]
                name = f"{city}{zh}{sfx[int(rand() * len(sfx))]}"
            elif etype == "合伙企业":
                words = company_words[industry]
                word = words[int(rand() * len(words))]
                tail = "中心（有限合伙）" if rand() < 0.6 else "合伙企业（普通合伙）"
                name = f"{city}{zh}{word}{tail}"
            elif etype == "农民专业合作社":
                vt, village = villages[int(rand() * len(villages))]
                lead = village if rand() < 0.7 else zh
                if rand() < 0.75:
                    name = f"{city}{lead}{crops[int(rand() * len(crops))]}种植专业合作社"
                else:
                    name = f"{city}{lead}{livestock[int(rand() * len(livestock))]}养殖专业合作社"
                address = f"{_PROVINCE_CITY}密山市{vt}{village}{int(rand() * 200) + 1}号"
            elif etype == "农村集体经济组织":
                vt, village = villages[int(rand() * len(villages))]
                name = f"{city}{vt}{village}股份经济合作社"
                address = f"{_PROVINCE_CITY}密山市{vt}{village}村民委员会院内"
            elif etype == "社会团体":
                grp = groups[int(rand() * len(groups))]
                name = f"{city}{town}{grp}" if (not town_urban[t] and rand() < 0.3) else f"{city}{grp}"
            elif etype == "民办非企业单位":
                kind_name = nonent[int(rand() * len(nonent))]
                industry = _NONENTERPRISE_INDUSTRY.get(kind_name, "P")
                name = f"{city}{zh}{kind_name}"
            else:
                name = f"{city}{zh}{residential[int(rand() * len(residential))]}业主委员会"
            # Codes.
            uscc, body = self._uscc(kind, division, eid, reg_ord)
            reg_no = org_code = None
            if reg_ord < self.reform_ord and auth == "9":
                serial = f"{'6' if kind.type_code == '2' else '1'}{eid % 10_000_000:07d}"
                first14 = division + serial
                reg_no = first14 + _reg_no_check(first14)
                if body.isdigit():
                    org_code = f"{body}-{org_code_check_char(body)}"
            # Status.
            if today_ord - reg_ord < 365:
                status = "存续"
            else:
                names, scum = self.status_geti if kind.type_code == "2" and auth == "9" else self.status_other
                status = names[bisect(scum, rand() * scum[-1])]
            entities.append(
                (
                    eid,
                    uscc,
                    reg_no,
                    org_code,
                    name,
                    kind.category,
                    etype,
                    authority,
                    division,
                    industry,
                    reg_text,
                    status,
                    address,
                    now_text,
                    now_text,
                )
            )
            relations.append((relation_id, eid, rep_id, "legal_rep", reg_text, None))
            relation_id += 1
            counts[etype] += 1
            counts["legal_rep"] += 1
            if (etype == "有限责任公司" or etype == "股份有限公司") and rand() < 0.35 and len(pool_ids) > 1:
                j = int(rand() * len(pool_ids))
                other = pool_ids[j]
                if other != rep_id and pool_births[j] <= reg_ord - 6_600:
                    relations.append((relation_id, eid, other, "controller", reg_text, None))
                    relation_id += 1
                    counts["controller"] += 1
            if first_company_id is None and etype == "有限责任公司" and status == "存续":
                first_company_id = eid
        return _Chunk(persons, entities, relations, counts, first_company_id)


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------

_PERSON_COLS = ("id", "name", "id_type", "id_cipher", "id_index", "id_masked", "created_at")
_ENTITY_COLS = (
    "id",
    "uscc",
    "reg_no",
    "org_code",
    "name",
    "category",
    "entity_type",
    "registering_authority",
    "region_code",
    "industry_code",
    "registered_on",
    "status",
    "address",
    "created_at",
    "updated_at",
)
_RELATION_COLS = ("id", "entity_id", "person_id", "role", "start_date", "end_date")
_TABLES = (("person", _PERSON_COLS), ("entity", _ENTITY_COLS), ("subject_relation", _RELATION_COLS))


def _write_chunk(conn: Connection, dialect: str, chunk: _Chunk) -> None:
    raw: Any = conn.connection.driver_connection
    batches = (chunk.persons, chunk.entities, chunk.relations)
    if dialect == "postgresql":
        with raw.cursor() as cur:
            for (table, cols), rows in zip(_TABLES, batches, strict=True):
                if rows:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        return
    cur = raw.cursor()
    try:
        for (table, cols), rows in zip(_TABLES, batches, strict=True):
            if rows and table == "entity":
                insert_entities_sqlite(raw, cols, rows)
            elif rows:
                marks = ", ".join("?" * len(cols))
                cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
    finally:
        cur.close()


def _max_ids(conn: Connection, dialect: str) -> tuple[int, int, int]:
    """The highest id in use (or handed out by a PostgreSQL sequence) of entity, person and relation."""
    out = []
    for table in ("entity", "person", "subject_relation"):
        value = int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())
        if dialect == "postgresql":
            seq = conn.execute(text(f"SELECT pg_get_serial_sequence('{table}', 'id')")).scalar_one()
            if seq:
                last, called = conn.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
                value = max(value, int(last) if called else int(last) - 1)
        out.append(value)
    return out[0], out[1], out[2]


def _sync_sequences(conn: Connection) -> None:
    """Move PostgreSQL id sequences past the ids assigned here."""
    for table in ("entity", "person", "subject_relation"):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}), (SELECT count(*) > 0 FROM {table}))"
            )
        )


def _chunk_sizes(total: int) -> list[int]:
    return [min(CHUNK, total - done) for done in range(0, total, CHUNK)]


def _produce(gen_args: dict[str, Any], sizes: list[int], start: tuple[int, int, int]) -> Iterator[_Chunk]:
    """Generate the chunks in order, ids continuing from ``start`` (entity, person, relation)."""
    gen = _CityGenerator(**gen_args)
    e, p, r = start
    for n in sizes:
        chunk = gen.chunk(n, e, p, r)
        e, p, r = e + n, p + len(chunk.persons), r + len(chunk.relations)
        yield chunk


# The child is a fresh interpreter started with ``-c`` (not multiprocessing), so the caller's main module is
# never re-imported.  Parent -> child on stdin: sys.path, then (gen_args, sizes, start), pickled.  Child ->
# parent on stdout: ("chunk", _Chunk) ... ("done", None), or ("error", traceback text).
_CHILD_BOOTSTRAP = (
    "import pickle, sys; out = sys.stdout.buffer; sys.stdout = sys.stderr; "
    "sys.path[:0] = pickle.load(sys.stdin.buffer); "
    "from xinyong.demo.service import _worker_main; _worker_main(out)"
)


def _worker_main(out: Any) -> None:
    """Child-process body: read the job from stdin, write each chunk to ``out`` (the real stdout)."""
    try:
        gen_args, sizes, start = pickle.load(sys.stdin.buffer)
        for chunk in _produce(gen_args, sizes, start):
            pickle.dump(("chunk", chunk), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        pickle.dump(("done", None), out)
    except BrokenPipeError:  # the parent stopped reading
        return
    except BaseException:
        with contextlib.suppress(OSError):
            pickle.dump(("error", traceback.format_exc()), out)
    with contextlib.suppress(OSError):
        out.flush()


def _produce_in_worker(gen_args: dict[str, Any], sizes: list[int], start: tuple[int, int, int]) -> Iterator[_Chunk]:
    """Like :func:`_produce`, but built by a child process so that generating overlaps writing."""
    proc = subprocess.Popen([sys.executable, "-c", _CHILD_BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        try:
            pickle.dump([p for p in sys.path if p], proc.stdin)
            pickle.dump((gen_args, sizes, start), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
        except BrokenPipeError:
            raise RuntimeError(f"演示数据生成子进程未能启动（退出码{proc.wait()}）。") from None
        while True:
            try:
                kind, payload = pickle.load(proc.stdout)
            except EOFError:
                raise RuntimeError(f"演示数据生成子进程意外退出（退出码{proc.wait()}）。") from None
            if kind == "done":
                return
            if kind == "error":
                raise RuntimeError(f"演示数据生成子进程出错：\n{payload}")
            yield payload
    finally:
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class _Progress:
    """Rows committed so far and what they contain."""

    entities: int = 0
    persons: int = 0
    relations: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    first_company_id: int | None = None

    def add(self, chunk: _Chunk) -> None:
        self.entities += len(chunk.entities)
        self.persons += len(chunk.persons)
        self.relations += len(chunk.relations)
        self.counts.update(chunk.counts)
        if self.first_company_id is None:
            self.first_company_id = chunk.first_company_id

    def merge(self, other: _Progress) -> None:
        self.entities += other.entities
        self.persons += other.persons
        self.relations += other.relations
        self.counts.update(other.counts)
        if self.first_company_id is None:
            self.first_company_id = other.first_company_id


def _write_all(
    conn: Connection,
    dialect: str,
    stream: Iterator[_Chunk],
    max_ids: tuple[int, int, int],
    done: _Progress,
    progress: Callable[[int], None] | None,
) -> None:
    """Write the chunks, TX_CHUNKS per transaction; ``done`` counts what is committed."""
    expected = max_ids
    pending = _Progress()  # written in the open transaction
    tx = None
    try:
        for chunk in stream:
            if tx is None:
                tx = conn.begin()
                if dialect == "postgresql":
                    conn.exec_driver_sql("LOCK TABLE entity, person, subject_relation IN SHARE ROW EXCLUSIVE MODE")
                if _max_ids(conn, dialect) != expected:
                    raise Conflict("生成演示数据期间，主体或自然人数据被其他程序写入，请稍后重试。")
            _write_chunk(conn, dialect, chunk)
            n = len(chunk.entities)
            expected = (expected[0] + n, expected[1] + len(chunk.persons), expected[2] + len(chunk.relations))
            pending.add(chunk)
            if progress is not None:
                progress(n)
            if pending.entities >= TX_CHUNKS * CHUNK:
                _commit(conn, dialect, tx)
                tx = None
                done.merge(pending)
                pending = _Progress()
        if tx is not None:
            _commit(conn, dialect, tx)
            tx = None
            done.merge(pending)
    finally:
        if tx is not None:
            tx.rollback()
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _commit(conn: Connection, dialect: str, tx: Any) -> None:
    if dialect == "postgresql":
        _sync_sequences(conn)
    tx.commit()


def _record_run(
    db: Database,
    actor: Actor,
    seed: int,
    requested: int,
    first_entity_id: int | None,
    done: _Progress,
    credentials: list[DemoCredential],
    *,
    error: str | None = None,
) -> None:
    """Audit the run (one event) and link the demo entity user to a demo company."""
    with db.session() as session:
        detail: dict[str, Any] = {
            "seed": seed,
            "requested": requested,
            "entities": done.entities,
            "persons": done.persons,
            "relations": done.relations,
            "legal_rep": done.counts.get("legal_rep", 0),
            "controller": done.counts.get("controller", 0),
            "by_type": {k: v for k, v in sorted(done.counts.items()) if k not in ("legal_rep", "controller")},
            "first_entity_id": first_entity_id if done.entities else None,
            "users_created": [c.username for c in credentials],
        }
        if error is not None:
            detail["error"] = error
        if done.first_company_id is not None:
            linked = session.execute(
                update(User)
                .where(User.username == "entity", User.role == "entity", User.entity_id.is_(None))
                .values(entity_id=done.first_company_id)
            )
            if linked.rowcount:  # type: ignore[attr-defined]
                detail["entity_user"] = {"username": "entity", "entity_id": done.first_company_id}
        audit(session, actor=actor, action="demo.generate", object_type="demo", detail=detail)


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def generate(
    db: Database,
    *,
    entities: int,
    secret_key: str,
    seed: int = 20210407,
    progress: Callable[[int], None] | None = None,
    records_per_entity: float = 1.0,
    signing_secret: str | None = None,
) -> DemoResult:
    """Create the demo accounts and ``entities`` synthetic market entities with their people and relations.

    Adds to whatever the database holds: ids continue after the current maximum and codes never collide.
    Rows are written :data:`CHUNK` entities at a time (``progress(k)`` after each write), committed every
    :data:`TX_CHUNKS` chunks; a run that fails keeps the chunks already committed.  For large runs on a
    multi-core machine the rows are built by a child process while this one writes.  One audit event
    ``demo.generate`` records the counts and the seed.  Requires the migrated schema and the reference data.
    """
    if entities < 0:
        raise ValueError("entities must be >= 0")
    started = time.perf_counter()
    actor = Actor.system("demo")
    with db.session() as session:
        credentials = create_demo_users(session, actor=actor)

    dialect = db.dialect
    clock = get_clock()
    done = _Progress()  # committed so far
    first_entity_id: int | None = None
    try:
        with db.write_engine.connect() as conn:
            old_cache = None
            if dialect == "sqlite":
                # A larger page cache for this connection keeps the indexes being filled in memory.
                old_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
                conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
                conn.commit()
            try:
                with conn.begin():
                    max_e, max_p, max_r = _max_ids(conn, dialect)
                    if max_e + entities > MAX_ENTITY_ID:
                        raise ValueError(f"演示数据最多生成到主体编号{MAX_ENTITY_ID}（当前最大编号{max_e}）。")
                    taken_usccs: set[str] = set()
                    taken_indexes: set[int] = set()
                    if max_e:
                        rows = conn.execute(text("SELECT uscc FROM entity WHERE uscc IS NOT NULL"))
                        taken_usccs = set(rows.scalars())
                    if max_p:
                        rows = conn.execute(text("SELECT id_index FROM person WHERE id_type = :t"), {"t": ID_TYPE})
                        taken_indexes = {int(ix[:15], 16) for ix in rows.scalars()}
                gen_args: dict[str, Any] = {
                    # A fresh database uses the seed as given; a run that adds to existing entities derives its
                    # own stream from it, so that it does not repeat the names and people of the first run.
                    "seed": seed if max_e == 0 else f"{seed}:{max_e + 1}",
                    "secret_key": secret_key,
                    "today": clock.today(),
                    "now": clock.now(),
                    "taken_usccs": taken_usccs,
                    "taken_indexes": taken_indexes,
                }
                sizes = _chunk_sizes(entities)
                start = (max_e + 1, max_p + 1, max_r + 1)
                first_entity_id = start[0] if entities else None
                parallel = entities >= PARALLEL_MIN_ENTITIES and (os.cpu_count() or 1) > 1 and bool(sys.executable)
                stream = _produce_in_worker(gen_args, sizes, start) if parallel else _produce(gen_args, sizes, start)
                _write_all(conn, dialect, stream, (max_e, max_p, max_r), done, progress)
            finally:
                if old_cache is not None:
                    conn.exec_driver_sql(f"PRAGMA cache_size={int(old_cache)}")
                    conn.commit()
    except BaseException as exc:
        if done.entities:  # what was committed stays; say so in the audit trail
            with contextlib.suppress(Exception):
                _record_run(db, actor, seed, entities, first_entity_id, done, credentials, error=repr(exc)[:300])
        raise
    _record_run(db, actor, seed, entities, first_entity_id, done, credentials)
    if records_per_entity > 0 and first_entity_id is not None and done.entities:
        from xinyong.disclosure.demo import generate_records  # credit records across the catalogue (portal)

        generate_records(db, per_entity=records_per_entity, seed=seed, first_entity_id=first_entity_id)
    from xinyong.commitments import demo as commitments_demo

    commitments_demo.seed(db, secret_key=secret_key)
    from xinyong.inspections import demo as inspections_demo

    inspections_demo.seed(db, secret_key=secret_key)
    from xinyong.lists import demo as lists_demo

    lists_demo.seed(db, secret_key=secret_key)
    from xinyong.evaluation import demo as evaluation_demo

    evaluation_demo.run(db, seed=seed)  # demo industry grades, then everyone graded (reports below show grades)
    from xinyong.core.config import get_settings
    from xinyong.repair import demo as repair_demo  # repairs, re-check, objections, reports

    repair_demo.seed(db, secret_key=secret_key, signing_secret=signing_secret, verify_base=get_settings().public_url)
    from xinyong.oversight import demo as oversight_demo  # plan progress reports, an industry association

    oversight_demo.seed(db)
    from xinyong.evaluation import service as evaluation_service

    with db.session() as session:  # the subjects whose records repairs and objections changed
        evaluation_service.evaluate_dirty(session, actor=Actor.system("demo"))
    from xinyong.privacy import demo as privacy_demo  # query registrations for the auditor's pages

    privacy_demo.seed(db)
    return DemoResult(
        entities=done.entities,
        persons=done.persons,
        relations=done.relations,
        credentials=credentials,
        seconds=time.perf_counter() - started,
    )
