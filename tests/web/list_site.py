"""A small news site for adding a source from a URL: a list page with menus, a pager, a feed."""

from __future__ import annotations

from pathlib import Path

HOST = "uutiset.kunta.example"
LIST_URL = f"https://{HOST}/ajankohtaista"
FEED_URL = f"https://{HOST}/ajankohtaista/feed.xml"
TITLES = (
    "Kotoutumisohjelma päivitetään vuodelle 2027",
    "Kuntapaikkoja tarvitaan lisää kiintiöpakolaisille",
    "Suomen kielen kurssit alkavat tammikuussa",
    "Kotoutumisen osaamiskeskus järjestää verkkokoulutuksen",
    "Tilapäistä suojelua saavien palvelut kunnassa",
)


def list_page(page: int = 1) -> str:
    items = "".join(
        f'<article class="news-card"><h2 class="news-card__title"><a href="/ajankohtaista/'
        f'uutinen-{page}-{n}">{title}</a></h2><p class="news-card__date">{10 - n}.11.2026</p>'
        f'<p class="news-card__lead">Tiivistelmä uutisesta {n} sivulla {page}.</p></article>'
        for n, title in enumerate(TITLES, 1)
    )
    menu = "".join(f'<li><a href="/palvelut/{n}">Palvelu {n}</a></li>' for n in range(1, 22))
    return f"""<!doctype html><html lang="fi"><head><meta charset="utf-8">
<title>Ajankohtaista – Esimerkkikunta</title>
<link rel="alternate" type="application/rss+xml" title="Ajankohtaista" href="/ajankohtaista/feed.xml">
</head><body><header><nav><ul>{menu}</ul></nav></header>
<main><h1>Ajankohtaista</h1><div class="news-list">{items}</div>
<nav class="pager"><a class="pager__next" rel="next" href="/ajankohtaista?page={page + 1}">Seuraava sivu</a></nav>
</main><footer><p>Esimerkkikunta, Kuntakatu 1</p></footer></body></html>"""


FEED = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>Ajankohtaista</title><link>{LIST_URL}</link><language>fi</language>
<item><title>{TITLES[0]}</title><link>https://{HOST}/ajankohtaista/uutinen-1-1</link>
<description>Tiivistelmä.</description><pubDate>Mon, 09 Nov 2026 10:00:00 +0200</pubDate></item>
</channel></rss>"""


def write_list_site(root: Path) -> Path:
    folder = root / HOST
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ajankohtaista.html").write_text(list_page(1), "utf-8")
    (folder / "page-2.html").write_text(list_page(2), "utf-8")
    (folder / "feed.xml").write_text(FEED, "utf-8")
    (folder / "_site.toml").write_text(
        '[[route]]\npath = "/ajankohtaista"\nfile = "ajankohtaista.html"\n'
        '\n[[route]]\npath = "/ajankohtaista?page=2"\nfile = "page-2.html"\n'
        '\n[[route]]\npath = "/ajankohtaista/feed.xml"\nfile = "feed.xml"\n'
        'content_type = "application/rss+xml; charset=utf-8"\n'
        '\n[[route]]\npath = "/robots.txt"\nbody = "User-agent: *\\nAllow: /\\n"\n'
        'content_type = "text/plain"\n',
        "utf-8",
    )
    return root
