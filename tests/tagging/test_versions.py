"""A story in several languages is tagged from all of them: the union of what the rules find
in each version, each tag once with the first version's reason, and the source defaults once."""

from __future__ import annotations

from aggregator.tagging.assign import assess, assess_versions
from aggregator.tagging.match import TextItem
from aggregator.types import TagOrigin
from tests.tagging.conftest import MakeTagger


def test_tags_are_the_union_of_the_versions(make_tagger: MakeTagger) -> None:
    tagger = make_tagger(
        {"id": "m", "tag": "municipalities", "any": ["kuntapaikka"]},
        {"id": "p", "tag": "placement", "any": ["kuntapaikka", "municipal places"]},
        {"id": "f", "tag": "funding", "any": ["funding"]},
        source_defaults={"kotoutuminen-current-issues": ["professionals"]},
    )
    fi = TextItem("Kuntapaikkoja tarvitaan", "", "", "fi", "kotoutuminen-uutiset")
    en = TextItem(
        "Municipal places needed", "Funding follows.", "", "en", "kotoutuminen-current-issues"
    )
    sources = ["kotoutuminen-uutiset", "kotoutuminen-current-issues"]

    alone, _ = assess(tagger, fi, sources)
    tags, _ = assess_versions(tagger, [fi, en], sources)

    assert "funding" not in {a.tag_id for a in alone}
    ids = [a.tag_id for a in tags if a.origin is not TagOrigin.SOURCE]
    assert sorted(ids) == ["funding", "municipalities", "placement"]  # each once
    placement = next(a for a in tags if a.tag_id == "placement")
    assert placement.matches[0].words == ("Kuntapaikkoja",)  # the Finnish version's reason
    defaults = [a.tag_id for a in tags if a.origin is TagOrigin.SOURCE]
    assert defaults == ["professionals"]
    assert assess_versions(tagger, [fi], sources)[0] == alone
