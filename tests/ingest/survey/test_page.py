"""GET and POST /s/{token} over HTTP, with actions' lookup and the broker for real."""

from __future__ import annotations

import asyncio
import json
import re
import secrets

import httpx
import pytest

from tests.conftest import consume, read_all, unique
from tests.ingest.survey.stack import Invited, SurveyStack

ANSWERS = {"nps": "9", "effort": "6", "comment": "Très bien, écrivez-moi à jean@example.org"}


def form_token(html: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def open_form(client: httpx.AsyncClient, invited: Invited) -> str:
    page = await client.get(invited.path)
    assert page.status_code == 200, page.text
    return form_token(page.text)


async def published(stack: SurveyStack, invited: Invited, want: int = 1) -> list[dict]:  # type: ignore[type-arg]
    records = await consume(
        stack.infra.bootstrap_servers,
        "cx.survey-responses",
        want,
        ce_id=f"survey:{invited.invitation_id}".encode(),
    )
    return [json.loads(record.value) for record in records]


async def test_opening_shows_the_survey_and_marks_the_invitation_opened(
    stack: SurveyStack,
) -> None:
    invited = await stack.invite(unique("sp-c"))
    assert await stack.status(invited) == "sent"
    async with stack.ingest() as client:
        page = await client.get(invited.path)
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text  # the map's default: no locale, no Accept-Language
    assert "pas du tout probable" in page.text
    assert "très facile" in page.text
    assert '<strong class="who">Magasins Dupont &amp; Fils</strong>' in page.text  # the map's
    assert await stack.status(invited) == "opened"


async def test_the_page_sets_no_cookie_and_allows_only_itself(stack: SurveyStack) -> None:
    invited = await stack.invite(unique("sp-c"))
    async with stack.ingest() as client:
        page = await client.get(invited.path)
        css = await client.get("/s/assets/survey.css")
    assert "set-cookie" not in page.headers
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "form-action 'self'" in policy
    assert "script-src" not in policy  # no script at all
    assert page.headers["referrer-policy"] == "no-referrer"  # the token stays here
    assert page.headers["cache-control"] == "no-store"
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_the_browser_language_is_used_when_the_invitation_has_none(
    stack: SurveyStack,
) -> None:
    invited = await stack.invite(unique("sp-c"))
    async with stack.ingest(**{"Accept-Language": "de-DE, en-GB;q=0.9, fr;q=0.5"}) as client:
        page = await client.get(invited.path)
    assert '<html lang="en">' in page.text
    assert page.headers["content-language"] == "en"
    assert "not at all likely" in page.text
    assert "Send my answers" in page.text


async def test_the_invitation_s_locale_wins_over_the_browser(stack: SurveyStack) -> None:
    customer = unique("sp-c")
    await stack.profile(customer, "en-GB")
    invited = await stack.invite(customer)
    async with stack.ingest(**{"Accept-Language": "fr-FR, fr"}) as client:
        page = await client.get(invited.path)
    assert '<html lang="en">' in page.text


@pytest.mark.parametrize("token", [secrets.token_urlsafe(32), "short", "a" * 200, "%2e%2e"])
async def test_an_unknown_or_forged_link_is_404_in_the_reader_s_language(
    stack: SurveyStack, token: str
) -> None:
    async with stack.ingest(**{"Accept-Language": "en"}) as client:
        page = await client.get(f"/s/{token}")
    assert page.status_code == 404
    assert "We cannot find this survey" in page.text
    assert "Traceback" not in page.text


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "We cannot find this survey"), ("fr", "Nous ne trouvons pas ce questionnaire")],
)
async def test_a_link_cut_before_its_token_is_the_unknown_link_page(
    stack: SurveyStack, language: str, heading: str
) -> None:
    async with stack.ingest(**{"Accept-Language": language}) as client:
        for path in ("/s/", "/s"):
            page = await client.get(path, follow_redirects=True)
            assert page.status_code == 404
            assert page.headers["content-type"].startswith("text/html")
            assert heading in page.text
            assert page.headers["content-security-policy"].startswith("default-src 'none'")


async def test_an_expired_link_is_410(stack: SurveyStack) -> None:
    invited = await stack.expired(unique("sp-c"))
    async with stack.ingest() as client:
        page = await client.get(invited.path)
        answer = await client.post(invited.path, data={**ANSWERS, "form_token": "1.x"})
    assert (page.status_code, answer.status_code) == (410, 410)
    assert "Ce questionnaire est clos" in page.text


