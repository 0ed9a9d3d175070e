"""Helpers shared by the root command line and each domain's ``cli.py``: the consoles, the Chinese error exit and
the one-command unit of work. The root CLI registers, at import, what must run before a database is opened (loading
every mapper), so that this module imports no domain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from xinyong.core.config import get_settings
from xinyong.core.db import Database
from xinyong.core.errors import CalendarMissing, DomainError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_before_database: list[Callable[[], object]] = []


def before_database(hook: Callable[[], object]) -> None:
    """Run ``hook`` each time a command opens the database (the root CLI imports every domain's models with it)."""
    if hook not in _before_database:
        _before_database.append(hook)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a Chinese error to stderr and return the Exit to raise."""
    err.print(f"错误：{message}", style="red", markup=False)
    return typer.Exit(code)


def _database() -> Database:
    for hook in _before_database:
        hook()  # every mapper known before the first flush
    return Database(get_settings().database_url)


@contextmanager
def unit_of_work(db: Database | None = None) -> Iterator[tuple[Database, Session]]:
    """A database session for one command; domain errors become Chinese messages and exit 1."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    db = db or _database()
    try:
        with db.session() as session:
            yield db, session
    except CalendarMissing as exc:
        raise fail(exc.message, 2) from None
    except DomainError as exc:
        raise fail(exc.message) from None
    except (OperationalError, ProgrammingError) as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc):
            raise fail("数据库尚未初始化，请先运行 xinyong init。") from None
        raise
    finally:
        db.dispose()
