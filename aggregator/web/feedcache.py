"""Rendered feeds kept in memory, keyed on the content version, so readers never wait on SQL.

The pipeline and :class:`~aggregator.store.tags.TagStore` bump a content version
(:mod:`aggregator.store.versions`) whenever stories or tags change. :class:`VersionWatch` reads
it at most once per ``interval`` seconds per process; a cached feed is served while it was built
at the current version (and, for grant feeds whose text says "12 days left", on the current
Helsinki day). A hit touches neither the database nor the renderer: the body, its gzip form,
ETags, Last-Modified and the security headers are all computed once per content version
(:class:`ServedFeed`), and :class:`~aggregator.web.fastlane.PreparedAnswers` sends a hit before
routing and the other middleware, so serving a cached feed costs little more than the HTTP
server itself (``benchmarks/bench_serve.py``).

Blocking work (the version read, a build) runs in a worker thread through :class:`SingleFlight`,
so a crowd asking for the same cold feed starts one build and shares its result. The feeds
themselves are built by :class:`aggregator.publish.feedbuild.FeedBuilder`, which also writes the
static export (``aggregator feed export``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from aggregator.clock import Clock
from aggregator.publish.feedbuild import (
    Answer,
    FeedBuilder,
    RenderedFeed,
    Snapshot,
    read_snapshot,
)
from aggregator.publish.render.opml import (
    Catalogue,
    FeedFormat,
    FeedSpec,
)
from aggregator.runtime import Runtime
from aggregator.web.conditional import choice
from aggregator.web.security import secured_headers

log = logging.getLogger(__name__)
T = TypeVar("T")
FeedKey = tuple[FeedSpec, FeedFormat] | tuple[str, str]
GZIP_LEVEL = 9
CACHE_CONTROL = "public, max-age=300"


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
        self._snapshot = read_snapshot(self.engine, self.clock)
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


@dataclass(frozen=True, slots=True)
class ServedFeed:
    """A cached feed with its answers as the app sends them: the feed's own headers plus the
    security headers (:func:`~aggregator.web.security.secured_headers`), for plain HTTP and for
    HTTPS (with HSTS). Made once per feed and address, so a hit only picks one."""

    feed: RenderedFeed
    answers: Mapping[tuple[bool, bool, bool], Answer]  # (https, gzip, not modified) -> answer

    @classmethod
    def of(cls, feed: RenderedFeed) -> ServedFeed:
        answers = {}
        for (gzip, current), answer in feed.answers.items():
            for https in (False, True):
                headers = tuple(secured_headers(answer.headers, https=https))
                answers[https, gzip, current] = Answer(answer.status, headers, answer.body)
        return cls(feed, answers)

    def answer_for(self, scope: Scope) -> Answer:
        """The answer for this request: 200 or 304, gzip or not, its scheme's headers."""
        gzip, current = choice(self.feed, scope["headers"])
        return self.answers[scope.get("scheme") == "https", gzip, current]


class FeedService:
    """The per-app cache of rendered feeds and of the catalogue (valid ids and labels)."""

    def __init__(
        self, runtime: Runtime, *, version_interval: float = 1.0, max_feeds: int = 512
    ) -> None:
        self.builder = FeedBuilder(runtime.engine, runtime.settings.base_url, runtime.sources)
        self.watch = VersionWatch(runtime.engine, runtime.clock, interval=version_interval)
        self.max_feeds = max_feeds
        self._feeds: OrderedDict[FeedKey, RenderedFeed] = OrderedDict()
        self._by_address: dict[Hashable, ServedFeed] = {}
        self._catalogue: tuple[int, Catalogue] | None = None
        self._flight = SingleFlight()

    def by_address(self, address: Hashable, snapshot: Snapshot) -> RenderedFeed | None:
        """The feed last served at ``address`` (path and raw query), if still current."""
        served = self.served(address, snapshot)
        return None if served is None else served.feed

    def holds(self, address: Hashable) -> bool:
        """Whether a feed was served at ``address`` (current or not): a dictionary lookup."""
        return address in self._by_address

    def served(self, address: Hashable, snapshot: Snapshot) -> ServedFeed | None:
        """The feed last served at ``address`` with its prepared answers, if still current.

        A hit skips parsing, id checks and key hashing: the whole cost of a cached answer is
        this dictionary lookup and the validity check.
        """
        found = self._by_address.get(address)
        return found if found is not None and found.feed.valid_for(snapshot) else None

    def remember_address(self, address: Hashable, feed: RenderedFeed) -> None:
        if len(self._by_address) >= 2 * self.max_feeds:
            self._by_address.clear()  # addresses come from readers: keep the map bounded
        self._by_address[address] = ServedFeed.of(feed)

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
