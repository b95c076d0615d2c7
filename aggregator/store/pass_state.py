"""What a pass reads before it knows whether anything changed, and the run it records when
nothing did, in SQLAlchemy Core.

Most passes find every list page unchanged (a 304, or the same bytes again). Such a pass reads
the admins' switches, the added sources, the pages waiting for a retry and a page's stored
validators, then writes the source's health and one run row. None of that needs the ORM, so
it is written here over lightweight ``table()``/``column()`` constructs with the same column
types as the models (:class:`~aggregator.store.db.UTCDateTime`, JSON), and the pass never
imports SQLModel, the models or the ingest code behind them. The tables themselves are
defined by :mod:`aggregator.store.models`: ``tests/store/test_pass_state.py`` checks that each
column named here is there with the same kind of type, and ``tests/test_startup.py`` that a run
recorded here reads back through the ORM.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, column, insert, select, table, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from aggregator.health import Health, RunReport, after_run
from aggregator.store.db import UTCDateTime

log = logging.getLogger(__name__)

_HEALTH_FIELDS = tuple(f.name for f in fields(Health))
_DATETIME_FIELDS = frozenset(
    f.name for f in fields(Health) if "datetime" in str(f.type)
)  # the health fields stored as UTC timestamps


def _health_column(name: str) -> Any:
    if name in _DATETIME_FIELDS:
        return column(name, UTCDateTime)
    if name == "proposed_selectors":
        return column(name, JSON)
    kind = {bool: Boolean, int: Integer}.get(type(getattr(Health(), name)), String)
    return column(name, kind)


SOURCE_STATE = table(
    "source_state",
    column("source_id", String),
    column("enabled", Boolean),
    column("overrides", JSON),
    *(_health_column(name) for name in _HEALTH_FIELDS),
)
SOURCE_RUN = table(
    "source_run",
    column("source_id", String),
    column("started_at", UTCDateTime),
    column("finished_at", UTCDateTime),
    column("status", String),
    column("error_kind", String),
    column("error_message", String),
    column("warnings", JSON),
    column("pages_fetched", Integer),
    column("pages_not_modified", Integer),
    column("items_found", Integer),
    column("items_new", Integer),
    column("items_updated", Integer),
    column("used_fallback", Boolean),
)
HTTP_VALIDATOR = table(
    "http_validator",
    column("source_id", String),
    column("url", String),
    column("etag", String),
    column("last_modified", String),
    column("content_hash", String),
)
URL_FAILURE = table(
    "url_failure",
    column("source_id", String),
    column("url", String),
    column("retry_at", UTCDateTime),
)
ADDED_SOURCE = table(
    "added_source",
    column("source_id", String),
    column("definition", JSON),
    column("added_at", UTCDateTime),
)


@dataclass(frozen=True, slots=True)
class StoredPage:
    """What is kept of a list page between passes: its validators and its body's hash."""

    etag: str | None
    last_modified: str | None
    content_hash: str | None


@dataclass(frozen=True, slots=True)
class SourceSwitch:
    """What admins decided about a source in the web UI: on or off, and its edited fields."""

    enabled: bool
    overrides: dict[str, Any]


def source_switches(engine: Engine) -> dict[str, SourceSwitch]:
    """Every stored source's switch and edits, by source id."""
    query = select(SOURCE_STATE.c.source_id, SOURCE_STATE.c.enabled, SOURCE_STATE.c.overrides)
    with engine.connect() as connection:
        return {
            source_id: SourceSwitch(bool(enabled), dict(overrides or {}))
            for source_id, enabled, overrides in connection.execute(query)
        }


def added_definitions(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    """Every source added in the web UI as (source id, definition), oldest first."""
    query = select(ADDED_SOURCE.c.source_id, ADDED_SOURCE.c.definition).order_by(
        ADDED_SOURCE.c.added_at, ADDED_SOURCE.c.source_id
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [(source_id, dict(definition or {})) for source_id, definition in rows]


def page_state(engine: Engine, source_id: str, url: str) -> StoredPage | None:
    """The validators and the body's hash stored for ``url`` as ``source_id`` reads it."""
    v = HTTP_VALIDATOR.c
    query = select(v.etag, v.last_modified, v.content_hash).where(
        v.source_id == source_id, v.url == url
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else StoredPage(row[0], row[1], row[2])


def waiting_pages(engine: Engine, source_id: str, now: datetime) -> frozenset[str]:
    """The source's pages that failed before and wait for their retry time."""
    f = URL_FAILURE.c
    query = select(f.url).where(f.source_id == source_id, f.retry_at > now)
    with engine.connect() as connection:
        return frozenset(connection.execute(query).scalars())


def record_run(engine: Engine, report: RunReport, interval: timedelta) -> None:
    """The source's health after ``report`` and the run's row, in one transaction: what a run
    that stored nothing writes (every list unchanged, or the source failed as a whole)."""
    with engine.begin() as connection:
        stored = _health(connection, report.source_id)
        health = after_run(stored or Health(), report, interval)
        values = {name: getattr(health, name) for name in _HEALTH_FIELDS}
        values["proposed_selectors"] = dict(health.proposed_selectors)
        state = SOURCE_STATE.c
        if stored is None:  # the source's first row (as SourceStore.state creates it)
            connection.execute(
                insert(SOURCE_STATE).values(
                    source_id=report.source_id, enabled=True, overrides={}, **values
                )
            )
        else:
            connection.execute(
                update(SOURCE_STATE).where(state.source_id == report.source_id).values(**values)
            )
        connection.execute(insert(SOURCE_RUN).values(**_run_values(report)))


def record_failure(engine: Engine, report: RunReport, interval: timedelta) -> None:
    """Write a failed run on the source's health row (its stored items stay untouched)."""
    try:
        record_run(engine, report, interval)
    except SQLAlchemyError:
        log.exception("could not record the failure of source %s", report.source_id)


def _health(connection: Connection, source_id: str) -> Health | None:
    columns = [SOURCE_STATE.c[name] for name in _HEALTH_FIELDS]
    row = connection.execute(select(*columns).where(SOURCE_STATE.c.source_id == source_id)).first()
    if row is None:
        return None
    values = dict(zip(_HEALTH_FIELDS, row, strict=True))
    values["proposed_selectors"] = dict(values["proposed_selectors"] or {})
    return Health(**values)


def _run_values(report: RunReport) -> dict[str, Any]:
    return {
        "source_id": report.source_id,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "status": report.status.value,
        "error_kind": report.error_kind,
        "error_message": report.error_message,
        "warnings": list(report.warnings),
        "pages_fetched": report.pages_fetched,
        "pages_not_modified": report.pages_not_modified,
        "items_found": report.items_found,
        "items_new": report.items_new,
        "items_updated": report.items_updated,
        "used_fallback": report.used_fallback,
    }
