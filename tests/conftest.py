"""Shared fixtures: a real database (SQLite file, or PostgreSQL with TEST_DATABASE=postgres).

Every test that takes the ``engine`` (or ``database_url``) fixture is marked ``db``; ``make
postgres`` runs exactly those again against the PostgreSQL server named by TEST_POSTGRES_URL,
each xdist worker in its own database, tables truncated between tests. Without a reachable
server those runs skip with the reason, unless REQUIRE_POSTGRES=1 (CI) makes it a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from aggregator.store.db import create_all, make_engine

FIXTURES = Path(__file__).parent / "fixtures"
SITES = FIXTURES / "sites"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if {"engine", "database_url", "empty_database_url"} & set(names):
            item.add_marker(pytest.mark.db)


def _backend() -> str:
    return os.environ.get("TEST_DATABASE", "sqlite")


def _worker() -> str:
    """A name unique to this test process, so concurrent runs never drop each other's DB."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def _postgres_admin_engine() -> Engine:
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:
        engine.dispose()
        reason = f"PostgreSQL not reachable at {make_url(url).render_as_string()}: {error}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return engine


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this worker, dropped at the end."""
    admin = _postgres_admin_engine()
    name = f"aggregator_test_{_worker()}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _postgres_schema(request: pytest.FixtureRequest) -> Iterator[Engine | None]:
    if _backend() != "postgres":
        yield None
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    create_all(engine)
    yield engine
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_url(tmp_path: Path, _postgres_schema: Engine | None) -> str:
    """URL of an empty database with every table created."""
    if _postgres_schema is not None:
        _truncate_all(_postgres_schema)
        return _postgres_schema.url.render_as_string(hide_password=False)
    url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
    engine = make_engine(url)
    create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a database with no tables at all (for migration tests), on either backend."""
    if _backend() != "postgres":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin = _postgres_admin_engine()
    name = f"aggregator_empty_{_worker()}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
