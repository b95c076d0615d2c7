"""The whole flow of one source, as data from stage to stage, and the database met at its edges.

:func:`run_source` reads a source in this order, each stage once:

1. crawl: fetch the list pages (conditional GET with the validators the store keeps) and parse
   them (:mod:`aggregator.sources`) into :class:`~aggregator.types.RawItem` values;
2. complete: fetch the articles of stories the store lacks or whose list text changed;
3. normalise (:mod:`aggregator.normalize`): canonical URLs, clean text, story keys;
4. decide (:mod:`aggregator.normalize.batch`): new, edited, seen again, or republished, against
   the candidate stories the store loaded;
5. grant calls (:mod:`aggregator.grants`) and tags (:mod:`aggregator.tagging`, the tagger passed
   in), pure steps on the decided stories;
6. one store call (:func:`aggregator.store.ingest.write_run`) writes the run in ONE transaction:
   stories, sightings, grant calls, tags merged with the admins' overrides, the source's health
   and run record, and only then the pages' ETag/Last-Modified, so a crash anywhere before the
   commit leaves the database as it was and the next pass refetches.

:func:`run_pass` runs several sources, different hosts at the same time
(:mod:`aggregator.passes`); a failing source is recorded on its health row and the pass goes
on. :func:`check_source` fetches and parses without storing (``sources check``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import Engine

from aggregator.clock import Clock
from aggregator.errors import AggregatorError, StoreError, UnexpectedError
from aggregator.fetch import Fetcher, Validators
from aggregator.health import Health, RunReport, RunStatus, url_retry_delay
from aggregator.passes import run_by_host
from aggregator.sources.registry import SourceConfig, parser_for
from aggregator.store import pass_state
from aggregator.store.db import DatabaseError
from aggregator.types import Item, Page, ParseResult, RawItem, TagAssignment

# The stages after the crawl (normalising, deciding, grant calls, tagging, the store's ingest
# half and the ORM behind it) are imported where they run, so a pass whose every list page is
# unchanged loads none of them: tests/test_startup.py checks which modules it leaves out.
if TYPE_CHECKING:
    from aggregator.normalize.batch import BatchPlan, Known
    from aggregator.sources.base import SourceParser
    from aggregator.store.grants import CallSighting
    from aggregator.store.ingest import PageValidators
    from aggregator.store.items import StoredText
    from aggregator.tagging.match import Tagger

log = logging.getLogger(__name__)


class TaggerSource(Protocol):
    """Hands out the current tagger while the caller tags (rebuilt when admins change rules)."""

    def current(self, engine: Engine) -> AbstractContextManager[Tagger]: ...


@dataclass
class Services:
    """What a crawl needs from the outside world, injected so tests control every edge.

    ``tagger`` is where the tagging step gets its tagger (None: stories are stored untagged).
    """

    engine: Engine
    fetcher: Fetcher
    clock: Clock
    tagger: TaggerSource | None = None
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
    fresh_pages: list[Page] = field(default_factory=list)  # their bodies dropped once parsed
    page_hashes: list[str] = field(default_factory=list)  # the bodies' hashes, in that order
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
    def unchanged(self) -> bool:
        """Nothing was parsed and nothing failed: every list page was a 304 or the same bytes."""
        return not (self.fresh_pages or self.items or self.page_failures or self.failed_urls)

    @property
    def article_failures(self) -> list[PageFailure]:
        return [f for f in self.page_failures if f.what == "article"]

    def absorb(self, page: Page, result: ParseResult) -> None:
        self.page_hashes.append(body_hash(page.body))
        self.fresh_pages.append(replace(page, body=b""))  # a feed's bytes need not stay
        self.pages_parsed += 1
        self.items.extend(result.items)
        self.article_urls.update(result.article_urls)
        self.used_fallback |= result.used_fallback
        if result.proposed_selectors and not self.proposed_selectors:
            self.proposed_selectors = dict(result.proposed_selectors)
        self.warnings.extend(result.warnings)


# --- fetching and parsing --------------------------------------------------------------------


def body_hash(body: bytes) -> str:
    """What a list page's body is recognised by on the next pass (SHA-256, hex)."""
    return hashlib.sha256(body).hexdigest()


