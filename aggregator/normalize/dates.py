"""Read the date and time forms the sources write, as aware UTC moments.

The sites write Finnish dates day-first with dots and times with a dot (``17.8.2023 13.30``,
``klo 9.15``), sometimes zero-padded (KEHA: ``05.06.2024``) and often inside a label
(``Julkaisuajankohta 17.8.2023 13.30``, ``7.9.2023 | Uutinen``, ``Päivitetty: 16.01.2024``,
``Publication date 3.9.2025 13.23``, ``Published in English on 5.9.2025 at 14.50``). Feeds use
RFC 822 and the grant portal's JSON uses ISO 8601. News lists also write month names:
``23. elokuuta 2021`` (Finnish, partitive or nominative), ``5 mars 2024`` (Swedish),
``3 September 2025`` and ``September 3, 2025`` (English); :data:`MONTH_NAMES` is the table.

Every parser returns a :class:`ParsedDate` or ``None``: an impossible date (``31.2.2024``, year
``0001`` or ``9999``) or text without a date is ``None``, never an exception, because one odd
date must not lose a page.
Wall times without a zone are Europe/Helsinki (through :func:`aggregator.clock.utc`, so DST is
right); a date without a time is that day's midnight in Helsinki with ``has_time`` False.
A wall time that happens twice (the autumn DST change) is taken as the first of the two, and one
that does not exist (the spring gap) as the moment the same number of minutes after the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime

from aggregator.clock import HELSINKI, helsinki_date, start_of_day, utc

YEARS = (1000, 9000)  # dates outside are not dates any source means


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A moment read from text. ``moment`` is aware UTC; ``has_time`` says a time was given."""

    moment: datetime
    has_time: bool

    @property
    def day(self) -> date:
        """The calendar date in Helsinki."""
        return helsinki_date(self.moment)


# --- the one date grammar: every reader of dates (this module, :mod:`.datescan`, and through it
# grant extraction) builds on these pieces ----------------------------------------------------

# A time of day: after klo/kello/kl. (the minutes are optional: "klo 16"), after at/by (then the
# minutes or am/pm are needed: "at 14.50", "by 4.15 pm"; "at 4" is a number), or with am/pm
# ("4.15 p.m."). A trailing sentence full stop is allowed ("klo 16.15."). Group names end in
# ``tag`` so one expression can hold the pattern more than once.
TIME_WORDS = r"(?:klo|kello|kl\.?)"


def time_pattern(tag: str = "") -> str:
    """The time-of-day forms as a regular expression (see :func:`read_time`)."""
    return (
        rf"\b{TIME_WORDS}\s{{0,2}}(?P<lh{tag}>\d{{1,2}})(?:[.:](?P<lm{tag}>\d{{2}}))?(?![\d.:]\d)"
        rf"|\b(?:at|by)\s{{1,2}}(?P<eh{tag}>\d{{1,2}})(?:[.:](?P<em{tag}>\d{{2}}))?"
        rf"\s{{0,2}}(?P<ea{tag}>[ap]\.?m\.?)?(?![\w.:]\w)"
        rf"|(?<![\d.,])(?P<mh{tag}>\d{{1,2}})(?:[.:](?P<mm{tag}>\d{{2}}))?"
        rf"\s{{0,2}}(?P<ma{tag}>[ap]\.m\.|[ap]m)(?!\w)"
    )


@dataclass(frozen=True, slots=True)
class WrittenTime:
    """A time of day as written. ``end_of_day`` for ``24.00``: the midnight that ends the day
    (stored as 00:00 of the next day, or as the date alone where a date means its whole day)."""

    hour: int
    minute: int
    start: int  # where the hour begins in the text
    end_of_day: bool = False

    @property
    def clock(self) -> time:
        return time(self.hour, self.minute)


def read_time(found: re.Match[str], tag: str = "") -> WrittenTime | None:
    """The time a :func:`time_pattern` match wrote; None when it is no time of day (``klo 25``,
    ``klo 24.30``, ``at 4``) or the pattern did not match here."""
    groups = found.groupdict()
    forms = (("lh", "lm", ""), ("eh", "em", "ea"), ("mh", "mm", "ma"))
    form = next((f for f in forms if groups.get(f[0] + tag) is not None), None)
    if form is None:
        return None
    hour_group, minute_group, meridiem_group = form
    hour_text = groups[hour_group + tag]
    minute_text = found[minute_group + tag]
    meridiem = (found[meridiem_group + tag] or "").lower() if meridiem_group else ""
    if hour_group == "eh" and not meridiem and minute_text is None:
        return None  # "at 4" or "by 15" is a number, not a time
    return clock_time(
        int(hour_text), int(minute_text or 0), meridiem, found.start(hour_group + tag)
    )


