"""Small helpers shared by the grant tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aggregator.clock import HELSINKI
from aggregator.grants import extract_grant
from aggregator.types import GrantFields


def grant(
    body: str,
    title: str = "Haku käynnissä",
    *,
    published: date | None = None,
    language: str = "fi",
    **kwargs: Any,
) -> GrantFields:
    """Extract from a short text (a neutral title unless one is given)."""
    return extract_grant(title, body, published=published, language=language, **kwargs)


def helsinki(day: str, hm: str) -> datetime:
    """An aware Helsinki datetime from ``"2023-10-31"`` and ``"16:15"``."""
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=HELSINKI)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
