"""Every configured source has a name no other source has, wherever readers and admins pick one;
on a page in the reader's language, the byline and "why these tags" name the publisher and its
list in that language where the configuration gives the name."""

from __future__ import annotations

import pytest

from aggregator.display import publisher_names_in, source_display_names
from aggregator.sources.registry import load_sources
from aggregator.web.views import reason_view, source_names
from tests.support.paths import PROJECT_ROOT

SOURCES = load_sources(PROJECT_ROOT / "config" / "sources.toml")


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


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_source_has_a_distinct_name_in_each_language(language: str) -> None:
    names = source_names(SOURCES, language)
    assert len(set(names.values())) == len(SOURCES)
    assert not any(name.endswith(f"({sid})") for sid, name in names.items())


def test_why_these_tags_names_the_list_in_the_pages_language() -> None:
    reason = {"origin": "source", "source": "kotoutuminen-pakolaistyo"}
    english = reason_view(reason, source_names(SOURCES, "en")).source
    assert english == (
        "Centre of Expertise in Immigrant Integration (TEM): News for those working with refugees"
    )
    swedish = reason_view(reason, source_names(SOURCES, "sv")).source
    assert swedish.startswith("Kompetenscentret för integration av invandrare (ANM): Nyheter")
    finnish = reason_view(reason, source_names(SOURCES, "fi")).source
    assert finnish == "Kotoutumisen osaamiskeskus (TEM): Uutisia pakolaisia työssään kohtaaville"


def test_the_byline_names_the_publisher_in_the_pages_language() -> None:
    assert publisher_names_in(SOURCES, "en")["kotoutuminen-uutiset"] == (
        "Centre of Expertise in Immigrant Integration (TEM)"
    )
    assert publisher_names_in(SOURCES, "fi")["kotoutuminen-current-issues"] == (
        "Kotoutumisen osaamiskeskus (TEM)"
    )
    assert publisher_names_in(SOURCES, "fi")["kotoutuminen-uutiset"] == (
        "Kotoutumisen osaamiskeskus (TEM)"
    )
