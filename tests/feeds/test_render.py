"""The pure renderer: golden feeds of each kind, and the rules readers and validators rely on.

Golden files live in ``tests/fixtures/golden/feeds/``; after an intended change regenerate them
with ``REGENERATE_GOLDEN=1 .venv/bin/pytest tests/feeds/test_render.py`` and read the diff.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from aggregator.publish.render.feeds import build_document, feed_scope, render, story_guid, to_uri
from aggregator.publish.render.opml import FeedFormat, FeedKind, FeedSpec, describe, render_opml
from aggregator.store.queries import StoryView
from tests.feeds import validity
from tests.feeds.stories import (
    BASE_URL,
    NOW,
    STORIES,
    Grant,
    by_key,
    catalogue,
    story_view,
    story_views,
)

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "golden" / "feeds"
REGENERATE = os.environ.get("REGENERATE_GOLDEN") == "1"

FUNDING_FI = FeedSpec(FeedKind.AUDIENCE, audiences=("funding",))
GRANTS_SV = FeedSpec(FeedKind.GRANTS, language="sv")
CUSTOM_EN = FeedSpec(
    FeedKind.CUSTOM,
    audiences=("funding", "municipalities"),
    topics=("amif", "placement", "temporary-protection"),
    language="en",
)


def feed_bytes(
    spec: FeedSpec,
    fmt: FeedFormat,
    stories: Sequence[StoryView] | None = None,
    now: datetime = NOW,
) -> bytes:
    views = story_views() if stories is None else stories
    chosen = [view for view in views if _selected(spec, view)]
    document = build_document(spec, fmt, chosen, catalogue(), base_url=BASE_URL, now=now)
    return render(document, fmt)


def _selected(spec: FeedSpec, view: StoryView) -> bool:
    """The filter find_items applies in SQL, for stories that never touch a database."""
    tags = {tag.tag_id for tag in view.tags}
    return (
        (not spec.audiences or bool(tags & set(spec.audiences)))
        and (not spec.topics or bool(tags & set(spec.topics)))
        and (not spec.sources or bool(set(view.source_ids) & set(spec.sources)))
        and (spec.kind is not FeedKind.GRANTS or view.grant is not None)
    )


def check_golden(name: str, body: bytes) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    assert path.exists(), f"missing golden file {path}; run with REGENERATE_GOLDEN=1"
    assert body.decode("utf-8") == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "spec", "fmt"),
    [
        ("audience-funding.fi.rss", FUNDING_FI, FeedFormat.RSS),
        ("grants.sv.atom", GRANTS_SV, FeedFormat.ATOM),
        ("custom.en.json", CUSTOM_EN, FeedFormat.JSON),
    ],
)
def test_golden_feeds(name: str, spec: FeedSpec, fmt: FeedFormat) -> None:
    body = feed_bytes(spec, fmt)
    check_golden(name, body)
    checker = {
        FeedFormat.RSS: validity.rss_problems,
        FeedFormat.ATOM: validity.atom_problems,
        FeedFormat.JSON: validity.json_feed_problems,
    }[fmt]
    assert checker(body, spec.url(BASE_URL, fmt)) == []


def test_golden_opml() -> None:
    body = render_opml(catalogue(), base_url=BASE_URL, language="fi", created=NOW)
    check_golden("index.fi.opml", body)
    assert validity.opml_problems(body) == []


def test_same_input_same_bytes() -> None:
    assert feed_bytes(FUNDING_FI, FeedFormat.ATOM) == feed_bytes(FUNDING_FI, FeedFormat.ATOM)


# --- identity and time ---------------------------------------------------------------------


def test_an_edited_story_keeps_its_guid_and_gets_a_later_updated_time() -> None:
    story = by_key("placement")
    original = story_view(story, 2)
    edited = story_view(
        story,
        2,
        title="Kuntapaikat vuonna 2027 (korjattu)",
        edits=1,
        updated_at=NOW + timedelta(hours=2),
    )
    before = json.loads(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.JSON, [original]))
    after = json.loads(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.JSON, [edited]))
    (old,), (new,) = before["items"], after["items"]
    scope = feed_scope(FeedSpec(FeedKind.ALL), FeedFormat.JSON, BASE_URL)
    assert new["id"] == old["id"] == story_guid(scope, 2)
    assert new["date_published"] == old["date_published"]
    assert new["date_modified"] == "2026-11-22T12:00:00Z" > old["date_modified"]
    atom = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.ATOM, [edited]))
    atom_scope = feed_scope(FeedSpec(FeedKind.ALL), FeedFormat.ATOM, BASE_URL)
    assert atom.findtext(f"{validity.A}entry/{validity.A}id") == story_guid(atom_scope, 2)
    assert atom.findtext(f"{validity.A}entry/{validity.A}updated") == "2026-11-22T12:00:00+00:00"


def test_guids_differ_between_stories_and_between_feeds_and_survive_rebuilds() -> None:
    """Readers that key items by guid across subscriptions (newsboat) must see a story once
    in every feed that carries it: ids are per feed (and per format), links are the story's."""
    views = story_views()
    rss = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.RSS, views))
    guids = [guid.text for guid in rss.iter("guid")]
    assert len(set(guids)) == len(views) == len(STORIES)
    assert all(guid.get("isPermaLink") == "false" for guid in rss.iter("guid"))
    again = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.RSS, views))
    assert [guid.text for guid in again.iter("guid")] == guids
    atom = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.ATOM, views))
    atom_ids = [e.findtext(f"{validity.A}id") for e in atom.iter(f"{validity.A}entry")]
    assert len(atom_ids) == len(guids) and not set(atom_ids) & set(guids)
    longer = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL, limit=100), FeedFormat.RSS, views))
    assert [guid.text for guid in longer.iter("guid")] == guids  # a longer list, same ids
    funding = etree.fromstring(feed_bytes(FUNDING_FI, FeedFormat.RSS, views))
    funding_items = {i.findtext("link"): i.findtext("guid") for i in funding.iter("item")}
    all_items = {i.findtext("link"): i.findtext("guid") for i in rss.iter("item")}
    assert funding_items and all(all_items[link] != g for link, g in funding_items.items())


