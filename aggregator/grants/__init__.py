"""Grant calls: extract their fields from an item's text, and follow their lifecycle.

Pure functions over plain data (no I/O): :func:`extract_grant` turns a title and body (and the
grant portal's structured fields) into :class:`aggregator.types.GrantFields`; :mod:`.lifecycle`
says whether a call is announced, open, closing soon or closed at a given moment, identifies a
call across news items (:func:`call_key`) and merges a new sighting into a known call;
:func:`extract_stream` is the JSON-lines filter behind ``aggregator grants extract``.
"""

from __future__ import annotations

from aggregator.grants.cli_io import extract_stream
from aggregator.grants.extract import extract_grant
from aggregator.grants.lifecycle import GrantStatus, call_key, days_left, merge, status

__all__ = [
    "GrantStatus",
    "call_key",
    "days_left",
    "extract_grant",
    "extract_stream",
    "merge",
    "status",
]
