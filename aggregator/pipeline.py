"""Where the stages meet: fetch -> parse -> normalize -> dedupe -> tag -> grants -> store.

:func:`run_source` crawls one source and stores what it found in ONE transaction together with
the source's health and run record, then (only then) remembers the pages' ETag/Last-Modified:
a crash anywhere before the commit leaves the database as it was and the next pass refetches.
:func:`run_pass` runs several sources; a failing source is recorded on its health row and the
pass goes on. :func:`check_source` fetches and parses without storing (``sources check``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from aggregator.clock import Clock
from aggregator.errors import AggregatorError, StoreError, UnexpectedError
from aggregator.fetch import Fetcher, Validators
from aggregator.health import Health, RunReport, RunStatus, after_run, url_retry_delay
from aggregator.normalize.dedupe import Outcome, url_story_key
from aggregator.normalize.item import merge_article, normalize_item
from aggregator.normalize.urls import url_key
from aggregator.sources.base import SourceParser
from aggregator.sources.registry import SourceConfig, parser_for
from aggregator.store import versions
from aggregator.store.batch import StoryBatch
from aggregator.store.db import session_scope
from aggregator.store.items import ItemStore, StoredText
from aggregator.store.sources import SourceStore, UrlRetries
from aggregator.types import Item, Page, ParseResult, RawItem

log = logging.getLogger(__name__)

# Called inside the store transaction for every story that is new, edited at its source, or
# carried by a source that had not carried it before (tagging, grant calls). An enricher that
# is a :class:`Batched` gets the whole stored batch in one call instead.
Enricher = Callable[[Session, int, Item, Outcome, datetime], None]


@dataclass
class Services:
    """What a crawl needs from the outside world, injected so tests control every edge."""

    engine: Engine
    fetcher: Fetcher
    clock: Clock
    enrichers: list[Enricher] = field(default_factory=list)
    write_lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True, slots=True)
class PageFailure:
    """One page of a source (an article, a later list page, one item's URL) that failed."""

    url: str
    what: str  # "article" | "page" | "item"
    kind: str
    message: str

    @classmethod
    def of(cls, url: str, what: str, error: BaseException) -> PageFailure:
        if not isinstance(error, AggregatorError):
            error = UnexpectedError(url, error)
        return cls(url=url, what=what, kind=error.kind, message=str(error))


@dataclass
class Crawl:
    """Everything one source's pages yielded, before anything is stored.

    ``page_failures`` are the pages that failed while the source as a whole was read (each is
    remembered against its URL and retried with backoff, see
    :func:`aggregator.health.url_retry_delay`); ``pages_read`` are the pages read well, whose
    earlier failures are forgotten; ``articles_tried`` counts the article fetches.
    """

    items: list[RawItem] = field(default_factory=list)
    article_urls: set[str] = field(default_factory=set)
    fresh_pages: list[Page] = field(default_factory=list)
    pages_fetched: int = 0
    pages_not_modified: int = 0
    pages_parsed: int = 0
    used_fallback: bool = False
    proposed_selectors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    failed_urls: list[AggregatorError] = field(default_factory=list)
    page_failures: list[PageFailure] = field(default_factory=list)
    pages_read: list[str] = field(default_factory=list)
    articles_tried: int = 0

    @property
    def article_failures(self) -> list[PageFailure]:
        return [f for f in self.page_failures if f.what == "article"]

    def absorb(self, page: Page, result: ParseResult) -> None:
        self.fresh_pages.append(page)
        self.pages_parsed += 1
        self.items.extend(result.items)
        self.article_urls.update(result.article_urls)
        self.used_fallback |= result.used_fallback
        if result.proposed_selectors and not self.proposed_selectors:
            self.proposed_selectors = dict(result.proposed_selectors)
        self.warnings.extend(result.warnings)


# --- fetching and parsing --------------------------------------------------------------------


def _stored_validators(engine: Engine, source_id: str, url: str) -> Validators | None:
    with session_scope(engine) as session:
        pair = SourceStore(session).validators(source_id, url)
    return None if pair is None else Validators(etag=pair[0], last_modified=pair[1])


def crawl_source(
    source: SourceConfig,
    fetch: Callable[[str, str], Page],
    *,
    waiting: frozenset[str] = frozenset(),
) -> Crawl:
    """Fetch and parse every list of ``source``; ``fetch(source_id, url)`` does the I/O.

    A list whose first page fails is recorded in ``failed_urls``; when every list failed the
    caller treats the run as failed. A later page that fails costs only itself (in
    ``page_failures``); one in ``waiting`` (it failed before and its retry time has not come)
    is not fetched: the list stops before it.
    """
    crawl = Crawl()
    parser = parser_for(source)
    for start_url in source.urls:
        queue, seen = [start_url], set[str]()
        try:
            while queue and len(seen) < source.max_pages:
                url = queue.pop(0)
                if url in seen:
                    continue
                if seen and url in waiting:
                    crawl.warnings.append(f"list page waits for its retry after failing: {url}")
                    break
                seen.add(url)
                try:
                    page = fetch(source.id, url)
                    crawl.pages_fetched += 1
                    if page.not_modified:
                        crawl.pages_not_modified += 1
                        break
                    result = parser.parse_list(source, page)
                except Exception as error:
                    if len(seen) == 1:
                        raise
                    # A later page costs only itself: what the earlier pages gave is kept.
                    failure = PageFailure.of(url, "page", error)
                    crawl.page_failures.append(failure)
                    crawl.warnings.append(f"{url}: page skipped: {failure.message}")
                    break
                crawl.absorb(page, result)
                if len(seen) > 1:
                    crawl.pages_read.append(url)
                queue.extend(u for u in result.next_pages if u not in seen)
        except AggregatorError as error:
            crawl.failed_urls.append(error)
        except Exception as error:  # the first page of this list, spoiled by a library or a bug
            crawl.failed_urls.append(UnexpectedError(start_url, error))
    return crawl


def _unique_by_url(items: Iterable[RawItem]) -> list[RawItem]:
    """A story listed twice in one crawl (it moved to page two meanwhile) counts once."""
    seen: set[str] = set()
    unique = []
    for item in items:
        key = url_key(item.url)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _with_stored_text(raw: RawItem, stored: StoredText) -> RawItem:
    return replace(
        raw,
        body_text=stored.body_text,
        body_html=stored.body_html,
        published=stored.published_at if stored.published_has_time else raw.published,
        published_has_time=stored.published_has_time or raw.published_has_time,
        kind=raw.kind or stored.kind,
    )


def _needs_article(raw: RawItem, stored: StoredText | None) -> bool:
    """Fetch an article only for a story we lack or whose list text its own source changed."""
    if stored is None:
        return True
    if stored.primary_source_id != raw.source_id:
        return False
    return (stored.title, stored.summary) != (
        " ".join(raw.title.split()),
        " ".join(raw.summary.split()),
    )


def complete_items(
    source: SourceConfig,
    crawl: Crawl,
    engine: Engine,
    fetch: Callable[[str, str], Page],
    *,
    now: datetime | None = None,
) -> list[RawItem]:
    """List items completed with their article pages, fetched only where needed.

    Any exception reading one article (the fetch, or its parse) costs that article only: the
    story keeps its list text and the failure goes to ``crawl.page_failures``. With ``now``,
    an article that failed before and waits for its retry time is not fetched this pass.
    """
    parser = parser_for(source)
    raws = _unique_by_url(crawl.items)
    with session_scope(engine) as session:
        stored = ItemStore(session).stored_texts(url_story_key(raw.url) for raw in raws)
        retries = (
            SourceStore(session).failed_urls(source.id, crawl.article_urls, now)
            if now is not None
            else UrlRetries()
        )
    completed = []
    for raw in raws:
        text = stored.get(url_story_key(raw.url))
        wanted = _needs_article(raw, text) or raw.url in retries.due
        if raw.url not in crawl.article_urls or not wanted:
            completed.append(_with_stored_text(raw, text) if text else raw)
            continue
        if raw.url in retries.waiting:
            crawl.warnings.append(f"article waits for its retry after failing: {raw.url}")
            completed.append(_with_stored_text(raw, text) if text else raw)
            continue
        completed.append(_read_article(source, parser, crawl, raw, fetch))
    return completed


def _read_article(
    source: SourceConfig,
    parser: SourceParser,
    crawl: Crawl,
    raw: RawItem,
    fetch: Callable[[str, str], Page],
) -> RawItem:
    crawl.articles_tried += 1
    try:
        page = fetch(source.id, raw.url)
        merged = merge_article(raw, parser.parse_article(source, page))
    except Exception as error:  # not only ours: a library's or a bug's, in this article only
        failure = PageFailure.of(raw.url, "article", error)
        crawl.page_failures.append(failure)
        crawl.warnings.append(f"article not read, list text kept: {failure.message}")
        return raw
    crawl.pages_read.append(raw.url)
    return merged


# --- storing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Enrichment:
    """One stored story handed to a batch enricher."""

    item_id: int
    item: Item
    outcome: Outcome


@dataclass(frozen=True)
class Batched:
    """An enricher that can also take a whole stored batch at once (``many``), which
    :func:`store_items` prefers; called like any :data:`Enricher` it does one story (``one``)."""

    one: Enricher
    many: Callable[[Session, Sequence[Enrichment], datetime], None]

    def __call__(
        self, session: Session, item_id: int, item: Item, outcome: Outcome, now: datetime
    ) -> None:
        self.one(session, item_id, item, outcome, now)


@dataclass
class StoreCounts:
    found: int = 0
    new: int = 0
    updated: int = 0
    new_ids: list[int] = field(default_factory=list)
    failed: list[PageFailure] = field(default_factory=list)


def _normalised(items: Sequence[RawItem], counts: StoreCounts) -> list[Item]:
    """Each item normalised on its own: one that cannot be is left out and told by its URL."""
    normalised = []
    for raw in items:
        try:
            normalised.append(normalize_item(raw))
        except Exception as error:
            counts.failed.append(PageFailure.of(raw.url, "item", error))
    return normalised


def store_items(
    session: Session, items: Sequence[RawItem], now: datetime, enrichers: Sequence[Enricher]
) -> StoreCounts:
    """Normalise, dedupe and write ``items``; enrich new and edited stories.

    The whole batch is decided against the stored stories in memory and written with a few
    statements (:class:`~aggregator.store.batch.StoryBatch`); then each enricher gets the
    stories that are new, edited, or newly carried by a source, in their order.
    """
    counts = StoreCounts()
    normalised = _normalised(items, counts)
    batch = StoryBatch(session, now)
    batch.load(normalised)
    for item in normalised:
        batch.add(item)
    to_enrich = []
    for saved in batch.write():
        outcome = saved.decision.outcome
        counts.found += 1
        counts.new += outcome is Outcome.NEW
        counts.updated += outcome is Outcome.UPDATED
        if outcome is Outcome.NEW:
            counts.new_ids.append(saved.item_id)
        if outcome is not Outcome.UNCHANGED or saved.new_sighting:
            to_enrich.append(Enrichment(saved.item_id, saved.item, outcome))
    for enrich in enrichers:
        _run_enricher(enrich, session, to_enrich, now)
    if counts.new or counts.updated:
        versions.bump(session, now)
    return counts


def _run_enricher(
    enrich: Enricher, session: Session, stories: Sequence[Enrichment], now: datetime
) -> None:
    if isinstance(enrich, Batched):
        if stories:
            enrich.many(session, stories, now)
        return
    for story in stories:
        enrich(session, story.item_id, story.item, story.outcome, now)


def _report(
    source: SourceConfig,
    crawl: Crawl,
    counts: StoreCounts,
    started: datetime,
    finished: datetime,
) -> RunReport:
    failures = [*crawl.page_failures, *counts.failed]
    partial = bool(crawl.failed_urls or failures)
    kind, message = "", ""
    if crawl.failed_urls:
        kind, message = crawl.failed_urls[0].kind, str(crawl.failed_urls[0])
    elif failures:
        kind, message = failures[0].kind, _failures_summary(crawl, failures)
    return RunReport(
        source_id=source.id,
        started_at=started,
        finished_at=finished,
        status=RunStatus.PARTIAL if partial else RunStatus.OK,
        error_kind=kind,
        error_message=message,
        warnings=tuple(crawl.warnings),
        pages_fetched=crawl.pages_fetched,
        pages_not_modified=crawl.pages_not_modified,
        pages_parsed=crawl.pages_parsed,
        items_found=counts.found,
        items_new=counts.new,
        items_updated=counts.updated,
        used_fallback=crawl.used_fallback,
        proposed_selectors=crawl.proposed_selectors,
        new_item_ids=tuple(counts.new_ids),
    )


def _failures_summary(crawl: Crawl, failures: Sequence[PageFailure]) -> str:
    """What the source's health shows of a partial run: how many of what failed, and which
    URLs (the whole list, so an admin sees every one; the run's warnings say why)."""
    parts = []
    articles = [f for f in failures if f.what == "article"]
    if articles:
        parts.append(f"{len(articles)} of {crawl.articles_tried} articles failed")
    for what, label in (("page", "list pages"), ("item", "items")):
        count = sum(f.what == what for f in failures)
        if count:
            parts.append(f"{count} {label} failed")
    details = "; ".join(f"{f.url} ({f.message})" for f in failures)
    return f"{', '.join(parts)}: {details}"


def _failed_report(
    source: SourceConfig, error: Exception, started: datetime, now: datetime
) -> RunReport:
    kind = error.kind if isinstance(error, AggregatorError) else "internal"
    message = (
        str(error) if isinstance(error, AggregatorError) else f"{type(error).__name__}: {error}"
    )
    return RunReport(
        source_id=source.id,
        started_at=started,
        finished_at=now,
        status=RunStatus.FAILED,
        error_kind=kind,
        error_message=message,
    )


def record_failure(engine: Engine, source: SourceConfig, report: RunReport) -> None:
    """Write a failed run on the source's health row (its stored items stay untouched)."""
    try:
        with session_scope(engine) as session:
            sources = SourceStore(session)
            health = after_run(sources.health(source.id), report, _interval(source))
            sources.set_health(source.id, health)
            sources.add_run(report)
    except SQLAlchemyError:
        log.exception("could not record the failure of source %s", source.id)


def _interval(source: SourceConfig) -> timedelta:
    return timedelta(minutes=source.interval_minutes)


def _fetcher_with_validators(services: Services) -> Callable[[str, str], Page]:
    def fetch(source_id: str, url: str) -> Page:
        return services.fetcher.get(
            url, validators=_stored_validators(services.engine, source_id, url)
        )

    return fetch


def _fetch_plain(services: Services) -> Callable[[str, str], Page]:
    return lambda _source_id, url: services.fetcher.get(url)


def _waiting_pages(source: SourceConfig, services: Services) -> frozenset[str]:
    with session_scope(services.engine) as session:
        return SourceStore(session).waiting_urls(source.id, services.clock.now())


def run_source(source: SourceConfig, services: Services) -> RunReport:
    """Crawl ``source`` and store what it yields; never raises for a source's own failure."""
    started = services.clock.now()
    try:
        crawl = crawl_source(
            source, _fetcher_with_validators(services), waiting=_waiting_pages(source, services)
        )
        if crawl.failed_urls and len(crawl.failed_urls) == len(source.urls):
            raise crawl.failed_urls[0]
        items = complete_items(
            source, crawl, services.engine, _fetch_plain(services), now=services.clock.now()
        )
        return _store_run(source, services, crawl, items, started)
    except AggregatorError as error:
        report = _failed_report(source, error, started, services.clock.now())
    except SQLAlchemyError as error:
        wrapped = StoreError(f"database error, nothing stored: {error.__class__.__name__}: {error}")
        report = _failed_report(source, wrapped, started, services.clock.now())
    except Exception as error:  # a parser bug must not stop the other sources
        log.exception("unexpected error in source %s", source.id)
        report = _failed_report(source, error, started, services.clock.now())
    record_failure(services.engine, source, report)
    return report


def _store_run(
    source: SourceConfig,
    services: Services,
    crawl: Crawl,
    items: Sequence[RawItem],
    started: datetime,
) -> RunReport:
    with services.write_lock, session_scope(services.engine) as session:
        now = services.clock.now()
        counts = store_items(session, items, now, services.enrichers)
        report = _report(source, crawl, counts, started, services.clock.now())
        sources = SourceStore(session)
        sources.set_health(
            source.id, after_run(sources.health(source.id), report, _interval(source))
        )
        sources.add_run(report)
        _remember_page_failures(sources, source, crawl, [*crawl.page_failures, *counts.failed], now)
        for page in crawl.fresh_pages:
            validators = Validators.from_page(page)
            if validators is not None:
                sources.save_validators(
                    source.id, page.url, validators.etag, validators.last_modified, now
                )
    return report


def _remember_page_failures(
    sources: SourceStore,
    source: SourceConfig,
    crawl: Crawl,
    failures: Sequence[PageFailure],
    now: datetime,
) -> None:
    """Count each failed page against its URL (its next try backs off); forget pages read."""
    sources.clear_url_failures(source.id, crawl.pages_read)
    interval = _interval(source)
    for failure in failures:
        sources.record_url_failure(
            source.id,
            failure.url,
            (failure.kind, failure.message),
            now,
            lambda count: url_retry_delay(interval, count),
        )


def run_pass(sources: Sequence[SourceConfig], services: Services) -> list[RunReport]:
    """One crawl of every given source, in order; failures are recorded, never raised."""
    return [run_source(source, services) for source in sources]


# --- sources check ---------------------------------------------------------------------------


@dataclass
class CheckResult:
    items: list[Item]
    crawl: Crawl
    error: AggregatorError | None = None


def check_source(source: SourceConfig, fetcher: Fetcher, *, articles: int = 5) -> CheckResult:
    """Fetch and parse ``source`` like a pass would, store nothing; read a few articles."""
    crawl = crawl_source(source, lambda _sid, url: fetcher.get(url))
    if crawl.failed_urls and len(crawl.failed_urls) == len(source.urls):
        return CheckResult(items=[], crawl=crawl, error=crawl.failed_urls[0])
    parser = parser_for(source)
    items = []
    for index, raw in enumerate(_unique_by_url(crawl.items)):
        if index < articles and raw.url in crawl.article_urls:
            try:
                raw = merge_article(raw, parser.parse_article(source, fetcher.get(raw.url)))
            except Exception as error:  # one article's failure, whatever raised it
                crawl.warnings.append(
                    f"article not read: {PageFailure.of(raw.url, 'article', error).message}"
                )
        items.append(normalize_item(raw))
    return CheckResult(items=items, crawl=crawl)


__all__ = [
    "Batched",
    "CheckResult",
    "Crawl",
    "Enrichment",
    "Health",
    "Services",
    "check_source",
    "crawl_source",
    "run_pass",
    "run_source",
]
