"""What ``cxloop`` says before it starts anything: a busy port is named, never replaced."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from cxloop.cli import forwarding, main
from cxloop.embedded import EmbeddedBroker, free_port
from tests.conftest import Infra
from tests.test_run import free_block


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("command", ["infra", "run"])
def test_a_busy_broker_port_fails_with_what_to_do(
    command: str,
    busy_port: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)  # so the broker is embedded
    args = ["--data-dir", str(tmp_path), "--broker-port", str(busy_port)]
    if command == "run":
        args += ["--base-port", str(free_block(5))]

    assert main([command, *args]) == 2

    assert capsys.readouterr().err == (
        f"cxloop {command}: port {busy_port} is busy (another broker, or an earlier run?): "
        "--broker-port PORT picks another one, --broker-port 0 any free one\n"
    )
    assert not (tmp_path / "postgres").exists()  # nothing was started


def test_a_busy_service_port_fails_with_its_name(
    busy_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--data-dir", str(tmp_path), "--base-port", str(busy_port - 3)]) == 2

    said = capsys.readouterr().err
    assert said.startswith("cxloop run: busy: port ")
    assert f"{busy_port} (actions)" in said  # the ports below it are most likely free
    assert said.endswith("; --base-port PORT moves the services\n")


def test_a_broker_that_refuses_the_idempotent_producer_names_the_setting(
    private_broker: EmbeddedBroker,
    infra: Infra,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``cxloop infra``'s broker used by a second run without its export lines."""
    monkeypatch.setenv("DATABASE_URL", infra.database_url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", private_broker.bootstrap_servers)
    monkeypatch.setenv("KAFKA_ENABLE_IDEMPOTENCE", "true")

    assert main(["infra", "--data-dir", str(tmp_path)]) == 2

    said = capsys.readouterr().err
    assert said.startswith("cxloop infra: the broker answers but refuses an idempotent producer")
    assert said.endswith("needs KAFKA_ENABLE_IDEMPOTENCE=false\n")


async def _client_seen(options: dict[str, Any]) -> str:
    """The client address an app served with ``options`` sees for a request from loopback
    that claims, in X-Forwarded-For, to come from 203.0.113.9."""
    app = FastAPI()

    @app.get("/who")
    async def who(request: Request) -> dict[str, str]:
        return {"client": request.client.host if request.client else ""}

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, **options)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient() as client:
            headers = {"X-Forwarded-For": "203.0.113.9"}
            found = await client.get(f"http://127.0.0.1:{port}/who", headers=headers)
        return str(found.json()["client"])
    finally:
        server.should_exit = True
        await task


async def test_a_client_s_address_is_read_from_the_proxies_named_only() -> None:
    assert await _client_seen(forwarding({})) == "127.0.0.1"  # no one may pick it
    named = forwarding({"FORWARDED_ALLOW_IPS": "127.0.0.1"})
    assert await _client_seen(named) == "203.0.113.9"
    elsewhere = forwarding({"FORWARDED_ALLOW_IPS": "10.0.0.0/8"})
    assert await _client_seen(elsewhere) == "127.0.0.1"