def test_dates_are_rfc822_in_rss_and_rfc3339_in_atom_and_json() -> None:
    view = story_view(by_key("placement"), 2)
    rss = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.RSS, [view]))
    assert rss.findtext("channel/item/pubDate") == "Sat, 21 Nov 2026 10:00:00 +0000"
    assert rss.findtext("channel/lastBuildDate") == "Sat, 21 Nov 2026 10:00:00 +0000"
    atom = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.ATOM, [view]))
    assert atom.findtext(f"{validity.A}entry/{validity.A}published") == "2026-11-21T10:00:00+00:00"
    item = json.loads(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.JSON, [view]))["items"][0]
    assert item["date_published"] == "2026-11-21T10:00:00Z"


def test_an_empty_feed_is_still_complete() -> None:
    for fmt, checker in (
        (FeedFormat.RSS, validity.rss_problems),
        (FeedFormat.ATOM, validity.atom_problems),
        (FeedFormat.JSON, validity.json_feed_problems),
    ):
        body = feed_bytes(FeedSpec(FeedKind.TOPIC, topics=("minors",)), fmt, [])
        assert checker(body, FeedSpec(FeedKind.TOPIC, topics=("minors",)).url(BASE_URL, fmt)) == []


# --- who, what and where -----------------------------------------------------------------


def test_rss_names_the_publisher_with_dc_creator_never_author() -> None:
    rss = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.RSS))
    items = rss.findall("channel/item")
    assert all(item.find("author") is None for item in items)
    creators = {
        item.findtext("title"): item.findtext(f"{{{validity.DC}}}creator") for item in items
    }
    assert creators["Sairaalan ruokalista muuttuu"] == "Keski-Suomen hyvinvointialue"  # from config
    assert creators["Kuntapaikat & korvaukset vuonna 2027"] == "Kotoutumisen osaamiskeskus"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "Kotoutumisen osaamiskeskus"),
        ("sv", "Kompetenscentret för integration av invandrare"),
        ("en", "Centre of Expertise in Immigrant Integration"),
    ],
)
def test_the_publisher_is_named_in_the_feeds_language_where_configured(
    language: str, expected: str
) -> None:
    spec = FeedSpec(FeedKind.ALL, language=language)
    rss = etree.fromstring(feed_bytes(spec, FeedFormat.RSS))
    creators = {
        item.findtext("title"): item.findtext(f"{{{validity.DC}}}creator")
        for item in rss.findall("channel/item")
    }
    assert expected in creators.values()
    # a source with no name in that language keeps its configured one
    assert "Keski-Suomen hyvinvointialue" in creators.values()
    atom = etree.fromstring(feed_bytes(spec, FeedFormat.ATOM))
    names = {n.text for n in atom.iter("{http://www.w3.org/2005/Atom}name")}
    assert expected in names


