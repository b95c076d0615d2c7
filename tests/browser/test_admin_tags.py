"""The taxonomy editor in a real browser: reach it from the admin menu, add a topic (after a
server-side error shown next to its field), see it in the list; axe-core on every page."""

from __future__ import annotations

import re

from aggregator.store.db import session_scope
from aggregator.store.models import TagRow
from tests.browser.conftest import LiveServer, Tab


def test_add_a_topic_and_see_it_in_the_list(admin_tab: Tab, live_server: LiveServer) -> None:
    page = admin_tab.page
    page.get_by_role("link", name="Kohderyhmät ja aiheet", exact=True).click()
    page.wait_for_url("**/admin/tags")
    placement = page.locator("#tag-placement")
    assert "Kuntapaikat ja kuntiin osoittaminen" in placement.inner_text()
    assert "Käytössä" in placement.inner_text()
    admin_tab.check("admin-tags")

    page.get_by_role("link", name="Uusi aihe").click()
    page.wait_for_url("**/admin/tags/new")
    admin_tab.check("admin-tag-new")
    page.get_by_label("Tunnus").fill("Kieli Koulutus")  # passes `required`, not the server
    page.get_by_label("Nimi suomeksi").fill("Kielikoulutus")
    page.get_by_label("Nimi ruotsiksi").fill("Språkutbildning")
    page.get_by_label("Nimi englanniksi").fill("Language training")
    page.get_by_label("Kuvaus suomeksi").fill("Suomen ja ruotsin kielen koulutus kotoutujille.")
    page.get_by_role("button", name="Lisää aihe").click()
    assert "aloita kirjaimella" in page.locator("#id-error").inner_text()
    assert page.get_by_label("Tunnus").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Nimi ruotsiksi").input_value() == "Språkutbildning"  # kept
    admin_tab.check("admin-tag-new-error")

    page.get_by_label("Tunnus").fill("language-training")
    page.get_by_role("button", name="Lisää aihe").click()
    page.wait_for_url(re.compile(r"/admin/tags\?added=language-training"))
    assert "Aihe ”Kielikoulutus” on lisätty." in page.get_by_role("status").inner_text()
    row = page.locator("#tag-language-training")
    assert "Kielikoulutus" in row.inner_text() and "Language training" in row.inner_text()
    assert "Aihe" in row.inner_text() and "Käytössä" in row.inner_text()
    admin_tab.check("admin-tags-added")
    with session_scope(live_server.engine) as session:
        added = session.get_one(TagRow, "language-training")
        assert (added.kind, added.label_sv, added.active) == ("topic", "Språkutbildning", True)

    row.get_by_role("link", name="language-training").click()
    page.wait_for_url("**/admin/tags/language-training")
    assert page.get_by_label("Nimi englanniksi").input_value() == "Language training"
    assert page.get_by_role("button", name="Poista aihe käytöstä").is_visible()
    admin_tab.check("admin-tag-edit-new-topic")


def test_a_topic_that_rules_give_names_them(admin_tab: Tab) -> None:
    admin_tab.go("/admin/tags/placement")
    page = admin_tab.page
    warning = page.locator(".notice--warn")
    assert "Poista ensin sääntö käytöstä" in warning.inner_text()
    assert warning.get_by_role("link", name="placement-kuntapaikka").is_visible()
    assert page.get_by_role("button", name="Poista aihe käytöstä").count() == 0
    admin_tab.check("admin-tag-edit")


def test_an_audience_explains_that_it_is_fixed(admin_tab: Tab) -> None:
    admin_tab.go("/admin/tags/funding?lang=en")
    page = admin_tab.page
    assert "Audiences are fixed by the service's design" in page.locator("main").inner_text()
    assert page.get_by_label("Label in Finnish").input_value() == "Rahoitus ja avustushaut"
    admin_tab.check("admin-tag-audience-en")
