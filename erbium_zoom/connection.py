"""Which Zoom the dashboard talks to: the demo account or a client's real app, and how.

Pure: decides from what was entered, the selected profile, the environment, secrets.toml and the
demo scenario; builds clients, and gives each real account its one rate limiter in the process.
Credentials are taken in this order (README): entered in this session → the selected profile →
the environment → .streamlit/secrets.toml → demo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

import httpx

from erbium_zoom import ratelimit, shared_limits, simulator, store
from erbium_zoom.access import LOCAL_PERSON, Action, Person
from erbium_zoom.activity import ActivityLog
from erbium_zoom.auth import TokenCache
from erbium_zoom.client import ZoomClient
from erbium_zoom.config import (
    Credentials,
    Settings,
    credentials_from_env,
    credentials_from_secrets,
    settings_from_env,
)
from erbium_zoom.errors import NoClientChosen
from erbium_zoom.guard import Guard
from erbium_zoom.profiles import Profile
from erbium_zoom.ratelimit import Plan, RateLimiter

SOURCE_DEMO = "demo"
SOURCE_SESSION = "session"
SOURCE_PROFILE = "profile"
SOURCE_ENV = "environment"
SOURCE_SECRETS = "secrets"

SOURCE_TEXT = {
    SOURCE_DEMO: "demo data (simulated Zoom account)",
    SOURCE_SESSION: "credentials entered in this browser session",
    SOURCE_PROFILE: "a client profile",  # where its secret is: Connection.secret_where
    SOURCE_ENV: "credentials from the environment (ZOOM_ACCOUNT_ID …)",
    SOURCE_SECRETS: "credentials from .streamlit/secrets.toml",
}

# The scenarios offered in the demo picker, in the order shown.
DEMO_SCENARIOS: dict[str, str] = {
    "full": "Fully configured",
    "missing_scopes": "Some scopes missing",
    "classic": "Classic-scope app",
    "wrong_secret": "Wrong Client Secret",
    "no_webinar_plan": "No Webinar add-on",
    "disabled_app": "App not activated",
}
DEFAULT_DEMO_SCENARIO = "full"
# The demo agency's clients: one simulated client per scenario (All clients page), each with
# its own account (the simulator's companies: their hosts and events).
DEMO_CLIENT_NAMES: dict[str, str] = {
    scenario: simulator.company_for(scenario).name for scenario in DEMO_SCENARIOS
}

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
    profile: str | None = None
    # A profile's: where its Client Secret was read from, in words ("in the encrypted file …").
    secret_where: str = field(default="", compare=False)

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
            self.profile or "",
        )

    @property
    def demo_label(self) -> str:
        """The demo client with its setup: "Contoso (Some scopes missing)"."""
        scenario = self.demo_scenario or ""
        label = DEMO_SCENARIOS.get(scenario, scenario)
        if scenario in DEMO_CLIENT_NAMES:
            return f"{DEMO_CLIENT_NAMES[scenario]} ({label})"
        return label

    @property
    def description(self) -> str:
        if self.is_demo:
            return f"Demo data · {self.demo_label}"
        if self.profile:
            return f"Profile **{self.profile}** · account {self.credentials.account_id}"
        return f"Account **{self.credentials.account_id}**"

    @property
    def source_text(self) -> str:
        """Where the credentials come from, in words; for a profile, where its secret is kept
        (the system keyring, the encrypted file, or the secrets file's [profiles] table)."""
        text = SOURCE_TEXT[self.source]
        if self.source == SOURCE_PROFILE and self.secret_where:
            text += f", its Client Secret {self.secret_where}"
        return text


def demo_banner(connection: Connection, person: Person, has_profiles: bool) -> str:
    """The demo marking on every page: which simulated client, and the way to real Zoom that
    this person may take (picking a profile, typing credentials, adding a client, or asking an
    admin), never one their role does not allow."""
    said = f"**Demo data: {connection.demo_label}**, a simulated Zoom account."
    typing = person.may(Action.CHECK_CREDENTIALS)
    if has_profiles:
        way = "Pick a client profile in the sidebar to use real Zoom"
        if typing:
            way += ", or enter a client's credentials on the Connection page"
    elif person.may(Action.MANAGE_PROFILES):
        way = (
            "To use real Zoom, add a client on the All clients page, or enter its credentials "
            "on the Connection page"
        )
    elif typing:
        way = (
            "To use real Zoom, enter a client's credentials on the Connection page, or ask an "
            "admin to add the client as a profile"
        )
    else:
        way = "To see a real client, ask an admin to add it as a client profile"
    return f"{said} {way}."


def resolve_connection(
    entered: Credentials | None,
    *,
    profile: Profile | None = None,
    profile_credentials: Credentials | None = None,
    profile_secret_where: str = "",
    secrets: Mapping | None = None,
    demo_scenario: str = DEFAULT_DEMO_SCENARIO,
    hosts: tuple[str, ...] | None = None,
    environ: Mapping[str, str] | None = None,
    person: Person = LOCAL_PERSON,
    allow_demo: bool = True,
) -> tuple[Connection, list[str]]:
    """The connection to use now, and warnings about the configuration.

    ``hosts`` (typed in the sidebar) wins over a profile's or the configuration's hosts;
    ``profile_secret_where`` says where the profile's secret was read from.
    Raises ConfigError when the environment or secrets.toml holds only part of the credentials,
    AccessDenied when ``person`` may not use credentials typed on the page, and NoClientChosen
    when nothing is chosen or configured and demo data is off (``allow_demo``).
    """
    if entered is not None:
        person.require(Action.CHECK_CREDENTIALS)
    settings = settings_from_env(environ)

    def with_hosts(default: tuple[str, ...] | None) -> Settings:
        chosen = hosts or default or settings.hosts
        return Settings(settings.oauth_url, settings.api_url, chosen, settings.timeout)

    if entered is not None:
        return Connection(entered, with_hosts(None), SOURCE_SESSION), []
    if profile is not None and profile_credentials is not None:
        connection = Connection(
            profile_credentials,
            with_hosts(profile.hosts),
            SOURCE_PROFILE,
            profile=profile.name,
            secret_where=profile_secret_where,
        )
        return connection, []
    from_env, warnings = credentials_from_env(environ)
    if from_env is not None:
        return Connection(from_env, with_hosts(None), SOURCE_ENV), warnings
    from_secrets, secret_hosts, warnings = credentials_from_secrets(secrets)
    if from_secrets is not None:
        return Connection(from_secrets, with_hosts(secret_hosts), SOURCE_SECRETS), warnings
    if not allow_demo:
        raise NoClientChosen("No client is chosen, and demo data is off on this dashboard.")
    if demo_scenario not in DEMO_SCENARIOS:
        demo_scenario = DEFAULT_DEMO_SCENARIO
    demo_settings = Settings(hosts=hosts or settings.hosts)  # the demo never leaves the process
    return Connection(DEMO_CREDENTIALS, demo_settings, SOURCE_DEMO, demo_scenario), []


_CLIENT_LABELS = {
    SOURCE_SESSION: "Credentials typed on the Connection page",
    SOURCE_ENV: "Credentials from the environment",
    SOURCE_SECRETS: "Credentials from the secrets file [zoom]",
}


def client_label(connection: Connection) -> str:
    """How the activity record names the client: the profile, or where the credentials came
    from (never a secret)."""
    if connection.profile:
        return connection.profile
    if connection.is_demo:
        return f"Demo: {connection.demo_label}"
    return _CLIENT_LABELS.get(connection.source, connection.source)


def guard_for(connection: Connection, person: Person, log: ActivityLog) -> Guard:
    """The guard for this person's reads and changes on the connection's account."""
    return Guard(person, log, client_label(connection), connection.credentials.account_id)


def account_limiter(
    connection: Connection, plan: Plan, redis_url: str | None = None
) -> RateLimiter:
    """A real account's rate limiter: one per account (sign-in and API URLs, Account ID) in the
    process, shared by every session, person, profile and source using that account, so that
    together they stay under Zoom's limits. Its Heavy calls are counted in the cache file.

    With ``redis_url`` (shared_limits.redis_url), it takes its slots from Redis, shared with
    every other process on the account, keyed by a hash of the account (never the secret)."""
    settings, credentials = connection.settings, connection.credentials
    key = ("account", settings.oauth_url, settings.api_url or "", credentials.account_id)
    quota = store.quota_key(credentials, settings)
    shared = partial(shared_limits.slots_for, redis_url, quota) if redis_url else None
    return ratelimit.SHARED_LIMITERS.get(
        key, plan, on_heavy=partial(store.count_heavy_call, quota), shared=shared
    )


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
