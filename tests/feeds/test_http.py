"""Feeds over HTTP: addresses, filters, conditional requests, gzip, caching and bad requests."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.clock import FixedClock
from aggregator.runtime import Runtime
from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, ItemTag
from aggregator.store.tags import TagStore
from aggregator.types import TagAssignment, TagKind, TagOrigin
from aggregator.web.feedcache import FeedService, VersionWatch
from aggregator.web.routes.feeds import accepts_gzip
from tests.feeds.stories import BASE_URL, NOW, Story, add_story, by_key
from tests.support.loops import run_coroutine


def links(client: TestClient, url: str) -> set[str]:
    response = client.get(url.replace(".rss", ".json"))
    assert response.status_code == 200, response.text
    return {item["url"] for item in response.json()["items"]}


def url_of(key: str) -> str:
    from aggregator.publish.render.feeds import to_uri

    return to_uri(by_key(key).url)


# --- addresses and filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/feeds/all.rss", "application/rss+xml"),
        ("/feeds/grants.atom", "application/atom+xml"),
        ("/feeds/audience/funding.json", "application/feed+json"),
        ("/feeds/topic/amif.rss", "application/rss+xml"),
        ("/feeds/source/eusa-amif.atom", "application/atom+xml"),
        ("/feeds/custom.json?audience=funding", "application/feed+json"),
        ("/feeds/index.opml", "text/x-opml"),
    ],
)
def test_every_address_answers(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == response.headers["etag"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("audience=funding&audience=municipalities&topic=amif", {"amif-call", "closed-call"}),
        (
            "audience=municipalities&topic=placement&topic=temporary-protection",
            {"placement", "swedish"},
        ),
        ("source=eusa-amif", {"amif-call", "rolling", "closed-call", "swedish"}),
        ("source=eusa-amif&audience=municipalities", {"swedish"}),
        ("item_lang=sv&item_lang=en", {"swedish", "event"}),
        ("topic=minors", set()),
    ],
)
def test_custom_feeds_or_within_a_kind_and_across_kinds(
    client: TestClient, query: str, expected: set[str]
) -> None:
    assert links(client, f"/feeds/custom.json?{query}") == {url_of(key) for key in expected}


def test_named_feeds_select_their_stories(client: TestClient) -> None:
    assert links(client, "/feeds/grants.json") == {
        url_of(k) for k in ("amif-call", "rolling", "closed-call")
    }
    assert links(client, "/feeds/topic/koto-digi.json") == {url_of("broken-text")}
    assert len(links(client, "/feeds/all.json")) == 8  # the off-topic story too


def test_newest_first_and_limit(client: TestClient) -> None:
    items = client.get("/feeds/all.json?limit=3").json()["items"]
    assert [item["url"] for item in items] == [
        url_of("off-topic"),
        url_of("placement"),
        url_of("amif-call"),
    ]
    assert client.get("/feeds/all.json?limit=3").json()["feed_url"].endswith("all.json?limit=3")


def test_lang_chooses_the_language_of_the_feed_texts(client: TestClient) -> None:
    swedish = client.get("/feeds/audience/funding.json?lang=sv").json()
    assert swedish["title"] == "Kotoutumisuutiset: Finansiering och utlysningar"
    assert swedish["language"] == "sv"
    assert swedish["feed_url"] == f"{BASE_URL}/feeds/audience/funding.json?lang=sv"


# --- conditional requests, gzip, cache headers ----------------------------------------------


def test_validators_and_cache_headers(client: TestClient) -> None:
    response = client.get("/feeds/all.rss", headers={"Accept-Encoding": "identity"})
    assert response.headers["etag"].startswith('"') and "-gzip" not in response.headers["etag"]
    assert response.headers["last-modified"] == "Sun, 22 Nov 2026 10:00:00 GMT"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert {token.strip() for token in response.headers["vary"].split(",")} == {"Accept-Encoding"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"If-None-Match": "{etag}"}, 304),
        ({"If-None-Match": "{gzip_etag}"}, 304),
        ({"If-None-Match": 'W/{etag}, "other"'}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"other"'}, 200),
        ({"If-Modified-Since": "Sun, 22 Nov 2026 10:00:00 GMT"}, 304),
        ({"If-Modified-Since": "Sun, 22 Nov 2026 09:59:59 GMT"}, 200),
        ({"If-Modified-Since": "not a date"}, 200),
        # If-None-Match decides when both are sent (RFC 9110 13.2.2)
        ({"If-None-Match": '"other"', "If-Modified-Since": "Mon, 23 Nov 2026 10:00:00 GMT"}, 200),
    ],
)
def test_conditional_requests(client: TestClient, headers: dict[str, str], status: int) -> None:
    first = client.get("/feeds/topic/amif.atom", headers={"Accept-Encoding": "identity"})
    etag = first.headers["etag"]
    values = {
        name: value.format(etag=etag, gzip_etag=etag[:-1] + '-gzip"')
        for name, value in headers.items()
    }
    again = client.get("/feeds/topic/amif.atom", headers=values)
    assert again.status_code == status
    if status == 304:
        assert again.content == b""
        assert again.headers["cache-control"] == "public, max-age=300"
        assert again.headers["etag"].strip('"').startswith(etag.strip('"'))


def test_gzip_body_is_precompressed_and_identical_when_unpacked(client: TestClient) -> None:
    plain = client.get("/feeds/all.rss", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    with client.stream("GET", "/feeds/all.rss", headers={"Accept-Encoding": "gzip"}) as packed:
        raw = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["etag"].endswith('-gzip"')
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content) / 2


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip, deflate, br", True),
        ("deflate, gzip;q=0.5", True),
        ("*", True),
        ("identity", False),
        ("gzip;q=0, identity", False),
        ("", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


# --- bad requests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "valid"),
    [
        (
            "/feeds/audience/teachers.rss",
            "audience",
            ["municipalities", "professionals", "funding"],
        ),
        ("/feeds/topic/sports.atom", "topic", None),
        (
            "/feeds/source/yle.json",
            "source",
            ["kotoutuminen-uutiset", "eusa-amif", "hyvaks-uutiset"],
        ),
        ("/feeds/custom.rss?audience=funding&topic=sports", "topic", None),
        ("/feeds/custom.rss?audience=%27%20OR%201%3D1%20--", "audience", None),
    ],
)
def test_unknown_ids_are_404_listing_the_valid_ones(
    client: TestClient, path: str, kind: str, valid: list[str] | None
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    body = response.json()
    assert body["kind"] == kind
    if valid is not None:
        assert body["valid_ids"] == valid
    else:
        assert "amif" in body["valid_ids"] or "funding" in body["valid_ids"]


@pytest.mark.parametrize(
    "path", ["/feeds/everything.rss", "/feeds/all.xml", "/feeds/all", "/feeds/region/x.rss"]
)
def test_unknown_feed_addresses_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "/feeds/all.{rss,atom,json}" in response.json()["feeds"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("colour=red", "unknown parameter 'colour'"),
        ("audience=funding", "unknown parameter 'audience'"),  # only custom feeds take it
        ("&".join(["l=1"] * 300), "more than 40"),
        ("limit=1000000000", "limit is a whole number from 1 to 200"),
        ("limit=201", "limit is"),
        ("limit=0", "limit is"),
        ("limit=-5", "limit is"),
        ("limit=ten", "limit is"),
        ("lang=de", "lang is one of fi, sv, en"),
        ("lang=fi&lang=sv", "give lang only once"),
        ("lang=", "lang needs a value"),
        ("x=" + "a" * 3000, "longer than 2048"),
    ],
)
def test_absurd_queries_are_400(client: TestClient, query: str, message: str) -> None:
    response = client.get(f"/feeds/all.rss?{query}")
    assert response.status_code == 400
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "needs an audience, topic, source or item_lang"),
        ("lang=sv", "needs an audience"),
        ("item_lang=finnish", "two-letter"),
        ("audience=" + "x" * 65, "1 to 64 characters"),
        ("&".join(["t=1"] * 300), "more than 40"),
        ("&".join(f"topic=t{n}" for n in range(300)), "longer than 2048"),
    ],
)
def test_bad_custom_queries_are_400(client: TestClient, query: str, message: str) -> None:
    response = client.get(f"/feeds/custom.json?{query}")
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_an_injection_attempt_reaches_sql_only_as_a_bound_value(
    client: TestClient, engine: Engine
) -> None:
    response = client.get("/feeds/custom.json?item_lang=fi&item_lang=xx&source=x%27%3BDROP")
    assert response.status_code == 404
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(ItemRow)).one() == 8


# --- the cache -----------------------------------------------------------------------------


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_cache_hits_touch_neither_the_database_nor_the_renderer(
    runtime: Runtime, client: TestClient
) -> None:
    service = FeedService(runtime, version_interval=3600)
    client.app.state.feed_service = service  # type: ignore[attr-defined]
    first = client.get("/feeds/audience/funding.rss")
    builds = service.builder.builds
    with counted_statements(runtime.engine) as statements:
        for _ in range(25):
            again = client.get("/feeds/audience/funding.rss")
            assert again.content == first.content
        assert client.get("/feeds/audience/nobody.rss").status_code == 404
    assert statements == []
    assert service.builder.builds == builds == 1


def test_the_version_is_read_at_most_once_per_interval(
    runtime: Runtime, client: TestClient, engine: Engine
) -> None:
    ticks = [100.0]
    service = FeedService(runtime)
    service.watch = VersionWatch(
        runtime.engine, runtime.clock, interval=1.0, monotonic=lambda: ticks[0]
    )
    client.app.state.feed_service = service  # type: ignore[attr-defined]
    before = links(client, "/feeds/topic/minors.json")
    new_id = _add_story_about_minors(engine)
    with counted_statements(runtime.engine) as statements:
        ticks[0] += 0.5
        assert links(client, "/feeds/topic/minors.json") == before  # stale for up to a second
    assert statements == []
    ticks[0] += 0.6
    assert links(client, "/feeds/topic/minors.json") == before | {_minors_url(new_id)}


def test_new_stories_appear_and_change_the_etag(client: TestClient, engine: Engine) -> None:
    old = client.get("/feeds/topic/minors.json")
    new_id = _add_story_about_minors(engine)
    new = client.get("/feeds/topic/minors.json", headers={"If-None-Match": old.headers["etag"]})
    assert new.status_code == 200
    assert new.headers["etag"] != old.headers["etag"]
    assert [item["url"] for item in new.json()["items"]] == [_minors_url(new_id)]


def test_a_tag_change_moves_a_story_into_a_feed(
    client: TestClient, engine: Engine, story_ids: dict[str, int]
) -> None:
    assert url_of("event") not in links(client, "/feeds/audience/municipalities.json")
    later = NOW + timedelta(minutes=5)
    with session_scope(engine) as session:
        TagStore(session).apply(
            story_ids["event"],
            [
                TagAssignment("municipalities", TagKind.AUDIENCE, TagOrigin.RULE, rule_id="r"),
                TagAssignment("events", TagKind.TOPIC, TagOrigin.RULE, rule_id="r"),
            ],
            later,
        )
    assert url_of("event") in links(client, "/feeds/audience/municipalities.json")


def test_an_edit_at_the_source_keeps_the_guid(
    client: TestClient, engine: Engine, story_ids: dict[str, int]
) -> None:
    before = _item(client, "/feeds/topic/placement.json", url_of("placement"))
    edited_at = NOW + timedelta(hours=1)
    with session_scope(engine) as session:
        row = session.get_one(ItemRow, story_ids["placement"])
        row.title, row.edits, row.updated_at = "Kuntapaikat 2027 (päivitetty)", 1, edited_at
        session.add(row)
        versions.bump(session, edited_at)
    after = _item(client, "/feeds/topic/placement.json", url_of("placement"))
    assert after["id"] == before["id"]
    assert after["title"] == "Kuntapaikat 2027 (päivitetty)"
    assert after["date_modified"] == "2026-11-22T11:00:00Z" > before["date_modified"]


def test_days_left_are_rewritten_when_the_helsinki_day_changes(
    client: TestClient, clock: FixedClock
) -> None:
    today = client.get("/feeds/grants.json")
    assert "12 päivää jäljellä" in today.text
    clock.advance(14 * 3600)  # 00:00 in Helsinki, no content change
    tomorrow = client.get("/feeds/grants.json", headers={"If-None-Match": today.headers["etag"]})
    assert tomorrow.status_code == 200
    assert "11 päivää jäljellä" in tomorrow.text
    assert tomorrow.headers["last-modified"] == "Sun, 22 Nov 2026 22:00:00 GMT"
    assert (
        client.get("/feeds/audience/professionals.json").headers["last-modified"]
        == (
            today.headers["last-modified"]  # no deadline in it: unchanged
        )
    )


def test_a_crowd_on_a_cold_feed_starts_one_build(runtime: Runtime, client: TestClient) -> None:
    service = FeedService(runtime, version_interval=3600)
    client.app.state.feed_service = service  # type: ignore[attr-defined]

    async def crowd() -> set[bytes]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            answers = await asyncio.gather(
                *(http.get("/feeds/audience/professionals.atom") for _ in range(30))
            )
        assert {answer.status_code for answer in answers} == {200}
        return {answer.content for answer in answers}

    assert len(run_coroutine(crowd)) == 1
    assert service.builder.builds == 1


def _add_story_about_minors(engine: Engine) -> int:
    story = Story(
        "minors",
        "Alaikäisenä ilman huoltajaa tulleiden jälkihuolto",
        "https://kotoutuminen.fi/-/jalkihuolto",
        "kotoutuminen-uutiset",
        NOW + timedelta(minutes=1),
        tags=("professionals", "minors"),
    )
    later = NOW + timedelta(minutes=1)
    with session_scope(engine) as session:
        story_id = add_story(session, story, seen_at=later)
        versions.bump(session, later)
    return story_id


def _minors_url(_story_id: int) -> str:
    return "https://kotoutuminen.fi/-/jalkihuolto"


def _item(client: TestClient, path: str, url: str) -> dict[str, Any]:
    return next(item for item in client.get(path).json()["items"] if item["url"] == url)


def test_tags_in_the_database_are_what_the_feeds_show(client: TestClient, engine: Engine) -> None:
    with session_scope(engine) as session:
        funding = set(
            session.exec(select(ItemRow.url).join(ItemTag).where(ItemTag.tag_id == "funding"))
        )
    assert links(client, "/feeds/audience/funding.json") == {
        url_of(key) for key in ("amif-call", "rolling", "closed-call")
    }
    assert len(funding) == 3
