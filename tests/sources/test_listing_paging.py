"""The list reader's last two ways to the next page: a ``<link rel="next">`` in the head, and
stepping the page parameter the list's pager uses when no link says "next" or numbers it."""

from __future__ import annotations

from bs4 import BeautifulSoup

from aggregator.sources.listing.paging import find_next

LIFERAY = "com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_x1_cur"


def _next(html: str, page_url: str) -> tuple[str, str] | None:
    soup = BeautifulSoup(html, "lxml")
    found = find_next(soup, page_url, page_url, set())
    return None if found is None else (found.url, found.how)


def test_a_head_link_rel_next_names_the_next_page() -> None:
    html = (
        '<html><head><link rel="next" href="/uutiset?page=2"></head>'
        "<body><ul><li><a href='/a/1'>Juttu</a></li></ul></body></html>"
    )
    assert _next(html, "https://example.fi/uutiset") == ("https://example.fi/uutiset?page=2", "rel")


def test_the_page_parameter_is_stepped_when_only_first_and_last_pages_are_linked() -> None:
    """A pager of "first" and "last" icons only: the reader steps the listing portlet's
    ``paramPage`` from this page's number, keeping the other query parameters."""
    page = "https://tem.fi/ajankohtaista?paramYear=2025&paramPage=3"
    html = (
        "<body><ul><li><a href='/-/juttu'>Juttu</a></li></ul>"
        '<div class="pager"><a href="?paramYear=2025&amp;paramPage=1"><img alt=""></a>'
        '<a href="?paramYear=2025&amp;paramPage=9"><img alt=""></a></div></body>'
    )
    assert _next(html, page) == (
        "https://tem.fi/ajankohtaista?paramYear=2025&paramPage=4",
        "step",
    )


def test_a_liferay_cur_parameter_is_stepped_from_page_one() -> None:
    page = "https://kotoutuminen.fi/uutiset"
    html = (
        "<body><ul><li><a href='/-/juttu'>Juttu</a></li></ul>"
        f'<div class="pager"><a href="/uutiset?{LIFERAY}=11"><img alt=""></a></div></body>'
    )
    assert _next(html, page) == (f"https://kotoutuminen.fi/uutiset?{LIFERAY}=2", "step")


def test_no_pager_means_no_next_page() -> None:
    html = "<body><ul><li><a href='/a/1'>Juttu</a></li><li><a href='/a/2'>Toinen</a></li></ul>"
    assert _next(html, "https://example.fi/uutiset") is None
