"""Shared helpers: the configured sources, and pages built from bytes or recorded files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aggregator.sources.registry import SourceConfig, load_sources
from aggregator.types import Page
from tests.sources.golden import RECORDED_AT, RecordedSites
from tests.support.paths import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
SITES = FIXTURES / "sites"
MALFORMED = FIXTURES / "malformed"

MakePage = Callable[..., Page]
Recorded = Callable[[str], Page]


@pytest.fixture(scope="session")
def sources() -> dict[str, SourceConfig]:
    return {source.id: source for source in load_sources(PROJECT_ROOT / "config" / "sources.toml")}


def make_page(url: str, body: bytes | str, content_type: str = "text/html; charset=utf-8") -> Page:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return Page(url, url, 200, {"content-type": content_type}, data, RECORDED_AT)


@pytest.fixture
def page() -> MakePage:
    return make_page


@pytest.fixture(scope="session")
def recorded() -> Recorded:
    """The page the mirror would serve for a real-world URL."""
    sites = RecordedSites(SITES)

    def load(url: str) -> Page:
        found = sites.resolve(url)
        assert found is not None, f"no recorded file for {url}"
        return sites.page(url, found)

    return load


def fixture_bytes(relative: str) -> bytes:
    return Path(FIXTURES / relative).read_bytes()
