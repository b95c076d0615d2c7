"""The review queue of the learned model's suggested tags: one click confirms or rejects, each
decision is a tag override (a label for the next training), audited, and kept by re-tagging;
a model never changes a tag an editor decided."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from aggregator.store import audit
from aggregator.store.db import session_scope
from aggregator.store.learning import editor_examples, pending_suggestions, save_model
from aggregator.store.models import TagSuggestion
from aggregator.store.tagging import database_tagger, tag_stories
from aggregator.store.tags import TagStore
from aggregator.tagging.learned import LearnedModel, Thresholds
from aggregator.tagging.morphology import Morphology
from tests.web.conftest import form_token
from tests.web.seed import ADMIN_EMAIL, NOW, Seeded


def catering_model(lower: float = 0.4, upper: float = 0.9) -> LearnedModel:
    """A model that is 73 % sure an item saying "kahvila" is for professionals and an event
    (sigmoid(-2 + 3)), and 12 % sure of anything else."""
    return LearnedModel(
        tags=("professionals", "events"),
        intercepts=(-2.0, -2.0),
        weights={"w:kahvila": (3.0, 3.0)},
        thresholds={tag: Thresholds(lower, upper) for tag in ("professionals", "events")},
    )


def retag(engine: Engine, config_dir: Path, morphology: Morphology, item_id: int) -> None:
    with session_scope(engine) as session:
        tag_stories(session, database_tagger(session, config_dir, morphology), [item_id], NOW)


def stored_tags(engine: Engine, item_id: int) -> dict[str, str]:
    with session_scope(engine) as session:
        rows = TagStore(session).item_tags([item_id]).get(item_id, [])
    return {row.tag_id: row.origin for row in rows}


def decide(client: TestClient, item_id: int, tag: str, decision: str) -> httpx.Response:
    token = form_token(client, "/admin/suggestions")
    response: httpx.Response = client.post(
        f"/admin/suggestions/{item_id}/{tag}", data={"csrf_token": token, "decision": decision}
    )
    return response


def test_suggestions_are_listed_then_confirmed_or_rejected_with_one_click(
    admin_client: TestClient,
    engine: Engine,
    seeded: Seeded,
    config_dir: Path,
    morphology: Morphology,
) -> None:
    item = seeded.items["offtopic"]  # "Keskussairaalan kahvila avataan uudelleen joulukuussa."
    with session_scope(engine) as session:
        save_model(session, catering_model(), NOW, actor="test")
    retag(engine, config_dir, morphology, item)
    assert "professionals" not in stored_tags(engine, item)  # 73 % < upper: suggested only

    page = admin_client.get("/admin/suggestions?lang=en").text
    assert "2 suggestions wait for a decision." in page
    assert "Sairaalan ravintolapalvelut uudistuvat" in page
    assert "73 %" in page and "kahvila" in page
    assert "Ehdotetut tunnisteet" in admin_client.get("/admin/suggestions?lang=fi").text

    confirmed = decide(admin_client, item, "professionals", "confirm")
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/admin/suggestions?done=confirm"
    assert decide(admin_client, item, "events", "reject").status_code == 303
    assert decide(admin_client, item, "events", "reject").status_code == 404  # decided already

    assert stored_tags(engine, item) == {"professionals": "admin"}
    with session_scope(engine) as session:
        assert pending_suggestions(session) == []
        statuses = {
            row.tag_id: (row.status, row.decided_by)
            for row in (
                session.get_one(TagSuggestion, (item, "professionals")),
                session.get_one(TagSuggestion, (item, "events")),
            )
        }
        assert statuses == {
            "professionals": ("confirmed", ADMIN_EMAIL),
            "events": ("rejected", ADMIN_EMAIL),
        }
        labels = {e.id: dict(e.labels) for e in editor_examples(session)}
        actions = [entry.action for entry in audit.recent(session)[:2]]
    assert labels[f"story-{item}"] == {"professionals": True, "events": False}
    assert sorted(actions) == ["item_tag.add", "item_tag.remove"]
    assert (
        "No suggestions wait for a decision." in admin_client.get("/admin/suggestions?lang=en").text
    )


def test_a_model_never_changes_a_tag_an_editor_decided(
    admin_client: TestClient,
    engine: Engine,
    seeded: Seeded,
    config_dir: Path,
    morphology: Morphology,
) -> None:
    item = seeded.items["offtopic"]
    with session_scope(engine) as session:
        save_model(session, catering_model(), NOW)
    retag(engine, config_dir, morphology, item)
    assert decide(admin_client, item, "events", "reject").status_code == 303
    with session_scope(engine) as session:  # a newer model is sure: it would tag both
        save_model(session, catering_model(lower=0.2, upper=0.5), NOW)
    retag(engine, config_dir, morphology, item)
    tags = stored_tags(engine, item)
    assert tags == {"professionals": "model"}  # the model tags what nobody decided
    with session_scope(engine) as session:
        reasons = TagStore(session).item_tags([item])[item][0].reasons
        assert pending_suggestions(session) == []  # a rejected tag is not suggested again
    assert reasons[0]["origin"] == "model" and reasons[0]["words"] == ["kahvila"]
    assert reasons[0]["probability"] == 0.731
    page = admin_client.get(f"/items/{item}?lang=en").text
    assert "The learned model gave this tag (probability 73 %)" in page
