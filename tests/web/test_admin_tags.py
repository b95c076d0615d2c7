"""The taxonomy editor: list with use counts, add a topic, edit labels and descriptions (each
error next to its field), audited changes that make the taggers rebuild, and deactivating a
topic (refused while rules give it; then hidden from readers and from new tagging)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import unescape

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from aggregator.runtime import Runtime
from aggregator.store import tagging as curation
from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.store.models import AuditEntry, TagRow
from aggregator.store.tags import TagStore
from aggregator.web.feedcache import FeedService
from tests.web.conftest import form_token, post_form
from tests.web.seed import ADMIN_EMAIL, Seeded

NEW_TOPIC = {
    "id": "language-training",
    "label_fi": "Kielikoulutus",
    "label_sv": "Språkutbildning",
    "label_en": "Language training",
    "description_fi": "Suomen ja ruotsin kielen koulutus kotoutujille.",
    "description_sv": "",
    "description_en": "Finnish and Swedish courses for immigrants.",
}
COMPENSATION = {
    "label_fi": "Korvaukset",
    "label_sv": "Ersättningar",
    "label_en": "State compensation",
    "description_en": "State compensation to municipalities.",
}


def post(client: TestClient, url: str, data: Mapping[str, object] | None = None) -> httpx.Response:
    token = form_token(client, "/admin/tags/new")
    response: httpx.Response = client.post(url, data={"csrf_token": token, **(data or {})})
    return response


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', page, re.S)
    assert match, f"no error shown for {name}"
    return unescape(match.group(1))


def audit_entries(engine: Engine, tag_id: str) -> list[AuditEntry]:
    with session_scope(engine) as session:
        query = select(AuditEntry).where(col(AuditEntry.entity_type) == "tag")
        rows = session.exec(query.where(col(AuditEntry.entity_id) == tag_id))
        return list(rows.all())


def tag_row(engine: Engine, tag_id: str) -> TagRow:
    with session_scope(engine) as session:
        row = session.get_one(TagRow, tag_id)
        session.expunge(row)
        return row


def rules_version(engine: Engine) -> int:
    with session_scope(engine) as session:
        return versions.current(session, curation.RULES_VERSION)[0]


def public_topics(client: TestClient) -> list[str]:
    """The topic ids offered by the public filter on the front page."""
    page = client.get("/").text
    select_html = page[page.index('<select id="topic"') :]
    return re.findall(r'<option value="([^"]+)"', select_html[: select_html.index("</select>")])


def subscription_topics(client: TestClient) -> list[str]:
    return re.findall(r'name="topics" value="([^"]+)"', client.get("/subscribe").text)


# --- list and login --------------------------------------------------------------------------


def test_the_list_shows_every_tag_with_labels_and_use(
    admin_client: TestClient, seeded: Seeded
) -> None:
    page = admin_client.get("/admin/tags?lang=en").text
    assert "12 audiences and topics" in page
    row = page[page.index('<tr id="tag-placement">') :]
    row = row[: row.index("</tr>")]
    assert 'href="/admin/tags/placement"' in row and ">Topic<" in row
    assert '<td lang="fi">Kuntapaikat ja kuntiin osoittaminen</td>' in row
    assert '<td lang="sv">Kommunplatser och anvisning till kommuner</td>' in row
    assert '<td lang="en">Municipal placement</td>' in row
    assert "Active" in row
    assert re.findall(r'<td class="num">(\d+)', row) == ["1", "1"]  # one story, one rule
    municipalities = page[page.index('<tr id="tag-municipalities">') :]
    assert re.findall(r'<td class="num">(\d+)', municipalities)[:2] == ["2", "1"]
    assert page.index('id="tag-funding"') < page.index('id="tag-amif"')  # audiences first
    assert 'href="/admin/tags/new"' in page
    assert "The three audiences are fixed by the service's design" in page


def test_the_admin_menu_links_to_the_editor(admin_client: TestClient, seeded: Seeded) -> None:
    page = admin_client.get("/admin/tags?lang=en").text
    assert '<a href="/admin/tags" aria-current="page">Audiences and topics</a>' in page
    other = admin_client.get("/admin/rules?lang=en").text
    assert '<a href="/admin/tags">Audiences and topics</a>' in other


def test_every_page_and_action_needs_a_login(
    client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    for path in ("/admin/tags", "/admin/tags/new", "/admin/tags/placement"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/admin/login?next={path}"
    for path in ("/admin/tags/new", "/admin/tags/events", "/admin/tags/events/deactivate"):
        response = post_form(client, path, {**NEW_TOPIC, "id": "sneaky"})
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/admin/login")
    with session_scope(engine) as session:
        assert session.get(TagRow, "sneaky") is None
        assert session.get_one(TagRow, "events").active


def test_an_unknown_tag_is_not_found(admin_client: TestClient, seeded: Seeded) -> None:
    assert admin_client.get("/admin/tags/no-such-tag").status_code == 404
    assert post(admin_client, "/admin/tags/no-such-tag", COMPENSATION).status_code == 404
    assert post(admin_client, "/admin/tags/no-such-tag/deactivate").status_code == 404


# --- adding a topic --------------------------------------------------------------------------


def test_adding_a_topic_stores_audits_and_offers_it_everywhere(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    before = rules_version(engine)
    response = post(admin_client, "/admin/tags/new", NEW_TOPIC)
    assert response.status_code == 303
    assert (
        response.headers["location"] == "/admin/tags?added=language-training#tag-language-training"
    )
    row = tag_row(engine, "language-training")
    assert (row.kind, row.active, row.label_sv) == ("topic", True, "Språkutbildning")
    assert row.description_fi == NEW_TOPIC["description_fi"] and row.description_sv == ""
    with session_scope(engine) as session:
        assert row.position > max(
            t.position for t in TagStore(session).taxonomy() if t.id != row.id
        )
    [entry] = audit_entries(engine, "language-training")
    assert (entry.action, entry.actor, entry.before) == ("tag.save", ADMIN_EMAIL, None)
    assert entry.after is not None and entry.after["label_en"] == "Language training"
    assert rules_version(engine) > before  # taggers everywhere rebuild

    page = admin_client.get(response.headers["location"].split("#")[0] + "&lang=en").text
    assert "The topic “Language training” is added." in page
    assert '<tr id="tag-language-training">' in page and "13 audiences and topics" in page
    assert "language-training" in public_topics(admin_client)
    assert "language-training" in subscription_topics(admin_client)
    # the rule workbench knows the new topic at once
    draft = {"is_new": "1", "id": "kielikurssi", "tag": "language-training", "any": "kielikurssi"}
    preview = post(admin_client, "/admin/rules/preview", {**draft, "fields": ["title"]})
    assert preview.status_code == 200, preview.text


def test_the_new_topic_page_explains_that_audiences_are_fixed(
    admin_client: TestClient, seeded: Seeded
) -> None:
    page = admin_client.get("/admin/tags/new?lang=en").text
    assert "Only topics can be added. The three audiences are fixed" in page
    assert 'name="id"' in page and 'name="kind"' not in page


def test_a_posted_kind_is_ignored_new_tags_are_topics(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    response = post(admin_client, "/admin/tags/new", {**NEW_TOPIC, "kind": "audience"})
    assert response.status_code == 303
    assert tag_row(engine, "language-training").kind == "topic"


def test_each_error_is_shown_next_to_its_field_and_nothing_is_saved(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    bad = {
        "id": "Kieli Koulutus",
        "label_fi": "   ",
        "label_sv": "Språkutbildning",
        "label_en": "L" * 101,
        "description_fi": "",
        "description_sv": " ",
        "description_en": "",
    }
    response = post(admin_client, "/admin/tags/new?lang=en", bad)
    assert response.status_code == 422
    page = response.text
    assert "Use lower-case letters a–z and digits" in field_error(page, "id")
    assert field_error(page, "label_fi") == "This field is required."
    assert field_error(page, "label_en") == "At most 100 characters."
    assert field_error(page, "descriptions") == "Write the description in at least one language."
    assert 'id="label_sv-error"' not in page
    assert 'aria-describedby="labels-hint label_fi-error" aria-invalid="true"' in page
    assert 'aria-describedby="descriptions-hint descriptions-error"' in page
    assert 'value="Kieli Koulutus"' in page and 'value="Språkutbildning"' in page  # kept
    with session_scope(engine) as session:
        assert len(TagStore(session).taxonomy(active_only=False)) == 12
    assert audit_entries(engine, "Kieli Koulutus") == []


def test_an_id_or_label_already_in_use_is_refused(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    for tag_id in ("placement", "municipalities"):
        response = post(admin_client, "/admin/tags/new?lang=en", {**NEW_TOPIC, "id": tag_id})
        assert response.status_code == 422
        assert field_error(response.text, "id") == "Another audience or topic already has this id."
    reserved = post(admin_client, "/admin/tags/new?lang=en", {**NEW_TOPIC, "id": "new"})
    assert field_error(reserved.text, "id") == "This id is reserved; choose another."
    same_label = post(
        admin_client, "/admin/tags/new?lang=en", {**NEW_TOPIC, "label_sv": "ersättningar"}
    )
    assert same_label.status_code == 422
    assert "already has this label" in field_error(same_label.text, "label_sv")
    with session_scope(engine) as session:
        assert session.get_one(TagRow, "placement").label_en == "Municipal placement"
        assert session.get(TagRow, "new") is None


# --- editing ---------------------------------------------------------------------------------


def test_editing_labels_is_audited_with_before_and_after(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    form = admin_client.get("/admin/tags/compensation?lang=en").text
    assert 'value="State compensation"' in form and 'name="id"' not in form
    before = rules_version(engine)
    edited = {
        **COMPENSATION,
        "label_en": "Compensation to municipalities",
        "description_sv": "Statlig ersättning till kommuner.",
    }
    response = post(admin_client, "/admin/tags/compensation", edited)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/tags/compensation?done=saved"
    row = tag_row(engine, "compensation")
    assert row.label_en == "Compensation to municipalities"
    assert row.description_sv == "Statlig ersättning till kommuner."
    assert row.description_en == "State compensation to municipalities."
    [entry] = audit_entries(engine, "compensation")
    assert entry.actor == ADMIN_EMAIL and entry.before and entry.after
    assert (entry.before["label_en"], entry.after["label_en"]) == (
        "State compensation",
        "Compensation to municipalities",
    )
    assert entry.after["id"] == "compensation" and entry.after["kind"] == "topic"
    assert rules_version(engine) > before
    assert "Compensation to municipalities" in admin_client.get("/?lang=en").text
    saved = admin_client.get(response.headers["location"] + "&lang=en").text
    assert "The labels and descriptions are saved." in saved

    unchanged = post(admin_client, "/admin/tags/compensation", edited)
    assert unchanged.headers["location"] == "/admin/tags/compensation?done=unchanged"
    assert len(audit_entries(engine, "compensation")) == 1


def test_audience_labels_are_editable_but_it_cannot_be_deactivated(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    page = admin_client.get("/admin/tags/funding?lang=en").text
    assert "Audiences are fixed by the service's design" in page
    assert "/admin/tags/funding/deactivate" not in page
    edited = {
        "label_fi": "Rahoitus",
        "label_sv": "Finansiering",
        "label_en": "Funding",
        "description_fi": "Avustushaut.",
    }
    assert post(admin_client, "/admin/tags/funding", edited).status_code == 303
    assert tag_row(engine, "funding").label_fi == "Rahoitus"
    refused = post(admin_client, "/admin/tags/funding/deactivate?lang=en")
    assert refused.status_code == 409
    assert "Audiences cannot be deactivated." in refused.text
    assert tag_row(engine, "funding").active


def test_an_edit_with_errors_is_refused_and_kept_for_correcting(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    stored = tag_row(engine, "compensation")
    edited = {**COMPENSATION, "label_sv": "", "description_en": "", "id": "renamed"}
    response = post(admin_client, "/admin/tags/compensation?lang=en", edited)
    assert response.status_code == 422
    assert field_error(response.text, "label_sv") == "This field is required."
    assert "at least one language" in field_error(response.text, "descriptions")
    assert 'value="State compensation"' in response.text
    assert tag_row(engine, "compensation") == stored
    assert audit_entries(engine, "compensation") == []


# --- deactivating ----------------------------------------------------------------------------


def test_deactivating_is_refused_while_rules_give_the_topic(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    page = admin_client.get("/admin/tags/placement?lang=en").text
    assert "Rules still give this topic" not in page  # one rule: the singular sentence
    assert "A rule still gives this topic, so it cannot be deactivated yet." in page
    assert 'href="/admin/rules/placement-kuntapaikka"' in page
    assert "/admin/tags/placement/deactivate" not in page
    response = post(admin_client, "/admin/tags/placement/deactivate?lang=en")
    assert response.status_code == 409
    alert = response.text[response.text.index('role="alert"') :]
    assert (
        "The topic cannot be deactivated while a rule gives it: placement-kuntapaikka. "
        "Disable that rule first." in alert[: alert.index("</div>")]
    )
    assert tag_row(engine, "placement").active
    assert audit_entries(engine, "placement") == []


def disable_rule(client: TestClient, rule_id: str, tag_id: str, terms: str) -> None:
    rule = {"is_new": "0", "id": rule_id, "tag": tag_id, "any": terms, "fields": "title"}
    assert post(client, "/admin/rules/save", rule).status_code == 303  # "enabled" left out


def test_deactivated_topic_is_hidden_from_readers_then_reactivated(
    app: FastAPI, runtime: Runtime, admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    # feeds read the content version at most once a second; here at every request
    app.state.feed_service = FeedService(runtime, version_interval=0)
    disable_rule(admin_client, "events-conference", "events", "conference\nseminaari")
    page = admin_client.get("/admin/tags/events?lang=en").text
    assert "Not in use:" in page and "/admin/tags/events/deactivate" in page
    before = rules_version(engine)
    response = post(admin_client, "/admin/tags/events/deactivate")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/tags/events?done=deactivated"
    assert not tag_row(engine, "events").active
    [entry] = audit_entries(engine, "events")
    assert entry.before and entry.after
    assert (entry.before["active"], entry.after["active"]) == (True, False)
    assert rules_version(engine) > before

    assert "events" not in public_topics(admin_client)
    assert "events" not in subscription_topics(admin_client)
    assert "/feeds/topic/events.rss" not in admin_client.get("/feeds").text
    assert "/feeds/topic/events" not in admin_client.get("/feeds/index.opml").text
    assert admin_client.get("/feeds/topic/events.rss").status_code == 404
    item = seeded.items["conference"]
    story = admin_client.get(f"/items/{item}?lang=en").text
    assert "Events" not in story and ">events<" not in story  # the stored tag is not shown
    with session_scope(engine) as session:
        assert "events" in {t.tag_id for t in TagStore(session).item_tags([item])[item]}
    listing = admin_client.get("/admin/tags?lang=en").text
    assert "Inactive" in listing[listing.index('<tr id="tag-events">') :]
    shown = admin_client.get(response.headers["location"] + "&lang=en").text
    assert "The topic is deactivated." in shown and "/admin/tags/events/activate" in shown

    again = post(admin_client, "/admin/tags/events/activate")
    assert again.headers["location"] == "/admin/tags/events?done=activated"
    assert tag_row(engine, "events").active
    assert [e.after["active"] for e in audit_entries(engine, "events") if e.after] == [False, True]
    assert "events" in public_topics(admin_client)
    assert "events" in subscription_topics(admin_client)
    assert "/feeds/topic/events" in admin_client.get("/feeds/index.opml").text
    assert "Events" in admin_client.get(f"/items/{item}?lang=en").text


def test_taggers_stop_giving_a_deactivated_topic(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    """The AMIF story gets 'amif' from its source; once the topic is deactivated, re-tagging
    (by the app's tagger, built before the change) leaves it out, and reactivating brings it
    back."""
    item = seeded.items["amif"]

    def retag_and_read() -> set[str]:
        assert post(admin_client, "/admin/rules/apply", {"rule_id": ""}).status_code == 303
        with session_scope(engine) as session:
            return {t.tag_id for t in TagStore(session).item_tags([item])[item]}

    assert "amif" in retag_and_read()
    assert post(admin_client, "/admin/tags/amif/deactivate").status_code == 303
    assert retag_and_read() == {"funding"}
    assert post(admin_client, "/admin/tags/amif/activate").status_code == 303
    assert "amif" in retag_and_read()


def test_deactivating_twice_changes_nothing_more(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    assert post(admin_client, "/admin/tags/minors/deactivate").status_code == 303
    assert post(admin_client, "/admin/tags/minors/deactivate").status_code == 303
    assert post(admin_client, "/admin/tags/minors/activate").status_code == 303
    assert post(admin_client, "/admin/tags/minors/activate").status_code == 303
    assert len(audit_entries(engine, "minors")) == 2


def test_the_audit_log_links_tag_changes_to_the_editor(
    admin_client: TestClient, seeded: Seeded
) -> None:
    post(admin_client, "/admin/tags/minors/deactivate")
    assert 'href="/admin/tags/minors">tag minors</a>' in admin_client.get("/admin/audit").text


def test_admins_can_remove_but_not_add_a_deactivated_topic_on_a_story(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    disable_rule(admin_client, "events-conference", "events", "conference")
    assert post(admin_client, "/admin/tags/events/deactivate").status_code == 303
    assert post(admin_client, "/admin/tags/minors/deactivate").status_code == 303
    item = seeded.items["conference"]
    page = admin_client.get(f"/admin/items/{item}?lang=en").text
    assert ">Events</span>" in page  # still labelled for admins
    assert '<option value="minors"' not in page
    added = post(admin_client, f"/admin/items/{item}/tags", {"action": "add", "tag": "minors"})
    assert added.status_code == 422
    removed = post(admin_client, f"/admin/items/{item}/tags", {"action": "remove", "tag": "events"})
    assert removed.status_code == 303
    with session_scope(engine) as session:
        assert "events" not in {t.tag_id for t in TagStore(session).item_tags([item])[item]}
