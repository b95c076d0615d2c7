"""Pages in the reader's language: a story stored with its Finnish, Swedish and English
versions (through the real decide step and store) is one card, in the page's language, with
links to the other versions; its page likewise."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from aggregator.normalize.item import normalize_item
from aggregator.store.batch import StoryBatch
from aggregator.store.db import session_scope
from aggregator.types import RawItem

BASE = "https://kotoutuminen.fi"
FI = f"{BASE}/-/kuntapaikkoja-tarvitaan-vuonna-2027"
SV = f"{BASE}/sv/-/kommunplatser-behovs-ar-2027"
EN = f"{BASE}/en/-/municipal-places-needed-in-2027"
PUBLISHED = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
TITLES = {
    "fi": "Kuntapaikkoja tarvitaan vuonna 2027 noin 1 800 kiintiöpakolaiselle",
    "sv": "Kommunplatser behövs för cirka 1 800 kvotflyktingar år 2027",
    "en": "Municipal places needed for around 1,800 quota refugees in 2027",
}


def store_release(engine: Engine) -> int:
    raws = [
        RawItem(
            "kotoutuminen-uutiset",
            FI,
            TITLES["fi"],
            summary="Kuntiin tarvitaan noin 1 800 kuntapaikkaa.",
            body_html="<p>Työ- ja elinkeinoministeriö arvioi.</p>",
            body_text="Työ- ja elinkeinoministeriö arvioi.",
            published=PUBLISHED,
            language="fi",
            alternates=(SV, EN),
        ),
        RawItem("kotoutuminen-uutiset", SV, TITLES["sv"], summary="Cirka 1 800.", language="sv"),
        RawItem("kotoutuminen-uutiset", EN, TITLES["en"], summary="Around 1,800.", language="en"),
    ]
    items = [normalize_item(raw) for raw in raws]
    with session_scope(engine) as session:
        batch = StoryBatch(session, PUBLISHED)
        batch.load(items)
        for item in items:
            batch.add(item)
        saved = batch.write()
    assert len({s.item_id for s in saved}) == 1
    return saved[0].item_id


def test_the_list_shows_each_story_once_in_the_page_language(
    client: TestClient, engine: Engine
) -> None:
    store_release(engine)
    for language, others in (("fi", ("svenska", "English")), ("sv", ("suomi", "English"))):
        page = client.get(f"/?lang={language}").text
        assert TITLES[language] in page
        assert all(TITLES[x] not in page for x in TITLES if x != language)
        assert all(f">{name}</a>" in page for name in others)
    english = client.get("/?lang=en").text
    assert f'href="{FI}" hreflang="fi" lang="fi"' in english
    assert "In other languages:" in english and TITLES["en"] in english
    assert "På andra språk:" in client.get("/?lang=sv").text


def test_a_language_filter_shows_that_version(client: TestClient, engine: Engine) -> None:
    store_release(engine)
    page = client.get("/?lang=fi&language=en").text
    assert TITLES["en"] in page and TITLES["fi"] not in page


def test_the_story_page_is_in_the_reader_language_with_links_to_the_others(
    client: TestClient, engine: Engine
) -> None:
    story = store_release(engine)
    finnish = client.get(f"/items/{story}?lang=fi").text
    assert TITLES["fi"] in finnish and "Työ- ja elinkeinoministeriö arvioi." in finnish
    assert f'href="{SV}" hreflang="sv"' in finnish and f'href="{EN}" hreflang="en"' in finnish
    swedish = client.get(f"/items/{story}?lang=sv").text
    assert TITLES["sv"] in swedish and "Cirka 1 800." in swedish
    assert "Työ- ja elinkeinoministeriö arvioi." not in swedish  # that body is the Finnish one
    assert f'href="{SV}" rel="noopener noreferrer"' in swedish  # the original, in Swedish
    assert f'href="{FI}" hreflang="fi"' in swedish


def test_a_story_is_found_by_the_words_of_every_version(client: TestClient, engine: Engine) -> None:
    store_release(engine)
    swedish = client.get("/?lang=sv&q=kvotflykting").text
    assert "Kommunplatser behövs för cirka 1 800 <mark>kvotflyktingar</mark>" in swedish
    finnish = client.get("/?lang=fi&q=kvotflyktingar").text
    assert "Kuntapaikkoja tarvitaan vuonna 2027" in finnish
    assert "<mark>refugees</mark>" in client.get("/?lang=en&q=refugees").text
