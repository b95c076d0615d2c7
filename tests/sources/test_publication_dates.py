"""Where each parser reads a story's publication date, and what it never takes for one.

Recorded pages (tests/fixtures/sites, the real grant-portal row in tests/fixtures/real) and the
metadata shapes of tests/fixtures/dates (hand-written, see its README).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from aggregator.clock import helsinki_date
from aggregator.sources.article import parse_article
from aggregator.sources.eusa import EusaParser
from aggregator.sources.feed import FeedParser
from aggregator.sources.json_api import GrantPortalParser
from aggregator.sources.registry import SourceConfig, SourceFilter, parser_for
from tests.sources.conftest import FIXTURES, MakePage, Recorded

PORTAL = (
    "https://www.haeavustuksia.fi/api/haku/list-items?Pagination.Page=2&Pagination.PageSize=100"
    "&Language=fi&ShowFuture=true&ShowOngoing=true&ShowEnded=false&HideExternal=false"
)
JSON = "application/json; charset=utf-8"
KUNTAPAIKAT = (
    "https://kotoutuminen.fi/-/kuntapaikkoja-tarvitaan-vuonna-2027-noin-1-800-"
    "kiintiopakolaiselle-ja-muulle-kansainvalista-suojelua-saavalle"
)


def test_the_grant_portal_gives_no_publication_date(
    sources: dict[str, SourceConfig], recorded: Recorded, page: MakePage
) -> None:
    """The opening day (11.1.2027 for the partnership programme) is the call's, not the
    story's: the item has no publication date, and the call keeps its opening."""
    items = GrantPortalParser().parse_list(sources["haeavustuksia"], recorded(PORTAL)).items
    partnership = next(i for i in items if "kumppanuusohjelman" in i.title)
    assert partnership.published is None and partnership.published_origin == ""
    assert partnership.grant is not None and partnership.grant["opens_at"] is not None
    assert all(item.published is None for item in items)
    real = json.loads((FIXTURES / "real" / "haeavustuksia_list_item.json").read_text("utf-8"))
    everything = replace(sources["haeavustuksia"], filter=SourceFilter())
    body = json.dumps({"totalCount": 1, "pageCount": 1, "hakuilmoitukset": [real]})
    (row,) = GrantPortalParser().parse_list(everything, page(PORTAL, body, JSON)).items
    assert row.published is None
    assert row.grant is not None and row.grant["opens_at"] == "2025-12-31T22:00:00+00:00"


def test_a_closed_call_page_has_no_publication_date(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    """ "Haku on päättynyt 31.10.2023", "Hakuaika 29.9.2023 – 31.10.2023" and "Päivitetty:
    01.11.2023" are the call's days and the page's last edit, none a publication date."""
    url = "https://eusa-rahastot2021.fi/amif-rahaston-haku-syksy-2023"
    (item,) = EusaParser().parse_list(sources["eusa-amif"], recorded(url)).items
    assert item.published is None and item.published_origin == ""
    assert item.updated is not None and helsinki_date(item.updated).isoformat() == "2023-11-01"


def test_article_list_and_feed_dates_say_where_they_came_from(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    article = parse_article(
        sources["kotoutuminen-uutiset"],
        recorded(KUNTAPAIKAT),
    )
    assert article.published is not None and article.published_origin == "article"
    source = sources["kotoutuminen-uutiset"]
    listed = parser_for(source).parse_list(source, recorded(source.urls[0])).items
    assert listed and all(i.published_origin == "list" for i in listed if i.published)
    feed_source = sources["valtioneuvosto-tem"]
    fed = FeedParser().parse_list(feed_source, recorded(feed_source.urls[0])).items
    assert fed and all(i.published is not None and i.published_origin == "feed" for i in fed)


@pytest.mark.parametrize(
    ("fixture", "origin", "day"),
    [
        ("og-published-time.html", "meta", "2026-11-19"),
        ("json-ld-graph.html", "json-ld", "2026-11-02"),
        ("time-pubdate.html", "time", "2026-11-12"),
        ("modified-only.html", "", None),
    ],
)
def test_metadata_dates_where_no_labelled_line_is(
    sources: dict[str, SourceConfig], page: MakePage, fixture: str, origin: str, day: str | None
) -> None:
    body = (FIXTURES / "dates" / fixture).read_bytes()
    details = parse_article(
        sources["kotoutuminen-uutiset"], page("https://kotoutuminen.fi/-/x", body)
    )
    assert details.published_origin == origin
    found = helsinki_date(details.published).isoformat() if details.published else None
    assert found == day


def test_a_labelled_line_wins_over_metadata(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    body = (FIXTURES / "dates" / "og-published-time.html").read_text("utf-8")
    body = body.replace("<main>", "<main><p>Julkaisuajankohta 18.11.2026 9.00</p>")
    details = parse_article(
        sources["kotoutuminen-uutiset"], page("https://kotoutuminen.fi/-/x", body)
    )
    assert details.published_origin == "article"
    assert (
        details.published is not None
        and details.published.isoformat() == "2026-11-18T07:00:00+00:00"
    )
