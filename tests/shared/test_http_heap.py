"""A started service moves its startup heap (the imported app) out of the garbage
collector's reach, so a full collection no longer walks it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import httpx
import pytest

from shared.config import ServiceSettings
from shared.http import create_service_app
from tests.conftest import serve


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # this process runs other apps next: nothing of it stays frozen


@pytest.mark.usefixtures("unfrozen")
async def test_a_started_service_freezes_its_startup_heap() -> None:
    app = create_service_app(ServiceSettings(), title="heap", description="heap")
    assert gc.get_freeze_count() == 0

    async with serve(app) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/healthz")).status_code == 200
        assert gc.get_freeze_count() > 10_000


@pytest.mark.usefixtures("unfrozen")
async def test_the_freeze_can_be_turned_off() -> None:
    settings = ServiceSettings(freeze_startup_heap=False)
    app = create_service_app(settings, title="heap", description="heap")

    async with serve(app) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/healthz")).status_code == 200
        assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("unfrozen")
async def test_the_young_generation_threshold_holds_while_the_service_runs() -> None:
    before = gc.get_threshold()
    settings = ServiceSettings(gc_young_threshold=12_345)
    app = create_service_app(settings, title="heap", description="heap")
    assert gc.get_threshold() == before

    async with serve(app) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/healthz")).status_code == 200
        assert gc.get_threshold() == (12_345, *before[1:])

    assert gc.get_threshold() == before


@pytest.mark.usefixtures("unfrozen")
async def test_without_a_threshold_python_keeps_its_own() -> None:
    before = gc.get_threshold()
    app = create_service_app(ServiceSettings(), title="heap", description="heap")

    async with serve(app):
        assert gc.get_threshold() == before
