from __future__ import annotations

from shared.config import ServiceSettings


class ScoringSettings(ServiceSettings):
    service_name: str = "scoring"
    port: int = 8002
