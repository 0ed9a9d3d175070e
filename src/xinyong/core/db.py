"""Database: declarative base with a naming convention, engines, sessions and migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    ARRAY,
    JSON,
    DateTime,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeDecorator

from xinyong.core.errors import NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored as naive UTC on every backend and returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _prepare_sqlite_path(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


# SQLite keeps 2 MiB of pages per connection by default: far less than the indexes a bulk load touches, so every
# chunk re-read them from the OS and rewrote them. The cache grows only as pages are used.
SQLITE_CACHE_KIB = 131_072


def _install_sqlite_hooks(engine: Engine, *, immediate: bool) -> None:
    # pysqlite's own transaction handling is disabled so that we emit BEGIN ourselves: writers take the
    # write lock at BEGIN IMMEDIATE and never fail half-way through a read-then-write transaction.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cur.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight on the DBAPI connection: through ``exec_driver_sql`` this one statement cost a quarter of a
        # millisecond of SQLAlchemy's execution machinery, twice for every request that reads and then writes.
        conn.connection.dbapi_connection.execute(begin)


def make_engine(url: str, *, immediate: bool = False, echo: bool = False) -> Engine:
    """Create an engine; for SQLite, with pragmas and explicit transaction control."""
    if url.startswith("sqlite"):
        _prepare_sqlite_path(url)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
        _install_sqlite_hooks(engine, immediate=immediate)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, echo=echo, pool_pre_ping=True)


class Database:
    """The engines and session factories of one database."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        # SQLite needs a separate engine whose transactions start with BEGIN IMMEDIATE; elsewhere one suffices.
        self.write_engine = make_engine(url, immediate=True, echo=echo) if url.startswith("sqlite") else self.engine
        self.read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(self.write_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """The backend name: sqlite or postgresql."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        factory = self.write_sessions if write else self.read_sessions
        with factory() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


# Names (prefixes) of schema objects that migrations create outside the ORM models, e.g. full-text search tables
# and expression indexes; domains add theirs at import time. Autogenerate and the schema test skip them.
UNMANAGED_PREFIXES: set[str] = set()


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's filter: leave objects created outside the models (``UNMANAGED_PREFIXES``) alone."""
    return not (reflected and compare_to is None and name and name.startswith(tuple(UNMANAGED_PREFIXES)))


def migrations_dir() -> Path:
    """The Alembic script directory (one history for SQLite and PostgreSQL)."""
    return Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(url: str) -> Any:
    """An Alembic Config pointing at our migrations and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the database schema to the given revision."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(db: Database) -> str | None:
    """The revision the database is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class Prepared:
    """A statement compiled once per dialect and run on the DBAPI cursor of a unit of work's own connection: for the
    few hot paths (the credit check) where SQLAlchemy's per-execution work costs several times the query itself.

    Parameters and results go through the column types' own bind and result processors, so values are exactly those
    SQLAlchemy would give; the statement runs in the session's transaction (same snapshot, same commit). On
    PostgreSQL psycopg prepares a statement server-side once it has been run a few times on a connection.
    """

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt
        self._compiled: dict[str, tuple[str, list[tuple[str, str, Any, Any]], list[Any], Any, bool]] = {}

    @classmethod
    def insert_into(cls, table: Any) -> Prepared:
        """An INSERT of every column but the generated ``id``, each bound by its key (a missing key inserts NULL:
        Python-side column defaults do not apply, so rows give every value they need)."""
        from sqlalchemy import bindparam, insert

        columns = [c for c in table.columns if c.key != "id"]
        return cls(insert(table).values({c.key: bindparam(c.key, type_=c.type) for c in columns}))

    def _for(self, dialect: Dialect) -> tuple[str, list[tuple[str, str, Any, Any]], list[Any], Any, bool]:
        found = self._compiled.get(dialect.name)
        if found is None:
            from collections import namedtuple

            compiled = self.stmt.compile(dialect=dialect)
            names = list(compiled.positiontup) if dialect.positional else list(compiled.binds)
            binds = []
            for name in names:
                bind = compiled.binds[name]
                default = None if bind.callable is not None or bind.required else bind.value
                binds.append((name, bind.key, default, bind.type._cached_bind_processor(dialect)))
            columns = list(getattr(self.stmt, "selected_columns", []))
            processors = [c.type._cached_result_processor(dialect, None) for c in columns]
            row = namedtuple("Row", [c.key for c in columns], rename=True) if columns else None  # type: ignore[misc]
            found = (compiled.string, binds, processors, row, dialect.positional)
            self._compiled[dialect.name] = found
        return found

    def _params(self, binds: list[tuple[str, str, Any, Any]], positional: bool, values: dict[str, Any]) -> Any:
        out = []
        for _name, key, default, process in binds:
            value = values.get(key, default)
            out.append(process(value) if process is not None and value is not None else value)
        return tuple(out) if positional else {b[0]: v for b, v in zip(binds, out, strict=True)}

    def rows(self, session: Session | Connection | Snapshot, values: dict[str, Any] | None = None) -> list[Any]:
        """Every result row (a named tuple of the selected columns); on the session's connection (or a connection
        taken once from it with ``session.connection()``, which saves a little per statement), or a ``Snapshot``."""
        dbapi, dialect = _dbapi(session)
        sql, binds, processors, row, positional = self._for(dialect)
        cursor = dbapi.cursor()
        try:
            cursor.execute(sql, self._params(binds, positional, values or {}))
            raw = cursor.fetchall()
        finally:
            cursor.close()
        out = []
        for r in raw:
            out.append(row._make([p(v) if p is not None else v for p, v in zip(processors, r, strict=True)]))
        return out

    def first(self, session: Session | Connection | Snapshot, values: dict[str, Any] | None = None) -> Any:
        """The first result row, or None."""
        found = self.rows(session, values)
        return found[0] if found else None

    def execute_many(self, session: Session | Connection, rows: list[dict[str, Any]]) -> None:
        """Run a statement (an INSERT) once per parameter set, in one DBAPI call."""
        conn = _connection(session)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            self.execute_many_on(cursor, conn.dialect, rows)
        finally:
            cursor.close()

    def execute_many_on(self, cursor: Any, dialect: Dialect, rows: list[dict[str, Any]]) -> None:
        """``execute_many`` on a DBAPI cursor the caller owns (and whose transaction it commits)."""
        sql, binds, _processors, _row, positional = self._for(dialect)
        cursor.executemany(sql, [self._params(binds, positional, r) for r in rows])


class Snapshot:
    """A pooled DBAPI connection of an engine in one read transaction, for a handful of ``Prepared`` reads (the
    credit check): what a SQLAlchemy ``Connection`` and its ``begin()`` would give, without their per-use cost.
    Returned to the pool on exit (which rolls it back); nothing is ever written on it. On SQLite every read sees one
    snapshot; on PostgreSQL, at its default READ COMMITTED, each statement sees what was committed when it ran."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect

    def __enter__(self) -> Snapshot:
        self.dbapi = self.engine.raw_connection()
        if self.dialect.name == "sqlite":  # autocommit mode on these engines: one snapshot from the first read
            self.dbapi.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dbapi.close()  # back to the pool, whose reset on return rolls the read transaction back


def _dbapi(target: Session | Connection | Snapshot) -> tuple[Any, Dialect]:
    if isinstance(target, Snapshot):
        return target.dbapi, target.dialect
    conn = _connection(target)
    return conn.connection.dbapi_connection, conn.dialect


def _connection(target: Session | Connection) -> Connection:
    """The connection to run a prepared statement on, in a transaction (begun as SQLAlchemy's autobegin would)."""
    if isinstance(target, Session):
        return target.connection()
    if not target.in_transaction():
        target.begin()
    return target


# Bulk helpers of the fast paths (domain repositories): the dialect switches live here and in those repositories.


def is_postgresql(target: Session | Connection) -> bool:
    """Whether a session or connection runs on PostgreSQL (else SQLite)."""
    bind = target.get_bind() if isinstance(target, Session) else target
    return bind.dialect.name == "postgresql"


def is_sqlite(target: Session | Connection) -> bool:
    """Whether a session or connection runs on SQLite."""
    bind = target.get_bind() if isinstance(target, Session) else target
    return bind.dialect.name == "sqlite"


# Writes rows on a raw sqlite3 connection in its own way (e.g. the entity table, whose name-search index is filled
# once after the rows): (DBAPI connection, columns, rows).
SqliteWriter = Callable[[Any, Sequence[str], Sequence[Sequence[Any]]], None]


def raw_insert(
    session: Session,
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    sqlite_writer: SqliteWriter | None = None,
) -> None:
    """Insert DB-ready tuples the fastest way the backend offers: executemany on SQLite, COPY on PostgreSQL.

    Runs on the session's connection, inside its transaction. Values must already be in the stored form
    (ISO date strings, JSON text, naive UTC timestamps as the dialect stores them: see ``bind_value``).
    ``sqlite_writer`` replaces the executemany on SQLite.
    """
    if not rows:
        return
    dbapi: Any = session.connection().connection.dbapi_connection
    assert dbapi is not None
    cols = ", ".join(columns)
    if is_postgresql(session):
        with dbapi.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif sqlite_writer is not None:
        sqlite_writer(dbapi, columns, rows)
    else:
        cur = dbapi.cursor()
        try:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})", rows)
        finally:
            cur.close()