async def test_an_answer_is_published_with_its_invitation_and_counts_once(
    stack: SurveyStack,
) -> None:
    customer = unique("sp-c")
    invited = await stack.invite(customer)
    async with stack.ingest() as client:
        token = await open_form(client, invited)
        form = {**ANSWERS, "callback": "yes", "form_token": token}
        first = await client.post(invited.path, data=form)
        again = await client.post(invited.path, data=form)
    assert first.status_code == 200, first.text
    assert "Merci" in first.text
    assert "enregistrées" in first.text
    assert again.status_code in (200, 409)  # 409 once actions has recorded the first

    events = await published(stack, invited, want=2 if again.status_code == 200 else 1)
    assert {e["event_id"] for e in events} == {f"survey:{invited.invitation_id}"}
    event = events[0]
    assert (event["customer_id"], event["touchpoint"]) == (customer, stack.touchpoint)
    assert (event["invitation_id"], event["interaction_event_id"]) == (
        invited.invitation_id,
        f"ev-{customer}",
    )
    assert (event["nps"], event["ces"], event["callback_consent"]) == (9, 6, True)
    assert event["verbatim"] == "Très bien, écrivez-moi à [email]"
    assert event["language"] == "fr"
    assert event.get("expected") is None
    assert event.get("csat") is None


async def test_an_answered_link_is_409_once_actions_has_recorded_it(stack: SurveyStack) -> None:
    invited = await stack.invite(unique("sp-c"))
    async with stack.ingest() as client:
        token = await open_form(client, invited)
        assert (await client.post(invited.path, data={**ANSWERS, "form_token": token})).is_success
        async with asyncio.timeout(20):
            while await stack.status(invited) != "answered":
                await asyncio.sleep(0.1)
        page = await client.get(invited.path)
    assert page.status_code == 409
    assert "Vous avez déjà répondu" in page.text
    assert '<strong class="who">Magasins Dupont &amp; Fils</strong>' in page.text


async def test_wrong_answers_are_shown_again_beside_their_field_the_others_kept(
    stack: SurveyStack,
) -> None:
    invited = await stack.invite(unique("sp-c"))
    async with stack.ingest() as client:
        token = await open_form(client, invited)
        form = {"nps": "11", "expectation-expected": "2", "comment": "<b>gardé</b>"}
        page = await client.post(invited.path, data={**form, "form_token": token})
    assert page.status_code == 422
    html = page.text
    assert 'id="nps-error"' in html
    assert "de 0 à 10" in html
    assert 'id="effort-error"' in html
    assert 'id="expectation-perceived-error"' in html
    assert re.search(r'value="2"\s+checked', html)  # expected: 2 kept
    assert "&lt;b&gt;gardé&lt;/b&gt;</textarea>" in html  # kept, and escaped
    assert (
        await read_all(
            stack.infra.bootstrap_servers,
            "cx.survey-responses",
            ce_id=f"survey:{invited.invitation_id}".encode(),
        )
        == []
    )


@pytest.mark.parametrize("signed", ["", "1700000000.0123", "garbage"])
async def test_a_form_not_signed_for_this_link_is_refused_answers_kept(
    stack: SurveyStack, signed: str
) -> None:
    invited = await stack.invite(unique("sp-c"))
    other = await stack.invite(unique("sp-c"))
    async with stack.ingest() as client:
        foreign = await open_form(client, other)
        for token in (signed, foreign):
            page = await client.post(invited.path, data={**ANSWERS, "form_token": token})
            assert page.status_code == 400
            assert "Merci d’envoyer à nouveau vos réponses" in page.text
            assert re.search(r'value="9"\s+checked', page.text)
            assert form_token(page.text) != token  # a fresh one, to send again


async def test_a_body_over_the_bound_is_413(stack: SurveyStack) -> None:
    invited = await stack.invite(unique("sp-c"))
    async with stack.ingest() as client:
        # over the form's bound, under the service-wide 64 KiB: the page's own 413
        page = await client.post(invited.path, data={"comment": "x" * 50_000})
    assert page.status_code == 413
    assert "trop longues" in page.text


async def test_the_longest_message_the_page_allows_is_accepted_in_any_script(
    stack: SurveyStack,
) -> None:
    """5,000 Hebrew letters and line breaks, as the text area lets them through: each
    letter URL-encoded takes 9 bytes, each break (CR LF) 6, over 44,000 bytes in all."""
    invited = await stack.invite(unique("sp-c"))
    text = ("\u05e9\u05dc\u05d5\u05dd" * 124 + "\u05e9\u05dc\u05d5\n") * 10
    assert len(text) == 5000
    async with stack.ingest() as client:
        token = await open_form(client, invited)
        form = {**ANSWERS, "comment": text.replace("\n", "\r\n"), "form_token": token}
        page = await client.post(invited.path, data=form)
    assert page.status_code == 200, page.text
    [event] = await published(stack, invited)
    assert event["verbatim"] == text.strip()
