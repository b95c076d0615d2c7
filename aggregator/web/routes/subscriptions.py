"""Subscription pages: subscribe (double opt-in), confirm, preferences, data export, delete,
unsubscribe, and the RFC 8058 one-click unsubscribe that mail clients POST to.

Every page after the form is reached through a signed, expiring link from an email (no
password); :mod:`aggregator.publish.subscriptions` checks the link and does the work. Token
pages are never cached and never indexed. Forms carry the CSRF token; the one-click endpoint is
exempt (see :mod:`aggregator.web.security`) because the signed URL is its authentication.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.datastructures import FormData

from aggregator.errors import DeliveryError
from aggregator.i18n import LANGUAGES
from aggregator.publish.forms import (
    CheckedForm,
    Choices,
    SubmittedForm,
    check_preferences,
    check_subscription,
)
from aggregator.publish.subscriptions import Subscriptions
from aggregator.publish.tokens import ExpiredLink, InvalidLink
from aggregator.runtime import Runtime
from aggregator.store.subscribers import Preferences, SubscriberView
from aggregator.templating import render
from aggregator.web.deps import get_language, get_runtime, page_context

router = APIRouter()
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}

Language = Annotated[str, Depends(get_language)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def form_data(request: Request) -> FormData:
    """The submitted form (read once; the CSRF check has already parsed it)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_data)]


def _service(runtime: Runtime) -> Subscriptions:
    return Subscriptions.from_runtime(runtime)


def _page(
    request: Request, template: str, language: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page on the shared layout. Token pages pass the subscriber's language, which an
    explicit ``?lang=`` (the layout's language switcher) still overrides."""
    chosen = request.query_params.get("lang")
    language = chosen if chosen in LANGUAGES else language
    html = render(f"subscribe/{template}", language, **page_context(request, language), **context)
    headers = {**PRIVATE, "Content-Language": language}
    return HTMLResponse(html, status_code=status, headers=headers)


def _invalid_link(
    request: Request, language: str, error: InvalidLink, purpose: str
) -> HTMLResponse:
    expired = isinstance(error, ExpiredLink)
    return _page(
        request,
        "invalid_link.html",
        language,
        410 if expired else 400,
        expired=expired,
        purpose=purpose,
    )


def _submitted(form: FormData, *, with_email: bool) -> SubmittedForm:
    return SubmittedForm(
        email=str(form.get("email", "")) if with_email else "",
        audiences=[str(v) for v in form.getlist("audiences")],
        topics=[str(v) for v in form.getlist("topics")],
        sources=[str(v) for v in form.getlist("sources")],
        frequency=str(form.get("frequency", "")),
        language=str(form.get("language", "")),
        consent=form.get("consent") == "yes",
        news_languages=[str(v) for v in form.getlist("news_languages")],
    )


def _form_values(preferences: Preferences) -> SubmittedForm:
    return SubmittedForm(
        audiences=preferences.audiences,
        topics=preferences.topics,
        sources=preferences.sources,
        frequency=preferences.frequency.value,
        language=preferences.language,
        news_languages=preferences.languages,
    )


# --- subscribing ---------------------------------------------------------------------------


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request, runtime: RuntimeDep, language: Language) -> HTMLResponse:
    form = SubmittedForm(frequency="weekly", language=language)
    choices = _service(runtime).choices(language)
    return _page(request, "subscribe.html", language, form=form, choices=choices, errors={})


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe_submit(
    request: Request, runtime: RuntimeDep, language: Language, form: Form
) -> HTMLResponse:
    service = _service(runtime)
    choices = service.choices(language)
    checked = check_subscription(_submitted(form, with_email=True), choices)
    if not checked.ok or checked.preferences is None:
        return _form_errors(request, language, checked, choices)
    page_language = checked.preferences.language
    try:
        service.subscribe(checked.submitted.email, checked.preferences, via="web")
    except DeliveryError:
        return _page(request, "mail_unavailable.html", page_language, 503)
    return _page(request, "check_inbox.html", page_language, email=checked.submitted.email)


def _form_errors(
    request: Request, language: str, checked: CheckedForm, choices: Choices
) -> HTMLResponse:
    return _page(
        request,
        "subscribe.html",
        language,
        422,
        form=checked.submitted,
        choices=choices,
        errors=checked.errors,
    )


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str, runtime: RuntimeDep, language: Language) -> HTMLResponse:
    service = _service(runtime)
    try:
        subscriber = service.confirm(token)
    except InvalidLink as error:
        return _invalid_link(request, language, error, "confirm")
    links = service.links_for(subscriber)
    return _page(request, "confirmed.html", subscriber.language, subscriber=subscriber, links=links)


