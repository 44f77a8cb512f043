"""The watcher: `python -m erbium_zoom watch` against the simulator over loopback, its history in
the storage layer, and its messages received by a real HTTP receiver through Apprise."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from erbium_zoom import client as client_module
from erbium_zoom import storage, watch_command
from erbium_zoom.__main__ import main
from erbium_zoom.check import PLAN_GAPS, CheckResult, check_with_client
from erbium_zoom.errors import SecretStoreError, ZoomUnreachable
from erbium_zoom.notify import mask, settings_from_secrets
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.ratelimit import BUSINESS, PRO
from erbium_zoom.simulator import SimulatedZoom, scenario_from_name, serve
from erbium_zoom.storage.schema import TABLES
from erbium_zoom.views import client_message
from erbium_zoom.watch import (
    CANNOT_AUTHENTICATE,
    CONNECTED,
    NO_PLAN,
    NOT_ACTIVATED,
    NOT_CHECKED,
    SCOPES_MISSING,
    UNREACHABLE,
    Observation,
    count,
    observe,
)
from erbium_zoom.watch_history import PENDING, SENT, UNKNOWN, WatchHistory
from tests.conftest import FIXED_NOW

ACCOUNT, CLIENT_ID, SECRET = "acc-W", "cid-W", "sec-W-canary"
REGISTRANTS_SCOPE = "meeting:read:list_registrants:admin"
HOOK_TOKEN = "hooktoken-canary"  # a token in the webhook's path: never shown
DASHBOARD = "https://zoom.agency.example"


# ---- the pure rules --------------------------------------------------------------------------


def checked(sim: SimulatedZoom, make_client, **kwargs) -> CheckResult:
    return check_with_client(make_client(sim, **kwargs), with_plan=True)


@pytest.mark.parametrize(
    ("scenario", "state", "detail"),
    [
        ("full", CONNECTED, ()),
        ("missing_scopes", SCOPES_MISSING, 4),
        ("wrong_secret", CANNOT_AUTHENTICATE, "client_id/client_secret"),
        ("wrong_account", CANNOT_AUTHENTICATE, "account_id"),
        ("disabled_app", NOT_ACTIVATED, "app_activation"),
        ("no_webinar_plan", NO_PLAN, ("Webinars",)),
    ],
)
def test_each_scenario_is_named_from_the_connection_check(make_client, scenario, state, detail):
    seen = observe(checked(SimulatedZoom(scenario, now=FIXED_NOW), make_client))
    assert seen.state == state
    if state == SCOPES_MISSING:
        assert len(seen.missing) == detail
    elif state in (CANNOT_AUTHENTICATE, NOT_ACTIVATED):
        assert seen.field == detail and "Zoom said" in seen.message
    elif state == NO_PLAN:
        assert seen.areas == detail


def test_server_errors_and_no_answer_are_unreachable_a_local_secret_problem_not_checked(
    make_client,
):
    sim = SimulatedZoom("full", now=FIXED_NOW)
    sim.faults.server_errors = 100  # the token comes; every plan probe answers 5xx
    assert observe(checked(sim, make_client)).state == UNREACHABLE
    no_answer = CheckResult(account_id="a", error=ZoomUnreachable("Could not connect to Zoom."))
    assert observe(no_answer).state == UNREACHABLE
    no_secret = CheckResult(account_id="a", error=SecretStoreError("No keyring."))
    assert observe(no_secret).state == NOT_CHECKED


T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
UP = Observation(CONNECTED)
DOWN = Observation(UNREACHABLE, message="no answer")
SCOPES = Observation(SCOPES_MISSING, missing=(REGISTRANTS_SCOPE,))


def passes(*seen: Observation):
    """Count a series of passes 15 minutes apart: the changes they make, by pass number."""
    state, changes = None, {}
    for number, observation in enumerate(seen, start=1):
        state, change = count(state, observation, T0 + timedelta(minutes=15 * number), "A", "a")
        if change is not None:
            changes[number] = change
    return state, changes


def test_the_blip_rule_unreachable_counts_after_two_passes_a_definite_answer_at_once():
    state, changes = passes(UP, DOWN, UP)  # one pass without Zoom: nothing
    assert changes == {} and state.counted == UP
    state, changes = passes(UP, DOWN, DOWN, UP)
    assert list(changes) == [3, 4]
    assert changes[3].after.state == UNREACHABLE and not changes[3].fixed
    assert changes[3].at == T0 + timedelta(minutes=30)  # since the first pass that saw it
    assert changes[4].fixed and changes[4].before_since == T0 + timedelta(minutes=30)
    state, changes = passes(UP, SCOPES)
    assert list(changes) == [2] and changes[2].at == T0 + timedelta(minutes=30)
    state, changes = passes(SCOPES, DOWN, SCOPES)  # a blip while broken: still the same state
    assert list(changes) == [1] and state.since == T0 + timedelta(minutes=15)


def test_a_first_check_that_is_connected_says_nothing_another_missing_scope_is_a_change():
    _, changes = passes(UP, UP)
    assert changes == {}
    more = Observation(SCOPES_MISSING, missing=(REGISTRANTS_SCOPE, "webinar:read:webinar:admin"))
    _, changes = passes(SCOPES, SCOPES, more)
    assert list(changes) == [1, 3] and changes[3].after.missing == more.missing


def test_unreachable_at_the_first_check_counts_nothing_until_the_second():
    state, changes = passes(DOWN)
    assert state.counted is None and changes == {}
    state, changes = passes(DOWN, DOWN)
    assert state.counted.state == UNREACHABLE and list(changes) == [2]


def test_the_watchers_share_of_the_limits_when_they_are_not_shared():
    mine = watch_command.watcher_plan(PRO, shared=False)
    assert dict(mine.per_second) == {"Light": 3, "Medium": 2, "Heavy": 1}
    assert mine.heavy_daily == PRO.heavy_daily
    assert dict(watch_command.watcher_plan(BUSINESS, shared=False).per_second) == {
        "Light": 8,
        "Medium": 6,
        "Heavy": 4,
    }
    assert watch_command.watcher_plan(PRO, shared=True) is PRO


def test_the_dashboard_leaves_the_watchers_share_only_while_a_watcher_is_in_use(tmp_path):
    history = WatchHistory(storage.open_url(f"sqlite:///{tmp_path / 'watch.sqlite3'}"))
    now = FIXED_NOW
    assert not watch_command.watcher_in_use(history.runs(limit=1), now)  # never ran
    assert watch_command.dashboard_plan(PRO, shared=False, watcher=False) is PRO
    history.start_run(now - timedelta(hours=24))  # a daily watcher, say
    assert watch_command.watcher_in_use(history.runs(limit=1), now)
    beside = watch_command.dashboard_plan(PRO, shared=False, watcher=True)
    assert dict(beside.per_second) == {"Light": 27, "Medium": 18, "Heavy": 9}
    assert beside.name == PRO.name and beside.heavy_daily == PRO.heavy_daily
    assert watch_command.dashboard_plan(PRO, shared=True, watcher=True) is PRO  # Redis
    assert not watch_command.watcher_in_use(history.runs(limit=1), now + timedelta(hours=2))


# ---- a real receiver -------------------------------------------------------------------------


class Receiver:
    """A webhook on 127.0.0.1: keeps what Apprise posts; answers 503 while ``down``."""

    def __init__(self):
        self.received: list[dict] = []
        self.refused = 0
        self.down = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.down:
                    receiver.refused += 1
                    self.send_response(503)
                else:
                    receiver.received.append({"path": self.path, **json.loads(body)})
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.url = f"json://127.0.0.1:{self.port}/hook/{HOOK_TOKEN}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


class Zoom:
    """One client's simulated Zoom on loopback, stoppable and startable on the same port."""

    def __init__(self):
        self.sim = SimulatedZoom(
            "full", now=FIXED_NOW, account_id=ACCOUNT, client_id=CLIENT_ID, client_secret=SECRET
        )
        self.server = serve(self.sim)
        self.port = self.server.port
        self.env = {
            **os.environ,  # the tests' own data and config folders
            "ERBIUM_ZOOM_OAUTH_URL": self.server.oauth_url,
            "ERBIUM_ZOOM_API_URL": self.server.api_url,
        }

    def stop(self):
        self.server.close()

    def start(self):
        self.server = serve(self.sim, port=self.port)


