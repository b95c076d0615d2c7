"""What one web request reads and writes, in one transaction: the web app's way into the store.

The web app holds no database session: :func:`request_store` (used once per request by
``web/deps.py``) opens the transaction and yields a :class:`RequestStore`, whose repositories and
methods are all a page handler may call. It commits when the handler returns, before the
response is sent (a browser following a 303 after a POST already sees what the POST wrote), and
rolls back on any exception. Every query stays in the repositories it delegates to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from aggregator.store import admin_sessions, admins, audit, learning, login_limit, tagging, versions
from aggregator.store.added_sources import AddedSourceStore
from aggregator.store.admins import SubscriberCounts
from aggregator.store.db import session_scope
from aggregator.store.grants import GrantStore
from aggregator.store.jobs import JobRecords, job_records
from aggregator.store.learning import SuggestionView
from aggregator.store.login_limit import LoginKeys
from aggregator.store.models import AdminUser, AuditEntry
from aggregator.store.queries import ItemFilter, StoryView, count_items, find_items, get_item
from aggregator.store.sources import SourceStore
from aggregator.store.tag_usage import TagUsage, tag_usage
from aggregator.store.tagging import RetagResult, RulePreview, TaggerProvider
from aggregator.store.tags import TagStore
from aggregator.tagging.match import Tagger
from aggregator.tagging.rules import Rule
from aggregator.tagging.taxonomy import Taxonomy


@contextmanager
def request_store(engine: Engine) -> Iterator[RequestStore]:
    """One request's transaction: committed when the block ends normally, else rolled back."""
    with session_scope(engine) as session:
        yield RequestStore(session)


class RequestStore:
    """The repositories and store functions of one request's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.tags = TagStore(session)
        self.grants = GrantStore(session)
        self.sources = SourceStore(session)
        self.added_sources = AddedSourceStore(session)
        self.audit = partial(audit.record, session)  # one audit entry, keyword arguments only

    # --- stories -------------------------------------------------------------------------------

    def find_items(self, item_filter: ItemFilter) -> list[StoryView]:
        return find_items(self._session, item_filter)

    def count_items(self, item_filter: ItemFilter, *, at_most: int | None = None) -> int:
        return count_items(self._session, item_filter, at_most=at_most)

    def get_item(self, item_id: int) -> StoryView | None:
        return get_item(self._session, item_id)

    def content_changed(self, now: datetime) -> None:
        """Feeds and the OPML list are rebuilt at the next content version."""
        versions.bump(self._session, now)

    # --- admins: login, sessions, audit --------------------------------------------------------

    def authenticate(self, email: str, password: str, now: datetime) -> AdminUser | None:
        return admins.authenticate(self._session, email, password, now)

    def record_attempt(self, keys: Sequence[str], success: bool, now: datetime) -> None:
        admins.record_attempt(self._session, keys, success, now)

    def login_succeeded(self, keys: LoginKeys, now: datetime) -> None:
        login_limit.succeeded(self._session, keys, now)

    def start_admin_session(self, admin: AdminUser, now: datetime, lifetime: timedelta) -> str:
        return admin_sessions.start(self._session, admin, now, lifetime)

    def end_admin_session(self, token: str) -> None:
        admin_sessions.end(self._session, token)

    def admin_for(self, token: str, now: datetime) -> AdminUser | None:
        return admin_sessions.admin_for(self._session, token, now)

    def audit_log(self, limit: int, offset: int) -> list[AuditEntry]:
        return audit.recent(self._session, limit=limit, offset=offset)

    def subscriber_counts(self) -> SubscriberCounts:
        return admins.subscriber_counts(self._session)

    # --- sources -------------------------------------------------------------------------------

    def set_source_overrides(self, source_id: str, overrides: Mapping[str, Any]) -> None:
        row = self.sources.state(source_id)
        row.overrides = dict(overrides)
        self._session.add(row)

    def job_records(self, now: datetime) -> JobRecords:
        return job_records(self._session, now)

    # --- tags, rules and the learned model's suggestions ----------------------------------------

    def tag_usage(self, tag_id: str | None = None) -> dict[str, TagUsage]:
        return tag_usage(self._session, tag_id)

    def taxonomy_of_rules(self) -> Taxonomy:
        """The taxonomy rules are checked against (every tag in the database)."""
        return tagging.database_taxonomy(self._session)

    def tagger(self, provider: TaggerProvider) -> Tagger:
        return provider.tagger(self._session)

    def preview_rule(self, draft: Rule, tagger: Tagger) -> RulePreview:
        return tagging.preview_rule(self._session, draft, tagger=tagger)

    def rules_changed(self, now: datetime) -> None:
        tagging.rules_changed(self._session, now)

    def retag(self, tagger: Tagger, now: datetime) -> RetagResult:
        return tagging.retag(self._session, tagger, now=now)

    def tag_story(self, provider: TaggerProvider, item_id: int, now: datetime) -> bool:
        return provider.tag_story(self._session, item_id, now)

    def pending_suggestions(self, limit: int) -> list[SuggestionView]:
        return learning.pending_suggestions(self._session, limit)

    def count_pending(self) -> int:
        return learning.count_pending(self._session)

    def decide_suggestion(
        self, item_id: int, tag_id: str, confirm: bool, actor: str, now: datetime
    ) -> bool:
        return learning.decide(self._session, item_id, tag_id, confirm, actor, now)
