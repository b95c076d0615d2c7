"""Illformed HTTP answers through the real fetcher, from a raw loopback socket: every answer
is a :class:`Page` or a :class:`FetchError` naming the URL, never another exception (issue 17,
peer corpora). The corpus (tests/fixtures/http/illformed.toml) holds named cases with their
expected outcome; hypothesis recombines its pieces with random ones."""

from __future__ import annotations

import gzip
import tomllib
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.clock import FixedClock
from aggregator.errors import FetchError
from aggregator.fetch import Fetcher
from aggregator.types import Page
from tests.support.paths import PROJECT_ROOT

from .conftest import START, make_settings
from .rawserver import RawServer

CORPUS = tomllib.loads(
    (PROJECT_ROOT / "tests" / "fixtures" / "http" / "illformed.toml").read_text(encoding="utf-8")
)["case"]


def encoded(body: bytes, coding: str) -> bytes:
    if coding == "gzip":
        return gzip.compress(body)
    if coding == "gzip-truncated":
        return gzip.compress(body)[:-12]
    if coding == "gzip-twice":
        return gzip.compress(gzip.compress(body))
    if coding == "deflate":
        return zlib.compress(body)
    if coding == "raw-deflate":
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return compressor.compress(body) + compressor.flush()
    if coding == "garbage":
        return bytes(range(256)) + body
    return body


def raw_answer(status: str, headers: list[str], body: bytes) -> bytes:
    head = "".join(f"{line}\r\n" for line in [status, *headers] if status or line)
    return head.encode("latin-1", "replace") + b"\r\n" + body


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    with RawServer() as running:
        yield running


@pytest.fixture(scope="module")
def fetcher() -> Iterator[Fetcher]:
    settings_ = make_settings(
        allow_private_addresses=True,
        obey_robots=False,
        retries=0,
        connect_timeout=1.0,
        read_timeout=0.5,
        total_timeout=2.0,
        max_response_bytes=100_000,
    )
    with Fetcher(settings_, clock=FixedClock(START)) as made:
        yield made


def outcome(fetcher: Fetcher, server: RawServer, answer: bytes) -> Page | FetchError:
    server.reply = answer
    url = f"{server.url}/sivu"
    result: Page | FetchError
    try:
        result = fetcher.get(url)
    except FetchError as error:
        result = error
    assert result.url == url, f"the answer names {result.url}, not {url}"
    if isinstance(result, FetchError):
        assert url in str(result)
    return result


@pytest.mark.parametrize("case", CORPUS, ids=[c["name"] for c in CORPUS])
def test_corpus_answer_is_a_page_or_a_fetch_error(
    fetcher: Fetcher, server: RawServer, case: dict[str, Any]
) -> None:
    body = encoded(case["body"].encode(), case.get("coding", "plain"))
    result = outcome(fetcher, server, raw_answer(case["status"], case["headers"], body))
    expected = Page if case["expect"] == "page" else FetchError
    assert isinstance(result, expected), result


# --- hypothesis: the corpus's pieces recombined, and random ones -------------------------------

STATUS_CODES = st.sampled_from([200, 203, 204, 206, 301, 302, 303, 304, 307, 308, 404, 410, 500])
STATUS_LINES = st.one_of(
    st.builds(lambda code: f"HTTP/1.1 {code} Reason", STATUS_CODES),
    st.builds(lambda code: f"HTTP/1.0 {code}", STATUS_CODES),
    st.sampled_from([c["status"] for c in CORPUS]),
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=30),
)
HEADER_LINES = st.one_of(
    st.sampled_from(sorted({h for c in CORPUS for h in c["headers"]})),
    st.builds(
        lambda name, value: f"{name}: {value}",
        st.sampled_from(
            ["Location", "Content-Type", "Content-Encoding", "Content-Length", "Retry-After", "X"]
        ),
        st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40),
    ),
)
CODINGS = st.sampled_from(
    ["plain", "gzip", "gzip-truncated", "gzip-twice", "deflate", "raw-deflate", "garbage"]
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    status=STATUS_LINES,
    headers=st.lists(HEADER_LINES, max_size=6),
    body=st.binary(max_size=300),
    coding=CODINGS,
)
def test_any_answer_is_a_page_or_a_fetch_error(
    fetcher: Fetcher, server: RawServer, status: str, headers: list[str], body: bytes, coding: str
) -> None:
    result = outcome(fetcher, server, raw_answer(status, headers, encoded(body, coding)))
    assert isinstance(result, Page | FetchError)
