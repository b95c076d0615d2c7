"""The rule workbench: errors next to their fields, preview of additions and removals, save
(audited), apply to stored stories."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from aggregator.store import audit
from aggregator.store.db import session_scope
from aggregator.store.tags import TagStore
from tests.web.conftest import form_token
from tests.web.seed import Seeded

DRAFT = {
    "is_new": "1",
    "id": "funding-avustus",
    "tag": "funding",
    "any": "valtionavustus\nerityisavustus\nkorvaus",
    "fields": ["title", "summary", "body"],
    "enabled": "on",
    "description": "Grant words",
}


def post(client: TestClient, url: str, data: Mapping[str, object]) -> httpx.Response:
    token = form_token(client, "/admin/rules/new")
    response: httpx.Response = client.post(url, data={"csrf_token": token, **data})
    return response


def listed(html: str, list_id: str) -> list[str]:
    match = re.search(rf'<ul class="preview-list" id="{list_id}">(.*?)</ul>', html, re.S)
    return [unescape(t) for t in re.findall(r'">([^<]+)</a>', match.group(1))] if match else []


def test_rule_list_shows_every_stored_rule(admin_client: TestClient, seeded: Seeded) -> None:
    page = admin_client.get("/admin/rules?lang=en").text
    assert "5 rules" in page
    assert 'href="/admin/rules/placement-kuntapaikka"' in page
    assert "kuntapaikka, kiintiöpakolainen" in page


def test_errors_of_the_tagging_engine_are_shown_next_to_their_fields(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    bad = {**DRAFT, "id": "Bad Id!", "tag": "no-such-tag", "any": "kunta*", "none": "kunta*"}
    response = post(admin_client, "/admin/rules/preview?lang=en", bad)
    assert response.status_code == 422
    page = response.text
    id_errors = page[page.index('id="id-error"') :]
    assert "may only have lower-case letters" in id_errors[: id_errors.index("</div>")]
    tag_errors = page[page.index('id="tag-error"') :]
    assert "Unknown tag" in tag_errors[: tag_errors.index("</div>")]
    any_errors = page[page.index('id="any-error"') :]
    assert "looks like a regular expression" in any_errors[: any_errors.index("</div>")]
    assert 'aria-describedby="any-hint any-error" aria-invalid="true"' in page
    assert "kunta*" in page  # the draft is kept for correcting
    save = post(admin_client, "/admin/rules/save", bad)
    assert save.status_code == 422
    with session_scope(engine) as session:
        assert len(TagStore(session).rules()) == 5


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", ["saa olla vain pieniä kirjaimia", "Tuntematon tunniste", "perusmuoto"]),
        ("sv", ["får bara innehålla små bokstäver", "Okänd tagg", "grundformen"]),
    ],
)
def test_rule_errors_are_in_the_admins_language(
    admin_client: TestClient, seeded: Seeded, language: str, expected: list[str]
) -> None:
    bad = {**DRAFT, "id": "Bad Id!", "tag": "no-such-tag", "any": "kunta*"}
    page = post(admin_client, f"/admin/rules/preview?lang={language}", bad).text
    assert all(text in page for text in expected), page[-3000:]
    assert "must be a lower-case slug" not in page and "looks like a regular" not in page


def test_every_rule_message_is_translated() -> None:
    from aggregator.web.rule_form import _RULE_MESSAGES
    from tests.web.test_i18n import catalogue

    for language in ("fi", "sv"):
        known = catalogue(language)
        missing = [message for _p, message in _RULE_MESSAGES if message not in known]
        assert missing == [], (language, missing)


def test_a_new_rule_may_not_take_an_existing_id(admin_client: TestClient, seeded: Seeded) -> None:
    response = post(
        admin_client, "/admin/rules/save?lang=en", {**DRAFT, "id": "placement-kuntapaikka"}
    )
    assert response.status_code == 422
    assert "is already used by another rule" in response.text


def test_preview_lists_what_the_draft_would_add(admin_client: TestClient, seeded: Seeded) -> None:
    response = post(admin_client, "/admin/rules/preview?lang=en", DRAFT)
    assert response.status_code == 200
    added = listed(response.text, "preview-added")
    assert "Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus" in added
    assert all("AMIF" not in title for title in added)  # already tagged by its source
    assert listed(response.text, "preview-removed") == []


def test_preview_of_an_edited_rule_lists_what_it_would_remove(
    admin_client: TestClient, seeded: Seeded
) -> None:
    narrower = {
        "is_new": "0",
        "id": "placement-kuntapaikka",
        "tag": "placement",
        "any": "kiintiöpakolainen",
        "fields": ["title"],
        "enabled": "on",
    }
    response = post(admin_client, "/admin/rules/preview?lang=en", narrower)
    assert response.status_code == 200
    assert listed(response.text, "preview-removed") == [
        "Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus"
    ]


def test_saving_stores_and_audits_the_rule_then_apply_retags_history(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    response = post(admin_client, "/admin/rules/save", DRAFT)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/rules/funding-avustus?saved=1"
    with session_scope(engine) as session:
        rule = next(r for r in TagStore(session).rules() if r.id == "funding-avustus")
        entry = audit.recent(session)[0]
    assert rule.tag_id == "funding" and rule.updated_by == "editor@example.org"
    assert rule.definition["any"] == ["valtionavustus", "erityisavustus", "korvaus"]
    assert (entry.action, entry.actor, entry.before) == ("rule.save", "editor@example.org", None)
    page = admin_client.get(response.headers["location"] + "&lang=en").text
    assert "The rule is saved." in page and "Apply to stored stories too" in page

    item = seeded.items["placement"]
    with session_scope(engine) as session:
        assert "funding" not in {t.tag_id for t in TagStore(session).item_tags([item])[item]}
    applied = post(admin_client, "/admin/rules/apply", {"rule_id": "funding-avustus"})
    assert applied.status_code == 303
    assert applied.headers["location"].startswith(
        "/admin/rules/funding-avustus?applied=1&checked=6"
    )
    with session_scope(engine) as session:
        tags = {t.tag_id: t for t in TagStore(session).item_tags([item])[item]}
        assert audit.recent(session)[0].action == "rules.apply_history"
    assert tags["funding"].reasons[0]["rule"] == "funding-avustus"
    result = admin_client.get(applied.headers["location"] + "&lang=en").text
    assert "The stored stories were tagged again" in result


def test_editing_keeps_the_id_and_admin_overrides_survive_apply(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    item = seeded.items["placement"]
    token = form_token(admin_client, "/admin/items")
    admin_client.post(
        f"/admin/items/{item}/tags",
        data={"csrf_token": token, "action": "remove", "tag": "placement"},
    )
    form = admin_client.get("/admin/rules/placement-kuntapaikka").text
    assert (
        'id="id" name="id" value="placement-kuntapaikka" maxlength="80" required readonly' in form
    )
    edited = {
        "is_new": "0",
        "id": "placement-kuntapaikka",
        "tag": "placement",
        "any": "kuntapaikka\nkiintiöpakolainen\nkuntaan osoittaminen",
        "fields": ["title", "summary", "body"],
        "enabled": "on",
    }
    assert post(admin_client, "/admin/rules/save", edited).status_code == 303
    post(admin_client, "/admin/rules/apply", {"rule_id": "placement-kuntapaikka"})
    with session_scope(engine) as session:
        tags = {t.tag_id for t in TagStore(session).item_tags([item])[item]}
    assert "placement" not in tags and "compensation" in tags
