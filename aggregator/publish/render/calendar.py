"""Grant-call deadlines as an iCalendar feed (RFC 5545), built with the ``icalendar`` package.

One event per call deadline, so a professional's calendar shows "AMIF call closes" on the right
day. A deadline with a time is a short timed event ending at the deadline (in Europe/Helsinki,
with its VTIMEZONE); a date-only deadline is an all-day event. The UID is derived from the call's
identity, so a changed deadline moves the same event (SEQUENCE goes up) instead of adding one.
Each event has two reminders (VALARM, a week and a day before) and is named after the call, not
after the headline that announced it.
Pure: views in, bytes out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event

from aggregator.clock import HELSINKI, helsinki_date
from aggregator.display import funder_name, programme_label
from aggregator.i18n import gettext
from aggregator.store.queries import GrantView

PRODID = "-//Kotoutumisuutiset//Grant calls//FI"
EVENT_LENGTH = timedelta(minutes=30)
# Reminders before a deadline: a week to prepare an application, a day to send it.
REMINDERS = (timedelta(days=7), timedelta(days=1))


def _uid(call: GrantView, host: str) -> str:
    digest = hashlib.sha256(call.call_key.encode("utf-8")).hexdigest()[:24]
    return f"grant-{digest}@{host}"


def _amount(value: float | None, language: str) -> str:
    if value is None:
        return ""
    formatted = f"{value:,.0f}".replace(",", "\u00a0")
    return gettext(language, "Amount available: %(amount)s €", amount=formatted)


def _description(call: GrantView, language: str, item_url: str) -> str:
    lines = [call.title]
    if call.funder:
        lines.append(
            gettext(language, "Funder: %(funder)s", funder=funder_name(call.funder, language))
        )
    if call.programme:
        programme = programme_label(call.programme, language)
        lines.append(gettext(language, "Programme: %(programme)s", programme=programme))
    if amount := _amount(call.amount_eur, language):
        lines.append(amount)
    if call.eligible:
        lines.append(gettext(language, "Who may apply: %(who)s", who=", ".join(call.eligible)))
    if call.deadline_changed_at is not None:
        lines.append(gettext(language, "The deadline has changed."))
    lines.append(call.apply_url or call.url or item_url)
    return "\n".join(line for line in lines if line)


def _event(call: GrantView, language: str, host: str, stamp: datetime, item_url: str) -> Event:
    assert call.closes_at is not None
    event = Event()
    event.add("uid", _uid(call, host))
    event.add("dtstamp", stamp)
    event.add("summary", gettext(language, "Call closes: %(title)s", title=call_name(call)))
    event.add("description", _description(call, language, item_url))
    if call.closes_has_time:
        end = call.closes_at.astimezone(HELSINKI)
        event.add("dtstart", end - EVENT_LENGTH)
        event.add("dtend", end)
    else:
        day = helsinki_date(call.closes_at)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    link = call.apply_url or call.url or item_url
    if link:
        event.add("url", link)
    event.add("sequence", 1 if call.deadline_changed_at else 0)
    if call.programme:
        event.add("categories", [call.programme])
    for before in REMINDERS:
        event.add_component(_reminder(before, call, language))
    return event


def _reminder(before: timedelta, call: GrantView, language: str) -> Alarm:
    """A display alarm ``before`` the deadline (RFC 5545 VALARM; DESCRIPTION is required)."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -before)
    alarm.add("description", gettext(language, "Call closes: %(title)s", title=call_name(call)))
    return alarm


# Headlines announce a call ("AMIF winter call opens: ...", "Haku on avattu"); the deadline's
# event names the call itself, so the announcing verb and what follows a colon are dropped.
_ANNOUNCING = re.compile(
    r"\s+(?:opens|is open|has opened|now open|avautuu|on avattu|avattu|on auki|käynnistyy|"
    r"alkaa|on käynnissä|öppnar|har öppnats|är öppen)\b.*$",
    re.IGNORECASE,
)


def call_name(call: GrantView) -> str:
    """What the call is called in a calendar: the headline up to a colon, without the verb
    that announced it ("AMIF winter call opens: 3 million" -> "AMIF winter call")."""
    head = call.title.split(": ", 1)[0].strip()
    return _ANNOUNCING.sub("", head).strip(" -–:") or call.title


def render_calendar(
    calls: Sequence[GrantView],
    *,
    language: str,
    base_url: str,
    name: str,
    stamp: datetime,
) -> bytes:
    """An iCalendar document with one event per call that has a deadline."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Helsinki")
    host = urlsplit(base_url).hostname or "localhost"
    for call in calls:
        if call.closes_at is not None:
            item_url = f"{base_url.rstrip('/')}/items/{call.item_ids[0]}" if call.item_ids else ""
            calendar.add_component(_event(call, language, host, stamp, item_url))
    # The VTIMEZONE covers the years the events fall in (RFC 5545 needs it for TZID times).
    calendar.add_missing_timezones(
        first_date=date(stamp.year - 1, 1, 1), last_date=date(stamp.year + 3, 1, 1)
    )
    ical: bytes = calendar.to_ical()
    return ical