def clock_time(hour: int, minute: int, meridiem: str, start: int) -> WrittenTime | None:
    """The rules every written time follows: am/pm, ``24.00`` ends the day, nothing past 23.59."""
    if meridiem.startswith("p") and hour < 12:
        hour += 12
    elif meridiem.startswith("a") and hour == 12:
        hour = 0
    if hour == 24 and minute == 0 and not meridiem:
        return WrittenTime(0, 0, start, end_of_day=True)
    if hour > 23 or minute > 59:
        return None
    return WrittenTime(hour, minute, start)


# Day-first dotted date with a four-digit year; digits around it must not continue the number.
_DATE = r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})(?!\d)"
# Right after a date a bare H.MM / H:MM is a time too ("17.8.2023 13.30").
_BARE_TIME = r"(?P<bh>\d{1,2})[.:](?P<bm>\d{2})(?!\d|[.:]\d)"
_TIME = rf"(?:{time_pattern()}|{_BARE_TIME})"
_DATE_TIME = re.compile(_DATE + r"(?:,?\s*" + _TIME + r")?", re.IGNORECASE)
_TIME_ONLY = re.compile(r"^\s*" + _TIME + r"\s*$", re.IGNORECASE)
_ISO = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?P<fraction>[.,]\d+)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)
# Month names as the sites write them; a name is matched whole and case-blind.
MONTH_NAMES: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "tammikuuta tammikuu januari january jan",
            "helmikuuta helmikuu februari february feb",
            "maaliskuuta maaliskuu mars march mar",
            "huhtikuuta huhtikuu april apr",
            "toukokuuta toukokuu maj may",
            "kesäkuuta kesäkuu juni june jun",
            "heinäkuuta heinäkuu juli july jul",
            "elokuuta elokuu augusti august aug",
            "syyskuuta syyskuu september sept sep",
            "lokakuuta lokakuu oktober october oct okt",
            "marraskuuta marraskuu november nov",
            "joulukuuta joulukuu december dec",
        ),
        start=1,
    )
    for name in names.split()
}
MONTH_PATTERN = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
"""Every month name as one alternation, longest first (so ``kesäkuuta`` wins over ``kesäkuu``)."""
# "23. elokuuta 2021", "5 mars 2024", "3rd September 2025", "3 Sept. 2025", "September 3, 2025"
_MONTH_DATE = re.compile(
    rf"(?<![\w.])(?:(?P<day>\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?P<month>{MONTH_PATTERN})\.?,?"
    rf"|(?P<month2>{MONTH_PATTERN})\.?\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?,?)\s+(?P<year>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_RFC822_HINT = re.compile(
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{2,4}\b",
    re.IGNORECASE,
)


def parse_date(text: str) -> ParsedDate | None:
    """The first date (with its time, if one follows) in ``text``, in any supported form.

    ISO 8601 and RFC 822 strings are recognised whole; otherwise the first day-first dotted
    date in the text is used, so a label around it does not matter.
    """
    if not text or not text.strip():
        return None
    if _ISO.match(text):
        return parse_iso(text)
    found = _DATE_TIME.search(text)
    if found:
        return _from_match(found)
    if _RFC822_HINT.search(text) and _CLOCK.search(text):
        exact = parse_rfc822(text)
        if exact:
            return exact
    named = _MONTH_DATE.search(text)
    if named:
        return _from_month_name(named)
    if _RFC822_HINT.search(text):
        return parse_rfc822(text)
    return None


def _from_month_name(found: re.Match[str]) -> ParsedDate | None:
    """A date written with a month name; it gives no time of day."""
    month = MONTH_NAMES[(found["month"] or found["month2"]).casefold()]
    try:
        day = date(int(found["year"]), month, int(found["day"] or found["day2"]))
    except ValueError:  # 31 February
        return None
    return _sane(from_helsinki(day))


