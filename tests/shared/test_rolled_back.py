"""A transaction PostgreSQL rolls back to break a deadlock or a serialization conflict is
the moment's bad luck, not a bug: 503 with Retry-After, nothing kept, the request can be
sent again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.config import ServiceSettings
from shared.db.session import create_engine
from shared.problems import install_problem_handlers

# PostgreSQL raising the SQLSTATE of each case, as it does when it picks a victim
RAISE = "DO $$ BEGIN RAISE EXCEPTION '{text}' USING ERRCODE = '{code}'; END $$"


@pytest.fixture
async def engine(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.model_copy(update={"db_pool_size": 1}))
    yield engine
    await engine.dispose()


def app_raising(engine: AsyncEngine) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/raise/{code}")
    async def raised(code: str) -> None:
        async with engine.begin() as connection:
            await connection.execute(text(RAISE.format(text=f"sqlstate {code}", code=code)))

    @app.post("/store")
    async def store() -> None:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT CAST(:note AS text)"), {"note": "a\x00b"})

    return app


async def answer(engine: AsyncEngine, code: str) -> httpx.Response:
    transport = httpx.ASGITransport(app_raising(engine), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(f"/raise/{code}")


@pytest.mark.parametrize("code", ["40P01", "40001"])  # deadlock, serialization failure
async def test_a_rolled_back_transaction_is_503_to_send_again(
    engine: AsyncEngine, code: str
) -> None:
    response = await answer(engine, code)

    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"] == "application/problem+json"
    assert "send it again" in response.json()["detail"]


async def test_another_database_error_is_still_a_500(engine: AsyncEngine) -> None:
    response = await answer(engine, "XX000")  # internal error

    assert response.status_code == 500
    assert response.json()["title"] == "Internal error"


async def test_a_database_error_ends_its_request_and_nothing_is_raised_again(
    engine: AsyncEngine,
) -> None:
    # Raised again past the answer, the error would make the server close the connection,
    # failing the client's next request on it: the transport raises it here instead.
    transport = httpx.ASGITransport(app_raising(engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        refused = await client.post("/store")
        rolled_back = await client.post("/raise/40P01")
        failed = await client.post("/raise/XX000")

    assert refused.status_code == 422
    assert "cannot be stored" in refused.json()["detail"]
    assert (rolled_back.status_code, failed.status_code) == (503, 500)
