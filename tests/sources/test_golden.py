"""Every recorded page parsed by its source's parser equals its golden file.

After an intended change: ``python -m tests.sources.golden --regenerate``, then review
the diff of ``tests/fixtures/expected/``.
"""

from __future__ import annotations

import functools
import json

import pytest

from tests.sources.golden import EXPECTED, GoldenSet, collect, render


@functools.cache
def golden() -> GoldenSet:
    return collect()


def names() -> list[str]:
    on_disk = {p.relative_to(EXPECTED).as_posix() for p in EXPECTED.rglob("*.json")}
    return sorted(on_disk | set(golden().actual))


@pytest.mark.parametrize("name", names())
def test_recorded_page_matches_its_golden_file(name: str) -> None:
    path = EXPECTED / name
    assert path.exists(), (
        f"no golden file for {name}: run python -m tests.sources.golden --regenerate"
    )
    actual = golden().actual.get(name)
    assert actual is not None, f"{name}: no recorded page is read any more; remove the golden file"
    assert actual == json.loads(path.read_text(encoding="utf-8")), (
        f"{name} changed; if intended, run python -m tests.sources.golden --regenerate"
    )
    assert render(actual) == path.read_text(encoding="utf-8")


def test_crawl_reached_every_link() -> None:
    assert golden().problems == ()
