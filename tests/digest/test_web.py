"""Subscription pages through the real app (TestClient) with mail going to a loopback SMTP
server: the form, double opt-in, preferences, export, delete, unsubscribe and RFC 8058
one-click, following the links the emails actually carry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.clock import FixedClock
from aggregator.demo.smtp_sink import ReceivedMail, SmtpSink
from aggregator.i18n import gettext
from aggregator.publish.delivery import DigestRunner
from aggregator.runtime import Runtime
from aggregator.store.db import session_scope
from aggregator.store.models import DeliveredItem, Delivery, MailEvent, Subscriber
from aggregator.store.subscribers import Frequency, SubscriberStatus, SubscriberStore
from aggregator.web.app import create_app
from tests.digest.conftest import BASE_URL, Story, add_subscriber, store_stories

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(re.escape(BASE_URL) + r"/[\w/.-]+")


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as test_client:
        yield test_client


def csrf(client: TestClient, path: str = "/subscribe") -> str:
    match = CSRF_INPUT.search(client.get(path).text)
    assert match is not None
    return str(match.group(1))


def one(page: Tag, selector: str) -> Tag:
    found = page.select_one(selector)
    assert found is not None, selector
    return found


def links(mail: ReceivedMail) -> list[str]:
    text = mail.message.get_body(("plain",))
    assert text is not None
    return LINK.findall(text.get_content())


def path(url: str) -> str:
    assert url.startswith(BASE_URL)
    return urlsplit(url).path


def status_of(engine: Engine, email: str) -> SubscriberStatus | None:
    with session_scope(engine) as session:
        subscriber = SubscriberStore(session).by_email(email)
    return subscriber.status if subscriber else None


def subscribe(client: TestClient, email: str, **fields: str | list[str]) -> str:
    form = {
        "csrf_token": csrf(client),
        "email": email,
        "audiences": ["municipalities", "funding"],
        "topics": [],
        "frequency": "weekly",
        "language": "fi",
        "consent": "yes",
        **fields,
    }
    response = client.post("/subscribe", data=form)
    assert response.status_code == 200, response.text
    return str(response.text)


def test_form_labels_every_control_and_groups_choices(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/subscribe?lang=fi").text, "html.parser")
    controls = page.select("form input:not([type=hidden])")
    assert len(controls) >= 10
    for control in controls:
        assert one(page, f'label[for="{control["id"]}"]'), control
    legends = [one(f, "legend").get_text(strip=True) for f in page.select("fieldset")]
    assert legends == [
        "Kenelle uutiset on suunnattu",
        "Aiheet",
        "Uutisten kielet (valinnainen)",
        "Kuinka usein",
        "Viestien kieli",
        "Suostumus",
    ]
    assert one(page, 'input[name="frequency"][value="weekly"]').has_attr("checked")
    assert one(page, "h1").get_text() == gettext("fi", "Subscribe to the email digest")


def test_errors_are_announced_and_tied_to_their_fields(client: TestClient) -> None:
    response = client.post(
        "/subscribe",
        data={
            "csrf_token": csrf(client),
            "email": "ei-osoite",
            "frequency": "weekly",
            "language": "fi",
        },
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    summary = one(page, '[role="alert"]')
    assert summary is not None
    assert [a["href"] for a in summary.select("a")] == [
        "#email-field",
        "#audiences-field",
        "#consent-field",
    ]
    email = one(page, "#email")
    assert email["aria-invalid"] == "true" and email["aria-describedby"] == "email-error"
    assert "nimi@esimerkki.fi" in one(page, "#email-error").get_text()
    assert "audiences-error" in one(page, "#audiences-field")["aria-describedby"]
    assert one(page, "title").get_text().startswith("Virhe:")
    assert email["value"] == "ei-osoite"


def test_form_post_without_csrf_token_is_refused(client: TestClient, sink: SmtpSink) -> None:
    response = client.post("/subscribe", data={"email": "a@example.fi", "consent": "yes"})
    assert response.status_code == 403
    assert sink.messages == []


def test_double_opt_in(client: TestClient, sink: SmtpSink, seeded: Engine) -> None:
    page = subscribe(client, "Anna.Virtanen@Kunta.example.fi", language="sv")
    assert "Kontrollera din e-post" in page
    assert status_of(seeded, "anna.virtanen@kunta.example.fi") is SubscriberStatus.PENDING
    [mail] = sink.messages
    assert mail.rcpt_tos == ("anna.virtanen@kunta.example.fi",)
    assert mail.message["Subject"] == "Bekräfta din prenumeration på Kotoutumisuutiset"
    assert "List-Unsubscribe" not in mail.message
    confirm_url, preferences_url = links(mail)
    assert path(confirm_url).startswith("/confirm/")
    assert path(preferences_url).startswith("/preferences/")
    confirmed = client.get(path(confirm_url))
    assert confirmed.status_code == 200 and "Prenumerationen är bekräftad" in confirmed.text
    assert confirmed.headers["cache-control"] == "no-store"
    assert status_of(seeded, "anna.virtanen@kunta.example.fi") is SubscriberStatus.ACTIVE
    assert client.get(path(confirm_url)).status_code == 200  # a second click changes nothing
    with session_scope(seeded) as session:
        events = list(session.exec(select(MailEvent.event)))
    assert events == ["subscribe", "confirm"]


def test_someone_who_did_not_subscribe_can_delete_the_request(
    client: TestClient, sink: SmtpSink, seeded: Engine
) -> None:
    subscribe(client, "vieras@example.fi")
    preferences = path(links(sink.messages[0])[1])
    response = client.post(f"{preferences}/delete", data={"csrf_token": csrf(client, preferences)})
    assert response.status_code == 200
    assert status_of(seeded, "vieras@example.fi") is None


def test_confirmation_link_expires_after_two_days(
    client: TestClient, sink: SmtpSink, seeded: Engine, clock: FixedClock
) -> None:
    subscribe(client, "hidas@example.fi")
    clock.advance(2 * 24 * 3600 + 1)
    response = client.get(path(links(sink.messages[0])[0]))
    assert response.status_code == 410 and "Linkki on vanhentunut" in response.text
    assert status_of(seeded, "hidas@example.fi") is SubscriberStatus.PENDING


def test_repeated_requests_mail_an_address_at_most_every_ten_minutes(
    client: TestClient, sink: SmtpSink, clock: FixedClock
) -> None:
    for _ in range(3):
        subscribe(client, "kohde@example.fi")
    assert len(sink.messages) == 1
    clock.advance(10 * 60)
    subscribe(client, "kohde@example.fi")
    assert len(sink.messages) == 2


def test_known_address_gets_a_preferences_link_and_the_same_answer(
    client: TestClient, sink: SmtpSink, seeded: Engine
) -> None:
    add_subscriber(seeded, "jo@example.fi", audiences=["professionals"])
    page = subscribe(client, "jo@example.fi")
    assert "Tarkista sähköpostisi" in page
    [mail] = sink.messages
    [url] = links(mail)
    assert path(url).startswith("/preferences/")
    with session_scope(seeded) as session:
        kept = SubscriberStore(session).by_email("jo@example.fi")
    assert kept is not None and kept.preferences.audiences == ("professionals",)


def test_tampered_link_is_refused(client: TestClient) -> None:
    response = client.get("/preferences/WzEsMF0.AAAAAA.forged")
    assert response.status_code == 400 and "Linkki ei ole voimassa" in response.text


def test_mail_server_down_gives_a_clear_page(runtime: Runtime, seeded: Engine) -> None:
    with SmtpSink() as probe:
        port = probe.port
    runtime.settings = runtime.settings.model_copy(update={"smtp_port": port})
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        response = client.post(
            "/subscribe",
            data={
                "csrf_token": csrf(client),
                "email": "a@example.fi",
                "audiences": "funding",
                "frequency": "daily",
                "language": "en",
                "consent": "yes",
            },
        )
    assert response.status_code == 503 and "could not be sent" in response.text


@pytest.fixture
def digest_mail(runner: DigestRunner, sink: SmtpSink, seeded: Engine) -> ReceivedMail:
    """A digest as it arrived in the mailbox of an active subscriber."""
    store_stories(seeded, [Story("Kuntapaikat vuodelle 2027", tags=["municipalities"])])
    add_subscriber(seeded, "anna@kunta.example.fi", audiences=["municipalities"])
    assert runner.run(Frequency.DAILY).sent == 1
    [mail] = sink.messages
    sink.clear()
    return mail


def test_digest_links_open_preferences_that_can_be_changed(
    client: TestClient, digest_mail: ReceivedMail, seeded: Engine
) -> None:
    preferences = path(next(u for u in links(digest_mail) if "/preferences/" in u))
    page = client.get(preferences)
    assert page.status_code == 200 and "anna@kunta.example.fi" in page.text
    assert one(BeautifulSoup(page.text, "html.parser"), "#audiences-municipalities").has_attr(
        "checked"
    )
    form = {
        "csrf_token": csrf(client, preferences),
        "audiences": ["funding"],
        "topics": ["amif"],
        "frequency": "weekly",
        "language": "en",
    }
    saved = client.post(preferences, data=form)
    assert saved.status_code == 200 and "Your preferences have been saved." in saved.text
    with session_scope(seeded) as session:
        subscriber = SubscriberStore(session).by_email("anna@kunta.example.fi")
    assert subscriber is not None
    assert (subscriber.preferences.audiences, subscriber.preferences.topics) == (
        ("funding",),
        ("amif",),
    )
    assert subscriber.preferences.frequency is Frequency.WEEKLY and subscriber.language == "en"


def test_export_downloads_the_subscribers_data(
    client: TestClient, digest_mail: ReceivedMail
) -> None:
    preferences = path(next(u for u in links(digest_mail) if "/preferences/" in u))
    response = client.get(f"{preferences}/export")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    data = json.loads(response.text)
    assert data["subscriber"]["email"] == "anna@kunta.example.fi"
    assert data["subscriber"]["news_languages"] == []  # every language
    assert data["subscriber"]["confirmed_at"] is not None
    assert [d["status"] for d in data["deliveries"]] == ["sent"]
    assert [e["event"] for e in data["events"]] == ["subscribe", "confirm"]


def test_delete_erases_the_subscriber_and_everything_about_them(
    client: TestClient, digest_mail: ReceivedMail, seeded: Engine
) -> None:
    preferences = path(next(u for u in links(digest_mail) if "/preferences/" in u))
    response = client.post(f"{preferences}/delete", data={"csrf_token": csrf(client, preferences)})
    assert response.status_code == 200 and "Tilaus poistettu" in response.text
    with session_scope(seeded) as session:
        for table in (Subscriber, Delivery, DeliveredItem, MailEvent):
            assert session.exec(select(func.count()).select_from(table)).one() == 0
    assert client.get(preferences).status_code == 400


def test_unsubscribe_link_asks_first_then_unsubscribes_and_revokes_old_links(
    client: TestClient,
    digest_mail: ReceivedMail,
    seeded: Engine,
    runner: DigestRunner,
    sink: SmtpSink,
) -> None:
    unsubscribe = path(next(u for u in links(digest_mail) if "/unsubscribe/" in u))
    preferences = path(next(u for u in links(digest_mail) if "/preferences/" in u))
    page = client.get(unsubscribe)
    assert page.status_code == 200 and "<form" in page.text
    assert status_of(seeded, "anna@kunta.example.fi") is SubscriberStatus.ACTIVE  # GET did nothing
    done = client.post(unsubscribe, data={"csrf_token": csrf(client, unsubscribe)})
    assert done.status_code == 200 and "Tilaus on peruttu" in done.text
    assert status_of(seeded, "anna@kunta.example.fi") is SubscriberStatus.UNSUBSCRIBED
    assert client.get(preferences).status_code == 400  # revoked by the new token version
    fresh = one(BeautifulSoup(done.text, "html.parser"), 'a[href*="/preferences/"]')
    assert client.get(path(str(fresh["href"]))).status_code == 200
    store_stories(seeded, [Story("Uusi", tags=["municipalities"])])
    runner.clock.advance(24 * 3600)  # type: ignore[attr-defined]
    assert runner.run(Frequency.DAILY).sent == 0 and sink.messages == []


def test_one_click_post_unsubscribes_with_no_page_and_no_csrf(
    runtime: Runtime, digest_mail: ReceivedMail, seeded: Engine
) -> None:
    header = digest_mail.message["List-Unsubscribe"]
    one_click = path(re.findall(r"<(https://[^>]+)>", header)[0])
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as fresh_client:
        body = {"List-Unsubscribe": "One-Click"}
        response = fresh_client.post(one_click, data=body)
        assert response.status_code == 200 and response.text == "unsubscribed\n"
        assert status_of(seeded, "anna@kunta.example.fi") is SubscriberStatus.UNSUBSCRIBED
        assert fresh_client.post(one_click, data=body).status_code == 200  # repeat is harmless
        assert fresh_client.post(one_click + "x", data=body).status_code == 400
    with session_scope(seeded) as session:
        events = list(session.exec(select(MailEvent.event, MailEvent.detail)))
    assert events[-1] == ("unsubscribe", {"via": "one-click"})


def test_one_click_url_opened_in_a_browser_shows_the_confirm_page(
    client: TestClient, digest_mail: ReceivedMail, seeded: Engine
) -> None:
    one_click = path(re.findall(r"<(https://[^>]+)>", digest_mail.message["List-Unsubscribe"])[0])
    page = client.get(one_click)
    assert page.status_code == 200 and 'action="/unsubscribe/' in page.text
    assert status_of(seeded, "anna@kunta.example.fi") is SubscriberStatus.ACTIVE


def test_unsubscribe_link_survives_sixty_days_where_preferences_expire(
    client: TestClient, digest_mail: ReceivedMail, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=61).total_seconds())
    preferences = path(next(u for u in links(digest_mail) if "/preferences/" in u))
    unsubscribe = path(next(u for u in links(digest_mail) if "/unsubscribe/" in u))
    assert client.get(preferences).status_code == 410
    assert client.get(unsubscribe).status_code == 200


def test_news_languages_are_chosen_in_the_form_kept_and_shown_again(
    client: TestClient, sink: SmtpSink, seeded: Engine
) -> None:
    refused = client.post(
        "/subscribe",
        data={
            "csrf_token": csrf(client),
            "email": "kieli@kunta.example.fi",
            "audiences": ["municipalities"],
            "news_languages": ["sv", "de"],
            "frequency": "weekly",
            "language": "fi",
            "consent": "yes",
        },
    )
    assert refused.status_code == 422
    page = BeautifulSoup(refused.text, "html.parser")
    assert "news_languages-error" in one(page, "#news_languages-field")["aria-describedby"]

    subscribe(client, "kieli@kunta.example.fi", news_languages=["en", "sv"], language="sv")
    with session_scope(seeded) as session:
        subscriber = SubscriberStore(session).by_email("kieli@kunta.example.fi")
    assert subscriber is not None
    assert subscriber.preferences.languages == ("sv", "en")  # in the form's order
    [mail] = sink.messages
    preferences = path(next(u for u in links(mail) if "/preferences/" in u))
    shown = BeautifulSoup(client.get(preferences).text, "html.parser")
    assert one(shown, "#news_languages-sv").has_attr("checked")
    assert not one(shown, "#news_languages-fi").has_attr("checked")
    assert "Nyheternas språk (valfritt)" in shown.get_text()
