"""Real feed readers read the feeds the running app serves on loopback.

The app runs in uvicorn on 127.0.0.1 (port 0). Debian's ``newsboat`` subscribes through the
OPML list (``-i``) plus the Atom addresses, fetches everything (``-x reload``) and its sqlite
cache is compared with the database; ``sfeed`` parses RSS and Atom into TSV, and
``sfeed_opml_import`` reads the OPML; feedparser, the library many readers are built on, reads
every RSS and Atom feed. No JSON Feed reader is available offline (newsboat 2.21 and feedparser
6.0 predate the format), so JSON Feed is checked against its specification only
(tests/feeds/validity.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request
from calendar import timegm
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
import uvicorn
from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.publish.feedbuild import FeedBuilder
from aggregator.publish.render.feeds import clean_text, feed_scope, publisher, story_guid, to_uri
from aggregator.publish.render.opml import Catalogue, FeedFormat, FeedKind, FeedSpec, describe
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow
from aggregator.store.queries import StoryView, find_items
from aggregator.web.app import create_app
from aggregator.web.feedcache import FeedService
from tests.feeds.stories import NOW, seed

pytestmark = pytest.mark.slow
NEWSBOAT = shutil.which("newsboat")
SFEED = shutil.which("sfeed")


@dataclass
class Live:
    base: str
    runtime: Runtime
    catalogue: Catalogue

    def url(self, spec: FeedSpec, fmt: FeedFormat) -> str:
        return spec.url(self.base, fmt)

    def expected(self, spec: FeedSpec) -> list[StoryView]:
        with session_scope(self.runtime.engine) as session:
            return find_items(session, spec.item_filter())


@pytest.fixture
def live(database_url: str, config_dir: Path, engine: Engine) -> Iterator[Live]:
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only then (else Nagle adds 40 ms stalls)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings = Settings(database_url=database_url, config_dir=config_dir, base_url=base)
    runtime = Runtime(settings, clock=FixedClock(NOW))
    seed(engine)
    app = create_app(runtime)
    app.state.feed_service = FeedService(runtime, version_interval=0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    catalogue = FeedBuilder(runtime.engine, base, runtime.sources).catalogue()
    yield Live(base, runtime, catalogue)
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()
    runtime.close()


def standard_specs_fi(live: Live) -> list[FeedSpec]:
    from aggregator.publish.render.opml import standard_specs

    return standard_specs(live.catalogue, "fi")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
        return bytes(response.read())


def guid(live: Live, spec: FeedSpec, fmt: FeedFormat, story_id: int) -> str:
    return story_guid(feed_scope(spec, fmt, live.base), story_id)


def assert_same_stories(
    live: Live,
    spec: FeedSpec,
    fmt: FeedFormat,
    rows: list[tuple[str, str, str, str]],
    where: str,
) -> None:
    """``rows`` (title, link, guid, author) as a reader saw them, in feed order."""
    stories = live.expected(spec)
    assert len(rows) == len(stories), where
    by_guid = {row[2]: row for row in rows}
    for story in stories:
        title, link, _guid, author = by_guid[guid(live, spec, fmt, story.id)]
        expected_title = clean_text(story.title)
        assert title == expected_title or title.startswith(f"{expected_title} ("), where
        assert link == to_uri(story.url), where
        assert author == publisher(story, live.catalogue, spec.language), where


# --- newsboat --------------------------------------------------------------------------


class Newsboat:
    """newsboat with its own urls file, config and cache under ``folder``."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.urls, self.conf, self.cache = (folder / n for n in ("urls", "conf", "cache.db"))
        self.urls.touch()
        self.conf.touch()
        self.env = {"HOME": str(folder), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}

    def run(self, *args: str) -> None:
        command = [str(NEWSBOAT), "-u", str(self.urls), "-C", str(self.conf), "-c", str(self.cache)]
        subprocess.run(
            [*command, *args], env=self.env, check=True, timeout=120, stdin=subprocess.DEVNULL
        )

    def subscribe(self, *urls: str) -> None:
        with self.urls.open("a") as handle:
            handle.writelines(f"{url}\n" for url in urls)

    def feeds(self) -> dict[str, str]:
        with sqlite3.connect(self.cache) as connection:
            return dict(connection.execute("SELECT rssurl, title FROM rss_feed"))

    def items(self) -> list[tuple[str, str, str, str, str]]:
        """(feed url, title, link, guid, author) of every stored item, newest first."""
        with sqlite3.connect(self.cache) as connection:
            query = (
                "SELECT feedurl, title, url, guid, author FROM rss_item ORDER BY pubDate DESC, id"
            )
            return connection.execute(query).fetchall()


