"""Base forms and compound parts: terms in base form must reach every inflection and compound,
and look-alikes must not match."""

from __future__ import annotations

import logging

import pytest

from aggregator.tagging import Morphology, create_morphology
from aggregator.tagging.morphology import is_acronym, tokenize
from aggregator.tagging.terms import compile_term, word_matches


def matches(morphology: Morphology, term: str, word: str, language: str = "fi") -> bool:
    pattern = compile_term(term, language, morphology)
    assert len(pattern.words) == 1, "use a one-word term here"
    return word_matches(pattern.words[0], morphology.analyse(word, language))


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("kunta", "kunnille"),
        ("kunta", "kuntien"),
        ("kunta", "kuntaan"),
        ("kunta", "kuntapaikkoja"),
        ("paikka", "kuntapaikkoja"),
        ("kuntapaikka", "kuntapaikkoja"),
        ("valtio", "valtionavustushaku"),
        ("avustus", "valtionavustushaku"),
        ("haku", "valtionavustushaku"),
        ("valtionavustus", "valtionavustushaun"),
        ("avustushaku", "valtionavustushaku"),
        ("hyvinvointialue", "hyvinvointialueiden"),
        ("alue", "hyvinvointialueiden"),
        ("korvaus", "korvausohjetta"),
        ("kotoutumislaki", "kotoutumislakiin"),
        ("kotoutuminen", "kotoutumislakiin"),
        ("kiintiöpakolainen", "kiintiöpakolaisten"),
        ("pakolainen", "kiintiöpakolaisten"),
        ("aika", "hakuaika"),
        ("Ukraina", "ukrainalaisten"),
    ],
)
def test_base_form_reaches_inflections_and_compound_parts(
    morphology: Morphology, term: str, word: str
) -> None:
    assert matches(morphology, term, word)


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("kunta", "kuntoutus"),  # rehabilitation, not a municipality
        ("kunta", "kuntoutuksen"),
        ("aika", "turvapaikanhakija"),  # "aika" is a substring, not a part
        ("kunta", "yhteiskuntaorientaatio"),  # yhteis- is bound: the part is "yhteiskunta"
        ("kunta", "yhteiskunnan"),
        ("kunta", "Satakuntaan"),  # a place name voikko keeps whole
        ("avustus", "erityisavustus"),  # erityis- is bound as well
        ("ukrainalainen", "Ukraina"),  # a derivation reaches its root, not the other way
        ("kuntapaikka", "kuntasijoituspaikka"),  # parts must be consecutive
    ],
)
def test_look_alikes_do_not_match(morphology: Morphology, term: str, word: str) -> None:
    assert not matches(morphology, term, word)


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("AMIF", "AMIF-rahaston"),
        ("AMIF-rahasto", "AMIF-rahaston"),
        ("rahasto", "AMIF-rahaston"),
        ("AMIF", "AMIF:n"),
        ("KOTO24", "KOTO24-uudistus"),
        ("uudistus", "KOTO24-uudistuksen"),
        ("Koto-digi", "Koto-digi-järjestelmää"),
        ("Koto-digi", "Koto-digistä"),
        ("järjestelmä", "Koto-digi-järjestelmää"),
        ("TE24", "TE24"),
        ("TE24", "TE24:n"),
        ("ELY-keskus", "ELY-keskukset"),
        ("keskus", "ELY-keskukset"),
    ],
)
def test_hyphenated_words_and_acronyms(morphology: Morphology, term: str, word: str) -> None:
    assert matches(morphology, term, word)


def test_compound_parts_come_from_voikko_structure(morphology: Morphology) -> None:
    form = morphology.analyse("valtionavustushaku", "fi")
    parts = [sorted(part) for part in form.readings[0]]
    assert parts == [["valtio", "valtion"], ["avustaa", "avustus"], ["haku"]]
    assert "valtionavustushaku" in form.lemmas


def test_lexicalised_reading_beats_spurious_split(morphology: Morphology) -> None:
    """voikko also reads tilapäinen as tila+pä+inen; the one-part reading wins."""
    readings = morphology.analyse("tilapäinen", "fi").readings
    assert readings == ((frozenset({"tilapäinen"}),),)


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("municipality", "municipalities"),
        ("refugee", "refugees"),
        ("reimburse", "reimbursed"),
        ("county", "counties"),
    ],
)
def test_english_inflections(morphology: Morphology, term: str, word: str) -> None:
    assert matches(morphology, term, word, "en")


