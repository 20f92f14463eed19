from __future__ import annotations

from pydantic import Field, HttpUrl

from shared.config import ServiceSettings
from shared.events.values import TimeZoneName


class ConsoleSettings(ServiceSettings):
    """The console needs no database and no broker: only the four services' APIs."""

    service_name: str = "console"
    port: int = 8005
    # Where the console reaches each service's API (as the browser never does).
    console_ingest_url: HttpUrl = HttpUrl("http://127.0.0.1:8001")
    console_scoring_url: HttpUrl = HttpUrl("http://127.0.0.1:8002")
    console_alerts_url: HttpUrl = HttpUrl("http://127.0.0.1:8003")
    console_actions_url: HttpUrl = HttpUrl("http://127.0.0.1:8004")
    # One API call's limit: past it the part of the page that needs it says the API is down.
    console_api_timeout_seconds: float = Field(default=5.0, gt=0)
    # Connections open to the four APIs together; further calls wait for one (within the
    # timeout). The HTTP pool looks over every open connection for each call, so hundreds
    # of them cost the console more CPU than the services gain from serving all at once.
    console_api_connections: int = Field(default=12, ge=1, le=1000)
    # A session unused this long is forgotten: its person signs in again.
    console_session_idle_minutes: float = Field(default=30, gt=0)
    # Behind HTTPS (a TLS proxy in front), cookies are sent over HTTPS only.
    console_cookie_secure: bool = False
    # Times are shown, and recontact times typed, in this IANA zone for everyone; unset,
    # in each person's: their department's in the journey map, else the map's default.
    console_time_zone: TimeZoneName | None = None
    # The language of a browser that asks for neither French nor English.
    console_default_language: str = Field(default="en", pattern="^(fr|en)$")
    console_page_size: int = Field(default=25, ge=1, le=200)
