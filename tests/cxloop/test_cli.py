"""What ``cxloop`` says before it starts anything: a busy port is named, never replaced."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxloop.cli import main
from cxloop.embedded import EmbeddedBroker
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