NEWSBOAT_CASES = [
    (FeedSpec(FeedKind.ALL), FeedFormat.RSS),
    (FeedSpec(FeedKind.ALL), FeedFormat.ATOM),
    (FeedSpec(FeedKind.GRANTS, language="sv"), FeedFormat.ATOM),
    (FeedSpec(FeedKind.AUDIENCE, audiences=("municipalities",), language="en"), FeedFormat.RSS),
    (
        FeedSpec(FeedKind.CUSTOM, audiences=("professionals",), topics=("koto-digi",)),
        FeedFormat.ATOM,
    ),
]
needs_newsboat = pytest.mark.reader("newsboat")


@pytest.fixture(autouse=True)
def _reader_installed(request: pytest.FixtureRequest) -> None:
    """A test marked ``reader("program")`` needs that Debian reader (scripts/bootstrap.sh
    installs it when root): without it the test skips with the reason, and fails instead under
    REQUIRE_READERS=1, which .ci/run sets (CI must run every reader)."""
    marker = request.node.get_closest_marker("reader")
    if marker is None or shutil.which(marker.args[0]) is not None:
        return
    reason = f"{marker.args[0]} is not installed (Debian package {marker.args[0]})"
    if os.environ.get("REQUIRE_READERS") == "1":
        pytest.fail(f"{reason} (REQUIRE_READERS=1)")
    pytest.skip(reason)


@needs_newsboat
def test_newsboat_reads_rss_and_atom(live: Live, tmp_path: Path) -> None:
    for number, (spec, fmt) in enumerate(NEWSBOAT_CASES):
        reader = Newsboat(tmp_path / f"reader-{number}")
        url = live.url(spec, fmt)
        reader.subscribe(url)
        reader.run("-x", "reload")
        assert reader.feeds() == {url: describe(spec, live.catalogue)[0]}
        rows = [row[1:] for row in reader.items()]
        assert_same_stories(live, spec, fmt, rows, f"newsboat {url}")


@needs_newsboat
def test_newsboat_subscribed_through_the_opml_shows_every_feed_whole(
    live: Live, tmp_path: Path
) -> None:
    """Every feed of the OPML list, and the Atom twin of each, subscribed at once: each shows
    all its stories (newsboat keys items by guid across feeds, so ids are per feed)."""
    opml = tmp_path / "index.opml"
    opml.write_bytes(get(f"{live.base}/feeds/index.opml"))
    reader = Newsboat(tmp_path / "reader")
    reader.run("-i", str(opml))
    specs = standard_specs_fi(live)
    imported = [line.split()[0] for line in reader.urls.read_text().splitlines() if line]
    assert imported == [live.url(spec, FeedFormat.RSS) for spec in specs]
    reader.subscribe(*(live.url(spec, FeedFormat.ATOM) for spec in specs))
    reader.run("-x", "reload")
    titles = {live.url(s, f): describe(s, live.catalogue)[0] for s in specs for f in FeedFormat}
    assert reader.feeds() == {url: title for url, title in titles.items() if ".json" not in url}
    shown: dict[str, list[tuple[str, str, str, str]]] = {}
    for feed_url, *row in reader.items():
        shown.setdefault(feed_url, []).append((row[0], row[1], row[2], row[3]))
    counts = []
    for spec in specs:
        for fmt in (FeedFormat.RSS, FeedFormat.ATOM):
            url = live.url(spec, fmt)
            rows = shown.get(url, [])
            assert_same_stories(live, spec, fmt, rows, f"newsboat, OPML feed {url}")
            counts.append(len(rows))
            print(f"newsboat: {url.removeprefix(live.base)} shows {len(rows)} items")
    assert sum(counts) > 2 * len(live.expected(FeedSpec(FeedKind.ALL)))  # stories overlap