@pytest.fixture
def zoom(memory_keyring, monkeypatch):
    """Acme's app on a loopback simulator, saved as a profile; no real back-off waits."""
    monkeypatch.setattr(client_module, "_default_sleep", lambda seconds: None)
    ProfileStore().save("Acme Corp", ACCOUNT, CLIENT_ID, SECRET)
    running = Zoom()
    yield running
    running.stop()


@pytest.fixture
def secrets_path(tmp_path, receiver):
    path = tmp_path / "secrets.toml"
    path.write_text(f'[notify]\nurls = ["{receiver.url}"]\ndashboard_url = "{DASHBOARD}/"\n')
    return path


def watch(capsys, zoom, secrets_path, *args: str) -> tuple[int, str, str]:
    # --days 0: the connection only (the upcoming-event checks: tests/test_watch_events.py)
    argv = ["watch", *(args or ["--once"]), "--days", "0", "--secrets-file", str(secrets_path)]
    code = main(argv, environ=zoom.env)
    out, err = capsys.readouterr()
    for text in (out, err):
        assert SECRET not in text and HOOK_TOKEN not in text and "Traceback" not in text
    return code, out, err


def history() -> WatchHistory:
    return WatchHistory(storage.current())


def assert_nothing_secret_in(messages: list[dict], zoom: Zoom) -> None:
    tokens = zoom.sim.issued_tokens()
    for message in messages:
        text = json.dumps({k: v for k, v in message.items() if k != "path"})  # what it says
        assert SECRET not in text and HOOK_TOKEN not in text
        assert not any(token in text for token in tokens)
        assert "@" not in text.replace("@example.com", "")  # no e-mail but example hosts


