"""Every malformed redirect ``Location`` a site may send is a :class:`FetchError` naming the URL
that answered, never an httpx or idna exception escaping the fetcher (issue 17, defect 1)."""

from __future__ import annotations

import pytest

from aggregator.demo.mirror import Route
from aggregator.errors import FetchError

from .conftest import FetcherFactory, MirrorFactory

BAD_LOCATIONS = [
    "http:elsewhere.example/x",
    "https:foo/bar",
    "mailto:x@y",
    "data:,x",
    "http://xn--zz.example/",
    "http://[::1",
    "http://exa mple.org/",
    "http://example.org:99999/",
    "http://\u00e9\u0301.example/",
    "//",
    "http://",
]


@pytest.mark.parametrize("location", BAD_LOCATIONS)
def test_a_malformed_location_is_a_fetch_error_with_the_url(
    mirror: MirrorFactory, fetcher: FetcherFactory, location: str
) -> None:
    server = mirror(Route("/badredir", status=302, headers={"Location": location}))

    with pytest.raises(FetchError) as caught:
        fetcher(server, obey_robots=False).get("https://example.org/badredir")

    assert caught.value.url == "https://example.org/badredir"
    assert "https://example.org/badredir" in str(caught.value)
