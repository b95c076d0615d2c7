"""The decide step groups language versions: a new item that is another language of a stored
story (or of one new in the same crawl) becomes a version of it, not a story of its own; what
the publisher says (hreflang) is enough, the texts must agree otherwise, and two releases of one
day and topic stay apart."""

from __future__ import annotations

from datetime import UTC, datetime

from aggregator.normalize.batch import BatchPlan, Known, KnownStory, StoryText, alternate_key
from aggregator.normalize.dedupe import Outcome, StoredStory
from aggregator.normalize.item import normalize_item
from aggregator.types import Item, RawItem

MORNING = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
EUSA = "https://eusa-rahastot2021.fi"


def item(
    url: str,
    title: str,
    summary: str,
    language: str,
    *,
    source: str = "eusa-amif",
    published: datetime | None = MORNING,
    alternates: tuple[str, ...] = (),
) -> Item:
    raw = RawItem(
        source_id=source,
        url=url,
        title=title,
        summary=summary,
        language=language,
        published=published,
        alternates=alternates,
    )
    return normalize_item(raw)


AMIF_FI = item(
    f"{EUSA}/-/amif-rahaston-talven-haku-on-kaynnissa",
    "AMIF-rahaston talven haku on käynnissä – haettavissa 9,6 miljoonaa euroa",
    "Sisäministeriö on avannut turvapaikka-, maahanmuutto- ja kotouttamisrahaston (AMIF) haun "
    "16.11.2026. Hakuaika 16.11.2026 klo 8.00 – 15.1.2027 klo 16.15. Haettavissa on noin 9,6 "
    "miljoonaa euroa.",
    "fi",
)
AMIF_SV = item(
    f"{EUSA}/sv/-/amif-fondens-vinteransokan-pagar",
    "AMIF-fondens vinteransökan pågår – 9,6 miljoner euro kan sökas",
    "Inrikesministeriet har öppnat ansökan ur asyl-, migrations- och integrationsfonden (AMIF) "
    "den 16 november 2026. Ansökningstiden är 16.11.2026 kl. 8.00–15.1.2027 kl. 16.15.",
    "sv",
    source="eusa-amif-sv",
)
ISF_EN = item(
    f"{EUSA}/en/-/isf-and-bmvi-winter-calls-opened",
    "ISF and BMVI winter calls opened",
    "The calls of the Internal Security Fund (ISF) and the Border Management and Visa "
    "Instrument (BMVI) are open from 16 November 2026 to 15 January 2027. About EUR 4.1 million "
    "is available from the ISF and about EUR 7.3 million from the BMVI.",
    "en",
    source="eusa-amif-en",
)


def known(*items: Item, alternates: dict[int, tuple[str, ...]] | None = None) -> Known:
    """``items`` as stored stories 1, 2, ... (with the alternates their articles named)."""
    stories = {}
    for item_id, stored in enumerate(items, start=1):
        keys = set(stored.story_keys)
        keys |= {alternate_key(url) for url in (alternates or {}).get(item_id, ())}
        stories[item_id] = KnownStory(
            story=StoredStory(
                item_id,
                frozenset(keys),
                stored.language,
                stored.published,
                stored.content_hash,
                stored.source_id,
                stored.story_keys[0],
            ),
            text=StoryText(
                stored.title,
                stored.summary,
                stored.body_text,
                stored.language,
                stored.source_id,
                stored.canonical_url,
            ),
            current={},
            sources=(stored.source_id,),
        )
    return Known(stories=stories)


def test_another_language_of_a_stored_release_becomes_its_version() -> None:
    plan = BatchPlan(known(AMIF_FI))
    decision = plan.add(AMIF_SV)
    assert decision.outcome is Outcome.LANGUAGE_VERSION and decision.item_id == 1
    assert plan.new_stories == []
    assert [(i, v.canonical_url) for i, v in plan.new_versions] == [(1, AMIF_SV.canonical_url)]
    assert [t.language for t in plan.texts_of(1)] == ["fi", "sv"]
    assert plan.sources_of(1) == ["eusa-amif", "eusa-amif-sv"]
    assert plan.to_tag() == [1]  # tags again, from both languages
    assert plan.to_extract() == []  # the call is the story's, not a second one


def test_a_release_of_the_same_morning_and_topic_stays_a_story_of_its_own() -> None:
    plan = BatchPlan(known(AMIF_FI))
    assert plan.add(ISF_EN).outcome is Outcome.NEW
    assert plan.new_versions == []


