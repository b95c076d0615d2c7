"""A story without a publication date is shown and fed as first seen, saying so, in fi/sv/en;
a story with one shows it. The seeded "conference" story loses its date here: it was first
seen on 19.11.2026 at 12.00 Helsinki time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow
from tests.web.seed import Seeded

SEEN = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


@pytest.fixture
def undated(engine: Engine, seeded: Seeded) -> int:
    item_id = seeded.items["conference"]
    with session_scope(engine) as session:
        row = session.get(ItemRow, item_id)
        assert row is not None
        row.published_at, row.published_has_time = None, False
        row.date_kind, row.date_origin, row.first_seen_at, row.sort_at = (
            "first_seen",
            "",
            SEEN,
            SEEN,
        )
    return item_id


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("fi", "Havaittu ensimmäisen kerran 19.11.2026"),
        ("sv", "Först sedd 19.11.2026"),
        ("en", "First seen 19 Nov 2026"),
    ],
)
def test_first_seen_on_the_story_and_the_list(
    client: TestClient, undated: int, lang: str, shown: str
) -> None:
    page = client.get(f"/items/{undated}?lang={lang}").text
    assert f'<time datetime="2026-11-19T10:00:00+00:00">{shown}</time>' in page
    listed = client.get(f"/?lang={lang}").text
    assert shown in listed
    assert listed.count(shown) == 1  # the dated stories show their publication dates


def test_a_dated_story_shows_its_publication_time(client: TestClient, seeded: Seeded) -> None:
    page = client.get(f"/items/{seeded.items['placement']}?lang=fi").text
    assert "16.11.2026 klo 12.00" in page and "Havaittu ensimmäisen kerran" not in page


def test_feeds_date_it_first_seen_and_mark_it(client: TestClient, undated: int) -> None:
    rss = client.get("/feeds/all.rss").text
    item = next(i for i in rss.split("<item>") if "Integration 2026 conference" in i)
    assert "<pubDate>Thu, 19 Nov 2026 10:00:00 +0000</pubDate>" in item
    assert "Havaittu ensimmäisen kerran 19.11.2026; julkaisupäivä ei tiedossa." in item
    atom = client.get("/feeds/all.atom?lang=sv").text
    entry = next(e for e in atom.split("<entry>") if "Integration 2026 conference" in e)
    assert "<published>" not in entry  # Atom: no publication date known
    assert re.search(r"<updated>2026-11-19T10:00:00(\+00:00|Z)</updated>", entry)
    assert "Först sedd 19.11.2026; publiceringsdatum okänt." in entry
    others = [e for e in atom.split("<entry>")[1:] if "Integration 2026 conference" not in e]
    assert others and all("<published>" in e for e in others)
    feed = json.loads(client.get("/feeds/all.json?lang=en").text)
    by_title = {i["title"].split(" (")[0]: i for i in feed["items"]}
    undated_item = by_title["Integration 2026 conference: registration is open"]
    assert undated_item["_story_date"] == {"kind": "first_seen"}
    assert undated_item["date_published"].startswith("2026-11-19T10:00:00")
    assert "First seen 19 Nov 2026; publication date not known." in undated_item["summary"]
    dated = [i for i in feed["items"] if i is not undated_item]
    assert all(i["_story_date"]["kind"] == "published" for i in dated)
