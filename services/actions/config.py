from __future__ import annotations

from shared.config import ServiceSettings


class ActionsSettings(ServiceSettings):
    service_name: str = "actions"
    port: int = 8004
