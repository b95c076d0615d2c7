"""The ``_site.toml`` manifest of one recorded host, and the :class:`Route` it declares.

Format (docs/ARCHITECTURE.md, "mirror")::

    [site]
    last_modified = "2026-11-20T08:00:00Z"   # default Last-Modified for this host's files
    gzip = true                               # answer Accept-Encoding: gzip (default false)

    [[route]]
    path = "/uutiset?cur=2&delta=20"          # the query's order does not matter
    file = "uutiset/page-2.html"              # relative to the host folder
    # optional: content_type, status, headers = {...}, delay_seconds, body = "inline text",
    #           size_bytes (filler), since_seconds (active only that long after start)

The manifest is checked strictly when the server starts (unknown keys, wrong types, missing
files, paths escaping the host folder), because a typo in a recording should fail loudly
rather than turn into a puzzling 404 in some test. Tests can also build :class:`Route`
objects directly; those may use two extra fields for faults, ``drip_seconds`` and ``times``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from aggregator.errors import ConfigError

MANIFEST_NAME = "_site.toml"
SITE_KEYS = frozenset({"last_modified", "gzip"})
ROUTE_KEYS = frozenset(
    {
        "path",
        "file",
        "body",
        "content_type",
        "status",
        "headers",
        "delay_seconds",
        "size_bytes",
        "since_seconds",
    }
)

T = TypeVar("T")

RouteKey = tuple[str, tuple[tuple[str, str], ...]]


def route_key(path_and_query: str) -> RouteKey:
    """Path plus query as a comparable key: percent-decoded, query parameters sorted."""
    parts = urlsplit(path_and_query)
    query = tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return unquote(parts.path) or "/", query


@dataclass(frozen=True, slots=True)
class Route:
    """One recorded (or made-up) answer for a path and query on one host.

    The body is the ``file`` (relative to the host folder), the inline ``body``, or
    ``size_bytes`` of filler; none of them means an empty body (fine for redirects).
    ``drip_seconds`` pauses before each byte of the body (a slow-drip server) and ``times``
    makes the route answer only its first N requests; both are for tests, not manifests.
    """

    path: str
    file: str | None = None
    body: str | bytes | None = None
    content_type: str | None = None
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0
    size_bytes: int | None = None
    since_seconds: float = 0.0
    drip_seconds: float = 0.0
    times: int | None = None

    @property
    def key(self) -> RouteKey:
        return route_key(self.path)


@dataclass(frozen=True, slots=True)
class SiteManifest:
    """A host folder's settings and routes (an absent ``_site.toml`` means the defaults)."""

    host: str
    folder: Path
    last_modified: datetime | None = None
    gzip: bool = False
    routes: tuple[Route, ...] = ()


def load_manifest(folder: Path) -> SiteManifest:
    """Read and check ``folder/_site.toml``; raise :class:`ConfigError` saying what is wrong."""
    path = folder / MANIFEST_NAME
    host = folder.name.lower()
    if not path.is_file():
        return SiteManifest(host=host, folder=folder)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    _reject_unknown(data, {"site", "route"}, str(path))
    site = _table(data.get("site", {}), f"{path} [site]")
    _reject_unknown(site, SITE_KEYS, f"{path} [site]")
    routes = data.get("route", [])
    if not isinstance(routes, list):
        raise ConfigError(f"{path}: 'route' must be an array of tables ([[route]])")
    return SiteManifest(
        host=host,
        folder=folder,
        last_modified=_moment(site.get("last_modified"), f"{path} [site] last_modified"),
        gzip=_with_default(site, "gzip", bool, False, f"{path} [site]"),
        routes=tuple(_route(raw, folder, f"{path} route {n}") for n, raw in enumerate(routes, 1)),
    )


def check_route(route: Route, folder: Path, where: str) -> Route:
    """Raise :class:`ConfigError` if ``route`` cannot be served from ``folder``."""
    if not route.path.startswith("/"):
        raise ConfigError(f"{where}: path must start with '/', got {route.path!r}")
    given = [k for k in ("file", "body", "size_bytes") if getattr(route, k) is not None]
    if len(given) > 1:
        raise ConfigError(f"{where}: give only one of file, body, size_bytes (got {given})")
    if not 100 <= route.status <= 599:
        raise ConfigError(f"{where}: status {route.status} is not an HTTP status")
    if min(route.delay_seconds, route.since_seconds, route.drip_seconds, route.size_bytes or 0) < 0:
        raise ConfigError(f"{where}: delays, since_seconds and size_bytes cannot be negative")
    if route.file is not None:
        resolve_inside(folder, route.file, where)
    return route


def resolve_inside(folder: Path, relative: str, where: str) -> Path:
    """``folder/relative`` as an existing file that does not escape ``folder``."""
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ConfigError(f"{where}: file {relative!r} is outside {folder}")
    if not target.is_file():
        raise ConfigError(f"{where}: file {relative!r} does not exist in {folder}")
    return target


def _route(raw: object, folder: Path, where: str) -> Route:
    table = _table(raw, where)
    _reject_unknown(table, ROUTE_KEYS, where)
    path = table.get("path")
    if not isinstance(path, str):
        raise ConfigError(f"{where}: 'path' is required and must be a string")
    route = Route(
        path=path,
        file=_optional(table, "file", str, where),
        body=_optional(table, "body", str, where),
        content_type=_optional(table, "content_type", str, where),
        status=_with_default(table, "status", int, 200, where),
        headers=_headers(table.get("headers", {}), where),
        delay_seconds=_number(table, "delay_seconds", where),
        size_bytes=_optional(table, "size_bytes", int, where),
        since_seconds=_number(table, "since_seconds", where),
    )
    return check_route(route, folder, f"{where} ({path})")


def _headers(raw: object, where: str) -> dict[str, str]:
    table = _table(raw, f"{where} headers")
    bad = [k for k, v in table.items() if not isinstance(v, str | int | float)]
    if bad:
        raise ConfigError(f"{where}: header values must be strings or numbers: {bad}")
    return {str(k): str(v) for k, v in table.items()}


def _moment(raw: object, where: str) -> datetime | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: not an ISO 8601 date-time: {raw!r}") from exc
    else:
        raise ConfigError(f"{where}: must be a date-time string like 2026-11-20T08:00:00Z")
    if moment.tzinfo is None:
        raise ConfigError(f"{where}: give a time zone (e.g. a trailing Z), got {raw!r}")
    return moment.astimezone(UTC)


def _table(raw: object, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table")
    return raw


def _reject_unknown(
    table: Mapping[str, object], allowed: set[str] | frozenset[str], where: str
) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")


def _optional(table: Mapping[str, object], key: str, kind: type[T], where: str) -> T | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    raise ConfigError(f"{where}: {key!r} must be {kind.__name__}, got {value!r}")


def _with_default(
    table: Mapping[str, object], key: str, kind: type[T], default: T, where: str
) -> T:
    value = _optional(table, key, kind, where)
    return default if value is None else value


def _number(table: Mapping[str, object], key: str, where: str) -> float:
    value = table.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {key!r} must be a number of seconds, got {value!r}")
    return float(value)
