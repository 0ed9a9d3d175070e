"""Portal logic: entity search, public credit profiles, publicity lists and record details.

Everything here is computed against the clock's today, shows only records whose catalogue item is 社会公开 and
whose window is open (``disclosure.service.visible_on``), and goes through ``disclosure.service`` for masking.
Services return plain dataclasses/dicts ready for templates and JSON: one source for pages and the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, load_only

from xinyong.catalog import service as catalog_service
from xinyong.catalog.models import CatalogCategory, CatalogItem
from xinyong.catalog.schemas import OPENNESS_LABELS
from xinyong.core.clock import get_clock
from xinyong.core.errors import NotFound, ValidationFailed
from xinyong.core.identifiers import InvalidIdentifier, mask_resident_ids, validate_uscc
from xinyong.disclosure import service as disclosure
from xinyong.portal.sections import ProfileSection, build_sections
from xinyong.records import states
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import RELATION_ROLES, Department, Entity, Relation

PER_PAGE = 20
COUNT_CAP = 1000  # search and list counts stop here ("1000条以上"): exact counts of huge matches cost a scan
MAX_TERMS = 5
MAX_TERM_CHARS = 40
_LIKE_ESCAPE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
_SPACES = re.compile(r"[\s\u3000]+")
# Control and format characters (NUL ended the LIKE pattern on PostgreSQL/SQLite: ``q=%00`` matched everyone).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# --------------------------------------------------------------------------------------------------
# Publicity lists (the portal's menu); item codes are catalogue item codes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListKind:
    """A publicity list of the portal."""

    slug: str
    title: str
    items: tuple[str, ...]
    intro: str


LIST_KINDS: dict[str, ListKind] = {
    k.slug: k
    for k in (
        ListKind("license", "行政许可公示", ("license",), "各部门作出的行政许可决定，在许可有效期内公示。"),
        ListKind(
            "penalty",
            "行政处罚公示",
            ("penalty",),
            "各部门作出的行政处罚决定，自决定之日起按规定期限公示，期满或信用修复后不再公示。",
        ),
        ListKind(
            "actions",
            "其他行政行为公示",
            ("coercion", "confirmation", "levy", "payment", "adjudication", "compensation", "reward", "inspection"),
            "行政强制、行政确认、行政征收、行政给付、行政裁决、行政补偿、行政奖励、行政监督检查信息。",
        ),
        ListKind(
            "judgment-debtors",
            "失信被执行人",
            ("judgment_debtor",),
            "人民法院依法公布的失信被执行人信息（自然人身份证件号码不公示）。",
        ),
        ListKind(
            "lists",
            "信用名单公示",
            ("serious_list", "key_attention", "abnormal_list", "red_list"),
            "严重失信主体名单、经营异常名录、守信激励（红名单）等依法公开的名单信息。",
        ),
    )
}


# --------------------------------------------------------------------------------------------------
# Public record view
# --------------------------------------------------------------------------------------------------

_CONTENT_FIELDS = ("CF_NR", "XK_NR", "NR", "SXYW", "CF_SY")
_TITLE_FIELDS = ("CF_WFXW", "XK_XKWS", "XK_XKZS", "SXYW")


@dataclass
class PublicRecord:
    """A record as the public sees it (masked, only public fields)."""

    id: int
    item_code: str
    item_name: str
    category_code: str
    category_name: str
    nature: str
    subject_name: str
    subject_code: str | None
    department: str
    document_number: str
    decision_date: date
    status: str
    status_label: str
    under_objection: bool
    publicity_from: date | None
    publicity_until: date | None
    summary: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self, *, with_fields: bool = False) -> dict[str, Any]:
        """The JSON form used by the public API."""
        out: dict[str, Any] = {
            "id": self.id,
            "item": self.item_code,
            "item_name": self.item_name,
            "category": self.category_code,
            "category_name": self.category_name,
            "subject_name": self.subject_name,
            "subject_code": self.subject_code,
            "department": self.department,
            "document_number": self.document_number,
            "decision_date": self.decision_date.isoformat(),
            "status": self.status,
            "status_label": self.status_label,
            "publicity_from": self.publicity_from.isoformat() if self.publicity_from else None,
            "publicity_until": self.publicity_until.isoformat() if self.publicity_until else None,
            "summary": self.summary,
        }
        if with_fields:
            out["fields"] = [{"name": name, "value": value} for name, value in self.fields]
        return out


class _Lookup:
    """Catalogue items, categories and departments by id, loaded once per request."""

    def __init__(self, session: Session) -> None:
        # Only the columns every page needs: the items' field lists and roles are JSON, and decoding them for every
        # item of every catalogue version took 40 % of a profile page at 1,000,000 entities (docs/benchmarks.md).
        # A record detail needs its item's fields: they load on first access (that item only, by primary key).
        columns = (CatalogItem.version_id, CatalogItem.code, CatalogItem.name, CatalogItem.category_code)
        light = load_only(*columns, CatalogItem.nature, CatalogItem.openness)
        self.items = {i.id: i for i in session.execute(select(CatalogItem).options(light)).scalars()}
        self.categories = {(c.version_id, c.code): c.name for c in session.execute(select(CatalogCategory)).scalars()}
        self.departments = {d.id: d for d in session.execute(select(Department)).scalars()}
        self.public_ids = [i.id for i in self.items.values() if i.openness == "public"]

    def category_name(self, item: CatalogItem) -> str:
        return self.categories.get((item.version_id, item.category_code), item.category_code)


def _text(value: Any) -> str:
    """A field's value as the public sees it: resident ID numbers a clerk wrote into free text are masked."""
    if value is None:
        return ""
    if isinstance(value, list):
        return mask_resident_ids("、".join(str(v) for v in value))
    return mask_resident_ids(str(value))


