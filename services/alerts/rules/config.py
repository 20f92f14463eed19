from __future__ import annotations

from shared.config import ServiceSettings


class RulesSettings(ServiceSettings):
    """Settings of the alerts service's rules (read with the service's other settings)."""
