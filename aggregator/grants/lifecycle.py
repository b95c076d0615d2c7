"""A grant call's lifecycle: its status at a moment, its identity, and merging new sightings.

Status (:class:`GrantStatus`) is computed in Europe/Helsinki, where calls are written:

- ``announced``: the call opens later (a pre-announcement, or an item published before opening);
- ``open``: it has opened (or no opening is known) and more than 14 days are left;
- ``closing_soon``: at most 14 Helsinki calendar days are left (0 = closes today);
- ``closed``: the deadline has passed. A date-only deadline lasts to the end of that day in
  Helsinki (the call closes at the next midnight, DST-correct); a datetime is exact;
- ``rolling``: a continuous call (*jatkuva haku*) that has opened and has no deadline passed;
- ``unknown``: not a call, or nothing says whether it is still open (no deadline, not rolling).

Identity (:func:`call_key`): several news items about one call, and a call seen again with a
changed deadline, must map to the same key. The key never uses the deadline:

1. ``ref:<case number>`` when the call has one (haeavustuksia.fi ``hakuasianAsianumero``);
2. EU home-affairs funds (AMIF/ISF/BMVI) open about twice a year, so programme + funder +
   year and season: ``amif|sisäministeriö|2023-autumn`` (from the opening date, else a season
   word and year in the title, else the closing date, else the publication date);
3. other calls: programme + funder + opening date: ``state grant|työ- ja elinkeinoministeriö|
   opens:2025-02-10``. Two calls of one funder opening the same day would share a key;
4. otherwise programme + funder + year + a fingerprint of the title's words.

:func:`merge` folds a new sighting into the known call, as a pure decision.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from aggregator.clock import HELSINKI, helsinki_date, start_of_day, utc
from aggregator.grants.parties import EU_HOME_AFFAIRS
from aggregator.types import GrantFields

CLOSING_SOON_DAYS = 14
_SPRING = re.compile(r"kevä|\bvår|spring", re.IGNORECASE)
_AUTUMN = re.compile(r"syks|\bhöst|autumn|\bfall\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_WORD = re.compile(r"[^\W\d_]{4,}")
_STOPWORDS = frozenset(
    (
        *("haku", "haun", "hausta", "haussa", "hakuaika", "avattu", "avataan", "alkaa"),
        *("käynnissä", "päättyy", "mennessä", "muista", "ansökan", "ansökningstiden", "inleds"),
        *("sökas", "call", "calls", "applications", "application", "open", "opens", "with"),
        *("from", "till", "until", "för", "och", "eller", "sekä", "that", "this"),
    )
)


class GrantStatus(StrEnum):
    ANNOUNCED = "announced"
    OPEN = "open"
    CLOSING_SOON = "closing_soon"
    CLOSED = "closed"
    ROLLING = "rolling"
    UNKNOWN = "unknown"


class CallDates(Protocol):
    """What status needs: :class:`GrantFields` or a stored call with the same attributes."""

    @property
    def opens_at(self) -> date | datetime | None: ...

    @property
    def closes_at(self) -> date | datetime | None: ...

    @property
    def rolling(self) -> bool: ...


def opening_moment(value: date | datetime | None) -> datetime | None:
    """When a call opens, aware UTC: a date opens at midnight Helsinki time."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value)
    return start_of_day(value)


def closing_moment(value: date | datetime | None) -> datetime | None:
    """The first moment the call is closed, aware UTC: a date closes at the next midnight."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value)
    return start_of_day(value + timedelta(days=1))


def days_left(call: CallDates, now: datetime) -> int | None:
    """Helsinki calendar days from ``now`` to the deadline (0 = today, negative = past)."""
    if call.closes_at is None:
        return None
    return (_helsinki_day(call.closes_at) - helsinki_date(utc(now))).days


def status(call: CallDates, now: datetime) -> GrantStatus:
    """The call's status at ``now`` (aware; a naive ``now`` is Helsinki wall time)."""
    if not getattr(call, "is_call", True):
        return GrantStatus.UNKNOWN
    moment = utc(now)
    opens = opening_moment(call.opens_at)
    closes = closing_moment(call.closes_at)
    if opens is not None and moment < opens:
        return GrantStatus.ANNOUNCED
    if closes is not None and moment >= closes:
        return GrantStatus.CLOSED
    if call.rolling:
        return GrantStatus.ROLLING
    if closes is None:
        return GrantStatus.UNKNOWN
    left = days_left(call, moment)
    if left is not None and left <= CLOSING_SOON_DAYS:
        return GrantStatus.CLOSING_SOON
    return GrantStatus.OPEN


