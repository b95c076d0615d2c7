"""The tagging engine as the admin pages use it: check a draft, preview it, re-tag stories.

Rules and tags live in the database, so everything here goes through
:mod:`aggregator.store.tagging`: one :class:`~aggregator.store.tagging.TaggerProvider` per app
keeps the morphology (slow to build, not thread-safe) and a tagger over the database rules that is
rebuilt when a rule changes. Drafts are checked with the tagging engine's own checks against the
database taxonomy, so every problem can be shown next to its field.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from aggregator.runtime import Runtime
from aggregator.store.tagging import (
    RetagResult,
    RulePreview,
    TaggerProvider,
    database_taxonomy,
    preview_rule,
    retag,
    rules_changed,
)
from aggregator.tagging.morphology import Morphology
from aggregator.tagging.rules import Rule, RuleCheck, check_rule, validate_rule


class TaggingService:
    """One per app; every call takes the request's session."""

    def __init__(self, runtime: Runtime, morphology: Morphology | None = None) -> None:
        self.runtime = runtime
        self.provider = TaggerProvider(runtime.settings.config_dir, morphology, runtime.clock)
        self._lock = threading.Lock()  # one analysis at a time: libvoikko is not thread-safe

    def check(self, session: Session, data: Mapping[str, Any], taken: Collection[str]) -> RuleCheck:
        """Every error and warning of a draft rule record."""
        with self._lock:
            return check_rule(
                data,
                taxonomy=database_taxonomy(session),
                morphology=self.provider.morphology,
                taken_ids=taken,
            )

    def validate(self, session: Session, data: Mapping[str, Any], taken: Collection[str]) -> Rule:
        """The rule of a record that :meth:`check` passed (raises RuleError otherwise)."""
        return validate_rule(data, taxonomy=database_taxonomy(session), taken_ids=taken)

    def preview(self, session: Session, draft: Rule) -> RulePreview:
        with self._lock:
            return preview_rule(session, draft, tagger=self.provider.tagger(session))

    def rules_saved(self, session: Session, now: datetime) -> None:
        """Make every tagger (here, in the scheduler) pick up the saved rules."""
        rules_changed(session, now)

    def retag_all(self, session: Session, now: datetime) -> RetagResult:
        with self._lock:
            return retag(session, self.provider.tagger(session), now=now)

    def tag_story(self, session: Session, item_id: int, now: datetime) -> bool:
        """Store the story's computed tags merged with its overrides; True when they changed."""
        with self._lock:
            return self.provider.tag_story(session, item_id, now)
