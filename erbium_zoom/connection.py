"""Which Zoom the dashboard talks to: the demo account or a client's real app, and how.

Pure: decides from what was entered, the environment and the demo scenario; builds clients.
Credentials are taken in this order: entered in this session → the environment → demo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from erbium_zoom import simulator
from erbium_zoom.auth import TokenCache
from erbium_zoom.client import ZoomClient
from erbium_zoom.config import Credentials, Settings, credentials_from_env, settings_from_env

SOURCE_DEMO = "demo"
SOURCE_SESSION = "session"
SOURCE_ENV = "environment"

SOURCE_TEXT = {
    SOURCE_DEMO: "demo data (simulated Zoom account)",
    SOURCE_SESSION: "credentials entered in this browser session",
    SOURCE_ENV: "credentials from the environment (ZOOM_ACCOUNT_ID …)",
}

# The scenarios offered in the demo picker, in the order shown.
DEMO_SCENARIOS: dict[str, str] = {
    "full": "Fully configured",
    "missing_scopes": "Some scopes missing",
    "classic": "Classic-scope app",
    "wrong_secret": "Wrong Client Secret",
    "no_webinar_plan": "No Webinar add-on",
}
DEFAULT_DEMO_SCENARIO = "full"

DEMO_CREDENTIALS = Credentials(
    simulator.DEFAULT_ACCOUNT_ID, simulator.DEFAULT_CLIENT_ID, simulator.DEFAULT_CLIENT_SECRET
)


@dataclass(frozen=True)
class Connection:
    """The credentials and settings in use, and where they came from."""

    credentials: Credentials
    settings: Settings
    source: str
    demo_scenario: str | None = None

    @property
    def is_demo(self) -> bool:
        return self.source == SOURCE_DEMO

    @property
    def cache_key(self) -> tuple[str, ...]:
        """What every cached result is keyed on: the account, never the secret."""
        return (
            self.source,
            *self.credentials.cache_key,
            self.settings.oauth_url,
            self.settings.api_url or "",
            self.demo_scenario or "",
        )

    @property
    def description(self) -> str:
        if self.is_demo:
            return f"Demo data · {DEMO_SCENARIOS.get(self.demo_scenario or '', self.demo_scenario)}"
        return f"Account {self.credentials.account_id} · {SOURCE_TEXT[self.source]}"


def resolve_connection(
    entered: Credentials | None,
    *,
    demo_scenario: str = DEFAULT_DEMO_SCENARIO,
    hosts: tuple[str, ...] | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Connection, list[str]]:
    """The connection to use now, and warnings about the configuration.

    Raises ConfigError when the environment holds only some of the three credentials.
    """
    settings = settings_from_env(environ)
    if hosts:
        settings = Settings(settings.oauth_url, settings.api_url, hosts, settings.timeout)
    if entered is not None:
        return Connection(entered, settings, SOURCE_SESSION), []
    from_env, warnings = credentials_from_env(environ)
    if from_env is not None:
        return Connection(from_env, settings, SOURCE_ENV), warnings
    if demo_scenario not in DEMO_SCENARIOS:
        demo_scenario = DEFAULT_DEMO_SCENARIO
    demo_settings = Settings(hosts=settings.hosts)  # the demo never leaves the process
    return Connection(DEMO_CREDENTIALS, demo_settings, SOURCE_DEMO, demo_scenario), []


def build_client(
    connection: Connection, demo_account: simulator.SimulatedZoom | None = None, **kwargs
) -> ZoomClient:
    """A client for the connection; the demo goes to the given simulated account in-process."""
    transport: httpx.BaseTransport | None = None
    if connection.is_demo:
        if demo_account is None:
            raise ValueError("a demo connection needs its simulated account")
        transport = demo_account.transport()
        # Each simulated account issues its own tokens: never share them through the
        # process-wide cache, where another session's demo account would reject them.
        kwargs.setdefault("token_cache", TokenCache())
    return ZoomClient(connection.credentials, connection.settings, transport=transport, **kwargs)