def test_links_are_absolute_ascii_uris() -> None:
    rss = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.RSS))
    links = [item.findtext("link") for item in rss.findall("channel/item")]
    assert (
        "https://kotoutuminen.fi/-/kuntapaikat-ja-korvaukset-vuonna-2027-p%C3%A4%C3%A4t%C3%B6s"
        in links
    )
    assert "https://kotoutuminen.fi/-/koto-digi-ohje?a=1&b=%5B2%5D" in links
    assert all(link.isascii() and validity.full_uri_problem("link", link) == [] for link in links)


def test_a_link_that_is_not_http_falls_back_to_the_site() -> None:
    view = story_view(by_key("placement"), 2, url="javascript:alert(1)")
    rss = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL), FeedFormat.RSS, [view]))
    assert rss.findtext("channel/item/link") == f"{BASE_URL}/"


def test_to_uri_encodes_hosts_paths_and_queries() -> None:
    host = "esimerkki-ä.fi".encode("idna").decode()
    assert host.startswith("xn--")
    assert to_uri("https://Esimerkki-ä.fi/polku ä?q=a b#x") == (
        f"https://{host}/polku%20%C3%A4?q=a%20b#x"
    )
    assert to_uri("https://a.fi/%C3%A4") == "https://a.fi/%C3%A4"  # already encoded stays


def test_summaries_are_escaped_and_sanitised() -> None:
    item = _json_item("placement")
    assert "<script" not in item["content_html"]
    assert "&lt;script&gt;" in item["content_html"]  # shown as the text it was, never run
    assert "&lt;b&gt;nousee&lt;/b&gt; &amp; kuntapaikkoja" in item["content_html"]


def test_a_story_without_summary_gets_the_start_of_its_body() -> None:
    item = _json_item("event", language="en")
    assert item["content_html"].startswith("<p>The annual event gathers professionals")
    assert item["summary"].endswith(" …") and len(item["summary"]) <= 402
    assert "href" not in item["content_html"]  # the body's relative link is not carried over


def test_control_characters_are_removed() -> None:
    item = _json_item("broken-text")
    assert item["title"] == "Koto-digi ja asiakastiedot – ohje"
    assert item["content_html"] == "<p>Ohje asiakastietojen käsittelyyn.</p>"


def test_categories_follow_the_taxonomy_in_the_feed_language() -> None:
    assert _json_item("placement", language="sv")["tags"] == [
        "Kommuner och välfärdsområden",
        "Ersättningar",
        "Kommunplatser",
    ]
    atom = etree.fromstring(feed_bytes(FeedSpec(FeedKind.ALL, language="en"), FeedFormat.ATOM))
    terms = {(c.get("term"), c.get("scheme")) for c in atom.iter(f"{validity.A}category")}
    assert ("funding", f"{BASE_URL}/feeds/audience/") in terms
    assert ("amif", f"{BASE_URL}/feeds/topic/") in terms


@pytest.mark.parametrize(
    ("language", "title", "description"),
    [
        ("fi", "Kotoutumisuutiset: Rahoitus ja avustushaut", "Uutisia kohderyhmälle"),
        ("sv", "Kotoutumisuutiset: Finansiering och utlysningar", "Nyheter för målgruppen"),
        ("en", "Kotoutumisuutiset: Funding and grant calls", "News for the audience"),
    ],
)
def test_titles_and_descriptions_in_the_feed_language(
    language: str, title: str, description: str
) -> None:
    spec = replace(FUNDING_FI, language=language)
    rss = etree.fromstring(feed_bytes(spec, FeedFormat.RSS))
    assert rss.findtext("channel/title") == title
    assert rss.findtext("channel/description").startswith(description)
    assert rss.findtext("channel/language") == language


# --- grant calls ---------------------------------------------------------------------------


def test_grant_call_shows_deadline_days_left_and_a_moved_deadline() -> None:
    item = _json_item("amif-call")
    assert item["title"].endswith("(haku päättyy 4.12.2026, hakuaika muuttunut)")
    assert item["content_html"].startswith(
        "<p><strong>Määräaika: 4.12.2026 klo 16.15.</strong> 12 päivää jäljellä. "
        "Hakuaika on muuttunut (aiemmin 30.11.2026).</p>"
    )
    assert item["_grant_call"]["closes_at"] == "2026-12-04T14:15:00Z"
    english = _json_item("amif-call", language="en")
    assert "(deadline 4 Dec 2026, deadline changed)" in english["title"]
    assert "12 days left." in english["summary"]


