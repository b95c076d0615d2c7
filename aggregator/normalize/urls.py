"""Canonical URLs: one spelling per page, so the same story is recognised wherever it is linked.

The sources link the same article with tracking parameters (``utm_*``), Liferay navigation state
(``redirect``, ``p_p_*``, ``inheritRedirect``), session ids (``;jsessionid=``) and fragments.
:func:`canonical_url` drops those and keeps every parameter that identifies content (e.g.
``Pagination.Page`` or a Liferay ``_cur`` page number), sorted, so equal pages compare equal.

:func:`liferay_slug` extracts the friendly-URL slug of a Liferay article (``/-/<slug>`` or
``/-/<group-id>/<slug>``): valtioneuvosto.fi republishes tem.fi releases under the same slug.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from aggregator.normalize.text import without_surrogates

# Parameters that never identify content: analytics, click ids, sessions, navigation state.
_DROP_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "_ga",
        "_gl",
        "ref_src",
        "jsessionid",
        "phpsessid",
        "sid",
        "redirect",
        "inheritredirect",
        "p_auth",
        "p_p_auth",
        "p_l_back_url",
        "p_r_p_categoryid",
    }
)
_DROP_PREFIXES = ("utm_", "pk_", "mtm_", "matomo_")
# Liferay namespaces every portlet parameter: _com_liferay_..._INSTANCE_x_redirect etc.
_LIFERAY_NAV_SUFFIXES = ("_redirect", "_backurl")
# Liferay's portlet-state parameters; they only matter together with a namespaced page number.
_LIFERAY_STATE = frozenset({"p_p_id", "p_p_lifecycle", "p_p_state", "p_p_mode", "p_p_col_id"})
_SESSION_IN_PATH = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that need no escaping in a path; everything else is percent-encoded uniformly.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _keep_param(name: str) -> bool:
    lowered = name.lower()
    if lowered in _DROP_EXACT or lowered.startswith(_DROP_PREFIXES):
        return False
    return not (lowered.startswith("_") and lowered.endswith(_LIFERAY_NAV_SUFFIXES))


def _clean_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if _keep_param(k)]
    has_liferay_content = any(k.startswith("_") and "_INSTANCE_" in k for k, _ in pairs)
    if not has_liferay_content:
        pairs = [(k, v) for k, v in pairs if k.lower() not in _LIFERAY_STATE]
    return urlencode(sorted(pairs), quote_via=quote)


def _clean_path(path: str) -> str:
    path = _SESSION_IN_PATH.sub("", path) or "/"
    path = quote(unquote(path), safe=_PATH_SAFE)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def _netloc(scheme: str, host: str, port: int | None) -> str:
    if port is None or _DEFAULT_PORTS.get(scheme) == port:
        return host
    return f"{host}:{port}"


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url``; a URL that cannot be parsed is returned stripped."""
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
    return urlunsplit(
        (
            scheme,
            _netloc(scheme, host, port),
            _clean_path(parts.path),
            _clean_query(parts.query),
            "",
        )
    )


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