def _public_record(
    record: CreditRecord, lookup: _Lookup, *, subject_code: str | None, with_fields: bool = False
) -> PublicRecord:
    item = lookup.items[record.item_id]
    spec = catalog_service.spec_of(item) if with_fields else None
    name = disclosure.public_name(record.subject_name, subject_kind=record.subject_kind, item_code=record.item_code)
    values = record.fields or {}
    summary = next((_text(values[c]) for c in _CONTENT_FIELDS if values.get(c)), "")
    title = next((_text(values[c]) for c in _TITLE_FIELDS if values.get(c)), "")
    if title and title not in summary:
        summary = f"{title}：{summary}" if summary else title
    shown: list[tuple[str, str]] = []
    if with_fields and spec is not None:
        name_field = spec.roles.get("subject_name")
        for f in spec.fields:
            if disclosure.hidden_field(f.code, personal=f.personal):
                continue
            value = values.get(f.code)
            if value in (None, "", []):
                continue
            shown.append((f.name, name if f.code == name_field else _text(value)))
    dept = lookup.departments.get(record.department_id)
    return PublicRecord(
        id=record.id,
        item_code=record.item_code,
        item_name=item.name,
        category_code=item.category_code,
        category_name=lookup.category_name(item),
        nature=item.nature,
        subject_name=name,
        subject_code=subject_code if record.subject_kind == "entity" else None,
        department=dept.name if dept else "",
        document_number=record.document_number,
        decision_date=record.decision_date,
        status=record.status,
        status_label=states.STATUS_LABELS[record.status],
        under_objection=record.status == states.DISPUTED,
        publicity_from=record.publicity_from,
        publicity_until=record.publicity_until,
        summary=summary[:160],
        fields=shown,
    )


# --------------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------------


@dataclass
class EntityHit:
    """One search result."""

    id: int
    name: str
    code: str | None
    entity_type: str
    status: str
    registered_on: date | None
    legal_representative: str | None

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "name": self.name,
            "code": self.code,
            "entity_type": self.entity_type,
            "status": self.status,
            "registered_on": self.registered_on.isoformat() if self.registered_on else None,
            "legal_representative": self.legal_representative,
        }


