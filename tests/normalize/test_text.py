"""Plain text from markup, whitespace cleanup, the sanitising allow-list and truncation."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from aggregator.normalize.text import clean_whitespace, html_to_text, sanitize_html, truncate


class TestCleanWhitespace:
    def test_collapses_all_kinds_of_space_and_drops_invisible_characters(self) -> None:
        raw = "  Koto-\u00addigi\u00a0on\u200b  käytössä\n\t kunnissa \ufeff"
        assert clean_whitespace(raw) == "Koto-digi on käytössä kunnissa"

    def test_keeps_paragraphs_and_line_breaks_when_asked(self) -> None:
        raw = "Eka  kappale\n  jatkuu\n\n\n  Toka\u00a0kappale  \r\n\r\n"
        assert clean_whitespace(raw, keep_paragraphs=True) == "Eka kappale\njatkuu\n\nToka kappale"

    def test_control_characters_become_spaces(self) -> None:
        assert clean_whitespace("a\x00b\x1fc") == "a b c"

    @given(
        st.text(alphabet=st.sampled_from(list("ab äö\n\t\r\x00\x1f\x7f\u00ad\u200b\ufeff\ud800")))
    )
    def test_the_quick_path_changes_nothing(self, raw: str) -> None:
        """Text without unusual characters skips three substitutions: every result is the one
        the substitutions give (written out here as they were)."""
        import re

        full = (
            re.sub(
                "[\u00ad\u200b\u200c\u200d\u2060\ufeff]",
                "",
                re.sub(
                    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]",
                    " ",
                    re.sub("[\ud800-\udfff]", "\ufffd", raw),
                ),
            )
            .replace("\r\n", "\n")
            .replace("\r", "\n")
        )
        assert clean_whitespace(raw) == " ".join(full.split())
        assert clean_whitespace(raw, keep_paragraphs=True) == clean_whitespace(
            full, keep_paragraphs=True
        )


class TestHtmlToText:
    def test_blocks_become_paragraphs_and_br_a_line_break(self) -> None:
        markup = (
            "<div><h2>Hakuaika</h2><p>Haku on <b>avoinna</b>&nbsp;15.1.2027 asti.<br>"
            "Määräaika klo 16.15.</p><ul><li>kunnat</li><li>järjestöt</li></ul>Loppu</div>"
        )
        assert html_to_text(markup) == (
            "Hakuaika\n\nHaku on avoinna 15.1.2027 asti.\nMääräaika klo 16.15."
            "\n\nkunnat\n\njärjestöt\n\nLoppu"
        )

    def test_script_style_and_comments_are_not_text(self) -> None:
        markup = "<p>Näkyvä<script>alert('x')</script><style>p{color:red}</style><!-- piilo --></p>"
        assert html_to_text(markup) == "Näkyvä"

    def test_entities_are_decoded(self) -> None:
        assert html_to_text("AT&amp;T &lt;3 &auml;") == "AT&T <3 ä"

    def test_an_element_is_read_without_changing_its_tree(self) -> None:
        soup = BeautifulSoup("<div><p>Yksi</p><p>Kaksi<br>rivi</p></div>", "lxml")
        before = str(soup)
        assert soup.div is not None
        assert html_to_text(soup.div) == "Yksi\n\nKaksi\nrivi"
        assert str(soup) == before

    def test_plain_text_passes_through_cleaned(self) -> None:
        assert html_to_text("  a   b \n\n c ") == "a b\n\nc"


class TestSanitizeHtml:
    def test_script_and_style_are_removed_with_their_content(self) -> None:
        cleaned = sanitize_html("<p>Hei</p><script>steal()</script><style>.x{}</style>")
        assert cleaned == "<p>Hei</p>"

    def test_event_handlers_style_and_classes_are_stripped(self) -> None:
        cleaned = sanitize_html('<p onclick="x()" style="color:red" class="lead">Teksti</p>')
        assert cleaned == "<p>Teksti</p>"

    @pytest.mark.parametrize(
        "href", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>", "vbscript:x"]
    )
    def test_dangerous_link_targets_are_dropped(self, href: str) -> None:
        cleaned = sanitize_html(f'<a href="{href}">linkki</a>')
        assert "href" not in cleaned
        assert "linkki" in cleaned

    def test_links_keep_href_and_get_rel(self) -> None:
        cleaned = sanitize_html('<a href="https://kotoutuminen.fi/uutiset" target="_blank">x</a>')
        assert cleaned == (
            '<a href="https://kotoutuminen.fi/uutiset" rel="noopener noreferrer nofollow">x</a>'
        )

    def test_only_the_allow_list_survives(self) -> None:
        markup = (
            "<h1>Iso</h1><h2>Otsikko</h2><table><tr><td>solu</td></tr></table>"
            '<img src="x.png" onerror="y()"><iframe src="https://evil"></iframe>'
            "<blockquote><em>lainaus</em></blockquote><ol><li><strong>yksi</strong></li></ol>"
        )
        assert sanitize_html(markup) == (
            "Iso<h2>Otsikko</h2>solu<blockquote><em>lainaus</em></blockquote>"
            "<ol><li><strong>yksi</strong></li></ol>"
        )

    def test_is_idempotent(self) -> None:
        once = sanitize_html('<p>Hei <a href="/x">x</a><br></p><script>1</script>')
        assert sanitize_html(once) == once

    def test_empty_input(self) -> None:
        assert sanitize_html("  ") == ""


class TestTruncate:
    def test_short_text_is_unchanged(self) -> None:
        assert truncate("Lyhyt teksti.", 50) == "Lyhyt teksti."

    def test_cuts_at_a_word_boundary_and_marks_the_cut(self) -> None:
        text = (
            "Kotoutumislain kokonaisuudistus tulee voimaan vuoden 2025 alussa, kun vastuu siirtyy."
        )
        cut = truncate(text, 60)
        assert cut == "Kotoutumislain kokonaisuudistus tulee voimaan vuoden 2025…"
        assert len(cut) <= 60

    def test_a_single_long_word_is_cut_hard(self) -> None:
        assert truncate("a" * 50, 10) == "a" * 9 + "…"

    @given(st.text(max_size=400), st.integers(min_value=2, max_value=300))
    def test_never_exceeds_the_limit(self, text: str, limit: int) -> None:
        assert len(truncate(text, limit)) <= limit


@pytest.mark.parametrize("keep_paragraphs", [False, True])
def test_clean_text_cleaned_again_is_the_same_string(keep_paragraphs: bool) -> None:
    messy = "  Haku  avataan\u00ad 2.3.2026.\r\n\r\n\r\nToinen   kappale.\n rivi "
    cleaned = clean_whitespace(messy, keep_paragraphs=keep_paragraphs)
    assert cleaned != messy and "\u00ad" not in cleaned and "  " not in cleaned
    again = clean_whitespace(cleaned, keep_paragraphs=keep_paragraphs)
    assert again == cleaned and again is cleaned  # a story's text is kept once, not twice
