from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from tests.browser.kit import running_browser
from tests.conftest import Infra, Keys
from tests.ingest.survey.stack import SurveyStack, survey_stack
from tests.scoring.conftest import Scoring, running_scoring


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with running_browser() as browser:
        yield browser


@pytest.fixture(scope="package")
async def scoring(infra: Infra, keys: Keys) -> AsyncIterator[Scoring]:
    """Scoring for this package only: it stops with the package, so the next modules' own
    scoring apps run alone in the consumer group."""
    async with running_scoring(infra, keys) as running:
        yield running


@pytest.fixture(scope="package")
async def stack(infra: Infra, keys: Keys, scoring: Scoring) -> AsyncIterator[SurveyStack]:
    """Actions, ingest and scoring on the run's map: an answer reaches the experience."""
    async with survey_stack(infra, keys, followers=[scoring.app]) as running:
        yield running
