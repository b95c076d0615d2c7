"""Choosing a subscriber's stories and grouping them: pure functions over StoryView."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from aggregator.publish.choose import (
    LOOKBACK,
    MAX_WINDOW,
    StoryPool,
    choose_stories,
    closes_soon,
    compose,
    wants,
    window_start,
)
from aggregator.publish.delivery import period_of
from aggregator.store.subscribers import Frequency, Preferences
from tests.digest.conftest import NOW
from tests.digest.stories import TAGS, story, subscriber

POOL = [
    story(1, "municipalities", "legislation"),
    story(2, "municipalities"),
    story(3, "funding", "amif", source="eusa-amif"),
    story(4, "professionals", "minors"),
    story(5, "legislation"),
    story(6),  # off-topic: no tags
    story(7, "funding", "municipalities", "amif", source="eusa-amif"),
]
SINCE = NOW - timedelta(days=2)


def ids(stories: list) -> set[int]:  # type: ignore[type-arg]
    return {s.id for s in stories}


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        (Preferences(audiences=("municipalities",)), {1, 2, 7}),
        (Preferences(audiences=("municipalities", "funding")), {1, 2, 3, 7}),
        (Preferences(topics=("legislation",)), {1, 5}),
        (Preferences(audiences=("municipalities",), topics=("legislation",)), {1}),
        (Preferences(audiences=("funding",), sources=("eusa-amif",)), {3, 7}),
        (Preferences(audiences=("professionals",), sources=("eusa-amif",)), set()),
        (Preferences(), set()),
    ],
)
def test_kinds_are_anded_and_values_ored(preferences: Preferences, expected: set[int]) -> None:
    assert ids(choose_stories(POOL, preferences, since=SINCE, delivered=set())) == expected


def test_pool_agrees_with_the_single_story_predicate() -> None:
    pool = StoryPool(POOL)
    values = [(), ("municipalities",), ("funding", "professionals")]
    topics = [(), ("amif",), ("legislation", "minors")]
    sources = [(), ("eusa-amif",)]
    for audiences, chosen_topics, chosen_sources in itertools.product(values, topics, sources):
        preferences = Preferences(audiences, chosen_topics, chosen_sources)
        expected = {s.id for s in POOL if wants(s, preferences)}
        assert ids(pool.choose(preferences, since=SINCE, delivered=set())) == expected


def test_already_delivered_and_older_stories_are_left_out() -> None:
    old = story(8, "municipalities", first_seen=SINCE - timedelta(minutes=1))
    chosen = choose_stories(
        [*POOL, old], Preferences(audiences=("municipalities",)), since=SINCE, delivered={2}
    )
    assert ids(chosen) == {1, 7}


def test_stories_come_newest_first() -> None:
    stories = [story(i, "funding", first_seen=NOW - timedelta(hours=i)) for i in (3, 1, 2)]
    chosen = choose_stories(
        stories, Preferences(audiences=("funding",)), since=SINCE, delivered=set()
    )
    assert [s.id for s in chosen] == [1, 2, 3]


def test_window_is_the_lookback_for_a_regular_subscriber() -> None:
    daily = subscriber(audiences=("funding",))
    weekly = subscriber(audiences=("funding",), frequency=Frequency.WEEKLY)
    yesterday = NOW - timedelta(days=1)
    assert window_start(daily, NOW, yesterday) == NOW - LOOKBACK[Frequency.DAILY]
    assert window_start(weekly, NOW, NOW - timedelta(days=7)) == NOW - timedelta(days=8)


def test_window_reaches_back_to_the_last_sent_digest_after_a_gap() -> None:
    daily = subscriber(audiences=("funding",))
    last_sent = NOW - timedelta(days=5)
    assert window_start(daily, NOW, last_sent) == last_sent
    assert window_start(daily, NOW, NOW - timedelta(days=90)) == NOW - MAX_WINDOW


def test_first_window_reaches_one_lookback_before_confirmation_and_no_further() -> None:
    confirmed = NOW - timedelta(hours=3)
    fresh = subscriber(audiences=("funding",), confirmed_at=confirmed)
    lookback = LOOKBACK[fresh.preferences.frequency]
    assert window_start(fresh, NOW, None) == confirmed - lookback + timedelta(hours=3)
    assert window_start(fresh, NOW, None) >= confirmed - lookback


def test_closing_soon_means_a_dated_deadline_within_fourteen_days() -> None:
    assert closes_soon(story(1, closes_at=NOW + timedelta(days=14)), NOW)
    assert not closes_soon(story(2, closes_at=NOW + timedelta(days=14, seconds=1)), NOW)
    assert not closes_soon(story(3, closes_at=NOW - timedelta(seconds=1)), NOW)
    assert not closes_soon(story(4, rolling=True), NOW)
    assert not closes_soon(story(5), NOW)


def test_compose_puts_closing_calls_first_soonest_deadline_first() -> None:
    stories = [
        story(1, "funding", closes_at=NOW + timedelta(days=10)),
        story(2, "funding", closes_at=NOW + timedelta(days=3)),
        story(3, "funding", closes_at=NOW + timedelta(days=40)),
        story(4, "funding"),
    ]
    digest = compose(subscriber(audiences=("funding",)), stories, TAGS, NOW)
    assert [s.id for s in digest.closing_soon] == [2, 1]
    assert [(sec.tag_id, [s.id for s in sec.stories]) for sec in digest.sections] == [
        ("funding", [3, 4])
    ]
    assert digest.item_ids == (2, 1, 3, 4)


def test_each_story_appears_once_under_its_first_chosen_heading_in_taxonomy_order() -> None:
    chooser = subscriber(audiences=("funding", "municipalities"))
    chosen = choose_stories(POOL, chooser.preferences, since=SINCE, delivered=set())
    digest = compose(chooser, chosen, TAGS, NOW)
    sections = {sec.tag_id: {s.id for s in sec.stories} for sec in digest.sections}
    assert [sec.tag_id for sec in digest.sections] == ["municipalities", "funding"]
    assert sections == {"municipalities": {1, 2, 7}, "funding": {3}}
    assert sorted(digest.item_ids) == [1, 2, 3, 7]


def test_topic_only_subscriber_gets_topic_headings() -> None:
    chooser = subscriber(topics=("legislation", "amif"))
    chosen = choose_stories(POOL, chooser.preferences, since=SINCE, delivered=set())
    digest = compose(chooser, chosen, TAGS, NOW)
    assert {sec.tag_id: {s.id for s in sec.stories} for sec in digest.sections} == {
        "amif": {3, 7},
        "legislation": {1, 5},
    }


def test_empty_digest_is_empty() -> None:
    assert compose(subscriber(audiences=("funding",)), [], TAGS, NOW).is_empty


@pytest.mark.parametrize(
    ("moment", "daily", "weekly"),
    [
        (datetime(2026, 11, 20, 6, 0, tzinfo=UTC), "2026-11-20", "2026-W47"),
        # 23:30 UTC on Sunday is already Monday in Helsinki: a new day and a new ISO week.
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "2026-11-23", "2026-W48"),
        (datetime(2026, 12, 31, 12, 0, tzinfo=UTC), "2026-12-31", "2026-W53"),
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "2027-01-01", "2026-W53"),
    ],
)
def test_periods_are_helsinki_dates_and_iso_weeks(
    moment: datetime, daily: str, weekly: str
) -> None:
    assert period_of(Frequency.DAILY, moment) == daily
    assert period_of(Frequency.WEEKLY, moment) == weekly
