"""Every string of the digest emails and subscription pages exists in Finnish and Swedish.

Message ids are collected the way a translator's tool would: Babel's extractors over the
templates (``_``, ``gettext``, ``ngettext``) and over the publish modules (``gettext(language,
...)``, ``ngettext(language, ...)``), plus the form's error messages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from aggregator.i18n import LOCALE_DIR
from aggregator.publish.forms import ERROR_MESSAGES
from tests.support.paths import PROJECT_ROOT

TEMPLATE_DIRS = [PROJECT_ROOT / "templates" / "email", PROJECT_ROOT / "templates" / "subscribe"]
MODULES = ["render/digest.py", "render/message.py", "forms.py", "delivery.py", "subscriptions.py"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

MessageId = str | tuple[str, ...]


def _from_templates() -> set[MessageId]:
    found: set[MessageId] = set()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.iterdir()):
            with path.open("rb") as handle:
                for _, message, _, _ in extract("jinja2.ext:babel_extract", handle, keywords):
                    found.add(message)
    return found


def _from_modules() -> set[MessageId]:
    found: set[MessageId] = set()
    keywords = {"gettext": (2,), "ngettext": (2, 3)}
    for name in MODULES:
        with (PROJECT_ROOT / "aggregator" / "publish" / name).open("rb") as handle:
            for _, message, _, _ in extract("python", handle, keywords):
                found.add(message)
    return found


MESSAGE_IDS = sorted(_from_templates() | _from_modules() | set(ERROR_MESSAGES), key=str)


def _catalogue(language: str) -> dict[str, str | tuple[str, ...]]:
    path: Path = LOCALE_DIR / language / "LC_MESSAGES" / "email.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {_key(m.id): _translation(m.string) for m in catalog if m.id}


def _key(message: MessageId | list[str]) -> str:
    return message if isinstance(message, str) else message[0]


def _translation(string: object) -> str | tuple[str, ...]:
    if isinstance(string, str):
        return string
    assert isinstance(string, list | tuple)
    return tuple(str(form) for form in string)


def test_extraction_found_the_strings() -> None:
    assert len(MESSAGE_IDS) > 60
    assert "Closing soon" in MESSAGE_IDS


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_string_is_translated_with_the_same_placeholders(language: str) -> None:
    catalogue = _catalogue(language)
    missing, mismatched = [], []
    for message in MESSAGE_IDS:
        key = _key(message)
        translation = catalogue.get(key)
        forms = [translation] if isinstance(translation, str) else list(translation or ())
        if not forms or not all(forms):
            missing.append(key)
            continue
        wanted = set(PLACEHOLDER.findall(key))
        if any(set(PLACEHOLDER.findall(str(form))) != wanted for form in forms):
            mismatched.append(key)
    assert missing == [], f"untranslated in {language}: {missing}"
    assert mismatched == [], f"placeholders differ in {language}: {mismatched}"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_strings_shared_with_other_catalogues_are_translated_alike(language: str) -> None:
    """All domains of a language are merged, so a string both we and another area use must
    read the same in both, or the page would depend on the merge order."""
    ours = _catalogue(language)
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        if path.name == "email.po":
            continue
        with path.open("rb") as handle:
            theirs = {str(m.id): m.string for m in read_po(handle, locale=language) if m.id}
        clashes = {k: (ours[k], v) for k, v in theirs.items() if k in ours and ours[k] != v}
        assert clashes == {}, f"{path.name} translates differently: {clashes}"
