"""Rendering a digest: one multipart/alternative message, CSS inlined, headers, language, dates
in Helsinki, and hostile scraped text kept harmless. Golden files pin one digest per language
(``UPDATE_GOLDEN=1 pytest tests/digest/test_render.py`` rewrites them after a deliberate change).
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from aggregator.clock import FixedClock
from aggregator.publish.choose import MAX_STORIES, compose
from aggregator.publish.render.digest import StoryFragments, digest_message
from aggregator.publish.render.message import Sender, encoded_words, wire_bytes
from aggregator.publish.tokens import LinkBuilder, LinkSigner
from aggregator.store.subscribers import Frequency
from tests.conftest import FIXTURES
from tests.digest.conftest import BASE_URL, NOW
from tests.digest.stories import TAGS, story, subscriber

GOLDEN = FIXTURES / "golden" / "email"
SENDER = Sender("uutiskirje@uutiset.example.fi", "Kotoutumisuutiset")
MESSAGE_ID = "<digest.2026-W47.1@uutiset.example.fi>"

STORIES = [
    story(
        10,
        "funding",
        "amif",
        title="AMIF-rahaston syksyn haku on käynnissä",
        summary="Haettavissa on 10,8 miljoonaa euroa. Hakuaika 29.9.2026 klo 8.00 – 30.11.2026 klo 16.15.",
        first_seen=NOW - timedelta(days=2),
        closes_at=NOW + timedelta(days=10, hours=8, minutes=15),  # 30.11.2026 16.15 Helsinki
        source="eusa-amif",
    ),
    story(
        11,
        "municipalities",
        "legislation",
        title="Kotoutumislain muutokset voimaan",
        summary="Kuntien vastuut kotoutumisohjelman laatimisessa tarkentuvat.",
        first_seen=NOW - timedelta(hours=7, minutes=30),  # 19.11. 22.30 UTC = 20.11. Helsinki
    ),
    story(
        12,
        "professionals",
        "minors",
        title="Edustajien koulutus alkaa",
        summary="Ilman huoltajaa tulleiden alaikäisten edustajille järjestetään koulutusta.",
        first_seen=NOW - timedelta(days=3),
    ),
    story(
        13,
        "funding",
        title="Valtionavustushaku kotoutumista edistäviin hankkeisiin",
        summary="Erityisavustusta voivat hakea järjestöt.",
        first_seen=NOW - timedelta(days=4),
        closes_at=NOW + timedelta(days=45),
        closes_has_time=False,
    ),
]


def render(language: str, *, frequency: Frequency = Frequency.WEEKLY) -> EmailMessage:
    reader = subscriber(
        audiences=("municipalities", "professionals", "funding"),
        frequency=frequency,
        language=language,
    )
    digest = compose(reader, STORIES, TAGS, NOW)
    links = LinkBuilder(LinkSigner("golden-secret", FixedClock(NOW)), BASE_URL)
    return digest_message(
        digest,
        StoryFragments(TAGS, NOW),
        links.for_subscriber(reader.id, reader.token_version),
        sender=SENDER,
        base_url=BASE_URL,
        message_id=MESSAGE_ID,
        now=NOW,
    )


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_message_is_multipart_alternative_text_then_html() -> None:
    message = render("fi")
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in message.iter_parts())
    encodings = [p["Content-Transfer-Encoding"] for p in message.iter_parts()]
    assert encodings == ["quoted-printable", "quoted-printable"]  # 7-bit clean for any relay


def test_headers_name_sender_date_id_and_one_click_unsubscribe() -> None:
    message = render("fi")
    assert message["From"] == "Kotoutumisuutiset <uutiskirje@uutiset.example.fi>"
    assert message["To"] == "anna.virtanen@kunta.example.fi"
    assert message["Date"] == "Fri, 20 Nov 2026 06:00:00 +0000"
    assert message["Message-ID"] == MESSAGE_ID
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert https.startswith(f"{BASE_URL}/unsubscribe/one-click/")
    assert mailto.startswith("mailto:uutiskirje@uutiset.example.fi?subject=unsubscribe%20")


def test_wire_format_is_seven_bit_crlf_with_short_lines_and_parses_back() -> None:
    message = render("sv")
    data = wire_bytes(message)
    assert data.isascii()
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")  # every line ends in CRLF
    assert max(len(line) for line in body.split(b"\r\n")) <= 78
    # Header lines fold before spaces; only an unbreakable URL may run past 78 characters.
    for line in head.split(b"\r\n"):
        assert len(line) <= 78 or b" " not in line.strip(), line
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed.defects == []
    assert parsed["Subject"] == "Veckans integrationsnyheter: 4 nya"
    assert parsed["List-Unsubscribe"].strip() == message["List-Unsubscribe"]  # never encoded
    received = [p.get_content().replace("\r\n", "\n") for p in parsed.iter_parts()]
    assert received == list(parts(message))


def test_long_subjects_become_folded_encoded_words() -> None:
    subject = "Ääkköset " * 20
    folded = encoded_words(subject)
    assert all(len(line) < 78 for line in folded.split("\r\n "))
    header = email.message_from_bytes(
        f"Subject: {folded}\r\n\r\n".encode(), policy=email.policy.default
    )
    assert header["Subject"] == subject


def test_css_is_inlined_and_media_queries_kept() -> None:
    _, html = parts(render("fi"))
    assert re.search(r'<h1 style="[^"]*font-size: 24px', html)
    assert re.search(r'<div class="story" style="[^"]*margin: 0 0 18px', html)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 1 and styles[0].strip().startswith("@media (max-width: 480px)")
    assert ".story {" not in html


def test_strings_follow_the_subscribers_language() -> None:
    assert render("fi")["Subject"] == "Viikon kotoutumisuutiset: 4 uutta"
    assert render("sv")["Subject"] == "Veckans integrationsnyheter: 4 nya"
    assert render("en")["Subject"] == "Your weekly integration news: 4 new items"
    assert render("fi", frequency=Frequency.DAILY)["Subject"] == "Päivän kotoutumisuutiset: 4 uutta"
    _, html = parts(render("sv"))
    assert '<html lang="sv">' in html and "Stänger snart" in html and "Övriga" not in html


def test_dates_and_deadlines_are_in_helsinki_time() -> None:
    text, _ = parts(render("fi"))
    assert "Hakuaika päättyy 30.11.2026 klo 16.15" in text
    assert "20.11.2026 · Kotoutumisen osaamiskeskus · Lainsäädäntö" in text
    english, _ = parts(render("en"))
    assert "Application period ends 30 Nov 2026 16:15" in english
    assert "Application period ends 4 Jan 2027" in english  # date-only deadline: no time


def test_closing_soon_section_comes_first_and_holds_only_near_deadlines() -> None:
    text, _ = parts(render("en"))
    closing = text.index("Closing soon")
    assert (
        closing < text.index("AMIF-rahaston syksyn haku") < text.index("Kotoutumislain muutokset")
    )
    assert text.index("Valtionavustushaku") > text.index("Funding and grant calls")


def test_a_long_digest_shows_fifty_stories_and_counts_the_rest() -> None:
    many = [story(n, "funding", first_seen=NOW - timedelta(minutes=n)) for n in range(1, 71)]
    closing = story(
        99, "funding", first_seen=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=2)
    )
    digest = compose(subscriber(audiences=("funding",)), [*many, closing], TAGS, NOW)
    assert len(digest.stories) == MAX_STORIES == 50 and digest.more == 21
    assert digest.item_ids[:3] == (99, 1, 2)  # the closing call first, then the newest
    links = LinkBuilder(LinkSigner("k", FixedClock(NOW)), BASE_URL).for_subscriber(1, 0)
    text, html = parts(
        digest_message(
            digest,
            StoryFragments(TAGS, NOW),
            links,
            sender=SENDER,
            base_url=BASE_URL,
            message_id=MESSAGE_ID,
            now=NOW,
        )
    )
    assert "21 uutta uutista ei mahtunut tähän viestiin." in text
    assert f'<a href="{BASE_URL}/" style=' in html


def test_each_email_links_to_preferences_and_unsubscribe() -> None:
    text, html = parts(render("fi"))
    for body in (text, html):
        assert f"{BASE_URL}/preferences/" in body
        assert f"{BASE_URL}/unsubscribe/" in body


def test_hostile_scraped_text_is_escaped_and_bad_links_dropped() -> None:
    hostile = story(
        20,
        "funding",
        title='<script>alert("x")</script> Haku',
        summary="<img src=x onerror=alert(1)>",
        url="javascript:alert(1)",
    )
    reader = subscriber(audiences=("funding",))
    links = LinkBuilder(LinkSigner("k", FixedClock(NOW)), BASE_URL).for_subscriber(1, 0)
    message = digest_message(
        compose(reader, [hostile], TAGS, NOW),
        StoryFragments(TAGS, NOW),
        links,
        sender=SENDER,
        base_url=BASE_URL,
        message_id=MESSAGE_ID,
        now=NOW,
    )
    _, html = parts(message)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html
    assert "javascript:" not in html


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_golden_digest(language: str) -> None:
    text, html = parts(render(language))
    message = render(language)
    headers = "".join(
        f"{name}: {message[name]}\n" for name in ("Subject", "From", "To", "List-Unsubscribe")
    )
    for name, content in (("html", html), ("txt", text), ("headers.txt", headers)):
        path = GOLDEN / f"digest-{language}.{name}"
        _check_golden(path, content)


def _check_golden(path: Path, content: str) -> None:
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1 to create it"
    assert content == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; if the change is intended, rerun with UPDATE_GOLDEN=1"
    )


def test_story_of_a_call_shows_days_left_and_a_changed_deadline() -> None:
    from dataclasses import replace

    call = story(7, "funding", closes_at=NOW + timedelta(days=3, hours=1))
    assert call.grant is not None
    moved = replace(call, grant=replace(call.grant, deadline_changed_at=NOW - timedelta(days=1)))
    fragments = StoryFragments(TAGS, NOW)
    plain = fragments.text(call, "fi")
    changed = fragments.text(moved, "sv") + str(fragments.html(moved, "en"))
    assert "(3 päivää jäljellä)" in plain
    assert "muuttunut" not in plain
    assert "Ansökningstiden har ändrats." in changed
    assert "The deadline has changed." in changed
    assert "(3 days left)" in changed


def test_a_deadline_in_the_past_is_told_in_the_past_tense() -> None:
    fragments = StoryFragments(TAGS, NOW)
    past = story(
        901,
        "funding",
        title="AMIF-haku",
        first_seen=NOW - timedelta(days=10),
        closes_at=NOW - timedelta(days=3),
        closes_has_time=False,
    )
    future = story(
        902,
        "funding",
        title="AMIF-haku",
        first_seen=NOW - timedelta(days=10),
        closes_at=NOW + timedelta(days=3),
        closes_has_time=False,
    )
    assert "Hakuaika päättyi " in fragments.text(past, "fi")
    assert "Hakuaika päättyy" not in fragments.text(past, "fi")
    assert "Ansökningstiden gick ut " in fragments.text(past, "sv")
    assert "Application period ended " in str(fragments.html(past, "en"))
    assert "Hakuaika päättyy " in fragments.text(future, "fi")
