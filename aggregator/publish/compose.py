"""Compose digests from the database: load once per pass what every digest draws on, then
choose, group and render one subscriber's digest. Used by the delivery run and by previews.

The choosing and rendering themselves are pure functions (:mod:`aggregator.publish.choose`,
:mod:`aggregator.publish.render.digest`); this module only reads their inputs: the taxonomy
labels, the candidate stories (first seen in the widest window of the pass), when each
subscriber's last digest was composed, and which of the candidates a subscriber already got.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.engine import Engine

from aggregator.clock import Clock
from aggregator.display import publisher_names
from aggregator.errors import ConfigError, DeliveryError
from aggregator.publish.choose import Digest, StoryPool, TagInfo, compose, window_start
from aggregator.publish.render.digest import StoryFragments, digest_message
from aggregator.publish.render.message import Sender
from aggregator.publish.tokens import LinkBuilder, LinkSigner
from aggregator.settings import Settings
from aggregator.sources.registry import load_sources
from aggregator.store import mailing
from aggregator.store.models import TagRow
from aggregator.store.subscribers import SubscriberView

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Materials:
    """What every digest of one pass draws on, loaded once."""

    now: datetime
    tags: Mapping[str, TagInfo]
    pool: StoryPool
    last_sent: Mapping[int, datetime]
    fragments: StoryFragments


class DigestComposer:
    """Builds digests and their messages for subscribers of one database."""

    def __init__(self, engine: Engine, settings: Settings, *, clock: Clock) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.sender = Sender(settings.mail_from, settings.mail_from_name)
        signer = LinkSigner(settings.secret_key.get_secret_value(), clock)
        self.links = LinkBuilder(signer, settings.base_url)

    def materials(self, subscribers: Sequence[SubscriberView]) -> Materials:
        now = self.clock.now()
        rows, last_sent = mailing.digest_basis(self.engine)
        tags = _tag_infos(rows)
        starts = [window_start(s, now, last_sent.get(s.id)) for s in subscribers]
        stories = mailing.candidate_stories(self.engine, min(starts), now) if starts else []
        fragments = StoryFragments(tags, now, self._publishers())
        return Materials(now, tags, StoryPool(stories), last_sent, fragments)

    def _publishers(self) -> dict[str, dict[str, str]]:
        """The configured sources' publishers in each language (none when the source list
        cannot be read: a digest then names publishers as stored, and still goes out)."""
        try:
            return publisher_names(load_sources(self.settings.config_dir / "sources.toml"))
        except ConfigError as error:
            log.error("digests: publishers as stored; source list unreadable: %s", error)
            return {}

    def delivered(
        self, subscribers: Sequence[SubscriberView], materials: Materials
    ) -> dict[int, set[int]]:
        """The candidate stories each of ``subscribers`` already got (one query per batch)."""
        if not subscribers:
            return {}
        now, last_sent = materials.now, materials.last_sent
        since = min(window_start(s, now, last_sent.get(s.id)) for s in subscribers)
        return mailing.delivered_to(self.engine, [s.id for s in subscribers], since)

    def digest(
        self,
        subscriber: SubscriberView,
        materials: Materials,
        delivered: set[int] | None = None,
    ) -> Digest | None:
        """The subscriber's digest, or None when nothing new matches. ``delivered`` comes from
        :meth:`delivered` (or is read here)."""
        since = window_start(subscriber, materials.now, materials.last_sent.get(subscriber.id))
        if delivered is None:
            delivered = mailing.delivered_since(self.engine, subscriber.id, since)
        stories = materials.pool.choose(subscriber.preferences, since=since, delivered=delivered)
        if not stories:
            return None
        return compose(subscriber, stories, materials.tags, materials.now)

    def message(self, digest: Digest, materials: Materials, message_id: str) -> EmailMessage:
        subscriber = digest.subscriber
        return digest_message(
            digest,
            materials.fragments,
            self.links.for_subscriber(subscriber.id, subscriber.token_version),
            sender=self.sender,
            base_url=self.settings.base_url,
            message_id=message_id,
            now=self.clock.now(),
        )

    def preview(self, email: str) -> EmailMessage | None:
        """The digest ``email`` would get now (None when empty); nothing is recorded."""
        subscriber = mailing.subscriber_by_email(self.engine, email)
        if subscriber is None:
            raise DeliveryError(email, "no such subscriber")
        materials = self.materials([subscriber])
        digest = self.digest(subscriber, materials)
        if digest is None:
            return None
        return self.message(digest, materials, f"<preview.{subscriber.id}@{self.sender.domain}>")


def _tag_infos(rows: Sequence[TagRow]) -> dict[str, TagInfo]:
    return {
        row.id: TagInfo(
            id=row.id,
            kind=row.kind,
            position=row.position,
            labels={"fi": row.label_fi, "sv": row.label_sv, "en": row.label_en},
        )
        for row in rows
    }