def test_a_scope_removed_then_restored_gives_one_broken_and_one_fixed_message(
    capsys, zoom, secrets_path, receiver
):
    code, out, _ = watch(capsys, zoom, secrets_path)
    assert code == 0 and "Acme Corp: connected" in out and receiver.received == []
    # One pass is one token request and the three plan probes (2 Medium, 1 Heavy): the
    # README's cost per client per pass.
    assert [(c.method, c.path) for c in zoom.sim.calls] == [
        ("POST", "/oauth/token"),
        ("GET", "/v2/users/me/webinars"),
        ("GET", "/v2/users/me/meetings"),
        ("GET", "/v2/report/meetings/0/participants"),
    ]

    zoom.sim.scenario = scenario_from_name(f"missing:{REGISTRANTS_SCOPE}")
    code, out, _ = watch(capsys, zoom, secrets_path)
    assert code == 1 and f"scopes missing: {REGISTRANTS_SCOPE}" in out
    assert "Notifications: 1 sent" in out
    [broken] = receiver.received
    assert broken["title"] == f"Action needed: Acme Corp: 1 scope missing: {REGISTRANTS_SCOPE}"
    assert client_message([REGISTRANTS_SCOPE]).strip() in broken["message"]
    assert f"Connection page: {DASHBOARD}/?client=Acme%20Corp" in broken["message"]
    assert broken["path"] == f"/hook/{HOOK_TOKEN}"

    code, out, _ = watch(capsys, zoom, secrets_path)  # still missing: no second message
    assert code == 1 and len(receiver.received) == 1

    zoom.sim.scenario = scenario_from_name("full")
    code, out, _ = watch(capsys, zoom, secrets_path)
    assert code == 0 and len(receiver.received) == 2
    fixed = receiver.received[1]
    assert fixed["title"] == "Fixed: Acme Corp is connected again"
    assert f"it was: 1 scope missing: {REGISTRANTS_SCOPE}, since" in fixed["message"]
    assert_nothing_secret_in(receiver.received, zoom)

    states = history().states()
    assert states["Acme Corp"].counted.state == CONNECTED
    assert [seen for _, seen, _ in history().checks("Acme Corp")] == [
        CONNECTED,
        SCOPES_MISSING,
        SCOPES_MISSING,
        CONNECTED,
    ]


def test_a_rotated_secret_is_one_message_naming_the_field(capsys, zoom, secrets_path, receiver):
    watch(capsys, zoom, secrets_path)
    zoom.sim.client_secret = "rotated-canary"  # the client regenerated it in the Marketplace
    code, out, _ = watch(capsys, zoom, secrets_path)
    watch(capsys, zoom, secrets_path)
    assert code == 1 and "cannot authenticate" in out
    [message] = receiver.received
    assert message["title"] == (
        "Action needed: Acme Corp: cannot authenticate (Client ID or Client Secret)"
    )
    assert "an admin enters the new one on the All clients page" in message["message"]
    assert "rotated-canary" not in json.dumps(message)
    assert_nothing_secret_in(receiver.received, zoom)


