"""Readers in a real browser: browse, filter, search, read a story, grant calls, feeds,
language switcher, keyboard use; axe-core on every page."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import LiveServer, Tab


def story_titles(tab: Tab) -> list[str]:
    titles: list[str] = tab.page.locator("ol.story-list h3").all_inner_texts()
    return titles


def test_browse_and_filter(tab: Tab) -> None:
    tab.go("/")
    assert tab.page.locator("h1").inner_text() == "Uusimmat uutiset kotoutumistyöstä"
    assert len(story_titles(tab)) == 6
    tab.check("latest")
    # Other browser tests change tags in the shared database; no test touches this story's.
    tab.page.get_by_label("Aihe", exact=True).select_option("amif")
    tab.page.get_by_role("button", name="Näytä uutiset").click()
    tab.page.wait_for_url(re.compile(r"topic=amif"))
    assert story_titles(tab) == ["AMIF-rahaston haku on avattu: haettavissa 10,8 miljoonaa euroa"]
    assert tab.page.get_by_label("Aihe", exact=True).input_value() == "amif"
    tab.page.get_by_label("Alkaen").fill("2026-11-19")
    tab.page.get_by_role("button", name="Näytä uutiset").click()
    tab.page.wait_for_url(re.compile(r"from=2026-11-19"))
    assert story_titles(tab) == []
    tab.check("latest-filtered")
    tab.page.get_by_role("link", name="Poista rajaukset").click()
    assert len(story_titles(tab)) == 6


def test_search_and_read_a_story(tab: Tab, live_server: LiveServer) -> None:
    tab.go("/")
    tab.page.get_by_role("searchbox", name="Hakusanat").fill("kiintiöpakolaisten")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_url(re.compile(r"q=kiinti"))
    assert story_titles(tab) == ["Kuntapaikkojen tarve kasvaa – kunnille laskennallinen korvaus"]
    tab.check("search")
    tab.page.get_by_role("link", name="Kuntapaikkojen tarve kasvaa").click()
    tab.page.wait_for_url(f"**/items/{live_server.seeded.items['placement']}")
    why = tab.page.locator(
        "section", has=tab.page.get_by_role("heading", name="Miksi nämä tunnisteet")
    )
    assert "Sääntö placement-kuntapaikka osui" in why.inner_text()
    sources = tab.page.locator(
        "section", has=tab.page.get_by_role("heading", name="Missä uutinen julkaistiin")
    )
    assert sources.get_by_role("link").count() == 2
    tab.check("item")


def test_hostile_markup_stays_inert(tab: Tab, live_server: LiveServer) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.page.on("dialog", on_dialog)
    tab.go(f"/items/{live_server.seeded.items['hostile']}")
    assert "<script>alert(1)</script>" in tab.page.locator("h1").inner_text()
    assert tab.page.locator("main script, main iframe, main img, main style").count() == 0
    assert dialogs == []
    tab.check("item-hostile")


def test_grant_calls(tab: Tab) -> None:
    tab.go("/grants")
    rows = tab.page.locator("table tbody tr")
    assert rows.count() == 2
    assert "AMIF-rahaston syksyn 2026 haku" in rows.nth(0).inner_text()
    assert "28 päivää jäljellä" in rows.nth(0).inner_text()
    tab.check("grants")


def test_feeds_page_copies_addresses(tab: Tab, live_server: LiveServer) -> None:
    tab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab.go("/feeds")
    field = tab.page.get_by_label("RSS – Kaikki uutiset")
    assert field.input_value() == f"{live_server.url}/feeds/all.rss"
    copy = tab.page.get_by_role("button", name="Kopioi RSS – Kaikki uutiset")
    copy.click()
    assert tab.page.evaluate("navigator.clipboard.readText()") == f"{live_server.url}/feeds/all.rss"
    assert "Kopioitu" in tab.page.locator("#copy-status").inner_text()
    tab.page.get_by_role("checkbox", name="AMIF-rahasto").check()
    tab.page.get_by_role("button", name="Muodosta syötteen osoite").click()
    custom = tab.page.get_by_label("Atom – Oma syötteesi")
    assert custom.input_value() == f"{live_server.url}/feeds/custom.atom?topic=amif"
    tab.check("feeds")


def test_feeds_page_works_without_javascript(no_script_tab: Tab, live_server: LiveServer) -> None:
    no_script_tab.go("/feeds")
    page = no_script_tab.page
    assert page.get_by_label("RSS – Kaikki uutiset").input_value().endswith("/feeds/all.rss")
    assert (
        page.get_by_role("link", name="JSON – Kaikki uutiset")
        .get_attribute("href")
        .endswith("/feeds/all.json")
    )
    assert page.locator("button.copy-button:visible").count() == 0
    no_script_tab.go("/?topic=amif")
    assert page.locator("ol.story-list h3").count() == 1


def test_language_switcher_keeps_the_page(tab: Tab) -> None:
    tab.go("/?audience=municipalities")
    tab.page.get_by_role("navigation", name="Kieli").get_by_role("link", name="svenska").click()
    tab.page.wait_for_url(re.compile(r"lang=sv"))
    assert "audience=municipalities" in tab.page.url
    assert tab.page.locator("html").get_attribute("lang") == "sv"
    assert tab.page.locator("h1").inner_text() == "Senaste nyheterna om integrationsarbete"
    tab.page.get_by_role("link", name="Utlysningar").first.click()
    assert tab.page.locator("h1").inner_text() == "Öppna utlysningar"
    tab.check("grants-sv")
    tab.page.get_by_role("navigation", name="Språk").get_by_role("link", name="English").click()
    assert tab.page.locator("h1").inner_text() == "Open grant calls"


def test_keyboard_reaches_the_content_with_a_visible_focus(tab: Tab) -> None:
    tab.go("/")
    tab.page.keyboard.press("Tab")
    skip = tab.page.locator(":focus")
    assert skip.inner_text() == "Siirry sisältöön"
    assert skip.evaluate("e => getComputedStyle(e).left") != "-9999px"  # visible when focused
    tab.page.keyboard.press("Enter")
    assert tab.page.evaluate("document.activeElement.id") == "main"
    tab.page.keyboard.press("Tab")
    focused = tab.page.locator(":focus")
    assert focused.get_attribute("id") == "q"
    outline = focused.evaluate(
        "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
    )
    assert outline == "solid 3px"


def test_not_found_page(tab: Tab) -> None:
    response = tab.go("/items/999999")
    assert response.status == 404
    assert tab.page.locator("h1").inner_text() == "Sivua ei löytynyt"
    tab.check("not-found")
