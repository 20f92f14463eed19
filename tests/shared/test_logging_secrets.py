"""No log line holds a URL's password: httpx logs each request with its whole URL at INFO,
and a webhook's URL may carry its receiver's credentials (user:password@host); nor a survey
link's token, which uvicorn's access log would write with the path."""

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


async def test_the_access_log_leaves_a_survey_link_s_token_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = FastAPI()

    @app.get("/s/{token}")
    async def survey(token: str) -> dict[str, str]:
        return {}

    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    try:
        configure_logging("INFO", json=True)
        async with serve(app) as url, httpx.AsyncClient() as client:
            assert (await client.get(url + "/s/LZSjwVEdfHo9aoDmUzZ5Sv?lang=fr")).status_code == 200
        written = capsys.readouterr()
    finally:
        root.handlers[:], root.level = handlers, root_level
    lines = [line for line in written.err.splitlines() if "uvicorn.access" in line]
    assert lines, written.err
    assert "LZSjwVEdfHo9aoDmUzZ5Sv" not in written.out + written.err
    assert "GET /s/[token]?lang=fr HTTP/1.1" in lines[0]
