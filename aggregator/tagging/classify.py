"""``aggregator classify``: JSON lines in, the same objects with their tags out, no database.

Input, one object per line: ``title``, ``summary``, optional ``body``, ``url``, ``source``
(a source id) and ``language``. Output: the same object plus ``audiences`` and ``topics``
(lists of tag ids in taxonomy order) and ``why`` (tag id -> list of reasons, each
``{"origin": "rule", "rule": id, "matched": [{"field", "term", "words"}]}`` or
``{"origin": "source", "source": id}``). A line that is not a JSON object, or whose text
fields are not strings, gives an output line ``{"line": n, "error": "..."}`` and the stream
goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from aggregator.tagging.match import Tagger, TextItem
from aggregator.types import TagAssignment, TagKind

TEXT_KEYS = ("title", "summary", "body", "source", "language")


@dataclass(frozen=True, slots=True)
class ClassifyStats:
    """How a stream went: lines read (blank ones skipped) and lines that gave an error."""

    items: int
    errors: int


def summarise(assignments: Sequence[TagAssignment]) -> dict[str, Any]:
    """``audiences``, ``topics`` and ``why`` of an item's assignments, as plain JSON data."""
    audiences: list[str] = []
    topics: list[str] = []
    why: dict[str, list[dict[str, Any]]] = {}
    for assignment in assignments:
        ids = audiences if assignment.kind is TagKind.AUDIENCE else topics
        if assignment.tag_id not in why:
            ids.append(assignment.tag_id)
        why.setdefault(assignment.tag_id, []).append(assignment.why())
    return {"audiences": audiences, "topics": topics, "why": why}


def record_text(record: Mapping[str, Any]) -> TextItem:
    """The taggable text of an input record; raises ValueError naming a non-string field."""
    for key in TEXT_KEYS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"field {key!r} must be a string, not {type(value).__name__}")
    return TextItem(
        title=record.get("title") or "",
        summary=record.get("summary") or "",
        body_text=record.get("body") or "",
        language=record.get("language") or "fi",
        source_id=record.get("source") or "",
    )


def classify_record(record: dict[str, Any], tagger: Tagger) -> dict[str, Any]:
    """The record plus ``audiences``, ``topics`` and ``why`` (replacing keys of those names)."""
    return {**record, **summarise(tagger.tag(record_text(record)))}


def classify_stream(lines: Iterable[str], out: TextIO, tagger: Tagger) -> ClassifyStats:
    """Classify JSON lines to ``out``, one output line per non-blank input line."""
    items = errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        items += 1
        try:
            result = classify_record(_parse_line(line), tagger)
        except ValueError as exc:
            errors += 1
            result = {"line": number, "error": str(exc)}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return ClassifyStats(items, errors)


def _parse_line(line: str) -> dict[str, Any]:
    """The JSON object of one input line; ValueError saying what is wrong otherwise."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    return record
