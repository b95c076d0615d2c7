"""The pipeline's side of the database: what a crawl reads, and the one write of a run.

A run reads three things before it decides anything: a page's stored validators (conditional
GET), the stored text of the stories its list names (which articles to fetch, and the failed
ones waiting for their retry) and the :class:`~aggregator.normalize.batch.Known` stories its
items can meet. Everything else happens in the pipeline on plain values; then :func:`write_run`
stores the whole run in ONE transaction: the stories, keys and sightings the plan decided, the
grant calls, the tags (merged with the admins' overrides), the content version, the source's
health and run record, its failed pages, and last the pages' validators. Stories new in the run
carry pending ids until then; the write maps them to the ids their rows get, everywhere.
:func:`aggregator.store.pass_state.record_failure` writes a run that failed as a whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from aggregator.health import RunReport, after_run
from aggregator.normalize.batch import BatchPlan, Known
from aggregator.store import versions
from aggregator.store.batch import load_known, write_plan
from aggregator.store.db import session_scope
from aggregator.store.grants import CallSighting, GrantStore
from aggregator.store.items import ItemStore, StoredText
from aggregator.store.learning import replace_suggestions
from aggregator.store.sources import SourceStore, UrlRetries
from aggregator.store.tags import TagStore
from aggregator.types import Item, TagAssignment

log = logging.getLogger(__name__)


def validators(engine: Engine, source_id: str, url: str) -> tuple[str | None, str | None] | None:
    """The ETag and Last-Modified stored for ``url`` as ``source_id`` reads it, if any."""
    with session_scope(engine) as session:
        return SourceStore(session).validators(source_id, url)


def article_basis(
    engine: Engine,
    source_id: str,
    url_keys: Iterable[str],
    article_urls: Iterable[str],
    now: datetime | None,
) -> tuple[dict[str, StoredText], UrlRetries]:
    """The stored text of the stories a list names (by URL key), and which of its articles
    failed before (waiting for their retry, or due); no retries are read without ``now``."""
    with session_scope(engine) as session:
        stored = ItemStore(session).stored_texts(url_keys)
        retries = (
            SourceStore(session).failed_urls(source_id, article_urls, now)
            if now is not None
            else UrlRetries()
        )
    return stored, retries


def known_stories(engine: Engine, items: Sequence[Item]) -> Known:
    """The stored stories and sightings ``items`` can meet (see :func:`.batch.load_known`)."""
    with session_scope(engine) as session:
        return load_known(session, items)


@dataclass(frozen=True, slots=True)
class PageFailureRecord:
    """A page of the source that failed this run: counted against its URL."""

    url: str
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class PageValidators:
    """A list page read in full this run: its validators and its body's hash, kept for the
    next pass (a 304, or the same bytes again, is then not parsed)."""

    url: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None = None


@dataclass(frozen=True)
class RunWrite:
    """Everything one run stores. Ids at or above ``PENDING_IDS`` are stories new in the run."""

    source_id: str
    now: datetime
    plan: BatchPlan
    calls: Sequence[CallSighting]
    tags: Mapping[int, Sequence[TagAssignment]]
    suggestions: Mapping[int, Sequence[TagAssignment]] | None  # None: no model suggested any
    report: RunReport
    interval: timedelta
    pages_read: Sequence[str]
    failures: Sequence[PageFailureRecord]
    retry_delay: Callable[[int], timedelta]
    validators: Sequence[PageValidators]


def write_run(engine: Engine, run: RunWrite) -> RunReport:
    """Store the run in one transaction; returns its report with the new stories' real ids."""
    now = run.now
    with session_scope(engine) as session:
        real = write_plan(
            session, run.plan, now, [(c.item_id, c.fields.closes_at) for c in run.calls]
        )
        GrantStore(session).record_many(
            [replace(call, item_id=real(call.item_id)) for call in run.calls], now
        )
        if run.tags:
            TagStore(session).apply_many(
                {real(item_id): tags for item_id, tags in run.tags.items()}, now
            )
        if run.suggestions is not None:
            replace_suggestions(
                session, {real(item_id): s for item_id, s in run.suggestions.items()}, now
            )
        report = replace(
            run.report, new_item_ids=tuple(real(item_id) for item_id in run.report.new_item_ids)
        )
        if report.items_new or report.items_updated or run.plan.new_versions:
            versions.bump(session, now)
        sources = SourceStore(session)
        health = after_run(sources.health(run.source_id), report, run.interval)
        sources.set_health(run.source_id, health)
        sources.add_run(report)
        sources.clear_url_failures(run.source_id, run.pages_read)
        for failure in run.failures:
            sources.record_url_failure(
                run.source_id, failure.url, (failure.kind, failure.message), now, run.retry_delay
            )
        for page in run.validators:
            sources.save_validators(
                run.source_id, page.url, page.etag, page.last_modified, now, page.content_hash
            )
    return report
