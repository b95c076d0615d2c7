"""Article pages: full text, sanitised markup, and every publication-time form."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aggregator.errors import ParseError
from aggregator.sources.article import parse_article, publication_times
from aggregator.sources.registry import ArticleSelectors, SourceConfig
from tests.sources.conftest import MakePage, Recorded, fixture_bytes


@pytest.mark.parametrize(
    ("text", "published", "updated"),
    [
        ("Julkaisuajankohta 17.8.2023 13.30", "2023-08-17T10:30:00+00:00", None),
        ("Publication date 3.9.2025 13.23 | Published in English on 5.9.2025 at 14.50",
         "2025-09-03T10:23:00+00:00", "2025-09-05T11:50:00+00:00"),
        ("Uutinen 05.06.2024", "2024-06-04T21:00:00+00:00", None),
        ("Päivitetty: 16.01.2024", None, "2024-01-15T22:00:00+00:00"),
        ("Publiceringsdatum 3.9.2025 13.23 | Publicerad på svenska 4.9.2025 9.00",
         "2025-09-03T10:23:00+00:00", "2025-09-04T06:00:00+00:00"),
        ("Julkaistu 1.10.2026 | Päivitetty 2.10.2026 klo 9.15",
         "2026-09-30T21:00:00+00:00", "2026-10-02T06:15:00+00:00"),
        ("ei päivämäärää", None, None),
    ],
)  # fmt: skip
def test_publication_times(text: str, published: str | None, updated: str | None) -> None:
    found = publication_times(text)
    assert (found[0].moment.isoformat() if found[0] else None) == published
    assert (found[1].moment.isoformat() if found[1] else None) == updated


def test_tem_article_on_kotoutuminen(sources: dict[str, SourceConfig], recorded: Recorded) -> None:
    url = (
        "https://kotoutuminen.fi/-/kuntiin-ohjaamisen-toimintaohjelman-kehittamiskokonaisuudet-"
        "tukevat-pakolaisten-vastaanottoa-ja-hyvia-vaestosuhteita"
    )
    details = parse_article(sources["kotoutuminen-pakolaistyo"], recorded(url))
    assert details.url == url
    assert details.title.startswith("Kuntiin ohjaamisen toimintaohjelman kehittämiskokonaisuudet")
    assert (
        details.published is not None
        and details.published.isoformat() == "2023-08-17T10:30:00+00:00"
    )
    assert details.published_has_time and details.kind == "Uutinen"
    assert "KEHA-keskus tukee kuntia" in details.body_text
    assert "Takaisin uutisiin" not in details.body_text  # page chrome, not article text
    assert "\n\n" in details.body_text
    assert "<h2>KEHA-keskus tukee kuntia kotoutumislain kokonaisuudistukseen" in details.body_html
    # Relative links are made absolute, then get rel.
    assert (
        '<a href="https://kotoutuminen.fi/kuntiin-ohjaamisen-toimintaohjelma" '
        'rel="noopener noreferrer nofollow">' in details.body_html
    )


def test_2025_design_article(sources: dict[str, SourceConfig], page: MakePage) -> None:
    # No configured list reaches this article any more (the English landing page shows only
    # the three newest items), so it is kept as a variant.
    url = "https://kotoutuminen.fi/en/-/policy-brief-examines-the-first-months-of-municipal-integration-services"
    body = fixture_bytes("sites/kotoutuminen.fi/_variants/article-2025-design-policy-brief.html")
    details = parse_article(sources["kotoutuminen-current-issues"], page(url, body))
    assert (
        details.published is not None
        and details.published.isoformat() == "2025-09-03T10:23:00+00:00"
    )
    assert (
        details.updated is not None and details.updated.isoformat() == "2025-09-05T11:50:00+00:00"
    )
    assert details.kind == "News item"  # from "Type:News item"


def test_keha_and_elinvoimakeskus_articles(
    sources: dict[str, SourceConfig], recorded: Recorded
) -> None:
    keha = parse_article(
        sources["keha-uutiset"],
        recorded(
            "https://www.keha-keskus.fi/web/guest/-/koto-digi-jarjestelman-pilotointi-alkaa-kuudessa-kunnassa"
        ),
    )
    assert keha.published is not None and keha.published.isoformat() == "2024-06-04T21:00:00+00:00"
    assert not keha.published_has_time
    elvk = parse_article(
        sources["elinvoimakeskus-uutiset"],
        recorded(
            "https://www.elinvoimakeskus.fi/-/kantatien-77-viitasaaren-kohdan-paallystystyot-valmistuivat"
        ),
    )
    assert elvk.published is None
    assert elvk.updated is not None and elvk.updated.isoformat() == "2026-11-11T22:00:00+00:00"


def test_hostile_markup_is_sanitised(sources: dict[str, SourceConfig], page: MakePage) -> None:
    body = """<html><body><h1 class="tem-news__title">Otsikko</h1>
<p class="tem-news__date">Julkaisuajankohta 1.10.2026 9.00</p>
<div class="tem-news__content"><p onmouseover="steal()">Teksti <a href="javascript:alert(1)">x</a></p>
<script>document.cookie</script><style>body{display:none}</style><img src=x onerror=alert(1)>
<iframe src="https://evil.example/"></iframe></div></body></html>"""
    details = parse_article(
        sources["kotoutuminen-uutiset"], page("https://kotoutuminen.fi/-/x", body)
    )
    assert details.body_html == '<p>Teksti <a rel="noopener noreferrer nofollow">x</a></p>'
    assert details.body_text == "Teksti x"


def test_without_selectors_the_page_is_guessed(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    source = replace(sources["kotoutuminen-uutiset"], article=ArticleSelectors())
    body = """<html><head><meta property="og:title" content="OG-otsikko"></head><body>
<header>Päivitetty 1.1.2020</header><main><p>Julkaisuajankohta 2.11.2026 8.00</p>
<p>Leipäteksti, jossa mainitaan 15.1.2027.</p></main></body></html>"""
    details = parse_article(source, page("https://kotoutuminen.fi/-/x", body))
    assert details.title == "OG-otsikko"
    assert (
        details.published is not None
        and details.published.isoformat() == "2026-11-02T06:00:00+00:00"
    )
    assert "Leipäteksti" in details.body_text


def test_a_bare_date_in_the_body_is_not_a_publication_date(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    source = replace(sources["kotoutuminen-uutiset"], article=ArticleSelectors())
    body = "<html><body><article><h1>Otsikko</h1><p>Haku päättyy 15.1.2027.</p></article></body></html>"
    details = parse_article(source, page("https://kotoutuminen.fi/-/x", body))
    assert details.published is None and details.updated is None


def test_a_page_with_neither_title_nor_body_is_a_parse_error(
    sources: dict[str, SourceConfig], page: MakePage
) -> None:
    with pytest.raises(ParseError, match="no article title or body"):
        parse_article(
            sources["kotoutuminen-uutiset"],
            page("https://kotoutuminen.fi/-/x", "<div><span> </span><a href='/'></a></div>"),
        )
