"""robots.txt: fetched once per origin, cached in memory, read with protego (RFC 9309).

The RFC's rules for a robots.txt that cannot be read: a 4xx answer ("unavailable") allows
everything; a 5xx answer or no answer at all ("unreachable") disallows everything. We treat 429
like 5xx (the host is asking us to slow down, not saying it has no rules). A good answer is
kept for an hour; an unreachable one only for a few minutes, so one crawl pass skips the host
and the next pass asks again. Only the first 512 KB are parsed, as the RFC allows.

The cache does not do HTTP itself: the fetcher passes a function that gets a robots.txt URL
through the same mirror mapping, SSRF guard and politeness as every other request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from protego import Protego

from aggregator.clock import Clock
from aggregator.errors import RobotsDisallowed

ROBOTS_TTL = timedelta(hours=1)
UNREACHABLE_TTL = timedelta(minutes=5)
ROBOTS_MAX_BYTES = 512_000


@dataclass(frozen=True, slots=True)
class RobotsAnswer:
    """What fetching ``/robots.txt`` gave: a status and body, or ``status=None`` and why not."""

    status: int | None
    body: bytes = b""
    problem: str = ""


RobotsFetch = Callable[[str], RobotsAnswer]


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """The rules in force for one origin, and where they came from (shown to admins)."""

    parser: Protego | None
    allow_all: bool
    origin_note: str
    fetched_at: datetime

    def allows(self, url: str, agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(url, agent)

    def crawl_delay(self, agent: str) -> float | None:
        return None if self.parser is None else self.parser.crawl_delay(agent)

    @property
    def unreachable(self) -> bool:
        return self.parser is None and not self.allow_all


def rules_from_answer(answer: RobotsAnswer, fetched_at: datetime) -> RobotsRules:
    """Turn a robots.txt answer into rules, following RFC 9309 section 2.3.1."""
    status = answer.status
    if status is not None and 200 <= status < 300:
        text = answer.body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
        return RobotsRules(Protego.parse(text), True, "robots.txt", fetched_at)
    if status is not None and 400 <= status < 500 and status != 429:
        note = f"robots.txt answered HTTP {status}, so everything is allowed"
        return RobotsRules(None, True, note, fetched_at)
    why = f"HTTP {status}" if status is not None else answer.problem or "no answer"
    note = f"robots.txt is unreachable ({why}), so the host is skipped until it answers"
    return RobotsRules(None, False, note, fetched_at)


def robots_url(url: str) -> str:
    """The robots.txt URL that governs ``url``."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(path="/robots.txt", query=None, fragment=None))


class RobotsCache:
    """Answers "may this agent fetch this URL?", fetching each origin's robots.txt once per TTL."""

    def __init__(
        self,
        fetch: RobotsFetch,
        *,
        agent: str,
        clock: Clock,
        ttl: timedelta = ROBOTS_TTL,
        unreachable_ttl: timedelta = UNREACHABLE_TTL,
    ) -> None:
        self._fetch = fetch
        self._agent = agent
        self._clock = clock
        self._ttl = ttl
        self._unreachable_ttl = unreachable_ttl
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._rules: dict[str, RobotsRules] = {}

    def check(self, url: str) -> None:
        """Raise :class:`RobotsDisallowed` unless the rules for ``url``'s origin allow it."""
        rules = self.rules_for(url)
        if rules.allows(url, self._agent):
            return
        if rules.unreachable:
            raise RobotsDisallowed(url, rules.origin_note)
        raise RobotsDisallowed(url, f"{rules.origin_note} disallows this URL for {self._agent}")

    def crawl_delay(self, url: str) -> float | None:
        """The ``Crawl-delay`` robots.txt asks of us for ``url``'s origin, if any."""
        return self.rules_for(url).crawl_delay(self._agent)

    def rules_for(self, url: str) -> RobotsRules:
        origin_robots = robots_url(url)
        with self._lock_for(origin_robots):
            rules = self._rules.get(origin_robots)
            if rules is None or self._expired(rules):
                rules = rules_from_answer(self._fetch(origin_robots), self._clock.now())
                self._rules[origin_robots] = rules
            return rules

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _expired(self, rules: RobotsRules) -> bool:
        ttl = self._unreachable_ttl if rules.unreachable else self._ttl
        return self._clock.now() - rules.fetched_at >= ttl
