"""Admins in a real browser: login, source disable, rule preview and save, tag override,
subscribers and audit pages; axe-core on every page."""

from __future__ import annotations

import re

from sqlmodel import select

from aggregator.store.db import session_scope
from aggregator.store.models import SourceState
from aggregator.store.tags import TagStore
from tests.browser.conftest import LiveServer, Tab
from tests.web.seed import ADMIN_EMAIL


def test_admin_login(tab: Tab) -> None:
    tab.go("/admin/rules")
    tab.page.wait_for_url(re.compile(r"/admin/login\?next=/admin/rules"))
    tab.check("admin-login")
    tab.page.get_by_label("Sähköpostiosoite").fill(ADMIN_EMAIL)
    tab.page.get_by_label("Salasana").fill("not the password")
    tab.page.get_by_role("button", name="Kirjaudu sisään").click()
    assert tab.page.get_by_role("alert").inner_text() == "Väärä sähköpostiosoite tai salasana."
    tab.check("admin-login-error")
    tab.page.get_by_label("Salasana").fill("correct horse battery")
    tab.page.get_by_role("button", name="Kirjaudu sisään").click()
    tab.page.wait_for_url("**/admin/rules")
    assert tab.page.get_by_text(f"Kirjautuneena: {ADMIN_EMAIL}").is_visible()
    cookies = {c["name"]: c for c in tab.page.context.cookies()}
    assert cookies["admin_session"]["httpOnly"] and cookies["admin_session"]["sameSite"] == "Strict"
    tab.page.get_by_role("button", name="Kirjaudu ulos").click()
    tab.page.wait_for_url(re.compile(r"logged_out=1"))
    assert "Olet kirjautunut ulos." in tab.page.get_by_role("status").inner_text()


def test_source_dashboard_and_disable(admin_tab: Tab, live_server: LiveServer) -> None:
    page = admin_tab.page
    row = page.locator("#source-hyvaks-uutiset")
    assert "Ei vielä haettu" in row.inner_text()
    admin_tab.check("admin-sources")
    row.get_by_role("button", name="Poista käytöstä Hyvinvointialue Hyvaks").click()
    page.wait_for_url(re.compile(r"done=disabled"))
    assert "Lähde on poistettu käytöstä" in page.get_by_role("status").first.inner_text()
    assert "Ei käytössä" in page.locator("#source-hyvaks-uutiset").inner_text()
    with session_scope(live_server.engine) as session:
        state = session.exec(
            select(SourceState).where(SourceState.source_id == "hyvaks-uutiset")
        ).one()
    assert state.enabled is False
    admin_tab.check("admin-sources-disabled")
    page.locator("#source-hyvaks-uutiset").get_by_role(
        "button", name=re.compile("Ota käyttöön")
    ).click()
    assert "Ei käytössä" not in page.locator("#source-hyvaks-uutiset").inner_text()


def test_source_edit_form(admin_tab: Tab) -> None:
    admin_tab.go("/admin/sources/eusa-amif/edit")
    page = admin_tab.page
    page.get_by_label("Minuutteja hakujen välillä").fill("2")
    page.get_by_role("button", name="Tallenna").click()
    assert page.url.endswith("/edit")  # the browser's own check stops the form first
    assert page.get_by_label("Minuutteja hakujen välillä").evaluate("e => !e.validity.valid")
    page.get_by_label("Minuutteja hakujen välillä").fill("30")
    page.get_by_label("Julkaisijan nimi").fill(" ")  # passes `required`, not the server
    page.get_by_role("button", name="Tallenna").click()
    assert page.locator("#publisher-error").inner_text() == "Tämä kenttä on pakollinen."
    assert page.get_by_label("Julkaisijan nimi").get_attribute("aria-invalid") == "true"
    admin_tab.check("admin-source-edit-error")


def test_rule_preview_and_save(admin_tab: Tab, live_server: LiveServer) -> None:
    page = admin_tab.page
    admin_tab.go("/admin/rules")
    admin_tab.check("admin-rules")
    page.get_by_role("link", name="Uusi sääntö").click()
    page.get_by_label("Säännön nimi").fill("funding-valtionavustus")
    page.get_by_label("Annettava tunniste").select_option("funding")
    page.get_by_label("Jokin näistä termeistä").fill("valtionavustus\nlaskennallinen korvaus*")
    page.get_by_role("button", name="Esikatsele").click()
    any_error = page.locator("#any-error")
    assert "näyttää säännölliseltä lausekkeelta" in any_error.inner_text()  # in Finnish
    admin_tab.check("admin-rule-error")
    page.get_by_label("Jokin näistä termeistä").fill("valtionavustus\nlaskennallinen korvaus")
    page.get_by_role("button", name="Esikatsele").click()
    added = page.locator("#preview-added")
    assert "Kuntapaikkojen tarve kasvaa" in added.inner_text()
    admin_tab.check("admin-rule-preview")
    page.get_by_role("button", name="Tallenna sääntö").click()
    page.wait_for_url(re.compile(r"/admin/rules/funding-valtionavustus\?saved=1"))
    page.get_by_role("button", name="Sovella myös tallennettuihin uutisiin").click()
    page.wait_for_url(re.compile(r"applied=1"))
    assert "luokiteltiin uudelleen" in page.get_by_role("status").inner_text()
    admin_tab.check("admin-rule-applied")
    item = live_server.seeded.items["placement"]
    with session_scope(live_server.engine) as session:
        tags = {t.tag_id for t in TagStore(session).item_tags([item])[item]}
    assert "funding" in tags


def test_tag_override(admin_tab: Tab, live_server: LiveServer) -> None:
    page = admin_tab.page
    admin_tab.go("/admin/items")
    admin_tab.check("admin-items")
    page.get_by_role("searchbox", name="Hakusanat").fill("conference")
    page.get_by_role("button", name="Hae").click()
    page.get_by_role("link", name="Integration 2026 conference: registration is open").click()
    page.get_by_label("Tunniste", exact=True).select_option("temporary-protection")
    page.get_by_label("Huomautus (valinnainen)").fill("Ukrainalaisille suunnattu")
    page.get_by_role("button", name="Lisää tunniste").click()
    page.wait_for_url(re.compile(r"done=add"))
    row = page.locator("tr", has=page.get_by_text("Tilapäinen suojelu", exact=True))
    assert f"Ylläpitäjän {ADMIN_EMAIL} asettama" in row.inner_text()
    assert "Ukrainalaisille suunnattu" in row.inner_text()
    admin_tab.check("admin-item-tags")
    page.get_by_role("button", name="Poista Tapahtumat").click()
    page.wait_for_url(re.compile(r"done=remove"))
    assert page.locator("tr", has=page.get_by_text("Tapahtumat", exact=True)).count() == 0
    item = live_server.seeded.items["conference"]
    admin_tab.go(f"/items/{item}")
    why = page.locator("dl.reasons").inner_text()
    assert "Toimittajan asettama" in why and ADMIN_EMAIL not in why


def test_subscribers_and_audit_pages(admin_tab: Tab) -> None:
    admin_tab.go("/admin/subscribers")
    assert "reader0@example.org" not in admin_tab.page.content()
    admin_tab.check("admin-subscribers")
    admin_tab.go("/admin/audit")
    assert admin_tab.page.locator("tbody tr").count() >= 1
    admin_tab.check("admin-audit")
