"""The committee's journey map at the widths people use: a journey of six stages keeps every
word of its cells whole, on a laptop's half screen (800 px) as on a phone and a desktop.

The whole system runs with a map shaped as a real retailer's.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import System, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

STAGES = {
    "Discovery": ["Product search and listings", "Product page", "Newsletter and promotions"],
    "Purchase": ["Basket, checkout and payment", "Order confirmation"],
    "Delivery": ["Delivery tracking", "Home delivery or click-and-collect"],
    "Usage": ["First weeks of use", "Online help centre"],
    "After-sales support": ["Chat with an adviser", "After-sales call"],
    "Renewal": ["Loyalty programme renewal"],
}
TOUCHPOINTS = {name: f"tp-{i}" for i, name in enumerate(n for ns in STAGES.values() for n in ns)}
RETAILER_MAP: dict[str, Any] = {
    "name": "online retailer",
    "touchpoints": [
        {"id": tp, "name": name, "channels": ["web"]} for name, tp in TOUCHPOINTS.items()
    ],
    "journeys": [
        {
            "id": "online",
            "name": "Online purchase",
            "stages": [
                {"id": stage.lower().replace(" ", "-"), "name": stage}
                | {"touchpoints": [TOUCHPOINTS[n] for n in names]}
                for stage, names in STAGES.items()
            ],
        }
    ],
}

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
def journey_map() -> dict[str, Any]:
    return RETAILER_MAP


async def committee_at(browser: Browser, system: System, width: int) -> Page:
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    await sign_in(page, system.console_url, system.keys["ops"])
    await page.goto(system.console_url + "/committee")
    return page


@pytest.mark.parametrize("width", [390, 800, 1024, 1366])
async def test_the_map_s_words_stay_whole_at_every_width(
    browser: Browser, system: System, width: int
) -> None:
    page = await committee_at(browser, system, width)
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
