"""A reader subscribes, confirms with the link from the email (caught by a loopback SMTP
server), opens the preferences and unsubscribes; axe-core on every page."""

from __future__ import annotations

import re

from tests.browser.conftest import LiveServer, Tab

EMAIL = "lukija@example.org"


def mailed_link(live_server: LiveServer, address: str, path: str) -> str:
    assert live_server.sink.wait_for(1, timeout=10)
    mail = live_server.sink.to(address)[-1]
    body = mail.message.get_body(("plain",))
    assert body is not None
    links = re.findall(re.escape(live_server.url) + r"/[\w/.~-]+", body.get_content())
    found: str = next(link for link in links if f"/{path}/" in link)
    return found


def test_subscribe_confirm_and_unsubscribe(tab: Tab, live_server: LiveServer) -> None:
    page = tab.page
    tab.go("/")
    page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Uutiskirje").click()
    page.wait_for_url("**/subscribe")
    tab.check("subscribe")
    page.get_by_label("Sähköpostiosoite").fill(EMAIL)
    page.get_by_label("Rahoitus ja avustushaut").check()
    page.get_by_label("Viikoittain").check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Tilaa", exact=True).click()
    tab.check("subscribe-check-inbox")

    page.goto(mailed_link(live_server, EMAIL, "confirm"))
    assert page.locator("h1").inner_text() == "Tilaus vahvistettu"
    tab.check("subscribe-confirmed")

    page.get_by_role("link", name="Muuta valintojasi").click()
    tab.check("subscribe-preferences")
    page.get_by_role("link", name="Peru tilaus").click()
    tab.check("unsubscribe")
    page.get_by_role("button", name="Peru tilaus").click()
    tab.check("unsubscribed")
    assert "Peru tilaus" not in page.get_by_role("button").all_inner_texts()