@dataclass
class SearchResult:
    """A page of search results."""

    query: str
    by: str  # code | name | empty
    hits: list[EntityHit]
    total: int
    capped: bool
    page: int
    pages: int
    message: str | None = None


def clean_query(query: str) -> str:
    """A search query without control characters (tabs and line breaks become spaces), stripped."""
    return _CONTROL.sub("", query.replace("\t", " ").replace("\r", " ").replace("\n", " ")).strip()


def _terms(query: str) -> list[str]:
    terms = [t for t in _SPACES.split(query.strip()) if t]
    if len(terms) > MAX_TERMS:
        raise ValidationFailed(f"查询词过多：最多{MAX_TERMS}个关键词，请用空格分隔。")
    for t in terms:
        if len(t) > MAX_TERM_CHARS:
            raise ValidationFailed(f"关键词“{t[:10]}…”过长：每个关键词最多{MAX_TERM_CHARS}个字。")
    return terms


def _like(term: str) -> str:
    return "%" + term.translate(_LIKE_ESCAPE) + "%"


def _as_code(query: str) -> str | None:
    compact = re.sub(r"[\s\-]", "", query).upper()
    if len(compact) == 18 and compact.isalnum() and compact.isascii():
        return compact
    if len(compact) in (13, 15) and compact.isdigit():
        return compact
    return None


