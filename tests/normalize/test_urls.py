"""Canonical URLs: tracking, session and navigation noise removed; content parameters kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregator.normalize.urls import canonical_url, liferay_slug, path_language, url_key


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
