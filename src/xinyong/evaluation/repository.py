"""Evaluation's scoring SQL: set-based scoring, SQL aggregates per entity and indicator, scored in SQL, written to a
scratch table; list membership as a query. The backend-specific forms live here.

One pass over the credit records computes every record indicator for every entity (a GROUP BY with one SUM per
indicator); the related-person indicator and list membership are two more grouped queries; the entity table adds
age and status. The whole score, the grade and the overrides are SQL expressions, so a full run never moves
per-entity rows through Python. ``engine.py`` and ``explain.py`` mirror the same arithmetic in Python for one entity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ClauseList, Grouping
from sqlalchemy.sql.visitors import replacement_traverse

from xinyong.core.db import is_sqlite
from xinyong.evaluation.engine import LIST_ITEMS, LIVE_STATUSES, reads_json, years_before
from xinyong.evaluation.models import EvaluationScratch
from xinyong.evaluation.schemas import GRADE_RANK, FieldCondition, Indicator, ModelDoc
from xinyong.records.models import CreditRecord
from xinyong.records.outcome import covers as outcome_covers
from xinyong.subjects.models import Entity, Relation

FULL_RUN_CACHE_KIB = 1_000_000  # SQLite page cache of a full run's connection


def _ids(ids: Any) -> Any:
    """A list of ids as a list; a bind parameter or subquery as it is."""
    return list(ids) if isinstance(ids, list | tuple | set | range) else ids


def list_memberships(
    *, on: date | Any, entity_ids: Sequence[int] | Any | None = None, person_ids: Sequence[int] | Any | None = None
) -> Select[Any]:
    """Current list entries as rows (entity_id, person_id, list_code, record_id, since).

    Derived from current credit records of the catalogue's list items until the lists module (issue 8) exists;
    that module replaces this one function and everything downstream keeps working.
    """
    c = CreditRecord
    list_code = case(*[(c.item_code == item, code) for item, code in LIST_ITEMS.items()], else_=None)
    stmt = select(
        c.entity_id.label("entity_id"),
        c.person_id.label("person_id"),
        list_code.label("list_code"),
        c.id.label("record_id"),
        c.decision_date.label("since"),
    ).where(
        c.item_code.in_(list(LIST_ITEMS)),
        c.is_current.is_(True),
        c.status.in_(LIVE_STATUSES),
        or_(c.publicity_until.is_(None), c.publicity_until >= on),
    )
    if entity_ids is not None:
        stmt = stmt.where(c.entity_id.in_(_ids(entity_ids)))
    if person_ids is not None:
        stmt = stmt.where(c.person_id.in_(_ids(person_ids)))
    return stmt


@dataclass
class _Dates:
    """Date parameters of a cached statement: cut-offs (today minus days) and anniversaries (minus years)."""

    days: set[int] = field(default_factory=set)
    years: set[int] = field(default_factory=set)

    def cut(self, days: int) -> Any:
        self.days.add(days)
        return bindparam(f"cut_{days}", type_=Date)

    def anniversary(self, years: int) -> Any:
        self.years.add(years)
        return bindparam(f"years_{years}", type_=Date)

    def params(self, today: date) -> dict[str, Any]:
        out: dict[str, Any] = {"today": today}
        out.update({f"cut_{d}": today - timedelta(days=d) for d in self.days})
        out.update({f"years_{y}": years_before(today, y) for y in self.years})
        return out


def _decay_expr(doc: ModelDoc, name: str | None, dates: _Dates) -> ColumnElement[Any]:
    if name is None:
        return literal(100)
    steps = doc.decay[name]
    if not steps:
        return literal(0)
    return case(*[(CreditRecord.decision_date > dates.cut(s.within_days), s.percent) for s in steps], else_=0)


def match(items: list[str], severities: Sequence[str], cond: FieldCondition | None) -> ColumnElement[bool]:
    c = CreditRecord
    parts: list[ColumnElement[bool]] = [c.item_code.in_(items)]
    if severities:
        parts.append(c.severity.in_(list(severities)))
    if cond is not None:
        if outcome_covers(items, cond.field, cond.in_):
            parts.append(c.outcome.in_(cond.in_))  # the copy the writer keeps (records.outcome), in the index
        else:
            parts.append(c.fields[cond.field].as_string().in_(cond.in_))
    return and_(*parts)


def _record_filter(doc: ModelDoc, items: set[str]) -> list[ColumnElement[bool]]:
    c = CreditRecord
    return [c.is_current.is_(True), c.status.in_(list(doc.record_statuses)), c.item_code.in_(sorted(items))]


def _agg(
    doc: ModelDoc,
    dates: _Dates,
    indicators: list[Indicator],
    overrides: list[tuple[str, Any]],
    key: Any,
    extra: list[ColumnElement[bool]],
    name: str,
    *,
    index_only: bool,
    sqlite: bool,
) -> Any:
    # On SQLite, grouping by ``entity_id + 0`` keeps the planner from walking the entity index (and looking up every
    # row) just to avoid a sort: the passes that are not index-only read few items, which the item_code index finds.
    # The bare column stays in the SELECT (one value per group) so that the join on it can use an automatic index.
    group = key + 0 if (sqlite and not index_only) else key
    cols: list[Any] = [key.label("entity_id")]
    items: set[str] = set()
    for ind in indicators:
        cols.append(
            func.sum(
                case((match(ind.items, ind.severities, ind.field), _decay_expr(doc, ind.decay, dates)), else_=0)
            ).label(f"i_{ind.code}")
        )
        items.update(ind.items)
    for code, when in overrides:
        cond = match(when.items, when.severities, None)
        if when.within_days:
            cond = and_(cond, CreditRecord.decision_date > dates.cut(when.within_days))
        cols.append(func.sum(case((cond, 1), else_=0)).label(f"o_{code}"))
        items.update(when.items)
    return select(*cols).where(*_record_filter(doc, items), *extra).group_by(group).subquery(name)


def scoring_select(doc: ModelDoc, dialect: str, restricted: bool) -> tuple[Select[Any], _Dates]:
    """The SELECT that yields (run_id, entity_id, score, rank, overall_rank, override_code) for every entity.

    Parameters: ``run_id``, ``today`` and the date cut-offs (see ``_Dates``), and ``ids`` (expanding) when
    restricted to some entities.
    """
    c = CreditRecord
    dates = _Dates()
    today = bindparam("today", type_=Date)
    sqlite = dialect == "sqlite"
    inds = [i for _d, i in doc.indicators()]
    # Field conditions the outcome column answers are scored in the index-only pass with the rest; a field the
    # writer does not copy (a model may name any) is read from the JSON in a separate pass.
    plain = [i for i in inds if i.kind == "records" and i.subject == "self" and not reads_json(i)]
    with_field = [i for i in inds if i.kind == "records" and i.subject == "self" and reads_json(i)]
    related = [i for i in inds if i.kind == "records" and i.subject == "legal_rep"]
    list_inds = [i for i in inds if i.kind == "list"]
    record_overrides = [(o.code, o.when) for o in doc.overrides if o.when.list_code is None]
    list_overrides = [(o.code, o.when.list_code) for o in doc.overrides if o.when.list_code is not None]
    ids = bindparam("ids", expanding=True, type_=Integer) if restricted else None

    joins: list[tuple[Any, list[Indicator], list[str]]] = []
    self_extra: list[ColumnElement[bool]] = [c.entity_id.isnot(None)]
    if ids is not None:
        self_extra.append(c.entity_id.in_(ids))
    if plain or record_overrides:
        sub = _agg(
            doc, dates, plain, record_overrides, c.entity_id, self_extra, "agg_plain", index_only=True, sqlite=sqlite
        )
        joins.append((sub, plain, [f"o_{code}" for code, _ in record_overrides]))
    if with_field:
        # Separate pass: only these rows need their JSON fields read.
        sub = _agg(doc, dates, with_field, [], c.entity_id, self_extra, "agg_field", index_only=False, sqlite=sqlite)
        joins.append((sub, with_field, []))
    if related:
        rel_extra: list[ColumnElement[bool]] = [
            c.person_id == Relation.person_id,
            Relation.role == "legal_rep",
            or_(Relation.end_date.is_(None), Relation.end_date >= today),
        ]
        if ids is not None:
            rel_extra.append(Relation.entity_id.in_(ids))
        cols: list[Any] = [Relation.entity_id.label("entity_id")]
        items: set[str] = set()
        for ind in related:
            cols.append(
                func.sum(
                    case((match(ind.items, ind.severities, ind.field), _decay_expr(doc, ind.decay, dates)), else_=0)
                ).label(f"i_{ind.code}")
            )
            items.update(ind.items)
        sub = (
            select(*cols)
            .select_from(Relation)
            .join(c, c.person_id == Relation.person_id)
            .where(*_record_filter(doc, items), *rel_extra)
            .group_by(Relation.entity_id)
            .subquery("agg_related")
        )
        joins.append((sub, related, []))
    list_codes = sorted({i.list_code for i in list_inds if i.list_code} | {code for _, code in list_overrides if code})
    lst = None
    if list_codes:
        m = list_memberships(on=today, entity_ids=ids).subquery("memberships")
        lst = (
            select(
                m.c.entity_id.label("entity_id"),
                *[func.max(case((m.c.list_code == code, 1), else_=0)).label(f"l_{code}") for code in list_codes],
            )
            .where(m.c.entity_id.isnot(None))
            .group_by(m.c.entity_id + 0 if sqlite else m.c.entity_id)
            .subquery("agg_lists")
        )

    parts: list[ColumnElement[Any]] = [literal(doc.base_score)]
    for ind in inds:
        if ind.kind == "age":
            whens = [(Entity.registered_on <= dates.anniversary(b.min_years), b.points) for b in ind.bands]
            parts.append(case(*whens, else_=0))
        elif ind.kind == "status":
            parts.append(case(*[(Entity.status == k, v) for k, v in ind.status_points.items()], else_=0))
        elif ind.kind == "list" and lst is not None:
            parts.append(case((func.coalesce(lst.c[f"l_{ind.list_code}"], 0) == 1, ind.points), else_=0))
    for sub, sub_inds, _ in joins:
        for ind in sub_inds:
            raw = (literal(ind.points_each) * func.coalesce(sub.c[f"i_{ind.code}"], 0)) // 100
            if ind.cap is None:
                parts.append(raw)
            elif ind.cap < 0:
                parts.append(case((raw < ind.cap, ind.cap), else_=raw))
            else:
                parts.append(case((raw > ind.cap, ind.cap), else_=raw))
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    flags: list[tuple[str, int, ColumnElement[Any]]] = []
    for o in doc.overrides:
        if o.when.list_code is not None and lst is not None:
            flag = func.coalesce(lst.c[f"l_{o.when.list_code}"], 0)
        else:
            sub0 = joins[0][0]
            flag = func.coalesce(sub0.c[f"o_{o.code}"], 0)
        flags.append((o.code, GRADE_RANK[o.at_best], flag))

    inner_cols: list[Any] = [Entity.id.label("entity_id"), total.label("total")]
    inner_cols += [flag.label(f"f_{code}") for code, _rank, flag in flags]
    inner = select(*inner_cols).select_from(Entity)
    for sub, _inds, _ in joins:
        inner = inner.outerjoin(sub, sub.c.entity_id == Entity.id)
    if lst is not None:
        inner = inner.outerjoin(lst, lst.c.entity_id == Entity.id)
    if ids is not None:
        inner = inner.where(Entity.id.in_(ids))
    # OFFSET 0 keeps the subquery from being flattened (SQLite, PostgreSQL): otherwise the long total would be
    # recomputed for every reference to the score below.
    s1 = inner.offset(0).subquery("scored")
    score = case((s1.c.total < 0, 0), (s1.c.total > 1000, 1000), else_=s1.c.total)
    s2 = select(s1, score.label("score")).offset(0).subquery("clamped")
    bands = doc.grades
    rank = case(*[(s2.c.score >= b.min_score, GRADE_RANK[b.grade]) for b in bands[:-1]], else_=4)
    final: Any
    override: Any
    if flags:
        greatest = func.greatest if dialect == "postgresql" else func.max
        final = greatest(rank, *[case((s2.c[f"f_{code}"] > 0, r), else_=1) for code, r, _f in flags])
        ordered = sorted(flags, key=lambda f: -f[1])
        override = case(*[(and_(s2.c[f"f_{code}"] > 0, rank < r), code) for code, r, _f in ordered], else_=None)
    else:
        final = rank
        override = literal(None)
    run_id = bindparam("run_id", type_=Integer)
    return select(run_id, s2.c.entity_id, s2.c.score, final, final, override), dates


def _sql_literal(value: Any) -> ColumnElement[Any] | None:
    """A constant written into the SQL text (None when the value is not a plain int or str)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    if isinstance(value, int):
        return literal_column(str(value), Integer)
    return literal_column("'" + value.replace("'", "''") + "'", String)


