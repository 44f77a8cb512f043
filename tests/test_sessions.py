"""Many people on one dashboard server at once: one rate limiter per account, sessions apart.

Ten people load one client's attendance at the same moment through the dashboard's code path
for a real account, against a simulated Zoom on loopback that counts Pro limits over a strict
sliding second; and ten browser sessions enter different clients' credentials side by side.
Nothing is timed: the server counts the 429s.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from erbium_zoom import ratelimit, ui
from erbium_zoom.attendance import EventState, load_many, load_past_events
from erbium_zoom.config import Credentials
from erbium_zoom.connection import account_limiter, build_client, resolve_connection
from erbium_zoom.ratelimit import PRO
from erbium_zoom.simulator import Faults, SimulatedZoom, Workload, category_of, serve
from tests.conftest import SIM_CREDENTIALS
from tests.multi_account import AccountRouter
from tests.test_pages import APP, by_label, texts
from tests.test_ratelimit import run_threads

PEOPLE = 10
# Small reports, so the test takes seconds: per person 2 lists, and per webinar its details,
# one report page and three registrant lists (Light 2, Medium 8, Heavy 2 each).
SMALL = Workload(webinars=2, rows=60, approved=40, pending=3, denied=1)


@pytest.fixture
def real_time_limiters(monkeypatch):
    """The limiters wait on the real clock (conftest gives them a fake one): the simulator's
    window runs on real time, so the pacing has to as well."""
    monkeypatch.setattr(ratelimit, "_monotonic", time.monotonic)
    monkeypatch.setattr(ratelimit, "_sleep", time.sleep)


def test_ten_people_loading_one_clients_attendance_at_once_get_no_429(real_time_limiters):
    sim = SimulatedZoom(
        "full",
        now=datetime.now(UTC),
        workload=SMALL,
        faults=Faults(qps_limits=dict(PRO.per_second), qps_window="sliding"),
    )
    with serve(sim) as server:
        environ = {"ERBIUM_ZOOM_OAUTH_URL": server.oauth_url, "ERBIUM_ZOOM_API_URL": server.api_url}
        start = threading.Barrier(PEOPLE)
        limiters, loaded, failures = [], {}, []

        def person(number: int) -> None:
            try:
                # Half typed the credentials on the Connection page, half use the server's.
                if number % 2:
                    connection, _ = resolve_connection(SIM_CREDENTIALS, environ=environ)
                else:
                    env = {**environ, "ZOOM_ACCOUNT_ID": SIM_CREDENTIALS.account_id}
                    env |= {"ZOOM_CLIENT_ID": SIM_CREDENTIALS.client_id}
                    env |= {"ZOOM_CLIENT_SECRET": SIM_CREDENTIALS.client_secret}
                    connection, _ = resolve_connection(None, environ=env)
                # What ui.zoom_client and ui.load_attendance do for a real account.
                limiter = account_limiter(connection, PRO)
                limiters.append(limiter)
                workers = ui.parallel_workers(connection)
                with build_client(connection, limiter=limiter) as client:
                    start.wait(timeout=30)  # everyone presses "Load" at the same moment
                    past = load_past_events(client, connection.settings.hosts, workers=workers)
                    now = datetime.now(UTC)
                    # No report cache (its switch off): every load goes to Zoom in full.
                    loaded[number] = load_many(client, past.refs, now, workers=workers)
            except Exception as error:  # noqa: BLE001 - reported by the test below
                failures.append((number, error))

        run_threads(person, PEOPLE, timeout=120)
    assert failures == []
    assert len({id(limiter) for limiter in limiters}) == 1  # one limiter for the account
    refused = [(c.method, c.path) for c in sim.api_calls() if c.status == 429]
    assert refused == []
    calls = Counter(category_of(c.method, c.path) for c in sim.api_calls())
    assert calls == {"Light": PEOPLE * 2, "Medium": PEOPLE * 8, "Heavy": PEOPLE * 2}
    for results in loaded.values():
        assert [r.state for r in results] == [EventState.READY] * SMALL.webinars
        for result in results:
            assert len(result.participants) == SMALL.rows
            assert {k: len(v) for k, v in result.registrants.items()} == {
                "approved": SMALL.approved,
                "pending": SMALL.pending,
                "denied": SMALL.denied,
            }
    assert len(loaded) == PEOPLE


# ---- ten browser sessions, ten clients ----------------------------------------------------------


def person_credentials(number: int) -> Credentials:
    """Distinct enough that no one's value is part of another's."""
    tag = f"person{number:02d}"
    return Credentials(f"{tag}-account-QX", f"{tag}-client-QX", f"{tag}-secret-QX-canary")


def rendered(node) -> str:
    """Everything a session's page sent to its browser: every element's message, widgets'
    values included."""
    parts = [str(getattr(node, "proto", ""))]
    parts += [rendered(child) for child in getattr(node, "children", {}).values()]
    return "\n".join(parts)


def held(value, depth: int = 0) -> Iterator[str]:
    """The strings a session-state value holds: inside containers and dataclasses (a secret
    hidden from a repr included), and the repr of anything else."""
    if depth > 20:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from held(key, depth + 1)
            yield from held(item, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from held(item, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from held(getattr(value, field.name), depth + 1)
    else:
        yield repr(value)


def session_text(at: AppTest) -> str:
    """A session's rendered page and its whole session state (keyless widgets' values too)."""
    state = at._session_state._state
    values = [state[key] for key in state._keys()]
    return rendered(at._tree) + "\n".join(held(values))


def test_ten_sessions_never_see_each_others_entered_credentials(monkeypatch):
    scenarios = ["full" if n % 2 == 0 else "missing_scopes" for n in range(PEOPLE)]
    people = [person_credentials(n) for n in range(PEOPLE)]
    accounts = [
        SimulatedZoom(
            scenario,
            seed=n,
            account_id=who.account_id,
            client_id=who.client_id,
            client_secret=who.client_secret,
        )
        for n, (scenario, who) in enumerate(zip(scenarios, people, strict=True))
    ]
    with serve(AccountRouter(*accounts)) as server:
        monkeypatch.setenv("ERBIUM_ZOOM_OAUTH_URL", server.oauth_url)
        monkeypatch.setenv("ERBIUM_ZOOM_API_URL", server.api_url)
        sessions = [AppTest.from_file(APP, default_timeout=30).run() for _ in people]

        def check_apart(step: str) -> None:
            for n, at in enumerate(sessions):
                assert not at.exception, step
                seen = session_text(at)
                for other, who in enumerate(people):
                    if other != n:
                        for value in (who.account_id, who.client_id, who.client_secret):
                            assert value not in seen, f"{step}: session {n} holds {value}"

        for n, at in enumerate(sessions):  # one after another, every session still open
            who = people[n]
            by_label(at.text_input, "Account ID").input(who.account_id)
            by_label(at.text_input, "Client ID").input(who.client_id)
            by_label(at.text_input, "Client Secret").input(who.client_secret)
            by_label(at.button, "Check connection").click()
            at.run()
            check_apart(f"after session {n} checked its client")
        for at in sessions:  # each person goes on to their client's events
            at.switch_page("pages/events.py").run()
        check_apart("after every session listed its client's events")
    event_ids = [{event["id"] for event in account.events} for account in accounts]
    assert sum(map(len, event_ids)) == len(set().union(*event_ids))  # no ID in two accounts
    for n, at in enumerate(sessions):
        who = people[n]
        assert any(f"Account **{who.account_id}**" in text for text in texts(at, "caption"))
        assert who.client_secret not in rendered(at._tree)  # never sent back to the browser
        assert at.session_state["conn_entered"] == who
        check = at.session_state["conn_last_check"][1]  # its own account answered its check
        assert check.account_id == who.account_id
        assert len(check.report.missing) == (0 if scenarios[n] == "full" else 4)
        listed = set(at.dataframe[0].value["ID"])
        assert listed and listed <= event_ids[n], n  # its own client's events only
