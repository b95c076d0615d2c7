"""The tagging engine as the admin pages use it: check a draft, preview it, re-tag stories.

Rules and tags live in the database, so everything here goes through the request's store
(:class:`~aggregator.store.request.RequestStore`, over :mod:`aggregator.store.tagging`): one
:class:`~aggregator.store.tagging.TaggerProvider` per app keeps the morphology (slow to build,
not thread-safe) and a tagger over the database rules that is rebuilt when a rule changes.
Drafts are checked with the tagging engine's own checks against the database taxonomy, so every
problem can be shown next to its field.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from aggregator.runtime import Runtime
from aggregator.store.request import RequestStore
from aggregator.store.tagging import RetagResult, RulePreview, TaggerProvider
from aggregator.tagging.morphology import Morphology
from aggregator.tagging.rules import Rule, RuleCheck, check_rule, validate_rule


class TaggingService:
    """One per app; every call takes the request's store."""

    def __init__(self, runtime: Runtime, morphology: Morphology | None = None) -> None:
        self.runtime = runtime
        self.provider = TaggerProvider(runtime.settings.config_dir, morphology, runtime.clock)
        self._lock = threading.Lock()  # one analysis at a time: libvoikko is not thread-safe

    def check(self, db: RequestStore, data: Mapping[str, Any], taken: Collection[str]) -> RuleCheck:
        """Every error and warning of a draft rule record."""
        with self._lock:
            return check_rule(
                data,
                taxonomy=db.taxonomy_of_rules(),
                morphology=self.provider.morphology,
                taken_ids=taken,
            )

    def validate(self, db: RequestStore, data: Mapping[str, Any], taken: Collection[str]) -> Rule:
        """The rule of a record that :meth:`check` passed (raises RuleError otherwise)."""
        return validate_rule(data, taxonomy=db.taxonomy_of_rules(), taken_ids=taken)

    def preview(self, db: RequestStore, draft: Rule) -> RulePreview:
        with self._lock:
            return db.preview_rule(draft, db.tagger(self.provider))

    def rules_saved(self, db: RequestStore, now: datetime) -> None:
        """Make every tagger (here, in the scheduler) pick up the saved rules."""
        db.rules_changed(now)

    def retag_all(self, db: RequestStore, now: datetime) -> RetagResult:
        with self._lock:
            return db.retag(db.tagger(self.provider), now)

    def tag_story(self, db: RequestStore, item_id: int, now: datetime) -> bool:
        """Store the story's computed tags merged with its overrides; True when they changed."""
        with self._lock:
            return db.tag_story(self.provider, item_id, now)
