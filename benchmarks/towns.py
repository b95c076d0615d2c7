"""Made-up municipal news sites on many host names, for crawl-pass benchmarks and tests.

The pass that matters at scale reads one integration page per municipality: hundreds of hosts,
each with a short feed and a few articles. :func:`town_routes` gives the loopback mirror
(:mod:`aggregator.demo.mirror`) a site for each of ``kunta-001.example`` ... ``kunta-NNN.example``:
a ``robots.txt``, an RSS feed of ``stories`` stories about integration work and one article
page per story. :func:`town_sources` gives the matching feed sources (articles fetched). In
mirror mode every host name reaches 127.0.0.1 while politeness, robots and the pipeline see
the real-world names.

``python -m benchmarks.towns HOSTS STORIES [--varied-delays]`` serves the towns from a process
of its own (as real sites are not inside the crawler's process): it prints the mirror's URL,
serves until a line arrives on stdin, then prints the host of every request it answered as one
JSON line.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from aggregator.demo.mirror import MirrorServer
from aggregator.demo.mirror.manifest import Route
from aggregator.sources.registry import SourceConfig, source_from_block

FEED_PATH = "/kotoutuminen/uutiset.rss"
TOPICS = (
    ("Kotoutumisohjelma päivitetään",
     "Kunnan kotoutumisohjelma päivitetään yhdessä järjestöjen kanssa."),
    ("Kiintiöpakolaisten vastaanotto", "Kunta vastaanottaa kiintiöpakolaisia ensi vuonna."),
    ("Kotoutumiskoulutus alkaa",
     "Työvoimakoulutuksena järjestettävä kotoutumiskoulutus alkaa."),
    ("Avustushaku järjestöille",
     "Järjestöt voivat hakea avustusta kotoutumista tukevaan toimintaan."),
)  # fmt: skip


def town_host(number: int) -> str:
    return f"kunta-{number:03d}.example"


def feed_url(host: str) -> str:
    return f"https://{host}{FEED_PATH}"


def article_url(host: str, story: int) -> str:
    return f"https://{host}/-/uutinen-{story}"


def town_block(number: int, *, host: str | None = None, path: str = FEED_PATH) -> dict[str, object]:
    """One ``[[source]]`` table (as sources.toml would hold it) for town ``number``."""
    host = host or town_host(number)
    return {
        "id": f"kunta-{number:03d}",
        "publisher": f"Kunta {number}",
        "kind": "feed",
        "language": "fi",
        "urls": [f"https://{host}{path}"],
        "homepage": f"https://{host}/",
        "fetch_articles": True,
        "list_name": "Kotoutumisen uutiset",
    }


def town_sources(count: int) -> list[SourceConfig]:
    """Feed sources for towns 1..count, one per host."""
    return [source_from_block(town_block(n), f"town {n}") for n in range(1, count + 1)]


def feed_body(host: str, stories: int, *, first: int = 0, link_host: str | None = None) -> str:
    """A feed of stories ``first`` .. ``first + stories - 1``, linking their articles on
    ``link_host`` (default: ``host`` itself)."""
    link_host = link_host or host
    items = "".join(
        f"<item><title>{TOPICS[s % len(TOPICS)][0]} ({link_host} {s})</title>"
        f"<link>{article_url(link_host, s)}</link>"
        f"<description>{TOPICS[s % len(TOPICS)][1]}</description>"
        f"<pubDate>Mon, 16 Nov 2026 {8 + s % 12:02d}:00:00 +0000</pubDate></item>"
        for s in range(first, first + stories)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{host}</title><link>https://{host}/</link><description>uutiset</description>"
        f"{items}</channel></rss>"
    )


def article_body(host: str, story: int) -> str:
    title, summary = TOPICS[story % len(TOPICS)]
    paragraphs = "".join(f"<p>{summary} Lisätietoja antaa kunnan kotoutumiskoordinaattori.</p>"
                         for _ in range(3))  # fmt: skip
    return (
        f'<!doctype html><html lang="fi"><head><title>{title}</title></head><body>'
        f"<main><article><h1>{title}</h1><p>Julkaisuajankohta 16.11.2026 {8 + story % 12}.00</p>"
        f"{paragraphs}</article></main></body></html>"
    )


def site_routes(host: str, *, stories: int, crawl_delay: float | None = None) -> list[Route]:
    """robots.txt (with ``Crawl-delay`` when given), the feed and its articles for ``host``
    (in that order: tests replace one by its index)."""
    robots = "User-agent: *\nAllow: /\n"
    if crawl_delay is not None:
        robots += f"Crawl-delay: {crawl_delay:g}\n"
    routes = [
        Route("/robots.txt", body=robots, content_type="text/plain"),
        Route(FEED_PATH, body=feed_body(host, stories), content_type="application/rss+xml"),
    ]
    routes += [
        Route(
            f"/-/uutinen-{s}", body=article_body(host, s), content_type="text/html; charset=utf-8"
        )
        for s in range(stories)
    ]
    return routes


def varied_crawl_delay(number: int) -> float:
    """The robots.txt Crawl-delay of town ``number`` when delays vary: 1, 1.5, 2, 2.5 or 3 s
    in turn, so any run of five towns has every delay once."""
    return 1.0 + 0.5 * (number % 5)


def town_routes(
    count: int, *, stories: int = 2, varied_delays: bool = False
) -> dict[str, list[Route]]:
    """Mirror routes for towns 1..count (``extra_routes`` of :class:`MirrorServer`); with
    ``varied_delays`` each robots.txt asks for :func:`varied_crawl_delay`."""
    return {
        town_host(n): site_routes(
            town_host(n),
            stories=stories,
            crawl_delay=varied_crawl_delay(n) if varied_delays else None,
        )
        for n in range(1, count + 1)
    }


def serve(hosts: int, stories: int, *, varied_delays: bool = False) -> None:
    """See the module docstring."""
    routes = town_routes(hosts, stories=stories, varied_delays=varied_delays)
    with (
        tempfile.TemporaryDirectory(prefix="towns-") as root,
        MirrorServer(Path(root), extra_routes=routes) as mirror,
    ):
        print(mirror.url, flush=True)
        sys.stdin.readline()
        print(json.dumps([request.host for request in mirror.requests]), flush=True)


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), varied_delays="--varied-delays" in sys.argv)
