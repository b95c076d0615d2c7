"""Mirror mode: send requests for real-world URLs to the loopback mirror instead.

With ``settings.mirror_url = "http://127.0.0.1:8765"``, a request for
``https://kotoutuminen.fi/uutiset?x=1`` goes to ``http://127.0.0.1:8765/uutiset?x=1`` with
``Host: kotoutuminen.fi`` and ``X-Forwarded-Proto: https``; the caller keeps using the
real-world URL everywhere else (robots cache keys, politeness, redirects, the ``Page``). Only
this module knows the wire address. ``mirror_hosts`` limits the mapping to some hosts; empty
means every host.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

_MAPPED_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True, slots=True)
class WireRequest:
    """Where a request really goes, and the headers that say which site it is for."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)


class MirrorMap:
    """Maps real-world URLs to the mirror (or leaves them alone when mirror mode is off)."""

    def __init__(self, mirror_url: str | None, hosts: Iterable[str] = ()) -> None:
        self.origin = mirror_url.rstrip("/") if mirror_url else None
        self._hosts = frozenset(h.strip().lower() for h in hosts if h.strip())

    def maps(self, url: str) -> bool:
        if self.origin is None:
            return False
        parsed = httpx.URL(url)
        if parsed.scheme not in _MAPPED_SCHEMES or not parsed.host:
            return False
        return not self._hosts or parsed.host.lower() in self._hosts

    def wire(self, url: str) -> WireRequest:
        """The request actually sent for ``url``."""
        if not self.maps(url):
            return WireRequest(url)
        assert self.origin is not None
        parsed = httpx.URL(url)
        headers = {
            "Host": parsed.netloc.decode("ascii"),
            "X-Forwarded-Proto": parsed.scheme,
        }
        return WireRequest(self.origin + parsed.raw_path.decode("ascii"), headers)
