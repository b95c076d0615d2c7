"""The fetcher: one polite, bounded HTTP GET that returns a :class:`~aggregator.types.Page`.

``Fetcher.get`` follows redirects itself, so that every hop is checked against the SSRF guard
and robots.txt and mapped to the mirror; each hop is retried on its own (see :mod:`.retry`),
and each attempt takes its turn with the host's politeness delay (see :mod:`.politeness`).

Conditional GET is the caller's business: the pipeline passes the :class:`Validators` it
stored, gets ``Page(status=304, body=b"")`` when nothing changed, and stores the new validators
only after the page's items are stored, so a crash in between never hides unstored items
behind a 304. The fetcher therefore keeps no validators of its own.
"""

from __future__ import annotations

import http
import random
from dataclasses import dataclass
from types import TracebackType

import httpx

from aggregator import __version__
from aggregator.clock import Clock, SystemClock
from aggregator.errors import (
    AggregatorError,
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    TooManyRedirects,
)
from aggregator.fetch.body import ACCEPT_ENCODING, Deadline, DeadlinePassed, read_body
from aggregator.fetch.guard import AddressGuard, RefusedHost, Resolver, system_resolver
from aggregator.fetch.mirror_map import MirrorMap
from aggregator.fetch.pinned import NetworkRoute, direct, pinned_transport
from aggregator.fetch.politeness import HostPacer
from aggregator.fetch.retry import (
    RETRY_AFTER_STATUSES,
    backoff_delay,
    is_retryable_status,
    retry_after_seconds,
)
from aggregator.fetch.robots import ROBOTS_MAX_BYTES, RobotsAnswer, RobotsCache
from aggregator.settings import Settings
from aggregator.types import Page