# --- preferences ---------------------------------------------------------------------------


def _preferences_page(
    request: Request,
    service: Subscriptions,
    subscriber: SubscriberView,
    checked: CheckedForm | None = None,
    saved: bool = False,
) -> HTMLResponse:
    form = checked.submitted if checked else _form_values(subscriber.preferences)
    return _page(
        request,
        "preferences.html",
        subscriber.language,
        422 if checked and not checked.ok else 200,
        subscriber=subscriber,
        form=form,
        choices=service.choices(subscriber.language),
        errors=checked.errors if checked else {},
        saved=saved,
        links=service.links_for(subscriber),
        token=request.path_params["token"],
    )


@router.get("/preferences/{token}", response_class=HTMLResponse)
def preferences(
    request: Request, token: str, runtime: RuntimeDep, language: Language
) -> HTMLResponse:
    service = _service(runtime)
    try:
        subscriber = service.manage(token)
    except InvalidLink as error:
        return _invalid_link(request, language, error, "manage")
    return _preferences_page(request, service, subscriber)


@router.post("/preferences/{token}", response_class=HTMLResponse)
def preferences_save(
    request: Request, token: str, runtime: RuntimeDep, language: Language, form: Form
) -> HTMLResponse:
    service = _service(runtime)
    try:
        subscriber = service.manage(token)
        checked = check_preferences(_submitted(form, with_email=False), service.choices())
        if not checked.ok or checked.preferences is None:
            return _preferences_page(request, service, subscriber, checked)
        subscriber = service.update(token, checked.preferences)
    except InvalidLink as error:
        return _invalid_link(request, language, error, "manage")
    return _preferences_page(request, service, subscriber, saved=True)


@router.get("/preferences/{token}/export")
def export(request: Request, token: str, runtime: RuntimeDep, language: Language) -> Response:
    try:
        data = _service(runtime).export(token)
    except InvalidLink as error:
        return _invalid_link(request, language, error, "manage")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    disposition = 'attachment; filename="kotoutumisuutiset-subscription.json"'
    headers = {**PRIVATE, "Content-Disposition": disposition}
    return Response(body, media_type="application/json; charset=utf-8", headers=headers)


@router.post("/preferences/{token}/delete", response_class=HTMLResponse)
def delete(request: Request, token: str, runtime: RuntimeDep, language: Language) -> HTMLResponse:
    service = _service(runtime)
    try:
        subscriber = service.manage(token)
        service.delete(token)
    except InvalidLink as error:
        return _invalid_link(request, language, error, "manage")
    return _page(request, "deleted.html", subscriber.language)


# --- unsubscribing -------------------------------------------------------------------------


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
@router.get("/unsubscribe/one-click/{token}", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe_page(
    request: Request, token: str, runtime: RuntimeDep, language: Language
) -> HTMLResponse:
    """A page with one button: link scanners that follow GET links unsubscribe nobody."""
    try:
        subscriber = _service(runtime).check_unsubscribe(token)
    except InvalidLink as error:
        return _invalid_link(request, language, error, "unsubscribe")
    page_language = subscriber.language if subscriber else language
    return _page(request, "unsubscribe.html", page_language, subscriber=subscriber, token=token)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(
    request: Request, token: str, runtime: RuntimeDep, language: Language
) -> HTMLResponse:
    service = _service(runtime)
    try:
        subscriber = service.unsubscribe(token, via="web")
    except InvalidLink as error:
        return _invalid_link(request, language, error, "unsubscribe")
    links = service.links_for(subscriber) if subscriber else None
    page_language = subscriber.language if subscriber else language
    return _page(request, "unsubscribed.html", page_language, subscriber=subscriber, links=links)


@router.post("/unsubscribe/one-click/{token}", response_class=PlainTextResponse)
def unsubscribe_one_click(token: str, runtime: RuntimeDep) -> PlainTextResponse:
    """RFC 8058: the mail client POSTs ``List-Unsubscribe=One-Click``; no page in between."""
    try:
        _service(runtime).unsubscribe(token, via="one-click")
    except InvalidLink as error:
        return PlainTextResponse(f"{error}\n", status_code=400, headers=PRIVATE)
    return PlainTextResponse("unsubscribed\n", headers=PRIVATE)
