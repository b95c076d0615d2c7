"""A source's ``[[source]]`` table written back as TOML, for exporting added sources.

Admins add sources in the web UI; they are stored as the same tables ``config/sources.toml``
holds, and ``aggregator sources export`` (or the admin's export button) prints them as blocks
to paste into the file, which then becomes their definition. Values are strings, whole numbers,
booleans and lists of strings; sub-tables (``selectors``, ``article``, ``filter``) follow the
block as ``[source.<name>]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

SUB_TABLES = ("selectors", "article", "filter")


def source_block(definition: Mapping[str, Any], *, comment: str = "") -> str:
    """One ``[[source]]`` block (with its sub-tables) for ``definition``."""
    lines = [f"# {line}" for line in comment.splitlines()]
    lines.append("[[source]]")
    lines += _pairs((k, v) for k, v in definition.items() if k not in SUB_TABLES)
    for name in SUB_TABLES:
        table = definition.get(name)
        if isinstance(table, Mapping) and table:
            lines += ["", f"[source.{name}]", *_pairs(table.items())]
    return "\n".join(lines) + "\n"


def source_blocks(definitions: Iterable[tuple[Mapping[str, Any], str]]) -> str:
    """Several blocks, each with its comment, separated by blank lines."""
    return "\n".join(source_block(d, comment=c) for d, c in definitions)


def _pairs(items: Iterable[tuple[str, Any]]) -> list[str]:
    return [f"{key} = {toml_value(value)}" for key, value in items if value is not None]


def toml_value(value: Any) -> str:
    """A TOML value; JSON's string escapes are valid in TOML basic strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
