"""What the mirror answers to one request: route choice, body, validators, 304s and gzip.

No sockets here, so the rules are easy to read in one place:

- a declared route for the path and query wins (query order does not matter); among routes
  for the same path that are active (``since_seconds`` passed, ``times`` not used up) the last
  declared wins;
- otherwise a request without a query serves the first existing file of ``a/b``,
  ``a/b.html``, ``a/b/index.html``; anything else is 404;
- every 200 has a strong ``ETag`` (hash of the body; ``-gzip`` appended for the gzip
  representation) and a ``Last-Modified``, and ``If-None-Match`` (checked first, as RFC 9110
  says) or ``If-Modified-Since`` turn it into a 304;
- a route that becomes active later is at least as new as its activation, so a client that
  only sends ``If-Modified-Since`` still sees the list page gain its new item.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from aggregator.demo.mirror.manifest import MANIFEST_NAME, Route, SiteManifest, route_key

HTML = "text/html; charset=utf-8"
CONTENT_TYPES = {
    ".html": HTML,
    ".htm": HTML,
    ".xml": "application/rss+xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer ready to be written: status, headers, body and how slowly to send it."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    delay_seconds: float = 0.0
    drip_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class _Content:
    """A route's or file's answer before validators, 304 and gzip are applied."""

    status: int
    body: bytes
    content_type: str
    last_modified: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    drip_seconds: float = 0.0


class SiteRoutes:
    """One host's manifest plus programmatic routes, and how often each route has answered."""

    def __init__(self, manifest: SiteManifest, extra: Sequence[Route] = ()) -> None:
        self.manifest = manifest
        self.routes = (*manifest.routes, *extra)
        self._keys = [route.key for route in self.routes]
        self._hits = [0] * len(self.routes)
        self._lock = threading.Lock()

    def pick(self, path_and_query: str, elapsed: float) -> Route | None:
        """The last-declared active route for this path and query, counting the hit."""
        key = route_key(path_and_query)
        with self._lock:
            for index in reversed(range(len(self.routes))):
                route = self.routes[index]
                if self._keys[index] != key or route.since_seconds > elapsed:
                    continue
                if route.times is not None and self._hits[index] >= route.times:
                    continue
                self._hits[index] += 1
                return route
        return None


def plan_reply(
    site: SiteRoutes,
    path_and_query: str,
    request_headers: Mapping[str, str],
    *,
    started_at: datetime,
    now: datetime,
) -> Reply:
    """The answer to a GET (or HEAD) of ``path_and_query`` on ``site``."""
    route = site.pick(path_and_query, (now - started_at).total_seconds())
    if route is not None:
        content = route_content(site.manifest, route, started_at)
    else:
        found = fallback_file(site.manifest.folder, path_and_query)
        if found is None:
            return not_found(f"{site.manifest.host}{path_and_query} is not in the recording")
        content = file_content(site.manifest, found, started_at)
    return finish(content, site.manifest, request_headers)


def not_found(message: str) -> Reply:
    return _plain(404, message)


def server_error(message: str) -> Reply:
    return _plain(500, message)


def _plain(status: int, message: str) -> Reply:
    return Reply(status, (("Content-Type", "text/plain; charset=utf-8"),), message.encode() + b"\n")


def route_content(manifest: SiteManifest, route: Route, started_at: datetime) -> _Content:
    file = manifest.folder / route.file if route.file is not None else None
    last_modified = _last_modified(manifest, file, started_at)
    if route.since_seconds:
        last_modified = max(last_modified, started_at + timedelta(seconds=route.since_seconds))
    return _Content(
        status=route.status,
        body=_route_body(route, file),
        content_type=route.content_type
        or content_type_for(route.file or urlsplit(route.path).path),
        last_modified=last_modified,
        headers=route.headers,
        delay_seconds=route.delay_seconds,
        drip_seconds=route.drip_seconds,
    )


def file_content(manifest: SiteManifest, file: Path, started_at: datetime) -> _Content:
    return _Content(
        status=200,
        body=file.read_bytes(),
        content_type=content_type_for(file.name),
        last_modified=_last_modified(manifest, file, started_at),
    )


def fallback_file(folder: Path, path_and_query: str) -> Path | None:
    """The recorded file for a query-less path: ``a/b``, ``a/b.html``, ``a/b/index.html``."""
    parts = urlsplit(path_and_query)
    if parts.query:
        return None
    relative = unquote(parts.path).lstrip("/")
    if not relative or relative.endswith("/"):
        candidates = [relative + "index.html"]
    else:
        candidates = [relative, relative + ".html", relative + "/index.html"]
    base = folder.resolve()
    for candidate in candidates:
        target = (folder / candidate).resolve()
        if target.is_relative_to(base) and target.is_file() and target.name != MANIFEST_NAME:
            return target
    return None


def content_type_for(name: str) -> str:
    """Content type from a file name's extension; extensionless recordings are web pages."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    if not suffix:
        return HTML
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def finish(content: _Content, manifest: SiteManifest, request_headers: Mapping[str, str]) -> Reply:
    """Add validators, answer 304 when the client's copy is current, gzip when asked."""
    headers: dict[str, str] = {"Content-Type": content.content_type}
    if manifest.gzip:
        headers["Vary"] = "Accept-Encoding"
    body = content.body
    if content.status == 200:
        compress = (
            manifest.gzip
            and _accepts_gzip(request_headers)
            and not _has(content, "content-encoding")
        )
        etag = strong_etag(body, gzip=compress)
        headers["ETag"] = etag
        headers["Last-Modified"] = http_date(content.last_modified)
        if is_not_modified(request_headers, etag, content.last_modified):
            del headers["Content-Type"]
            return _reply(content, 304, _merge(headers, content.headers), b"")
        if compress:
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
    return _reply(content, content.status, _merge(headers, content.headers), body)


def strong_etag(body: bytes, *, gzip: bool = False) -> str:
    digest = hashlib.sha256(body).hexdigest()[:32]
    return f'"{digest}-gzip"' if gzip else f'"{digest}"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def is_not_modified(headers: Mapping[str, str], etag: str, last_modified: datetime) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = _parse_http_date(headers.get("if-modified-since"))
    return since is not None and last_modified.replace(microsecond=0) <= since


def _reply(content: _Content, status: int, headers: Mapping[str, str], body: bytes) -> Reply:
    return Reply(
        status=status,
        headers=tuple(headers.items()),
        body=body,
        delay_seconds=content.delay_seconds,
        drip_seconds=content.drip_seconds,
    )


def _merge(defaults: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Route headers replace the defaults, whatever their case."""
    replaced = {name.lower() for name in overrides}
    merged = {k: v for k, v in defaults.items() if k.lower() not in replaced}
    return {**merged, **overrides}


def _has(content: _Content, header: str) -> bool:
    return any(name.lower() == header for name in content.headers)


def _route_body(route: Route, file: Path | None) -> bytes:
    if file is not None:
        return file.read_bytes()
    if isinstance(route.body, str):
        return route.body.encode("utf-8")
    if route.body is not None:
        return route.body
    return b"x" * route.size_bytes if route.size_bytes else b""


def _last_modified(manifest: SiteManifest, file: Path | None, started_at: datetime) -> datetime:
    if manifest.last_modified is not None:
        return manifest.last_modified
    if file is not None:
        return datetime.fromtimestamp(file.stat().st_mtime, UTC)
    return started_at


def _accepts_gzip(headers: Mapping[str, str]) -> bool:
    for part in headers.get("accept-encoding", "").split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _parse_http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
