"""Find the dates and times written in a grant text, as positioned points and ranges.

This module only *reads* dates; :mod:`aggregator.grants.dates` decides which of them open and
close a grant call. Its pieces (month names, times of day and the rules they follow) are the
ones :mod:`aggregator.normalize.dates` defines, so every part of the service reads
``31.1.2027 klo 24.00`` the same way: the end of 31 January. Forms read (fi/sv/en):

- day-first numeric dates: ``6.6.2022``, ``05.06.2024``, ``20.1.`` (year from the publication
  date), and as the first half of a range also ``3.`` and ``3.9`` (``3.–28.5.2021``,
  ``3.9–30.9.2024``, ``16.3.–20.4.2023``, ``4.12. – 20.1.``);
- month names: ``den 3 oktober 2022``, ``1 november 2022``, ``16 March``, ``29. syyskuuta 2023``,
  ``October 1, 2018``, ``3–30 September 2024``, ``1 to 30 September``, ``2 och 30 september``;
- times after ``klo``/``kello``/``kl.``/``at``/``by`` or with am/pm: ``klo 16.15``, ``klo 16``,
  ``kl. 16.15``, ``klo 16:15``, ``at 4.15 pm``, ``by 4.15 pm on 1 October 2018``;
- ranges joined by a dash (``-``, ``–``, ``−``, ``—``) or ``to``/``till (den)``/``until``, or
  written "between X and Y" / "mellan X och Y"; the first half takes the missing month and year
  from the second (``16.3.–20.4.2023``).

A date without a year takes the publication year, moved a year forward or back when that puts it
more than half a year from publication (a January deadline announced in December).

Times written apart from any date ("..., ja haku päättyy klo 16.15", "by 4.15 pm on the closing
day") are kept too (:func:`find_times` with :attr:`ClockTime.attached` False): which date such a
time belongs to is for :mod:`aggregator.grants.dates` to decide.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from aggregator.clock import HELSINKI
from aggregator.normalize.dates import MONTH_NAMES, MONTH_PATTERN, read_time, time_pattern

_MONTH = MONTH_PATTERN
_YEAR = r"(?:19|20)\d{2}(?!\d)"
_TIME = re.compile(time_pattern(), re.IGNORECASE)
_NAMED_DATE = re.compile(
    rf"(?<![\d.,])(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s{{1,3}}(?:of\s{{1,3}})?(?P<m>{_MONTH})\.?"
    rf"(?![a-zåäö])(?:,?\s{{1,3}}(?P<y>{_YEAR}))?"
    rf"|\b(?P<um>{_MONTH})\.?\s{{1,3}}(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s{{1,3}}(?P<uy>{_YEAR}))?"
    rf"|(?<![\d.,])(?P<bd>\d{{1,2}})(?=\s{{0,3}}(?:[-–−—]|to|till|until|and|och)\s{{0,3}}"
    rf"(?:den\s{{1,3}})?\d{{1,2}}\.?\s{{1,3}}(?:{_MONTH}))",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(
    rf"(?<![\d.,])(?P<d>\d{{1,2}})\.(?:(?P<m>\d{{1,2}})(?!\d)(?:(?P<dot>\.)(?P<y>{_YEAR})?)?)?"
)
_RANGE_GAP = re.compile(r"\s{0,3}(?:[-–−—]|to|till|until|through)\s{0,3}(?:den\s{1,3})?", re.I)
# "between 2 September and 30 September", "mellan den 2 och den 30 september", "välillä"
_BETWEEN = re.compile(r"(?:between|mellan(?:\s{1,3}den)?)\s{1,3}$", re.I)
_AND_GAP = re.compile(r"\s{1,3}(?:and|och|ja)\s{1,3}(?:den\s{1,3})?", re.I)
_TIME_AFTER_GAP = re.compile(r"[\s,]{0,3}(?:(?:klo|kello|kl\.?|at|by)\s{0,2})?", re.I)
_TIME_BEFORE_GAP = re.compile(r"\s{0,3}(?:(?:on|den|the)\s{1,3})?", re.I)
MAX_TOKENS = 300
# Every match of _NAMED_DATE, _NUMERIC_DATE and _TIME starts at a run of digits or at the word
# right before one, its keyword ("March 31", "klo 16", "kl.16", "at 4 pm"): a whole word (a
# month name, klo, kello, kl, at, by), then maybe a dot, then at most three spaces. Trying the
# patterns at those places alone finds what searching every position finds (see
# :func:`_finditer_from`), several times faster: texts have a few runs of digits.
_DIGITS = re.compile(r"\d\d*")
_LONGEST_KEYWORD = max(len(word) for word in (*MONTH_NAMES, "kello"))
_KEYWORD_BEFORE = re.compile(rf"\w{{1,{_LONGEST_KEYWORD}}}\.?\s{{0,3}}\Z")
_KEYWORD_REACH = _LONGEST_KEYWORD + 4  # from a keyword's start to the digits after it


@dataclass(frozen=True, slots=True)
class Point:
    """A date as written, maybe incomplete (``month``/``year`` None), maybe with a time.

    ``complete`` is False for forms that are dates only as the first half of a range (``3.``,
    ``3.9``, a bare day before ``–30 September``).
    """

    day: int
    month: int | None
    year: int | None
    start: int
    end: int
    complete: bool
    hour: int | None = None
    minute: int = 0

    def value(self) -> date | datetime | None:
        """The date, or an aware Helsinki datetime when a time was given; None if impossible."""
        if self.month is None or self.year is None:
            return None
        try:
            day = date(self.year, self.month, self.day)
        except ValueError:
            return None
        if self.hour is None:
            return day
        return datetime(day.year, day.month, day.day, self.hour, self.minute, tzinfo=HELSINKI)


@dataclass(frozen=True, slots=True)
class Mention:
    """A date or a range of two dates found in the text, with its span."""

    first: Point
    last: Point | None
    start: int
    end: int

    @property
    def is_range(self) -> bool:
        return self.last is not None


@dataclass(frozen=True, slots=True)
class ClockTime:
    """A time of day as written (``klo 16.15``), with its span; ``attached`` when it went to a
    date next to it. ``end_of_day`` for ``24.00``: a date followed by it keeps no time, since a
    date alone already means the whole day."""

    hour: int
    minute: int
    start: int
    end: int
    attached: bool = False
    end_of_day: bool = False


def find_mentions(text: str, published: date | None) -> list[Mention]:
    """All dates and date ranges in ``text``, in order, with years resolved."""
    return scan(text, published)[0]


def find_times(text: str, published: date | None) -> list[ClockTime]:
    """Every time of day in ``text``, in order, each saying whether a date took it."""
    return scan(text, published)[1]


def scan(text: str, published: date | None) -> tuple[list[Mention], list[ClockTime]]:
    """Dates and ranges (years resolved), and every time of day (see :func:`find_times`)."""
    digits, starts = _starts(text)
    times, taken = _times(text, starts)
    points = _named_dates(text, taken, starts) + _numeric_dates(text, taken, digits)
    points.sort(key=lambda point: point.start)
    points, used = _attach_times(text, points[:MAX_TOKENS], times)
    all_times = [replace(t, attached=id(t) in used) for t in times]
    return _resolve(_group(text, points), published), all_times


def _starts(text: str) -> tuple[list[int], list[int]]:
    """Where a run of digits starts, and where a date or a time can start (see _DIGITS)."""
    digits = [run.start() for run in _DIGITS.finditer(text)]
    starts = set(digits)
    for start in digits:
        keyword = _KEYWORD_BEFORE.search(text, max(0, start - _KEYWORD_REACH), start)
        if keyword is not None:
            starts.add(keyword.start())
    return digits, sorted(starts)


def _finditer_from(
    pattern: re.Pattern[str], text: str, starts: list[int]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, given (in order) every position where a match can start.

    ``finditer`` yields the leftmost match, then searches on from its end; a match found by
    ``pattern.match`` at a position is the one a search reaching that position finds (the
    lookbehinds and ``\\b`` see the text before it), and every position skipped cannot start
    a match. No match of these patterns is empty.
    """
    end = 0
    for start in starts:
        if start >= end:
            found = pattern.match(text, start)
            if found is not None:
                yield found
                end = found.end()


