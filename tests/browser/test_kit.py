"""The browser kit itself: the vendored axe-core, and that it finds what it must."""

from __future__ import annotations

import pytest

from tests.browser.kit import axe_is_the_vendored_one, axe_violations, running_browser

pytestmark = pytest.mark.browser


def test_axe_core_is_the_vendored_release() -> None:
    assert axe_is_the_vendored_one()


async def test_axe_reports_an_unlabelled_field() -> None:
    async with running_browser() as browser:
        page = await browser.new_page()
        await page.set_content("<html><title>t</title><main><input type=text></main></html>")
        ids = {v["id"] for v in await axe_violations(page)}
    assert {"label", "html-has-lang"} <= ids
