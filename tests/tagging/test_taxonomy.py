"""The taxonomy file: the tags DESIGN.md names, labels in three languages, validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aggregator.errors import ConfigError
from aggregator.tagging import Taxonomy, load_taxonomy, taxonomy_from_dict
from aggregator.types import TagKind


def test_shipped_taxonomy_has_the_designed_tags(taxonomy: Taxonomy) -> None:
    assert [tag.id for tag in taxonomy.audiences] == ["municipalities", "professionals", "funding"]
    assert [tag.id for tag in taxonomy.topics] == [
        "amif", "legislation", "compensation", "placement", "temporary-protection", "minors",
        "employment", "koto-digi", "events",
    ]  # fmt: skip
    assert taxonomy.kind_of("funding") is TagKind.AUDIENCE
    assert taxonomy.kind_of("amif") is TagKind.TOPIC
    assert taxonomy.kind_of("nope") is None


def test_labels_in_three_languages(taxonomy: Taxonomy) -> None:
    municipalities = taxonomy.get("municipalities")
    assert municipalities is not None
    assert municipalities.label("fi") == "Kunnat ja hyvinvointialueet"
    assert municipalities.label("sv") == "Kommuner och välfärdsområden"
    assert municipalities.label("de") == "Kunnat ja hyvinvointialueet"  # falls back to Finnish
    assert all(tag.description for tag in taxonomy.tags)


def test_round_trips_as_a_plain_dict(taxonomy: Taxonomy) -> None:
    assert taxonomy_from_dict(taxonomy.to_dict()) == taxonomy


def tag(**changes: Any) -> dict[str, Any]:
    base = {"id": "events", "label": {"fi": "Tapahtumat", "sv": "Evenemang", "en": "Events"},
            "description": "Events."}  # fmt: skip
    return {**base, **changes}


def data(*topics: dict[str, Any]) -> dict[str, Any]:
    return {"audiences": [tag(id="funding")], "topics": list(topics)}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (data(tag(id="Events")), "id 'Events' must be a lower-case slug"),
        (data(tag(), tag()), "tag id 'events' is defined twice"),
        (data(tag(label={"fi": "T", "en": "E"})), "label missing or empty for ['sv']"),
        (data(tag(label={"fi": "T", "sv": "E", "en": "E", "de": "V"})), "unknown language"),
        (data(tag(description=" ")), "description must be a non-empty string"),
        (data(tag(colour="red")), "unknown key(s) ['colour']"),
        (data(), "'topics' must be a non-empty list"),
        ({**data(tag()), "themes": []}, "unknown taxonomy section(s) ['themes']"),
    ],
)
def test_invalid_taxonomy_is_refused(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        taxonomy_from_dict(document)
    assert message in str(caught.value)


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.toml"
    path.write_text("[[audiences]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"taxonomy\.toml: cannot read the taxonomy"):
        load_taxonomy(path)
