"""The mirror: a loopback HTTP server that replays recorded sites (tests and the demo).

It serves ``root/<host>/...`` and picks the host from the ``Host`` header, so the real fetcher
in mirror mode (``settings.mirror_url``) reads every site from one local port and nothing
reaches the internet. Each host folder may have a ``_site.toml`` (see :mod:`.manifest`); the
rules for what is answered are in :mod:`.replies`. Tests add fault routes (500s, slow or
dripping answers, redirect loops, huge or mis-encoded bodies) with ``extra_routes`` and read
what the server saw in :attr:`MirrorServer.requests`.

``since_seconds`` is measured with the injected clock, so a test can move a FixedClock to make
a list page gain an item; ``delay_seconds`` and ``drip_seconds`` are real time, because their
point is to make a real client wait.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from aggregator.clock import Clock, SystemClock
from aggregator.demo.mirror.manifest import Route, SiteManifest, check_route, load_manifest
from aggregator.demo.mirror.replies import Reply, SiteRoutes, not_found, plan_reply, server_error
from aggregator.errors import ConfigError

log = logging.getLogger(__name__)

NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True, slots=True)
class MirrorRequest:
    """One request the mirror answered, as tests want to check it."""

    method: str
    host: str
    path_and_query: str
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    headers: Mapping[str, str]
    at: datetime | None = None  # when it arrived, by the mirror's clock


def load_sites(
    root: Path, extra_routes: Mapping[str, Sequence[Route]] | None = None
) -> dict[str, SiteRoutes]:
    """Every host folder under ``root`` with its routes; :class:`ConfigError` if any is bad."""
    if not root.is_dir():
        raise ConfigError(f"mirror root {root} is not a folder")
    manifests = {
        folder.name.lower(): load_manifest(folder)
        for folder in sorted(root.iterdir())
        if folder.is_dir()
    }
    extra = {host.lower(): routes for host, routes in (extra_routes or {}).items()}
    for host in extra.keys() - manifests.keys():
        manifests[host] = SiteManifest(host=host, folder=root / host)
    return {
        host: _with_extra(manifest, extra.get(host, ())) for host, manifest in manifests.items()
    }


def _with_extra(manifest: SiteManifest, routes: Sequence[Route]) -> SiteRoutes:
    for n, route in enumerate(routes, 1):
        check_route(route, manifest.folder, f"extra route {n} for {manifest.host} ({route.path})")
    return SiteRoutes(manifest, routes)


class _MirrorState:
    """What the handler threads share: the sites, the clock and the request log."""

    def __init__(self, sites: dict[str, SiteRoutes], clock: Clock) -> None:
        self.sites = sites
        self.clock = clock
        self.started_at: datetime = clock.now()
        self._log: list[MirrorRequest] = []
        self._log_lock = threading.Lock()

    def reply_for(self, method: str, host: str, target: str, headers: Mapping[str, str]) -> Reply:
        site = self.sites.get(host)
        if site is None:
            reply = not_found(f"no recorded site for host {host!r}")
        else:
            reply = plan_reply(
                site, target, headers, started_at=self.started_at, now=self.clock.now()
            )
        self._record(
            MirrorRequest(
                method,
                host,
                target,
                reply.status,
                headers.get("if-none-match"),
                headers.get("if-modified-since"),
                headers,
                at=self.clock.now(),
            )
        )
        return reply

    def _record(self, request: MirrorRequest) -> None:
        with self._log_lock:
            self._log.append(request)

    def requests(self) -> list[MirrorRequest]:
        with self._log_lock:
            return list(self._log)

    def clear(self) -> None:
        with self._log_lock:
            self._log.clear()


class _MirrorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: _MirrorState) -> None:
        self.state = state
        super().__init__(address, _MirrorHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up (tests that refuse a body do) is normal; anything else is logged."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.debug("mirror: %s hung up: %s", client_address, error)
            return
        log.exception("mirror: failed to answer %s", client_address)


class _MirrorHTTPServer6(_MirrorHTTPServer):
    address_family = socket.AF_INET6


class _MirrorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "KotoutumisuutisetMirror/0.1"
    timeout = 30  # idle keep-alive connections end by themselves
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("mirror: " + format, *args)

    def _serve(self, *, send_body: bool) -> None:
        assert isinstance(self.server, _MirrorHTTPServer)
        headers = {name.lower(): value for name, value in self.headers.items()}
        host = _host_name(headers.get("host", ""))
        target = _origin_form(self.path)
        try:
            reply = self.server.state.reply_for(self.command, host, target, headers)
        except OSError as exc:  # a recorded file vanished or is unreadable
            log.exception("mirror: cannot answer %s%s", host, target)
            reply = server_error(f"mirror cannot read the recording for {host}{target}: {exc}")
        try:
            time.sleep(reply.delay_seconds)
            self._write(reply, send_body=send_body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: that is its right
            self.close_connection = True

    def _write(self, reply: Reply, *, send_body: bool) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        has_body = reply.status not in NO_BODY_STATUSES
        if any(name.lower() == "content-length" for name, _ in reply.headers):
            # a route that declares its own length may be lying (a fault test): never reuse
            self.close_connection = True
            self.send_header("Connection", "close")
        elif has_body:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if send_body and has_body:
            self._write_body(reply)

    def _write_body(self, reply: Reply) -> None:
        if not reply.drip_seconds:
            self.wfile.write(reply.body)
            return
        for index in range(len(reply.body)):
            time.sleep(reply.drip_seconds)
            self.wfile.write(reply.body[index : index + 1])
            self.wfile.flush()


def _host_name(host_header: str) -> str:
    """The Host header without its port (and without IPv6 brackets), lower-case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _origin_form(target: str) -> str:
    """``/path?query`` even if a client sent the absolute form ``http://host/path?query``."""
    if target.startswith("/"):
        return target
    parts = urlsplit(target)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class MirrorServer:
    """Replays ``root/<host>/...`` on a loopback port, in a background thread.

    Use as a context manager (or ``start()``/``stop()``); ``url`` is the origin to put in
    ``settings.mirror_url``. ``extra_routes`` maps a host to routes added after (so winning
    over) the ones in its ``_site.toml``; the host needs no folder.
    """

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        extra_routes: Mapping[str, list[Route]] | None = None,
    ) -> None:
        self.root = Path(root)
        self._address = (host, port)
        self._clock = clock or SystemClock()
        self._extra_routes = extra_routes
        self._httpd: _MirrorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._state: _MirrorState | None = None

    def start(self) -> MirrorServer:
        """Check every manifest, bind the port and serve; :class:`ConfigError` if a site is bad."""
        if self._httpd is not None:
            return self
        self._state = _MirrorState(load_sites(self.root, self._extra_routes), self._clock)
        server_class = _MirrorHTTPServer6 if ":" in self._address[0] else _MirrorHTTPServer
        self._httpd = server_class(self._address, self._state)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="mirror",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def wait(self) -> None:
        """Block until the server stops (or Ctrl-C)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    @property
    def url(self) -> str:
        port = self._running().server_port
        host = self._address[0]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def requests(self) -> list[MirrorRequest]:
        """A snapshot of the requests answered so far, oldest first (also after ``stop()``)."""
        return self._state.requests() if self._state is not None else []

    def clear_requests(self) -> None:
        if self._state is not None:
            self._state.clear()

    def _running(self) -> _MirrorHTTPServer:
        if self._httpd is None:
            raise RuntimeError("the mirror server is not running; call start() first")
        return self._httpd

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
