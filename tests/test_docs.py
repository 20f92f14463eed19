"""The reference in docs/ names everything a user can call or set, as the code has it.

Each check reads the code (the OpenAPI documents, the ``Settings`` classes, the webhook event
types) and fails naming what docs/ does not mention, so a new endpoint or setting cannot land
undocumented. No infrastructure: the apps are built but never started.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic_settings import BaseSettings

import services
import shared

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# "GET /v1/webhooks/{id}", "`GET /v1/journey-map[?version=N]`": a method, a space, a path.
ENDPOINT = re.compile(rf"\b({'|'.join(METHODS)}) (/[A-Za-z0-9_.~{{}}/-]*)")
PARAMETER = re.compile(r"\{[^}/]*\}")


def docs_text() -> str:
    pages = sorted(DOCS.rglob("*.md"))
    assert pages, "docs/ has no pages"
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def normalised(path: str) -> str:
    """A path with its parameters unnamed: the docs may write ``{id}`` for ``{task_id}``."""
    return PARAMETER.sub("{}", path.rstrip("/") or "/")


def documented_endpoints(text: str) -> set[tuple[str, str]]:
    return {(method, normalised(path)) for method, path in ENDPOINT.findall(text)}


def service_names() -> list[str]:
    return sorted(
        path.parent.name
        for path in (ROOT / "services").glob("*/app.py")
        if not path.parent.name.startswith("_")
    )


def service_app(name: str) -> FastAPI:
    app: FastAPI = importlib.import_module(f"services.{name}.app").create_app()
    return app


def openapi_endpoints(app: FastAPI) -> Iterator[tuple[str, str]]:
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if method.upper() in METHODS:
                yield method.upper(), path


def settings_classes() -> list[type[BaseSettings]]:
    """Every ``BaseSettings`` subclass defined in shared/ or services/ (migrations aside)."""
    for package in (shared, services):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    found: list[type[BaseSettings]] = []
    pending = list(BaseSettings.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ("shared", "services") and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def environment_names(cls: type[BaseSettings]) -> Iterator[tuple[str, str]]:
    """(field, variable) for each field: the variable is what the environment sets."""
    prefix = cls.model_config.get("env_prefix") or ""
    for name, field in cls.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        yield name, (prefix + (alias or field.alias or name)).upper()


def test_the_endpoint_pattern_reads_the_forms_the_docs_use() -> None:
    text = "`GET /v1/journey-map[?version=N]`, `GET /v1/webhooks`, `GET /v1/webhooks/{id}` and "
    text += "`GET /v1/deliveries?endpoint_id=&status=` | `DELETE /v1/customers/{customer_id}` |"
    assert documented_endpoints(text) == {
        ("GET", "/v1/journey-map"),
        ("GET", "/v1/webhooks"),
        ("GET", "/v1/webhooks/{}"),
        ("GET", "/v1/deliveries"),
        ("DELETE", "/v1/customers/{}"),
    }


def test_the_check_sees_every_service_and_its_settings() -> None:
    # A discovery that finds nothing would make the checks below pass for nothing.
    assert {"ingest", "scoring", "alerts", "actions"} <= set(service_names())
    names = {cls.__name__ for cls in settings_classes()}
    assert {"ServiceSettings", "IngestSettings", "ActionsSettings", "WebhookSettings"} <= names


@pytest.mark.parametrize("name", service_names())
def test_every_endpoint_of_a_service_is_named_in_docs(name: str) -> None:
    documented = documented_endpoints(docs_text())
    endpoints = list(openapi_endpoints(service_app(name)))
    assert endpoints
    missing = [f"{m} {p}" for m, p in endpoints if (m, normalised(p)) not in documented]
    assert not missing, f"{name}: endpoints of the OpenAPI document not named in docs/: {missing}"


def test_every_setting_is_named_in_docs() -> None:
    text = docs_text()
    missing: dict[str, str] = {}
    for cls in settings_classes():
        for field, variable in environment_names(cls):
            if not re.search(rf"(?<![A-Z0-9_]){re.escape(variable)}(?![A-Z0-9_])", text):
                missing.setdefault(variable, f"{cls.__module__}.{cls.__name__}.{field}")
    assert not missing, f"settings not named in docs/: {missing}"


def test_every_webhook_event_type_is_named_in_docs() -> None:
    from services.alerts.webhooks.schemas import DIGEST_TYPE, EVENT_TYPES

    text = docs_text()
    missing = [kind for kind in (*EVENT_TYPES, DIGEST_TYPE) if f"`{kind}`" not in text]
    assert not missing, f"webhook event types not named in docs/: {missing}"