def _fetch_list_page(engine: Engine, fetcher: Fetcher, source_id: str, url: str) -> Page:
    """A conditional GET with the stored validators; a 200 carrying the very bytes parsed last
    time (a server without validators) comes back marked ``unchanged``, so it is not parsed."""
    stored = pass_state.page_state(engine, source_id, url)
    validators = None
    if stored is not None and (stored.etag or stored.last_modified):
        validators = Validators(etag=stored.etag, last_modified=stored.last_modified)
    page = fetcher.get(url, validators=validators)
    if (
        stored is not None
        and stored.content_hash
        and page.status == 200
        and body_hash(page.body) == stored.content_hash
    ):
        return replace(page, unchanged=True)
    return page


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
    parser = functools.cache(functools.partial(parser_for, source))  # made when a page is new
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
                    result = parser().parse_list(source, page)
                except DatabaseError:
                    raise  # the database (stored validators), not the page: the run fails
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
        except DatabaseError:
            raise
        except Exception as error:  # the first page of this list, spoiled by a library or a bug
            crawl.failed_urls.append(UnexpectedError(start_url, error))
    return crawl


def _unique_by_url(items: Iterable[RawItem]) -> list[RawItem]:
    """A story listed twice in one crawl (it moved to page two meanwhile) counts once."""
    from aggregator.normalize.urls import url_key

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
        published_origin=stored.date_origin if stored.published_has_time else raw.published_origin,
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
    from aggregator.normalize.dedupe import url_story_key
    from aggregator.store import ingest

    parser = parser_for(source)
    raws = _unique_by_url(crawl.items)
    stored, retries = ingest.article_basis(
        engine, source.id, [url_story_key(raw.url) for raw in raws], crawl.article_urls, now
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
    from aggregator.normalize.item import merge_article

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


# --- normalising, deciding, grant calls and tags: pure steps on plain values -------------------


@dataclass
class StoreCounts:
    found: int = 0
    new: int = 0
    updated: int = 0
    versions: int = 0  # stored as a new language version of a story
    new_ids: list[int] = field(default_factory=list)
    failed: list[PageFailure] = field(default_factory=list)


def _normalised(items: Sequence[RawItem], counts: StoreCounts) -> list[Item]:
    """Each item normalised on its own: one that cannot be is left out and told by its URL."""
    from aggregator.normalize.item import normalize_item

    normalised = []
    for raw in items:
        try:
            normalised.append(normalize_item(raw))
        except Exception as error:
            counts.failed.append(PageFailure.of(raw.url, "item", error))
    return normalised


def decide_all(items: Sequence[Item], known: Known, counts: StoreCounts) -> BatchPlan:
    """Decide each item in order against the known stories (and the ones before it)."""
    from aggregator.normalize.batch import BatchPlan
    from aggregator.normalize.dedupe import Outcome

    plan = BatchPlan(known)
    for item in items:
        outcome = plan.add(item).outcome
        counts.found += 1
        counts.new += outcome is Outcome.NEW
        counts.updated += outcome is Outcome.UPDATED
    counts.versions = len(plan.new_versions)
    counts.new_ids = [p.item_id for p in plan.planned if p.decision.outcome is Outcome.NEW]
    return plan


def grant_calls(plan: BatchPlan, failed: list[PageFailure]) -> list[CallSighting]:
    """The calls that new and edited stories announce, each linked to its story. A story whose
    extraction fails is stored without a call, and the failure is told by its URL."""
    from aggregator.grants.calls import grant_fields, publication
    from aggregator.store.grants import CallSighting

    calls = []
    for planned in plan.to_extract():
        item = planned.item
        try:
            fields = grant_fields(item)
        except Exception as error:
            failed.append(PageFailure.of(item.url, "item", error))
            continue
        if fields.is_call:
            calls.append(
                CallSighting(
                    fields,
                    planned.item_id,
                    item.title,
                    item.canonical_url,
                    item.language,
                    publication(item),
                )
            )
    return calls


@dataclass
class Tagged:
    """The tags of a crawl's stories, and the learned model's suggestions for review."""

    tags: dict[int, list[TagAssignment]] = field(default_factory=dict)
    suggestions: dict[int, list[TagAssignment]] | None = None  # None: no model to suggest


def tag_stories(plan: BatchPlan, tagger: Tagger, failed: list[PageFailure]) -> Tagged:
    """Tags of every story the crawl made new, edited or carried by one more source: the rules
    (and the learned model) on its text as it will be stored, with the list it was first seen
    in, and the defaults of every source carrying it. A story whose tagging fails keeps the
    tags it had (none when new), and the failure is told by its URL."""
    tagged = Tagged(suggestions={} if tagger.model is not None else None)
    for item_id in plan.to_tag():
        try:
            _tag_story(plan, tagger, item_id, tagged)
        except Exception as error:
            failed.append(PageFailure.of(plan.texts[item_id].url, "item", error))
    return tagged


def _tag_story(plan: BatchPlan, tagger: Tagger, item_id: int, tagged: Tagged) -> None:
    from aggregator.tagging.assign import assess_versions
    from aggregator.tagging.match import TextItem

    # tags come from every language version
    readable = TextItem.story_texts(plan.texts_of(item_id), plan.texts[item_id].list_name)
    tags, suggested = assess_versions(tagger, readable, plan.sources_of(item_id))
    tagged.tags[item_id] = tags
    if tagged.suggestions is not None:
        tagged.suggestions[item_id] = suggested


@contextmanager
def _tagger(services: Services) -> Iterator[Tagger | None]:
    if services.tagger is None:
        yield None
        return
    with services.tagger.current(services.engine) as tagger:
        yield tagger


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
        items_versions=counts.versions,
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
    pass_state.record_failure(engine, report, _interval(source))


def _interval(source: SourceConfig) -> timedelta:
    return timedelta(minutes=source.interval_minutes)


def _fetcher_with_validators(services: Services) -> Callable[[str, str], Page]:
    def fetch(source_id: str, url: str) -> Page:
        return _fetch_list_page(services.engine, services.fetcher, source_id, url)

    return fetch


def _fetch_plain(services: Services) -> Callable[[str, str], Page]:
    return lambda _source_id, url: services.fetcher.get(url)


def _waiting_pages(source: SourceConfig, services: Services) -> frozenset[str]:
    return pass_state.waiting_pages(services.engine, source.id, services.clock.now())


def run_source(source: SourceConfig, services: Services) -> RunReport:
    """Crawl ``source`` and store what it yields; never raises for a source's own failure."""
    started = services.clock.now()
    try:
        crawl = crawl_source(
            source, _fetcher_with_validators(services), waiting=_waiting_pages(source, services)
        )
        if crawl.failed_urls and len(crawl.failed_urls) == len(source.urls):
            raise crawl.failed_urls[0]
        if crawl.unchanged:
            return _record_unchanged(source, services, crawl, started)
        items = complete_items(
            source, crawl, services.engine, _fetch_plain(services), now=services.clock.now()
        )
        crawl.items.clear()  # they live on in ``items``, which _store_run empties once normalised
        return _store_run(source, services, crawl, items, started)
    except AggregatorError as error:
        report = _failed_report(source, error, started, services.clock.now())
    except DatabaseError as error:
        wrapped = StoreError(f"database error, nothing stored: {error.__class__.__name__}: {error}")
        report = _failed_report(source, wrapped, started, services.clock.now())
    except Exception as error:  # a parser bug must not stop the other sources
        log.exception("unexpected error in source %s", source.id)
        report = _failed_report(source, error, started, services.clock.now())
    record_failure(services.engine, source, report)
    return report


def _record_unchanged(
    source: SourceConfig, services: Services, crawl: Crawl, started: datetime
) -> RunReport:
    """Every list page unchanged: nothing to complete, decide, tag or store but the source's
    health and the run (what :func:`_store_run` writes for a crawl without items)."""
    report = _report(source, crawl, StoreCounts(), started, services.clock.now())
    with services.write_lock:
        pass_state.record_run(services.engine, report, _interval(source))
    return report


def _store_run(
    source: SourceConfig,
    services: Services,
    crawl: Crawl,
    items: list[RawItem],
    started: datetime,
) -> RunReport:
    """Normalise, decide, extract, tag and store ``items``; empties the list once they are
    normalised, so a large crawl does not hold both forms of every story (its raw text)."""
    from aggregator.store import ingest
    from aggregator.store.ingest import PageFailureRecord, RunWrite

    counts = StoreCounts()
    normalised = _normalised(items, counts)
    items.clear()
    with services.write_lock:  # the candidates stay what the store loaded until the write
        now = services.clock.now()
        plan = decide_all(normalised, ingest.known_stories(services.engine, normalised), counts)
        calls = grant_calls(plan, counts.failed)
        tagged = Tagged()
        if plan.to_tag():  # nothing new or changed: the tagger is not even built
            with _tagger(services) as tagger:
                if tagger is not None:
                    tagged = tag_stories(plan, tagger, counts.failed)
        report = _report(source, crawl, counts, started, services.clock.now())
        interval = _interval(source)
        return ingest.write_run(
            services.engine,
            RunWrite(
                source_id=source.id,
                now=now,
                plan=plan,
                calls=calls,
                tags=tagged.tags,
                suggestions=tagged.suggestions,
                report=report,
                interval=interval,
                pages_read=crawl.pages_read,
                failures=[
                    PageFailureRecord(f.url, f.kind, f.message)
                    for f in [*crawl.page_failures, *counts.failed]
                ],
                retry_delay=lambda count: url_retry_delay(interval, count),
                validators=_validators(crawl),
            ),
        )


def _validators(crawl: Crawl) -> list[PageValidators]:
    from aggregator.store.ingest import PageValidators

    found = []
    for page, content_hash in zip(crawl.fresh_pages, crawl.page_hashes, strict=True):
        validators = Validators.from_page(page) or Validators()
        found.append(
            PageValidators(page.url, validators.etag, validators.last_modified, content_hash)
        )
    return found


def run_pass(
    sources: Sequence[SourceConfig], services: Services, *, workers: int = 1
) -> list[RunReport]:
    """One crawl of every given source, up to ``workers`` hosts at a time (see
    :mod:`aggregator.passes`); the reports in the sources' order. Failures are recorded,
    never raised: a source whose failure cannot even be recorded gets a failed report."""
    return run_by_host(
        sources, lambda source: _run_source_safely(source, services), workers=workers
    )


def _run_source_safely(source: SourceConfig, services: Services) -> RunReport:
    started = services.clock.now()
    try:
        return run_source(source, services)
    except Exception as error:  # recording its failure failed too (the database is down)
        log.exception("source %s: the run and its failure record failed", source.id)
        return _failed_report(source, error, started, services.clock.now())


# --- sources check ---------------------------------------------------------------------------


@dataclass
class CheckResult:
    items: list[Item]
    crawl: Crawl
    error: AggregatorError | None = None


def check_source(source: SourceConfig, fetcher: Fetcher, *, articles: int = 5) -> CheckResult:
    """Fetch and parse ``source`` like a pass would, store nothing; read a few articles."""
    from aggregator.normalize.item import merge_article, normalize_item

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
    "CheckResult",
    "Crawl",
    "Health",
    "Services",
    "TaggerSource",
    "check_source",
    "crawl_source",
    "run_pass",
    "run_source",
]
