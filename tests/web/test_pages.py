"""Public pages: the latest stories with filters and search, one story, grant calls, feeds."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from tests.web.seed import Seeded


def titles(html: str) -> list[str]:
    """The story titles listed on a page, in order."""
    found = re.findall(r'<h3><a href="/items/\d+">(.*?)</a></h3>', html)
    return [unescape(re.sub("</?mark>", "", t)) for t in found]  # search marks matched words


def test_latest_lists_every_story_newest_first(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/")
    assert response.status_code == 200
    listed = titles(response.text)
    assert listed[0].startswith("AMIF-rahaston haku")
    assert listed[1].startswith("Kuntapaikkojen tarve")
    assert len(listed) == 6
    assert "6 uutista" in response.text or "6 stories" in response.text


def test_filter_by_audience_topic_source_and_language(client: TestClient, seeded: Seeded) -> None:
    assert titles(client.get("/?audience=funding").text) == [
        "AMIF-rahaston haku on avattu: haettavissa 10,8 miljoonaa euroa"
    ]
    assert titles(client.get("/?topic=placement").text) == [
        "Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus"
    ]
    by_source = titles(client.get("/?source=kotoutuminen-viranomaiset").text)
    assert by_source == ["Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus"]
    assert titles(client.get("/?language=sv").text) == [
        "Ny lag om främjande av integration träder i kraft"
    ]
    combined = client.get("/?audience=municipalities&topic=compensation&language=fi").text
    assert len(titles(combined)) == 1


def test_date_range_is_inclusive_helsinki_days(client: TestClient, seeded: Seeded) -> None:
    # Stories are 2, 4, 6, 9, 12 and 40 days before 2026-11-20 12:00 Helsinki time.
    listed = titles(client.get("/?from=2026-11-14&to=2026-11-16").text)
    assert listed == [
        "Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus",
        "Integration 2026 conference: registration is open",
    ]


def test_bad_dates_are_explained_next_to_the_field(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/?from=2026-13-01&to=2026-11-01&lang=en").text
    assert 'id="from-error"' in page and "YYYY-MM-DD" in page
    assert 'aria-invalid="true"' in page
    reversed_range = client.get("/?from=2026-11-10&to=2026-11-01&lang=en").text
    assert "The end date is before the start date." in reversed_range


def test_unknown_filter_values_are_ignored(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/?audience=nope&source=%27%3B+drop+table+item%3B&page=abc").text
    assert len(titles(page)) == 6


def test_search_finds_words_in_title_summary_and_body(client: TestClient, seeded: Seeded) -> None:
    assert titles(client.get("/?q=kiintiöpakolaisten").text) == [
        "Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus"
    ]
    assert titles(client.get("/?q=CONFERENCE+helsinki").text) == [
        "Integration 2026 conference: registration is open"
    ]
    empty = client.get("/?q=100%25_nothing&lang=en").text
    assert titles(empty) == [] and "No news matches these filters." in empty


def test_search_by_base_form_marks_the_inflected_words(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/?q=kiintiöpakolainen").text
    assert titles(page) == ["Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus"]
    assert "<mark>kiintiöpakolaisten</mark>" in page.lower()
    page = client.get("/?q=kuntapaikka").text
    assert "<mark>Kuntapaikkojen</mark> tarve" in page
    hostile = client.get("/?q=%3Cscript%3E").text
    assert "<script>" not in hostile.split("</header>", 1)[-1]


def test_paging_keeps_the_filters(
    client: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("aggregator.web.routes.pages.PAGE_SIZE", 2)
    first = client.get("/?language=fi&lang=en").text
    assert len(titles(first)) == 2
    assert 'href="?language=fi&amp;page=2" rel="next"' in first
    second = client.get("/?language=fi&page=2&lang=en").text
    assert len(titles(second)) == 2 and set(titles(second)).isdisjoint(titles(first))
    assert "Page 2 of 2" in second
    assert 'href="?language=fi" rel="prev"' in second and 'rel="next"' not in second


def test_item_page_shows_tags_reasons_and_every_source(client: TestClient, seeded: Seeded) -> None:
    page = client.get(f"/items/{seeded.items['placement']}?lang=en").text
    assert "Kunnat ja hyvinvointialueet" in page or "Municipalities" in page
    assert "Rule placement-kuntapaikka matched" in page
    # both sightings: one source with an English name configured, one without
    assert 'rel="noopener noreferrer">Centre of Expertise in Immigrant Integration</a>' in page
    assert 'rel="noopener noreferrer">Kotoutumisen osaamiskeskus: viranomaisille</a>' in page


def test_item_page_names_the_list_in_the_pages_language_where_the_source_gives_it(
    client: TestClient, seeded: Seeded
) -> None:
    item = seeded.items["conference"]
    swedish = client.get(f"/items/{item}?lang=sv").text
    assert "Kompetenscentret för integration</a> – Nyheter" in swedish
    assert "Kotoutumisen osaamiskeskus</a> – Uutiset" in client.get(f"/items/{item}?lang=fi").text


def test_item_page_names_the_publisher_in_the_pages_language_where_the_source_gives_it(
    client: TestClient, seeded: Seeded
) -> None:
    item = seeded.items["conference"]
    names = {
        "fi": "Kotoutumisen osaamiskeskus",
        "sv": "Kompetenscentret för integration",
        "en": "Centre of Expertise in Immigrant Integration",
    }
    for language, name in names.items():
        page = client.get(f"/items/{item}?lang={language}").text
        meta = page.split('<p class="meta">', 1)[1].split("</p>", 1)[0]
        assert f"<span>{name}</span>" in meta  # the byline
        assert f"{name}</a> –" in page  # where it was published
        if language != "fi":
            assert names["fi"] not in page


def test_item_page_names_the_source_of_a_source_default(client: TestClient, seeded: Seeded) -> None:
    page = client.get(f"/items/{seeded.items['amif']}?lang=en").text
    assert "Every story from Ministry of the Interior: EU Home Affairs Funds gets this tag" in page
    finnish = client.get(f"/items/{seeded.items['amif']}?lang=fi").text
    assert "Sisäministeriö: EU:n sisäasioiden rahastot" in finnish
    assert "10 800 000 €" in page and "How to apply" in page


def test_missing_item_is_a_404_page(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/items/999999?lang=en", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert client.get("/items/999999", headers={"accept": "application/json"}).json() == {
        "detail": "Not Found"
    }


BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FEED_READER = {"accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}


def test_browsers_get_error_pages_and_feed_clients_json(client: TestClient, seeded: Seeded) -> None:
    for path in ("/items/abc", "/feeds/nothing.rss", "/feeds/topic/nobody.rss", "/feeds/x/y.rss"):
        page = client.get(f"{path}?lang=en", headers=BROWSER)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert "Page not found" in page.text, path
        machine = client.get(path, headers=FEED_READER)
        assert machine.status_code in (404, 422), path
        assert machine.headers["content-type"].startswith("application/json"), path
    bad = client.get("/feeds/all.rss?limit=many&lang=en", headers=BROWSER)
    assert bad.status_code == 400 and "Something went wrong" in bad.text
    assert client.get("/feeds/all.rss?limit=many").json()["detail"]


def test_grants_lists_open_calls_by_deadline(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/grants?lang=en").text
    amif = page.index("AMIF-rahaston syksyn 2026 haku")
    rolling = page.index("Kotoutumisen erityisavustus (jatkuva haku)")
    assert amif < rolling
    assert "28 days left" in page
    assert "Päättynyt haku 2025" not in page
    assert "Ravintolapalveluiden kehittämisavustus" not in page  # no audience: off-field
    upcoming = page.index("Opening soon")
    assert page.index("Valtionavustus kotoutumista edistäviin hankkeisiin") > upcoming


def test_feeds_page_lists_copyable_addresses(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/feeds").text
    for url in (
        "https://uutiset.example.fi/feeds/all.rss",
        "https://uutiset.example.fi/feeds/grants.rss",
        "https://uutiset.example.fi/feeds/audience/funding.rss",
        "https://uutiset.example.fi/feeds/topic/amif.rss",
        "https://uutiset.example.fi/feeds/source/eusa-amif.rss",
        "https://uutiset.example.fi/feeds/index.opml",
        "https://uutiset.example.fi/calendar/grants.ics",
    ):
        assert f'value="{url}"' in page, url
    for url in (
        "https://uutiset.example.fi/feeds/all.atom",
        "https://uutiset.example.fi/feeds/all.json",
        "https://uutiset.example.fi/feeds/audience/funding.atom",
        "https://uutiset.example.fi/feeds/topic/amif.json",
    ):
        assert f'href="{url}"' in page, url
    assert 'readonly id="url-all-rss"' in page
    assert '<label class="visually-hidden" for="url-all-rss">RSS – ' in page
    assert "/feeds/custom" not in page


def test_feeds_page_builds_a_custom_feed_without_javascript(
    client: TestClient, seeded: Seeded
) -> None:
    page = client.get("/feeds?tag=funding&tag=amif&tag=bogus").text
    assert (
        'value="https://uutiset.example.fi/feeds/custom.rss?audience=funding&amp;topic=amif"'
        in (page)
    )


@pytest.mark.parametrize("path", ["/", "/grants", "/feeds", "/items/1"])
def test_public_pages_answer_head_for_monitors(
    client: TestClient, seeded: Seeded, path: str
) -> None:
    response = client.head(path)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("text/html")


def test_funders_and_programmes_are_named_in_the_readers_language(
    client: TestClient, seeded: Seeded
) -> None:
    from aggregator.display import funder_name, programme_label

    swedish = client.get("/grants?lang=sv").text
    assert "inrikesministeriet" in swedish and "Sisäministeriö" not in swedish
    english = client.get("/grants?lang=en").text
    assert "Ministry of the Interior" in english
    assert "Sisäministeriö" in client.get("/grants?lang=fi").text
    assert programme_label("state grant", "fi") == "valtionavustus"
    assert programme_label("state grant", "sv") == "statsunderstöd"
    assert programme_label("state grant", "en") == "state grant"
    assert programme_label("AMIF", "sv") == "AMIF"
    assert funder_name("työ- ja elinkeinoministeriö", "sv") == "arbets- och näringsministeriet"
    assert funder_name("Tuntematon säätiö", "sv") == "Tuntematon säätiö"


def test_a_search_with_more_matches_than_it_counts_says_so_and_pages_on(
    client: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = titles(client.get("/?q=integration&lang=en").text)
    assert len(everything) == 2
    monkeypatch.setattr("aggregator.web.routes.pages.PAGE_SIZE", 1)
    monkeypatch.setattr("aggregator.web.routes.pages.SEARCH_COUNT_LIMIT", 1)
    first = client.get("/?q=integration&lang=fi").text
    assert "Yli 1 uutista" in first and 'rel="next"' in first
    assert titles(first) == everything[:1]
    # The second page counts one further, which is every match: the count is exact again.
    second = client.get("/?q=integration&page=2&lang=en").text
    assert "2 stories" in second and "More than" not in second
    assert titles(second) == everything[1:] and 'rel="next"' not in second


@pytest.mark.parametrize("path", ["/feeds", "/subscribe"])
def test_feeds_page_and_subscribe_form_name_sources_in_the_pages_language(
    client: TestClient, seeded: Seeded, path: str
) -> None:
    assert "Centre of Expertise in Immigrant Integration" in client.get(f"{path}?lang=en").text
    assert "Kompetenscentret för integration" in client.get(f"{path}?lang=sv").text
    finnish = client.get(f"{path}?lang=fi").text
    assert "Kotoutumisen osaamiskeskus" in finnish and "Centre of Expertise" not in finnish