def _times(text: str, starts: list[int]) -> tuple[list[ClockTime], list[tuple[int, int]]]:
    times: list[ClockTime] = []
    taken: list[tuple[int, int]] = []
    for match in _finditer_from(_TIME, text, starts):
        parsed = _time_of(match)
        if parsed is not None:
            times.append(parsed)
            taken.append(match.span())
        if len(times) >= MAX_TOKENS:
            break
    return times, taken


def _time_of(match: re.Match[str]) -> ClockTime | None:
    written = read_time(match)
    if written is None:
        return None
    return ClockTime(
        written.hour, written.minute, written.start, match.end(), end_of_day=written.end_of_day
    )


def _free(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return all(span[1] <= start or span[0] >= end for start, end in taken)


def _named_dates(text: str, taken: list[tuple[int, int]], starts: list[int]) -> list[Point]:
    found: list[Point] = []
    for match in _finditer_from(_NAMED_DATE, text, starts):
        if len(found) >= MAX_TOKENS or not _free(match.span(), taken):
            continue
        groups = match.groupdict()
        if groups["bd"] is not None:
            found.append(Point(int(groups["bd"]), None, None, *match.span(), complete=False))
            continue
        day = groups["d"] or groups["ud"]
        month = MONTH_NAMES[(groups["m"] or groups["um"]).casefold()]
        year = groups["y"] or groups["uy"]
        point = Point(int(day), month, int(year) if year else None, *match.span(), complete=True)
        found.append(point)
    taken.extend((point.start, point.end) for point in found)
    return found


def _numeric_dates(text: str, taken: list[tuple[int, int]], digits: list[int]) -> list[Point]:
    found: list[Point] = []
    for match in _finditer_from(_NUMERIC_DATE, text, digits):
        if len(found) >= MAX_TOKENS:
            break
        if not _free(match.span(), taken):
            continue
        month = int(match.group("m")) if match.group("m") else None
        year = int(match.group("y")) if match.group("y") else None
        complete = month is not None and (match.group("dot") is not None or year is not None)
        found.append(Point(int(match.group("d")), month, year, *match.span(), complete=complete))
    return found


def _attach_times(
    text: str, points: list[Point], times: list[ClockTime]
) -> tuple[list[Point], set[int]]:
    """Give each date the time written right after it, or right before it ("4.15 pm on 1 ...").

    Also returns the ``id`` of every time given to a date.
    """
    used: set[int] = set()
    attached: list[Point] = []
    for point in points:
        after = next((t for t in times if t.start >= point.end and id(t) not in used), None)
        if after and _TIME_AFTER_GAP.fullmatch(text, point.end, after.start):
            used.add(id(after))
            hour = None if after.end_of_day else after.hour
            point = replace(point, hour=hour, minute=after.minute, end=after.end)
        else:
            before = next((t for t in reversed(times) if t.end <= point.start), None)
            if (
                before
                and id(before) not in used
                and _TIME_BEFORE_GAP.fullmatch(text, before.end, point.start)
            ):
                used.add(id(before))
                hour = None if before.end_of_day else before.hour
                point = replace(point, hour=hour, minute=before.minute, start=before.start)
        attached.append(point)
    return attached, used


def _group(text: str, points: list[Point]) -> list[Mention]:
    mentions: list[Mention] = []
    index = 0
    while index < len(points):
        first = points[index]
        second = points[index + 1] if index + 1 < len(points) else None
        if second and second.complete and _joined(text, first, second):
            first = replace(first, month=first.month or second.month)
            mentions.append(Mention(first, second, first.start, second.end))
            index += 2
            continue
        if first.complete:
            mentions.append(Mention(first, None, first.start, first.end))
        index += 1
    return mentions


def _joined(text: str, first: Point, second: Point) -> bool:
    """Whether two dates are the ends of one range ("16.3.–20.4.", "between X and Y")."""
    if _RANGE_GAP.fullmatch(text, first.end, second.start):
        return True
    before = text[max(0, first.start - 20) : first.start]
    return bool(_BETWEEN.search(before) and _AND_GAP.fullmatch(text, first.end, second.start))


def _resolve(mentions: list[Mention], published: date | None) -> list[Mention]:
    resolved: list[Mention] = []
    for mention in mentions:
        last = _with_year(mention.last, published) if mention.last else None
        first = mention.first
        if first.year is None and last is not None and last.year is not None:
            first = _year_before(first, last)
        elif first.year is None:
            first = _with_year(first, published)
        if first.value() is None or (last is not None and last.value() is None):
            continue
        resolved.append(Mention(first, last, mention.start, mention.end))
    return resolved


def _with_year(point: Point, published: date | None) -> Point:
    if point.year is not None or point.month is None or published is None:
        return point
    return replace(point, year=infer_year(point.month, point.day, published))


def _year_before(first: Point, last: Point) -> Point:
    """The range's first half in the last half's year, or the year before (``16.12.–15.1.2025``)."""
    assert last.year is not None and last.month is not None
    year = last.year
    if first.month is not None and (first.month, first.day) > (last.month, last.day):
        year -= 1
    return replace(first, year=year)


def infer_year(month: int, day: int, published: date) -> int:
    """The year of a day-and-month written without one: the one nearest to publication."""
    best = published.year
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if abs(candidate - published) <= timedelta(days=183):
            best = year
            break
    return best