def call_key(
    fields: GrantFields,
    title: str = "",
    *,
    published: date | datetime | None = None,
) -> str:
    """The call's identity across news items and deadline changes (see the module docstring)."""
    if fields.reference:
        return "ref:" + re.sub(r"\s+", "", fields.reference).upper()
    head = f"{(fields.programme or 'grant').lower()}|{fields.funder or '-'}"
    if fields.programme in EU_HOME_AFFAIRS:
        season = _season(fields, title, published)
        if season:
            return f"{head}|{season}"
    if fields.opens_at is not None:
        return f"{head}|opens:{_helsinki_day(fields.opens_at).isoformat()}"
    year = _year(fields, title, published)
    return f"{head}|{year or '-'}|{title_fingerprint(title)}"


def title_fingerprint(title: str) -> str:
    """The title's content words, crudely stemmed (first 6 letters), sorted: word-order proof."""
    words = {w.lower()[:6] for w in _WORD.findall(title) if w.lower() not in _STOPWORDS}
    return "-".join(sorted(words)[:8])


def _season(fields: GrantFields, title: str, published: date | datetime | None) -> str | None:
    if fields.opens_at is not None:
        return _season_of(_helsinki_day(fields.opens_at))
    year = _YEAR.search(title)
    word = "spring" if _SPRING.search(title) else "autumn" if _AUTUMN.search(title) else None
    if year and word:
        return f"{year.group(0)}-{word}"
    for value in (fields.closes_at, published):
        if value is not None:
            return _season_of(_helsinki_day(value))
    return None


def _season_of(day: date) -> str:
    return f"{day.year}-{'spring' if day.month <= 6 else 'autumn'}"


def _year(fields: GrantFields, title: str, published: date | datetime | None) -> int | None:
    for value in (fields.opens_at, fields.closes_at):
        if value is not None:
            return _helsinki_day(value).year
    year = _YEAR.search(title)
    if year:
        return int(year.group(0))
    return _helsinki_day(published).year if published is not None else None


def merge(old: GrantFields, new: GrantFields) -> tuple[GrantFields, bool]:
    """Fold a new sighting of a call into the known one; also say whether the deadline moved.

    New values win, except that an empty new value keeps the old one and a date-only value on
    the same day as a known datetime keeps the more precise datetime. ``deadline_changed`` is
    True only when both sightings give a deadline and they differ (another day, or another
    time on the same day); learning a first deadline is not a change.
    """
    closes_at, deadline_changed = _merge_moment(old.closes_at, new.closes_at)
    opens_at, _ = _merge_moment(old.opens_at, new.opens_at)
    merged = replace(
        old,
        is_call=old.is_call or new.is_call,
        opens_at=opens_at,
        closes_at=closes_at,
        amount_eur=new.amount_eur if new.amount_eur is not None else old.amount_eur,
        programme=new.programme or old.programme,
        funder=new.funder or old.funder,
        eligible=new.eligible or old.eligible,
        apply_url=new.apply_url or old.apply_url,
        rolling=new.rolling or (old.rolling and new.closes_at is None),
        reference=new.reference or old.reference,
        evidence={**old.evidence, **new.evidence},
    )
    return merged, deadline_changed


def _merge_moment(
    old: date | datetime | None, new: date | datetime | None
) -> tuple[date | datetime | None, bool]:
    if old is None or new is None:
        return (new if new is not None else old), False
    if _helsinki_day(old) != _helsinki_day(new):
        return new, True
    if isinstance(old, datetime) and isinstance(new, datetime):
        return new, utc(old) != utc(new)
    return (old if isinstance(old, datetime) else new), False


def _helsinki_day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(HELSINKI).date() if value.tzinfo else value.date()
    return value
