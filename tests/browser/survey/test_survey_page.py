"""The hosted survey in Chromium, as customers get it: answered in French with a pointer on
a phone, without JavaScript, and in English with the keyboard only; the answer then counts
in the customer's lived experience, once. Screenshots in tests/output/screenshots."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.kit import DESKTOP, PHONE, WAIT_MS, Console, assert_accessible, screenshot
from tests.conftest import unique
from tests.ingest.survey.stack import SurveyStack
from tests.scoring.conftest import Scoring

pytestmark = pytest.mark.browser


async def experience(scoring: Scoring, customer: str, signals: int = 1) -> dict[str, Any]:
    """The customer's experience once scoring has ``signals`` signals for them."""
    async with asyncio.timeout(60):
        while True:
            response = await scoring.client.get(f"/v1/customers/{customer}/experience")
            if response.status_code == 200 and response.json()["signals"] >= signals:
                body: dict[str, Any] = response.json()
                return body
            await asyncio.sleep(0.1)


@pytest.fixture
async def context(
    browser: Browser, request: pytest.FixtureRequest
) -> AsyncIterator[BrowserContext]:
    options: dict[str, Any] = getattr(request, "param", {})
    context = await browser.new_context(**options)
    context.set_default_timeout(WAIT_MS)
    yield context
    await context.close()


async def open_page(context: BrowserContext, url: str) -> tuple[Page, Console]:
    page = await context.new_page()
    console = Console()
    console.watch(page)
    response = await page.goto(url)
    assert response is not None
    return page, console


@pytest.mark.parametrize(
    "context",
    [{"viewport": PHONE, "locale": "de-DE", "java_script_enabled": False}],
    indirect=True,
)
async def test_a_french_survey_on_a_phone_without_javascript(
    context: BrowserContext, stack: SurveyStack, scoring: Scoring
) -> None:
    """German first, French second in the browser: French, the first one the survey speaks."""
    customer = unique("br-fr")
    invited = await stack.invite(customer)
    page, console = await open_page(context, stack.ingest_url + invited.path)
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    # what the survey is about, first: the map's title of the touchpoint's survey
    await expect(page.get_by_role("heading", level=1)).to_have_text("Votre visite en magasin")
    await expect(page).to_have_title(re.compile("^Votre visite en magasin · "))
    # French typography: the typographic apostrophe, in the page's words and the questions'
    said = await page.locator("body").inner_text()
    assert "L\u2019expérience que vous attendiez" in said
    assert "'" not in said
    await screenshot(page, "survey-fr-phone")

    await page.get_by_label("9", exact=True).check()
    await (
        page.get_by_role("group", name="L’expérience que vous attendiez")
        .get_by_label("3", exact=True)
        .check()
    )
    await page.get_by_label("Souhaitez-vous nous en dire plus").fill("Livraison parfaite !")
    await page.get_by_role("button", name="Envoyer mes réponses").click()

    await expect(
        page.get_by_role("heading", name="Certaines réponses sont à compléter")
    ).to_be_visible()
    await expect(page.locator("#effort-error")).to_contain_text("de 1 à 7")
    await expect(page.get_by_label("9", exact=True)).to_be_checked()  # kept
    await expect(page.get_by_label("Souhaitez-vous nous en dire plus")).to_have_value(
        "Livraison parfaite !"
    )
    await screenshot(page, "survey-fr-phone-errors")

    effort = page.get_by_role("group", name="A-t-il été facile de faire ce que vous souhaitiez")
    await effort.get_by_label("6", exact=True).check()
    await (
        page.get_by_role("group", name="L’expérience que vous avez vécue")
        .get_by_label("4", exact=True)
        .check()
    )
    await page.get_by_label("Oui").check()
    await page.get_by_role("button", name="Envoyer mes réponses").click()
    await expect(page.get_by_role("heading", name="Merci !")).to_be_visible()
    await screenshot(page, "survey-fr-phone-thanks")
    assert console.messages == []

    # NPS 9: v = 2/3; CES 6: v = 2/3; expected 3, perceived 4: v = 1/2; their mean
    lived = await experience(scoring, customer)
    assert lived["last_nps"] == 9
    valence = {t["touchpoint"]: t["valence"] for t in lived["touchpoints"]}
    assert valence[stack.touchpoint] == pytest.approx((2 / 3 + 2 / 3 + 1 / 2) / 3)