@pytest.mark.parametrize(
    ("term", "word"),
    [
        ("kommun", "kommunerna"),
        ("flykting", "flyktingar"),
        ("kommunplats", "kommunplatser"),
        ("kommun", "kommunplatser"),
        ("plats", "kommunplatser"),
        ("flyktingmottagning", "flyktingmottagningen"),
        ("mottagning", "flyktingmottagning"),
        ("flykting", "flyktingmottagning"),
        ("ersättning", "kommunersättningar"),
        ("kommun", "kommunersättningar"),
        ("integration", "integrationsutbildning"),  # linking -s-
        ("kvotflykting", "kvotflyktingar"),
    ],
)
def test_swedish_inflections_and_compounds(morphology: Morphology, term: str, word: str) -> None:
    assert matches(morphology, term, word, "sv")


def test_swedish_parts_must_be_dictionary_words(morphology: Morphology) -> None:
    """kommun+ikation is no reading: "ikation" is not a Swedish word."""
    assert not matches(morphology, "kommun", "kommunikation", "sv")


def test_analyses_are_cached_per_token(morphology: Morphology) -> None:
    morphology.analyse("pakolaiskiintiöstä", "fi")
    before = morphology.cache_info()
    morphology.analyse("pakolaiskiintiöstä", "fi")
    after = morphology.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses


def test_unknown_language_matches_written_form_only(morphology: Morphology) -> None:
    assert matches(morphology, "Kommune", "kommune", "de")
    assert not matches(morphology, "Kommune", "Kommunen", "de")


def test_tokenize_keeps_hyphens_and_colons_inside_words() -> None:
    text = "Turvapaikka-, maahanmuutto- ja kotouttamisrahaston (AMIF:n) Koto-digi-järjestelmää."
    assert tokenize(text) == [
        "Turvapaikka", "maahanmuutto", "ja", "kotouttamisrahaston", "AMIF:n",
        "Koto-digi-järjestelmää",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("token", "expected"),
    [("AMIF", True), ("KOTO24", True), ("TE24", True), ("Kunta", False), ("kunta", False)],
)
def test_is_acronym(token: str, expected: bool) -> None:
    assert is_acronym(token) is expected


def failing_voikko() -> object:
    raise OSError("libvoikko.so.1: cannot open shared object file")


def test_without_voikko_finnish_falls_back_to_simplemma_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="aggregator.tagging.morphology"):
        fallback = create_morphology(voikko_factory=failing_voikko)
        fallback.analyse("kunnille", "fi")
        fallback.analyse("kuntien", "fi")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "libvoikko is not available" in warnings[0].getMessage()
    assert "simplemma" in warnings[0].getMessage()
    assert fallback.backend == "simplemma"
    assert "kunta" in fallback.analyse("kunnille", "fi").lemmas


def test_forced_simplemma_backend_warns_and_has_no_compounds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="aggregator.tagging.morphology"):
        fallback = create_morphology(backend="simplemma")
    assert fallback.backend == "simplemma"
    assert any("simplemma forced" in r.getMessage() for r in caplog.records)
    assert not fallback.analyse("kuntapaikkoja", "fi").multi_part_readings


def test_forcing_voikko_when_it_is_missing_raises() -> None:
    with pytest.raises(OSError, match="libvoikko"):
        create_morphology(backend="voikko", voikko_factory=failing_voikko)


def test_voikko_backend_is_reported(morphology: Morphology) -> None:
    assert morphology.backend == "voikko"


def test_missing_voikko_fails_the_tagging_suite_when_ci_requires_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.tagging.conftest import voikko_or_skip

    def missing() -> None:
        raise OSError("libvoikko.so.1: cannot open shared object file")

    monkeypatch.delenv("REQUIRE_VOIKKO", raising=False)
    with pytest.raises(pytest.skip.Exception):
        voikko_or_skip(missing)
    monkeypatch.setenv("REQUIRE_VOIKKO", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_VOIKKO=1"):
        voikko_or_skip(missing)
