"""Fixtures for the feed tests: a seeded database, a runtime with a fixed clock, the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from aggregator.web.app import create_app
from aggregator.web.feedcache import FeedService
from tests.feeds.stories import BASE_URL, NOW, SOURCES_TOML, seed


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
    return folder


@pytest.fixture
def story_ids(engine: Engine) -> dict[str, int]:
    return seed(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def runtime(database_url: str, config_dir: Path, clock: FixedClock) -> Iterator[Runtime]:
    settings = Settings(database_url=database_url, config_dir=config_dir, base_url=BASE_URL)
    runtime = Runtime(settings, clock=clock)
    yield runtime
    runtime.close()


@pytest.fixture
def feed_service(runtime: Runtime) -> FeedService:
    """The app's feed cache, reading the content version on every request (no 1 s wait)."""
    return FeedService(runtime, version_interval=0)


@pytest.fixture
def client(
    runtime: Runtime, feed_service: FeedService, story_ids: dict[str, int]
) -> Iterator[TestClient]:
    app = create_app(runtime)
    app.state.feed_service = feed_service
    with TestClient(app, base_url=BASE_URL) as test_client:
        yield test_client
