"""Tagging stored stories from the database rules: admins win, retag is idempotent, previews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.normalize.item import normalize_item
from aggregator.store.db import session_scope
from aggregator.store.models import AuditEntry, ItemTag
from aggregator.store.tagging import (
    TaggerProvider,
    database_taxonomy,
    preview_rule,
    retag,
    seed_tagging,
    tag_story,
)
from aggregator.store.tags import TagStore
from aggregator.tagging.morphology import Morphology, create_morphology
from aggregator.tagging.rules import validate_rule
from aggregator.types import RawItem
from tests.support.paths import PROJECT_ROOT
from tests.support.reference_store import store_stories

CONFIG = PROJECT_ROOT / "config"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@lru_cache(maxsize=1)
def morphology() -> Morphology:
    return create_morphology()


def add_story(engine: Engine, source: str, url: str, title: str, summary: str) -> int:
    item = normalize_item(
        RawItem(source_id=source, url=url, title=title, summary=summary, published=NOW)
    )
    with session_scope(engine) as session:
        [item_id] = store_stories(session, [item], NOW)
    return item_id


def tags_of(engine: Engine, item_id: int) -> dict[str, ItemTag]:
    with session_scope(engine) as session:
        return {
            t.tag_id: t for t in session.exec(select(ItemTag).where(ItemTag.item_id == item_id))
        }


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        tags, rules = seed_tagging(session, CONFIG, NOW)
    assert tags >= 12
    assert rules >= 10
    return engine


def provider() -> TaggerProvider:
    return TaggerProvider(CONFIG, morphology())


COMPENSATION = (
    "Kunnille maksettavien laskennallisten korvausten maksatus muuttuu",
    "Työ- ja elinkeinoministeriö on päivittänyt ohjetta kotoutumislain mukaisten kustannusten korvaamisesta kunnille ja hyvinvointialueille.",
)


def test_seeding_is_idempotent_and_keeps_admin_edits(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        TagStore(session).save_tag(
            {"id": "events", "label_fi": "Tapahtumat ja koulutukset"}, "admin@example.org", NOW
        )
    with session_scope(seeded) as session:
        assert seed_tagging(session, CONFIG, NOW) == (0, 0)
        labels = {t.id: t.label_fi for t in TagStore(session).taxonomy()}
    assert labels["events"] == "Tapahtumat ja koulutukset"


def test_story_gets_rule_tags_with_reasons(seeded: Engine) -> None:
    item_id = add_story(
        seeded, "kotoutuminen-uutiset", "https://kotoutuminen.fi/-/korvaukset", *COMPENSATION
    )
    with session_scope(seeded) as session:
        assert provider().tag_story(session, item_id, NOW)
    tags = tags_of(seeded, item_id)
    assert "municipalities" in tags
    assert "compensation" in tags
    reason = tags["compensation"].reasons[0]
    assert reason["origin"] == "rule"
    assert reason["matched"]


def test_second_source_adds_its_implied_audience(seeded: Engine) -> None:
    title, summary = (
        "Uusi opas kotoutumisen tueksi julkaistu verkossa",
        "Opas kokoaa käytännön tietoa.",
    )
    url = "https://kotoutuminen.fi/-/uusi-opas"
    item_id = add_story(seeded, "kotoutuminen-uutiset", url, title, summary)
    same = add_story(seeded, "kotoutuminen-viranomaiset", url, title, summary)
    assert same == item_id
    with session_scope(seeded) as session:
        provider().tag_story(session, item_id, NOW)
    reasons = tags_of(seeded, item_id)["municipalities"].reasons
    assert {"origin": "source", "source": "kotoutuminen-viranomaiset"} in reasons


def test_admin_decisions_survive_retag_and_retag_is_idempotent(seeded: Engine) -> None:
    item_id = add_story(
        seeded, "kotoutuminen-uutiset", "https://kotoutuminen.fi/-/korvaukset", *COMPENSATION
    )
    tagger_provider = provider()
    with session_scope(seeded) as session:
        tagger_provider.tag_story(session, item_id, NOW)
        store = TagStore(session)
        store.set_override(
            item_id, "compensation", "remove", "admin@example.org", NOW, "not about money"
        )
        store.set_override(item_id, "events", "add", "admin@example.org", NOW)
        tagger_provider.tag_story(session, item_id, NOW)
    tags = tags_of(seeded, item_id)
    assert "compensation" not in tags
    assert tags["events"].origin == "admin"
    assert tags["events"].reasons[0]["admin"] == "admin@example.org"
    later = NOW + timedelta(days=1)
    with session_scope(seeded) as session:
        tagger = tagger_provider.tagger(session)
        first = retag(session, tagger, now=later)
        second = retag(session, tagger, now=later)
        audit = session.exec(select(AuditEntry)).all()
    assert first.checked == second.checked == 1
    assert second.changed == 0
    assert set(tags_of(seeded, item_id)) == set(tags)
    assert {a.action for a in audit} >= {"item_tag.remove", "item_tag.add"}


def test_preview_shows_only_the_drafts_effect(seeded: Engine) -> None:
    hit = add_story(
        seeded,
        "kotoutuminen-uutiset",
        "https://kotoutuminen.fi/-/sanasto",
        "Kotoutumisen sanasto on päivitetty",
        "Sanastoon on lisätty uusia termejä.",
    )
    add_story(seeded, "kotoutuminen-uutiset", "https://kotoutuminen.fi/-/korvaukset", *COMPENSATION)
    with session_scope(seeded) as session:
        tagger = provider().tagger(session)
        draft = validate_rule(
            {"id": "events-sanasto", "tag": "events", "any": ["sanasto"]},
            taxonomy=database_taxonomy(session),
            morphology=morphology(),
        )
        result = preview_rule(session, draft, tagger=tagger)
    assert result.added == (hit,)
    assert result.removed == ()
    assert result.checked == 2


def test_rules_saved_by_admin_rebuild_the_provider(seeded: Engine) -> None:
    from aggregator.store.tagging import rules_changed

    tagger_provider = provider()
    with session_scope(seeded) as session:
        before = tagger_provider.tagger(session)
        TagStore(session).save_rule(
            {"id": "events-sanasto", "tag": "events", "any": ["sanasto"]}, "admin@example.org", NOW
        )
        rules_changed(session, NOW)
    with session_scope(seeded) as session:
        after = tagger_provider.tagger(session)
    assert after is not before
    assert "events-sanasto" in {r.id for r in after.rules}


def test_stored_story_can_be_tagged_directly(seeded: Engine) -> None:
    item_id = add_story(
        seeded,
        "hyvaks-uutiset",
        "https://www.hyvaks.fi/uutiset/ruokalista",
        "Sairaalan ravintolan ruokalista uudistuu",
        "Keskussairaalan henkilöstöravintola tarjoaa uusia kasvisruokia.",
    )
    with session_scope(seeded) as session:
        tag_story(session, provider().tagger(session), item_id, NOW)
    assert tags_of(seeded, item_id) == {}
