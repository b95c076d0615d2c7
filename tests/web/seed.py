"""Test data for the web tests and the browser tests: a config folder and a seeded database.

The config folder holds the real ``config/taxonomy.toml`` with test sources and rules. The
database gets the taxonomy, the rules, a handful of realistic stories (Finnish, Swedish,
English, one off-topic, one with hostile markup) with tags stored through the real tag store,
grant calls (open, upcoming, closed) and one admin.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from aggregator.store.admins import create_admin
from aggregator.store.db import session_scope
from aggregator.store.models import GrantCallRow, ItemGrantLink, ItemRow, Sighting, Subscriber
from aggregator.store.tags import TagStore
from aggregator.tagging.taxonomy import load_taxonomy
from aggregator.types import Match, TagAssignment, TagKind, TagOrigin
from tests.support.paths import PROJECT_ROOT

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
ADMIN_EMAIL = "editor@example.org"
ADMIN_PASSWORD = "correct horse battery"

SOURCES_TOML = """
[[source]]
id = "kotoutuminen-uutiset"
publisher = "Kotoutumisen osaamiskeskus"
publisher_sv = "Kompetenscentret för integration"
publisher_en = "Centre of Expertise in Immigrant Integration"
kind = "feed"
language = "fi"
urls = ["https://kotoutuminen.fi/uutiset.xml"]
homepage = "https://kotoutuminen.fi/uutiset"
list_name = "Uutiset"
list_name_sv = "Nyheter"
verified = true
verified_note = "Seen answering on the live site."

[[source]]
id = "kotoutuminen-viranomaiset"
publisher = "Kotoutumisen osaamiskeskus: viranomaisille"
kind = "feed"
language = "fi"
urls = ["https://kotoutuminen.fi/tietoa-viranomaiselle.xml"]
homepage = "https://kotoutuminen.fi/tietoa-viranomaiselle"
audiences = ["municipalities"]

[[source]]
id = "eusa-amif"
publisher = "Sisäministeriö: EU:n sisäasioiden rahastot"
publisher_en = "Ministry of the Interior: EU Home Affairs Funds"
kind = "feed"
language = "fi"
urls = ["https://eusa-rahastot2021.fi/feed.xml"]
homepage = "https://eusa-rahastot2021.fi/"
audiences = ["funding"]
topics = ["amif"]

[[source]]
id = "hyvaks-uutiset"
publisher = "Hyvinvointialue Hyvaks"
kind = "feed"
language = "fi"
urls = ["https://www.hyvaks.fi/uutiset.xml"]
homepage = "https://www.hyvaks.fi/uutiset"
verified_note = "Inferred from article URLs; the list was not seen."

[[source]]
id = "test-feed"
publisher = "Testisyöte"
kind = "feed"
language = "fi"
urls = ["https://feeds.example.org/news.xml"]
homepage = "https://feeds.example.org/"
"""

RULES_TOML = """
[[rule]]
id = "placement-kuntapaikka"
tag = "placement"
any = ["kuntapaikka", "kiintiöpakolainen"]

[[rule]]
id = "compensation-korvaus"
tag = "compensation"
any = ["laskennallinen korvaus", "erityiskustannus"]

[[rule]]
id = "municipalities-kunta"
tag = "municipalities"
any = ["kunta", "hyvinvointialue", "kommun"]
fields = ["title", "summary"]

[[rule]]
id = "legislation-laki"
tag = "legislation"
any = ["kotoutumislaki", "lag om främjande av integration", "hallituksen esitys"]

[[rule]]
id = "events-conference"
tag = "events"
any = ["conference", "seminaari"]
"""

FEED_XML = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Testisyöte</title><link>https://feeds.example.org/</link>
<description>Testi</description>
<item><title>Uusi kuntapaikkakorvaus tulee voimaan</title>
<link>https://feeds.example.org/uutiset/kuntapaikkakorvaus</link>
<guid>https://feeds.example.org/uutiset/kuntapaikkakorvaus</guid>
<pubDate>Thu, 19 Nov 2026 08:00:00 GMT</pubDate>
<description>Kunnat saavat kuntapaikoista uuden korvauksen.</description></item>
</channel></rss>
"""


