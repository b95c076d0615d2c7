"""Faults during a crawl pass: a source that never answers, and the database going away.

The pass must record clear errors (as far as the database lets it), lose nothing already
committed, carry on with the other sources, and the next pass must recover. Each fault is
injected mid-pass: sources run in order A, B, C; the fault strikes when B's first page is
fetched (after A is committed) or inside B's store transaction.

Running as root in CI, a ``chmod a-w`` cannot make SQLite read-only, so that fault is the
same SQLITE_READONLY error raised by ``PRAGMA query_only`` on every connection.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine, select

from aggregator.demo.mirror import MirrorServer, Route
from aggregator.fetch import Fetcher
from aggregator.health import RunReport, RunStatus
from aggregator.pipeline import run_pass
from aggregator.runtime import Runtime
from aggregator.store.db import create_all, make_engine, session_scope
from aggregator.store.models import Sighting, SourceState
from aggregator.store.tagging import TaggerProvider, seed_tagging
from aggregator.types import Page
from tests.conftest import DEFAULT_PG, SITES
from tests.pipeline.conftest import (
    CONFIG,
    START,
    Harness,
    first_page_route,
    morphology,
    sources_by_id,
)
from tests.support.statements import StatementHook, statement_hook

A, B, C = "keha-uutiset", "hyvaks-uutiset", "haeavustuksia"
PASS = [A, B, C]


class FaultyFetcher:
    """The real fetcher, with ``fault()`` run once just before ``source``'s first page."""

    def __init__(self, fetcher: Fetcher, first_url: str, fault: Callable[[], None]) -> None:
        self.fetcher, self.first_url, self.fault, self.struck = fetcher, first_url, fault, False

    def get(self, url: str, **options: Any) -> Page:
        if url == self.first_url and not self.struck:
            self.struck = True
            self.fault()
        return self.fetcher.get(url, **options)

    def close(self) -> None:
        self.fetcher.close()


@dataclass
class Crawler:
    """Runs passes like :class:`tests.pipeline.conftest.Harness`, with a fault hook and an
    engine of the test's choosing (the pipeline's own is replaced)."""

    harness: Harness
    engine: Engine
    statement_hook: StatementHook | None = None  # a fault inside a store transaction
    admin: Engine | None = None  # PostgreSQL: a connection to another database, for faults
    name: str = ""  # PostgreSQL: the database's name

    def run(
        self, fault: Callable[[], None] | None = None, routes: dict[str, list[Route]] | None = None
    ) -> dict[str, RunReport]:
        with MirrorServer(SITES, clock=self.harness.clock, extra_routes=routes) as mirror:
            runtime = Runtime(self.harness.settings(mirror.url), clock=self.harness.clock)
            runtime.__dict__["engine"] = self.engine  # the cached_property, set to ours
            provider = TaggerProvider(CONFIG, morphology(), self.harness.clock)
            runtime.__dict__["tagger_provider"] = provider
            chosen = [sources_by_id()[source_id] for source_id in PASS]
            with runtime.fetcher() as real, statement_hook(self.engine, self.statement_hook):
                fetcher = FaultyFetcher(real, chosen[1].urls[0], fault or (lambda: None))
                reports = run_pass(chosen, runtime.services(cast(Fetcher, fetcher)))
        self.harness.clock.advance(3600)
        return {r.source_id: r for r in reports}


def stored(engine: Engine) -> dict[str, int]:
    """Stories per source (by sighting), read with a fresh connection."""
    with Session(engine) as session:
        rows = session.exec(select(Sighting.source_id)).all()
    return {source_id: rows.count(source_id) for source_id in set(rows)}


def health(engine: Engine, source_id: str) -> SourceState | None:
    with Session(engine) as session:
        return session.get(SourceState, source_id)


def assert_recovered(crawler: Crawler, before: dict[str, int]) -> None:
    reports = crawler.run()
    assert all(r.status is RunStatus.OK for r in reports.values()), reports
    after = stored(crawler.engine)
    assert after[A] == before[A] and after[B] > 0 and after[C] > 0
    state = health(crawler.engine, B)
    assert state is not None and state.consecutive_failures == 0