def test_an_outage_of_one_pass_says_nothing_of_two_passes_one_message(
    capsys, zoom, secrets_path, receiver
):
    watch(capsys, zoom, secrets_path)
    zoom.stop()  # no answer at all
    code, out, _ = watch(capsys, zoom, secrets_path)
    assert "(1 of 2 passes in a row before it counts); still counted as connected" in out
    assert code == 0 and receiver.received == []
    zoom.start()
    watch(capsys, zoom, secrets_path)
    assert receiver.received == []

    zoom.sim.faults.server_errors = 1000  # Zoom answers 5xx to the API: two passes
    watch(capsys, zoom, secrets_path)
    assert receiver.received == []
    code, out, _ = watch(capsys, zoom, secrets_path)
    assert code == 1 and "Zoom unreachable" in out
    [down] = receiver.received
    assert down["title"] == "Action needed: Acme Corp: Zoom cannot be reached"
    assert "2 checks in a row got no usable answer from Zoom" in down["message"]
    zoom.sim.faults.server_errors = 0
    watch(capsys, zoom, secrets_path)
    assert [m["title"] for m in receiver.received][1] == "Fixed: Acme Corp is connected again"


def test_a_watcher_stopped_mid_way_sends_the_change_once_after_its_restart(
    capsys, zoom, secrets_path, receiver, monkeypatch
):
    watch(capsys, zoom, secrets_path)
    zoom.sim.scenario = scenario_from_name(f"missing:{REGISTRANTS_SCOPE}")
    from erbium_zoom import notify

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C (or a kill) after the change was kept, before sending

    with monkeypatch.context() as patched:
        patched.setattr(notify, "send_pending", stopped)
        code, _, _ = watch(capsys, zoom, secrets_path)
    assert code == 130 and receiver.received == []
    assert [m.status for m in history().outbox()] == [PENDING]
    assert history().runs()[0].status == "interrupted"

    watch(capsys, zoom, secrets_path)  # the restarted watcher: same state, the kept message
    watch(capsys, zoom, secrets_path)
    assert len(receiver.received) == 1 and REGISTRANTS_SCOPE in receiver.received[0]["title"]


def test_a_message_left_sending_by_a_dead_watcher_is_reported_not_sent_again(
    capsys, zoom, secrets_path, receiver
):
    watch(capsys, zoom, secrets_path)
    zoom.sim.client_secret = "rotated-canary"
    with monkeypatch_deliver_dies():
        code, _, _ = watch(capsys, zoom, secrets_path)
    assert code == 130
    [stuck] = history().outbox()
    later = datetime.now(UTC) + timedelta(minutes=11)
    from erbium_zoom.notify import send_pending

    report = send_pending(
        history(), settings_from_secrets({"notify": {"urls": [receiver.url]}}), later
    )
    assert (
        report.unknown == 1 and report.sent == 0 and "may not have been sent" in report.problems[0]
    )
    assert [m.status for m in history().outbox()] == [UNKNOWN] and receiver.received == []


class monkeypatch_deliver_dies:  # noqa: N801 - reads as a phrase
    """Apprise is killed while it sends: the message stays "sending"."""

    def __enter__(self):
        from erbium_zoom import notify

        self._notify, self._real = notify, notify._deliver

        def dies(*args):
            raise KeyboardInterrupt

        notify._deliver = dies

    def __exit__(self, *exc):
        self._notify._deliver = self._real