def search(session: Session, query: str, *, page: int = 1, per_page: int = PER_PAGE) -> SearchResult:
    """Entities by code (18-character USCC, 15-digit registration number) or by name (all terms, partial)."""
    query = clean_query(query)
    page = max(1, page)
    if not query:
        return SearchResult(query, "empty", [], 0, False, 1, 0)
    code = _as_code(query)
    if code is not None:
        return _search_code(session, query, code)
    terms = _terms(query)
    ids, total, capped = _name_ids(session, terms, offset=(page - 1) * per_page, limit=per_page)
    hits = _hits(session, ids)
    pages = max(1, -(-total // per_page)) if total else 0
    return SearchResult(query, "name", hits, total, capped, page, pages)


def _search_code(session: Session, query: str, code: str) -> SearchResult:
    message = None
    if len(code) == 18:
        try:
            code = validate_uscc(code)
        except InvalidIdentifier as exc:
            return SearchResult(query, "code", [], 0, False, 1, 0, f"统一社会信用代码无效：{exc.reason}")
        stmt = select(Entity.id).where(Entity.uscc == code)
    else:
        stmt = select(Entity.id).where(Entity.reg_no == code)
    ids = list(session.execute(stmt.limit(PER_PAGE)).scalars())
    if not ids:
        message = f"未找到代码为{code}的市场主体。"
    return SearchResult(query, "code", _hits(session, ids), len(ids), False, 1, 1 if ids else 0, message)


def _name_ids(session: Session, terms: list[str], *, offset: int, limit: int) -> tuple[list[int], int, bool]:
    """Entity ids matching every term (page), the total (capped) and whether it was capped."""
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {}
    count_base: str | None = None
    if dialect == "sqlite":
        long_terms = [t for t in terms if len(t) >= 3]
        short_terms = [t for t in terms if len(t) < 3]
        likes = []
        for i, t in enumerate(short_terms):
            params[f"s{i}"] = _like(t)
            likes.append(f"e.name LIKE :s{i} ESCAPE '\\'")
        if long_terms:
            # The trigram index answers substrings of 3+ characters; shorter terms filter the candidates.
            params["m"] = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
            base = "FROM entity_fts JOIN entity e ON e.id = entity_fts.rowid WHERE entity_fts MATCH :m"
            base += "".join(f" AND {c}" for c in likes)
            order = "ORDER BY entity_fts.rowid"
            if not likes:
                # Counting needs no entity row: up to 1,001 random entity-page reads cost 15–50 ms on a cold cache
                # at 1,000,000 entities, the index alone under 1 ms (docs/benchmarks.md, issue #4).
                count_base = "FROM entity_fts WHERE entity_fts MATCH :m"
        else:
            # 1-2 character terms cannot use trigrams: scan names in id order, stopping at the page.
            base = "FROM entity e WHERE " + " AND ".join(likes)
            order = "ORDER BY e.id"
    else:
        # A cached generic plan cannot use the trigram index for `name LIKE $1` (the pattern is unknown when it is
        # planned) and scans the table: after a few searches the driver prepares the statement and PostgreSQL may
        # switch to one. Plan every search for its own pattern.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        conditions = []
        for i, t in enumerate(terms):
            if len(t) >= 3:
                params[f"s{i}"] = _like(t)
                conditions.append(f"e.name LIKE :s{i}")  # pg_trgm GIN index ix_entity_name_trgm
            else:
                # 1-2 characters hold no trigram: as an index condition they would read the whole index. Filter
                # the candidates the longer terms found instead (or scan in id order, stopping at the page).
                params[f"s{i}"] = t
                conditions.append(f"strpos(e.name, :s{i}) > 0")
        base = "FROM entity e WHERE " + " AND ".join(conditions)
        order = "ORDER BY e.id"
    ids = list(
        session.execute(
            text(f"SELECT e.id {base} {order} LIMIT :limit OFFSET :offset"),
            {**params, "limit": limit, "offset": offset},
        ).scalars()
    )
    if offset == 0 and len(ids) < limit:
        return ids, len(ids), False
    total = int(
        session.execute(
            text(f"SELECT count(*) FROM (SELECT 1 {count_base or base} LIMIT :cap) AS hits"),
            {**params, "cap": COUNT_CAP + 1},
        ).scalar_one()
    )
    return ids, min(total, COUNT_CAP), total > COUNT_CAP


def _hits(session: Session, ids: list[int]) -> list[EntityHit]:
    if not ids:
        return []
    entities = {e.id: e for e in session.execute(select(Entity).where(Entity.id.in_(ids))).scalars()}
    reps = _legal_reps(session, ids)
    return [
        EntityHit(
            id=e.id,
            name=e.name,
            code=e.uscc or e.reg_no,
            entity_type=e.entity_type,
            status=e.status,
            registered_on=e.registered_on,
            legal_representative=reps.get(e.id),
        )
        for e in (entities[i] for i in ids if i in entities)
    ]


def _legal_reps(session: Session, entity_ids: list[int]) -> dict[int, str]:
    from xinyong.subjects.models import Person

    today = get_clock().today()
    stmt = (
        select(Relation.entity_id, Person.name)
        .join(Person, Person.id == Relation.person_id)
        .where(Relation.entity_id.in_(entity_ids), Relation.role == "legal_rep")
        .where((Relation.start_date.is_(None)) | (Relation.start_date <= today))
        .where((Relation.end_date.is_(None)) | (Relation.end_date >= today))
    )
    return {entity_id: name for entity_id, name in session.execute(stmt)}


# --------------------------------------------------------------------------------------------------
# Profile
# --------------------------------------------------------------------------------------------------


@dataclass
class Profile:
    """The public credit profile of an entity on a day."""

    entity: Entity
    code: str
    today: date
    relations: list[dict[str, Any]]
    sections: list[ProfileSection]

    def to_json(self) -> dict[str, Any]:
        """Exactly what the portal shows, as JSON (the public API's body)."""
        e = self.entity
        return {
            "as_of": self.today.isoformat(),
            "entity": {
                "uscc": e.uscc,
                "reg_no": e.reg_no,
                "name": e.name,
                "category": e.category,
                "entity_type": e.entity_type,
                "registering_authority": e.registering_authority,
                "region_code": e.region_code,
                "industry_code": e.industry_code,
                "registered_on": e.registered_on.isoformat() if e.registered_on else None,
                "status": e.status,
                "address": e.address,
            },
            "relations": self.relations,
            "sections": [{"key": s.key, "title": s.title, "summary": s.summary, "data": s.data} for s in self.sections],
        }


def entity_by_code(session: Session, code: str) -> Entity:
    """An entity by USCC or registration number; a Chinese 404 otherwise."""
    compact = re.sub(r"[\s\-]", "", code).upper()
    entity = None
    if len(compact) == 18:
        try:
            compact = validate_uscc(compact)
        except InvalidIdentifier as exc:
            raise ValidationFailed(f"统一社会信用代码无效：{exc.reason}") from None
        entity = session.execute(select(Entity).where(Entity.uscc == compact)).scalar_one_or_none()
    elif compact.isdigit():
        entity = session.execute(select(Entity).where(Entity.reg_no == compact)).scalars().first()
    if entity is None:
        raise NotFound(f"未找到代码为{compact}的市场主体。")
    return entity


def profile(session: Session, code: str) -> Profile:
    """The public credit profile of the entity with this code, as the portal shows it today."""
    return profile_of(session, entity_by_code(session, code))


def profile_of(session: Session, entity: Entity) -> Profile:
    """The public credit profile of an entity, as the portal shows it today."""
    today = get_clock().today()
    from xinyong.subjects import service as subjects_service

    relations = [
        {
            "role": rel.role,
            "role_name": RELATION_ROLES[rel.role],
            "name": rel.person.name,
            "start_date": rel.start_date.isoformat() if rel.start_date else None,
            "end_date": rel.end_date.isoformat() if rel.end_date else None,
        }
        for rel in subjects_service.relations_of(session, entity.id, on=today)
    ]
    return Profile(entity, entity.uscc or entity.reg_no or "", today, relations, build_sections(session, entity, today))


def entity_records(session: Session, entity: Entity, today: date) -> list[PublicRecord]:
    """The entity's records the portal shows today, newest first."""
    lookup = _Lookup(session)
    stmt = (
        select(CreditRecord)
        .where(CreditRecord.entity_id == entity.id, disclosure.visible_on(today, lookup.public_ids))
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
    )
    code = entity.uscc or entity.reg_no
    return [_public_record(r, lookup, subject_code=code) for r in session.execute(stmt).scalars()]


# --------------------------------------------------------------------------------------------------
# Lists and details
# --------------------------------------------------------------------------------------------------


@dataclass
class ListPage:
    """A page of a publicity list with its filters."""

    kind: ListKind
    records: list[PublicRecord]
    total: int
    capped: bool
    page: int
    pages: int
    items: list[tuple[str, str]]  # the public catalogue items of this list: (code, name)
    filters: dict[str, str]
    withheld: list[WithheldItem] = field(default_factory=list)  # items of this list the public does not see


@dataclass(frozen=True)
class WithheldItem:
    """A catalogue item of a publicity list that the catalogue in force does not open to the public."""

    kind: str  # the list's title
    code: str
    name: str
    openness: str  # its openness, as the catalogue labels it (政务共享, 授权查询)
    catalogue: str  # the catalogue version that says so


def withheld_items(session: Session, kinds: list[ListKind] | None = None) -> list[WithheldItem]:
    """The items of the publicity lists that the catalogue version in force today keeps off the portal, so that the
    portal can say which lists it does not publish and why (the catalogue's openness is the rule, not this code)."""
    try:
        version = catalog_service.version_on(session, get_clock().today())
    except NotFound:
        return []
    items = {i.code: i for i in catalog_service.items_of(session, version)}
    return [
        WithheldItem(kind.title, code, items[code].name, OPENNESS_LABELS.get(items[code].openness, ""), version.version)
        for kind in kinds or list(LIST_KINDS.values())
        for code in kind.items
        if code in items and items[code].openness != "public"
    ]


def publicity_list(
    session: Session,
    kind_slug: str,
    *,
    department: str | None = None,
    item: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ListPage:
    """A page of a publicity list, newest decisions first, filtered by department, catalogue item and dates."""
    kind = LIST_KINDS.get(kind_slug)
    if kind is None:
        raise NotFound("该公示栏目不存在。")
    if date_from and date_to and date_to < date_from:
        raise ValidationFailed("日期范围有误：结束日期不能早于开始日期。")
    lookup = _Lookup(session)
    today = get_clock().today()
    public_codes = {i.code: i.name for i in lookup.items.values() if i.openness == "public" and i.code in kind.items}
    items = [(c, public_codes[c]) for c in kind.items if c in public_codes]
    wanted = [c for c, _ in items]
    if item:
        if item not in public_codes:
            hidden = next((w for w in withheld_items(session, [kind]) if w.code == item), None)
            if hidden is not None:
                raise ValidationFailed(f"“{hidden.name}”的公开属性为“{hidden.openness}”，不向社会公开。")
            raise ValidationFailed(f"信息类别“{item}”不属于本栏目。")
        wanted = [item]
    page = max(1, page)
    stmt = select(CreditRecord).where(
        CreditRecord.item_code.in_(wanted or ["-"]), disclosure.visible_on(today, lookup.public_ids)
    )
    filters = {"department": department or "", "item": item or "", "date_from": "", "date_to": ""}
    if department:
        dept = next((d for d in lookup.departments.values() if d.code == department), None)
        if dept is None:
            raise ValidationFailed(f"部门代码“{department}”不存在。")
        stmt = stmt.where(CreditRecord.department_id == dept.id)
    if date_from:
        stmt = stmt.where(CreditRecord.decision_date >= date_from)
        filters["date_from"] = date_from.isoformat()
    if date_to:
        stmt = stmt.where(CreditRecord.decision_date <= date_to)
        filters["date_to"] = date_to.isoformat()
    rows = list(
        session.execute(
            stmt.order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).scalars()
    )
    if page == 1 and len(rows) < per_page:
        total, capped = len(rows), False
    else:
        counted = int(
            session.execute(select(func.count()).select_from(stmt.limit(COUNT_CAP * 10 + 1).subquery())).scalar_one()
        )
        total, capped = min(counted, COUNT_CAP * 10), counted > COUNT_CAP * 10
    codes = _codes(session, [r.entity_id for r in rows if r.entity_id])
    records = [_public_record(r, lookup, subject_code=codes.get(r.entity_id or 0)) for r in rows]
    pages = max(1, -(-total // per_page)) if total else 0
    return ListPage(kind, records, total, capped, page, pages, items, filters, withheld_items(session, [kind]))


def _codes(session: Session, entity_ids: list[int]) -> dict[int, str]:
    if not entity_ids:
        return {}
    stmt = select(Entity.id, Entity.uscc, Entity.reg_no).where(Entity.id.in_(set(entity_ids)))
    return {i: (u or r or "") for i, u, r in session.execute(stmt)}


def record_detail(session: Session, record_id: int) -> PublicRecord:
    """One record as the public sees it; 404 when it is not shown today (closed window, not public, revoked…)."""
    record = session.get(CreditRecord, record_id)
    lookup = _Lookup(session)
    item = lookup.items.get(record.item_id) if record else None
    if record is None or item is None or not disclosure.is_visible(record, item, get_clock().today()):
        raise NotFound("该信用信息不存在，或已不在公示期内。")
    code = _codes(session, [record.entity_id]).get(record.entity_id) if record.entity_id else None
    return _public_record(record, lookup, subject_code=code, with_fields=True)


def departments(session: Session) -> list[Department]:
    """Departments for the list filters."""
    return list(session.execute(select(Department).order_by(Department.sort_order)).scalars())


def latest(session: Session, *, limit: int = 8) -> list[PublicRecord]:
    """The newest penalty and licensing decisions on the portal (home page)."""
    return publicity_list(session, "penalty", per_page=limit).records


def public_records_json(session: Session, records: list[CreditRecord]) -> list[dict[str, Any]]:
    """Records as the portal shows them, with their public fields (hidden and personal fields left out)."""
    lookup = _Lookup(session)
    codes = _codes(session, [r.entity_id for r in records if r.entity_id])
    return [
        _public_record(r, lookup, subject_code=codes.get(r.entity_id or 0), with_fields=True).to_json(with_fields=True)
        for r in records
    ]
