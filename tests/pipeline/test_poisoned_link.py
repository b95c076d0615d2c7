"""Failures as small as their cause (issue 17, defect 1): one poisoned link in a source costs
that link, never the source's other stories; the health says how many failed and which; a link
that keeps failing is retried with backoff, not on every pass.

The source is a small feed with ``fetch_articles = true`` served by the real mirror on loopback
and read by the real fetcher and pipeline into the test database.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.clock import FixedClock
from aggregator.demo.mirror import MirrorServer, Route
from aggregator.fetch import Fetcher
from aggregator.health import RunReport, RunStatus
from aggregator.pipeline import Crawl, Services, complete_items, crawl_source, run_source
from aggregator.settings import Settings
from aggregator.sources.registry import SourceConfig, load_sources
from aggregator.store.db import session_scope
from aggregator.store.models import Sighting, SourceState
from aggregator.store.sources import SourceStore
from aggregator.types import Page, RawItem

HOST = "poison.example"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
SOURCE = f"""
[[source]]
id = "poison-test"
publisher = "Testi"
kind = "feed"
language = "fi"
urls = ["https://{HOST}/feed.xml"]
homepage = "https://{HOST}/"
interval_minutes = 30
fetch_articles = true
"""
ARTICLE = """<!doctype html><html lang="fi"><head><title>{title}</title></head><body>
<article><h1>{title}</h1><p>Koko teksti jutusta {title}, kotoutuminen ja kieli.</p></article>
</body></html>"""


def feed(*paths: str, edition: int = 0) -> str:
    """A feed of ``paths``; a new ``edition`` changes its bytes (a live feed's build date), so
    the mirror answers 200 rather than 304 to the next pass."""
    items = "".join(
        f"<item><title>Juttu {p}</title><link>https://{HOST}{p}</link>"
        f"<description>Lyhyt {p}</description>"
        f"<pubDate>Thu, 19 Nov 2026 10:00:00 +0000</pubDate></item>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Testi</title><link>https://{HOST}/</link><description>{edition}</description>"
        f"{items}</channel></rss>"
    )


def article(path: str) -> Route:
    return Route(path, body=ARTICLE.format(title=f"Juttu {path}"), content_type="text/html")


@pytest.fixture
def source(tmp_path: Path) -> SourceConfig:
    path = tmp_path / "sources.toml"
    path.write_text(SOURCE, encoding="utf-8")
    return load_sources(path)[0]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


class Crawler:
    def __init__(self, engine: Engine, source: SourceConfig, clock: FixedClock, root: Path):
        self.engine, self.source, self.clock, self.root = engine, source, clock, root
        self.requests: list[str] = []

    def run(self, *routes: Route) -> RunReport:
        with MirrorServer(self.root, clock=self.clock, extra_routes={HOST: list(routes)}) as m:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None, mirror_url=m.url, host_delay=0.0, retries=0, obey_robots=False
            )
            with Fetcher(settings, clock=self.clock) as fetcher:
                report = run_source(self.source, Services(self.engine, fetcher, self.clock))
            self.requests = [r.path_and_query for r in m.requests]
        return report

    def stored_urls(self) -> set[str]:
        with session_scope(self.engine) as session:
            return {s.url for s in session.exec(select(Sighting))}


@pytest.fixture
def crawler(engine: Engine, source: SourceConfig, clock: FixedClock, tmp_path: Path) -> Crawler:
    root = tmp_path / "sites"
    root.mkdir()
    return Crawler(engine, source, clock, root)


def poisoned(location: str, edition: int = 0) -> list[Route]:
    return [
        Route(
            "/feed.xml",
            body=feed("/a/1", "/a/2", "/badredir", edition=edition),
            content_type="application/rss+xml",
        ),
        article("/a/1"),
        article("/a/2"),
        Route("/badredir", status=302, headers={"Location": location}),
    ]


LOCATIONS = [
    "http:elsewhere.example/x",
    "https:foo/bar",
    "mailto:x@y",
    "data:,x",
    "http://xn--zz.example/",
]


@pytest.mark.parametrize("location", LOCATIONS)
def test_a_poisoned_link_costs_only_itself(crawler: Crawler, location: str) -> None:
    report = crawler.run(*poisoned(location))

    assert report.status is RunStatus.PARTIAL
    assert report.items_found == 3
    assert {f"https://{HOST}/a/1", f"https://{HOST}/a/2"} <= crawler.stored_urls()
    assert report.error_message.startswith("1 of 3 articles failed")
    assert f"https://{HOST}/badredir" in report.error_message
    state = source_state(crawler)
    assert state.last_error_message.startswith("1 of 3 articles failed")
    assert f"https://{HOST}/badredir" in state.last_error_message
    assert state.consecutive_failures == 0


def source_state(crawler: Crawler) -> SourceState:
    with session_scope(crawler.engine) as session:
        return SourceStore(session).state(crawler.source.id)


def test_a_failing_link_is_retried_with_backoff_not_on_every_pass(
    crawler: Crawler, clock: FixedClock
) -> None:
    routes = poisoned("http:elsewhere.example/x")
    crawler.run(*routes)
    assert "/badredir" in crawler.requests
    feed_changed = [
        Route(
            "/feed.xml",
            body=feed("/a/1", "/a/2", "/badredir", "/a/3", edition=1),
            content_type="application/rss+xml",
        ),
        *routes[1:],
        article("/a/3"),
    ]

    clock.advance(1800)  # the next pass: the link is still in its backoff
    report = crawler.run(*feed_changed)
    assert "/badredir" not in crawler.requests
    assert "/a/3" in crawler.requests
    assert report.status is RunStatus.OK
    with session_scope(crawler.engine) as session:
        failures = SourceStore(session).url_failures(crawler.source.id)
    assert [(f.url, f.failures) for f in failures] == [(f"https://{HOST}/badredir", 1)]
    assert failures[0].retry_at > clock.now()

    clock.set(failures[0].retry_at + timedelta(seconds=1))
    fixed = [
        Route(
            "/feed.xml",
            body=feed("/a/1", "/a/2", "/badredir", "/a/3", edition=2),
            content_type="application/rss+xml",
        ),
        article("/a/1"),
        article("/a/2"),
        article("/badredir"),
        article("/a/3"),
    ]
    report = crawler.run(*fixed)
    assert report.status is RunStatus.OK
    assert "/badredir" in crawler.requests
    with session_scope(crawler.engine) as session:
        assert SourceStore(session).url_failures(crawler.source.id) == []


def test_backoff_grows_with_each_failure(crawler: Crawler, clock: FixedClock) -> None:
    waits = []
    for edition in range(3):
        crawler.run(*poisoned("https:foo/bar", edition))
        with session_scope(crawler.engine) as session:
            (failure,) = SourceStore(session).url_failures(crawler.source.id)
        waits.append(failure.retry_at - clock.now())
        clock.set(failure.retry_at + timedelta(seconds=1))
    assert waits[0] < waits[1] < waits[2]


def test_any_exception_in_one_article_is_recorded_against_its_url(
    source: SourceConfig, engine: Engine
) -> None:
    """Not only the project's own errors: a bug-shaped exception in one article stays there."""
    raws = [
        RawItem(source_id=source.id, url=f"https://{HOST}/a/{n}", title=f"T{n}", summary="s")
        for n in (1, 2, 3)
    ]
    crawl = Crawl(items=raws, article_urls={r.url for r in raws})

    def fetch(_source_id: str, url: str) -> Page:
        if url.endswith("/2"):
            raise RecursionError("maximum recursion depth exceeded in a parser")
        body = ARTICLE.format(title=url).encode()
        headers = {"content-type": "text/html; charset=utf-8"}
        return Page(
            url=url, final_url=url, status=200, headers=headers, body=body, fetched_at=START
        )

    items = complete_items(source, crawl, engine, fetch)

    assert [i.url for i in items] == [r.url for r in raws]
    assert [i.body_text != "" for i in items] == [True, False, True]
    assert [(f.url, f.kind) for f in crawl.article_failures] == [
        (f"https://{HOST}/a/2", "internal")
    ]
    assert "RecursionError" in crawl.article_failures[0].message


LISTED = """
[[source]]
id = "pages-test"
publisher = "Testi"
kind = "html"
language = "fi"
urls = ["https://{host}/lista"]
homepage = "https://{host}/"
interval_minutes = 30
max_pages = 3

[source.selectors]
item = "li"
title = "a"
link = "a"
next_page = "a[rel=next]"
"""


def list_page(url: str, links: list[str], next_url: str | None) -> Page:
    items = "".join(f'<li><a href="{link}">Juttu {link}</a></li>' for link in links)
    pager = f'<a rel="next" href="{next_url}">seuraava</a>' if next_url else ""
    body = f"<html><body><ul>{items}</ul>{pager}</body></html>".encode()
    headers = {"content-type": "text/html; charset=utf-8"}
    return Page(url=url, final_url=url, status=200, headers=headers, body=body, fetched_at=START)


def test_a_later_list_page_that_keeps_failing_waits_for_its_retry(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(LISTED.format(host=HOST), encoding="utf-8")
    source = load_sources(path)[0]
    first, second = f"https://{HOST}/lista", f"https://{HOST}/lista?sivu=2"
    fetched: list[str] = []

    def fetch(_source_id: str, url: str) -> Page:
        fetched.append(url)
        if url == second:
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "a library's bad day")
        return list_page(url, [f"https://{HOST}/a/1", f"https://{HOST}/a/2"], second)

    crawl = crawl_source(source, fetch)
    assert [i.url for i in crawl.items] == [f"https://{HOST}/a/1", f"https://{HOST}/a/2"]
    assert [(f.url, f.what, f.kind) for f in crawl.page_failures] == [(second, "page", "internal")]

    fetched.clear()
    crawl = crawl_source(source, fetch, waiting=frozenset({second}))
    assert fetched == [first]
    assert len(crawl.items) == 2 and crawl.page_failures == []
    assert any("waits for its retry" in w for w in crawl.warnings)


class _OneTagger:
    """A tagger source whose tagger only needs to say it has no model (``assess`` is patched)."""

    class _Tagger:
        model = None

    @contextmanager
    def current(self, engine: Engine) -> Iterator[Any]:
        yield self._Tagger()


STEP_MODULES = {
    "grant_fields": "aggregator.grants.calls",
    "assess_versions": "aggregator.tagging.assign",
}


@pytest.mark.parametrize("step", sorted(STEP_MODULES))
def test_an_exception_while_tagging_or_extracting_one_story_costs_only_that_story(
    crawler: Crawler, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """The pure steps after deciding (grant extraction, tagging) fail per story too: the story
    is stored (untagged, without a call), the others are tagged, and the run says which."""
    # The pipeline imports its later steps where they run, so each is replaced where it lives.
    module = importlib.import_module(STEP_MODULES[step])
    real = getattr(module, step)
    tagged: list[str] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        text = args[1][0] if step == "assess_versions" else args[0]
        if text.url.endswith("/a/2"):
            raise KeyError("a bug in one story's step")
        if step == "assess_versions":
            tagged.append(text.url)
            return [], []
        return real(*args, **kwargs)

    monkeypatch.setattr(module, step, flaky)
    with MirrorServer(crawler.root, clock=crawler.clock, extra_routes={HOST: ROUTES}) as m:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, mirror_url=m.url, host_delay=0.0, retries=0, obey_robots=False
        )
        with Fetcher(settings, clock=crawler.clock) as fetcher:
            services = Services(crawler.engine, fetcher, crawler.clock, tagger=_OneTagger())
            report = run_source(crawler.source, services)

    assert crawler.stored_urls() == {f"https://{HOST}/a/{n}" for n in (1, 2, 3)}
    assert report.status is RunStatus.PARTIAL
    assert f"https://{HOST}/a/2" in report.error_message
    assert "KeyError" in report.error_message
    if step == "assess_versions":
        assert sorted(tagged) == [f"https://{HOST}/a/1", f"https://{HOST}/a/3"]


ROUTES = [
    Route(
        "/feed.xml",
        body=feed("/a/1", "/a/2", "/a/3"),
        content_type="application/rss+xml",
    ),
    article("/a/1"),
    article("/a/2"),
    article("/a/3"),
]
