"""The watcher's reminders while a client stays broken and its daily digest
(erbium_zoom/watch_reminders.py): passes on a controlled clock against simulated clients,
messages received by a real HTTP receiver through Apprise."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime, time, timedelta

import pytest

from erbium_zoom import storage, watch_command
from erbium_zoom.errors import ConfigError, user_message
from erbium_zoom.notify import compose
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.simulator import SimulatedZoom, scenario_from_name
from erbium_zoom.views import client_message
from erbium_zoom.watch_history import PENDING, SENT, WatchHistory
from erbium_zoom.watch_reminders import (
    DEFAULT_REMIND_EVERY,
    Schedule,
    duration,
    schedule_from_secrets,
)
from tests.conftest import FIXED_NOW
from tests.multi_account import AccountRouter
from tests.test_watch import HOOK_TOKEN, Receiver

SCOPE = "meeting:read:list_registrants:admin"
DASHBOARD = "https://zoom.agency.example"
T0 = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)  # a Tuesday


# ---- the settings ----------------------------------------------------------------------------


def test_reminders_are_on_every_24_hours_by_default_the_digest_off():
    assert schedule_from_secrets({}) == Schedule(DEFAULT_REMIND_EVERY, None)
    assert schedule_from_secrets({"notify": {"urls": []}}).remind_every == timedelta(hours=24)
    assert schedule_from_secrets({"notify": {"remind_every": "off"}}).remind_every is None
    assert schedule_from_secrets({"notify": {"remind_every": False}}).remind_every is None
    assert schedule_from_secrets({"notify": {"remind_every": "90m"}}).remind_every == timedelta(
        minutes=90
    )
    assert schedule_from_secrets({"notify": {"remind_every": "2d"}}).remind_every == timedelta(
        days=2
    )
    assert schedule_from_secrets({"notify": {"digest": "08:00"}}).digest == time(8, 0)
    assert schedule_from_secrets({"notify": {"digest": "7:30"}}).digest == time(7, 30)


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ({"remind_every": "daily"}, "remind_every in the secrets file is 'daily': not a period"),
        ({"remind_every": "10m"}, "Give 1h to 30d"),
        ({"remind_every": 24}, 'Write it like "24h"'),
        ({"digest": "8am"}, "digest in the secrets file is '8am': not a time of day"),
        ({"digest": "24:00"}, 'Write a UTC time like "08:00"'),
    ],
)
def test_a_bad_setting_is_said_in_words(table, said):
    with pytest.raises(ConfigError) as raised:
        schedule_from_secrets({"notify": table})
    assert said in user_message(raised.value)


def test_durations_read_as_a_person_says_them():
    assert duration(timedelta(days=1)) == "1 day"
    assert duration(timedelta(days=2, hours=3, minutes=4)) == "2 days 3 hours"
    assert duration(timedelta(hours=5, minutes=1)) == "5 hours 1 minute"
    assert duration(timedelta(minutes=40)) == "40 minutes"


# ---- passes on a controlled clock ------------------------------------------------------------


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


class Agency:
    """Simulated clients behind one transport, saved as profiles; passes at chosen times."""

    def __init__(self, tmp_path, names=("Acme Corp",)):
        self.sims = {}
        store = ProfileStore()
        for number, name in enumerate(names, start=1):
            sim = SimulatedZoom(
                "full", now=FIXED_NOW, account_id=f"acc-{number}", client_id=f"cid-{number}"
            )
            store.save(name, f"acc-{number}", f"cid-{number}", sim.client_secret)
            self.sims[name] = sim
        self.router = AccountRouter(*self.sims.values())
        self.secrets = tmp_path / "secrets.toml"

    def configure(self, notify: str) -> None:
        # [watch] days = 0: the connection only (the event checks have tests of their own).
        self.secrets.write_text(
            f'[watch]\ndays = 0\n[notify]\ndashboard_url = "{DASHBOARD}"\n{notify}\n'
        )

    def watch(self, at: datetime) -> watch_command.PassReport:
        """One pass at ``at``, by a watcher built as `watch --once` builds it: a new one each
        time, as cron starts a new process."""
        args = argparse.Namespace(secrets_file=str(self.secrets), plan="pro")
        watcher = watch_command.build_watcher(args, dict(os.environ), self.router.transport())
        return watcher.run_pass(now=lambda: at)

    def breaks(self, name: str = "Acme Corp") -> None:
        self.sims[name].scenario = scenario_from_name(f"missing:{SCOPE}")

    def fixed(self, name: str = "Acme Corp") -> None:
        self.sims[name].scenario = scenario_from_name("full")


def history() -> WatchHistory:
    return WatchHistory(storage.current())


def titles(receiver: Receiver) -> list[str]:
    return [message["title"] for message in receiver.received]


def test_a_client_still_broken_gets_one_reminder_a_day_then_the_fixed_message(
    memory_keyring, tmp_path, receiver
):
    agency = Agency(tmp_path)
    agency.configure(f'urls = ["{receiver.url}"]')
    agency.watch(T0 - timedelta(minutes=15))
    agency.breaks()
    agency.watch(T0)
    [broken] = receiver.received
    assert broken["title"] == f"Action needed: Acme Corp: 1 scope missing: {SCOPE}"
    for minutes in range(15, 24 * 60, 15):  # every pass of the day: no reminder
        agency.watch(T0 + timedelta(minutes=minutes))
    assert len(receiver.received) == 1

    report = agency.watch(T0 + timedelta(hours=24))
    assert report.sent == 1 and report.exit_code == 1
    reminder = receiver.received[1]
    assert reminder["title"] == f"Still: {broken['title']}"
    assert reminder["message"].startswith(
        "Still not fixed, 1 day on (a reminder every 1 day while it lasts).\n\n"
    )
    # The broken message's own words: since when, what to do, the page, the message to send.
    assert reminder["message"].endswith(broken["message"])
    assert "Since Tue 01 Dec 2026 14:05 UTC, Acme Corp" in reminder["message"]
    assert f"Connection page: {DASHBOARD}/?client=Acme%20Corp" in reminder["message"]
    assert client_message([SCOPE]).strip() in reminder["message"]
    assert HOOK_TOKEN not in reminder["title"] + reminder["message"]
    assert "@" not in reminder["message"]

    agency.watch(T0 + timedelta(hours=24, minutes=15))  # the same period: not again
    agency.watch(T0 + timedelta(hours=47, minutes=45))
    assert len(receiver.received) == 2
    agency.watch(T0 + timedelta(hours=48))
    assert titles(receiver)[2] == reminder["title"]
    assert receiver.received[2]["message"].startswith("Still not fixed, 2 days on")

    agency.fixed()
    agency.watch(T0 + timedelta(hours=50))
    agency.watch(T0 + timedelta(hours=72))  # fixed: no more reminders
    assert titles(receiver)[3:] == ["Fixed: Acme Corp is connected again"]
    keys = [m.key for m in history().outbox()]
    assert [k.split("|")[3:5] for k in keys if "|reminder|" in k] == [
        ["reminder", "1"],
        ["reminder", "2"],
    ]


def test_a_watcher_stopped_for_days_sends_one_reminder_not_one_per_missed_day(
    memory_keyring, tmp_path, receiver
):
    agency = Agency(tmp_path)
    agency.configure(f'urls = ["{receiver.url}"]')
    agency.breaks()
    agency.watch(T0)
    agency.watch(T0 + timedelta(days=3, hours=2))  # the server was off for three days
    agency.watch(T0 + timedelta(days=3, hours=3))
    assert titles(receiver)[1:] == [f"Still: Action needed: Acme Corp: 1 scope missing: {SCOPE}"]
    assert receiver.received[1]["message"].startswith("Still not fixed, 3 days 2 hours on")


def test_reminders_are_off_with_off_and_follow_remind_every(memory_keyring, tmp_path, receiver):
    agency = Agency(tmp_path)
    agency.configure(f'urls = ["{receiver.url}"]\nremind_every = "off"')
    agency.breaks()
    for hours in (0, 24, 48, 96):
        agency.watch(T0 + timedelta(hours=hours))
    assert len(receiver.received) == 1
    agency.configure(f'urls = ["{receiver.url}"]\nremind_every = "6h"')
    agency.watch(T0 + timedelta(hours=97))  # period 16 of 6 h: one reminder now
    agency.watch(T0 + timedelta(hours=98))
    agency.watch(T0 + timedelta(hours=102))  # period 17
    assert [t.startswith("Still: ") for t in titles(receiver)] == [False, True, True]
    assert "(a reminder every 6 hours while it lasts)" in receiver.received[1]["message"]


def test_a_reminder_goes_where_the_broken_message_goes_once_even_if_the_receiver_was_down(
    memory_keyring, tmp_path, receiver
):
    other = Receiver()
    try:
        agency = Agency(tmp_path, ("Acme Corp", "Globex"))
        agency.configure(
            f'urls = [{{ url = "{receiver.url}", clients = ["Acme Corp"] }},\n'
            f'  {{ url = "{other.url}", kinds = ["pace"] }}]'
        )
        agency.breaks("Acme Corp")
        agency.breaks("Globex")
        agency.watch(T0)
        receiver.down = True
        report = agency.watch(T0 + timedelta(hours=24))
        assert report.waiting == 1 and report.exit_code == 1
        receiver.down = False
        agency.watch(T0 + timedelta(hours=24, minutes=15))
        agency.watch(T0 + timedelta(hours=24, minutes=30))
    finally:
        other.stop()
    assert titles(receiver) == [
        f"Action needed: Acme Corp: 1 scope missing: {SCOPE}",
        f"Still: Action needed: Acme Corp: 1 scope missing: {SCOPE}",
    ]
    assert other.received == []  # it takes pace messages only
    [reminder] = [m for m in history().outbox() if "|reminder|" in m.key]
    assert reminder.status == SENT and reminder.attempts == 2


# ---- the daily digest ------------------------------------------------------------------------

DAY = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)


def test_the_digest_goes_once_a_day_at_the_first_pass_from_its_time(
    memory_keyring, tmp_path, receiver
):
    agency = Agency(tmp_path, ("Acme Corp", "Globex", "Initech"))
    agency.configure(f'urls = ["{receiver.url}"]\ndigest = "08:00"\nremind_every = "off"')
    agency.watch(DAY + timedelta(hours=7))
    agency.breaks("Globex")
    agency.watch(DAY + timedelta(hours=7, minutes=45))
    assert titles(receiver) == [f"Action needed: Globex: 1 scope missing: {SCOPE}"]
    for minutes in (480, 495, 600, 23 * 60 + 45):  # 08:00 and later that day: one digest
        agency.watch(DAY + timedelta(minutes=minutes))
    assert len(receiver.received) == 2
    digest = receiver.received[1]
    assert digest["title"] == "Daily digest, Fri 04 Dec 2026: 3 clients, 1 needs the team"
    text = digest["message"]
    assert text.startswith("The watcher's digest at Fri 04 Dec 2026 08:00 UTC.")
    assert (
        f"Needs the team:\n- Globex: 1 scope missing: {SCOPE}, since Fri 04 Dec 2026 07:45 UTC "
        f"(15 minutes). {DASHBOARD}/?client=Globex"
    ) in text
    assert (
        "Every client:\n"
        "- Acme Corp: connected, since Fri 04 Dec 2026 07:00 UTC; last check Fri 04 Dec 2026 "
        "08:00 UTC\n"
        f"- Globex: scopes missing ({SCOPE}), since Fri 04 Dec 2026 07:45 UTC; last check "
        "Fri 04 Dec 2026 08:00 UTC\n"
        "- Initech: connected, since Fri 04 Dec 2026 07:00 UTC; last check Fri 04 Dec 2026 "
        "08:00 UTC"
    ) in text
    assert text.endswith("Messages that could not be sent: none.")

    agency.fixed("Globex")
    agency.watch(DAY + timedelta(days=1, hours=7, minutes=59))  # the next day, before 08:00
    assert len(receiver.received) == 3  # the fixed message only
    agency.watch(DAY + timedelta(days=1, hours=8, minutes=14))
    assert titles(receiver)[3] == "Daily digest, Sat 05 Dec 2026: 3 clients, all well"
    assert (
        "Needs the team: nothing; every client's connection works."
        in (receiver.received[3]["message"])
    )


def test_a_digest_time_no_pass_meets_before_midnight_goes_with_the_next_pass(
    memory_keyring, tmp_path, receiver
):
    agency = Agency(tmp_path)
    agency.configure(f'urls = ["{receiver.url}"]\ndigest = "23:50"')
    agency.watch(DAY + timedelta(hours=23, minutes=45))
    agency.watch(DAY + timedelta(days=1))  # 00:00: the digest of Fri 23:50, ten minutes late
    agency.watch(DAY + timedelta(days=1, minutes=15))
    assert titles(receiver) == ["Daily digest, Sat 05 Dec 2026: 1 client, all well"]
    [digest] = history().outbox()
    assert digest.key.startswith("digest|2026-12-04|")
    # Turned on at 07:00 for 08:00: yesterday's, 23 hours late, is not sent; today's is.
    agency.configure(f'urls = ["{receiver.url}"]\ndigest = "08:00"')
    agency.watch(DAY + timedelta(days=1, hours=7))
    assert len(receiver.received) == 1
    agency.watch(DAY + timedelta(days=1, hours=8))
    assert len(receiver.received) == 2


def test_the_digest_lists_failed_sends_and_follows_routing(memory_keyring, tmp_path, receiver):
    acme_only, connection_only = Receiver(), Receiver()
    try:
        agency = Agency(tmp_path, ("Acme Corp", "Globex"))
        agency.configure(
            f'digest = "08:00"\nurls = ["{receiver.url}",\n'
            f'  {{ url = "{acme_only.url}", clients = ["Acme Corp"] }},\n'
            f'  {{ url = "{connection_only.url}", kinds = ["connection"] }}]'
        )
        connection_only.down = True
        agency.breaks("Globex")
        agency.watch(DAY + timedelta(hours=7, minutes=45))  # the change: refused there
        agency.watch(DAY + timedelta(hours=8))
    finally:
        acme_only.stop()
        connection_only.stop()
    [change, everything] = receiver.received  # (the digest's failures: those before its pass)
    assert change["title"].startswith("Action needed: Globex")
    assert everything["title"] == "Daily digest, Fri 04 Dec 2026: 2 clients, 1 needs the team"
    shown = f"json://127.0.0.1:{connection_only.port}/…"
    assert (
        f"Messages that could not be sent:\n- about Globex to {shown}: {shown} did not take it: "
        "it was refused or not answered (Failed to send JSON POST notification: Servers are "
        "overloaded., error=503) (kept, tried again at the next pass)"
    ) in everything["message"]
    # A destination for one client gets a digest of that client only, without the others'
    # failures; one that takes connection messages only gets no digest.
    [mine] = acme_only.received
    assert mine["title"] == "Daily digest, Fri 04 Dec 2026: 1 client, all well"
    assert "Globex" not in mine["message"] and "Acme Corp: connected" in mine["message"]
    assert connection_only.received == []
    assert connection_only.refused == 2  # the change, tried twice: no digest was queued for it
    digests = [m for m in history().outbox() if m.kind == "digest"]
    assert len(digests) == 2 and all(m.client == "all clients" for m in digests)
    assert [m.status for m in history().outbox(PENDING)] == [PENDING]


def test_a_digest_kind_routes_only_the_digest_and_an_unknown_kind_is_refused():
    from erbium_zoom.notify import settings_from_secrets

    settings = settings_from_secrets(
        {"notify": {"urls": [{"url": "json://127.0.0.1:9/x", "kinds": ["digest"]}]}}
    )
    assert settings.for_message("digest", "Acme") and not settings.for_message("connection", "A")
    with pytest.raises(ConfigError, match="kinds that do not exist: digests"):
        settings_from_secrets({"notify": {"urls": [{"url": "json://h/x", "kinds": ["digests"]}]}})


def test_the_reminder_is_the_broken_message_with_still(memory_keyring, tmp_path, receiver):
    """The reminder reuses notify.compose: a change in the broken message's words shows in both."""
    from erbium_zoom.notify import settings_from_secrets
    from erbium_zoom.watch import SCOPES_MISSING, ClientState, Observation
    from erbium_zoom.watch_reminders import reminders

    seen = Observation(SCOPES_MISSING, missing=(SCOPE,))
    state = ClientState("Acme Corp", "acc-1", seen, T0, T0, seen, T0, 1)
    settings = settings_from_secrets({"notify": {"urls": [receiver.url]}})
    [reminder] = reminders(state, T0 + timedelta(hours=30), timedelta(hours=24), settings)
    from erbium_zoom.watch import Change

    broken = compose(Change("Acme Corp", "acc-1", None, seen, T0))
    assert reminder.title == f"Still: {broken.title}" and reminder.body.endswith(broken.body)
    assert reminder.key.startswith(f"Acme Corp|{T0.isoformat()}|{SCOPES_MISSING}|reminder|1|")
    assert reminders(state, T0 + timedelta(hours=23), timedelta(hours=24), settings) == []
    assert reminders(state, T0 + timedelta(hours=30), None, settings) == []


def test_watch_with_a_bad_setting_says_it_and_exits_2(capsys, memory_keyring, tmp_path):
    from erbium_zoom.__main__ import main

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[notify]\nurls = []\nremind_every = "sometimes"\n')
    code = main(["watch", "--once", "--secrets-file", str(secrets)], environ=dict(os.environ))
    err = capsys.readouterr().err
    assert code == 2 and "remind_every in the secrets file is 'sometimes'" in err
    assert 'Write it like "24h"' in err and "Traceback" not in err
