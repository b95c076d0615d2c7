"""Story identity decisions, pure: same URL, same slug, same title and date, edits, sightings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.normalize.dedupe import (
    Outcome,
    StoredStory,
    content_hash,
    decide,
    story_keys,
    title_words,
)

T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
TEM_URL = "https://tem.fi/en/-/integration-services-reform-moves-forward"
VN_URL = "https://valtioneuvosto.fi/en/-/1410877/integration-services-reform-moves-forward"
TITLE = "Integration services reform moves forward in municipalities"


def stored(
    url: str,
    title: str,
    *,
    source: str,
    published: datetime | None = T0,
    text: str = "x",
    item_id: int = 1,
) -> StoredStory:
    keys = story_keys(url, title, "en")
    return StoredStory(
        item_id=item_id,
        keys=frozenset(keys),
        language="en",
        published=published,
        content_hash=content_hash(title, text, ""),
        primary_source_id=source,
        primary_url_key=keys[0],
    )


def run(
    url: str,
    title: str,
    *,
    source: str,
    candidates: list[StoredStory],
    published: datetime | None = T0,
    text: str = "x",
) -> tuple[Outcome, str]:
    decision = decide(
        keys=story_keys(url, title, "en"),
        language="en",
        published=published,
        content=content_hash(title, text, ""),
        source_id=source,
        candidates=candidates,
    )
    return decision.outcome, decision.reason


def test_new_story_when_nothing_matches() -> None:
    assert run(TEM_URL, TITLE, source="tem-tiedotteet", candidates=[])[0] is Outcome.NEW


def test_same_url_same_text_is_unchanged() -> None:
    story = stored(TEM_URL, TITLE, source="tem-tiedotteet")
    assert run(TEM_URL + "?utm_source=x", TITLE, source="tem-tiedotteet", candidates=[story]) == (
        Outcome.UNCHANGED,
        "same URL",
    )


def test_edited_at_its_source_is_an_update_not_a_new_story() -> None:
    story = stored(TEM_URL, TITLE, source="tem-tiedotteet")
    outcome, _ = run(
        TEM_URL, TITLE + " (updated)", source="tem-tiedotteet", candidates=[story], text="new"
    )
    assert outcome is Outcome.UPDATED


def test_republished_under_same_slug_is_a_sighting() -> None:
    story = stored(TEM_URL, TITLE, source="tem-tiedotteet")
    later = T0 + timedelta(hours=2)
    assert run(VN_URL, TITLE, source="valtioneuvosto-tem", candidates=[story], published=later) == (
        Outcome.ALSO_SEEN,
        "same article slug",
    )


def test_same_slug_far_apart_in_time_is_another_story() -> None:
    story = stored(TEM_URL, TITLE, source="tem-tiedotteet")
    assert (
        run(
            VN_URL,
            "Something else entirely here",
            source="valtioneuvosto-tem",
            candidates=[story],
            published=T0 + timedelta(days=40),
        )[0]
        is Outcome.NEW
    )


def test_same_title_close_dates_is_same_story_across_sites() -> None:
    story = stored("https://kotoutuminen.fi/-/a", TITLE, source="kotoutuminen-uutiset")
    outcome, reason = run(
        "https://tem.fi/-/b",
        TITLE + "!",
        source="tem-tiedotteet",
        candidates=[story],
        published=T0 + timedelta(days=1),
    )
    assert (outcome, reason) == (Outcome.ALSO_SEEN, "same title and date")


def test_short_generic_titles_are_not_keys() -> None:
    assert not any(k.startswith("title:") for k in story_keys("https://x.fi/a", "Tiedote", "fi"))


def test_title_words_folds_case_and_punctuation_but_keeps_letters() -> None:
    assert title_words("Kuntiin OHJAAMINEN – uusi malli!") == "kuntiin ohjaaminen uusi malli"
    assert title_words("Päätös") != title_words("Paatos")


def test_content_hash_ignores_whitespace_only() -> None:
    assert content_hash("a  b", "c", "") == content_hash("a b", " c ", "")
    assert content_hash("a b", "c", "") != content_hash("a b", "d", "")
