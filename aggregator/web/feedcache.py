"""Rendered feeds kept in memory, keyed on the content version, so readers never wait on SQL.

The pipeline and :class:`~aggregator.store.tags.TagStore` bump a content version
(:mod:`aggregator.store.versions`) whenever stories or tags change. :class:`VersionWatch` reads
it at most once per ``interval`` seconds per process; a cached feed is served while it was built
at the current version (and, for grant feeds whose text says "12 days left", on the current
Helsinki day). A hit touches neither the database nor the renderer: the body, its gzip form,
ETags and Last-Modified are all computed once at build time.

Blocking work (the version read, a build) runs in a worker thread through :class:`SingleFlight`,
so a crowd asking for the same cold feed starts one build and shares its result. The same
:class:`FeedBuilder` writes the static export (``aggregator feed export``).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import format_datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from aggregator.clock import Clock, helsinki_date, start_of_day
from aggregator.display import source_display_names
from aggregator.errors import ConfigError
from aggregator.publish.feeds import EPOCH, build_document, render
from aggregator.publish.opml import (
    OPML_MEDIA_TYPE,
    Catalogue,
    FeedFormat,
    FeedSpec,
    TagLabel,
    render_opml,
)
from aggregator.runtime import Runtime
from aggregator.sources.registry import SourceConfig
from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.store.queries import find_items
from aggregator.store.tags import TagStore

log = logging.getLogger(__name__)
T = TypeVar("T")
FeedKey = tuple[FeedSpec, FeedFormat] | tuple[str, str]
GZIP_LEVEL = 9
CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The content version, the time it was read at and that time's Helsinki date."""

    version: int
    changed_at: datetime | None
    now: datetime
    today: date


