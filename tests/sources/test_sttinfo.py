"""STT Info newsrooms: a publisher's RSS feed, its releases under one link each."""

from __future__ import annotations

import pytest

from aggregator.sources.registry import SourceConfig, parser_for
from aggregator.sources.sttinfo import SttInfoParser, release_url
from tests.sources.conftest import MakePage, Recorded

FEED = "https://www.sttinfo.fi/rss/releases/latest?publisherId=69817869"


def test_the_newsroom_feed_is_read(sources: dict[str, SourceConfig], recorded: Recorded) -> None:
    source = sources["elinvoimakeskukset-stt"]
    assert isinstance(parser_for(source), SttInfoParser)
    result = parser_for(source).parse_list(source, recorded(FEED))
    assert len(result.items) == 7 and result.warnings == ()
    first = result.items[0]
    assert first.title.startswith("Kesän 2025 päällystystyöt ovat valmistuneet Itä-Suomessa")
    assert first.url == (
        "https://www.sttinfo.fi/tiedote/71507472/kesan-2025-paallystystyot-ovat-valmistuneet-"
        "ita-suomessa-pohjois-savo-pohjois-karjala-ja-etela-savo?lang=fi"
    )
    assert first.kind == "Tiedote" and first.language == "fi"
    assert (
        first.published is not None and first.published.isoformat() == "2025-10-09T07:00:00+00:00"
    )
    assert (
        first.summary.startswith("Vuoden 2025 päällystysohjelman työt") and "<" not in first.summary
    )
    # the old link form (slug plus releaseId) gets the same spelling as the new one
    old = result.items[-1]
    assert old.url == (
        "https://www.sttinfo.fi/tiedote/69912409/"
        "kesan-2021-paallystystyot-jatkuvat-pohjois-savo-pohjois-karjala-ja-etela-savo"
    )
    assert all("publisherId" not in item.url for item in result.items)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://www.sttinfo.fi/tiedote/70594004/vesistojen?lang=fi&publisherId=69817869",
         "https://www.sttinfo.fi/tiedote/70594004/vesistojen?lang=fi"),
        ("https://www.sttinfo.fi/tiedote/70594004/vesistojen?publisherId=69817869&lang=fi",
         "https://www.sttinfo.fi/tiedote/70594004/vesistojen?lang=fi"),
        ("https://www.sttinfo.fi/tiedote/pakolaisia?publisherId=69817886&releaseId=70019816",
         "https://www.sttinfo.fi/tiedote/70019816/pakolaisia"),
        ("http://sttinfo.fi/tiedote/70427085/tidsbokning?lang=sv&publisherId=69820565",
         "https://www.sttinfo.fi/tiedote/70427085/tidsbokning?lang=sv"),
        ("https://www.sttinfo.fi/tiedote/only-a-slug", "https://www.sttinfo.fi/tiedote/only-a-slug"),
        ("https://www.keha-keskus.fi/-/uutinen", "https://www.keha-keskus.fi/-/uutinen"),
    ],
)  # fmt: skip
def test_release_links_get_one_spelling(link: str, expected: str) -> None:
    assert release_url(link) == expected


def test_the_links_language_is_the_releases(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Newsroom</title><language>fi'
        "</language><item><title>Tidsbokning</title>"
        "<link>https://www.sttinfo.fi/tiedote/70427085/tidsbokning?lang=sv&amp;publisherId=1</link>"
        "<description>Text</description><category>Pressmeddelande</category></item>"
        "</channel></rss>"
    )
    source = sources["elinvoimakeskukset-stt"]
    (item,) = SttInfoParser().parse_list(source, page(FEED, body, "application/rss+xml")).items
    assert item.language == "sv" and item.kind == "Pressmeddelande"


def test_newsrooms_without_a_known_publisher_id_stay_disabled(
    sources: dict[str, SourceConfig],
) -> None:
    stt = [s for s in sources.values() if s.parser == "sttinfo"]
    assert {s.id for s in stt} == {"elinvoimakeskukset-stt", "keha-stt", "hyvaks-stt"}
    for source in stt:
        assert not source.verified and source.verified_note
        ids = [u.split("publisherId=")[1] for u in source.urls]
        assert source.enabled == bool(ids)
    assert sources["elinvoimakeskukset-stt"].urls == (FEED,)
