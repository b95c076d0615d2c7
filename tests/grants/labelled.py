"""Load the labelled grant texts and score the extractor against them.

``tests/data/grant_calls_labelled.jsonl`` (see ``tests/data/README.md``) holds one text per
line with its ``expected`` fields. A field is right when it equals the label after
normalisation: times compared as instants (a date-only label only matches a date-only value),
amounts to the cent, ``eligible`` as sets, strings exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aggregator.grants import extract_grant
from aggregator.types import GrantFields

LABELLED = Path(__file__).parents[1] / "data" / "grant_calls_labelled.jsonl"
FIELDS = ("is_call", "opens_at", "closes_at", "amount_eur", "programme", "funder", "eligible")


@dataclass(frozen=True)
class Scored:
    """One labelled item, what the extractor said, and which fields were right."""

    item: Mapping[str, Any]
    fields: GrantFields
    right: Mapping[str, bool]

    @property
    def wrong(self) -> list[str]:
        return [name for name, ok in self.right.items() if not ok]


def load() -> list[dict[str, Any]]:
    with LABELLED.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def extract(item: Mapping[str, Any]) -> GrantFields:
    published = item.get("published")
    return extract_grant(
        item["title"],
        item["body"],
        published=date.fromisoformat(published) if published else None,
        language=item["language"],
        structured=item.get("structured"),
        url=item.get("url", ""),
    )


def score(item: Mapping[str, Any]) -> Scored:
    fields = extract(item)
    expected = item["expected"]
    right = {name: same(name, getattr(fields, name), expected[name]) for name in FIELDS}
    return Scored(item, fields, right)


def same(name: str, got: Any, expected: Any) -> bool:
    if name in ("opens_at", "closes_at"):
        return _same_moment(got, expected)
    if name == "amount_eur":
        return (got is None) == (expected is None) and (
            got is None or abs(float(got) - float(expected)) < 0.01
        )
    if name == "eligible":
        return set(got) == set(expected)
    return bool(got == expected)


def _same_moment(got: date | datetime | None, expected: str | None) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    if len(expected) == 10:
        return not isinstance(got, datetime) and got == date.fromisoformat(expected)
    return isinstance(got, datetime) and got == datetime.fromisoformat(expected)


def shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
