"""Signed subscriber links: purpose-bound, expiring on the injected clock, tamper-evident."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aggregator.clock import FixedClock
from aggregator.publish.tokens import (
    MAX_AGE,
    ExpiredLink,
    InvalidLink,
    LinkBuilder,
    LinkPurpose,
    LinkSigner,
)
from tests.digest.conftest import NOW


def test_token_round_trip_names_subscriber_and_version() -> None:
    signer = LinkSigner("secret", FixedClock(NOW))
    claims = signer.check(LinkPurpose.MANAGE, signer.make(LinkPurpose.MANAGE, 42, 3))
    assert (claims.subscriber_id, claims.token_version, claims.issued_at) == (42, 3, NOW)


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_link_expires_after_its_purposes_max_age(purpose: LinkPurpose) -> None:
    clock = FixedClock(NOW)
    signer = LinkSigner("secret", clock)
    token = signer.make(purpose, 1, 0)
    clock.advance(MAX_AGE[purpose].total_seconds() - 1)
    assert signer.check(purpose, token).subscriber_id == 1
    clock.advance(2)
    with pytest.raises(ExpiredLink):
        signer.check(purpose, token)


def test_confirmation_link_lasts_two_days_and_unsubscribe_a_year() -> None:
    assert MAX_AGE[LinkPurpose.CONFIRM] == timedelta(days=2)
    assert MAX_AGE[LinkPurpose.UNSUBSCRIBE] == timedelta(days=365)


def test_token_of_one_purpose_is_refused_for_another() -> None:
    signer = LinkSigner("secret", FixedClock(NOW))
    token = signer.make(LinkPurpose.CONFIRM, 1, 0)
    with pytest.raises(InvalidLink) as refused:
        signer.check(LinkPurpose.UNSUBSCRIBE, token)
    assert not isinstance(refused.value, ExpiredLink)


@pytest.mark.parametrize("token", ["", "garbage", "WzEsMF0.AAAAAA.xxxxxxxx"])
def test_garbage_is_invalid(token: str) -> None:
    with pytest.raises(InvalidLink):
        LinkSigner("secret", FixedClock(NOW)).check(LinkPurpose.MANAGE, token)


def test_tampered_or_foreign_key_token_is_invalid() -> None:
    clock = FixedClock(NOW)
    token = LinkSigner("secret", clock).make(LinkPurpose.MANAGE, 1, 0)
    payload, stamp, signature = token.split(".")
    forged = f"WzIsMF0.{stamp}.{signature}"  # [2,0] with the signature of [1,0]
    with pytest.raises(InvalidLink):
        LinkSigner("secret", clock).check(LinkPurpose.MANAGE, forged)
    with pytest.raises(InvalidLink):
        LinkSigner("another secret", clock).check(LinkPurpose.MANAGE, token)
    assert payload == "WzEsMF0"


def test_links_are_absolute_under_base_url() -> None:
    builder = LinkBuilder(LinkSigner("secret", FixedClock(NOW)), "https://uutiset.example.fi/")
    links = builder.for_subscriber(7, 2)
    assert links.preferences.startswith("https://uutiset.example.fi/preferences/")
    assert links.unsubscribe.startswith("https://uutiset.example.fi/unsubscribe/")
    token = links.one_click.removeprefix("https://uutiset.example.fi/unsubscribe/one-click/")
    assert links.unsubscribe.endswith(f"/{token}")
    assert builder.confirm(7, 2).startswith("https://uutiset.example.fi/confirm/")
