"""Every feed the app serves passes the offline validator rules (tests/feeds/validity.py).

Three layers: the rules applied to every served feed; negative cases showing each rule catches
the mistake it names (so a pass means something); and, when a checkout of the W3C validator's
code is at hand (``FEEDVALIDATOR_SRC`` = its ``src`` folder, ``FEEDVALIDATOR_PYTHON`` = a Python
with lxml, html5lib and rdflib), the validator itself run on the same feeds.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aggregator.publish.render.opml import FeedFormat, FeedKind, FeedSpec, standard_specs
from tests.feeds import validity
from tests.feeds.stories import BASE_URL, catalogue

CHECKERS: dict[FeedFormat, Callable[[bytes, str], list[str]]] = {
    FeedFormat.RSS: validity.rss_problems,
    FeedFormat.ATOM: validity.atom_problems,
    FeedFormat.JSON: validity.json_feed_problems,
}
CUSTOM = (
    FeedSpec(FeedKind.CUSTOM, audiences=("funding", "municipalities"), topics=("amif",)),
    FeedSpec(FeedKind.CUSTOM, sources=("eusa-amif",), item_languages=("sv",), language="sv"),
    FeedSpec(FeedKind.CUSTOM, topics=("placement", "temporary-protection"), language="en", limit=3),
)


def served_specs() -> list[FeedSpec]:
    specs = [
        spec for language in ("fi", "sv", "en") for spec in standard_specs(catalogue(), language)
    ]
    return specs + list(CUSTOM)


def fetch(client: TestClient, spec: FeedSpec, fmt: FeedFormat) -> tuple[str, bytes]:
    url = spec.url(BASE_URL, fmt)
    response = client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["content-type"] == f"{fmt.media_type}; charset=utf-8"
    return url, response.content


def test_every_served_feed_passes(client: TestClient) -> None:
    problems = {}
    for spec in served_specs():
        for fmt, checker in CHECKERS.items():
            url, body = fetch(client, spec, fmt)
            found = checker(body, url)
            if found:
                problems[url] = found
    assert problems == {}
    assert len(served_specs()) * len(CHECKERS) >= 90  # 3 languages x 17 feeds + custom, 3 formats


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_opml_list_passes(client: TestClient, language: str) -> None:
    response = client.get(f"/feeds/index.opml?lang={language}")
    assert response.headers["content-type"] == "text/x-opml; charset=utf-8"
    assert validity.opml_problems(response.content) == []


# --- the rules catch what they name ------------------------------------------------------


@pytest.fixture(scope="module")
def good() -> dict[FeedFormat, bytes]:
    from tests.feeds.test_render import FUNDING_FI, feed_bytes

    return {fmt: feed_bytes(FUNDING_FI, fmt) for fmt in FeedFormat}


SELF = {fmt: f"{BASE_URL}/feeds/audience/funding.{fmt}" for fmt in FeedFormat}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "<dc:creator>Sisäministeriö</dc:creator>",
            "<author>Sisäministeriö</author>",
            "InvalidContact",
        ),
        ('<guid isPermaLink="false">', "<guid>", "InvalidPermalink"),
        ('<guid isPermaLink="false">', '<guid isPermaLink="no">', "InvalidBooleanAttribute"),
        (
            "<link>https://eusa-rahastot2021.fi/-/amif-rahaston-haku-syksy-2026</link>",
            "<link>/-/amif-rahaston-haku-syksy-2026</link>",
            "InvalidFullLink",
        ),
        (
            "<link>https://eusa-rahastot2021.fi/-/amif-rahaston-haku-syksy-2026</link>",
            "<link>https://eusa-rahastot2021.fi/-/haku-äö</link>",
            "InvalidFullLink",
        ),
        ("<pubDate>Fri, 20 Nov 2026", "<pubDate>Sat, 20 Nov 2026", "IncorrectDOW"),
        (
            "<pubDate>Fri, 20 Nov 2026 07:00:00 +0000",
            "<pubDate>2026-11-20T07:00:00Z",
            "InvalidRFC2822Date",
        ),
        ('rel="self"', 'rel="alternate"', "MissingAtomSelfLink"),
        ("funding.rss", "funding.xml", "SelfDoesntMatchLocation"),
        ("<language>fi</language>", "<language>suomi</language>", "InvalidLanguage"),
        (
            "<docs>http://www.rssboard.org/rss-specification</docs>",
            "<web>x</web>",
            "UndefinedElement",
        ),
        (
            "&lt;p&gt;&lt;strong&gt;",
            "&lt;p&gt;&lt;script&gt;x&lt;/script&gt;&lt;strong&gt;",
            "SecurityRisk",
        ),
        (
            "&lt;p&gt;&lt;strong&gt;",
            '&lt;p&gt;&lt;a href="/x"&gt;x&lt;/a&gt;&lt;strong&gt;',
            "ContainsRelRef",
        ),
        (
            "<title>Kotoutumisuutiset: Rahoitus",
            "<title>Kotoutumisuutiset: Rahoitus</title><title>x",
            "DuplicateElement",
        ),
    ],
)
def test_rss_rules_catch_mistakes(
    good: dict[FeedFormat, bytes], old: str, new: str, expected: str
) -> None:
    broken = _replace(good[FeedFormat.RSS], old, new)
    assert any(
        expected in problem for problem in validity.rss_problems(broken, SELF[FeedFormat.RSS])
    )


def test_rss_duplicate_guids_are_caught(good: dict[FeedFormat, bytes]) -> None:
    body = good[FeedFormat.RSS].decode()
    first, second = (
        part.split("</guid>")[0] for part in body.split('<guid isPermaLink="false">')[1:3]
    )
    broken = body.replace(second, first).encode()
    assert any("DuplicateValue" in p for p in validity.rss_problems(broken, SELF[FeedFormat.RSS]))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "<updated>2026-11-21T10:00:00+00:00</updated>",
            "<updated>2026-11-21 10:00</updated>",
            "schema",
        ),
        (
            "<updated>2026-11-21T10:00:00+00:00</updated>",
            "<updated>2026-11-21T10:00:00</updated>",
            "InvalidRFC3339Date",
        ),
        ("<id>http://feeds.example.test/feeds/audience/funding.atom</id>", "", "schema"),
        ("<author>\n      <name>Sisäministeriö</name>\n    </author>", "", "MissingElement author"),
        (
            '<link href="https://eusa-rahastot2021.fi/-/amif-rahaston-haku-syksy-2026"/>',
            "",
            "MissingContentOrAlternate",
        ),
        (
            '<summary type="html">&lt;p&gt;',
            '<summary type="html"><p xmlns="">x</p>&lt;p&gt;',
            "schema",
        ),
        (
            '<summary type="html">&lt;p&gt;',
            '<summary type="html">&lt;p onclick="x()"&gt;',
            "SecurityRisk",
        ),
        ('<summary type="html">', "<summary>&lt;/p&gt;", "ContainsUndeclaredHTML"),
        ('rel="self"', 'rel="related"', "MissingAtomSelfLink"),
        ('term="funding"', 'term=""', "blank term"),
        (
            "<name>Sisäministeriö</name>",
            "<name>Sisäministeriö</name><email>sm at intermin</email>",
            "schema",
        ),
    ],
)
def test_atom_rules_catch_mistakes(
    good: dict[FeedFormat, bytes], old: str, new: str, expected: str
) -> None:
    broken = _replace(good[FeedFormat.ATOM], old, new)
    assert any(
        expected in problem for problem in validity.atom_problems(broken, SELF[FeedFormat.ATOM])
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda feed: feed.pop("title"), "title is required"),
        (lambda feed: feed.update(version="https://jsonfeed.org/version/1"), "version"),
        (lambda feed: feed["items"][0].pop("content_html"), "needs content_html or content_text"),
        (lambda feed: feed["items"][0].update(id=12), "id must be a non-empty string"),
        (lambda feed: feed["items"][0].update(date_published="21.11.2026"), "InvalidRFC3339Date"),
        (lambda feed: feed["items"][0].update(tags="amif"), "tags must be an array"),
        (lambda feed: feed["items"][0].update(grant={}), "unknown key 'grant'"),
        (lambda feed: feed["items"][1].update(id=feed["items"][0]["id"]), "not unique"),
        (lambda feed: feed.update(feed_url="/feeds/audience/funding.json"), "InvalidFullLink"),
        (lambda feed: feed["items"][0].update(authors=[{}]), "needs name, url or avatar"),
    ],
)
def test_json_feed_rules_catch_mistakes(
    good: dict[FeedFormat, bytes], change: Callable[[dict[str, Any]], object], expected: str
) -> None:
    feed = json.loads(good[FeedFormat.JSON])
    change(feed)
    problems = validity.json_feed_problems(json.dumps(feed).encode(), SELF[FeedFormat.JSON])
    assert any(expected in problem for problem in problems)


def test_opml_rules_catch_mistakes() -> None:
    from aggregator.publish.render.opml import render_opml
    from tests.feeds.stories import NOW

    body = render_opml(catalogue(), base_url=BASE_URL, language="fi", created=NOW)
    with_docs = body.replace(b"</head>", b"<docs>http://opml.org/spec2.opml</docs></head>")
    assert any("UndefinedElement docs" in p for p in validity.opml_problems(with_docs))
    untyped = body.replace(b'type="rss" ', b"", 1)
    assert any("MissingOutlineType" in p for p in validity.opml_problems(untyped))


def _replace(body: bytes, old: str, new: str) -> bytes:
    text = body.decode("utf-8")
    assert old in text, old
    return text.replace(old, new, 1).encode("utf-8")


# --- the W3C validator's own code, when a checkout is at hand -----------------------------

VALIDATOR_SRC = os.environ.get("FEEDVALIDATOR_SRC")
VALIDATOR_PYTHON = os.environ.get("FEEDVALIDATOR_PYTHON", "python3")
RUN_VALIDATOR = """
import json, sys
sys.path.insert(0, sys.argv[1])
import feedvalidator
from feedvalidator import compatibility
from feedvalidator.formatter.text_plain import Formatter
results = {}
for path, url in json.load(open(sys.argv[2])):
    events = feedvalidator.validateString(open(path, encoding="utf-8").read(), base=url)["loggedEvents"]
    results[url] = {"errors": list(Formatter(compatibility.A(events))),
                    "warnings": list(Formatter([e for e in compatibility.AA(events)
                                           if e not in compatibility.A(events)]))}
print(json.dumps(results))
"""


@pytest.mark.skipif(not VALIDATOR_SRC, reason="FEEDVALIDATOR_SRC (w3c/feedvalidator src) not set")
def test_the_w3c_validator_finds_no_errors(client: TestClient, tmp_path: Path) -> None:
    jobs = []
    for number, spec in enumerate(served_specs()):
        for fmt in (FeedFormat.RSS, FeedFormat.ATOM):
            url, body = fetch(client, spec, fmt)
            path = tmp_path / f"{number}.{fmt}"
            path.write_bytes(body)
            jobs.append((str(path), url))
    opml = tmp_path / "index.opml"
    opml.write_bytes(client.get("/feeds/index.opml").content)
    jobs.append((str(opml), f"{BASE_URL}/feeds/index.opml"))
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    result = subprocess.run(
        [VALIDATOR_PYTHON, "-c", RUN_VALIDATOR, str(VALIDATOR_SRC), str(tmp_path / "jobs.json")],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    results = json.loads(result.stdout)
    assert len(results) == len(jobs)
    assert {url: r["errors"] for url, r in results.items() if r["errors"]} == {}
    print({url: r["warnings"] for url, r in results.items() if r["warnings"]})