@needs_newsboat
def test_newsboat_keeps_one_copy_per_feed_of_a_story_edited_at_its_source(
    live: Live, tmp_path: Path
) -> None:
    reader = Newsboat(tmp_path / "reader")
    spec = FeedSpec(FeedKind.TOPIC, topics=("placement",))
    reader.subscribe(live.url(spec, FeedFormat.RSS), live.url(spec, FeedFormat.ATOM))
    reader.run("-x", "reload")
    (story,) = live.expected(spec)
    edited_at = NOW + timedelta(hours=1)
    with session_scope(live.runtime.engine) as session:
        row = session.get_one(ItemRow, story.id)
        row.title, row.edits, row.updated_at = "Kuntapaikat 2027: päätös tehty", 1, edited_at
        session.add(row)
        versions.bump(session, edited_at)
    reader.run("-x", "reload")
    seen = sorted((feed_url, title, item_id) for feed_url, title, _l, item_id, _a in reader.items())
    assert seen == sorted(
        (live.url(spec, fmt), "Kuntapaikat 2027: päätös tehty", guid(live, spec, fmt, story.id))
        for fmt in (FeedFormat.RSS, FeedFormat.ATOM)
    )


# --- sfeed -----------------------------------------------------------------------------


SFEED_CASES = [
    (FeedSpec(FeedKind.ALL), FeedFormat.RSS),
    (FeedSpec(FeedKind.ALL), FeedFormat.ATOM),
    (FeedSpec(FeedKind.GRANTS, language="sv"), FeedFormat.ATOM),
    (FeedSpec(FeedKind.SOURCE, sources=("kotoutuminen-uutiset",), language="en"), FeedFormat.RSS),
    (
        FeedSpec(FeedKind.CUSTOM, audiences=("funding", "municipalities"), topics=("amif",)),
        FeedFormat.RSS,
    ),
]


@pytest.mark.reader("sfeed")
def test_sfeed_parses_rss_and_atom(live: Live) -> None:
    for spec, fmt in SFEED_CASES:
        url = live.url(spec, fmt)
        parsed = subprocess.run(
            [str(SFEED)], input=get(url), capture_output=True, check=True, timeout=30
        )
        records = [sfeed_record(line) for line in parsed.stdout.decode().splitlines()]
        rows = [(r["title"], r["link"], r["id"], r["author"]) for r in records]
        assert_same_stories(live, spec, fmt, rows, f"sfeed {url}")
        stories = {guid(live, spec, fmt, s.id): s for s in live.expected(spec)}
        for record in records:
            story = stories[record["id"]]
            assert int(record["timestamp"]) == int(story.dated_at.timestamp())
            tag_ids = [t for t in live.catalogue.tags if t in {tag.tag_id for tag in story.tags}]
            shown = [  # RSS carries the category text, Atom the term
                live.catalogue.label(t, spec.language) if fmt is FeedFormat.RSS else t
                for t in tag_ids
            ]
            assert record["categories"] == "|".join(shown), record


SFEED_FIELDS = (
    "timestamp", "title", "link", "content", "content_type", "id", "author", "enclosure",
    "categories",
)  # fmt: skip


def sfeed_record(line: str) -> dict[str, str]:
    fields = line.split("\t")
    unescaped = [
        field.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\") for field in fields
    ]
    return dict(zip(SFEED_FIELDS, unescaped, strict=False))


