"""Every configured source has a name no other source has, wherever readers and admins pick one."""

from __future__ import annotations

from aggregator.display import source_display_names
from aggregator.sources.registry import load_sources
from tests.support.paths import PROJECT_ROOT


def test_the_real_sources_have_distinct_names() -> None:
    sources = load_sources(PROJECT_ROOT / "config" / "sources.toml")
    names = source_display_names(sources)
    assert set(names) == {s.id for s in sources}
    assert len(set(names.values())) == len(sources)
    shared = [s for s in sources if sum(o.publisher == s.publisher for o in sources) > 1]
    assert shared  # several lists of kotoutuminen.fi, two of TEM
    assert all(names[s.id].startswith(f"{s.publisher}: ") for s in shared if s.list_name)
    unique = [s for s in sources if s not in shared]
    assert all(names[s.id] == s.publisher for s in unique)


def test_names_fall_back_to_the_id_when_publisher_and_list_repeat() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Source:
        id: str
        publisher: str
        list_name: str

    names = source_display_names(
        [Source("a", "TEM", "Uutiset"), Source("b", "TEM", "Uutiset"), Source("c", "SM", "")]
    )
    assert names == {"a": "TEM: Uutiset (a)", "b": "TEM: Uutiset (b)", "c": "SM"}
