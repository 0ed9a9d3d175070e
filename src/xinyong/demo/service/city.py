"""The rows of the demo city: market entities with valid codes, their people and relations, built chunk by chunk
from one seeded random stream."""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from xinyong.core.crypto import get_cipher
from xinyong.core.identifiers import (
    USCC_CHARSET,
    make_uscc,
    mask_id_number,
    org_code_check_char,
    resident_id_check_char,
)
from xinyong.demo.service.pools import cumulative, word_pools

MISHAN = "230382"
JIXI = "230300"
ID_TYPE = "身份证"


_PROVINCE_CITY = "黑龙江省鸡西市"
_MISHAN_SCJG = "密山市市场监督管理局"
_JIXI_SCJG = "鸡西市市场监督管理局"
_MZJ = "密山市民政局"
_NYJ = "密山市农业农村局"
_ZJJ = "密山市住房和城乡建设局"
_LEGAL = "法人及非法人组织"
_GETI = "个体工商户"


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


@dataclass
class Chunk:
    """The rows of one chunk (ids already assigned) and what they contain."""

    persons: list[tuple[Any, ...]]
    entities: list[tuple[Any, ...]]
    relations: list[tuple[Any, ...]]
    counts: Counter[str]
    first_company_id: int | None


class CityGenerator:
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
        p = word_pools()
        self.p = p
        # Start of each code series (see _body); MA1B… to MA1X… for the 5-character series.
        self.base5_floor = 11 * 31**4
        self.base5 = self.base5_floor + self.rng.randrange(31**4)
        self.base6 = self.rng.randrange(_M6 // 4)
        self.base8_floor = 10_000_000
        self.base8 = self.base8_floor + self.rng.randrange(10_000_000)
        self.salt = self.rng.getrandbits(32)
        self.kind_cum = cumulative([k.weight for k in _KINDS])
        self.industry = [([c for c, _ in k.industries], cumulative([w for _, w in k.industries])) for k in _KINDS]
        self.status_geti = ([s for s, _ in _STATUS_GETI], cumulative([w for _, w in _STATUS_GETI]))
        self.status_other = ([s for s, _ in _STATUS_OTHER], cumulative([w for _, w in _STATUS_OTHER]))
        self.surnames = [s for s, _ in p["surnames"]]
        self.surname_cum = cumulative([float(w) for _, w in p["surnames"]])
        towns = p["towns"]
        self.towns = list(towns)
        self.town_cum = cumulative([float(towns[t]["weight"]) for t in self.towns])
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
        self.year_cum = cumulative(weights)
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

    def chunk(self, n: int, entity_id: int, person_id: int, relation_id: int) -> Chunk:
        """The rows of ``n`` entities with their people and relations, ids starting at the ones given.

        One long loop on purpose: it runs once per entity of a large run, with its lookups held in local variables
        for speed (bench/demo_scale.py measures it)."""
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
        return Chunk(persons, entities, relations, counts, first_company_id)
