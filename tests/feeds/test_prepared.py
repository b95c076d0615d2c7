"""Cached feeds and /healthz answered before routing (web/fastlane.py): the same bytes and
headers as the routed answer, never a stale feed, nothing but GET and HEAD."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from aggregator.runtime import Runtime
from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.web.feedcache import FeedService
from aggregator.web.security import HSTS, SECURITY_HEADERS
from tests.feeds.stories import BASE_URL

PER_RESPONSE = {"date", "server"}


def _answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k.lower(), v) for k, v in response.headers.multi_items()]
    kept = [(k, v) for k, v in headers if k not in PER_RESPONSE]
    return response.status_code, kept, response.content


def _request_headers(client: TestClient, path: str) -> list[dict[str, str]]:
    etag = client.get(path).headers["etag"]
    return [
        {},
        {"Accept-Encoding": "gzip"},
        {"If-None-Match": etag},
        {"If-None-Match": etag[:-1] + '-gzip"', "Accept-Encoding": "gzip"},
    ]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_cached_answer_is_the_routed_answer_byte_for_byte(
    runtime: Runtime, client: TestClient, scheme: str
) -> None:
    path = "/feeds/audience/funding.rss?lang=sv"
    with TestClient(client.app, base_url=BASE_URL.replace("http:", f"{scheme}:")) as browser:
        for headers in _request_headers(browser, path):
            fresh = FeedService(runtime, version_interval=3600)
            browser.app.state.feed_service = fresh  # type: ignore[attr-defined]
            routed = browser.get(path, headers=headers)  # fills the cache through the route
            assert fresh.builder.builds == 1
            cached = browser.get(path, headers=headers)
            assert fresh.builder.builds == 1
            assert _answer(cached) == _answer(routed), headers


def test_cached_answers_carry_every_security_header_once(client: TestClient) -> None:
    client.get("/feeds/all.atom")
    response = client.get("/feeds/all.atom")
    names = [k.lower() for k, _ in response.headers.multi_items()]
    for name, value in SECURITY_HEADERS.items():
        assert names.count(name.lower()) == 1 and response.headers[name] == value
    assert response.headers["vary"] == "Accept-Encoding"
    assert "strict-transport-security" not in response.headers
    https = TestClient(client.app, base_url=BASE_URL.replace("http:", "https:"))
    assert https.get("/feeds/all.atom").headers["strict-transport-security"] == HSTS


def test_a_new_content_version_is_never_answered_from_the_old_cache(
    runtime: Runtime, client: TestClient
) -> None:
    first = client.get("/feeds/all.rss")
    service = client.app.state.feed_service  # type: ignore[attr-defined]
    assert service.builder.builds == 1
    with session_scope(runtime.engine) as session:
        versions.bump(session, runtime.clock.now())
    second = client.get("/feeds/all.rss")
    assert service.builder.builds == 2
    assert second.headers["etag"] == first.headers["etag"]  # same stories, rebuilt
    assert client.get("/feeds/all.rss").status_code == 200 and service.builder.builds == 2


def test_only_get_and_head_are_answered_before_routing(client: TestClient) -> None:
    client.get("/feeds/all.rss")
    head = client.head("/feeds/all.rss")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == client.get("/feeds/all.rss").headers["content-length"]
    assert client.post("/feeds/all.rss").status_code in (403, 405)
