"""JSON lines in, JSON lines out: the filter behind ``aggregator grants extract``.

Each input line is an object with ``title``, ``body`` (or ``summary``), ``published`` (ISO date
or datetime, or null), ``language`` and optionally ``structured``, ``source`` and ``url``. Each
output line is that object plus ``is_call``, ``opens_at``, ``closes_at`` (ISO 8601 with the
Helsinki offset when a time is known, else a plain date, or null), ``amount_eur`` (number or
null), ``programme``, ``funder``, ``eligible`` (list), and ``rolling``, ``apply_url``,
``reference`` and ``evidence``.

A line that cannot be read (bad JSON, not an object, no title, an unreadable ``published``)
gives an output line ``{"line": n, "error": "...", ...}`` and the stream goes on; blank lines
are skipped. One output line per non-blank input line, in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TextIO

from aggregator.grants.extract import extract_grant
from aggregator.types import GrantFields


@dataclass(frozen=True, slots=True)
class StreamCounts:
    """How many lines were extracted and how many were errors."""

    items: int
    errors: int


class _BadLine(ValueError):
    """An input line this filter cannot use; the message goes to the output line."""


def grant_json(fields: GrantFields) -> dict[str, Any]:
    """The fields as JSON-ready values (the output keys of ``grants extract``)."""
    return {
        "is_call": fields.is_call,
        "opens_at": moment_json(fields.opens_at),
        "closes_at": moment_json(fields.closes_at),
        "amount_eur": fields.amount_eur,
        "programme": fields.programme,
        "funder": fields.funder,
        "eligible": list(fields.eligible),
        "rolling": fields.rolling,
        "apply_url": fields.apply_url,
        "reference": fields.reference,
        "evidence": dict(fields.evidence),
    }


def moment_json(value: date | datetime | None) -> str | None:
    """ISO 8601: a datetime with its offset, or a plain date."""
    return value.isoformat() if value is not None else None


def extract_stream(lines: Iterable[str], out: TextIO) -> StreamCounts:
    """Extract every line of ``lines`` and write one JSON line per item to ``out``."""
    items = errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result = extract_line(line, number)
        errors += "error" in result
        items += "error" not in result
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return StreamCounts(items, errors)


def extract_line(line: str, number: int) -> dict[str, Any]:
    """One output object for one input line (an ``error`` object when the line is bad)."""
    try:
        item = _read(line)
        fields = extract_grant(
            item["title"],
            _body(item),
            published=_published(item.get("published")),
            language=_language(item.get("language")),
            structured=_structured(item.get("structured")),
            source_id=str(item.get("source") or ""),
            url=str(item.get("url") or ""),
        )
    except _BadLine as bad:
        return {"line": number, "error": str(bad), **_echo(line)}
    except Exception as failure:  # a bug must cost one line, never the stream
        return {"line": number, "error": f"extraction failed: {failure!r}", **_echo(line)}
    return {**item, **grant_json(fields)}


def _read(line: str) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except ValueError as exc:
        raise _BadLine(f"invalid JSON: {exc}") from exc
    if not isinstance(item, dict):
        raise _BadLine("not a JSON object")
    if not isinstance(item.get("title"), str):
        raise _BadLine("missing or non-string 'title'")
    return item


def _echo(line: str) -> dict[str, Any]:
    """The input's own fields when it was an object, so the error line can be matched."""
    try:
        item = json.loads(line)
    except ValueError:
        return {}
    return item if isinstance(item, dict) else {}


def _body(item: Mapping[str, Any]) -> str:
    for key in ("body", "summary"):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if value is not None and not isinstance(value, str):
            raise _BadLine(f"'{key}' is not a string")
    return ""


def _published(value: Any) -> date | datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _BadLine("'published' is not a string")
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise _BadLine(f"unreadable 'published': {value[:40]!r}") from exc


def _language(value: Any) -> str:
    return value if isinstance(value, str) and value else "fi"


def _structured(value: Any) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _BadLine("'structured' is not an object")
    return value
