"""The scheduler crawls sources side by side: as many at once as the crawl workers allow.

The source jobs run through an injected callable (the edge) that waits at a barrier: every
source must be inside its crawl at the same time before any may finish, so the jobs finish only
if the scheduler runs them together. ``schedule.toml`` without ``workers`` takes the
``AGGREGATOR_CRAWL_WORKERS`` setting; with it, the file wins.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregator.health import RunReport, RunStatus
from aggregator.runtime import Runtime
from aggregator.schedule.config import load_schedule_config
from aggregator.schedule.service import ServiceScheduler, build_scheduler
from aggregator.settings import Settings
from aggregator.sources.registry import SourceConfig
from tests.support.paths import PROJECT_ROOT
from tests.support.waiting import HANG_BOUND, wait_until

SOURCES = 3
SCHEDULE = """
[sources]
jitter_seconds = 0
every_seconds = 30
[lease]
ttl_seconds = 60
renew_seconds = 0.25
"""  # a lease far longer than any stall of its keeper thread (see test_service.FAST)


def sources_toml(count: int) -> str:
    return "".join(
        f'[[source]]\nid = "kunta-{n}"\npublisher = "Kunta {n}"\nkind = "feed"\n'
        f'language = "fi"\nurls = ["https://kunta-{n}.example/uutiset.rss"]\n'
        f'homepage = "https://kunta-{n}.example/"\n\n'
        for n in range(1, count + 1)
    )


class MeetingCrawls:
    """A job callable in place of run_source: each crawl waits until all have started."""

    def __init__(self, count: int) -> None:
        self.barrier = threading.Barrier(count, timeout=HANG_BOUND)
        self.finished: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, source: SourceConfig) -> RunReport:
        self.barrier.wait()
        now = datetime.now(UTC)
        with self._lock:
            self.finished.append(source.id)
        return RunReport(source.id, now, now, RunStatus.OK)


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    config = tmp_path / "config"
    config.mkdir()
    for name in ("taxonomy.toml", "rules.toml"):
        shutil.copyfile(PROJECT_ROOT / "config" / name, config / name)
    (config / "sources.toml").write_text(sources_toml(SOURCES), encoding="utf-8")
    (config / "schedule.toml").write_text(SCHEDULE, encoding="utf-8")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, config_dir=config, crawl_workers=SOURCES
    )
    built = Runtime(settings)
    yield built
    built.close()


def test_the_scheduler_crawls_as_many_sources_at_once_as_the_crawl_workers(
    runtime: Runtime,
) -> None:
    crawls = MeetingCrawls(SOURCES)
    service: ServiceScheduler = build_scheduler(runtime, source_runner=crawls)
    service.start()
    try:
        wait_until(lambda: len(crawls.finished) == SOURCES or crawls.barrier.broken)
    finally:
        service.shutdown(wait=True)
    assert not crawls.barrier.broken
    assert sorted(crawls.finished) == [f"kunta-{n}" for n in range(1, SOURCES + 1)]


def test_schedule_toml_workers_win_over_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "schedule.toml"
    path.write_text("[sources]\nworkers = 2\n", encoding="utf-8")
    assert load_schedule_config(path).workers == 2
    path.write_text("[sources]\njitter_seconds = 0\n", encoding="utf-8")
    assert load_schedule_config(path).workers is None
