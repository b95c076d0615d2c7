"""Engines, sessions and schema upgrades: the one place that knows which database we talk to.

SQLite (a file, the default) and PostgreSQL (``DATABASE_URL=postgresql+psycopg://...``) run the
same code and the same tests. Times are stored as UTC: :class:`UTCDateTime` refuses naive
datetimes on the way in and returns aware UTC datetimes on the way out, also on SQLite, which
has no time-zone type.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine, create_engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.types import DateTime, TypeDecorator

# SQLModel (and the ORM under it) is imported by the sessions that use it, not with the engine:
# a pass with nothing new works in SQLAlchemy Core only (see aggregator.store.pass_state).
if TYPE_CHECKING:
    from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: What any failure of the database raises; code outside ``store/`` catches this name.
DatabaseError = SQLAlchemyError
#: What a statement raises when the database cannot run it: unreachable, or without the tables.
UnusableDatabase = (OperationalError, ProgrammingError)


def missing_schema(error: Exception) -> bool:
    """Whether ``error`` says the tables are not there (``aggregator init`` never ran)."""
    text = str(error).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that only ever holds aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 10}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_nullpool_engine(url: str) -> Engine:
    """An engine that opens a fresh connection per use (for short-lived CLI tools and tests)."""
    engine = create_engine(url, poolclass=NullPool)
    if make_url(url).get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any exception."""
    from sqlmodel import Session

    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_MEMO = "aggregator.transaction_memo"


def transaction_memo(session: Session) -> dict[str, Any]:
    """A dict that lives as long as the session's current transaction (the innermost, so a
    savepoint has its own): what the store knows to be true until a commit or rollback, such
    as "the content version was already bumped" or "these stories were inserted just now"."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:  # nothing begun yet: nothing to remember across
        return {}
    held = session.info.get(_MEMO)
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        session.info[_MEMO] = held
    memo: dict[str, Any] = held[1]
    return memo


def alembic_config(engine: Engine) -> Any:
    """An Alembic config pointing at our migrations and this engine's URL."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` (what ``aggregator init`` runs)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None when it was never initialised."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def create_all(engine: Engine) -> None:
    """Create every table from the models directly (tests; production uses :func:`upgrade`)."""
    from sqlmodel import SQLModel

    from aggregator.store import models, search  # noqa: F401  (tables; the search index)

    SQLModel.metadata.create_all(engine)
