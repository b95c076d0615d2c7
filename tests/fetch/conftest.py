"""Fixtures for the fetch tests: a fixed clock, settings without any .env, and real loopback
servers (the mirror, with programmatic routes) that the real Fetcher talks to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from aggregator.clock import FixedClock
from aggregator.demo.mirror import MirrorServer, Route
from aggregator.fetch import Fetcher
from aggregator.fetch.guard import Resolver
from aggregator.fetch.pinned import NetworkRoute
from aggregator.settings import Settings

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
HOST = "example.org"

# Fast, deterministic defaults; each test overrides what it is about.
TEST_SETTINGS: dict[str, Any] = {
    "host_delay": 0.0,
    "retries": 0,
    "backoff_base": 1.0,
    "backoff_max": 30.0,
    "connect_timeout": 2.0,
    "read_timeout": 2.0,
    "total_timeout": 5.0,
    "contact_email": "ops@kotoutumisuutiset.example",
    "base_url": "https://kotoutumisuutiset.example",
}

MirrorFactory = Callable[..., MirrorServer]
FetcherFactory = Callable[..., Fetcher]


def make_settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **{**TEST_SETTINGS, **overrides})  # type: ignore[call-arg]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def mirror(tmp_path: Path, clock: FixedClock) -> Iterator[MirrorFactory]:
    """Start a mirror serving ``routes`` for ``host`` (and any files written under tmp_path)."""
    servers: list[MirrorServer] = []

    def start(
        *routes: Route, host: str = HOST, hosts: dict[str, list[Route]] | None = None
    ) -> MirrorServer:
        extra = {host: list(routes), **(hosts or {})}
        server = MirrorServer(tmp_path, clock=clock, extra_routes=extra).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def fetcher(clock: FixedClock) -> Iterator[FetcherFactory]:
    """A Fetcher in mirror mode against ``server`` (or plain, with ``server=None``)."""
    fetchers: list[Fetcher] = []

    def make(
        server: MirrorServer | None,
        *,
        resolver: Resolver | None = None,
        network_route: NetworkRoute | None = None,
        **overrides: Any,
    ) -> Fetcher:
        if server is not None:
            overrides.setdefault("mirror_url", server.url)
        route = {"network_route": network_route} if network_route else {}
        made = Fetcher(make_settings(**overrides), clock=clock, resolver=resolver, **route)
        fetchers.append(made)
        return made

    yield make
    for made in fetchers:
        made.close()


def paths(server: MirrorServer) -> list[str]:
    """The path and query of each request the server answered, in order."""
    return [request.path_and_query for request in server.requests]
