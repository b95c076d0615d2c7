"""Canonical URLs: tracking, session and navigation noise removed; content parameters kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.normalize.urls import (
    _canonicalised,
    canonical_url,
    liferay_slug,
    path_language,
    url_key,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://Kotoutuminen.FI/-/amif-haku#main", "https://kotoutuminen.fi/-/amif-haku"),
        (
            "https://kotoutuminen.fi/-/amif-haku?utm_source=newsletter&utm_medium=email",
            "https://kotoutuminen.fi/-/amif-haku",
        ),
        ("https://tem.fi/-/slug?fbclid=abc&gclid=x", "https://tem.fi/-/slug"),
        ("https://tem.fi:443/-/slug/", "https://tem.fi/-/slug"),
        ("http://tem.fi:8080/x", "http://tem.fi:8080/x"),
        (
            "https://www.keha-keskus.fi/web/guest/-/slug;jsessionid=ABC123",
            "https://www.keha-keskus.fi/web/guest/-/slug",
        ),
        (
            "https://kotoutuminen.fi/-/uutinen?redirect=%2Fuutiset&inheritRedirect=true",
            "https://kotoutuminen.fi/-/uutinen",
        ),
        (
            "https://kotoutuminen.fi/uutiset?p_p_id=x&_x_INSTANCE_ab_cur=2&_x_INSTANCE_ab_delta=20",
            "https://kotoutuminen.fi/uutiset?_x_INSTANCE_ab_cur=2&_x_INSTANCE_ab_delta=20&p_p_id=x",
        ),
        (
            "https://kotoutuminen.fi/uutiset?p_p_id=x&p_p_lifecycle=0",
            "https://kotoutuminen.fi/uutiset",
        ),
        (
            "https://www.haeavustuksia.fi/api/haku/list-items?Pagination.PageSize=20&Pagination.Page=2",
            "https://www.haeavustuksia.fi/api/haku/list-items?Pagination.Page=2&Pagination.PageSize=20",
        ),
        ("https://tem.fi/-/p%C3%A4%C3%A4t%C3%B6s", "https://tem.fi/-/p%C3%A4%C3%A4t%C3%B6s"),
        ("https://tem.fi/-/päätös", "https://tem.fi/-/p%C3%A4%C3%A4t%C3%B6s"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_canonical_url_leaves_non_web_urls_alone() -> None:
    assert canonical_url("mailto:kirjaamo@tem.fi") == "mailto:kirjaamo@tem.fi"
    assert canonical_url("  not a url ") == "not a url"


def test_url_key_ignores_scheme_and_www() -> None:
    assert url_key("http://www.keha-keskus.fi/-/a") == url_key("https://keha-keskus.fi/-/a")


def test_liferay_slug_with_and_without_group_id() -> None:
    slug = "tyollisyyspalvelujen-uudistus-etenee"
    assert liferay_slug(f"https://tem.fi/en/-/{slug}") == slug
    assert liferay_slug(f"https://valtioneuvosto.fi/en/-/1410877/{slug}") == slug
    assert liferay_slug(f"https://valtioneuvosto.fi/en/-//1410869/{slug}") == slug
    assert liferay_slug("https://kotoutuminen.fi/uutiset") is None


def test_path_language() -> None:
    assert path_language("https://kotoutuminen.fi/en/current-issues") == "en"
    assert path_language("https://kotoutuminen.fi/sv/-/x") == "sv"
    assert path_language("https://kotoutuminen.fi/uutiset") is None


# URLs near the plain ones canonical_url answers without w3lib: a plain URL, and one with a
# piece that would make w3lib or this module change something (case, escapes, dot segments,
# ports, queries, fragments, parameters, spaces, non-ASCII, punycode, repeated slashes).
_PLAIN_PIECES = ["a", "b0", "-", ".", "_", "~", "/", "x.y"]
_SPECIAL_PIECES = [
    "Z", "..", "/.", "//", "%41", "%2f", "?", "?a=1", "#x", ";jsessionid=1", ":", ":443", "@",
    "ä", " ", "xn--", "+", "!", "\t", "\ud800", "/./", "/../", "http://",
]  # fmt: skip


@given(
    st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", "http:/"]),
    st.lists(st.sampled_from(_PLAIN_PIECES), max_size=6),
    st.lists(st.sampled_from(_PLAIN_PIECES), max_size=8),
    st.one_of(st.none(), st.tuples(st.sampled_from(_SPECIAL_PIECES), st.integers(0, 40))),
)
def test_plain_urls_answer_as_w3lib_would(
    scheme: str, host: list[str], path: list[str], special: tuple[str, int] | None
) -> None:
    url = scheme + "".join(host) + "/" + "".join(path)
    if special is not None:
        piece, at = special
        url = url[:at] + piece + url[at:]
    assert canonical_url(url) == _canonicalised(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://bench.example/uutiset/0-6137",
        "https://kotoutuminen.fi/-/amif-haku/",
        "http://a-b.c0.fi/x/y.html",
        "https://tem.fi/-/10616/some_slug~1",
        "https://tem.fi/a/.hidden",
        "https://tem.fi/a/./b",
        "https://tem.fi/a/../b",
        "https://tem.fi//a",
        "https://tem.fi/a//",
        "https://tem.fi",
        "https://tem.fi/",
        "https://xn--tm-fka.fi/a",
        "https://tem.fi./a",
    ],
)
def test_plain_and_nearly_plain_urls(url: str) -> None:
    assert canonical_url(url) == _canonicalised(url)


@given(st.text())
def test_canonical_url_never_raises_and_is_idempotent(raw: str) -> None:
    once = canonical_url(raw)
    assert canonical_url(once) == once


@given(
    st.sampled_from(["https://kotoutuminen.fi", "https://tem.fi"]),
    st.lists(st.text(alphabet="abcäö-_ ", min_size=1, max_size=12), min_size=1, max_size=4),
    st.dictionaries(st.sampled_from(["utm_source", "fbclid", "page", "q"]), st.text(max_size=5)),
)
def test_canonical_url_idempotent_on_web_urls(
    origin: str, segments: list[str], query: dict[str, str]
) -> None:
    from urllib.parse import quote, urlencode

    url = (
        origin
        + "/"
        + "/".join(quote(s) for s in segments)
        + ("?" + urlencode(query) if query else "")
    )
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "utm_source" not in once and "fbclid" not in once


# --- never merging two different addresses -------------------------------------------------


def test_latin1_escapes_stay_distinct() -> None:
    a, o = canonical_url("https://tem.fi/-/p%E4iv%E4"), canonical_url("https://tem.fi/-/p%F6iv%F6")
    assert a == "https://tem.fi/-/p%E4iv%E4" and o == "https://tem.fi/-/p%F6iv%F6"
    assert "\ufffd" not in a + o and "%EF%BF%BD" not in a + o


def test_escaped_slash_is_not_a_path_separator() -> None:
    assert canonical_url("https://x.fi/a%2Fb") == "https://x.fi/a%2Fb"
    assert canonical_url("https://x.fi/a%2Fb") != canonical_url("https://x.fi/a/b")


def test_query_values_keep_their_bytes() -> None:
    assert canonical_url("https://x.fi/haku?q=%E4") != canonical_url("https://x.fi/haku?q=%F6")
    assert canonical_url("https://x.fi/haku?q=a%26b") != canonical_url("https://x.fi/haku?q=a&b")


def test_escape_case_and_unreserved_escapes_are_one_spelling() -> None:
    assert canonical_url("https://x.fi/p%c3%a4") == canonical_url("https://x.fi/p%C3%A4")
    assert canonical_url("https://x.fi/%7Euser") == canonical_url("https://x.fi/~user")


def test_parameter_lists_are_data() -> None:
    from aggregator.normalize.urls import PARAMETERS, is_paging_parameter

    assert "fbclid" in PARAMETERS.drop_exact and "utm_" in PARAMETERS.drop_prefixes
    assert is_paging_parameter("paramPage") and is_paging_parameter("Pagination.Page")
    assert is_paging_parameter(
        "_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_fgIbPxH98NzD_cur"
    )
    assert not is_paging_parameter("q")


# One path segment as raw bytes (any byte), written percent-encoded or, for safe ASCII, as is.
_SEGMENT_BYTES = st.binary(min_size=1, max_size=6).filter(lambda b: b not in (b".", b".."))


def _spell(segment: bytes, escape_all: bool) -> str:
    from urllib.parse import quote_from_bytes

    return quote_from_bytes(segment, safe="" if escape_all else "-._~!$'()*+,=:@")


@given(
    st.lists(_SEGMENT_BYTES, min_size=1, max_size=4),
    st.lists(_SEGMENT_BYTES, min_size=1, max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_distinct_decoded_paths_never_share_a_canonical_url(
    first: list[bytes], second: list[bytes], escape_first: bool, escape_second: bool
) -> None:
    from urllib.parse import unquote_to_bytes, urlsplit

    def url(segments: list[bytes], escape_all: bool) -> str:
        return "https://x.fi/" + "/".join(_spell(s, escape_all) for s in segments)

    a, b = url(first, escape_first), url(second, escape_second)
    canonical_a, canonical_b = canonical_url(a), canonical_url(b)
    decoded_a = unquote_to_bytes(urlsplit(canonical_a).path)
    if first != second:
        assert canonical_a != canonical_b, (a, b)
    else:
        assert canonical_a == canonical_b, (a, b)
    # the canonical path still decodes to the bytes the link meant
    assert decoded_a == b"/" + b"/".join(unquote_to_bytes(_spell(s, True)) for s in first)
    assert canonical_url(canonical_a) == canonical_a


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40), st.text(max_size=20))
def test_canonical_url_is_idempotent_with_any_path_and_query(path: str, query: str) -> None:
    once = canonical_url(f"https://x.fi/{path}?{query}")
    assert canonical_url(once) == once
