"""Process wiring shared by the CLI, the scheduler and the web app.

Builds the engine, the fetcher and the effective source list (config/sources.toml plus the
switches and edits admins saved in the database) from one :class:`Settings`, so every entry
point runs the same pipeline the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from sqlalchemy.engine import Engine

from aggregator.clock import Clock, SystemClock
from aggregator.curation import TaggerProvider, seed_tagging
from aggregator.enrich import GRANT_CALLS
from aggregator.errors import ConfigError
from aggregator.fetch import Fetcher
from aggregator.pipeline import Enricher, Services
from aggregator.settings import Settings
from aggregator.sources.registry import SourceConfig, load_sources
from aggregator.store.db import make_engine, session_scope, upgrade
from aggregator.store.sources import SourceStore

# Fields of a source an admin may change from the web UI (stored as overrides).
EDITABLE_SOURCE_FIELDS = frozenset({"publisher", "urls", "interval_minutes", "max_pages"})


def apply_overrides(source: SourceConfig, enabled: bool, overrides: dict[str, Any]) -> SourceConfig:
    """``source`` with an admin's switch and edits applied; unknown keys are ignored."""
    changes: dict[str, Any] = {k: v for k, v in overrides.items() if k in EDITABLE_SOURCE_FIELDS}
    if "urls" in changes:
        changes["urls"] = tuple(changes["urls"])
    edited = overrides.get("selectors")
    if source.selectors is not None and isinstance(edited, dict):
        changes["selectors"] = replace(source.selectors, **edited)
    return replace(source, enabled=source.enabled and enabled, **changes)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    enrichers: list[Enricher] = field(default_factory=list)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def tagger_provider(self) -> TaggerProvider:
        return TaggerProvider(self.settings.config_dir, clock=self.clock)

    def default_enrichers(self) -> list[Enricher]:
        """What every new or edited story goes through: grant-call records, then tags."""
        return [GRANT_CALLS, self.tagger_provider.enricher]

    @cached_property
    def configured_sources(self) -> list[SourceConfig]:
        return load_sources(self.settings.config_dir / "sources.toml")

    def sources(self) -> list[SourceConfig]:
        """Configured sources with the admins' switches and edits from the database."""
        with session_scope(self.engine) as session:
            states = SourceStore(session).all_states()
        result = []
        for source in self.configured_sources:
            state = states.get(source.id)
            if state is None:
                result.append(source)
            else:
                result.append(apply_overrides(source, state.enabled, dict(state.overrides)))
        return result

    def source(self, source_id: str) -> SourceConfig:
        for source in self.sources():
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.configured_sources)
        raise ConfigError(f"unknown source {source_id!r}; configured sources: {known}")

    def initialise(self) -> tuple[int, int]:
        """Create or upgrade the schema, register every source, seed tags and rules.

        Returns (tags added, rules added); what admins changed in the database stays.
        """
        upgrade(self.engine)
        with session_scope(self.engine) as session:
            store = SourceStore(session)
            for source in self.configured_sources:
                store.state(source.id)
            return seed_tagging(session, self.settings.config_dir, self.clock.now())

    def fetcher(self) -> Fetcher:
        return Fetcher(self.settings, clock=self.clock)

    def services(self, fetcher: Fetcher) -> Services:
        enrichers = self.enrichers if self.enrichers else self.default_enrichers()
        return Services(engine=self.engine, fetcher=fetcher, clock=self.clock, enrichers=enrichers)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
