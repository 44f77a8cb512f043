"""Shared fixtures: the simulated Zoom account, clients wired to it, and a network guard."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from erbium_zoom import auth, ratelimit, secret_store, secrets_file, storage, store
from erbium_zoom.auth import TokenCache
from erbium_zoom.client import ZoomClient
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.simulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SimulatedZoom,
)
from tests.memory_keyring import MemoryKeyring
from tests.redis_server import RedisServer, redis_server_binary

FIXED_NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SIM_CREDENTIALS = Credentials(DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
# Zoom's OpenAPI documents stay in ../shared (reference data, not copied into the repository).
SPEC_PATH = (
    Path(os.environ.get("ERBIUM_ZOOM_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    / "zoom-openapi"
    / "zoom-meetings-api.openapi.json"
)


@pytest.fixture(scope="session")
def zoom_openapi_spec() -> dict:
    """Zoom's Meetings OpenAPI spec; skipped on a user's machine, required in CI."""
    if not SPEC_PATH.exists():
        reason = f"Zoom's OpenAPI spec not found at {SPEC_PATH} (set ERBIUM_ZOOM_SHARED)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the conformance tests")
        pytest.skip(reason)
    return json.loads(SPEC_PATH.read_text())


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Any connection to a non-loopback address fails the test loudly."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if self.family in (socket.AF_INET, socket.AF_INET6) and not loopback:
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def demo_environment(monkeypatch):
    """No credentials or Zoom URLs from the machine: the app starts in demo mode."""
    for name in (
        "ZOOM_ACCOUNT_ID",
        "ZOOM_CLIENT_ID",
        "ZOOM_CLIENT_SECRET",
        "ERBIUM_ZOOM_HOSTS",
        "ERBIUM_ZOOM_OAUTH_URL",
        "ERBIUM_ZOOM_API_URL",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def isolated_profiles(tmp_path, monkeypatch):
    """Profiles in a temporary folder and keyring's fail backend: never the user's own."""
    monkeypatch.setenv("ERBIUM_ZOOM_CONFIG_DIR", str(tmp_path / "config"))
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield tmp_path / "config"
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def isolated_secrets_file(tmp_path, monkeypatch):
    """No key and no secrets file from the machine: the command line looks for Streamlit's
    secrets files under temporary home and working folders (returned: home, cwd)."""
    monkeypatch.delenv(secret_store.SECRET_KEY_ENV, raising=False)
    monkeypatch.delenv(secrets_file.SECRETS_FILES_ENV, raising=False)
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    monkeypatch.setattr(secrets_file, "_home", lambda: home)
    monkeypatch.setattr(secrets_file, "_cwd", lambda: cwd)
    return home, cwd


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """The report cache in a temporary folder, never the user's own; cache on by default."""
    monkeypatch.setenv(store.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(store.CACHE_ENV, raising=False)
    monkeypatch.delenv(storage.DATABASE_URL_ENV, raising=False)  # never the machine's database
    store.forget_open_stores()
    yield tmp_path / "data"
    store.forget_open_stores()


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of this test session (tests/postgres.py), stopped at its end.
    Skipped when PostgreSQL is not installed, except in CI, which must run the storage tests
    on both engines (`.ci/run` installs it)."""
    from tests.postgres import PostgresServer, find_bin

    bin_dir = find_bin()
    if bin_dir is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must run the storage tests on PostgreSQL")
        pytest.skip(reason)
    server = PostgresServer(bin_dir)
    server.start()
    yield server
    server.remove()


class LimiterClock:
    """A clock for rate limiters that only moves when they sleep: pacing never really waits."""

    def __init__(self):
        self.now = 1_000.0
        self.delays: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def no_real_rate_limit_waits(monkeypatch) -> LimiterClock:
    """Limiters made without their own clock (the dashboard's) wait on a fake one; each test
    starts with no limiter shared from a previous one."""
    clock = LimiterClock()
    monkeypatch.setattr(ratelimit, "_monotonic", clock.monotonic)
    monkeypatch.setattr(ratelimit, "_sleep", clock.sleep)
    ratelimit.SHARED_LIMITERS.clear()
    yield clock
    ratelimit.SHARED_LIMITERS.clear()


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(autouse=True)
def fresh_shared_token_cache():
    auth.SHARED_TOKEN_CACHE.clear()
    yield
    auth.SHARED_TOKEN_CACHE.clear()


class SleepRecorder:
    """Stands in for time.sleep: records the delays, never waits."""

    def __init__(self):
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def sim() -> SimulatedZoom:
    return SimulatedZoom("full", now=FIXED_NOW)


@pytest.fixture
def make_client(sleeps):
    """Build a ZoomClient on a simulator's in-process transport, with an own token cache."""
    clients = []

    def build(simulator: SimulatedZoom, credentials: Credentials = SIM_CREDENTIALS, **kwargs):
        kwargs.setdefault("token_cache", TokenCache())
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("jitter", lambda: 0.0)
        kwargs.setdefault("now", lambda: FIXED_NOW)
        client = ZoomClient(
            credentials,
            kwargs.pop("settings", Settings()),
            transport=simulator.transport(),
            **kwargs,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(sim, make_client) -> ZoomClient:
    return make_client(sim)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on 127.0.0.1 for the session (skipped without one; CI needs it)."""
    binary = redis_server_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "redis-server is missing; .ci/run installs it (apt-get install redis-server)"
            )
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The session's Redis, running and empty, with no client kept from an earlier test."""
    from erbium_zoom import shared_limits

    if redis_server.process is None:  # a test stopped it
        redis_server.start()
    redis_server.flush()
    shared_limits.forget_clients()
    yield redis_server.url
    shared_limits.forget_clients()
