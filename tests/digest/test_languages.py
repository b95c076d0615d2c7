"""A digest shows each story in the subscriber's language where the story has a version in
it, once, with links to the other versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from aggregator.clock import FixedClock
from aggregator.publish.choose import StoryPool, compose, wants
from aggregator.publish.render.digest import StoryFragments, digest_message, render_digest
from aggregator.publish.render.message import Sender
from aggregator.publish.tokens import LinkBuilder, LinkSigner
from aggregator.store.queries import StoryView, VersionView
from tests.digest.conftest import BASE_URL, NOW
from tests.digest.stories import TAGS, story, subscriber

FI = ("Kuntapaikkoja tarvitaan vuonna 2027", "https://kotoutuminen.fi/-/kuntapaikkoja-2027")
SV = ("Kommunplatser behövs år 2027", "https://kotoutuminen.fi/sv/-/kommunplatser-2027")
EN = ("Municipal places needed in 2027", "https://kotoutuminen.fi/en/-/municipal-places-2027")


def release() -> StoryView:
    base = story(20, "municipalities", title=FI[0], url=FI[1], first_seen=NOW - timedelta(hours=3))
    return replace(
        base,
        versions=(
            VersionView("fi", *FI, base.summary),
            VersionView("sv", *SV, "Cirka 1 800 kommunplatser."),
            VersionView("en", *EN, "Around 1,800 municipal places."),
        ),
    )


def text_and_html(language: str) -> tuple[str, str]:
    reader = subscriber(audiences=("municipalities",), language=language)
    digest = compose(reader, [release()], TAGS, NOW)
    links = LinkBuilder(LinkSigner("secret", FixedClock(NOW)), BASE_URL)
    message = digest_message(
        digest,
        StoryFragments(TAGS, NOW),
        links.for_subscriber(reader.id, reader.token_version),
        sender=Sender("uutiskirje@example.fi", "Kotoutumisuutiset"),
        base_url=BASE_URL,
        message_id="<x@example.fi>",
        now=NOW,
    )
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_each_subscriber_reads_the_story_in_their_language_once() -> None:
    for language, (title, url), others in (
        ("fi", FI, (SV, EN)),
        ("sv", SV, (FI, EN)),
        ("en", EN, (FI, SV)),
    ):
        text, html = text_and_html(language)
        assert text.count(title) == 1 and f'href="{url}"' in html
        assert all(other_title not in text + html for other_title, _ in others)
        assert all(f'href="{other_url}"' in html and other_url in text for _, other_url in others)
    assert "Muilla kielillä:" in text_and_html("fi")[0]
    assert "På andra språk:" in text_and_html("sv")[1]


def test_news_languages_choose_the_stories_and_the_version_shown() -> None:
    finnish_only = story(21, "municipalities", title="Vain suomeksi", first_seen=NOW)
    stories = [release(), finnish_only]
    swedish_reader = subscriber(audiences=("municipalities",), language="fi")
    swedish_reader = replace(
        swedish_reader, preferences=replace(swedish_reader.preferences, languages=("sv",))
    )
    chosen = StoryPool(stories).choose(
        swedish_reader.preferences, since=NOW - timedelta(days=1), delivered=set()
    )
    assert [s.id for s in chosen] == [20]
    assert [s.id for s in stories if wants(s, swedish_reader.preferences)] == [20]
    everyone = subscriber(audiences=("municipalities",)).preferences
    assert sorted(s.id for s in stories if wants(s, everyone)) == [20, 21]

    # Finnish emails, Swedish news: the story comes in Swedish, linked to the others.
    digest = compose(swedish_reader, chosen, TAGS, NOW)
    links = LinkBuilder(LinkSigner("secret", FixedClock(NOW)), BASE_URL)
    rendered = render_digest(
        digest,
        StoryFragments(TAGS, NOW),
        links.for_subscriber(swedish_reader.id, swedish_reader.token_version),
        BASE_URL,
    )
    assert SV[0] in rendered.text and FI[0] not in rendered.text
    assert "Vain suomeksi" not in rendered.text
    assert "Muilla kielillä:" in rendered.text and FI[1] in rendered.text


def test_the_publisher_is_named_in_the_digests_language_where_configured() -> None:
    source = release().primary_source_id
    publishers = {source: {"fi": "Kotoutumisen osaamiskeskus", "en": "Integration Centre"}}

    def rendered_in(language: str) -> tuple[str, str]:
        reader = subscriber(audiences=("municipalities",), language=language)
        links = LinkBuilder(LinkSigner("secret", FixedClock(NOW)), BASE_URL)
        rendered = render_digest(
            compose(reader, [release()], TAGS, NOW),
            StoryFragments(TAGS, NOW, publishers),
            links.for_subscriber(reader.id, reader.token_version),
            BASE_URL,
        )
        return rendered.text, str(rendered.html)

    for language, expected in (("fi", "Kotoutumisen osaamiskeskus"), ("en", "Integration Centre")):
        text, html = rendered_in(language)
        assert f"· {expected}" in text and f"· {expected}" in html
    # a language the configuration does not name keeps the stored publisher
    assert f"· {release().publisher}" in rendered_in("sv")[0]
