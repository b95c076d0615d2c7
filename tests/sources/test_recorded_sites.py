"""The recorded sites are complete and say what the other stages' tests rely on.

Every page a source reaches is recorded, robots.txt allows it, html lists have two pages,
open grant calls reach into 2027 from several publishers, and the deliberate duplicates and
off-topic items are there.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from protego import Protego

from aggregator.sources.registry import SourceConfig, parser_for
from aggregator.types import RawItem
from tests.sources.conftest import SITES, Recorded
from tests.sources.golden import RecordedSites, Visit, collect, crawl

RECORDED_AT = datetime(2026, 11, 20, 8, tzinfo=UTC)
AGENT = "KotoutumisuutisetBot/0.1"


@pytest.fixture(scope="module")
def visits(sources: dict[str, SourceConfig]) -> list[Visit]:
    result = crawl(sources.values(), RecordedSites(SITES))
    assert result.problems == []
    return result.visits


@pytest.fixture(scope="module")
def items(sources: dict[str, SourceConfig], visits: list[Visit]) -> dict[str, list[RawItem]]:
    sites = RecordedSites(SITES)
    found: dict[str, list[RawItem]] = {}
    for visit in visits:
        if visit.method == "parse_list":
            page = sites.page(visit.url, visit.recorded)
            found.setdefault(visit.source.id, []).extend(
                parser_for(visit.source).parse_list(visit.source, page).items
            )
    return found


def test_every_reached_page_is_recorded_and_every_recorded_page_reached() -> None:
    golden = collect()
    assert golden.problems == ()
    assert golden.unreached == ()


def test_robots_allow_every_page_we_read(visits: list[Visit]) -> None:
    rules: dict[str, Protego] = {}
    for visit in visits:
        host = urlsplit(visit.url).hostname or ""
        if host not in rules:
            robots = (SITES / host / "robots.txt").read_text(encoding="utf-8")
            assert "Disallow: /" in robots  # a realistic file, not an empty one
            rules[host] = Protego.parse(robots)
        assert rules[host].can_fetch(visit.url, AGENT), visit.url


def test_every_html_list_has_at_least_two_pages(
    sources: dict[str, SourceConfig], visits: list[Visit]
) -> None:
    """Paging is exercised on every list; a landing page (kotoutuminen.fi/en/current-issues,
    three news items beside topic and event blocks) has no pager and is read once."""
    pages = Counter(v.source.id for v in visits if v.method == "parse_list")
    for source in sources.values():
        if source.kind == "html":
            assert pages[source.id] >= (1 if source.max_pages == 1 else 2), source.id


def test_every_item_of_a_fetching_source_has_its_article_page(
    sources: dict[str, SourceConfig], visits: list[Visit], items: dict[str, list[RawItem]]
) -> None:
    for source in sources.values():
        if not source.fetch_articles:
            continue
        read = {v.url for v in visits if v.source.id == source.id and v.method == "parse_article"}
        # eusa's standing call pages are items of their own, read whole as list pages
        listed = {i.url for i in items[source.id] if i.url not in source.urls}
        assert listed and read == listed, source.id


# Calls open on the recording date (2026-11-20) that stay open into 2027, as the sites write them.
OPEN_CALLS = [
    ("https://eusa-rahastot2021.fi/amif-rahaston-haku-talvi-2026-2027",
     "Hakuaika 16.11.2026 klo 8.00 – 15.1.2027 klo 16.15"),
    ("https://eusa-rahastot2021.fi/-/amif-rahaston-talven-haku-on-kaynnissa-haettavissa-9-6-miljoonaa-euroa",
     "Hakuaika 16.11.2026 klo 8.00 – 15.1.2027 klo 16.15"),
    ("https://kotoutuminen.fi/-/jarjestojen-erityisavustus-kotoutumista-tukevaan-tyohon-on-haettavissa-"
     "haettavissa-1-2-miljoonaa-euroa", "Hakuaika 2.11.2026 klo 8.00 – 15.1.2027 klo 16.15"),
    ("https://www.elinvoimakeskus.fi/-/hae-esr-rahoitusta-maahanmuuttaneiden-tyollisyytta-ja-osaamista-"
     "edistaviin-hankkeisiin", "viimeistään 26.2.2027 klo 16.15"),
    ("https://tem.fi/en/-/special-grants-for-talent-hub-activities-2027-can-now-be-applied-for",
     "from 2.10.2026 at 8.00 to 29.1.2027 at 16.15"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "sentence"), OPEN_CALLS)
def test_open_calls_are_recorded_with_their_real_wording(
    recorded: Recorded, url: str, sentence: str
) -> None:
    assert sentence in recorded(url).body.decode("utf-8")


def test_the_grant_portal_has_open_future_and_rolling_calls(
    items: dict[str, list[RawItem]],
) -> None:
    grants = [i.grant for i in items["haeavustuksia"] if i.grant]
    now = RECORDED_AT.isoformat()
    open_into_2027 = [
        g for g in grants if g["opens_at"] <= now and (g["closes_at"] or "") >= "2027"
    ]
    assert len(open_into_2027) >= 4
    assert any(g["opens_at"] > now for g in grants)  # announced, opens in 2027
    assert [g["reference"] for g in grants if g["rolling"]] == ["VN/28944/2022"]


def test_the_tem_release_is_on_tem_fi_and_in_the_feed(items: dict[str, list[RawItem]]) -> None:
    slug = "government-proposes-changes-to-the-funding-of-integration-training"
    assert f"https://tem.fi/en/-/{slug}" in {i.url for i in items["tem-tiedotteet"]}
    assert f"https://valtioneuvosto.fi/en/-/1410877/{slug}" in {
        i.url for i in items["valtioneuvosto-tem"]
    }


def test_off_topic_items_from_the_same_publishers(items: dict[str, list[RawItem]]) -> None:
    hyvaks = " ".join(i.title for i in items["hyvaks-uutiset"]).lower()
    for word in ("potilasruokailu", "pysäköinti", "aluevaal"):
        assert word in hyvaks
    elvk = " ".join(i.title for i in items["elinvoimakeskus-uutiset"]).lower()
    assert "päällystystyöt" in elvk and "kiertotielle" in elvk


def test_a_grants_awarded_item_that_is_not_a_call(recorded: Recorded) -> None:
    page = recorded(
        "https://eusa-rahastot2021.fi/-/amif-rahaston-kevaan-2026-haussa-myonnettiin-tukea-24-hankkeelle"
    )
    text = page.body.decode("utf-8")
    assert "myönnettiin tukea" in text and "Hakuaika" not in text
