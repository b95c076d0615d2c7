"""Fixtures of the scheduler tests: a config folder, a runtime and a loopback news site.

The site is the real mirror server (aggregator.demo.mirror) answering for ``news.example``, so the
scheduler drives the real fetcher and pipeline and nothing reaches the internet; tests add
routes that fail, answer slowly or recover.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aggregator.demo.mirror import MirrorServer
from aggregator.demo.mirror.manifest import Route
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from tests.support.paths import PROJECT_ROOT

SOURCE_ID = "testiuutiset"
FEED_PATH = "/feed.xml"
SOURCES_TOML = f"""
[[source]]
id = "{SOURCE_ID}"
publisher = "Testijulkaisija"
kind = "feed"
language = "fi"
urls = ["https://news.example{FEED_PATH}"]
homepage = "https://news.example/"
interval_minutes = 60
"""
FEED_ITEMS = 3


def feed_body(items: int = FEED_ITEMS) -> str:
    entries = "".join(
        f"<item><title>Kotoutumisen uutinen {n}</title>"
        f"<link>https://news.example/-/uutinen-{n}</link>"
        f"<description>Tiivistelmä {n}</description>"
        f"<pubDate>Mon, 16 Nov 2026 0{n}:00:00 +0000</pubDate></item>"
        for n in range(1, items + 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://news.example/</link><description>t</description>{entries}"
        "</channel></rss>"
    )


def feed_route(**changes: object) -> Route:
    """The feed answered normally; ``changes`` make it slow (delay_seconds) or failing."""
    values: dict[str, object] = {
        "path": FEED_PATH,
        "body": feed_body(),
        "content_type": "application/rss+xml",
    }
    values.update(changes)
    return Route(**values)  # type: ignore[arg-type]


def write_config(folder: Path, schedule_toml: str) -> Path:
    """A config folder with one test source and the real taxonomy and rules (crawls tag)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("taxonomy.toml", "rules.toml"):
        shutil.copyfile(PROJECT_ROOT / "config" / name, folder / name)
    (folder / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
    (folder / "schedule.toml").write_text(schedule_toml, encoding="utf-8")
    return folder


MirrorFactory = Callable[[list[Route]], MirrorServer]


@pytest.fixture
def news_site(tmp_path: Path) -> Iterator[MirrorFactory]:
    """Start the loopback site with the given routes for news.example (later routes win)."""
    servers: list[MirrorServer] = []
    root = tmp_path / "sites"
    root.mkdir()

    def start(routes: list[Route]) -> MirrorServer:
        server = MirrorServer(root, extra_routes={"news.example": routes}).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def settings_for(database_url: str, config_dir: Path, mirror_url: str = "") -> Settings:
    return Settings(
        database_url=database_url,
        config_dir=config_dir,
        mirror_url=mirror_url or None,
        retries=0,
        host_delay=0.0,
    )


@pytest.fixture
def make_runtime(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    runtimes: list[Runtime] = []

    def build(mirror_url: str = "", schedule_toml: str = "") -> Runtime:
        config_dir = write_config(tmp_path / "config", schedule_toml)
        runtime = Runtime(settings_for(database_url, config_dir, mirror_url))
        runtimes.append(runtime)
        return runtime

    yield build
    for runtime in runtimes:
        runtime.close()
