"""Property: whatever the text (hostile, empty, any script, any language code), tagging never
raises, is deterministic and only gives taxonomy tags."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aggregator.tagging import Morphology, Tagger, Taxonomy, TextItem, load_rules
from tests.tagging.conftest import CONFIG_DIR

WORDS = st.sampled_from(
    ["kunta", "kuntapaikkoja", "AMIF-", "-", ":", "Koto-digi-", "tilapäistä", "suojelua",
     "kommunplatser", "refugee", "TE24:n", "é", "\u0301", "ß", "𝔘", "\x00", "  ", "\n"]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=40).map(" ".join))
LANGUAGE = st.one_of(st.sampled_from(["fi", "sv", "en", "", "FI-fi", "xx"]), st.text(max_size=8))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=TEXT, summary=TEXT, body=TEXT, language=LANGUAGE, source=st.text(max_size=12))
def test_any_text_is_tagged_without_error(
    morphology: Morphology,
    taxonomy: Taxonomy,
    title: str,
    summary: str,
    body: str,
    language: str,
    source: str,
) -> None:
    tagger = _shipped_tagger(morphology, taxonomy)
    item = TextItem(title, summary, body, language, source)
    first = tagger.tag(item)
    assert tagger.tag(item) == first
    assert {assignment.tag_id for assignment in first} <= set(taxonomy.ids)
    for assignment in first:
        assert all(match.words for match in assignment.matches)


_TAGGERS: dict[int, Tagger] = {}


def _shipped_tagger(morphology: Morphology, taxonomy: Taxonomy) -> Tagger:
    key = id(morphology)
    if key not in _TAGGERS:
        rules = load_rules(CONFIG_DIR / "rules.toml", taxonomy=taxonomy)
        _TAGGERS[key] = Tagger(taxonomy, rules, morphology)
    return _TAGGERS[key]
