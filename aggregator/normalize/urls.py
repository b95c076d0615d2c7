"""Canonical URLs: one spelling per page, so the same story is recognised wherever it is linked.

The sources link the same article with tracking parameters (``utm_*``), Liferay navigation state
(``redirect``, ``p_p_*``, ``inheritRedirect``), session ids (``;jsessionid=``) and fragments.
:func:`canonical_url` drops those and keeps every parameter that identifies content (e.g.
``Pagination.Page`` or a Liferay ``_cur`` page number), sorted, so equal pages compare equal.
Which parameters are noise is data, in ``url_parameters.toml`` beside this module.

It never merges two different addresses: percent-escapes are compared as bytes, never decoded
as text (``%E4`` and ``%F6`` are Latin-1 bytes and stay distinct rather than both becoming
U+FFFD), and ``%2F`` stays ``%2F`` (a slash inside a segment is not a path separator).
w3lib's ``canonicalize_url`` (Scrapy's) does the escaping, the host (IDNA, case) and the query
order; this module adds the noise parameters, default ports, ``;jsessionid`` and the trailing
slash, the one equivalence these CMSs really have (``/-/slug/`` is ``/-/slug``).

:func:`liferay_slug` extracts the friendly-URL slug of a Liferay article (``/-/<slug>`` or
``/-/<group-id>/<slug>``): valtioneuvosto.fi republishes tem.fi releases under the same slug.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from aggregator.normalize.text import without_surrogates

URL_CACHE_SIZE = 1 << 15  # distinct URLs remembered (canonical_url, url_key)

PARAMETERS_FILE = Path(__file__).with_name("url_parameters.toml")


@dataclass(frozen=True, slots=True)
class UrlParameters:
    """The parameter lists of ``url_parameters.toml`` (all lower-case)."""

    drop_exact: frozenset[str]
    drop_prefixes: tuple[str, ...]
    namespaced_navigation_suffixes: tuple[str, ...]
    portlet_state: frozenset[str]
    liferay_paging_suffixes: tuple[str, ...]
    paging_names: frozenset[str]


def load_parameters(path: Path = PARAMETERS_FILE) -> UrlParameters:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    tracking, liferay = data["tracking"], data["liferay"]

    def lowered(values: list[str]) -> tuple[str, ...]:
        return tuple(v.lower() for v in values)

    return UrlParameters(
        drop_exact=frozenset(lowered(tracking["exact"] + liferay["navigation"])),
        drop_prefixes=lowered(tracking["prefixes"]),
        namespaced_navigation_suffixes=lowered(liferay["namespaced_navigation_suffixes"]),
        portlet_state=frozenset(lowered(liferay["portlet_state"])),
        liferay_paging_suffixes=lowered(liferay["paging_suffixes"]),
        paging_names=frozenset(lowered(data["paging"]["names"])),
    )


PARAMETERS = load_parameters()
_SESSION_IN_PATH = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)
# A URL with nothing to canonicalise: http(s), a lower-case ASCII host without a port, a path
# of unreserved characters in non-empty segments (none a dot segment), at most a trailing
# slash, no query or fragment. Its canonical spelling is itself without that slash; most feed
# links look like this, and w3lib's canonicalisation was half of normalising an item.
_PLAIN_URL = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:/[\w~-][\w.~-]*)+/?", re.ASCII)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_paging_parameter(name: str) -> bool:
    """Whether ``name`` pages a list (``paramPage``, ``page``, ``..._INSTANCE_x_cur``)."""
    lowered = name.lower()
    if lowered in PARAMETERS.paging_names:
        return True
    return "_instance_" in lowered and lowered.endswith(PARAMETERS.liferay_paging_suffixes)


def _keep_param(name: str) -> bool:
    lowered = name.lower()
    if lowered in PARAMETERS.drop_exact or lowered.startswith(PARAMETERS.drop_prefixes):
        return False
    return not (
        lowered.startswith("_") and lowered.endswith(PARAMETERS.namespaced_navigation_suffixes)
    )


def _clean_query(query: str) -> str:
    """The query without noise parameters; values are left exactly as written (w3lib then
    normalises their escaping), so no byte is ever decoded as text here."""
    pairs = [(p, unquote_plus(p.partition("=")[0])) for p in query.split("&") if p]
    kept = [(raw, name) for raw, name in pairs if _keep_param(name)]
    if not any(name.startswith("_") and "_INSTANCE_" in name for _, name in kept):
        kept = [(raw, name) for raw, name in kept if name.lower() not in PARAMETERS.portlet_state]
    return "&".join(raw for raw, _ in kept)


def _netloc(scheme: str, host: str, port: int | None) -> str:
    if port is None or _DEFAULT_PORTS.get(scheme) == port:
        return host
    return f"{host}:{port}"


@lru_cache(maxsize=URL_CACHE_SIZE)
def canonical_url(url: str) -> str:
    """The canonical spelling of ``url``; a URL that cannot be parsed is returned stripped.

    Cached: a crawl asks for the same URL's spelling several times (its key, its story keys,
    the item's canonical address), and a large feed holds thousands of them."""
    if _PLAIN_URL.fullmatch(url):
        return url.removesuffix("/")
    return _canonicalised(url)


def _canonicalised(url: str) -> str:
    """:func:`canonical_url` of any URL: w3lib's canonical spelling plus this module's rules."""
    url = without_surrogates(url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("http", "https") or not host:
        return url
    if ":" in host:  # an IPv6 literal goes back in brackets
        host = f"[{host}]"
    path = _SESSION_IN_PATH.sub("", parts.path) or "/"
    cleaned = urlunsplit((scheme, _netloc(scheme, host, port), path, _clean_query(parts.query), ""))
    try:
        canonical = canonicalize_url(cleaned)
    except (ValueError, UnicodeError):  # a host IDNA refuses: keep our own spelling
        canonical = cleaned
    return _without_trailing_slash(canonical)


def _without_trailing_slash(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return urlunsplit(parts._replace(path=path))


@lru_cache(maxsize=URL_CACHE_SIZE)
def url_key(url: str) -> str:
    """Identity of a page regardless of scheme and a leading ``www.``: ``host/path?query``."""
    canonical = canonical_url(url)
    try:
        parts = urlsplit(canonical)
    except ValueError:  # not a URL at all ("http://[::1"): it is its own key
        return canonical
    host = parts.netloc.removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path}{query}"


# The real valtioneuvosto.fi feed also writes ``/-//1410869/<slug>`` (an empty segment).
_LIFERAY_ARTICLE = re.compile(r"/-/+(?:\d+/+)?(?P<slug>[^/?#]+)/?$")


def liferay_slug(url: str) -> str | None:
    """The slug of a Liferay friendly article URL (``.../-/<slug>``), or None."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = _LIFERAY_ARTICLE.search(unquote(path))
    return match.group("slug").lower() if match else None


def path_language(url: str) -> str | None:
    """The language prefix of a path (``/en/...``, ``/sv/...``), if any."""
    try:
        first = urlsplit(url).path.strip("/").split("/", 1)[0]
    except ValueError:
        return None
    return first if first in ("fi", "sv", "en") else None
