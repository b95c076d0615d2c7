"""Feeds built from the store and rendered, ready to send: bodies, gzip, validators, answers.

:class:`FeedBuilder` loads what a feed (or the OPML list) needs and renders it with
:mod:`aggregator.publish.render.feeds` and :mod:`aggregator.publish.render.opml`; the web app
caches what it builds (:mod:`aggregator.web.feedcache`), ``aggregator feed export`` writes it
to files. A :class:`Snapshot` is the content version a build is valid for.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import format_datetime

from sqlalchemy.engine import Engine

from aggregator.clock import Clock, helsinki_date, start_of_day
from aggregator.display import publisher_names, source_display_names, source_display_names_in
from aggregator.errors import ConfigError
from aggregator.publish.render.feeds import EPOCH, build_document, render
from aggregator.publish.render.opml import (
    OPML_MEDIA_TYPE,
    Catalogue,
    FeedFormat,
    FeedSpec,
    TagLabel,
    render_opml,
)
from aggregator.sources.registry import SourceConfig
from aggregator.store.feeds import active_tags, content_version, feed_stories
from aggregator.types import LANGUAGES

log = logging.getLogger(__name__)
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
        taxonomy = active_tags(self.engine)
        tags = {
            row.id: TagLabel(row.kind, row.label_fi, row.label_sv, row.label_en)
            for row in sorted(taxonomy, key=lambda row: (row.kind != "audience", row.position))
        }
        sources = self._sources()
        return Catalogue(
            tags=tags,
            sources=source_display_names(sources),
            listed_sources=tuple(source.id for source in sources if source.enabled),
            publishers=publisher_names(sources),
            sources_in={
                language: source_display_names_in(sources, language) for language in LANGUAGES
            },
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
        stories = feed_stories(self.engine, spec.item_filter())
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


def read_snapshot(engine: Engine, clock: Clock) -> Snapshot:
    """The content version now, with the time read and its Helsinki date."""
    version, changed_at = content_version(engine)
    now = clock.now()
    return Snapshot(version, changed_at, now, helsinki_date(now))
