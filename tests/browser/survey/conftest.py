from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from tests.browser.kit import running_browser
from tests.conftest import Infra, Keys
from tests.ingest.survey.stack import SurveyStack, survey_stack
from tests.scoring.conftest import Scoring, scoring  # noqa: F401 (the fixture)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with running_browser() as browser:
        yield browser


@pytest.fixture(scope="package")
async def stack(
    infra: Infra,
    keys: Keys,
    scoring: Scoring,  # noqa: F811
) -> AsyncIterator[SurveyStack]:
    """Actions, ingest and scoring on the run's map: an answer reaches the experience."""
    async with survey_stack(infra, keys, followers=[scoring.app]) as running:
        yield running
