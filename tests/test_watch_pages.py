"""The watcher's history on the pages (AppTest): All clients (state, since when, last check, the
30-day strip, the watcher's last run, messages not sent, masked), Connection (the client's
changes), a viewer's access, and the demo's watcher pass (six clients, messages composed, none
sent, nothing kept in the team's storage)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from erbium_zoom import storage
from erbium_zoom.notify import mask, outgoing, settings_from_secrets
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.simulator import SimulatedZoom, serve
from erbium_zoom.storage.schema import watch_runs
from erbium_zoom.views import client_message
from erbium_zoom.watch import CONNECTED, SCOPES_MISSING, Observation
from erbium_zoom.watch_history import WatchHistory
from erbium_zoom.watch_views import NOT_WATCHED, moment_text
from tests.test_access_pages import VIEWER, signed_in_as, team_app  # noqa: F401 - a fixture
from tests.test_pages import APP, by_label, start, texts

ACCOUNT, CLIENT_ID, SECRET = "acc-H", "cid-H", "sec-H-canary"
SCOPE = "meeting:read:list_registrants:admin"
HOOK_TOKEN = "hooktoken-page-canary"
HOOK = f"json://127.0.0.1:9/hook/{HOOK_TOKEN}"
UP = Observation(CONNECTED)
SCOPES = Observation(SCOPES_MISSING, missing=(SCOPE,))


@pytest.fixture
def profiles(memory_keyring, monkeypatch):
    """Two client profiles on one loopback simulator (the Connection page checks them)."""
    sim = SimulatedZoom("full", account_id=ACCOUNT, client_id=CLIENT_ID, client_secret=SECRET)
    store = ProfileStore()
    store.save("Acme Corp", ACCOUNT, CLIENT_ID, SECRET, hosts="me")
    store.save("Beta Ltd", ACCOUNT, CLIENT_ID, SECRET, hosts="me")
    with serve(sim) as server:
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        yield sim


def noon(days_ago: int) -> datetime:
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


@pytest.fixture
def seeded(profiles):
    """Several days of checks: Acme broke three days ago and is still broken, Beta is fine;
    the watcher ran a minute ago. Returns (history, times)."""
    history = WatchHistory(storage.current())
    now = datetime.now(UTC)
    settings = settings_from_secrets({"notify": {"urls": [HOOK]}})
    times = {
        "up": noon(5),
        "broke": noon(3),
        "still": noon(1),
        "last": now - timedelta(seconds=30),
    }
    for seen, at in ((UP, times["up"]), (SCOPES, times["broke"]), (SCOPES, times["still"])):
        history.record("Acme Corp", ACCOUNT, seen, at, lambda change: outgoing(change, settings))
    history.record("Acme Corp", ACCOUNT, SCOPES, times["last"])
    history.record("Beta Ltd", ACCOUNT, UP, noon(2))
    history.record("Beta Ltd", ACCOUNT, UP, times["last"])
    run = history.start_run(now - timedelta(minutes=1))
    history.finish_run(run, now - timedelta(seconds=20), "ok", 2, [])
    return history, times


def clients_page(**secrets) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for table, value in secrets.items():
        at.secrets[table] = value
    at.run()
    return at.switch_page("pages/clients.py").run()


def watch_table(at: AppTest) -> str:
    [body] = [h.proto.body for h in at.html if 'class="ez-watch"' in h.proto.body]
    return body


def row_of(table: str, client: str) -> str:
    [row] = [r for r in table.split("<tr>") if f'"ez-client">{client}<' in r]
    return row


def strip_states(html: str) -> list[str]:
    cells = html.split('class="ez-legend"')[0]
    return re.findall(r'data-state="([a-z_]+)"', cells)


def everything(at: AppTest) -> str:
    return repr(at._tree)


def test_all_clients_shows_state_since_last_check_and_the_strip(seeded):
    _, times = seeded
    at = clients_page()
    assert not at.exception
    table = watch_table(at)
    acme = row_of(table, "Acme Corp")
    assert f"scopes missing: {SCOPE}" in acme
    now = datetime.now(UTC)
    assert f"broken since {moment_text(times['broke'], 'UTC', now)}" in acme
    assert f"{moment_text(times['last'], 'UTC', now)} (" in acme  # last check, and how long ago
    days = strip_states(acme)
    assert len(days) == 30
    assert days[-6:] == [
        CONNECTED,
        NOT_WATCHED,
        SCOPES_MISSING,
        NOT_WATCHED,
        SCOPES_MISSING,
        SCOPES_MISSING,
    ]
    assert days[:-6] == [NOT_WATCHED] * 24
    beta = row_of(table, "Beta Ltd")
    assert "connected since" in beta and strip_states(beta)[-3:] == [
        CONNECTED,
        NOT_WATCHED,
        CONNECTED,
    ]
    assert "Each cell is a day (yours), oldest first" in table
    captions = texts(at, "caption")
    assert any(c.startswith("Last run: started") and "finished, all well" in c for c in captions)
    assert not [w for w in texts(at, "warning") if "watcher" in w]
    assert HOOK_TOKEN not in everything(at)


def test_a_watcher_that_stopped_and_messages_not_sent_are_shown_with_the_url_masked(seeded):
    history, _ = seeded
    long_ago = datetime.now(UTC) - timedelta(days=2)
    [message] = history.outbox()
    shown = mask(HOOK)
    assert HOOK_TOKEN not in shown
    history.claim(message.id, long_ago)
    history.settle(message.id, long_ago, f"{shown} did not take it: it was refused")
    with storage.current().connect() as db:  # the watcher's last run: two days ago
        db.execute(
            watch_runs.update().values(
                started_at=long_ago.isoformat(),
                finished_at=(long_ago + timedelta(minutes=1)).isoformat(),
            )
        )
    at = clients_page(notify={"urls": [HOOK]})  # the URL in the secrets file, too
    assert not at.exception
    [late] = [w for w in texts(at, "warning") if "watcher" in w]
    assert late.startswith("The watcher has not run since")
    assert "check its timer or service" in late
    [unsent] = [d.value for d in at.dataframe if "Attempts" in d.value.columns]
    row = unsent.iloc[0].to_dict()
    assert row["Client"] == "Acme Corp" and row["To"] == shown and row["Attempts"] == 1
    assert row["Message"].startswith("Action needed: Acme Corp: 1 scope missing")
    assert row["Status"] == "failed, retried at the next pass"
    assert row["Error"] == f"{shown} did not take it: it was refused"
    assert "**Messages not sent (1)**" in texts(at, "markdown")
    assert HOOK_TOKEN not in everything(at)


def test_connection_shows_the_clients_changes_over_time(seeded):
    _, times = seeded
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["conn_profile"] = "Acme Corp"
    at.run()
    assert not at.exception
    assert "Watcher history" in [h.value for h in at.subheader]
    now = datetime.now(UTC)
    [line] = [m for m in texts(at, "markdown") if m.startswith("**scopes missing")]
    assert f"broken since {moment_text(times['broke'], 'UTC', now)}" in line
    [strip] = [h.proto.body for h in at.html if "ez-legend" in h.proto.body]
    assert strip_states(strip)[-6:] == [
        CONNECTED, NOT_WATCHED, SCOPES_MISSING, NOT_WATCHED, SCOPES_MISSING, SCOPES_MISSING
    ]  # fmt: skip
    [changes] = [d.value for d in at.dataframe if "Became" in d.value.columns]
    assert changes.to_dict("records")[0]["Became"] == f"broken: scopes missing: {SCOPE}"
    assert changes.to_dict("records")[0]["When"] == moment_text(times["broke"], "UTC", now)
    assert changes.to_dict("records")[0]["For"].endswith("so far")
    assert changes.to_dict("records")[1]["Became"] == "connected"
    assert changes.to_dict("records")[1]["For"] == "2 days"


def test_a_watcher_that_never_ran_is_said_and_a_client_never_watched_too(profiles):
    at = clients_page()
    assert not at.exception
    [said] = [i for i in texts(at, "info") if "watcher" in i]
    assert said.startswith("The watcher has not run here yet")
    assert not [h for h in at.html if "ez-watch" in h.proto.body]  # no table of nothing
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["conn_profile"] = "Beta Ltd"
    at.run()
    assert not at.exception
    assert any("The watcher has not checked Beta Ltd yet" in c for c in texts(at, "caption"))


def test_a_viewer_reads_the_watchers_history(seeded, signed_in_as):  # noqa: F811
    signed_in_as(VIEWER)
    at = team_app().run()
    at.switch_page("pages/clients.py").run()
    assert not at.exception
    assert "Acme Corp" in watch_table(at)


def test_the_demo_pass_shows_six_clients_and_the_messages_it_would_send(isolated_data_dir):
    at = start()
    at.switch_page("pages/clients.py").run()
    by_label(at.button, "Run a watcher pass").click()
    at.run()
    assert not at.exception
    [states] = [d.value for d in at.dataframe if "This pass" in d.value.columns]
    assert list(states["Client"]) == [
        "Northwind Traders", "Contoso", "Fabrikam", "Tailspin Toys", "Litware", "Adventure Works"
    ]  # fmt: skip
    assert states.iloc[0]["Since"].startswith("connected since")
    assert all(s.startswith("broken since") for s in states["Since"][1:])
    assert states.iloc[1]["This pass"] == "first state: scopes missing (a message)"
    titles = [e.label for e in at.expander if e.label.startswith("Action needed")]
    assert len(titles) == 5 and titles[-1].startswith("Action needed: Contoso: 4 scopes missing")
    contoso_missing = states.iloc[1]["State"].removeprefix("scopes missing: ").split(", ")
    assert any(client_message(contoso_missing).strip() in code for code in texts(at, "code"))
    assert any(c.endswith("to (a preview: not sent)") for c in texts(at, "caption"))
    # The five broken connections, and the pass's other checks: Northwind's webinar behind pace.
    assert [e.label for e in at.expander if e.label.startswith("Behind pace: Northwind")]
    assert any("composed 6" in m for m in texts(at, "markdown"))

    by_label(at.button, "Run a watcher pass").click()
    at.run()
    [states] = [d.value for d in at.dataframe if "This pass" in d.value.columns]
    assert set(states["This pass"]) == {"no change"}
    assert len([e for e in at.expander if e.label.startswith("Action needed")]) == 5
    assert any("composed 0" in m for m in texts(at, "markdown"))
    assert WatchHistory(storage.current()).states() == {}  # the team's storage: untouched

    at.switch_page("pages/connection.py").run()  # Northwind Traders, as the demo watcher saw it
    assert not at.exception
    assert "Watcher history" in [h.value for h in at.subheader]
    assert any(
        m.startswith("**connected**: connected since") and "the demo's watcher" in m
        for m in texts(at, "markdown")
    )
    at.switch_page("pages/clients.py").run()
    by_label(at.button, "Start over").click()
    at.run()
    assert not [d for d in at.dataframe if "This pass" in d.value.columns]


def test_two_watch_runs_with_a_scope_removed_between_one_message_and_broken_since_the_second(
    profiles, tmp_path, capsys
):
    """The issue's "done when": a new user sets a webhook, runs `watch --once`, a scope is
    removed from the client's app, `watch --once` again: one message per client naming the
    scope and holding the message to send, and All clients shows it broken since that run."""
    from erbium_zoom.__main__ import main
    from erbium_zoom.simulator import scenario_from_name
    from tests.test_watch import Receiver

    receiver = Receiver()
    try:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f'[notify]\nurls = ["{receiver.url}"]\n\n[watch]\ndays = 0\n')
        command = ["watch", "--once", "--secrets-file", str(secrets)]
        assert main(command) == 0
        assert receiver.received == []
        profiles.scenario = scenario_from_name(f"missing:{SCOPE}")
        second_started = datetime.now(UTC)
        assert main(command) == 1
        second_ended = datetime.now(UTC)
    finally:
        receiver.stop()
    assert sorted(m["title"] for m in receiver.received) == [
        f"Action needed: {client}: 1 scope missing: {SCOPE}" for client in ("Acme Corp", "Beta Ltd")
    ]
    assert all(client_message([SCOPE]).strip() in m["message"] for m in receiver.received)
    since = WatchHistory(storage.current()).state("Acme Corp").since
    assert second_started <= since <= second_ended

    at = clients_page()
    assert not at.exception
    acme = row_of(watch_table(at), "Acme Corp")
    assert f"scopes missing: {SCOPE}" in acme
    assert f"broken since {moment_text(since, 'UTC', datetime.now(UTC))}" in acme
    assert strip_states(acme)[-1] == SCOPES_MISSING
    assert HOOK_TOKEN not in everything(at) and SECRET not in everything(at)


def test_a_dashboard_leaves_a_watcher_its_share_by_the_runs_in_the_configured_storage(
    profiles, tmp_path
):
    """Without Redis, the Events page's calls pace at the plan less the watcher's tenth
    when the storage of the secrets file ([storage] url, not the data folder's file) records
    a recent run; at the whole plan when it records none."""
    from erbium_zoom import ratelimit, ui

    url = f"sqlite:///{tmp_path / 'team.sqlite3'}"
    # With [storage] url, profiles live in that database too.
    ProfileStore(secrets={"storage": {"url": url}}).save(
        "Acme Corp", ACCOUNT, CLIENT_ID, SECRET, hosts="me"
    )

    def limits_after_a_check() -> dict[str, int]:
        ui._watcher_in_use.clear()  # (read once a minute)
        ratelimit.SHARED_LIMITERS.clear()
        at = AppTest.from_file(APP, default_timeout=30)
        at.secrets["storage"] = {"url": url}
        at.session_state["conn_profile"] = "Acme Corp"
        at.run()
        at.switch_page("pages/events.py").run()  # lists the client's events: calls Zoom
        assert not at.exception
        [limiter] = ratelimit.SHARED_LIMITERS._limiters.values()
        return dict(limiter.plan.per_second)

    try:
        assert limits_after_a_check() == {"Light": 30, "Medium": 20, "Heavy": 10}
        WatchHistory(storage.open_url(url)).start_run(datetime.now(UTC) - timedelta(minutes=15))
        assert limits_after_a_check() == {"Light": 27, "Medium": 18, "Heavy": 9}
    finally:
        ui._watcher_in_use.clear()
        ratelimit.SHARED_LIMITERS.clear()