# --- a source that never answers --------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [{"body": "ei koskaan", "delay_seconds": 60}, {"body": "x" * 100, "drip_seconds": 30}],
    ids=["no-answer", "headers-then-silence"],
)
def test_a_hanging_source_times_out_and_the_others_proceed(
    harness: Harness, answer: dict[str, Any]
) -> None:
    harness.settings_overrides.update(read_timeout=0.5, total_timeout=2.0, retries=0)
    started = time.perf_counter()
    reports = harness.run(PASS, first_page_route(B, **answer))
    elapsed = time.perf_counter() - started
    assert reports[B].status is RunStatus.FAILED and reports[B].error_kind == "timeout"
    assert reports[A].status is RunStatus.OK and reports[C].status is RunStatus.OK
    assert reports[A].items_new > 0 and reports[C].items_new > 0
    assert elapsed < 30  # the 60 s route did not hold the pass
    state = harness.state(B)
    assert state.last_error_kind == "timeout" and state.consecutive_failures == 1


# --- SQLite ----------------------------------------------------------------------------------------


def sqlite_engine(path: Path, *, busy_ms: int = 300) -> Engine:
    """Like :func:`make_engine`, but giving up on a lock after ``busy_ms`` (not 10 s)."""
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": busy_ms / 1000}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        for pragma in (
            "foreign_keys=ON",
            "journal_mode=WAL",
            "synchronous=NORMAL",
            f"busy_timeout={busy_ms}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


@pytest.fixture
def sqlite_crawler(tmp_path: Path) -> Iterator[Crawler]:
    path = tmp_path / "faults.sqlite3"
    engine = sqlite_engine(path)
    create_all(engine)
    with session_scope(engine) as session:
        seed_tagging(session, CONFIG, START)
    yield Crawler(Harness(engine=engine, database_url=f"sqlite:///{path}"), engine)
    engine.dispose()


def _first_pass_then(
    crawler: Crawler, fault: Callable[[], None]
) -> tuple[dict[str, int], dict[str, RunReport]]:
    crawler.run()
    before = stored(crawler.engine)
    assert before[A] > 0 and before[B] > 0 and before[C] > 0
    return before, crawler.run(fault)


def test_sqlite_locked_mid_pass(sqlite_crawler: Crawler, caplog: pytest.LogCaptureFixture) -> None:
    crawler = sqlite_crawler
    path = make_url(crawler.harness.database_url).database
    blocker = sqlite_engine(Path(str(path))).connect()

    def lock() -> None:  # another writer holds the database
        blocker.exec_driver_sql("BEGIN IMMEDIATE")
        blocker.exec_driver_sql("UPDATE source_state SET enabled = enabled")

    before, reports = _first_pass_then(crawler, lock)
    try:
        for source_id in (B, C):
            assert reports[source_id].status is RunStatus.FAILED
            assert reports[source_id].error_kind == "store"
            assert "database is locked" in reports[source_id].error_message
        assert reports[A].status is RunStatus.OK
        # the health row could not be written either: that is logged, not raised
        assert f"could not record the failure of source {B}" in caplog.text
    finally:
        blocker.rollback()
        blocker.close()
    assert stored(crawler.engine) == before
    assert_recovered(crawler, before)


def test_sqlite_read_only_mid_pass(sqlite_crawler: Crawler) -> None:
    crawler = sqlite_crawler
    read_only = {"on": False}

    @event.listens_for(crawler.engine, "begin")
    def _maybe_read_only(connection: Any) -> None:
        connection.exec_driver_sql(f"PRAGMA query_only={int(read_only['on'])}")

    before, reports = _first_pass_then(crawler, lambda: read_only.update(on=True))
    for source_id in (B, C):
        assert reports[source_id].status is RunStatus.FAILED
        assert "readonly database" in reports[source_id].error_message
    read_only["on"] = False
    assert stored(crawler.engine) == before
    assert_recovered(crawler, before)


