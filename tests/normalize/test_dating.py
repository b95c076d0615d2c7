"""Which date a story carries: the publisher's when it is one, else the first sighting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from aggregator.normalize.dates import parse_date
from aggregator.normalize.dating import (
    CLOCK_SKEW,
    FIRST_SEEN,
    PUBLISHED,
    closed_before_seen,
    closed_call_sort,
    shown_date,
    story_date,
)

SEEN = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 12.00 in Helsinki


def test_a_past_publication_date_is_kept_with_its_origin() -> None:
    published = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    dated = story_date(published, True, "article", SEEN)
    assert (dated.at, dated.kind, dated.origin, dated.note) == (published, PUBLISHED, "article", "")
    assert dated.published == published


def test_no_date_is_first_seen_explicitly() -> None:
    dated = story_date(None, False, "", SEEN)
    assert (dated.at, dated.kind, dated.origin, dated.published) == (SEEN, FIRST_SEEN, "", None)
    assert dated.has_time


def test_a_date_in_the_future_is_no_publication_date() -> None:
    """The call's opening day the grant portal gave: 11.1.2027, a month after the sighting."""
    opening = parse_date("11.1.2027 klo 8.00")
    assert opening is not None
    dated = story_date(opening.moment, True, "list", SEEN)
    assert dated.kind == FIRST_SEEN and dated.at == SEEN and dated.published is None
    assert dated.note == (
        "list date 2027-01-11T06:00:00+00:00 is after the first sighting: not a publication date"
    )


def test_a_time_just_after_the_sighting_is_the_publishers_clock_and_clamped() -> None:
    ahead = SEEN + timedelta(minutes=20)
    dated = story_date(ahead, True, "feed", SEEN)
    assert (dated.kind, dated.at, dated.origin) == (PUBLISHED, SEEN, "feed")
    assert "clamped" in dated.note
    beyond = story_date(SEEN + CLOCK_SKEW + timedelta(minutes=1), True, "feed", SEEN)
    assert beyond.kind == FIRST_SEEN


def test_todays_date_without_a_time_is_a_publication_date() -> None:
    """A date means its midnight in Helsinki, which has passed when the story is seen that day;
    tomorrow's date has not."""
    today = parse_date("7.12.2026")
    tomorrow = parse_date("8.12.2026")
    assert today is not None and tomorrow is not None
    early = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # 0.30 on 7.12. in Helsinki
    assert story_date(today.moment, False, "list", early).kind == PUBLISHED
    assert story_date(tomorrow.moment, False, "list", SEEN).kind == FIRST_SEEN


@pytest.mark.parametrize(
    ("closes", "closed"),
    [
        (date(2023, 10, 31), True),
        (date(2026, 12, 7), False),  # closes at the end of the day it was seen
        (date(2026, 12, 6), True),
        (datetime(2026, 12, 7, 9, 59, tzinfo=UTC), True),
        (datetime(2026, 12, 7, 10, 1, tzinfo=UTC), False),
        (None, False),  # rolling, or no deadline known
    ],
)
def test_closed_before_seen(closes: date | datetime | None, closed: bool) -> None:
    assert closed_before_seen(closes, SEEN) is closed


def test_a_closed_call_without_a_publication_date_sorts_at_its_deadline() -> None:
    deadline = datetime(2023, 10, 31, 14, 15, tzinfo=UTC)
    assert closed_call_sort(FIRST_SEEN, SEEN, deadline) == deadline
    assert closed_call_sort(FIRST_SEEN, SEEN, date(2023, 10, 31)) == datetime(
        2023, 10, 31, 21, 59, 59, tzinfo=UTC
    )
    published = datetime(2023, 9, 7, 7, 0, tzinfo=UTC)
    assert closed_call_sort(PUBLISHED, published, deadline) == published


def test_shown_date_is_the_publication_date_or_the_first_sighting() -> None:
    published = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    assert shown_date(PUBLISHED, published, SEEN) == (published, False)
    assert shown_date(FIRST_SEEN, None, SEEN) == (SEEN, True)
    assert shown_date(PUBLISHED, None, SEEN) == (SEEN, True)  # a row written before dating