def inline_constants(stmt: Any) -> Any:
    """The statement with the model's constants (points, caps, percentages, codes, values) written into its text.

    Only the dates, the run id and the entity ids stay parameters: a one-entity run then sends ten values instead
    of some 700, which the driver would adapt and PostgreSQL would parse on every execution.
    """

    def replace(element: Any) -> Any:
        if not isinstance(element, BindParameter) or element.value is None or element.callable is not None:
            return None
        if not isinstance(element.type, Integer | String):  # e.g. a JSON path, which the dialect formats
            return None
        if element.expanding:
            values = [_sql_literal(v) for v in element.value]
            if not values or any(v is None for v in values):
                return None
            return Grouping(ClauseList(*[v for v in values if v is not None]))
        return _sql_literal(element.value)

    traverse: Any = replacement_traverse  # typed for ColumnElement and None; a Select is traversed alike
    return traverse(stmt, {}, replace)


_STATEMENTS: dict[tuple[int, str, bool], tuple[ModelDoc, Any, _Dates]] = {}


def _fill_statement(doc: ModelDoc, dialect: str, restricted: bool) -> tuple[Any, _Dates]:
    # Built once per model, backend and mode: SQLAlchemy then reuses the compiled SQL (building it costs ~40 ms).
    key = (id(doc), dialect, restricted)
    found = _STATEMENTS.get(key)
    if found is not None and found[0] is doc:
        return found[1], found[2]
    select_, dates = scoring_select(doc, dialect, restricted)
    if restricted:
        # A run over a few entities is dominated by per-execution costs (and a full run gains nothing from it).
        select_ = inline_constants(select_)
    cols = ["run_id", "entity_id", "score", "rank", "overall_rank", "override_code"]
    stmt = insert(cast(Table, EvaluationScratch.__table__)).from_select(cols, select_)
    if len(_STATEMENTS) > 64:
        _STATEMENTS.clear()
    _STATEMENTS[key] = (doc, stmt, dates)
    return stmt, dates


def fill_scratch(session: Session, doc: ModelDoc, today: date, run_id: int, entity_ids: Sequence[int] | None) -> None:
    """Score the entities (all, or the given ones) into the scratch table under ``run_id``."""
    stmt, dates = _fill_statement(doc, session.get_bind().dialect.name, entity_ids is not None)
    params = dates.params(today)
    params["run_id"] = run_id
    if entity_ids is not None:
        params["ids"] = list(entity_ids)
    session.execute(stmt, params)


def prepare_full_run(session: Session) -> None:
    """Before a full run, which reads the whole archive: on SQLite a larger page cache and in-memory sorting for the
    session's connection."""
    if is_sqlite(session):
        conn = session.connection()
        conn.exec_driver_sql(f"PRAGMA cache_size=-{FULL_RUN_CACHE_KIB}")
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")


def clear_scratch(session: Session, run_id: int, *, full: bool) -> None:
    """Remove a run's rows from the scratch table."""
    if full and is_sqlite(session):
        # SQLite writers are serialised, so no other run has rows here; DELETE without WHERE truncates at once.
        session.execute(delete(EvaluationScratch))
    else:
        session.execute(delete(EvaluationScratch).where(EvaluationScratch.run_id == run_id))
