"""No log line holds a URL's password: httpx logs each request with its whole URL at INFO,
and a webhook's URL may carry its receiver's credentials (user:password@host)."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from shared.logging import configure_logging
from tests.conftest import serve


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_a_request_with_credentials_logs_no_password(
    level: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = FastAPI()

    @app.post("/hooks")
    async def receive() -> dict[str, str]:
        return {}

    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    try:
        configure_logging(level, json=True)
        async with serve(app) as url, httpx.AsyncClient() as client:
            secret_url = url.replace("http://", "http://alice:S3cretPW@") + "/hooks"
            token_url = url.replace("http://", "http://TOKEN123abc@") + "/hooks"
            assert (await client.post(secret_url)).status_code == 200
            assert (await client.post(token_url)).status_code == 200
        written = capsys.readouterr()
    finally:
        root.handlers[:], root.level = handlers, root_level
    for stream in (written.out, written.err):
        assert "S3cretPW" not in stream
        assert "TOKEN123abc" not in stream
