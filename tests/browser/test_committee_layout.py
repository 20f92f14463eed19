"""The committee's journey map at the widths people use: a journey of six stages keeps every
word of its cells whole, on a laptop's half screen (800 px) as on a phone and a desktop.

The console is served over a fake of the APIs (``tests/console/kit.py``): what is checked
is the page's layout, with a map shaped as a real retailer's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from services.console.sessions import COOKIE
from tests.browser.conftest import screenshot
from tests.conftest import serve
from tests.console.kit import console_app, fake_api

pytestmark = pytest.mark.browser

STAGES = {
    "Discovery": ["Product search and listings", "Product page", "Newsletter and promotions"],
    "Purchase": ["Basket, checkout and payment", "Order confirmation"],
    "Delivery": ["Delivery tracking", "Home delivery or click-and-collect"],
    "Usage": ["First weeks of use", "Online help centre"],
    "After-sales support": ["Chat with an adviser", "After-sales call"],
    "Renewal": ["Loyalty programme renewal"],
}
TOUCHPOINTS = {name: f"tp-{i}" for i, name in enumerate(n for ns in STAGES.values() for n in ns)}
JOURNEY_MAP = {
    "version": 1,
    "map": {
        "touchpoints": [{"id": tp, "name": name} for name, tp in TOUCHPOINTS.items()],
        "personas": [],
        "root_causes": [],
        "journeys": [
            {
                "id": "online",
                "name": "Online purchase",
                "stages": [
                    {"id": stage, "name": stage, "touchpoints": [TOUCHPOINTS[n] for n in names]}
                    for stage, names in STAGES.items()
                ],
            }
        ],
    },
}
ANSWERS: dict[tuple[str, str], Any] = {("GET", "/v1/journey-map"): JOURNEY_MAP}

# each word of the map's cells on one line (a word may still end a line at a hyphen)
BROKEN_WORDS = """(root) => {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, words = /[^\\s\\-]+/g;
    let word;
    while ((word = words.exec(node.data))) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push(word[0]);
    }
  }
  return broken;
}"""


@pytest.fixture(scope="module")
async def served() -> AsyncIterator[tuple[str, str]]:
    """The console's URL and a signed-in person's session id."""
    app, person, _ = console_app(ANSWERS)
    async with serve(app) as url:
        await app.state.api.close()  # the lifespan's: this test's APIs are the fake
        app.state.api = fake_api(app.state.settings, ANSWERS, [])
        yield url, person.id
        await app.state.api.close()


async def committee_at(browser: Browser, served: tuple[str, str], width: int) -> Page:
    url, session = served
    context = await browser.new_context(viewport={"width": width, "height": 900})
    await context.add_cookies([{"name": COOKIE, "value": session, "url": url}])
    page = await context.new_page()
    await page.goto(url + "/committee")
    return page


@pytest.mark.parametrize("width", [390, 800, 1024, 1366])
async def test_the_map_s_words_stay_whole_at_every_width(
    browser: Browser, served: tuple[str, str], width: int
) -> None:
    page = await committee_at(browser, served, width)
    try:
        journey = page.locator("table.journey-map")
        broken = await journey.evaluate(BROKEN_WORDS)
        await screenshot(page, f"20-committee-map-{width}")
        assert broken == [], f"at {width} px: {broken}"
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        names = await page.locator("table.journey-map .cell-name").all_inner_texts()
        assert len(names) == len(TOUCHPOINTS)
    finally:
        await page.context.close()