async def press(page: Page, *keys: str) -> None:
    for key in keys:
        await page.keyboard.press(key)


async def focused_label_outline(page: Page) -> str:
    """The outline drawn around the focused radio's label: the visible focus."""
    style: str = await page.evaluate(
        "getComputedStyle(document.activeElement.labels[0]).outlineStyle"
    )
    return style


@pytest.mark.parametrize("context", [{"viewport": DESKTOP, "locale": "fr-FR"}], indirect=True)
async def test_an_english_survey_with_the_keyboard_only(
    context: BrowserContext, stack: SurveyStack, scoring: Scoring
) -> None:
    """The invitation's locale (en-GB) wins over the browser's French."""
    customer = unique("br-en")
    await stack.profile(customer, "en-GB")
    invited = await stack.invite(customer)
    page, console = await open_page(context, stack.ingest_url + invited.path)
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your store visit")
    await assert_accessible(page)

    await press(page, "Tab")  # the NPS group: its first radio
    await press(page, *["ArrowRight"] * 8)  # moves and checks: 8
    assert await focused_label_outline(page) == "solid"
    await screenshot(page, "survey-en-keyboard-focus")
    await press(page, "Tab", *["ArrowRight"] * 5)  # effort: 1 → 6
    await press(page, "Tab", "Tab", "Tab")  # past expected and perceived (optional)
    await page.keyboard.type("Quick and friendly.")
    await press(page, "Tab", "Space")  # callback: yes
    await press(page, "Tab", "Enter")  # the send button

    await expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "survey-en-thanks")
    assert console.messages == []

    lived = await experience(scoring, customer)
    assert lived["last_nps"] == 8
    valence = {t["touchpoint"]: t["valence"] for t in lived["touchpoints"]}
    assert valence[stack.touchpoint] == pytest.approx((1 / 3 + 2 / 3) / 2)  # NPS 8, CES 6


@pytest.mark.parametrize("context", [{"viewport": PHONE, "locale": "fr-FR"}], indirect=True)
async def test_the_errors_page_is_accessible(context: BrowserContext, stack: SurveyStack) -> None:
    invited = await stack.invite(unique("br-err"))
    page, _ = await open_page(context, stack.ingest_url + invited.path)
    await assert_accessible(page)
    await page.get_by_role("button", name="Envoyer mes réponses").click()
    await expect(page.locator("#nps-error")).to_be_visible()
    await assert_accessible(page)


@pytest.mark.parametrize("context", [{"viewport": PHONE, "locale": "fr-FR"}], indirect=True)
async def test_a_double_submit_counts_once(
    context: BrowserContext, stack: SurveyStack, scoring: Scoring
) -> None:
    """Two tabs on the same link, both sent: one signal in the experience. The second is
    thanked too, or told it was already answered once actions has recorded the first."""
    customer = unique("br-twice")
    invited = await stack.invite(customer)
    tabs = [(await open_page(context, stack.ingest_url + invited.path))[0] for _ in range(2)]
    for tab, nps in zip(tabs, ("3", "4"), strict=True):
        await tab.get_by_label(nps, exact=True).first.check()
        effort = tab.get_by_role("group", name="A-t-il été facile de faire ce que vous souhaitiez")
        await effort.get_by_label("2", exact=True).check()
    done = re.compile("Merci|Vous avez déjà répondu")
    for tab in tabs:
        await tab.get_by_role("button", name="Envoyer mes réponses").click()
        await expect(tab.get_by_role("heading", name=done)).to_be_visible()

    await scoring.processed([f"survey:{invited.invitation_id}"], timeout=60)
    await asyncio.sleep(1)  # time for a second signal to be recorded, if it were
    lived = await experience(scoring, customer)
    assert lived["signals"] == 1
    assert lived["last_nps"] == 3  # the first one sent


