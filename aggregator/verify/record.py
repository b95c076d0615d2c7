"""Recording what the sites answered, in the layout the mirror replays.

Every response a verification run gets (status, headers, body) is kept as an
:class:`Exchange`; :func:`write_recording` writes them under ``DIR/<host>/`` with one
``_site.toml`` per host (see :mod:`aggregator.demo.mirror.manifest`), so
``aggregator sources verify --live --record tests/fixtures/sites`` replaces the hand-written
copies with what the real sites serve, and the mirror, the golden files and the demo read them
from then on. A host folder that is recorded is replaced whole; other hosts stay.

Layout: the page at ``/a/b`` is ``a/b/index.html`` (the extension follows the content type), one
with a query ``/a/b?x=1`` is ``a/b/index-<hash of the query>.html``; every answer also gets a
``[[route]]`` with its exact path and query, content type, status and headers. A redirect the
fetcher followed becomes a ``302`` route to the final address, whose answer is recorded too; an
HTTP error is a route with its status and no body.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from aggregator.demo.mirror.manifest import MANIFEST_NAME
from aggregator.errors import FetchError
from aggregator.types import Page

# Headers the mirror makes itself or that describe the transfer, not the content.
_NOT_RECORDED = frozenset(
    {
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "date",
        "etag",
        "last-modified",
        "set-cookie",
        "content-type",
        "server",
        "age",
        "via",
        "alt-svc",
        "strict-transport-security",
    }
)
_EXTENSIONS = (
    ("html", ".html"),
    ("json", ".json"),
    ("xml", ".xml"),
    ("rss", ".xml"),
    ("atom", ".xml"),
    ("text/plain", ".txt"),
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._~%-]")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and what answered it (``final_url`` after redirects)."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    fetched_at: datetime | None = None

    @classmethod
    def of_page(cls, page: Page) -> Exchange:
        return cls(page.url, page.final_url or page.url, page.status, page.headers, page.body,
                   page.fetched_at)  # fmt: skip


class Recorder:
    """Wraps a ``get(url) -> Page`` and keeps every answer, including the failures."""

    def __init__(self, get: Callable[[str], Page]) -> None:
        self._get = get
        self.exchanges: list[Exchange] = []

    def get(self, url: str) -> Page:
        try:
            page = self._get(url)
        except FetchError as error:
            self.exchanges.append(Exchange(url, url, error.status or 0))
            raise
        self.exchanges.append(Exchange.of_page(page))
        return page

    def first(self, url: str) -> Exchange | None:
        """The answer to the first request for ``url``, if it was made."""
        return next((e for e in self.exchanges if e.url == url), None)


def write_recording(exchanges: Iterable[Exchange], root: Path, *, note: str) -> list[str]:
    """Write ``exchanges`` under ``root`` in the mirror's layout; returns the hosts written."""
    by_host: dict[str, dict[str, Exchange]] = {}
    for exchange in exchanges:
        if exchange.status == 0:  # no answer at all (timeout, refused): nothing to replay
            continue
        if exchange.final_url != exchange.url:
            redirect = Exchange(exchange.url, exchange.url, 302, {"location": exchange.final_url})
            _add(by_host, redirect)
            exchange = Exchange(exchange.final_url, exchange.final_url, exchange.status,
                                exchange.headers, exchange.body, exchange.fetched_at)  # fmt: skip
        _add(by_host, exchange)
    for host, answers in sorted(by_host.items()):
        folder = root / host
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        routes = [_write_answer(folder, answer) for answer in answers.values()]
        (folder / MANIFEST_NAME).write_text(_manifest(host, answers, routes, note), "utf-8")
    return sorted(by_host)


def _add(by_host: dict[str, dict[str, Exchange]], exchange: Exchange) -> None:
    host = (urlsplit(exchange.url).hostname or "").lower()
    if host:
        by_host.setdefault(host, {}).setdefault(_path_and_query(exchange.url), exchange)


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _write_answer(folder: Path, exchange: Exchange) -> dict[str, object]:
    route: dict[str, object] = {"path": _path_and_query(exchange.url)}
    if exchange.status != 200:
        route["status"] = exchange.status
    if exchange.body:
        relative = file_for(exchange.url, exchange.headers.get("content-type", ""))
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(exchange.body)
        route["file"] = relative
    if exchange.headers.get("content-type"):
        route["content_type"] = exchange.headers["content-type"]
    headers = {
        name.title(): value
        for name, value in sorted(exchange.headers.items())
        if name.lower() not in _NOT_RECORDED
    }
    if headers:
        route["headers"] = headers
    return route


def file_for(url: str, content_type: str) -> str:
    """Where the body of ``url`` goes inside its host folder."""
    parts = urlsplit(url)
    if parts.path == "/robots.txt" and not parts.query:
        return "robots.txt"
    segments = [_safe(s) for s in parts.path.split("/") if s]
    stem = "index"
    if parts.query:
        stem += "-" + hashlib.sha256(parts.query.encode()).hexdigest()[:10]
    return "/".join([*segments, stem + _extension(content_type)])


def _safe(segment: str) -> str:
    cleaned = _UNSAFE.sub("_", segment)
    return f"_{cleaned}" if cleaned in (".", "..") or cleaned.startswith("_") else cleaned


def _extension(content_type: str) -> str:
    lowered = content_type.lower()
    return next((ext for key, ext in _EXTENSIONS if key in lowered), ".bin")


def _manifest(
    host: str, answers: Mapping[str, Exchange], routes: list[dict[str, object]], note: str
) -> str:
    moments = [a.fetched_at for a in answers.values() if a.fetched_at is not None]
    lines = [f"# {host}: {note}", "", "[site]"]
    if moments:
        lines.append(f"last_modified = {_toml(max(moments).strftime('%Y-%m-%dT%H:%M:%SZ'))}")
    for route in routes:
        lines += ["", "[[route]]"]
        lines += [f"{key} = {_toml(value)}" for key, value in route.items()]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    """A TOML value: JSON string escapes are valid TOML basic strings."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)
