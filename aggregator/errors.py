"""The error tree: one root, one class per stage, each carrying the context an admin needs.

A crawl pass catches :class:`AggregatorError` per source, records ``kind`` and ``str(error)``
on that source's health row and goes on with the next source. Code raising these chains the
cause (``raise ParseError(...) from exc``) so logs keep the original traceback.
"""

from __future__ import annotations


class AggregatorError(Exception):
    """Root of every error this service raises on purpose."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(AggregatorError):
    """A config file or setting is invalid (bad TOML, unknown field, missing selector)."""

    kind = "config"


class FetchError(AggregatorError):
    """An HTTP fetch failed. ``kind`` says how, so health rows and backoff can tell apart."""

    kind = "fetch"

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(f"{message} ({url})")


class HTTPStatusError(FetchError):
    """The server answered with a 4xx/5xx status after retries."""

    kind = "http-status"


class FetchTimeout(FetchError):
    """Connect or read took longer than the configured timeout, or the total time cap."""

    kind = "timeout"


class TooLarge(FetchError):
    """The response body (after decompression) exceeded the size cap."""

    kind = "too-large"


class TooManyRedirects(FetchError):
    """A redirect chain was longer than the limit, or looped."""

    kind = "redirects"


class RobotsDisallowed(FetchError):
    """robots.txt forbids this URL for our User-Agent."""

    kind = "robots"


class BlockedAddress(FetchError):
    """The URL resolves to a loopback, private or otherwise forbidden address (SSRF guard)."""

    kind = "blocked-address"


class ParseError(AggregatorError):
    """A page could not be turned into items: malformed feed, wrong JSON shape, broken HTML."""

    kind = "parse"

    def __init__(self, source_id: str, url: str, message: str) -> None:
        self.source_id = source_id
        self.url = url
        super().__init__(f"{source_id}: {message} ({url})")


class RuleError(AggregatorError):
    """A tagging rule is invalid; the message says which part and why."""

    kind = "rule"

    def __init__(self, rule_id: str, message: str) -> None:
        self.rule_id = rule_id
        super().__init__(f"rule {rule_id!r}: {message}")


class StoreError(AggregatorError):
    """The database refused or lost a write; the transaction was rolled back."""

    kind = "store"


class DeliveryError(AggregatorError):
    """An email could not be delivered. ``permanent`` is True for 5xx answers."""

    kind = "delivery"

    def __init__(self, recipient: str, message: str, *, permanent: bool = False) -> None:
        self.recipient = recipient
        self.permanent = permanent
        super().__init__(f"{recipient}: {message}")


class SchedulerLocked(AggregatorError):
    """Another scheduler holds the lease on this database."""

    kind = "scheduler-locked"


class UnexpectedError(AggregatorError):
    """An exception this service did not raise on purpose (a library's, or a bug), caught at
    the smallest unit it spoiled (one page, one article, one item) and told against its URL,
    so the rest of the source is still read and stored."""

    kind = "internal"

    def __init__(self, url: str, error: BaseException) -> None:
        self.url = url
        super().__init__(f"{type(error).__name__}: {str(error)[:300]} ({url})")