def write_config(folder: Path) -> Path:
    """A config folder: the real taxonomy, the test sources and rules above."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "config" / "taxonomy.toml", folder / "taxonomy.toml")
    (folder / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
    (folder / "rules.toml").write_text(RULES_TOML, encoding="utf-8")
    return folder


def write_mirror_site(root: Path) -> Path:
    """The recorded site ``test-feed`` reads through the mirror."""
    host = root / "feeds.example.org"
    host.mkdir(parents=True, exist_ok=True)
    (host / "news.xml").write_text(FEED_XML, encoding="utf-8")
    (host / "_site.toml").write_text(
        '[[route]]\npath = "/news.xml"\nfile = "news.xml"\n'
        'content_type = "application/rss+xml; charset=utf-8"\n'
        '\n[[route]]\npath = "/robots.txt"\nbody = "User-agent: *\\nAllow: /\\n"\n'
        'content_type = "text/plain"\n',
        encoding="utf-8",
    )
    return root


@dataclass
class Seeded:
    """Ids of the seeded rows, by a short name."""

    items: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)


def _taxonomy_rows(config: Path) -> list[dict[str, Any]]:
    taxonomy = load_taxonomy(config / "taxonomy.toml")
    return [
        {
            "id": tag.id,
            "kind": tag.kind.value,
            **{f"label_{lang}": label for lang, label in tag.labels},
            "description_en": tag.description,
        }
        for tag in taxonomy.tags
    ]


def _rules(config: Path) -> list[dict[str, Any]]:
    data = tomllib.loads((config / "rules.toml").read_text(encoding="utf-8"))
    rules: list[dict[str, Any]] = data["rule"]
    return rules


STORIES: list[dict[str, Any]] = [
    {
        "key": "amif",
        "title": "AMIF-rahaston haku on avattu: haettavissa 10,8 miljoonaa euroa",
        "summary": "Sisäministeriö avasi Turvapaikka-, maahanmuutto- ja kotouttamisrahaston haun.",
        "body_html": "<p>Hakuaika 29.9.2026 klo 8.00 – 18.12.2026 klo 16.15.</p>",
        "language": "fi",
        "sources": ["eusa-amif"],
        "days_ago": 2,
        "tags": [("funding", "source", ""), ("amif", "source", "")],
    },
    {
        "key": "placement",
        "title": "Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus",
        "summary": "Kunnat voivat hakea laskennallista korvausta kiintiöpakolaisten vastaanotosta.",
        "body_html": "<p>Kunta saa laskennallisen korvauksen jokaisesta kuntapaikasta.</p>",
        "language": "fi",
        "sources": ["kotoutuminen-uutiset", "kotoutuminen-viranomaiset"],
        "days_ago": 4,
        "tags": [
            ("municipalities", "rule", "municipalities-kunta"),
            ("placement", "rule", "placement-kuntapaikka"),
            ("compensation", "rule", "compensation-korvaus"),
        ],
    },
    {
        "key": "conference",
        "title": "Integration 2026 conference: registration is open",
        "summary": "The annual conference for integration professionals meets in Helsinki.",
        "body_html": "",
        "language": "en",
        "sources": ["kotoutuminen-uutiset"],
        "days_ago": 6,
        "tags": [
            ("professionals", "rule", "professionals-conference"),
            ("events", "rule", "events-conference"),
        ],
    },
    {
        "key": "swedish",
        "title": "Ny lag om främjande av integration träder i kraft",
        "summary": "Lagen ändrar kommunernas uppgifter i integrationsarbetet.",
        "body_html": "",
        "language": "sv",
        "sources": ["kotoutuminen-uutiset"],
        "days_ago": 9,
        "tags": [
            ("municipalities", "rule", "municipalities-kunta"),
            ("legislation", "rule", "legislation-laki"),
        ],
    },
    {
        "key": "offtopic",
        "title": "Sairaalan ravintolapalvelut uudistuvat",
        "summary": "Keskussairaalan kahvila avataan uudelleen joulukuussa.",
        "body_html": "",
        "language": "fi",
        "sources": ["hyvaks-uutiset"],
        "days_ago": 12,
        "tags": [],
    },
    {
        "key": "hostile",
        "title": '<b>Kotoutumislaki</b> & "uudistus" <script>alert(1)</script>',
        "summary": "Kotoutumislain uudistus <img src=x onerror=alert(2)>",
        "body_html": (
            '<p onclick="alert(3)">Hallituksen esitys.</p><script>alert(4)</script>'
            '<img src="x" onerror="alert(5)"><a href="javascript:alert(6)">linkki</a>'
            '<style>body{display:none}</style><iframe src="https://evil.example"></iframe>'
        ),
        "language": "fi",
        "sources": ["kotoutuminen-uutiset"],
        "days_ago": 40,
        "tags": [("legislation", "rule", "legislation-laki")],
    },
]


def _assignment(tag: str, origin: str, detail: str, kinds: dict[str, TagKind]) -> TagAssignment:
    if origin == "source":
        return TagAssignment(tag, kinds[tag], TagOrigin.SOURCE, source_id="eusa-amif")
    match = Match("title", detail.split("-")[-1], (detail.split("-")[-1],))
    return TagAssignment(tag, kinds[tag], TagOrigin.RULE, rule_id=detail, matches=(match,))


def _add_story(session: Any, story: dict[str, Any], store: TagStore) -> int:
    when = NOW - timedelta(days=story["days_ago"])
    slug = story["key"]
    row = ItemRow(
        title=story["title"],
        summary=story["summary"],
        body_text=story["summary"],
        body_html=story["body_html"],
        language=story["language"],
        publisher="",
        url=f"https://kotoutuminen.fi/-/{slug}",
        primary_source_id=story["sources"][0],
        primary_url_key=f"url:kotoutuminen.fi/-/{slug}",
        published_at=when,
        published_has_time=True,
        first_seen_at=when,
        updated_at=when,
        sort_at=when,
        content_hash=slug,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    for source_id in story["sources"]:
        session.add(
            Sighting(
                item_id=row.id,
                source_id=source_id,
                url=row.url,
                url_key=f"{source_id}:{slug}",
                list_name="Uutiset",
                first_seen_at=when,
                last_seen_at=when,
            )
        )
    kinds = store.kinds()
    assignments = [_assignment(tag, origin, detail, kinds) for tag, origin, detail in story["tags"]]
    store.apply(row.id, assignments, when)
    return row.id


def _call(session: Any, key: str, title: str, **values: Any) -> int:
    row = GrantCallRow(call_key=key, title=title, first_seen_at=NOW, updated_at=NOW, **values)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _add_calls(session: Any, seeded: Seeded) -> None:
    seeded.calls["amif"] = _call(
        session,
        "amif-2026",
        "AMIF-rahaston syksyn 2026 haku",
        funder="Sisäministeriö",
        programme="AMIF",
        opens_at=NOW - timedelta(days=2),
        closes_at=NOW + timedelta(days=28),
        closes_has_time=True,
        amount_eur=10_800_000,
        apply_url="https://eusa-rahastot2021.fi/haku",
        first_item_id=seeded.items["amif"],
    )
    session.add(ItemGrantLink(item_id=seeded.items["amif"], grant_call_id=seeded.calls["amif"]))
    seeded.calls["rolling"] = _call(
        session, "rolling", "Kotoutumisen erityisavustus (jatkuva haku)", rolling=True
    )
    seeded.calls["soon"] = _call(
        session,
        "soon",
        "Valtionavustus kotoutumista edistäviin hankkeisiin",
        opens_at=NOW + timedelta(days=10),
        closes_at=NOW + timedelta(days=40),
    )
    seeded.calls["closed"] = _call(
        session,
        "closed",
        "Päättynyt haku 2025",
        opens_at=NOW - timedelta(days=400),
        closes_at=NOW - timedelta(days=300),
    )
    seeded.calls["off-field"] = _call(
        session,
        "off-field",
        "Ravintolapalveluiden kehittämisavustus",
        closes_at=NOW + timedelta(days=5),
    )
    # The lists show only calls that a story with an audience links to; the off-topic story
    # has none, so its call stays out as off-field.
    links = {
        "rolling": "swedish",
        "soon": "conference",
        "closed": "offtopic",
        "off-field": "offtopic",
    }
    for call, story in links.items():
        session.add(ItemGrantLink(item_id=seeded.items[story], grant_call_id=seeded.calls[call]))


def _add_subscribers(session: Any) -> None:
    for n, (status, frequency, language, bounces) in enumerate(
        [
            ("active", "weekly", "fi", 0),
            ("active", "daily", "sv", 2),
            ("pending", "weekly", "en", 0),
            ("unsubscribed", "weekly", "fi", 0),
        ]
    ):
        session.add(
            Subscriber(
                email=f"reader{n}@example.org",
                status=status,
                frequency=frequency,
                language=language,
                bounce_count=bounces,
                consent_at=NOW,
                created_at=NOW,
            )
        )


def seed_database(engine: Engine, config: Path) -> Seeded:
    """Everything the web pages show; returns the ids of what was added."""
    seeded = Seeded()
    with session_scope(engine) as session:
        store = TagStore(session)
        store.seed_taxonomy(_taxonomy_rows(config), NOW)
        store.seed_rules(_rules(config), NOW)
        for story in STORIES:
            seeded.items[story["key"]] = _add_story(session, story, store)
        _add_calls(session, seeded)
        _add_subscribers(session)
        create_admin(session, ADMIN_EMAIL, ADMIN_PASSWORD, NOW)
    return seeded