BOT_NAME = "KotoutumisuutisetBot"
DEFAULT_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,application/json;q=0.9,*/*;q=0.5"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_CRAWL_DELAY = 60.0  # a robots.txt Crawl-delay above this would stall a crawl thread


@dataclass(frozen=True, slots=True)
class Validators:
    """The cache validators of a stored page, sent back as a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_page(cls, page: Page) -> Validators | None:
        """The page's validators, or None if it has neither (a 304 may omit them: keep the
        ones that were sent)."""
        etag = page.headers.get("etag") or None
        last_modified = page.headers.get("last-modified") or None
        if etag is None and last_modified is None:
            return None
        return cls(etag=etag, last_modified=last_modified)

    def as_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class _Answer:
    """One HTTP exchange, by its real-world URL, with the body read when it is wanted."""

    url: str
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class _Policy:
    """How hard to try: pages obey robots and retry; robots.txt itself does neither."""

    obey_robots: bool
    retries: int
    limit: int
    truncate: bool = False


class _Transient(Exception):
    """A timeout or connection failure that may go away if we try again."""

    def __init__(self, error_type: type[FetchError], detail: str) -> None:
        super().__init__(detail)
        self.error_type = error_type
        self.detail = detail


def user_agent(settings: Settings) -> str:
    return f"{BOT_NAME}/{__version__} (+{settings.base_url}; mailto:{settings.contact_email})"


class Fetcher:
    """Polite HTTP GET with robots.txt, conditional requests, retries, caps and an SSRF guard.

    Thread-safe: one instance can serve every source of a crawl pass.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        resolver: Resolver | None = None,
        network_route: NetworkRoute = direct,
    ) -> None:
        self._settings = settings
        self._clock = clock or SystemClock()
        self._mirror = MirrorMap(settings.mirror_url, settings.mirror_hosts)
        self._guard = AddressGuard(
            allow_private=settings.allow_private_addresses,
            always_allowed_origins=[self._mirror.origin] if self._mirror.origin else [],
            resolver=resolver or system_resolver,
        )
        # Every connection is opened by the guard's own resolution (see .pinned).
        self._transport = pinned_transport(self._guard, network_route)
        self._client = _http_client(settings, self._transport)
        self._pacer = HostPacer(self._clock)
        self._robots = RobotsCache(self._fetch_robots, agent=BOT_NAME, clock=self._clock)
        self._rng = random.Random()

    def get(
        self, url: str, *, validators: Validators | None = None, accept: str | None = None
    ) -> Page:
        """GET ``url``; a 2xx or 304 answer becomes a Page, anything else a FetchError."""
        _parsed(url)  # a malformed URL is a FetchError, before anything else happens
        headers = {"Accept": accept or DEFAULT_ACCEPT}
        if validators is not None:
            headers.update(validators.as_headers())
        policy = _Policy(
            obey_robots=self._settings.obey_robots,
            retries=max(0, self._settings.retries),
            limit=self._settings.max_response_bytes,
        )
        answer = self._follow(url, headers, policy)
        return Page(
            url=url,
            final_url=answer.url,
            status=answer.status,
            headers=answer.headers,
            body=answer.body,
            fetched_at=self._clock.now(),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- redirects ------------------------------------------------------------------------

    def _follow(self, url: str, headers: dict[str, str], policy: _Policy) -> _Answer:
        chain = [url]
        while True:
            try:
                answer = self._with_retries(chain[-1], headers, policy)
            except FetchError as error:
                if len(chain) == 1:
                    raise
                raise _after_redirects(error, chain) from error
            if answer.status not in REDIRECT_STATUSES:
                return answer
            chain.append(self._redirect_target(chain, answer))

    def _redirect_target(self, chain: list[str], answer: _Answer) -> str:
        location = answer.headers.get("location")
        if not location:
            raise HTTPStatusError(
                answer.url,
                f"HTTP {answer.status} redirect without a Location",
                status=answer.status,
            )
        try:
            target = str(_parsed(answer.url).join(location).copy_with(fragment=None))
            _parsed(target)  # a join can yield what httpx then refuses to parse
        except (httpx.InvalidURL, FetchError, ValueError) as exc:
            raise FetchError(answer.url, f"redirect to an invalid Location {location!r}") from exc
        if target in chain:
            hops = " -> ".join([*chain, target])
            raise TooManyRedirects(chain[0], f"redirect loop: {hops}")
        if len(chain) > self._settings.max_redirects:
            limit = self._settings.max_redirects
            raise TooManyRedirects(chain[0], f"more than {limit} redirects, last to {target}")
        return target

    # --- retries --------------------------------------------------------------------------

    def _with_retries(self, url: str, headers: dict[str, str], policy: _Policy) -> _Answer:
        attempts = policy.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                answer = self._attempt(url, headers, policy)
            except _Transient as failure:
                if attempt == attempts:
                    error = failure.error_type(url, failure.detail + _tries(attempts))
                    raise error from failure.__cause__
                self._clock.sleep(self._backoff(attempt))
                continue
            if not is_retryable_status(answer.status) or attempt == attempts:
                return _accepted(answer, attempts=attempt)
            self._clock.sleep(self._retry_delay(answer, attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        s = self._settings
        return backoff_delay(attempt, base=s.backoff_base, cap=s.backoff_max, rng=self._rng)

    def _retry_delay(self, answer: _Answer, attempt: int) -> float:
        if answer.status in RETRY_AFTER_STATUSES:
            asked = retry_after_seconds(answer.headers.get("retry-after"), self._clock.now())
            if asked is not None:
                return min(asked, self._settings.backoff_max)
        return self._backoff(attempt)

    # --- one attempt ----------------------------------------------------------------------

    def _attempt(self, url: str, headers: dict[str, str], policy: _Policy) -> _Answer:
        wire = self._mirror.wire(url)
        self._guard.check_url(wire.url)  # the rest of the check happens as it connects
        if policy.obey_robots:
            self._check_robots(url)
        with self._pacer.turn(httpx.URL(url).host, self._host_delay(url, policy)):
            return self._exchange(url, wire.url, {**headers, **wire.headers}, policy)

    def _check_robots(self, url: str) -> None:
        try:
            self._robots.check(url)
        except BlockedAddress as blocked:  # found fetching robots.txt: told against ``url``
            raise BlockedAddress(url, blocked.message) from blocked

    def _host_delay(self, url: str, policy: _Policy) -> float:
        delay = self._settings.host_delay
        if policy.obey_robots:
            crawl_delay = self._robots.crawl_delay(url) or 0.0
            delay = max(delay, min(crawl_delay, MAX_CRAWL_DELAY))
        return delay

    def _exchange(
        self, url: str, wire_url: str, headers: dict[str, str], policy: _Policy
    ) -> _Answer:
        """One request and its answer. Sent through the transport, not ``Client.send``: the
        client would build the next request from a ``Location`` header even with redirects
        off, and a malformed one (``http:foo``, ``http://xn--zz.example/``) raises there; the
        redirect is ours to read (:meth:`_redirect_target`). Any exception from the HTTP
        stack that is not already a FetchError becomes one naming ``url``."""
        deadline = Deadline(self._settings.total_timeout)
        try:
            request = self._client.build_request("GET", wire_url, headers=headers)
            response = self._transport.handle_request(request)
            try:
                deadline.check()
                return self._answer(url, response, deadline, policy)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise _Transient(FetchTimeout, self._timeout_detail(exc)) from exc
        except DeadlinePassed as exc:
            raise _Transient(FetchTimeout, str(exc)) from exc
        except httpx.TransportError as exc:
            raise _Transient(FetchError, _transport_detail(exc)) from exc
        except RefusedHost as refused:
            raise BlockedAddress(url, refused.reason) from refused
        except AggregatorError:
            raise
        except Exception as exc:  # h11, idna, codecs, ...: one bad answer, never a crash
            raise FetchError(url, f"unreadable response ({type(exc).__name__}: {exc})") from exc

    def _answer(
        self, url: str, response: httpx.Response, deadline: Deadline, policy: _Policy
    ) -> _Answer:
        body = b""
        if 200 <= response.status_code < 300:
            body = read_body(
                response, url, limit=policy.limit, deadline=deadline, truncate=policy.truncate
            )
        headers = {name.lower(): value for name, value in response.headers.items()}
        reason = response.reason_phrase or _standard_reason(response.status_code)
        return _Answer(url, response.status_code, reason, headers, body)

    def _timeout_detail(self, exc: httpx.TimeoutException) -> str:
        s = self._settings
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return f"connect timed out after {s.connect_timeout:g} s"
        return f"read timed out (no data for {s.read_timeout:g} s)"

    # --- robots.txt -----------------------------------------------------------------------

    def _fetch_robots(self, robots_url: str) -> RobotsAnswer:
        """Get a robots.txt for :class:`RobotsCache`: one attempt, redirects followed."""
        policy = _Policy(obey_robots=False, retries=0, limit=ROBOTS_MAX_BYTES, truncate=True)
        try:
            answer = self._follow(robots_url, {"Accept": "text/plain, */*;q=0.1"}, policy)
        except HTTPStatusError as exc:
            return RobotsAnswer(status=exc.status, problem=exc.message)
        except BlockedAddress:
            raise  # a host we may not reach is refused as such, not as "robots unreachable"
        except FetchError as exc:
            return RobotsAnswer(status=None, problem=exc.message)
        return RobotsAnswer(status=answer.status, body=answer.body)