def bind_value(session: Session, table: Table, column: str, value: Any) -> Any:
    """A value as the backend stores it in a column (e.g. a UTC timestamp as text on SQLite), for raw_insert."""
    dialect = session.get_bind().dialect
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value


# A list bound as one expanding parameter: cheaper than ``in_(values)``, which coerces every value.
# SQLite: the list travels as one JSON text and is unpacked by json_each (an expanding IN of thousands of values
# costs more to compile than to run).
_MANY_JSON = (
    select(literal_column("value")).select_from(func.json_each(bindparam("many", type_=JSON()))).scalar_subquery()
)
# On PostgreSQL one array parameter instead: psycopg would parse a statement with thousands of placeholders.
_MANY_ARRAY: BindParameter[Any] = bindparam("many", type_=ARRAY(String()))


def one_of(session: Session, column: Any) -> Any:
    """``column IN (:many)`` of text values, bound the cheapest way for the backend (pass the list as
    ``{"many": [...]}``)."""
    if is_postgresql(session):
        return column == any_(_MANY_ARRAY)
    return column.in_(_MANY_JSON)


_Row = TypeVar("_Row")


def get_or_404(session: Session, model: type[_Row], ident: Any, message: str) -> _Row:
    """The row of ``model`` with primary key ``ident``, or the domain NotFound (404) with the Chinese ``message``."""
    row = session.get(model, ident)
    if row is None:
        raise NotFound(message)
    return row
