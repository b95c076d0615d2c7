"""Signed, expiring links for subscribers: confirm, manage preferences, unsubscribe.

Subscribers have no password; a link is their key. Each token is an itsdangerous signature
over ``[subscriber_id, token_version]`` with a salt per purpose (a confirmation token cannot
be used as a preferences token) and a timestamp read from the injected clock. Verifying checks
the signature and the age here, and the caller compares ``token_version`` with the stored one:
unsubscribing or deleting bumps or removes it, which revokes every link sent before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from aggregator.clock import Clock
from aggregator.errors import AggregatorError


class LinkPurpose(StrEnum):
    CONFIRM = "confirm"
    MANAGE = "manage"
    UNSUBSCRIBE = "unsubscribe"


# How long a link works. Unsubscribe links live longest: an old email must still let people go.
MAX_AGE: dict[LinkPurpose, timedelta] = {
    LinkPurpose.CONFIRM: timedelta(days=2),
    LinkPurpose.MANAGE: timedelta(days=60),
    LinkPurpose.UNSUBSCRIBE: timedelta(days=365),
}


class InvalidLink(AggregatorError):
    """The token was tampered with, is for another purpose, or is not a token at all."""

    kind = "invalid-link"


class ExpiredLink(InvalidLink):
    """The token is genuine but older than its purpose allows."""

    kind = "expired-link"


@dataclass(frozen=True, slots=True)
class LinkClaims:
    """What a verified token says: whose link it is and which token version it was made for."""

    purpose: LinkPurpose
    subscriber_id: int
    token_version: int
    issued_at: datetime


class _ClockSigner(TimestampSigner):
    """A timestamp signer that asks the injected clock instead of :func:`time.time`."""

    def __init__(self, *args: Any, clock: Clock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock

    def get_timestamp(self) -> int:
        return int(self.clock.now().timestamp())


class LinkSigner:
    """Makes and checks subscriber tokens with the service's secret key."""

    def __init__(self, secret_key: str, clock: Clock) -> None:
        self._serializers = {
            purpose: URLSafeTimedSerializer(
                secret_key,
                salt=f"kotoutumisuutiset.subscriber.{purpose.value}",
                signer=_ClockSigner,
                signer_kwargs={"clock": clock},
            )
            for purpose in LinkPurpose
        }

    def make(self, purpose: LinkPurpose, subscriber_id: int, token_version: int) -> str:
        return str(self._serializers[purpose].dumps([subscriber_id, token_version]))

    def check(self, purpose: LinkPurpose, token: str) -> LinkClaims:
        """The claims of ``token``; raises :class:`ExpiredLink` or :class:`InvalidLink`."""
        max_age = int(MAX_AGE[purpose].total_seconds())
        try:
            payload, issued = self._serializers[purpose].loads(
                token, max_age=max_age, return_timestamp=True
            )
        except SignatureExpired as exc:
            raise ExpiredLink(f"{purpose.value} link expired") from exc
        except BadSignature as exc:
            raise InvalidLink(f"{purpose.value} link is not valid") from exc
        subscriber_id, token_version = _ids(payload, purpose)
        return LinkClaims(purpose, subscriber_id, token_version, issued.astimezone(UTC))


def _ids(payload: Any, purpose: LinkPurpose) -> tuple[int, int]:
    ok = (
        isinstance(payload, list)
        and len(payload) == 2
        and all(isinstance(value, int) for value in payload)
    )
    if not ok:
        raise InvalidLink(f"{purpose.value} link has an unexpected payload")
    return payload[0], payload[1]


@dataclass(frozen=True, slots=True)
class SubscriberLinks:
    """The absolute links one email carries for its subscriber."""

    preferences: str
    unsubscribe: str
    one_click: str


class LinkBuilder:
    """Absolute URLs under ``base_url`` for the subscription pages."""

    def __init__(self, signer: LinkSigner, base_url: str) -> None:
        self.signer = signer
        self.base_url = base_url.rstrip("/")

    def confirm(self, subscriber_id: int, token_version: int) -> str:
        token = self.signer.make(LinkPurpose.CONFIRM, subscriber_id, token_version)
        return f"{self.base_url}/confirm/{token}"

    def preferences(self, subscriber_id: int, token_version: int) -> str:
        token = self.signer.make(LinkPurpose.MANAGE, subscriber_id, token_version)
        return f"{self.base_url}/preferences/{token}"

    def for_subscriber(self, subscriber_id: int, token_version: int) -> SubscriberLinks:
        token = self.signer.make(LinkPurpose.UNSUBSCRIBE, subscriber_id, token_version)
        return SubscriberLinks(
            preferences=self.preferences(subscriber_id, token_version),
            unsubscribe=f"{self.base_url}/unsubscribe/{token}",
            one_click=f"{self.base_url}/unsubscribe/one-click/{token}",
        )
