"""CURSOR_KEY where cursors are given: a service with a list that takes ``cursor`` refuses to
be built without the key, and one without such a list does not ask for it."""

from __future__ import annotations

import importlib

import pytest
from fastapi import FastAPI

from shared.cursor import CursorKeyMissing
from tests.test_docs import service_names

SIGNING = {"scoring", "alerts", "actions"}


def built(name: str) -> FastAPI:
    """The service's app from the environment's settings, never started."""
    app: FastAPI = importlib.import_module(f"services.{name}.app").create_app()
    return app


def takes_a_cursor(app: FastAPI) -> bool:
    return any(
        parameter["in"] == "query" and parameter["name"] == "cursor"
        for operations in app.openapi()["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", ())
    )


def test_the_services_with_lists_that_take_cursors_are_those_that_sign() -> None:
    assert {name for name in service_names() if takes_a_cursor(built(name))} == SIGNING


@pytest.mark.parametrize("name", sorted(SIGNING))
def test_a_service_giving_cursors_refuses_to_start_without_a_key(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURSOR_KEY", "")  # empty is unset

    with pytest.raises(CursorKeyMissing, match=f"^{name} gives signed cursors and CURSOR_KEY"):
        built(name)


@pytest.mark.parametrize("name", sorted(set(service_names()) - SIGNING))
def test_a_service_giving_no_cursor_starts_without_a_key(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURSOR_KEY", "")

    assert built(name).state.cursors is None
