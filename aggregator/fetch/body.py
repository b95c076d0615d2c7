"""Reading a response body under a size cap and a total time cap.

The cap counts *decoded* bytes, and decoding is done here rather than by httpx: httpx inflates
each network chunk in one go, so 64 KB of gzip can become 64 MB (and ``gzip, gzip`` far more)
before anyone can count it. Here each chunk is inflated with an output limit, so a gzip bomb
costs at most the cap in memory. We only advertise ``gzip`` and ``deflate``, so those and
``identity`` are all we accept; any other ``Content-Encoding`` is a clear error.

The total time cap uses the real monotonic clock (the injected clock is for waits we choose to
make, not for how long a server takes). It is checked as chunks arrive, so a server that drips
bytes can overrun it by at most one read timeout.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable

import httpx

from aggregator.errors import FetchError, TooLarge

ACCEPT_ENCODING = "gzip, deflate"
_GZIP_WBITS = 16 + zlib.MAX_WBITS


class DeadlinePassed(Exception):
    """The whole response took longer than the total time cap."""


class Deadline:
    """A point in real (monotonic) time after which the response is abandoned."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends_at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._ends_at:
            raise DeadlinePassed(f"response took longer than the {self.seconds:g} s total cap")


class _Inflater:
    """Decodes one content coding, never producing more than asked for per call."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._zlib = None if coding == "identity" else zlib.decompressobj(self._wbits(coding))
        self._started = False
        self._fed = False

    @staticmethod
    def _wbits(coding: str) -> int:
        return _GZIP_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS

    def decode(self, data: bytes, max_out: int) -> bytes:
        if self._zlib is None:
            return data
        self._fed = self._fed or bool(data)
        try:
            return self._inflate(data, max_out)
        except zlib.error as exc:
            raise ValueError(f"invalid {self._coding} data: {exc}") from exc

    def _inflate(self, data: bytes, max_out: int) -> bytes:
        assert self._zlib is not None
        if self._coding == "deflate" and not self._started:
            self._started = True
            try:
                return self._zlib.decompress(data, max_out)
            except zlib.error:  # servers often send raw deflate without the zlib header
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        return self._zlib.decompress(data, max_out)

    def finish(self) -> None:
        if self._zlib is not None and self._fed and not self._zlib.eof:
            raise ValueError(f"{self._coding} body ends before the compressed stream does")


def content_coding(headers: httpx.Headers, url: str) -> str:
    """The single content coding of the response, or a :class:`FetchError` if unsupported."""
    declared: str = headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in declared.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return codings[0]
    raise FetchError(url, f"unsupported Content-Encoding {', '.join(codings)!r}")


def read_body(
    response: httpx.Response, url: str, *, limit: int, deadline: Deadline, truncate: bool = False
) -> bytes:
    """The decoded body, at most ``limit`` bytes.

    Over the limit raises :class:`TooLarge`, or with ``truncate`` quietly stops reading (used
    for robots.txt, of which only the start counts).
    """
    if not truncate:
        _check_declared_length(response.headers, url, limit)
    inflater = _Inflater(content_coding(response.headers, url))
    body = _read_decoded(response.iter_raw(), inflater, url, limit, deadline, truncate)
    if not truncate:
        _finish(inflater, url)
    return body[:limit]


def _read_decoded(
    chunks: Iterable[bytes],
    inflater: _Inflater,
    url: str,
    limit: int,
    deadline: Deadline,
    truncate: bool,
) -> bytes:
    body = bytearray()
    for chunk in chunks:
        deadline.check()
        body += _decode(inflater, chunk, limit - len(body) + 1, url)
        if len(body) > limit:
            if truncate:
                break
            raise TooLarge(url, f"response body is over the {limit}-byte limit (after decoding)")
    deadline.check()
    return bytes(body)


def _decode(inflater: _Inflater, chunk: bytes, max_out: int, url: str) -> bytes:
    try:
        return inflater.decode(chunk, max_out)
    except ValueError as exc:
        raise FetchError(url, f"could not decode the response body: {exc}") from exc


def _finish(inflater: _Inflater, url: str) -> None:
    try:
        inflater.finish()
    except ValueError as exc:
        raise FetchError(url, f"could not decode the response body: {exc}") from exc


def _check_declared_length(headers: httpx.Headers, url: str, limit: int) -> None:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(url, f"Content-Length {declared} bytes is over the {limit}-byte limit")