@dataclass(frozen=True, slots=True)
class Answer:
    """One ready HTTP answer: status, raw header pairs and body (empty for 304)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class RenderedFeed:
    """One feed ready to send: bodies, validators and the four answers a reader can get."""

    body: bytes
    gzipped: bytes
    media_type: str
    digest: str
    last_modified: datetime
    version: int
    day: date | None  # the Helsinki day the text was written for, when it depends on the day
    answers: dict[tuple[bool, bool], Answer]  # (gzip, not modified) -> answer

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'

    @property
    def gzip_etag(self) -> str:
        return f'"{self.digest}-gzip"'

    @property
    def last_modified_http(self) -> str:
        return format_datetime(self.last_modified, usegmt=True)

    def valid_for(self, snapshot: Snapshot) -> bool:
        return self.version == snapshot.version and (self.day is None or self.day == snapshot.today)

    def answer(self, *, gzip: bool, not_modified: bool) -> Answer:
        return self.answers[gzip, not_modified]


def rendered(
    body: bytes, media_type: str, snapshot: Snapshot, updated: datetime, day_dependent: bool
) -> RenderedFeed:
    """Wrap ``body``; Last-Modified is when the content version (or the day's text) changed."""
    moments = [snapshot.changed_at or EPOCH, updated]
    if day_dependent:
        moments.append(start_of_day(snapshot.today))
    last_modified = min(max(moments), snapshot.now).replace(microsecond=0)
    gzipped = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    digest = hashlib.sha256(body).hexdigest()[:32]
    common = {
        "last-modified": format_datetime(last_modified, usegmt=True),
        "cache-control": CACHE_CONTROL,
        "vary": "Accept-Encoding",
        "access-control-allow-origin": "*",
    }
    answers = {}
    for packed, content in ((False, body), (True, gzipped)):
        validators = {"etag": f'"{digest}-gzip"' if packed else f'"{digest}"', **common}
        full = {
            "content-type": media_type,
            "content-length": str(len(content)),
            **validators,
            **({"content-encoding": "gzip"} if packed else {}),
        }
        answers[packed, False] = Answer(200, _raw(full), content)
        answers[packed, True] = Answer(304, _raw(validators), b"")
    return RenderedFeed(
        body=body,
        gzipped=gzipped,
        media_type=media_type,
        digest=digest,
        last_modified=last_modified,
        version=snapshot.version,
        day=snapshot.today if day_dependent else None,
        answers=answers,
    )


def _raw(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    )


class SingleFlight:
    """One blocking job per key at a time in a worker thread; concurrent callers share it.

    A caller that goes away (client disconnect) does not cancel the job for the others.
    """

    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Task[Any]] = {}

    def busy(self, key: Hashable) -> bool:
        return key in self._tasks

    async def run(
        self, key: Hashable, job: Callable[[], T], then: Callable[[T], object] | None = None
    ) -> T:
        """``job``'s result, built once for all concurrent callers of ``key``.

        ``then`` (e.g. storing the result in a cache) runs inside the flight, before it is
        forgotten, so a caller arriving just after the build finds the result and never starts
        a second build.
        """
        loop = asyncio.get_running_loop()
        task = self._tasks.get(key)
        if task is None or task.get_loop() is not loop:
            task = loop.create_task(self._build(job, then))
            self._tasks[key] = task
            task.add_done_callback(partial(self._forget, key))
        result: T = await asyncio.shield(task)
        return result

    @staticmethod
    async def _build(job: Callable[[], T], then: Callable[[T], object] | None) -> T:
        result = await run_in_threadpool(job)
        if then is not None:
            then(result)
        return result

    def _forget(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled():
            task.exception()  # retrieved here, so an unawaited failure is not logged as lost


class VersionWatch:
    """The content version, read from the database at most once per ``interval`` seconds."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.interval = interval
        self.monotonic = monotonic
        self._snapshot: Snapshot | None = None
        self._read_at = float("-inf")
        self._flight = SingleFlight()

    def read(self) -> Snapshot:
        """Read the version now (blocking)."""
        started = self.monotonic()
        with session_scope(self.engine) as session:
            version, changed_at = versions.current(session)
        now = self.clock.now()
        self._snapshot = Snapshot(version, changed_at, now, helsinki_date(now))
        self._read_at = started
        return self._snapshot

    async def snapshot(self) -> Snapshot:
        """The current snapshot; a stale one is refreshed by one caller while others use it."""
        current = self._snapshot
        if current is not None and (
            self.monotonic() - self._read_at < self.interval or self._flight.busy("version")
        ):
            return current
        return await self._flight.run("version", self.read)


class FeedBuilder:
    """Loads what a feed needs from the database and renders it (blocking; any thread)."""

    def __init__(
        self,
        engine: Engine,
        base_url: str,
        sources: Callable[[], list[SourceConfig]],
    ) -> None:
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.sources = sources
        self.builds = 0  # feeds rendered so far (tests and the benchmark read it)

    def catalogue(self) -> Catalogue:
        with session_scope(self.engine) as session:
            taxonomy = TagStore(session).taxonomy(active_only=True)
        tags = {
            row.id: TagLabel(row.kind, row.label_fi, row.label_sv, row.label_en)
            for row in sorted(taxonomy, key=lambda row: (row.kind != "audience", row.position))
        }
        sources = self._sources()
        return Catalogue(
            tags=tags,
            sources=source_display_names(sources),
            listed_sources=tuple(source.id for source in sources if source.enabled),
        )

    def _sources(self) -> list[SourceConfig]:
        try:
            return self.sources()
        except ConfigError as error:
            log.error("feeds: no source feeds, the source list cannot be read: %s", error)
            return []

    def feed(
        self, spec: FeedSpec, fmt: FeedFormat, snapshot: Snapshot, catalogue: Catalogue
    ) -> RenderedFeed:
        with session_scope(self.engine) as session:
            stories = find_items(session, spec.item_filter())
        document = build_document(
            spec,
            fmt,
            stories,
            catalogue,
            base_url=self.base_url,
            now=snapshot.now,
            fallback_updated=snapshot.changed_at or EPOCH,
        )
        media_type = f"{fmt.media_type}; charset=utf-8"
        body = render(document, fmt)
        self.builds += 1
        return rendered(body, media_type, snapshot, document.updated, document.day_dependent)

    def opml(self, language: str, snapshot: Snapshot, catalogue: Catalogue) -> RenderedFeed:
        created = (snapshot.changed_at or EPOCH).replace(microsecond=0)
        body = render_opml(catalogue, base_url=self.base_url, language=language, created=created)
        return rendered(body, OPML_MEDIA_TYPE, snapshot, created, day_dependent=False)


class FeedService:
    """The per-app cache of rendered feeds and of the catalogue (valid ids and labels)."""

    def __init__(
        self, runtime: Runtime, *, version_interval: float = 1.0, max_feeds: int = 512
    ) -> None:
        self.builder = FeedBuilder(runtime.engine, runtime.settings.base_url, runtime.sources)
        self.watch = VersionWatch(runtime.engine, runtime.clock, interval=version_interval)
        self.max_feeds = max_feeds
        self._feeds: OrderedDict[FeedKey, RenderedFeed] = OrderedDict()
        self._by_address: dict[Hashable, RenderedFeed] = {}
        self._catalogue: tuple[int, Catalogue] | None = None
        self._flight = SingleFlight()

    def by_address(self, address: Hashable, snapshot: Snapshot) -> RenderedFeed | None:
        """The feed last served at ``address`` (path and raw query), if still current.

        A hit skips parsing, id checks and key hashing: the whole cost of a cached answer is
        this dictionary lookup and the validity check.
        """
        found = self._by_address.get(address)
        return found if found is not None and found.valid_for(snapshot) else None

    def remember_address(self, address: Hashable, feed: RenderedFeed) -> None:
        if len(self._by_address) >= 2 * self.max_feeds:
            self._by_address.clear()  # addresses come from readers: keep the map bounded
        self._by_address[address] = feed

    async def catalogue(self, snapshot: Snapshot) -> Catalogue:
        cached = self._catalogue
        if cached is not None and cached[0] == snapshot.version:
            return cached[1]
        return await self._flight.run(
            ("catalogue", snapshot.version),
            self.builder.catalogue,
            then=partial(self._remember_catalogue, snapshot.version),
        )

    def _remember_catalogue(self, version: int, catalogue: Catalogue) -> None:
        self._catalogue = (version, catalogue)

    async def feed(self, spec: FeedSpec, fmt: FeedFormat, snapshot: Snapshot) -> RenderedFeed:
        catalogue = await self.catalogue(snapshot)
        job = partial(self.builder.feed, spec, fmt, snapshot, catalogue)
        return await self._cached((spec, fmt), snapshot, job)

    async def opml(self, language: str, snapshot: Snapshot) -> RenderedFeed:
        catalogue = await self.catalogue(snapshot)
        job = partial(self.builder.opml, language, snapshot, catalogue)
        return await self._cached(("opml", language), snapshot, job)

    async def _cached(
        self, key: FeedKey, snapshot: Snapshot, job: Callable[[], RenderedFeed]
    ) -> RenderedFeed:
        found = self._feeds.get(key)
        if found is not None and found.valid_for(snapshot):
            self._feeds.move_to_end(key)
            return found
        flight = (key, snapshot.version, snapshot.today)
        return await self._flight.run(flight, job, then=partial(self._remember, key))

    def _remember(self, key: FeedKey, feed: RenderedFeed) -> None:
        self._feeds[key] = feed
        self._feeds.move_to_end(key)
        while len(self._feeds) > self.max_feeds:
            self._feeds.popitem(last=False)