def test_a_receiver_down_keeps_the_message_and_sends_it_once_when_back(
    capsys, zoom, secrets_path, receiver
):
    watch(capsys, zoom, secrets_path)
    receiver.down = True
    zoom.sim.scenario = scenario_from_name(f"missing:{REGISTRANTS_SCOPE}")
    code, out, err = watch(capsys, zoom, secrets_path)
    assert code == 1 and "1 kept to retry next pass" in out
    assert f"json://127.0.0.1:{receiver.port}/… did not take it" in err and "(attempt 1)" in err
    assert "It is kept and tried again at the next pass." in err
    assert "(Failed to send JSON POST notification: Servers are overloaded., error=503)" in err
    code, out, err = watch(capsys, zoom, secrets_path)
    assert "(attempt 2)" in err and receiver.refused == 2
    receiver.down = False
    code, out, err = watch(capsys, zoom, secrets_path)
    assert "Notifications: 1 sent" in out and err == ""
    watch(capsys, zoom, secrets_path)
    assert len(receiver.received) == 1
    [message] = history().outbox()
    assert message.status == SENT and message.attempts == 3


def test_the_notification_url_is_kept_and_shown_masked_only(capsys, zoom, secrets_path, receiver):
    watch(capsys, zoom, secrets_path)
    zoom.sim.scenario = scenario_from_name(f"missing:{REGISTRANTS_SCOPE}")
    _, out, _ = watch(capsys, zoom, secrets_path)
    assert f"(to json://127.0.0.1:{receiver.port}/…)" in out
    assert mask("slack://T000AAAA/B000BBBB/XXXXcanaryXXXX").startswith("slack://T...A")
    assert "canary" not in mask("slack://T000AAAA/B000BBBB/XXXXcanaryXXXX")
    assert "pw-canary" not in mask("json://user:pw-canary@127.0.0.1/x")
    with storage.current().connect() as db:
        for table in TABLES:
            for row in db.execute(select(table)).all():
                assert HOOK_TOKEN not in str(row) and SECRET not in str(row)


def test_routing_by_kind_and_client_and_bad_entries_said_without_the_url():
    settings = settings_from_secrets(
        {
            "notify": {
                "urls": [
                    "json://127.0.0.1:1/all",
                    {"url": "json://127.0.0.1:2/acme", "kinds": ["connection"], "clients": ["A"]},
                    {"url": "json://127.0.0.1:3/pace", "kinds": ["pace"]},
                ]
            }
        }
    )
    assert [d.url[-4:] for d in settings.for_message("connection", "A")] == ["/all", "acme"]
    assert [d.url[-4:] for d in settings.for_message("connection", "B")] == ["/all"]
    with pytest.raises(Exception) as raised:
        settings_from_secrets(
            {"notify": {"urls": ["json://127.0.0.1/x", "nonsense://tok-canary/x"]}}
        )
    said = str(raised.value)
    assert "The 2nd entry of [notify] urls" in said and "tok-canary" not in said
    with pytest.raises(Exception, match="kinds that do not exist: paces"):
        settings_from_secrets({"notify": {"urls": [{"url": "json://h/x", "kinds": ["paces"]}]}})


