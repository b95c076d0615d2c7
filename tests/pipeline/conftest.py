"""A crawl harness: the real pipeline, fetcher and mirror over the recorded sites, on the test DB.

``Harness.run(source_ids, extra_routes)`` starts the mirror (with fault routes when given), runs
one pass with a FixedClock (so politeness and Crawl-delay waits cost no real time) and returns
the run reports; ``snapshot()`` captures everything stored, to prove a failing pass lost nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.clock import FixedClock
from aggregator.demo.mirror import MirrorServer
from aggregator.demo.mirror.manifest import Route
from aggregator.health import RunReport
from aggregator.pipeline import run_pass
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from aggregator.sources.registry import SourceConfig, load_sources
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, ItemTag, Sighting, SourceState
from aggregator.store.sources import SourceStore
from aggregator.store.tagging import TaggerProvider, seed_tagging
from aggregator.tagging.morphology import Morphology, create_morphology
from tests.conftest import SITES
from tests.support.paths import PROJECT_ROOT
from tests.support.statements import StatementHook, statement_hook

CONFIG = PROJECT_ROOT / "config"
MALFORMED = PROJECT_ROOT / "tests" / "fixtures" / "malformed"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@lru_cache(maxsize=1)
def morphology() -> Morphology:
    return create_morphology()


@lru_cache(maxsize=1)
def sources_by_id() -> dict[str, SourceConfig]:
    return {s.id: s for s in load_sources(CONFIG / "sources.toml")}


def first_page_route(source_id: str, **answer: Any) -> dict[str, list[Route]]:
    """A fault route replacing the first list page of ``source_id``."""
    url = urlsplit(sources_by_id()[source_id].urls[0])
    path = url.path + (f"?{url.query}" if url.query else "")
    return {url.hostname or "": [Route(path=path, **answer)]}


def malformed_cases() -> list[dict[str, Any]]:
    data = tomllib.loads((MALFORMED / "_cases.toml").read_text(encoding="utf-8"))
    return list(data["case"])


@dataclass
class Harness:
    engine: Engine
    database_url: str
    clock: FixedClock = field(default_factory=lambda: FixedClock(START))
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    statement_hook: StatementHook | None = None  # a fault at the database edge
    last_requests: list[Any] = field(default_factory=list)

    def settings(self, mirror_url: str) -> Settings:
        values: dict[str, Any] = {
            "database_url": self.database_url,
            "mirror_url": mirror_url,
            "host_delay": 0.0,
            "retries": 1,
            "backoff_base": 0.01,
            "backoff_max": 0.05,
            "connect_timeout": 1.0,
            "read_timeout": 0.5,
            "total_timeout": 3.0,
            "max_response_bytes": 400_000,
        }
        values.update(self.settings_overrides)
        return Settings(**values)

    def run(
        self,
        source_ids: Sequence[str] | None = None,
        extra_routes: Mapping[str, list[Route]] | None = None,
    ) -> dict[str, RunReport]:
        with MirrorServer(SITES, clock=self.clock, extra_routes=extra_routes) as mirror:
            runtime = Runtime(self.settings(mirror.url), clock=self.clock)
            runtime.__dict__["tagger_provider"] = TaggerProvider(CONFIG, morphology(), self.clock)
            chosen = [s for s in runtime.sources() if source_ids is None or s.id in source_ids]
            with runtime.fetcher() as fetcher, statement_hook(runtime.engine, self.statement_hook):
                reports = run_pass(chosen, runtime.services(fetcher))
            self.last_requests = list(mirror.requests)
            runtime.close()
        self.clock.advance(3600)
        return {r.source_id: r for r in reports}

    def snapshot(self) -> dict[str, Any]:
        with session_scope(self.engine) as session:
            items = {
                r.id: (r.title, r.summary, r.body_text, r.content_hash, r.updated_at)
                for r in session.exec(select(ItemRow))
            }
            sightings = sorted(
                (s.item_id, s.source_id, s.url) for s in session.exec(select(Sighting))
            )
            tags = sorted((t.item_id, t.tag_id) for t in session.exec(select(ItemTag)))
        return {"items": items, "sightings": sightings, "tags": tags}

    def state(self, source_id: str) -> SourceState:
        with session_scope(self.engine) as session:
            return SourceStore(session).state(source_id)

    def items_with_url(self, url_fragment: str) -> list[ItemRow]:
        with session_scope(self.engine) as session:
            ids = session.exec(
                select(Sighting.item_id).where(Sighting.url.contains(url_fragment))  # type: ignore[attr-defined]
            ).all()
            return list(session.exec(select(ItemRow).where(ItemRow.id.in_(set(ids)))))  # type: ignore[union-attr]


@pytest.fixture
def harness(engine: Engine, database_url: str) -> Harness:
    with session_scope(engine) as session:
        seed_tagging(session, CONFIG, START)
    return Harness(engine=engine, database_url=database_url)
