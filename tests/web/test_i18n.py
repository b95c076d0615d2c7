"""Translations: every message of the templates and the web code has a Finnish and a Swedish
text, the texts keep their placeholders, and the reader's language is chosen and kept.

Messages are extracted with Babel's own extractors (Jinja2's for templates, Python's for code,
where :func:`aggregator.i18n.gettext` takes the language first) and looked up in ALL catalogue
files of a language merged, as the app merges them, so every engineer's domain is covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from aggregator.i18n import LOCALE_DIR
from tests.support.paths import PROJECT_ROOT
from tests.web.seed import Seeded

TEMPLATES = PROJECT_ROOT / "templates"
CODE = PROJECT_ROOT / "aggregator"  # every module with text: web, publish (feeds, OPML,
# calendar, digests), grants, CLI
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
PYTHON_KEYWORDS = {"gettext": (2,), "ngettext": (2, 3)}  # aggregator.i18n: language first
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
Message = str | tuple[str, ...]


def _extract(path: Path) -> Iterator[tuple[Message, str]]:
    where = str(path.relative_to(PROJECT_ROOT))
    if path.suffix == ".py":
        found = extract_from_file("python", str(path), keywords=PYTHON_KEYWORDS)
    else:
        found = extract_from_file("jinja2.ext:babel_extract", str(path), options=JINJA_OPTIONS)
    for lineno, message, _comments, _context in found:
        yield message, f"{where}:{lineno}"


def extracted() -> dict[Message, str]:
    """Every message id of the templates and the code, with where it first occurs."""
    paths = sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt"))
    paths += sorted(CODE.rglob("*.py"))
    messages: dict[Message, str] = {}
    for path in paths:
        for message, where in _extract(path):
            messages.setdefault(message, where)
    return messages


def catalogue(language: str, domain: str = "*") -> dict[str, tuple[str, ...]]:
    """msgid -> translations (one per plural form) of the language's catalogue files."""
    merged: dict[str, tuple[str, ...]] = {}
    for po_path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob(f"{domain}.po")):
        with po_path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id or message.fuzzy:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                strings = message.string
                merged[key] = tuple(strings) if isinstance(strings, tuple) else (str(strings),)
    return merged


def test_extraction_finds_the_messages() -> None:
    messages = extracted()
    assert "Skip to content" in messages
    assert ("%(num)s story", "%(num)s stories") in messages
    assert len(messages) > 200


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_has_a_translation(language: str) -> None:
    texts = catalogue(language)
    missing = [
        f"{where}: {message!r}"
        for message, where in extracted().items()
        if not all(texts.get(message if isinstance(message, str) else message[0], ("",)))
    ]
    assert not missing, f"{len(missing)} message(s) without a {language} text:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_web_catalogue_covers_the_web_pages_on_its_own(language: str) -> None:
    """web.po alone covers base.html, pages/ and admin/ (other domains may change)."""
    own = [*TEMPLATES.glob("base.html"), *TEMPLATES.glob("pages/*.html")]
    own += list(TEMPLATES.glob("admin/*.html"))
    texts = catalogue(language, "web")
    missing = [
        message
        for path in own
        for message, _where in _extract(path)
        if (message if isinstance(message, str) else message[0]) not in texts
    ]
    assert not missing


def _names(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_translations_keep_every_placeholder(language: str) -> None:
    """A translation uses exactly the msgid's variables (a plural form may leave out num)."""
    texts = catalogue(language)
    broken = []
    for message in extracted():
        ids = (message,) if isinstance(message, str) else message
        wanted = set().union(*(_names(msgid) for msgid in ids))
        for text in texts.get(ids[0], ()):
            if _names(text) - wanted or (wanted - {"num"}) - _names(text):
                broken.append((ids[0], text))
    assert not broken


# --- choosing the language -------------------------------------------------------------------


def test_finnish_is_the_default(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/")
    assert response.headers["content-language"] == "fi"
    assert '<html lang="fi">' in response.text
    assert "Uusimmat uutiset kotoutumistyöstä" in response.text


def test_accept_language_picks_swedish(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/grants", headers={"accept-language": "en;q=0.5, sv-FI;q=0.9"}).text
    assert '<html lang="sv">' in page and "Öppna utlysningar" in page


def test_lang_parameter_is_remembered_in_a_cookie(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/feeds?lang=en")
    assert "Follow the news in any feed reader" in response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lang=en;") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    later = client.get("/grants", headers={"accept-language": "sv"})
    assert '<html lang="en">' in later.text
    assert "lang=" not in later.headers.get("set-cookie", "")


def test_unknown_language_falls_back_to_finnish_and_sets_no_cookie(
    client: TestClient, seeded: Seeded
) -> None:
    response = client.get("/?lang=de")
    assert '<html lang="fi">' in response.text
    assert "lang=" not in response.headers.get("set-cookie", "")


def test_switcher_keeps_the_address_and_its_filters(client: TestClient, seeded: Seeded) -> None:
    page = client.get("/?audience=funding&q=haku").text
    for code, name in (("fi", "suomi"), ("sv", "svenska"), ("en", "English")):
        link = f'<a href="/?audience=funding&amp;q=haku&amp;lang={code}" hreflang="{code}" lang="{code}"'
        assert link in page, code
        assert f">{name}</a>" in page
    assert 'lang="fi" aria-current="true">suomi</a>' in page


def test_dates_follow_the_language(client: TestClient, seeded: Seeded) -> None:
    item = seeded.items["placement"]
    assert "16.11.2026 klo 12.00" in client.get(f"/items/{item}?lang=fi").text
    assert "16.11.2026 kl. 12.00" in client.get(f"/items/{item}?lang=sv").text
    assert "16 Nov 2026 12:00" in client.get(f"/items/{item}?lang=en").text


def test_plural_forms_are_used(client: TestClient, seeded: Seeded) -> None:
    assert "6 uutista" in client.get("/?lang=fi").text
    assert "1 nyhet" in client.get("/?language=sv&lang=sv").text
