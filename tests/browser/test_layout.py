"""Layout at a phone's width and a laptop's: no page scrolls sideways at 375 px, and no admin
table is cut off at 1280 px.

Measured in the real browser: the document's ``scrollWidth`` against the viewport, and, for
every table, each cell's ``scrollWidth`` against its ``clientWidth`` (content that overflows its
cell) and the table's right edge against its container's.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer, Tab

MEASURE = """() => {
  const doc = document.documentElement;
  const cells = [...document.querySelectorAll('td, th')]
    .filter(c => c.getBoundingClientRect().width > 2)  // not a visually hidden header
    .filter(c => c.scrollWidth > c.clientWidth + 1)
    .map(c => c.textContent.trim().slice(0, 40));
  const tables = [...document.querySelectorAll('table')]
    .filter(t => {
      const box = t.parentElement.getBoundingClientRect();
      return t.getBoundingClientRect().right > Math.min(box.right, window.innerWidth) + 1;
    })
    .map(t => (t.querySelector('caption, th') || t).textContent.trim().slice(0, 40));
  return {scroll: doc.scrollWidth, viewport: window.innerWidth, cells, tables};
}"""


def public_paths(live: LiveServer) -> list[str]:
    item = live.seeded.items["amif"]
    return [
        "/",
        "/?q=kuntapaikka",
        f"/items/{item}",
        "/grants",
        "/grants?lang=sv",
        "/feeds",
        "/subscribe",
        "/items/999999",
    ]


def measure(tab: Tab, path: str) -> dict[str, Any]:
    tab.go(path)
    result: dict[str, Any] = tab.page.evaluate(MEASURE)
    return result


@pytest.mark.parametrize("width", [375, 1280])
def test_no_public_page_scrolls_sideways(
    browser: Any, live_server: LiveServer, axe_source: str, width: int
) -> None:
    from tests.browser.conftest import _tab

    for tab in _tab(browser, live_server, axe_source, viewport={"width": width, "height": 800}):
        problems = {}
        for path in public_paths(live_server):
            seen = measure(tab, path)
            if seen["scroll"] > seen["viewport"] or seen["tables"] or seen["cells"]:
                problems[path] = seen
            name = path.strip("/").replace("/", "-").replace("?", "-") or "index"
            tab.page.screenshot(
                path=f"test-artifacts/screenshots/layout-{width}-{name}.png", full_page=True
            )
        assert problems == {}, problems


def test_no_admin_table_is_cut_off_at_1280(
    browser: Any, live_server: LiveServer, axe_source: str
) -> None:
    from tests.browser.conftest import _tab

    for tab in _tab(browser, live_server, axe_source, viewport={"width": 1280, "height": 800}):
        tab.log_in()
        problems = {}
        for path in (
            "/admin/sources",
            "/admin/items",
            "/admin/rules",
            "/admin/tags",
            "/admin/subscribers",
            "/admin/audit",
            "/admin/sources?lang=en",
        ):
            seen = measure(tab, path)
            if seen["scroll"] > seen["viewport"] or seen["tables"] or seen["cells"]:
                problems[path] = seen
        assert problems == {}, problems
