"""Apply each service's Alembic history (``services/<name>/migrations``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.db.session import async_url

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


def services_with_migrations() -> list[str]:
    return sorted(p.parent.parent.name for p in SERVICES_DIR.glob("*/migrations/env.py"))


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    # configparser interpolation: a literal % in a password must be doubled
    config.set_main_option("sqlalchemy.url", async_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, services: list[str] | None = None, revision: str = "heads") -> None:
    """Upgrade every named service (all by default). Synchronous: run it off the event loop."""
    for service in services or services_with_migrations():
        command.upgrade(alembic_config(service, database_url), revision)