@pytest.mark.parametrize("context", [{"viewport": PHONE, "locale": "en-GB"}], indirect=True)
async def test_an_expired_link_and_a_forged_one_show_their_pages(
    context: BrowserContext, stack: SurveyStack
) -> None:
    expired = await stack.expired(unique("br-old"))
    page = await context.new_page()
    response = await page.goto(stack.ingest_url + expired.path)
    assert response is not None
    assert response.status == 410
    await expect(page.get_by_role("heading", name="This survey has closed")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "survey-expired")

    response = await page.goto(stack.ingest_url + "/s/" + "f" * 43)
    assert response is not None
    assert response.status == 404
    await expect(page.get_by_role("heading", name="We cannot find this survey")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "survey-forged")


@pytest.mark.parametrize("context", [{"viewport": PHONE, "locale": "he-IL"}], indirect=True)
async def test_a_message_of_the_longest_length_in_hebrew_reads_from_the_right_and_is_saved(
    context: BrowserContext, stack: SurveyStack
) -> None:
    """5,000 characters as the text area counts them, 9 bytes each once URL-encoded."""
    invited = await stack.invite(unique("br-he"))
    page, console = await open_page(context, stack.ingest_url + invited.path)
    await page.get_by_label("9", exact=True).check()
    effort = page.get_by_role("group", name="A-t-il été facile de faire ce que vous souhaitiez")
    await effort.get_by_label("6", exact=True).check()
    line = "\u05e9\u05dc\u05d5\u05dd" * 124 + "\u05e9\u05dc\u05d5"
    box = page.get_by_label("Souhaitez-vous nous en dire plus")
    await box.fill("\n".join([line] * 10) + "\u05dd")
    assert await box.evaluate("box => box.value.length") == 5000
    assert await box.evaluate("box => getComputedStyle(box).direction") == "rtl"
    await screenshot(page, "survey-hebrew-message")

    await page.get_by_role("button", name="Envoyer mes réponses").click()
    await expect(page.get_by_role("heading", name="Merci !")).to_be_visible()
    assert console.messages == []


SCALE_BOXES = """labels => labels.map(label => {
    const box = label.getBoundingClientRect(), style = getComputedStyle(label);
    const text = document.createRange();
    text.selectNodeContents(label);
    const room = label.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {width: box.width, height: box.height, top: Math.round(box.top),
            fits: text.getBoundingClientRect().width <= room};
})"""


@pytest.mark.parametrize("width", [320, 390, 1366])
async def test_the_0_to_10_scale_is_readable_and_tappable_at_every_width(
    browser: Browser, stack: SurveyStack, width: int
) -> None:
    """Each choice at least 24 px each way with its number inside it: one row on a wide
    screen, two (0-5, 6-10) on a phone; the arrows still move through 0-10 in order."""
    context = await browser.new_context(viewport={"width": width, "height": 800}, locale="fr")
    context.set_default_timeout(WAIT_MS)
    try:
        invited = await stack.invite(unique("br-nps"))
        page, console = await open_page(context, stack.ingest_url + invited.path)
        boxes = await page.locator("#nps-field .choice label").evaluate_all(SCALE_BOXES)
        assert len(boxes) == 11
        assert [b for b in boxes if b["width"] < 24 or b["height"] < 24 or not b["fits"]] == []
        assert len({b["top"] for b in boxes}) == (1 if width >= 640 else 2)
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        await screenshot(page, f"survey-scale-{width}")

        await page.locator("#nps-0").focus()
        await press(page, *["ArrowRight"] * 7)  # across the rows' break on a phone
        await expect(page.locator("#nps-7")).to_be_checked()
        await expect(page.locator("#nps-7")).to_be_focused()
        assert console.messages == []
    finally:
        await context.close()