def _http_client(settings: Settings, transport: httpx.BaseTransport) -> httpx.Client:
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,
    )
    headers = {
        "User-Agent": user_agent(settings),
        "From": settings.contact_email,
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    # trust_env=False: no proxy or netrc from the environment may route around the SSRF guard.
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        headers=headers,
        follow_redirects=False,
        trust_env=False,
    )


def _accepted(answer: _Answer, *, attempts: int) -> _Answer:
    """The answer if it is a success, a 304 or a redirect; else the HTTPStatusError it is."""
    status = answer.status
    if 200 <= status < 300 or status == 304 or status in REDIRECT_STATUSES:
        return answer
    message = f"HTTP {answer.status} {answer.reason}".rstrip() + _tries(attempts)
    raise HTTPStatusError(answer.url, message, status=answer.status)


def _transport_detail(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        what = "could not connect"
    elif isinstance(exc, httpx.RemoteProtocolError):
        what = "the server broke the HTTP protocol"
    else:
        what = "network error"
    return f"{what} ({type(exc).__name__}: {exc})"


def _parsed(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
        _ = parsed.host  # decodes IDNA lazily: an invalid A-label (xn--zz) raises only here
    except (httpx.InvalidURL, ValueError) as exc:  # idna errors are UnicodeError, a ValueError
        raise FetchError(url, f"invalid URL: {exc}") from exc
    return parsed


def _after_redirects(error: FetchError, chain: list[str]) -> FetchError:
    """``error`` from a redirect hop, told against the URL that was asked for: that is the
    URL a caller records the failure on."""
    hops = " -> ".join(chain)
    return type(error)(chain[0], f"{error.message}, redirected {hops}", status=error.status)


def _tries(attempts: int) -> str:
    return f" after {attempts} attempts" if attempts > 1 else ""


def _standard_reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