def find_dates(text: str) -> list[ParsedDate]:
    """Every valid day-first date (with its time) in ``text``, in order of appearance."""
    moments = (_from_match(found) for found in _DATE_TIME.finditer(text))
    return [moment for moment in moments if moment is not None]


def parse_time(text: str) -> time | None:
    """A time of day written alone: ``klo 9.15``, ``kello 16``, ``9:15``, ``13.30``."""
    found = _TIME_ONLY.match(text or "")
    if not found:
        return None
    clock = _clock(found)
    return clock[0] if clock and not clock[1] else None


def parse_iso(text: str, *, naive_is_utc: bool = False) -> ParsedDate | None:
    """An ISO 8601 date or date-time; fractions of any length and a ``Z`` are accepted.

    A date-time without an offset is Helsinki wall time, or UTC when ``naive_is_utc`` (for
    fields documented as UTC that omit the ``Z``).
    """
    found = _ISO.match(text or "")
    if not found:
        return None
    try:
        day = date.fromisoformat(found["date"])
        if not found["time"]:
            return _sane(ParsedDate(start_of_day(day), has_time=False))
        moment = datetime.fromisoformat(f"{found['date']}T{found['time']}")
        moment = moment.replace(microsecond=_microseconds(found["fraction"]))
        zone = found["zone"]
        if zone:
            return _sane(ParsedDate(_with_offset(moment, zone), has_time=True))
        return _sane(ParsedDate(moment.replace(tzinfo=UTC) if naive_is_utc else utc(moment), True))
    except (ValueError, OverflowError):  # 31.2., or a moment beyond year 1..9999 in UTC
        return None


def parse_rfc822(text: str) -> ParsedDate | None:
    """An RFC 822 / RFC 2822 date as feeds write it (``Thu, 19 Nov 2026 10:15:00 +0200``)."""
    try:
        moment = parsedate_to_datetime(text.strip())
        if moment.tzinfo is None:  # "-0000" means UTC with no known local zone
            moment = moment.replace(tzinfo=UTC)
        return _sane(ParsedDate(moment.astimezone(UTC), has_time=True))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def from_helsinki(day: date, at: time | None = None) -> ParsedDate:
    """A Helsinki calendar date, with an optional wall time, as a :class:`ParsedDate`."""
    if at is None:
        return ParsedDate(start_of_day(day), has_time=False)
    return ParsedDate(utc(datetime.combine(day, at)), has_time=True)


def _from_match(found: re.Match[str]) -> ParsedDate | None:
    try:
        day = date(int(found["year"]), int(found["month"]), int(found["day"]))
        clock = _clock(found)
        if clock is None:
            return _sane(from_helsinki(day))
        at, next_day = clock
        return _sane(from_helsinki(day + timedelta(days=1) if next_day else day, at))
    except (ValueError, OverflowError):  # 31.2.2024, or 1.1.0001 (before UTC's year 1)
        return None


def _sane(parsed: ParsedDate) -> ParsedDate | None:
    """``parsed`` unless its year is absurd (a typo'd ``20233``, a hostile ``9999``), where the
    arithmetic later stages do (Helsinki dates, a day later) would overflow."""
    return parsed if YEARS[0] <= parsed.moment.year <= YEARS[1] else None


def _clock(found: re.Match[str]) -> tuple[time, bool] | None:
    """The matched time and whether it was ``24.00`` (midnight at the end of the day)."""
    if found["bh"] is not None:
        written = clock_time(int(found["bh"]), int(found["bm"]), "", found.start("bh"))
    else:
        written = read_time(found)
    if written is None:
        return None
    return written.clock, written.end_of_day


def _microseconds(fraction: str | None) -> int:
    if not fraction:
        return 0
    return int((fraction[1:] + "000000")[:6])


def _with_offset(moment: datetime, zone: str) -> datetime:
    if zone.upper() == "Z":
        return moment.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (moment - sign * offset).replace(tzinfo=UTC)


__all__ = [
    "HELSINKI",
    "MONTH_NAMES",
    "TIME_WORDS",
    "ParsedDate",
    "WrittenTime",
    "clock_time",
    "find_dates",
    "from_helsinki",
    "parse_date",
    "parse_iso",
    "parse_rfc822",
    "parse_time",
    "read_time",
    "time_pattern",
]
