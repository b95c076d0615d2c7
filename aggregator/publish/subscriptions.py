"""Subscription flows shared by the web pages, the CLI and the demo: subscribe with double
opt-in, confirm, change preferences, export, unsubscribe and delete, each through a signed link.

Subscribing never reveals whether an address is already known: a new or lapsed address gets a
confirmation link, an active one gets a fresh link to its preferences page, and the person
submitting the form sees the same answer either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from aggregator.clock import Clock
from aggregator.display import source_display_names, source_display_names_in
from aggregator.errors import ConfigError
from aggregator.publish.choose import TagInfo
from aggregator.publish.forms import Choices, SourceChoice
from aggregator.publish.mailer import Mailer
from aggregator.publish.render.message import (
    Envelope,
    Rendered,
    Sender,
    build_message,
    render_confirmation,
    render_manage_link,
)
from aggregator.publish.tokens import (
    InvalidLink,
    LinkBuilder,
    LinkPurpose,
    LinkSigner,
    SubscriberLinks,
)
from aggregator.settings import Settings
from aggregator.sources.registry import load_sources
from aggregator.store import mailing
from aggregator.store.sources import read_states
from aggregator.store.subscribers import (
    Preferences,
    SubscriberStatus,
    SubscriberView,
)

# The least time between two confirmation (or manage-link) mails to one address.
RESEND_AFTER = timedelta(minutes=10)


class RevokedLink(InvalidLink):
    """A genuine link made before the subscriber unsubscribed (or was deleted)."""

    kind = "revoked-link"


class HasRuntimeParts(Protocol):
    """What :meth:`Subscriptions.from_runtime` needs (an :class:`~aggregator.runtime.Runtime`)."""

    @property
    def engine(self) -> Engine: ...

    settings: Settings
    clock: Clock


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    """``link`` is the confirmation URL for a new subscription, the preferences URL for an
    address that already subscribes (the demo and the CLI use it; the web page never shows it)."""

    subscriber: SubscriberView
    link: str
    already_active: bool
    sent: bool = True


class Subscriptions:
    """The subscription flows over one database, with links signed by the settings' key."""

    def __init__(
        self, engine: Engine, settings: Settings, *, clock: Clock, mailer: Mailer | None = None
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.mailer = mailer or Mailer(settings, clock=clock)
        self.signer = LinkSigner(settings.secret_key.get_secret_value(), clock)
        self.links = LinkBuilder(self.signer, settings.base_url)
        self.sender = Sender(settings.mail_from, settings.mail_from_name)

    @classmethod
    def from_runtime(cls, runtime: HasRuntimeParts) -> Subscriptions:
        return cls(runtime.engine, runtime.settings, clock=runtime.clock)

    # --- choices -------------------------------------------------------------------------

    def choices(self, language: str | None = None) -> Choices:
        """Audiences and topics from the taxonomy in the database; enabled configured sources."""
        rows = mailing.taxonomy(self.engine)
        tags = [
            TagInfo(
                row.id,
                row.kind,
                row.position,
                {"fi": row.label_fi, "sv": row.label_sv, "en": row.label_en},
            )
            for row in rows
        ]
        return Choices(
            audiences=tuple(t for t in tags if t.kind == "audience"),
            topics=tuple(t for t in tags if t.kind == "topic"),
            sources=self._sources(language),
        )

    def _sources(self, language: str | None = None) -> tuple[SourceChoice, ...]:
        """Sources a reader may choose: enabled in the configuration and not switched off by
        an admin (the switch applies at once), each under its distinct name (in ``language``
        where the configuration names it so)."""
        try:
            sources = load_sources(self.settings.config_dir / "sources.toml")
        except ConfigError:
            return ()
        states = read_states(self.engine)
        names = (
            source_display_names(sources)
            if language is None
            else source_display_names_in(sources, language)
        )
        return tuple(
            SourceChoice(s.id, names[s.id])
            for s in sources
            if s.enabled and (s.id not in states or states[s.id].enabled)
        )

    # --- subscribing ---------------------------------------------------------------------

    def subscribe(self, email: str, preferences: Preferences, *, via: str) -> SubscribeResult:
        """Record consent and mail the confirmation (or, if already active, a manage link).

        At most one such mail per address per :data:`RESEND_AFTER`, so the form cannot be used
        to flood someone's inbox; the answer looks the same either way."""
        now = self.clock.now()
        subscriber, throttled = mailing.register(
            self.engine, email, preferences, now, via, quiet_since=now - RESEND_AFTER
        )
        active = subscriber.status is SubscriberStatus.ACTIVE
        if active:
            link = self.links.preferences(subscriber.id, subscriber.token_version)
            rendered = render_manage_link(subscriber.language, link)
        else:
            link = self.links.confirm(subscriber.id, subscriber.token_version)
            manage_url = self.links.preferences(subscriber.id, subscriber.token_version)
            rendered = render_confirmation(subscriber.language, link, manage_url)
        if not throttled:
            self.mailer.send(self._message(subscriber.email, rendered))
        return SubscribeResult(subscriber, link, active, sent=not throttled)

    def confirm(self, token: str) -> SubscriberView:
        """Activate the subscription a confirmation link names (idempotent)."""
        claims = self.signer.check(LinkPurpose.CONFIRM, _token_of(token))
        subscriber = mailing.confirm(
            self.engine, claims.subscriber_id, claims.token_version, self.clock.now()
        )
        if subscriber is None:
            raise RevokedLink("confirmation link no longer valid")
        return subscriber

    # --- managing ------------------------------------------------------------------------

    def manage(self, token: str) -> SubscriberView:
        """The subscriber a preferences link belongs to, if that link still stands."""
        return self._holder(LinkPurpose.MANAGE, token)

    def update(self, token: str, preferences: Preferences) -> SubscriberView:
        subscriber = self.manage(token)
        return mailing.update_preferences(self.engine, subscriber.id, preferences, self.clock.now())

    def export(self, token: str) -> dict[str, Any]:
        subscriber = self.manage(token)
        data = mailing.export(self.engine, subscriber.id)
        if data is None:
            raise RevokedLink("subscriber no longer exists")
        return data

    def delete(self, token: str) -> None:
        subscriber = self.manage(token)
        mailing.delete(self.engine, subscriber.id)

    def links_for(self, subscriber: SubscriberView) -> SubscriberLinks:
        return self.links.for_subscriber(subscriber.id, subscriber.token_version)

    # --- unsubscribing -------------------------------------------------------------------

    def unsubscribe(self, token: str, *, via: str) -> SubscriberView | None:
        """Unsubscribe the link's subscriber. Repeating it is harmless: a link revoked by that
        very unsubscription, or of a deleted subscriber, answers as if done (None if deleted)."""
        claims = self.signer.check(LinkPurpose.UNSUBSCRIBE, _token_of(token))
        subscriber, done = mailing.unsubscribe(
            self.engine, claims.subscriber_id, claims.token_version, self.clock.now(), via
        )
        if subscriber is None or done:
            return subscriber
        if subscriber.status is SubscriberStatus.UNSUBSCRIBED:
            return subscriber
        raise RevokedLink("unsubscribe link no longer valid")

    def check_unsubscribe(self, token: str) -> SubscriberView | None:
        """The subscriber an unsubscribe link names, without changing anything."""
        claims = self.signer.check(LinkPurpose.UNSUBSCRIBE, _token_of(token))
        return mailing.subscriber(self.engine, claims.subscriber_id)

    # --- helpers -------------------------------------------------------------------------

    def _holder(self, purpose: LinkPurpose, token: str) -> SubscriberView:
        claims = self.signer.check(purpose, _token_of(token))
        subscriber = mailing.subscriber(self.engine, claims.subscriber_id)
        if subscriber is None or subscriber.token_version != claims.token_version:
            raise RevokedLink(f"{purpose.value} link no longer valid")
        return subscriber

    def _message(self, to: str, rendered: Rendered) -> EmailMessage:
        envelope = Envelope(
            to=to, message_id=make_msgid(domain=self.sender.domain), date=self.clock.now()
        )
        return build_message(self.sender, envelope, rendered)


def _token_of(token_or_url: str) -> str:
    """Accept a bare token or a whole link (what the CLI and the demo pass around)."""
    return token_or_url.strip().rstrip("/").rpartition("/")[2]
