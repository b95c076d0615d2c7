"""Grant deadlines as iCalendar: the file parses back, one event per dated deadline, stable UIDs,
timed and all-day events, per-audience calendars, conditional requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from icalendar import Calendar

from aggregator.clock import HELSINKI
from aggregator.publish.render.calendar import render_calendar
from aggregator.store.queries import GrantView
from tests.web.seed import NOW, Seeded


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    start: date | datetime
    end: date | datetime
    sequence: int
    description: str


def events(body: bytes) -> list[Event]:
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    return [
        Event(
            uid=str(e["UID"]),
            summary=str(e["SUMMARY"]),
            start=e.decoded("DTSTART"),
            end=e.decoded("DTEND"),
            sequence=int(e.get("SEQUENCE", 0)),
            description=str(e.get("DESCRIPTION", "")),
        )
        for e in calendar.walk("VEVENT")
    ]


def test_calendar_has_an_event_per_relevant_dated_deadline(
    client: TestClient, seeded: Seeded
) -> None:
    response = client.get("/calendar/grants.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    found = {e.summary: e for e in events(response.content)}
    amif = found["Haku päättyy: AMIF-rahaston syksyn 2026 haku"]
    assert amif.end == (NOW + timedelta(days=28)).astimezone(HELSINKI)
    assert "Haettavissa: 10\u00a0800\u00a0000 €" in amif.description
    assert "https://eusa-rahastot2021.fi/haku" in amif.description
    assert not any("jatkuva" in s for s in found)  # a rolling call has no deadline event
    assert not any("Ravintolapalveluiden" in s for s in found)  # off-field call left out
    uids = [e.uid for e in events(response.content)]
    assert len(uids) == len(set(uids))


def test_calendar_is_in_the_readers_language_and_answers_304(
    client: TestClient, seeded: Seeded
) -> None:
    swedish = client.get("/calendar/grants.ics?lang=sv")
    assert any(e.summary.startswith("Ansökan stänger:") for e in events(swedish.content))
    again = client.get(
        "/calendar/grants.ics?lang=sv", headers={"If-None-Match": swedish.headers["etag"]}
    )
    assert again.status_code == 304


def test_audience_calendar_and_unknown_audience(client: TestClient, seeded: Seeded) -> None:
    funding = events(client.get("/calendar/audience/funding.ics").content)
    assert [e.summary for e in funding] == ["Haku päättyy: AMIF-rahaston syksyn 2026 haku"]
    missing = client.get("/calendar/audience/nobody.ics")
    assert missing.status_code == 404
    assert "municipalities" in missing.text


def view(**values: object) -> GrantView:
    base: dict[str, object] = {
        "id": 1,
        "call_key": "amif|sisäministeriö|2027-spring",
        "title": "AMIF-haku kevät 2027",
        "url": "https://eusa-rahastot2021.fi/haku",
        "funder": "sisäministeriö",
        "programme": "AMIF",
        "opens_at": None,
        "opens_has_time": False,
        "closes_at": None,
        "closes_has_time": False,
        "amount_eur": None,
        "eligible": (),
        "apply_url": None,
        "rolling": False,
        "deadline_changed_at": None,
        "previous_closes_at": None,
        "item_ids": (7,),
    }
    base.update(values)
    return GrantView(**base)  # type: ignore[arg-type]


def test_date_only_deadline_is_an_all_day_event_and_a_changed_deadline_keeps_its_uid() -> None:
    stamp = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    deadline = datetime(2027, 3, 15, 23, 59, 59, tzinfo=HELSINKI)
    before = events(
        render_calendar(
            [view(closes_at=deadline)],
            language="fi",
            base_url="https://x.fi",
            name="n",
            stamp=stamp,
        )
    )
    moved = events(
        render_calendar(
            [view(closes_at=deadline + timedelta(days=14), deadline_changed_at=stamp)],
            language="fi",
            base_url="https://x.fi",
            name="n",
            stamp=stamp,
        )
    )
    assert before[0].start == date(2027, 3, 15)
    assert before[0].end == date(2027, 3, 16)
    assert moved[0].uid == before[0].uid
    assert moved[0].sequence > before[0].sequence
    assert "Hakuaika on muuttunut." in str(moved[0].description)


def test_timed_deadline_across_daylight_saving_keeps_helsinki_wall_time() -> None:
    stamp = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    summer = datetime(2027, 4, 15, 16, 15, tzinfo=HELSINKI)  # after the March change
    body = render_calendar(
        [view(closes_at=summer, closes_has_time=True)],
        language="en",
        base_url="https://x.fi",
        name="n",
        stamp=stamp,
    )
    (event,) = events(body)
    assert event.end == summer
    assert isinstance(event.end, datetime)
    assert event.end.utcoffset() == timedelta(hours=3)
    assert b"BEGIN:VTIMEZONE" in body
    assert b"TZID:Europe/Helsinki" in body


def test_every_deadline_has_reminders_a_week_and_a_day_before(
    client: TestClient, seeded: Seeded
) -> None:
    calendar = Calendar.from_ical(client.get("/calendar/grants.ics").content)
    deadlines = list(calendar.walk("VEVENT"))
    assert deadlines
    for event in deadlines:
        alarms = event.walk("VALARM")
        assert sorted(a.decoded("TRIGGER") for a in alarms) == [
            -timedelta(days=7),
            -timedelta(days=1),
        ]
        assert all(str(a["ACTION"]) == "DISPLAY" for a in alarms)
        assert all(str(a["DESCRIPTION"]) == str(event["SUMMARY"]) for a in alarms)


def test_an_event_is_named_after_the_call_not_the_announcing_headline() -> None:
    from aggregator.publish.render.calendar import call_name

    def named(title: str) -> str:
        return call_name(view(title=title))

    assert named("AMIF winter call opens: EUR 3 million for integration") == "AMIF winter call"
    assert named("AMIF-rahaston haku avautuu 1.3.2027") == "AMIF-rahaston haku"
    assert named("Kotoutumisen kumppanuusohjelman hankeavustus 2027") == (
        "Kotoutumisen kumppanuusohjelman hankeavustus 2027"
    )
    assert named("Ansökan om AMIF-stöd öppnar") == "Ansökan om AMIF-stöd"
