"""Process wiring shared by the CLI, the scheduler and the web app.

Builds the engine, the fetcher and the effective source list (config/sources.toml, then the
sources admins added in the web UI, each with the switches and edits admins saved in the
database) from one :class:`Settings`, so every entry point runs the same pipeline the same way.
The TOML stays the only definition of its own sources: an added source can never take a TOML
source's id, and one whose stored table no longer passes the registry's checks is skipped
with a log line rather than stopping every run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from aggregator.clock import Clock, SystemClock
from aggregator.errors import ConfigError
from aggregator.fetch import Fetcher
from aggregator.pipeline import Services
from aggregator.settings import Settings
from aggregator.sources.registry import SourceConfig, load_sources, source_from_block
from aggregator.store.db import make_engine
from aggregator.store.pass_state import added_definitions, source_switches

if TYPE_CHECKING:
    from aggregator.store.tagging import TaggerProvider
    from aggregator.tagging.match import Tagger

log = logging.getLogger(__name__)

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

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def tagger_provider(self) -> TaggerProvider:
        # Imported on first use: a pass with nothing new never loads the tagging code.
        from aggregator.store.tagging import TaggerProvider

        return TaggerProvider(self.settings.config_dir, clock=self.clock)

    @cached_property
    def configured_sources(self) -> list[SourceConfig]:
        return load_sources(self.settings.config_dir / "sources.toml")

    def added_sources(self) -> list[SourceConfig]:
        """The sources admins added in the web UI, as defined (no switches or edits)."""
        rows = added_definitions(self.engine)
        taken = {source.id for source in self.configured_sources}
        added = []
        for source_id, definition in rows:
            try:
                source = source_from_block(definition, f"added source {source_id!r}")
            except ConfigError as error:
                log.error("added source %s skipped: %s", source_id, error)
                continue
            if source.id not in taken:
                added.append(source)
        return added

    def definitions(self) -> list[SourceConfig]:
        """Every source as defined: sources.toml first, then the added ones."""
        return [*self.configured_sources, *self.added_sources()]

    def definition(self, source_id: str) -> SourceConfig | None:
        return next((s for s in self.definitions() if s.id == source_id), None)

    def sources(self) -> list[SourceConfig]:
        """Every source with the admins' switches and edits from the database."""
        switches = source_switches(self.engine)
        result = []
        for source in self.definitions():
            switch = switches.get(source.id)
            if switch is None:
                result.append(source)
            else:
                result.append(apply_overrides(source, switch.enabled, switch.overrides))
        return result

    def source(self, source_id: str) -> SourceConfig:
        for source in self.sources():
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.definitions())
        raise ConfigError(f"unknown source {source_id!r}; configured sources: {known}")

    def initialise(self) -> tuple[int, int]:
        """Create or upgrade the schema, register every source, seed tags and rules.

        Returns (tags added, rules added); what admins changed in the database stays.
        """
        from aggregator.store.setup import initialise

        source_ids = [source.id for source in self.configured_sources]
        return initialise(self.engine, source_ids, self.settings.config_dir, self.clock.now())

    def fetcher(self) -> Fetcher:
        return Fetcher(self.settings, clock=self.clock)

    def services(self, fetcher: Fetcher, *, clock: Clock | None = None) -> Services:
        """What the pipeline needs: the database, the fetcher, the clock and the tagger."""
        return Services(
            engine=self.engine,
            fetcher=fetcher,
            clock=clock or self.clock,
            tagger=_TaggerOnDemand(self),
        )

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


@dataclass(frozen=True)
class _TaggerOnDemand:
    """The runtime's tagger provider, built when a pass first has something to tag: a pass
    that finds nothing new never loads the rules, the taxonomy, voikko or the learned model."""

    runtime: Runtime

    @contextmanager
    def current(self, engine: Engine) -> Iterator[Tagger]:
        with self.runtime.tagger_provider.current(engine) as tagger:
            yield tagger