@pytest.mark.reader("sfeed")
def test_sfeed_imports_the_opml_list(live: Live) -> None:
    imported = subprocess.run(
        [f"{SFEED}_opml_import"],
        input=get(f"{live.base}/feeds/index.opml?lang=sv"),
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    feeds = [line.strip() for line in imported.splitlines() if line.strip().startswith("feed ")]
    from aggregator.publish.render.opml import standard_specs

    specs = standard_specs(live.catalogue, "sv", listed_only=True)
    assert feeds == [
        f"feed '{describe(spec, live.catalogue)[0]}' '{live.url(spec, FeedFormat.RSS)}'"
        for spec in specs
    ]


# --- feedparser ------------------------------------------------------------------------


def test_feedparser_reads_every_rss_and_atom_feed(live: Live) -> None:
    for spec in standard_specs_fi(live):
        for fmt, version in ((FeedFormat.RSS, "rss20"), (FeedFormat.ATOM, "atom10")):
            url = live.url(spec, fmt)
            parsed = feedparser.parse(url)  # it fetches, with its own Accept and A-IM headers
            assert not parsed.bozo, (url, parsed.get("bozo_exception"))
            assert parsed.version == version
            assert parsed.feed.title == describe(spec, live.catalogue)[0]
            rows = [(e.title, e.link, e.id, e.author) for e in parsed.entries]
            assert_same_stories(live, spec, fmt, rows, f"feedparser {url}")
            for entry, story in zip(parsed.entries, live.expected(spec), strict=True):
                published = datetime.fromtimestamp(timegm(entry.published_parsed), UTC)
                moment = story.dated_at
                assert published == moment.replace(microsecond=0)


@pytest.mark.reader("sfeed")
def test_sfeed_update_through_the_opml_keeps_every_feed_whole(live: Live, tmp_path: Path) -> None:
    """sfeed's own loop: the OPML imported into an sfeedrc, ``sfeed_update`` fetches each feed
    (with curl) into its own file; each file holds every story of its feed."""
    imported = subprocess.run(
        [f"{SFEED}_opml_import"],
        input=get(f"{live.base}/feeds/index.opml"),
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    feeds_dir = tmp_path / "feeds"
    sfeedrc = tmp_path / "sfeedrc"
    sfeedrc.write_text(f"sfeedpath={feeds_dir}\nmaxjobs=2\n{imported}")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    subprocess.run(
        [f"{SFEED}_update", str(sfeedrc)], env=env, check=True, timeout=180, capture_output=True
    )
    specs = standard_specs_fi(live)
    for spec in specs:
        name = describe(spec, live.catalogue)[0].replace("/", "_")
        lines = (feeds_dir / name).read_text().splitlines()
        records = [sfeed_record(line) for line in lines]
        rows = [(r["title"], r["link"], r["id"], r["author"]) for r in records]
        assert_same_stories(live, spec, FeedFormat.RSS, rows, f"sfeed_update {name}")


RSSTAIL = shutil.which("rsstail")


@pytest.mark.reader("rsstail")
def test_rsstail_shows_every_story_of_each_opml_feed(live: Live) -> None:
    """rsstail (libmrss) reads each feed of the OPML list once and prints every story."""
    for spec in standard_specs_fi(live):
        for fmt in (FeedFormat.RSS, FeedFormat.ATOM):
            url = live.url(spec, fmt)
            shown = subprocess.run(
                [str(RSSTAIL), "-1", "-N", "-l", "-n", "50", "-u", url],
                capture_output=True,
                check=True,
                timeout=60,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            ).stdout.decode()
            lines = [line.strip() for line in shown.splitlines() if line.strip()]
            titles, links = lines[0::2], lines[1::2]  # each story: its title, then its link
            stories = live.expected(spec)
            assert len(titles) == len(stories), (url, shown)
            assert sorted(links) == sorted(to_uri(s.url) for s in stories), url
            assert {clean_text(s.title) for s in stories} <= {t.split(" (")[0] for t in titles}