def test_versions_within_one_crawl_join_the_story_new_in_it() -> None:
    plan = BatchPlan(Known())
    assert plan.add(AMIF_FI).outcome is Outcome.NEW
    assert plan.add(ISF_EN).outcome is Outcome.NEW
    decision = plan.add(AMIF_SV)
    assert decision.outcome is Outcome.LANGUAGE_VERSION
    assert decision.item_id == plan.planned[0].item_id
    assert len(plan.new_stories) == 2


def test_what_the_publisher_names_as_a_language_version_joins_without_shared_words() -> None:
    fi = item(f"{EUSA}/-/tiedote", "Tiedote", "Lyhyt teksti.", "fi")
    sv = item(f"{EUSA}/sv/-/meddelande", "Meddelande", "Kort text.", "sv")
    plain = BatchPlan(known(fi))
    assert plain.add(sv).outcome is Outcome.NEW  # the texts alone say nothing

    named = BatchPlan(known(fi, alternates={1: (sv.canonical_url,)}))
    decision = named.add(sv)
    assert decision.outcome is Outcome.LANGUAGE_VERSION and "hreflang" in decision.reason

    # ... and the other way round: the new page names the stored one
    naming = item(sv.url, sv.title, sv.summary, "sv", alternates=(fi.url,))
    assert BatchPlan(known(fi)).add(naming).outcome is Outcome.LANGUAGE_VERSION


def test_a_new_story_keeps_the_alternates_its_page_names() -> None:
    fi = item(f"{EUSA}/-/tiedote", "Tiedote", "", "fi", alternates=(f"{EUSA}/sv/-/meddelande",))
    plan = BatchPlan(Known())
    plan.add(fi)
    assert (plan.planned[0].item_id, alternate_key(f"{EUSA}/sv/-/meddelande")) in plan.new_keys


def test_the_same_language_is_never_a_version_and_a_far_date_never_one() -> None:
    reworded = item(
        f"{EUSA}/-/amif-haku-toinen-osoite",
        "AMIF-rahaston talven haku – 9,6 miljoonaa euroa",
        AMIF_FI.summary,
        "fi",
    )
    assert BatchPlan(known(AMIF_FI)).add(reworded).outcome is Outcome.NEW
    next_year = item(
        AMIF_SV.url.replace("pagar", "pagar-2027"),
        AMIF_SV.title,
        AMIF_SV.summary,
        "sv",
        published=datetime(2027, 11, 16, 7, 0, tzinfo=UTC),
    )
    assert BatchPlan(known(AMIF_FI)).add(next_year).outcome is Outcome.NEW


def test_a_version_seen_again_with_an_edited_title_is_edited() -> None:
    plan = BatchPlan(known(AMIF_FI))
    plan.add(AMIF_SV)
    edited = item(AMIF_SV.url, AMIF_SV.title + " (rättad)", AMIF_SV.summary, "sv", source="x")
    assert plan.add(edited).outcome is Outcome.ALSO_SEEN
    assert [(i, v.title) for i, v in plan.version_edits] == [(1, edited.title)]
    assert plan.texts_of(1)[1].title == edited.title


def test_a_third_language_joins_a_story_whose_stored_version_keeps_its_date() -> None:
    """A crawl reloads a story's stored versions with their own release time: the matcher
    reads an undated version as evergreen and would let it rule the third language out."""
    koto = "https://kotoutuminen.fi"
    day = datetime(2026, 10, 8, 6, 0, tzinfo=UTC)
    fi = item(
        f"{koto}/-/paloma-verkkokoulutus-uudistui",
        "PALOMA-verkkokoulutus uudistui – nyt myös ruotsiksi",
        "Uudistettu verkkokoulutus on nyt saatavilla suomeksi ja ruotsiksi.",
        "fi",
        source="kotoutuminen-uutiset",
        published=day,
    )
    sv = item(
        f"{koto}/sv/-/paloma-webbutbildningen-har-fornyats",
        "PALOMA-webbutbildningen har förnyats – nu även på svenska",
        "Utbildningen ger praktisk information till dem som möter flyktingar i sitt arbete.",
        "sv",
        source="kotoutuminen-aktuellt",
        published=day,
    )
    en = item(
        f"{koto}/en/-/paloma-online-training-renewed",
        "PALOMA online training renewed – now also in Swedish",
        "The renewed online training is now available in Finnish and Swedish.",
        "en",
        source="kotoutuminen-current-issues",
        published=day,
    )
    stored = known(fi)
    stored_version = StoryText(
        sv.title, sv.summary, sv.body_text, "sv", sv.source_id, sv.canonical_url, published=day
    )
    decision = BatchPlan(Known(stories=stored.stories, versions={1: [stored_version]})).add(en)
    assert decision.outcome is Outcome.LANGUAGE_VERSION and decision.item_id == 1
