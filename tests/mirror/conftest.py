"""Fixtures for the mirror tests: recorded sites written to tmp_path, a fixed clock, and a
plain httpx client to talk to the real server with a chosen Host header."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from aggregator.clock import FixedClock

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def write_site(root: Path, host: str, files: dict[str, str | bytes], manifest: str = "") -> Path:
    """Create ``root/host`` with ``files`` and, if given, a ``_site.toml``."""
    folder = root / host
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    if manifest:
        (folder / "_site.toml").write_text(manifest, encoding="utf-8")
    return folder


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=5) as client:
        yield client