def test_no_destination_the_history_is_kept_and_the_run_recorded(capsys, zoom, tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    code, out, _ = watch(capsys, zoom, empty)
    assert code == 0 and "Notifications: none configured" in out
    [run] = history().runs()
    assert run.status == "ok" and run.clients == 1 and run.finished_at is not None


def test_no_profiles_is_said_and_the_run_kept_as_failed(capsys, memory_keyring, tmp_path):
    code = main(["watch", "--once"], environ=dict(os.environ))
    _, err = capsys.readouterr()
    assert code == 2 and "No client profiles to watch" in err
    [run] = history().runs()
    assert run.status == "failed" and "No client profiles" in run.problems[0]


def test_every_interval_passes_until_the_count_or_ctrl_c(
    capsys, zoom, secrets_path, receiver, monkeypatch
):
    waits = []
    monkeypatch.setattr(watch_command, "_sleep", waits.append)
    code, out, _ = watch(capsys, zoom, secrets_path, "--every", "15m", "--passes", "3")
    assert code == 0 and out.count("Watch pass at") == 3 and waits == [900, 900]

    def interrupted(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(watch_command, "_sleep", interrupted)
    code, out, _ = watch(capsys, zoom, secrets_path, "--every", "1h")
    assert code == 130 and out.count("Watch pass at") == 1
    assert [run.status for run in history().runs()] == ["ok"] * 4


@pytest.mark.parametrize(
    ("given", "said"),
    [("30s", "out of range: give 1m to 24h"), ("soon", "is not an interval"), ("25h", "range")],
)
def test_a_bad_interval_is_a_usage_error(capsys, given, said):
    code = main(["watch", "--every", given], environ={})
    assert code == 2 and said in capsys.readouterr().err


# ---- the history on both engines, the limits, the command line as a user runs it ---------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'configured' / 'erbium.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


def test_the_history_survives_a_restart_and_a_message_is_queued_and_claimed_once(database_url):
    from erbium_zoom.watch_history import Outgoing

    def messages(change):
        return [
            Outgoing(f"{change.key}|d1", change.client, "connection", "d1", "json://h/…", "t", "b")
        ]

    first = WatchHistory(storage.open_url(database_url))
    first.record("Acme", "acc", UP, T0, messages)
    _, change = first.record("Acme", "acc", SCOPES, T0 + timedelta(minutes=15), messages)
    assert change is not None
    storage.forget()  # the watcher restarted: a new process opens the database again
    again = WatchHistory(storage.open_url(database_url))
    state, change = again.record("Acme", "acc", SCOPES, T0 + timedelta(minutes=30), messages)
    assert change is None and state.since == T0 + timedelta(minutes=15)
    assert state.observed_count == 2  # the passes in a row are read back with their details
    assert state.counted.missing == (REGISTRANTS_SCOPE,)
    [queued] = again.outbox(PENDING)
    assert again.claim(queued.id, T0) and not again.claim(queued.id, T0)  # one sender only
    again.settle(queued.id, T0, None)
    assert [m.status for m in again.outbox()] == [SENT]
    again.record("Acme", "acc", SCOPES, T0 - timedelta(days=91))  # an old check
    assert len(again.checks("Acme")) == 4
    run = again.start_run(T0)
    assert len(again.checks("Acme")) == 3  # kept 90 days
    again.finish_run(run, T0 + timedelta(seconds=3), "problems", 1, ["a message waits"])
    assert again.runs()[0].problems == ("a message waits",)


def test_the_watchers_calls_go_through_the_accounts_limiter_and_heavy_meter(
    capsys, zoom, secrets_path
):
    from erbium_zoom import ratelimit, store
    from erbium_zoom.config import Credentials, Settings

    watch(capsys, zoom, secrets_path)
    settings = Settings(zoom.server.oauth_url, zoom.server.api_url)
    key = ("account", settings.oauth_url, settings.api_url, ACCOUNT)
    limiter = ratelimit.SHARED_LIMITERS.get(key, watch_command.watcher_plan(PRO, False))
    assert limiter.plan.name == "Pro (the watcher's share)" and limiter.heavy_today() == 1
    quota = store.quota_key(Credentials(ACCOUNT, CLIENT_ID, SECRET), settings)
    assert store.open_store().heavy_calls(quota, datetime.now(UTC).date()) == 1


def test_with_shared_limits_the_watcher_paces_in_redis_with_the_dashboards(
    capsys, zoom, tmp_path, receiver, redis_url
):
    from erbium_zoom import ratelimit

    path = tmp_path / "shared.toml"
    path.write_text(f'[limits]\nredis_url = "{redis_url}"\n[notify]\nurls = ["{receiver.url}"]\n')
    code, out, _ = watch(capsys, zoom, path)
    assert code == 0
    [limiter] = ratelimit.SHARED_LIMITERS._limiters.values()
    assert limiter.plan is PRO and limiter.sharing


def test_the_exact_command_line_twice_with_a_scope_removed_between(tmp_path, receiver):
    """What a new user does: a webhook URL, `watch --once`, a scope removed, `watch --once`."""
    import subprocess
    import sys
    from pathlib import Path

    sim = SimulatedZoom(
        "full", now=FIXED_NOW, account_id=ACCOUNT, client_id=CLIENT_ID, client_secret=SECRET
    )
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[notify]\nurls = ["{receiver.url}"]\ndashboard_url = "{DASHBOARD}"\n\n'
        "[watch]\ndays = 0\n\n"  # the connection only: see tests/test_watch_events.py
        f'[profiles."Acme Corp"]\naccount_id = "{ACCOUNT}"\nclient_id = "{CLIENT_ID}"\n'
        f'client_secret = "{SECRET}"\n'
    )
    with serve(sim) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOM_")}
        env.update(ERBIUM_ZOOM_OAUTH_URL=server.oauth_url, ERBIUM_ZOOM_API_URL=server.api_url)

        def run() -> subprocess.CompletedProcess:
            return subprocess.run(  # python -m erbium_zoom watch --once --secrets-file FILE
                [sys.executable, "-m", "erbium_zoom", "watch", "--once", "--secrets-file", secrets],
                cwd=Path(__file__).resolve().parents[1],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )

        first = run()
        sim.scenario = scenario_from_name(f"missing:{REGISTRANTS_SCOPE}")
        second = run()
    assert first.returncode == 0, first.stderr
    assert second.returncode == 1 and "Notifications: 1 sent" in second.stdout, second.stderr
    for done in (first, second):
        assert SECRET not in done.stdout + done.stderr and HOOK_TOKEN not in done.stdout
    [message] = receiver.received
    assert REGISTRANTS_SCOPE in message["title"]
    assert client_message([REGISTRANTS_SCOPE]).strip() in message["message"]


def test_sigterm_stops_the_watcher_between_passes_like_ctrl_c(tmp_path):
    """`systemctl stop`: the process ends at once with 130, its pass kept as finished."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    sim = SimulatedZoom(
        "full", now=FIXED_NOW, account_id=ACCOUNT, client_id=CLIENT_ID, client_secret=SECRET
    )
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[watch]\ndays = 0\n\n"  # the connection only
        f'[profiles."Acme Corp"]\naccount_id = "{ACCOUNT}"\nclient_id = "{CLIENT_ID}"\n'
        f'client_secret = "{SECRET}"\n'
    )
    with serve(sim) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOM_")}
        env.update(ERBIUM_ZOOM_OAUTH_URL=server.oauth_url, ERBIUM_ZOOM_API_URL=server.api_url)
        command = ["watch", "--every", "1h", "--secrets-file", str(secrets)]
        with subprocess.Popen(
            [sys.executable, "-m", "erbium_zoom", *command],
            cwd=Path(__file__).resolve().parents[1],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            lines = [process.stdout.readline() for _ in range(3)]  # the first pass's report
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 130
            rest = process.stdout.read() + process.stderr.read()
    assert lines[0].startswith("Watch pass at") and "Acme Corp: connected" in lines[1]
    assert "Traceback" not in rest
    [run] = history().runs()
    assert run.status == "ok" and run.finished_at is not None


def test_the_readmes_notify_example_is_accepted_and_shown_masked():
    import re
    import tomllib
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Watching every client") :]
    example = tomllib.loads(re.search(r"```toml\n(.*?)```", section, re.S)[1])
    settings = settings_from_secrets(example)
    assert settings.dashboard_url == "https://dashboard.erbium.example"
    assert [d.shown for d in settings.destinations] == [
        "slack://T...A/…",
        "json://hooks.erbium.example/…",
    ]
    assert [d.shown for d in settings.for_message("connection", "Other")] == ["slack://T...A/…"]


def test_each_client_is_watched_on_its_own(capsys, memory_keyring, secrets_path, receiver):
    """Two clients' apps behind one transport: one breaks, the other's state and messages stay."""
    from tests.multi_account import AccountRouter

    acme = SimulatedZoom("full", now=FIXED_NOW, account_id="acc-1", client_id="cid-1")
    globex = SimulatedZoom("full", now=FIXED_NOW, account_id="acc-2", client_id="cid-2")
    router = AccountRouter(acme, globex)
    store = ProfileStore()
    store.save("Acme Corp", "acc-1", "cid-1", acme.client_secret)
    store.save("Globex", "acc-2", "cid-2", globex.client_secret)

    def watch_both() -> str:
        argv = ["watch", "--once", "--days", "0", "--secrets-file", str(secrets_path)]
        main(argv, environ=dict(os.environ), transport=router.transport())
        return capsys.readouterr().out

    watch_both()
    globex.scenario = scenario_from_name("no_webinar_plan")
    out = watch_both()
    assert "Acme Corp: connected" in out and "Globex: plan lacks a feature: Webinars" in out
    [message] = receiver.received
    assert message["title"] == "Action needed: Globex: the Zoom plan lacks Webinars"
    assert PLAN_GAPS["Webinars"][1:] in message["message"]
    assert "Zoom said: “" in message["message"] and message["message"].count("Zoom said") == 1
    assert history().states()["Acme Corp"].counted.state == CONNECTED