@pytest.mark.parametrize(
    ("closes_at", "now", "expected"),
    [
        (datetime(2026, 12, 4, 14, 15, tzinfo=UTC), NOW, "12 days left."),
        (datetime(2026, 11, 23, 14, 15, tzinfo=UTC), NOW, "1 day left."),
        (datetime(2026, 11, 22, 14, 15, tzinfo=UTC), NOW, "Closes today."),
        (datetime(2026, 11, 22, 9, 0, tzinfo=UTC), NOW, "The call has closed."),
        # 23:30 Helsinki on the 22nd is still "today" there, though already the 22nd in UTC
        (datetime(2026, 11, 22, 21, 30, tzinfo=UTC), NOW + timedelta(hours=11), "Closes today."),
    ],
)
def test_days_left_count_helsinki_days(closes_at: datetime, now: datetime, expected: str) -> None:
    view = story_view(by_key("amif-call"), 1)
    assert view.grant is not None
    grant = replace(view.grant, closes_at=closes_at, deadline_changed_at=None, opens_at=None)
    item = json.loads(
        feed_bytes(
            FeedSpec(FeedKind.GRANTS, language="en"),
            FeedFormat.JSON,
            [replace(view, grant=grant)],
            now,
        )
    )["items"][0]
    assert expected in item["summary"]


def test_rolling_and_closed_calls() -> None:
    assert _json_item("rolling")["title"].endswith("(jatkuva haku)")
    closed = _json_item("closed-call", language="sv")
    assert closed["title"].endswith("(sista ansökningsdag 20.10.2026)")  # a date-only deadline
    assert "Sista ansökningsdag: 20.10.2026." in closed["summary"]
    assert "Ansökningstiden har gått ut." in closed["summary"]


def test_a_call_not_yet_open_says_when_it_opens() -> None:
    story = replace(
        by_key("amif-call"),
        grant=Grant(closes_at=NOW + timedelta(days=40), opens_at=NOW + timedelta(days=7)),
    )
    item = json.loads(
        feed_bytes(
            FeedSpec(FeedKind.GRANTS, language="en"), FeedFormat.JSON, [story_view(story, 1)]
        )
    )["items"][0]
    assert "Opens 29 Nov 2026." in item["summary"]


def test_only_feeds_with_deadlines_depend_on_the_day() -> None:
    views = story_views()
    with_call = build_document(
        GRANTS_SV, FeedFormat.RSS, views, catalogue(), base_url=BASE_URL, now=NOW
    )
    off_topic = [v for v in views if v.grant is None]
    without = build_document(
        FeedSpec(FeedKind.ALL), FeedFormat.RSS, off_topic, catalogue(), base_url=BASE_URL, now=NOW
    )
    assert with_call.day_dependent and not without.day_dependent


def test_the_deadline_in_the_title_does_not_change_from_day_to_day() -> None:
    today = feed_bytes(GRANTS_SV, FeedFormat.RSS)
    tomorrow = feed_bytes(GRANTS_SV, FeedFormat.RSS, now=NOW + timedelta(days=1))
    titles = re.compile(rb"<title>[^<]*</title>")
    assert titles.findall(today) == titles.findall(tomorrow)
    assert today != tomorrow  # the days left did change


def _json_item(key: str, language: str = "fi") -> dict[str, Any]:
    view = next(v for v in story_views() if v.title == by_key(key).title)
    feed = json.loads(
        feed_bytes(FeedSpec(FeedKind.ALL, language=language), FeedFormat.JSON, [view])
    )
    item: dict[str, Any] = feed["items"][0]
    return item


def test_source_feeds_are_titled_in_the_feeds_language_where_the_name_is_configured() -> None:
    names = replace(
        catalogue(),
        sources_in={"en": {"kotoutuminen-uutiset": "Centre of Expertise: News"}},
    )
    source = FeedSpec(FeedKind.SOURCE, sources=("kotoutuminen-uutiset",), language="en")
    title, about = describe(source, names)
    assert "Centre of Expertise: News" in title and "Centre of Expertise: News" in about
    custom = FeedSpec(FeedKind.CUSTOM, sources=("kotoutuminen-uutiset", "eusa-amif"), language="en")
    assert "Centre of Expertise: News, Sisäministeriö, EU-rahastot" in describe(custom, names)[1]
    finnish = replace(source, language="fi")
    assert "Kotoutumisen osaamiskeskus" in describe(finnish, names)[0]
