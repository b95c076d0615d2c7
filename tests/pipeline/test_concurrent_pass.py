"""A pass over many hosts: hosts crawled at the same time, each host still polite, one
source's failure its own, reports in the sources' order.

Real fetcher, real loopback mirror (every made-up host name reaches it through the mirror map),
real database. Time is a shared FixedClock, so politeness waits cost nothing and are read off
the mirror's request log; that two hosts are read at the same time is shown by a barrier both
crawls must reach before either may go on.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.demo.mirror import MirrorRequest, MirrorServer, Route
from aggregator.fetch import Fetcher, Validators
from aggregator.health import RunReport, RunStatus
from aggregator.pipeline import Services, run_pass
from aggregator.settings import Settings
from aggregator.sources.registry import SourceConfig, source_from_block
from aggregator.store.sources import read_health
from aggregator.types import Page
from benchmarks.towns import (
    FEED_PATH,
    article_url,
    feed_body,
    feed_url,
    site_routes,
    town_block,
    town_host,
)

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def settings(mirror_url: str, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "mirror_url": mirror_url,
        "host_delay": 0.0,
        "retries": 0,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        "total_timeout": 10.0,
    }
    return Settings(_env_file=None, **{**values, **overrides})  # type: ignore[call-arg]


def town(number: int, *, host: str | None = None, path: str = FEED_PATH) -> SourceConfig:
    return source_from_block(town_block(number, host=host, path=path), f"town {number}")


def feed_route(body: str) -> Route:
    return Route(FEED_PATH, body=body, content_type="application/rss+xml")


@dataclass
class Pass:
    reports: list[RunReport]
    requests: list[MirrorRequest]


@contextmanager
def crawl_setup(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    routes: Mapping[str, list[Route]],
    clock: FixedClock,
    fetcher_class: type[Fetcher] = Fetcher,
    **overrides: Any,
) -> Iterator[tuple[MirrorServer, Services]]:
    (tmp_path / "sites").mkdir(exist_ok=True)
    with (
        MirrorServer(tmp_path / "sites", clock=clock, extra_routes=routes) as mirror,
        fetcher_class(settings(mirror.url, database_url, **overrides), clock=clock) as fetcher,
    ):
        yield mirror, Services(engine=engine, fetcher=fetcher, clock=clock)


def run(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    sources: Sequence[SourceConfig],
    routes: Mapping[str, list[Route]],
    *,
    workers: int,
    clock: FixedClock | None = None,
    fetcher_class: type[Fetcher] = Fetcher,
    **overrides: Any,
) -> Pass:
    clock = clock or FixedClock(START)
    with crawl_setup(tmp_path, database_url, engine, routes, clock, fetcher_class, **overrides) as (
        mirror,
        services,
    ):
        reports = run_pass(sources, services, workers=workers)
        return Pass(reports, mirror.requests)


class MeetingFetcher(Fetcher):
    """The real fetcher, except that a request for one of ``MEETING`` first waits until all
    of them have been asked for: with one crawl at a time the barrier breaks, and that
    source fails (its report says so)."""

    MEETING: frozenset[str] = frozenset()
    barrier: threading.Barrier

    def get(
        self, url: str, *, validators: Validators | None = None, accept: str | None = None
    ) -> Page:
        if url in self.MEETING:
            self.barrier.wait()
        return super().get(url, validators=validators, accept=accept)


def test_sources_on_different_hosts_are_fetched_at_the_same_time(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    sources = [town(n) for n in (1, 2, 3)]
    hosts = [town_host(n) for n in (1, 2, 3)]

    class Meeting(MeetingFetcher):
        MEETING = frozenset(feed_url(host) for host in hosts)
        barrier = threading.Barrier(3, timeout=20)

    routes = {host: site_routes(host, stories=2) for host in hosts}
    done = run(tmp_path, database_url, engine, sources, routes, workers=3, fetcher_class=Meeting)

    assert [r.status for r in done.reports] == [RunStatus.OK] * 3, [
        r.error_message for r in done.reports
    ]
    assert [r.items_new for r in done.reports] == [2, 2, 2]
    assert not Meeting.barrier.broken


def test_one_host_stays_polite_while_other_hosts_are_crawled_at_once(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    shared, elsewhere = town_host(1), town_host(9)
    # The shared host is read by two of its own sources (one worker, in turn) and by a source
    # on another host whose feed links stories there (another worker, at the same time),
    # while three more hosts are crawled beside them.
    sources = [town(1), town(2, host=shared, path="/toinen.rss"), town(9)]
    sources += [town(n) for n in (3, 4, 5)]
    routes = {host: site_routes(host, stories=4) for host in map(town_host, (1, 3, 4, 5))}
    routes[shared][1] = feed_route(feed_body(shared, 2))
    routes[shared].append(replace(feed_route(feed_body(shared, 2)), path="/toinen.rss"))
    routes[elsewhere] = [feed_route(feed_body(elsewhere, 2, first=2, link_host=shared))]

    class Meeting(MeetingFetcher):  # the two workers ask the shared host at the same moment
        MEETING = frozenset({article_url(shared, 0), article_url(shared, 2)})
        barrier = threading.Barrier(2, timeout=20)

    done = run(
        tmp_path,
        database_url,
        engine,
        sources,
        routes,
        workers=4,
        fetcher_class=Meeting,
        host_delay=2.0,
    )

    assert all(r.status is RunStatus.OK for r in done.reports), [
        r.error_message for r in done.reports
    ]
    by_host: dict[str, list[MirrorRequest]] = {}
    for request in done.requests:
        by_host.setdefault(request.host, []).append(request)
    paths = [r.path_and_query for r in by_host[shared]]
    assert {"/-/uutinen-0", "/-/uutinen-1", "/-/uutinen-2", "/-/uutinen-3"} <= set(paths)
    assert not Meeting.barrier.broken
    for host, requests in by_host.items():
        moments = [r.at for r in requests if r.at is not None]
        assert len(moments) == len(requests)
        gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
        assert all(gap >= timedelta(seconds=2) for gap in gaps), (host, gaps)


def test_a_failing_source_costs_only_itself_and_reports_keep_the_sources_order(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    numbers = [5, 1, 4, 2, 3]  # not in host order: the reports must follow this order
    sources = [town(n) for n in numbers]
    routes = {town_host(n): site_routes(town_host(n), stories=2) for n in numbers}
    routes[town_host(4)][1] = Route(FEED_PATH, status=500, body="rikki")
    routes[town_host(2)][0] = Route("/robots.txt", body="User-agent: *\nDisallow: /\n")

    done = run(tmp_path, database_url, engine, sources, routes, workers=5)

    assert [r.source_id for r in done.reports] == [s.id for s in sources]
    statuses = {r.source_id: r.status for r in done.reports}
    assert statuses == {
        "kunta-005": RunStatus.OK,
        "kunta-001": RunStatus.OK,
        "kunta-004": RunStatus.FAILED,
        "kunta-002": RunStatus.FAILED,
        "kunta-003": RunStatus.OK,
    }
    assert [r.items_new for r in done.reports] == [2, 2, 0, 0, 2]
    assert read_health(engine, "kunta-004").consecutive_failures == 1
    assert read_health(engine, "kunta-002").last_error_kind == "robots"
    assert read_health(engine, "kunta-003").consecutive_failures == 0


def test_a_story_two_hosts_carry_is_stored_once_when_both_are_crawled_at_once(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    # Both feeds list the same stories (links to the first host): the write lock makes the
    # second decide against what the first stored, whichever comes first.
    first, second = town_host(1), town_host(2)
    routes = {first: site_routes(first, stories=3)}
    routes[second] = [feed_route(feed_body(second, 3, link_host=first))]

    done = run(tmp_path, database_url, engine, [town(1), town(2)], routes, workers=2)

    assert [r.status for r in done.reports] == [RunStatus.OK, RunStatus.OK]
    assert sorted(r.items_new for r in done.reports) == [0, 3]
    assert [r.items_found for r in done.reports] == [3, 3]


@pytest.mark.parametrize("workers", [1, 8])
def test_a_pass_with_one_worker_or_many_stores_the_same(
    tmp_path: Path, database_url: str, engine: Engine, workers: int
) -> None:
    sources = [town(n) for n in range(1, 7)]
    routes = {town_host(n): site_routes(town_host(n), stories=2) for n in range(1, 7)}

    done = run(tmp_path, database_url, engine, sources, routes, workers=workers)

    assert [(r.source_id, r.status, r.items_new) for r in done.reports] == [
        (s.id, RunStatus.OK, 2) for s in sources
    ]
