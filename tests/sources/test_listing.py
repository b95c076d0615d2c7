"""The selector-free list reader on small pages: items, dates, kinds, next pages, feeds, TOML."""

from __future__ import annotations

import tomllib

import pytest

from aggregator.normalize.dates import parse_date
from aggregator.sources.listing import discover

URL = "https://www.example.fi/uutiset"
MENU = "".join(f'<li><a href="/osio-{n}">Valikon kohta numero {n}</a></li>' for n in range(22))


def page(items: str, *, pager: str = "", head: str = "", aside: str = "") -> bytes:
    return f"""<html lang="fi"><head><title>Uutiset</title>{head}</head><body>
<header><nav class="main-menu"><ul>{MENU}</ul></nav></header>
<div class="cookie-consent">Käytämme evästeitä. <a href="/evasteet">Evästeasetukset ja tietosuoja</a></div>
<nav class="breadcrumb"><a href="/">Etusivu</a> / Uutiset</nav>
<main><h1>Uutiset</h1><div class="news">{items}</div>{pager}</main>
<aside>{aside}</aside>
<footer><p>Päivitetty 1.12.2026</p><a href="/saavutettavuus">Saavutettavuusseloste</a></footer>
</body></html>""".encode()


def entry(
    slug: str, title: str, date: str, summary: str = "Tiivistelmä kertoo asiasta lyhyesti."
) -> str:
    line = f'<p class="meta">{date}</p>' if date else ""
    return f'<div class="item"><h3><a href="/-/{slug}">{title}</a></h3>{line}<p>{summary}</p></div>'


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("23. elokuuta 2021", "2021-08-23"),
        ("5 mars 2024", "2024-03-05"),
        ("3 September 2025", "2025-09-03"),
        ("September 3, 2025", "2025-09-03"),
        ("Publicerad 1 maj 2020", "2020-05-01"),
        ("05.06.2024", "2024-06-05"),
        ("7.9.2023 | Uutinen", "2023-09-07"),
    ],
)
def test_month_names_and_dotted_dates(text: str, day: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None and parsed.day.isoformat() == day and not parsed.has_time


def test_an_impossible_named_date_is_no_date() -> None:
    assert parse_date("31 februari 2024") is None


def test_main_list_found_with_dates_kinds_and_undated_items() -> None:
    items = (
        entry("eka", "Ensimmäinen uutinen kotoutumisesta", "23. elokuuta 2021 | Uutinen")
        + entry("toka", "Toinen uutinen ilman päivämäärää", "")
        + entry("kolmas", "Kolmas uutinen kunnille", "Julkaistu 7.9.2023")
    )
    found = discover(page(items), URL)
    assert found.best is not None
    got = [(i.title, i.url, i.published_iso(), i.kind) for i in found.best.items]
    assert got == [
        (
            "Ensimmäinen uutinen kotoutumisesta",
            "https://www.example.fi/-/eka",
            "2021-08-23",
            "Uutinen",
        ),
        ("Toinen uutinen ilman päivämäärää", "https://www.example.fi/-/toka", None, ""),
        ("Kolmas uutinen kunnille", "https://www.example.fi/-/kolmas", "2023-09-07", ""),
    ]
    assert found.best.items[0].summary == "Tiivistelmä kertoo asiasta lyhyesti."


def test_event_block_in_the_sidebar_is_not_the_list() -> None:
    events = (
        "<h2>Tulevat tapahtumat</h2><ul>"
        + "".join(
            f'<li><a href="/tapahtumat/{n}">Kotoutumisen verkostopäivä numero {n}</a> <span>{n}.4.2026</span></li>'
            for n in range(1, 6)
        )
        + "</ul>"
    )
    items = entry("eka", "Ensimmäinen uutinen kotoutumisesta", "1.2.2026") + entry(
        "toka", "Toinen uutinen kotoutumisesta", "2.2.2026"
    )
    found = discover(page(items, aside=events), URL)
    assert found.best is not None
    assert [i.url.rsplit("/", 1)[1] for i in found.best.items] == ["eka", "toka"]


@pytest.mark.parametrize(
    ("pager", "expected", "how"),
    [
        ('<a rel="next" href="?page=1">Seuraava</a>', "https://www.example.fi/uutiset?page=1", "rel"),
        ('<p><a href="/uutiset/sivu/2">Vanhemmat artikkelit</a></p>', "https://www.example.fi/uutiset/sivu/2", "words"),
        ('<ul class="pager"><li><a href="?page=0">‹</a></li><li><a href="?page=1">›</a></li><li><a href="?page=9">»</a></li></ul>', "https://www.example.fi/uutiset?page=1", "arrow"),
        ('<ul class="pagination"><li class="active"><span>1</span></li><li><a href="?x_cur=2">2</a></li><li><a href="?x_cur=3">3</a></li></ul>', "https://www.example.fi/uutiset?x_cur=2", "numbers"),
    ],
)  # fmt: skip
def test_next_page(pager: str, expected: str, how: str) -> None:
    items = entry("eka", "Ensimmäinen uutinen kotoutumisesta", "1.2.2026") + entry(
        "toka", "Toinen uutinen kotoutumisesta", "2.2.2026"
    )
    found = discover(page(items, pager=pager), URL)
    assert found.best is not None and found.best.next_page is not None
    assert (found.best.next_page.url, found.best.next_page.how) == (expected, how)


def test_feeds_on_offer() -> None:
    head = '<link rel="alternate" type="application/rss+xml" title="Uutiset" href="/feed.rss">'
    items = entry("eka", "Ensimmäinen uutinen kotoutumisesta", "1.2.2026") + entry(
        "toka", "Toinen uutinen kotoutumisesta", "2.2.2026"
    ).replace("/-/toka", "https://www.sttinfo.fi/tiedote/123/toka?publisherId=69818823")
    found = discover(page(items, head=head), URL)
    assert [(f.url, f.origin) for f in found.feeds] == [
        ("https://www.example.fi/feed.rss", "alternate"),
        ("https://www.sttinfo.fi/rss/releases/latest?publisherId=69818823", "sttinfo"),
    ]


def test_source_toml_is_valid_and_its_selectors_read_the_same_items() -> None:
    items = "".join(
        entry(f"u{n}", f"Uutinen numero {n} kotoutumisesta", f"{n}.2.2026") for n in range(1, 6)
    )
    found = discover(page(items, pager='<a class="next" href="?page=2">Seuraava sivu</a>'), URL)
    block = tomllib.loads(found.source_toml())["source"][0]
    assert block["kind"] == "html" and block["urls"] == [URL] and block["language"] == "fi"
    assert block["selectors"]["item"] == "div.news > div.item"
    assert block["selectors"]["title"] == "h3 a"
    assert block["selectors"]["date"] == "p.meta"
    assert block["selectors"]["next_page"] == "a.next"
    assert found.as_json()["next_page"] == "https://www.example.fi/uutiset?page=2"