def test_sqlite_file_deleted_mid_pass(sqlite_crawler: Crawler) -> None:
    """The file goes (an admin's mistake): the pass still ends with a report per source; the
    next pass on the new, empty file fails clearly; after ``aggregator init`` it recovers."""
    crawler = sqlite_crawler
    path = Path(str(make_url(crawler.harness.database_url).database))

    def delete() -> None:
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            name.unlink(missing_ok=True)

    _before, reports = _first_pass_then(crawler, delete)
    assert set(reports) == set(PASS) and reports[A].status is RunStatus.OK
    crawler.engine.dispose()
    crawler.engine = sqlite_engine(path)
    reports = crawler.run()
    for report in reports.values():
        assert report.status is RunStatus.FAILED and report.error_kind == "store"
        assert "no such table" in report.error_message
    create_all(crawler.engine)
    assert all(r.status is RunStatus.OK for r in crawler.run().values())


# --- PostgreSQL ------------------------------------------------------------------------------------


@pytest.fixture
def postgres_crawler() -> Iterator[Crawler]:
    """A database of its own (renaming or cutting it must not disturb other tests)."""
    admin_url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG)
    admin = make_engine(admin_url)
    name = f"aggregator_faults_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL not reachable: {error}")
        pytest.skip(f"PostgreSQL not reachable: {error}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    create_all(engine)
    with session_scope(engine) as session:
        seed_tagging(session, CONFIG, START)
    crawler = Crawler(Harness(engine=engine, database_url=url), engine, admin=admin, name=name)
    yield crawler
    crawler.engine.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for database in (name, f"{name}_moved"):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


def _terminate(admin: Engine, where: str, **params: Any) -> None:
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {where}"), params
        )


@pytest.mark.postgres
def test_postgres_connection_terminated_during_a_store(postgres_crawler: Crawler) -> None:
    crawler = postgres_crawler
    admin = crawler.admin
    assert admin is not None
    struck: list[int] = []

    def cut_my_connection(cursor: Any, statement: str, params: Any) -> None:
        rows = params if isinstance(params, list) else [params]
        writes_b = any(isinstance(row, dict) and row.get("source_id") == B for row in rows)
        inserts = statement.lstrip().upper().startswith("INSERT INTO SIGHTING")
        if inserts and writes_b and not struck:
            pid = cursor.connection.info.backend_pid
            struck.append(pid)
            _terminate(admin, "pid = :pid", pid=pid)

    crawler.statement_hook = cut_my_connection
    reports = crawler.run()  # B's stories are new: their sightings are written in B's store
    assert struck, "the fault never struck"
    assert reports[B].status is RunStatus.FAILED and reports[B].error_kind == "store"
    assert "database error, nothing stored" in reports[B].error_message
    assert reports[A].status is RunStatus.OK and reports[C].status is RunStatus.OK
    before = stored(crawler.engine)
    assert B not in before and before[A] > 0 and before[C] > 0  # B's transaction rolled back
    state = health(crawler.engine, B)
    assert (
        state is not None and state.last_error_kind == "store" and state.consecutive_failures == 1
    )
    crawler.statement_hook = None
    assert_recovered(crawler, before)


@pytest.mark.postgres
def test_postgres_database_renamed_mid_pass(postgres_crawler: Crawler) -> None:
    crawler = postgres_crawler
    admin, name = crawler.admin, crawler.name
    assert admin is not None

    def rename(old: str, new: str) -> None:
        _terminate(admin, "datname = :name AND pid <> pg_backend_pid()", name=old)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'ALTER DATABASE "{old}" RENAME TO "{new}"'))

    before, reports = _first_pass_then(crawler, lambda: rename(name, f"{name}_moved"))
    assert reports[A].status is RunStatus.OK
    for source_id in (B, C):
        assert (
            reports[source_id].status is RunStatus.FAILED
            and reports[source_id].error_kind == "store"
        )
        assert "does not exist" in reports[source_id].error_message
    rename(f"{name}_moved", name)
    assert stored(crawler.engine) == before
    assert_recovered(crawler, before)
