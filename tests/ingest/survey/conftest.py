from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import Infra, Keys
from tests.ingest.survey.stack import SurveyStack, survey_stack


@pytest.fixture(scope="package")
async def stack(infra: Infra, keys: Keys) -> AsyncIterator[SurveyStack]:
    async with survey_stack(infra, keys) as running:
        yield running
