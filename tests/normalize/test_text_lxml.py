"""``html_to_text`` reads markup with lxml's parser directly (no BeautifulSoup tree); its text
must be exactly what the BeautifulSoup walk gives for the same markup: every recorded page and
feed of the fixtures, every text-ish string inside them, and hand-made edge cases."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from aggregator.normalize.text import (
    _CONTROL,
    _assemble,
    _flatten,
    _parsers,
    html_to_text,
    without_surrogates,
)

# BeautifulSoup warns about markup that looks like a URL or like XML; the reference walk here
# parses such fixtures on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DATA = Path(__file__).resolve().parents[1] / "data"
_DESCRIPTION = re.compile(rb"<(description|content:encoded|summary|content)[^>]*>(.*?)</\1>", re.S)

EDGES = [
    "<p>a</p>\n<p>b</p>",
    "a<br>b<br/>c",
    "a<span> </span>b",
    "<b>a</b> <i>b</i>",
    "x<rt>ruby</rt>y<rp>(</rp>z",
    "<ruby>漢<rt>kan</rt></ruby> and <rt><div>block</div></rt> after",
    "<template><p>hidden</p></template>shown",
    "<script>var a = 1;</script>text<style>p {}</style>",
    "<noscript>no</noscript>yes",
    "<!-- a comment -->text<!---->",
    "<?php echo 1; ?>after pi",
    "<!DOCTYPE html><html><head><title>t</title></head><body><p>body</p></body></html>",
    "\ufeff<p>bom</p>",
    "&amp; &lt;b&gt; &nbsp; &#8211;",
    "&",
    "<",
    "<<>>",
    "<p>unclosed <b>bold <i>both</p> after",
    "<table><tr><td>1</td><td>2</td></tr></table>",
    "<ul><li>one</li><li>two<ul><li>deep</li></ul></li></ul>",
    "<svg><title>icon</title><text>t</text></svg>text",
    "<x-foo>a</x-foo> <b>b</b>",
    "<pre>  keep\n  lines  </pre>",
    "<p>line<br>\n<br>break</p>",
    "a\u00adb\u200bc <p>d</p>",
    "<div><p></p><p> </p></div>x",
    "<body><p>one</p></body><p>after body</p>",
    "<html>",
    "</p>",
    "<!---->",
    " <p> spaced </p> ",
    "<a href='x'>link</a>text<img src='y'>more",
    "<h1>T</h1>para<hr>rest",
    "<math><mi>x</mi></math>math",
    "<form><input value='v'>label</form>",
    "<p>a<iframe>frame</iframe>b</p>",
    "<textarea> t </textarea><select><option>o</option></select>",
    "<![CDATA[cdata]]>after",
    "<p>\x01control\x1e\x1fchars</p>",
    "<p>\udcff surrogate</p>",
]


def _reference(markup: str) -> str:
    cleaned = _CONTROL.sub(" ", without_surrogates(markup))
    return _assemble("".join(_flatten(BeautifulSoup(cleaned, "lxml"))))


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        if "<" in node or "&" in node:
            yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def corpus() -> list[str]:
    found = list(EDGES)
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.suffix in (".pem", ".py"):
            continue
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace")
        found.append(text)
        if path.suffix in (".rss", ".xml", ".rdf"):
            found += [m.group(2).decode("utf-8", "replace") for m in _DESCRIPTION.finditer(raw)]
        if path.suffix == ".json":
            with contextlib.suppress(ValueError, RecursionError):  # malformed or hostile
                found += list(_strings(json.loads(text)))
    for path in sorted((DATA / "shared").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            found += list(_strings(json.loads(line)))
    return [text for text in dict.fromkeys(found) if "<" in text or "&" in text]


CORPUS = corpus()


def test_the_corpus_is_large() -> None:
    assert len(CORPUS) >= 300


@pytest.mark.parametrize("markup", CORPUS, ids=range(len(CORPUS)))
def test_the_same_text_as_the_beautifulsoup_walk(markup: str) -> None:
    assert html_to_text(markup) == _reference(markup)


def test_a_reused_parser_reads_each_text_as_a_fresh_one_does() -> None:
    """One lxml parser per thread reads text after text (making one costs more than a short
    parse): each text, after any other (unclosed markup, a refused one), reads the same."""
    fresh = []
    for markup in CORPUS:
        _parsers.current = None
        fresh.append(html_to_text(markup))
    reused = [html_to_text(markup) for markup in [*CORPUS, *reversed(CORPUS)]]
    assert reused == fresh + fresh[::-1]
    assert getattr(_parsers, "current", None) is not None  # it was kept and reused
