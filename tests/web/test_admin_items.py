"""Admins add and remove tags on one story; re-tagging keeps their choice; all audited."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from aggregator.store import audit
from aggregator.store.db import session_scope
from aggregator.store.tags import TagStore
from tests.web.conftest import form_token
from tests.web.seed import NOW, Seeded


def change(client: TestClient, item_id: int, **data: str) -> httpx.Response:
    token = form_token(client, "/admin/items")
    response: httpx.Response = client.post(
        f"/admin/items/{item_id}/tags", data={"csrf_token": token, **data}
    )
    return response


def stored_tags(engine: Engine, item_id: int) -> dict[str, str]:
    with session_scope(engine) as session:
        rows = TagStore(session).item_tags([item_id]).get(item_id, [])
    return {row.tag_id: row.origin for row in rows}


def test_item_list_finds_stories_and_shows_their_tags(
    admin_client: TestClient, seeded: Seeded
) -> None:
    page = admin_client.get("/admin/items?q=kuntapaikkojen&lang=en").text
    assert f'href="/admin/items/{seeded.items["placement"]}"' in page
    assert "1 story" in page
    assert "Korvaukset" in page or "State compensation" in page


def test_adding_a_tag_records_the_admin_and_the_time(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    item = seeded.items["conference"]
    response = change(admin_client, item, action="add", tag="funding", note="Conference grants")
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/items/{item}?done=add"
    tags = stored_tags(engine, item)
    assert tags["funding"] == "admin"
    with session_scope(engine) as session:
        row = next(r for r in TagStore(session).item_tags([item])[item] if r.tag_id == "funding")
        entry = audit.recent(session)[0]
    assert row.reasons == [
        {
            "origin": "admin",
            "admin": "editor@example.org",
            "at": NOW.isoformat(),
            "note": "Conference grants",
        }
    ]
    assert (entry.action, entry.entity_id, entry.actor) == (
        "item_tag.add",
        str(item),
        "editor@example.org",
    )
    admin_page = admin_client.get(f"/admin/items/{item}?lang=en").text
    assert "Set by admin editor@example.org on 20 Nov 2026 12:00" in admin_page
    public = admin_client.get(f"/items/{item}?lang=en").text
    assert "Set by an editor on 20 Nov 2026 12:00" in public
    assert "editor@example.org" not in public.replace("Logged in as editor@example.org", "")


def test_removing_a_rule_tag_sticks_and_the_rules_still_tag_the_rest(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    item = seeded.items["placement"]
    assert change(admin_client, item, action="remove", tag="compensation").status_code == 303
    tags = stored_tags(engine, item)
    assert "compensation" not in tags
    assert tags["placement"] == "rule"
    assert tags["municipalities"] == "source"  # "Uutisia viranomaisille" also carried it
    page = admin_client.get(f"/admin/items/{item}?lang=en").text
    assert "Removed by an admin" in page
    assert "Let the rules decide" in page


def test_reset_lets_the_rules_decide_again(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    item = seeded.items["placement"]
    change(admin_client, item, action="remove", tag="compensation")
    assert change(admin_client, item, action="reset", tag="compensation").status_code == 303
    assert stored_tags(engine, item)["compensation"] == "rule"
    with session_scope(engine) as session:
        assert TagStore(session).overrides([item]) == {}
        assert audit.recent(session)[0].action == "item_tag.reset"


def test_tags_are_recomputed_from_the_story_text(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    # The seeded reasons are placeholders; after a change the stored reasons are the real
    # tagger's, with the words that matched in this story.
    item = seeded.items["placement"]
    change(admin_client, item, action="add", tag="professionals")
    with session_scope(engine) as session:
        rows = {r.tag_id: r for r in TagStore(session).item_tags([item])[item]}
    placement = rows["placement"].reasons[0]
    assert placement["rule"] == "placement-kuntapaikka"
    assert any("Kuntapaikkojen" in m["words"] for m in placement["matched"])


def test_unknown_tag_or_action_is_refused(admin_client: TestClient, seeded: Seeded) -> None:
    item = seeded.items["placement"]
    assert change(admin_client, item, action="add", tag="no-such-tag").status_code == 422
    assert change(admin_client, item, action="delete", tag="funding").status_code == 422
    assert change(admin_client, 99999, action="add", tag="funding").status_code == 404


def test_an_editors_note_is_shown_to_admins_and_never_on_the_public_page(
    admin_client: TestClient, client: TestClient, seeded: Seeded
) -> None:
    item = seeded.items["conference"]
    change(admin_client, item, action="add", tag="funding", note="Sisäinen huomautus 42")
    assert "Sisäinen huomautus 42" in admin_client.get(f"/admin/items/{item}").text
    public = client.get(f"/items/{item}").text
    assert "Sisäinen huomautus 42" not in public
    assert "Rahoitus" in public or "funding" in public  # the tag itself is public


def test_a_note_marked_public_is_shown_on_the_public_page_as_the_editors(
    admin_client: TestClient, client: TestClient, seeded: Seeded
) -> None:
    item = seeded.items["conference"]
    change(
        admin_client,
        item,
        action="add",
        tag="funding",
        note="Haku koskee myös kuntia",
        note_public="1",
    )
    admin_page = admin_client.get(f"/admin/items/{item}").text
    assert "Haku koskee myös kuntia" in admin_page
    assert "näkyy julkisesti" in admin_page  # the admin sees that the note is public
    public = client.get(f"/items/{item}").text
    assert "Toimituksen huomautus: Haku koskee myös kuntia" in public
    # Changing the same tag again without the mark makes the note private again.
    change(admin_client, item, action="add", tag="funding", note="Haku koskee myös kuntia")
    assert "Haku koskee myös kuntia" not in client.get(f"/items/{item}").text
    assert "vain toimittajille" in admin_client.get(f"/admin/items/{item}").text
