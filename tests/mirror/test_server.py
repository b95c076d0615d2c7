"""The mirror server over real HTTP: route choice, fallback files, content types, validators
and 304s, gzip, HEAD, 404s, since_seconds with an injected clock, and the request log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from aggregator.clock import FixedClock
from aggregator.demo.mirror import MirrorServer, Route

from .conftest import START, write_site

HOST = "kotoutuminen.fi"
MANIFEST = """
[site]
last_modified = "2026-11-20T08:00:00Z"
gzip = true

[[route]]
path = "/uutiset?_cur=2&_delta=20"
file = "uutiset/page-2.html"

[[route]]
path = "/uutiset"
file = "uutiset/page-1.html"

[[route]]
path = "/uutiset"
file = "uutiset/page-1-new.html"
since_seconds = 60

[[route]]
path = "/vanha-osoite"
status = 301
headers = { Location = "https://kotoutuminen.fi/uutiset" }

[[route]]
path = "/hidas"
body = "vihdoin"
delay_seconds = 0.2

[[route]]
path = "/iso.json"
size_bytes = 5000
"""
FILES: dict[str, str | bytes] = {
    "uutiset/page-1.html": "<li>Vanha uutinen</li>",
    "uutiset/page-1-new.html": "<li>Uusi uutinen</li><li>Vanha uutinen</li>",
    "uutiset/page-2.html": "<li>Sivu 2</li>",
    "index.html": "<h1>Etusivu</h1>",
    "tietoa-viranomaiselle.html": "<h1>Viranomaiselle</h1>",
    "en/current-issues/index.html": "<h1>Current issues</h1>",
    "-/koto-digi": "<h1>Koto-digi</h1>",
    "feed.xml": "<rss/>",
    "feed.rss": "<rss/>",
    "api.json": "{}",
    "robots.txt": "User-agent: *\n",
}


@pytest.fixture
def server(tmp_path: Path, clock: FixedClock) -> Iterator[MirrorServer]:
    write_site(tmp_path, HOST, FILES, MANIFEST)
    write_site(tmp_path, "tem.fi", {"index.html": "<h1>TEM</h1>"})
    with MirrorServer(tmp_path, clock=clock) as running:
        yield running


def get(http: httpx.Client, server: MirrorServer, path: str, **headers: str) -> httpx.Response:
    return http.get(server.url + path, headers={"Host": HOST, **headers})


def test_route_matches_query_in_any_order(http: httpx.Client, server: MirrorServer) -> None:
    answer = get(http, server, "/uutiset?_delta=20&_cur=2")
    assert (answer.status_code, answer.text) == (200, "<li>Sivu 2</li>")


def test_query_without_a_route_is_404(http: httpx.Client, server: MirrorServer) -> None:
    assert get(http, server, "/uutiset?_cur=3&_delta=20").status_code == 404


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/", "<h1>Etusivu</h1>"),
        ("/tietoa-viranomaiselle", "<h1>Viranomaiselle</h1>"),  # a/b.html
        ("/en/current-issues", "<h1>Current issues</h1>"),  # a/b/index.html
        ("/en/current-issues/", "<h1>Current issues</h1>"),
        ("/-/koto-digi", "<h1>Koto-digi</h1>"),  # a/b as is
    ],
)
def test_fallback_file_lookup(
    http: httpx.Client, server: MirrorServer, path: str, text: str
) -> None:
    answer = get(http, server, path)
    assert (answer.status_code, answer.text) == (200, text)


@pytest.mark.parametrize("path", ["/ei-ole", "/_site.toml", "/%2e%2e/tem.fi/index.html"])
def test_unknown_manifest_and_escaping_paths_are_404(
    http: httpx.Client, server: MirrorServer, path: str
) -> None:
    assert get(http, server, path).status_code == 404


def test_unknown_host_is_404_naming_the_host(http: httpx.Client, server: MirrorServer) -> None:
    answer = http.get(server.url + "/", headers={"Host": "tuntematon.fi"})
    assert answer.status_code == 404
    assert "tuntematon.fi" in answer.text


def test_host_chosen_by_host_header_without_port(http: httpx.Client, server: MirrorServer) -> None:
    answer = http.get(server.url + "/", headers={"Host": "TEM.fi:443"})
    assert answer.text == "<h1>TEM</h1>"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/-/koto-digi", "text/html; charset=utf-8"),
        ("/feed.xml", "application/rss+xml"),
        ("/feed.rss", "application/rss+xml"),
        ("/api.json", "application/json"),
        ("/robots.txt", "text/plain; charset=utf-8"),
    ],
)
def test_content_type_from_extension(
    http: httpx.Client, server: MirrorServer, path: str, content_type: str
) -> None:
    assert get(http, server, path).headers["content-type"] == content_type


def test_strong_etag_and_last_modified_from_manifest(
    http: httpx.Client, server: MirrorServer
) -> None:
    first = get(http, server, "/", **{"Accept-Encoding": "identity"})
    again = get(http, server, "/", **{"Accept-Encoding": "identity"})
    other = get(http, server, "/tietoa-viranomaiselle", **{"Accept-Encoding": "identity"})

    assert first.headers["etag"] == again.headers["etag"]
    assert first.headers["etag"] != other.headers["etag"]
    assert not first.headers["etag"].startswith("W/")
    assert first.headers["last-modified"] == "Fri, 20 Nov 2026 08:00:00 GMT"


def test_if_none_match_gives_304(http: httpx.Client, server: MirrorServer) -> None:
    etag = get(http, server, "/").headers["etag"]

    answer = get(http, server, "/", **{"If-None-Match": etag})

    assert (answer.status_code, answer.content) == (304, b"")
    assert answer.headers["etag"] == etag
    assert server.requests[-1].if_none_match == etag


def test_if_modified_since(http: httpx.Client, server: MirrorServer) -> None:
    assert (
        get(http, server, "/", **{"If-Modified-Since": "Fri, 20 Nov 2026 08:00:00 GMT"}).status_code
        == 304
    )
    assert (
        get(http, server, "/", **{"If-Modified-Since": "Thu, 19 Nov 2026 08:00:00 GMT"}).status_code
        == 200
    )


def test_if_none_match_wins_over_if_modified_since(
    http: httpx.Client, server: MirrorServer
) -> None:
    answer = get(
        http,
        server,
        "/",
        **{"If-None-Match": '"stale"', "If-Modified-Since": "Sat, 21 Nov 2026 08:00:00 GMT"},
    )
    assert answer.status_code == 200


def test_gzip_only_when_asked(http: httpx.Client, server: MirrorServer) -> None:
    zipped = get(http, server, "/", **{"Accept-Encoding": "gzip"})
    plain = get(http, server, "/", **{"Accept-Encoding": "identity"})

    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.text == plain.text == "<h1>Etusivu</h1>"  # httpx inflated it
    assert "content-encoding" not in plain.headers
    assert zipped.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["etag"] != plain.headers["etag"]


def test_head_has_headers_but_no_body(http: httpx.Client, server: MirrorServer) -> None:
    full = get(http, server, "/", **{"Accept-Encoding": "identity"})
    head = http.head(server.url + "/", headers={"Host": HOST, "Accept-Encoding": "identity"})

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(full.content))
    assert head.headers["etag"] == full.headers["etag"]
    assert server.requests[-1].method == "HEAD"


def test_since_seconds_route_takes_over_later(
    http: httpx.Client, server: MirrorServer, clock: FixedClock
) -> None:
    before = get(http, server, "/uutiset")
    clock.advance(59)
    assert get(http, server, "/uutiset").text == before.text == "<li>Vanha uutinen</li>"

    clock.advance(1)
    after = get(http, server, "/uutiset", **{"If-Modified-Since": before.headers["last-modified"]})

    assert after.status_code == 200  # newer than the site's Last-Modified, so not a 304
    assert after.text.startswith("<li>Uusi uutinen</li>")
    assert after.headers["last-modified"] == format_datetime(START.replace(minute=1), usegmt=True)


def test_status_and_headers_from_route(http: httpx.Client, server: MirrorServer) -> None:
    answer = get(http, server, "/vanha-osoite")
    assert answer.status_code == 301
    assert answer.headers["location"] == "https://kotoutuminen.fi/uutiset"
    assert "etag" not in answer.headers


def test_size_bytes_filler(http: httpx.Client, server: MirrorServer) -> None:
    answer = get(http, server, "/iso.json", **{"Accept-Encoding": "identity"})
    assert len(answer.content) == 5000
    assert answer.headers["content-type"] == "application/json"


def test_delay_seconds_is_real_time(http: httpx.Client, server: MirrorServer) -> None:
    started = time.monotonic()
    assert get(http, server, "/hidas").text == "vihdoin"
    assert time.monotonic() - started >= 0.2


def test_request_log(http: httpx.Client, server: MirrorServer) -> None:
    get(http, server, "/uutiset?_cur=2&_delta=20", **{"If-Modified-Since": "x"})
    http.get(server.url + "/", headers={"Host": "tem.fi:8080"})

    logged = [(r.host, r.path_and_query, r.status, r.if_modified_since) for r in server.requests]
    assert logged == [
        (HOST, "/uutiset?_cur=2&_delta=20", 200, "x"),
        ("tem.fi", "/", 200, None),
    ]
    server.clear_requests()
    assert server.requests == []


def test_extra_routes_win_and_can_answer_a_limited_number_of_times(
    tmp_path: Path, http: httpx.Client
) -> None:
    write_site(tmp_path, HOST, FILES, MANIFEST)
    faults = {
        HOST: [Route("/", status=500, times=2)],
        "virhe.example": [
            Route("/data", body=b"\xe4iti", content_type="text/plain; charset=utf-8")
        ],
    }
    with MirrorServer(tmp_path, extra_routes=faults) as mirror:
        statuses = [get(http, mirror, "/").status_code for _ in range(3)]
        wrong = http.get(mirror.url + "/data", headers={"Host": "virhe.example"})

    assert statuses == [500, 500, 200]
    assert wrong.content == b"\xe4iti"  # served byte for byte, whatever it claims
    assert len(mirror.requests) == 4  # the log outlives stop()


def test_slow_drip_route_sends_the_body_a_byte_at_a_time(
    tmp_path: Path, http: httpx.Client
) -> None:
    with MirrorServer(
        tmp_path, extra_routes={HOST: [Route("/", body="abcde", drip_seconds=0.02)]}
    ) as mirror:
        started = time.monotonic()
        answer = get(http, mirror, "/")
    assert answer.text == "abcde"
    assert time.monotonic() - started >= 0.1


def test_url_and_lifecycle(tmp_path: Path) -> None:
    mirror = MirrorServer(tmp_path)
    with pytest.raises(RuntimeError, match="not running"):
        _ = mirror.url
    mirror.start()
    try:
        assert mirror.url.startswith("http://127.0.0.1:")
        assert not mirror.url.endswith(":0")
    finally:
        mirror.stop()
    mirror.stop()  # stopping twice is harmless
