"""The demo agency's watcher: a pass of the real :class:`~erbium_zoom.watch_command.Watcher`
over the six simulated clients, as a preview.

The pass is the watcher's own (its states, the blip rule, the history, the outbox and the
messages it composes), with three differences that keep the demo a demo:

- the clients are the demo agency's (:data:`erbium_zoom.connection.DEMO_SCENARIOS`), each checked
  against the session's simulated account for its scenario, in-process (nothing leaves it);
- its history is a private in-memory database (:func:`erbium_zoom.storage.database.in_memory`):
  made-up clients never reach the team's storage, and each browser session has its own;
- it is a preview: every message is composed for one stand-in destination
  (:func:`erbium_zoom.notify.preview_settings`) and kept in the outbox; nothing is sent, and
  Apprise is never called. Whatever kind of message a pass composes shows.

The person using the page reads the simulated accounts through a guard, like any page. No
streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from erbium_zoom import ratelimit
from erbium_zoom.access import LOCAL_PERSON, Person
from erbium_zoom.activity import ActivityLog
from erbium_zoom.config import Settings
from erbium_zoom.connection import (
    DEMO_CLIENT_NAMES,
    DEMO_CREDENTIALS,
    DEMO_SCENARIOS,
    SOURCE_DEMO,
    Connection,
    build_client,
    guard_for,
)
from erbium_zoom.notify import preview_settings
from erbium_zoom.profiles import Profile
from erbium_zoom.simulator import SimulatedZoom
from erbium_zoom.storage.database import in_memory
from erbium_zoom.watch_command import Watcher
from erbium_zoom.watch_history import WatchHistory

DEMO_WHERE = "the demo agency (six simulated clients)"


class DemoClients:
    """The demo agency's clients as the watcher's profiles (what a ProfileStore gives it)."""

    def __init__(self, scenarios: Mapping[str, str]):
        self.scenarios = dict(scenarios)  # client name -> scenario
        self.profiles = [
            Profile(name, DEMO_CREDENTIALS.account_id, DEMO_CREDENTIALS.client_id)
            for name in self.scenarios
        ]

    def list(self, in_use: bool = False) -> list[Profile]:
        return list(self.profiles)

    def notices(self) -> list[str]:
        return []

    def list_where(self) -> str:
        return DEMO_WHERE


def demo_clients() -> DemoClients:
    return DemoClients({DEMO_CLIENT_NAMES[s]: s for s in DEMO_SCENARIOS})


@dataclass
class DemoWatcher(Watcher):
    """The watcher over the demo clients: each checked on its simulated account."""

    accounts: Callable[[str], SimulatedZoom] = field(default=SimulatedZoom)  # per scenario
    person: Person = LOCAL_PERSON

    def _open(self, profile: Profile):
        """The client's simulated account, for every check of the pass (the connection, the
        upcoming events, the ended events' reports)."""
        scenario = self.store.scenarios[profile.name]
        connection = Connection(DEMO_CREDENTIALS, Settings(), SOURCE_DEMO, scenario)
        guard = guard_for(connection, self.person, self.log)
        return connection, build_client(connection, self.accounts(scenario), guard=guard)


def demo_watcher(
    accounts: Callable[[str], SimulatedZoom],
    person: Person,
    log: ActivityLog,
    dashboard_url: str = "",
) -> DemoWatcher:
    """A demo watcher with a fresh in-memory history (kept by the caller between passes)."""
    return DemoWatcher(
        store=demo_clients(),
        history=WatchHistory(in_memory()),
        notify=preview_settings(dashboard_url),
        log=log,
        plan=ratelimit.DEFAULT_PLAN,
        redis_url=None,
        preview=True,
        accounts=accounts,
        person=person,
    )
