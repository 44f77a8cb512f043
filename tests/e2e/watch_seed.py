"""A dashboard with 30 days of watcher history, for the browser test of the watcher's views
(tests/e2e/test_watch_browser.py) and scripts/watch_screenshots.py.

Four client profiles (from a throwaway secrets file; their Zoom a loopback simulator): Acme
Corp's secret was rotated three weeks ago and a scope went missing three days ago; Initech's
secret was rotated for three days; Globex had a two-pass outage; Umbrella Health is watched
for ten days. A check every 6 hours, the watcher's last five runs 15 minutes apart, and
Acme Corp's "Action needed" messages refused by their (Slack) destination.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from erbium_zoom import storage
from erbium_zoom.notify import outgoing, settings_from_secrets
from erbium_zoom.simulator import SimulatedZoom, scenario_from_name, serve
from erbium_zoom.watch import (
    CANNOT_AUTHENTICATE,
    CONNECTED,
    SCOPES_MISSING,
    UNREACHABLE,
    Observation,
)
from erbium_zoom.watch_history import WatchHistory
from tests.multi_account import AccountRouter

from . import harness

SCOPE = "meeting:read:list_registrants:admin"
HOOK = "slack://T000AAAAA/B000BBBBB/XXXXXXXXXXXXXXXXXXXXXXXX"
UP = Observation(CONNECTED)
SCOPES = Observation(SCOPES_MISSING, missing=(SCOPE,))
DOWN = Observation(UNREACHABLE, message="Zoom did not answer in time.")
REFUSED = Observation(CANNOT_AUTHENTICATE, field="client_id/client_secret")
CLIENTS = {  # name: (account, scenario of its simulated app now)
    "Acme Corp": ("acc-acme", f"missing:{SCOPE}"),
    "Globex": ("acc-globex", "full"),
    "Initech": ("acc-initech", "full"),
    "Umbrella Health": ("acc-umbrella", "full"),
}


def timeline(name: str, now: datetime) -> list[tuple[datetime, Observation]]:
    """Every 6 hours over 30 days (Umbrella: 10), with each client's story."""
    first = 10 if name == "Umbrella Health" else 30
    start = (now - timedelta(days=first)).replace(hour=2, minute=5, second=0, microsecond=0)
    broke = (now - timedelta(days=3)).replace(hour=14, minute=5, second=0, microsecond=0)
    seen = []
    at = start
    while at < now - timedelta(minutes=10):
        days_ago = (now.date() - at.date()).days
        state = UP
        if name == "Acme Corp":
            state = SCOPES if at >= broke else UP
            if 19 <= days_ago <= 20:
                state = REFUSED  # the secret regenerated, entered again two days later
            if days_ago == 11 and at.hour == 8:
                state = DOWN  # one pass without Zoom: a blip, not counted
        elif name == "Initech" and 6 <= days_ago <= 8:
            state = REFUSED
        elif name == "Globex" and days_ago == 12 and at.hour in (8, 14):
            state = DOWN  # two passes in a row: counted
        seen.append((at, state))
        if name == "Acme Corp" and at < broke <= at + timedelta(hours=6):
            seen.append((broke, SCOPES))
        at += timedelta(hours=6)
    seen.append((now - timedelta(minutes=4), seen[-1][1]))
    return seen


def seed(data_dir: Path, now: datetime) -> None:
    history = WatchHistory(storage.current({"ERBIUM_ZOOM_DATA_DIR": str(data_dir)}, {}))
    settings = settings_from_secrets({"notify": {"urls": [HOOK]}})
    for name, (account, _) in CLIENTS.items():
        for at, seen in timeline(name, now):
            history.record(name, account, seen, at, lambda change: outgoing(change, settings))
    for message in history.outbox():  # all went, but the last: Slack refused it
        history.claim(message.id, now - timedelta(minutes=4))
        refused = message.client == "Acme Corp" and "Action needed" in message.title
        error = f"{message.shown} did not take it: it was refused (error=404)" if refused else None
        history.settle(message.id, now - timedelta(minutes=4), error)
    for minutes in (64, 49, 34, 19, 4):
        run = history.start_run(now - timedelta(minutes=minutes))
        history.finish_run(run, now - timedelta(minutes=minutes - 1), "ok", len(CLIENTS), [])


def secrets_file(folder: Path, sims: dict[str, SimulatedZoom]) -> Path:
    lines = []
    for name, sim in sims.items():
        lines += [
            f'[profiles."{name}"]',
            f'account_id = "{sim.account_id}"',
            f'client_id = "{sim.client_id}"',
            f'client_secret = "{sim.client_secret}"',
            'hosts = "me"',
            "",
        ]
    path = folder / "secrets.toml"
    path.write_text("\n".join(lines))
    return path


@contextmanager
def seeded_server() -> Iterator[harness.StreamlitServer]:
    """The dashboard on a seeded data folder, its profiles' Zoom a loopback simulator."""
    now = datetime.now(UTC)
    sims = {
        name: SimulatedZoom(
            "full", account_id=account, client_id=f"cid-{account}", client_secret=f"s-{account}"
        )
        for name, (account, _) in CLIENTS.items()
    }
    for name, (_, scenario) in CLIENTS.items():
        sims[name].scenario = scenario_from_name(scenario)
    with tempfile.TemporaryDirectory() as scratch, serve(AccountRouter(*sims.values())) as zoom:
        folder = Path(scratch)
        seed(folder / "data", now)
        env = {
            "ERBIUM_ZOOM_DATA_DIR": str(folder / "data"),
            "ERBIUM_ZOOM_OAUTH_URL": zoom.oauth_url,
            "ERBIUM_ZOOM_API_URL": zoom.api_url,
        }
        server = harness.start_server(extra_env=env, secrets_file=secrets_file(folder, sims))
        try:
            yield server
        finally:
            server.stop()


ACME_CONNECTION = "?client=Acme%20Corp"  # the Connection page of Acme Corp
