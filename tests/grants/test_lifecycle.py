"""Lifecycle: status at an injected moment, days left, call identity and merging sightings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from aggregator.clock import FixedClock
from aggregator.grants import GrantStatus, call_key, days_left, merge, status
from aggregator.grants.lifecycle import closing_moment, title_fingerprint
from aggregator.types import GrantFields

from .helpers import grant, helsinki, utc

AUTUMN_AMIF = GrantFields(
    is_call=True,
    opens_at=helsinki("2023-09-29", "08:00"),
    closes_at=helsinki("2023-10-31", "16:15"),
    programme="AMIF",
    funder="sisäministeriö",
)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (helsinki("2023-09-07", "12:00"), GrantStatus.ANNOUNCED),
        (helsinki("2023-09-29", "07:59"), GrantStatus.ANNOUNCED),
        (helsinki("2023-09-29", "08:00"), GrantStatus.OPEN),
        (helsinki("2023-10-16", "23:59"), GrantStatus.OPEN),  # 15 days left
        (helsinki("2023-10-17", "00:00"), GrantStatus.CLOSING_SOON),  # 14 days left
        (helsinki("2023-10-31", "16:14"), GrantStatus.CLOSING_SOON),
        (helsinki("2023-10-31", "16:15"), GrantStatus.CLOSED),
        (helsinki("2024-01-01", "00:00"), GrantStatus.CLOSED),
    ],
)
def test_status_of_a_call_with_times(now: datetime, expected: GrantStatus) -> None:
    assert status(AUTUMN_AMIF, now) is expected


def test_status_is_computed_in_helsinki_whatever_the_zone_of_now() -> None:
    # 2023-10-16 22:30 UTC is already 17.10. 00:30 in Helsinki: 14 days left.
    assert status(AUTUMN_AMIF, utc("2023-10-16T22:30:00")) is GrantStatus.CLOSING_SOON
    assert status(AUTUMN_AMIF, utc("2023-10-16T20:30:00")) is GrantStatus.OPEN
    clock = FixedClock(utc("2023-10-31T14:14:59"))
    assert status(AUTUMN_AMIF, clock.now()) is GrantStatus.CLOSING_SOON
    clock.advance(1)
    assert status(AUTUMN_AMIF, clock.now()) is GrantStatus.CLOSED


def test_a_naive_now_is_helsinki_wall_time() -> None:
    assert status(AUTUMN_AMIF, datetime(2023, 10, 31, 16, 14)) is GrantStatus.CLOSING_SOON
    assert status(AUTUMN_AMIF, datetime(2023, 10, 31, 16, 15)) is GrantStatus.CLOSED


DATE_ONLY = GrantFields(is_call=True, opens_at=date(2026, 3, 2), closes_at=date(2026, 3, 29))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc("2026-03-01T21:59:59"), GrantStatus.ANNOUNCED),  # 1.3. 23:59:59 in Helsinki
        (utc("2026-03-01T22:00:00"), GrantStatus.OPEN),  # midnight starting 2.3.
        (utc("2026-03-14T21:59:59"), GrantStatus.OPEN),  # 14.3. in Helsinki: 15 days left
        (utc("2026-03-14T22:00:00"), GrantStatus.CLOSING_SOON),  # 15.3.: 14 days left
        # 29.3.2026 is the spring DST change: the day ends at 00:00+03:00 = 21:00 UTC.
        (utc("2026-03-29T20:59:59"), GrantStatus.CLOSING_SOON),
        (utc("2026-03-29T21:00:00"), GrantStatus.CLOSED),
    ],
)
def test_a_date_only_deadline_lasts_to_the_end_of_the_day_in_helsinki(
    now: datetime, expected: GrantStatus
) -> None:
    assert status(DATE_ONLY, now) is expected


def test_date_only_deadline_on_the_autumn_dst_day() -> None:
    call = GrantFields(is_call=True, closes_at=date(2026, 10, 25))
    assert closing_moment(call.closes_at) == utc("2026-10-25T22:00:00")
    assert status(call, utc("2026-10-25T21:59:59")) is GrantStatus.CLOSING_SOON
    assert status(call, utc("2026-10-25T22:00:00")) is GrantStatus.CLOSED


def test_rolling_unknown_and_not_a_call() -> None:
    rolling = GrantFields(is_call=True, opens_at=date(2023, 2, 1), rolling=True)
    assert status(rolling, utc("2023-01-15T12:00:00")) is GrantStatus.ANNOUNCED
    assert status(rolling, utc("2025-06-01T12:00:00")) is GrantStatus.ROLLING
    ended = replace(rolling, closes_at=date(2027, 12, 31))
    assert status(ended, utc("2028-01-01T12:00:00")) is GrantStatus.CLOSED
    assert (
        status(GrantFields(is_call=True, opens_at=date(2021, 1, 27)), utc("2021-02-01T00:00:00"))
        is GrantStatus.UNKNOWN
    )
    assert status(GrantFields(is_call=True), utc("2021-02-01T00:00:00")) is GrantStatus.UNKNOWN
    not_call = GrantFields(is_call=False, closes_at=date(2030, 1, 1))
    assert status(not_call, utc("2021-02-01T00:00:00")) is GrantStatus.UNKNOWN


def test_a_deadline_without_opening_date_is_open() -> None:
    call = GrantFields(is_call=True, closes_at=helsinki("2025-06-13", "16:15"))
    assert status(call, utc("2025-05-12T09:00:00")) is GrantStatus.OPEN


def test_days_left() -> None:
    assert days_left(AUTUMN_AMIF, helsinki("2023-10-17", "09:00")) == 14
    assert days_left(AUTUMN_AMIF, helsinki("2023-10-31", "17:00")) == 0
    assert days_left(AUTUMN_AMIF, helsinki("2023-11-02", "09:00")) == -2
    assert days_left(GrantFields(is_call=True), helsinki("2023-11-02", "09:00")) is None


def test_status_reads_any_object_with_the_dates() -> None:
    class StoredCall:
        opens_at = datetime(2023, 9, 29, 5, 0, tzinfo=UTC)
        closes_at = datetime(2023, 10, 31, 14, 15, tzinfo=UTC)
        rolling = False

    assert status(StoredCall(), utc("2023-10-20T12:00:00")) is GrantStatus.CLOSING_SOON


# --- identity -------------------------------------------------------------------------------


def test_reference_number_is_the_key() -> None:
    fields = GrantFields(is_call=True, reference="vn/1234/2025 ", programme="state grant")
    assert call_key(fields, "whatever") == "ref:VN/1234/2025"


def test_news_items_about_one_amif_call_share_a_key() -> None:
    announced = grant(
        "Turvapaikka-, maahanmuutto- ja kotouttamisrahaston eli AMIF-rahaston syksyn haku on "
        "käynnissä 29.9.-31.10.2023.",
        "AMIF-rahaston syksyn 2023 haku käynnistyy 29.9.2023",
    )
    opened = grant(
        "Sisäministeriö avaa AMIF-rahaston syksyn 2023 haun. Hakuaika 29.9.2023 klo 8.00 – "
        "31.10.2023 klo 16.15. Haettavissa on 10,8 miljoonaa euroa.",
        "AMIF-rahaston haku syksy 2023",
    )
    reminder = grant("AMIF-haku päättyy 31.10.2023 klo 16.15.", "Muista AMIF-haku syksy 2023")
    keys = {
        call_key(announced, "AMIF-rahaston syksyn 2023 haku käynnistyy 29.9.2023"),
        call_key(opened, "AMIF-rahaston haku syksy 2023"),
        call_key(reminder, "Muista AMIF-haku syksy 2023"),
    }
    assert keys == {"amif|sisäministeriö|2023-autumn"}


def test_spring_and_autumn_calls_differ() -> None:
    spring = replace(AUTUMN_AMIF, opens_at=date(2023, 3, 16), closes_at=date(2023, 4, 20))
    assert call_key(spring) == "amif|sisäministeriö|2023-spring"
    assert call_key(spring) != call_key(AUTUMN_AMIF)
    assert call_key(replace(AUTUMN_AMIF, programme="ISF")) != call_key(AUTUMN_AMIF)


def test_a_changed_deadline_keeps_the_key() -> None:
    extended = replace(AUTUMN_AMIF, closes_at=helsinki("2023-11-07", "16:15"))
    assert call_key(extended) == call_key(AUTUMN_AMIF)
    state = GrantFields(is_call=True, programme="state grant", funder="työ- ja elinkeinoministeriö",
                        opens_at=date(2025, 2, 10), closes_at=date(2025, 3, 14))  # fmt: skip
    assert call_key(state) == "state grant|työ- ja elinkeinoministeriö|opens:2025-02-10"
    assert call_key(replace(state, closes_at=date(2025, 3, 28))) == call_key(state)


def test_without_dates_the_key_uses_year_and_title_words() -> None:
    fields = GrantFields(is_call=True, programme="state grant", rolling=True)
    key = call_key(fields, "Kiireellisen uudelleensijoittamisen lisätuki 2025")
    assert key == "state grant|-|2025|kiiree-lisätu-uudell"
    assert (
        title_fingerprint("Lisätuki: kiireellisen uudelleensijoittamisen") == "kiiree-lisätu-uudell"
    )
    assert call_key(GrantFields(is_call=True), "", published=date(2024, 5, 1)) == "grant|-|2024|"


# --- merging ---------------------------------------------------------------------------------


def test_merge_detects_a_changed_deadline() -> None:
    new = replace(AUTUMN_AMIF, closes_at=helsinki("2023-11-07", "16:15"), amount_eur=None)
    old = replace(AUTUMN_AMIF, amount_eur=10.8e6)
    merged, changed = merge(old, new)
    assert changed
    assert merged.closes_at == helsinki("2023-11-07", "16:15")
    assert merged.amount_eur == 10.8e6  # kept: the new item did not say


def test_merge_a_time_change_on_the_same_day_is_a_change() -> None:
    _, changed = merge(AUTUMN_AMIF, replace(AUTUMN_AMIF, closes_at=helsinki("2023-10-31", "16:00")))
    assert changed


def test_merge_a_date_only_sighting_keeps_the_known_time() -> None:
    vague = GrantFields(is_call=True, closes_at=date(2023, 10, 31), programme="AMIF")
    merged, changed = merge(AUTUMN_AMIF, vague)
    assert not changed
    assert merged.closes_at == AUTUMN_AMIF.closes_at
    merged, changed = merge(vague, AUTUMN_AMIF)
    assert not changed
    assert merged.closes_at == AUTUMN_AMIF.closes_at


def test_merge_learning_a_first_deadline_is_not_a_change() -> None:
    first = GrantFields(is_call=True, opens_at=date(2023, 9, 29), programme="AMIF")
    merged, changed = merge(first, AUTUMN_AMIF)
    assert not changed
    assert merged.closes_at == AUTUMN_AMIF.closes_at
    assert merged.opens_at == AUTUMN_AMIF.opens_at  # same day, more precise


def test_merge_keeps_values_a_non_call_sighting_lacks() -> None:
    awarded = GrantFields(is_call=False, evidence={"is_call": "title reports results"})
    merged, changed = merge(replace(AUTUMN_AMIF, eligible=("ngos",)), awarded)
    assert not changed
    assert merged.is_call and merged.eligible == ("ngos",) and merged.programme == "AMIF"
    assert merged.evidence["is_call"] == "title reports results"


def test_merge_rolling() -> None:
    rolling = GrantFields(is_call=True, rolling=True)
    assert merge(rolling, GrantFields(is_call=True))[0].rolling
    assert not merge(rolling, GrantFields(is_call=True, closes_at=date(2025, 1, 1)))[0].rolling
