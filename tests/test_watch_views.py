"""The watcher's history for reading (erbium_zoom.watch_views), the guarded reads of the
history, and the demo's preview pass: pure, without Streamlit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from erbium_zoom.access import Person, Role
from erbium_zoom.activity import ActivityLog
from erbium_zoom.errors import AccessDenied
from erbium_zoom.guard import Guard
from erbium_zoom.notify import KINDS, PreviewDestination, preview_settings
from erbium_zoom.simulator import SimulatedZoom
from erbium_zoom.storage.database import in_memory
from erbium_zoom.watch import (
    CANNOT_AUTHENTICATE,
    CONNECTED,
    SCOPES_MISSING,
    UNREACHABLE,
    ClientState,
    Observation,
)
from erbium_zoom.watch_demo import demo_watcher
from erbium_zoom.watch_history import PENDING, Check, Queued, Run, WatchHistory
from erbium_zoom.watch_views import (
    NOT_WATCHED,
    changes_frame,
    client_rows,
    day_strip,
    history_html,
    messages_by_kind,
    moment_text,
    pass_notes,
    send_problems,
    send_problems_frame,
    since_text,
    state_changes,
    strip_start,
    watcher_status,
    worst,
)

NOW = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)  # a Friday
SCOPE = "meeting:read:list_registrants:admin"
UP = Observation(CONNECTED)
SCOPES = Observation(SCOPES_MISSING, missing=(SCOPE,))
DOWN = Observation(UNREACHABLE, message="no answer")
REFUSED = Observation(CANNOT_AUTHENTICATE, field="client_id/client_secret")


def check(at: datetime, seen: Observation, counted: str | None = None, client="Acme") -> Check:
    return Check(client, at, seen, seen.state if counted is None else counted)


def test_moments_in_the_viewers_zone_short_this_week_with_a_date_before():
    tuesday = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
    assert moment_text(tuesday, "UTC", NOW) == "Tue 13:05"
    assert moment_text(tuesday, "Europe/Berlin", NOW) == "Tue 14:05"
    assert moment_text(datetime(2026, 11, 12, 9, 0, tzinfo=UTC), "UTC", NOW) == "12 Nov 09:00"
    assert moment_text(datetime(2025, 11, 12, 9, 0, tzinfo=UTC), "UTC", NOW) == "12 Nov 2025 09:00"
    # Late on Friday in Tokyo is already Saturday: a week ago there is a date, not a weekday.
    assert moment_text(datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "Asia/Tokyo", NOW) == (
        "28 Nov 10:00"
    )


def test_since_says_broken_or_connected_and_what_is_not_counted_yet():
    since = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
    broken = ClientState("Acme", counted=SCOPES, since=since)
    assert since_text(broken, "Europe/Berlin", NOW) == "broken since Tue 14:05"
    assert since_text(ClientState("Acme", counted=UP, since=since), "UTC", NOW) == (
        "connected since Tue 13:05"
    )
    blip = ClientState("Acme", observed=DOWN, observed_count=1)
    assert since_text(blip, "UTC", NOW) == "nothing counted yet (Zoom unreachable, 1 of 2 passes)"


def test_the_strip_has_thirty_days_each_the_worst_state_counted_that_day():
    checks = [
        check(NOW - timedelta(days=3, hours=2), UP),
        check(NOW - timedelta(days=3, hours=1), SCOPES),
        check(NOW - timedelta(days=3), UP),
        check(NOW - timedelta(days=2), DOWN, CONNECTED),  # a blip: the day stays connected
        check(NOW - timedelta(days=1), DOWN),
        check(NOW - timedelta(hours=1), REFUSED),
        check(NOW - timedelta(minutes=30), DOWN, ""),  # nothing counted: colours nothing
        check(NOW - timedelta(days=40), SCOPES),  # before the strip
    ]
    strip = day_strip(checks, NOW, "UTC")
    assert len(strip) == 30 and strip[-1].day == NOW.date()
    assert strip[0].day == (NOW - timedelta(days=29)).date()
    states = [day.state for day in strip]
    assert states[-4:] == [SCOPES_MISSING, CONNECTED, UNREACHABLE, CANNOT_AUTHENTICATE]
    assert states[:-4] == [NOT_WATCHED] * 26
    assert strip[-4].label == "Tue 1 Dec: scopes missing"
    assert strip[0].label.endswith(": not watched")
    assert worst([CONNECTED, "something new"]) == "not_checked"  # unknown: not checked


def test_the_strip_days_are_the_viewers_days():
    late = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # Thursday in London, Friday in Berlin
    london = day_strip([check(late, SCOPES)], NOW, "Europe/London")
    berlin = day_strip([check(late, SCOPES)], NOW, "Europe/Berlin")
    assert [d.state for d in london][-2:] == [SCOPES_MISSING, NOT_WATCHED]
    assert [d.state for d in berlin][-2:] == [NOT_WATCHED, SCOPES_MISSING]
    assert strip_start(NOW, "Europe/Berlin") == datetime(
        2026, 11, 5, 0, 0, tzinfo=strip_start(NOW, "Europe/Berlin").tzinfo
    )


def test_client_rows_every_profile_a_blip_noted_and_a_removed_client_kept():
    since = NOW - timedelta(days=2)
    states = {
        "Acme": ClientState(
            "Acme",
            counted=SCOPES,
            since=since,
            last_check=NOW - timedelta(minutes=15),
            observed=DOWN,
            observed_count=1,
        ),
        "Gone": ClientState("Gone", counted=UP, since=since, last_check=since, observed=UP),
    }
    rows = client_rows(["Acme", "New"], states, [check(since, SCOPES)], NOW, "UTC")
    assert [r.client for r in rows] == ["Acme", "New", "Gone"]
    acme, new, gone = rows
    assert acme.state == f"scopes missing: {SCOPE}" and acme.broken is True
    assert acme.since == "broken since Wed 21:00"
    assert acme.last_check == "Fri 20:45 (15 min ago)"
    assert acme.note == "the last check saw Zoom unreachable (1 of 2 passes before it counts)"
    assert acme.strip[-3].state == SCOPES_MISSING
    assert (new.state, new.broken, new.last_check) == ("not watched yet", None, "never")
    assert gone.note == "no longer a client profile" and gone.broken is False


def test_the_table_escapes_every_text_and_colours_each_day():
    states = {"<b>Evil</b>": ClientState("<b>Evil</b>", counted=SCOPES, since=NOW, last_check=NOW)}
    page = history_html(client_rows(["<b>Evil</b>"], states, [], NOW, "UTC"))
    assert "<b>Evil</b>" not in page and "&lt;b&gt;Evil&lt;/b&gt;" in page
    assert page.count('class="ez-day"') == 30 + 5  # the days, and the legend's five
    assert 'data-state="not_watched"' in page and "broken since Fri 21:00" in page


def test_changes_are_each_change_of_the_counted_state_unreachable_since_its_first_pass():
    t = [NOW - timedelta(hours=h) for h in (10, 9, 8, 7, 6, 5, 4, 3)]
    more = Observation(SCOPES_MISSING, missing=(SCOPE, "webinar:read:webinar:admin"))
    checks = [
        check(t[0], UP),
        check(t[1], SCOPES),
        check(t[2], DOWN, SCOPES_MISSING),  # a blip while broken: no change
        check(t[3], SCOPES),
        check(t[4], more),  # another scope missing: a change
        check(t[5], DOWN, SCOPES_MISSING),
        check(t[6], DOWN),  # counted at the second pass, since the first
        check(t[7], UP),
    ]
    changes = state_changes(checks)
    assert [(c.at, c.became.state) for c in changes] == [
        (t[0], CONNECTED),
        (t[1], SCOPES_MISSING),
        (t[4], SCOPES_MISSING),
        (t[5], UNREACHABLE),
        (t[7], CONNECTED),
    ]
    frame = changes_frame(changes, NOW, "UTC")
    assert list(frame.columns) == ["When", "Became", "For"]
    assert frame.iloc[0].to_dict() == {
        "When": "Fri 18:00",
        "Became": "connected",
        "For": "3 h so far",
    }
    assert frame.iloc[1]["Became"] == "broken: Zoom unreachable"
    assert frame.iloc[1]["For"] == "2 h"
    assert frame.iloc[3]["Became"] == f"broken: scopes missing: {SCOPE}"


def test_changes_before_the_window_start_from_the_state_counted_then():
    checks = [check(NOW - timedelta(hours=2), DOWN, SCOPES_MISSING), check(NOW, UP)]
    assert [c.became for c in state_changes(checks)] == [Observation(SCOPES_MISSING), UP]


def run(id_: int, started: datetime, minutes: int = 1, status="ok", problems=()) -> Run:
    return Run(id_, started, started + timedelta(minutes=minutes), status, 3, problems)


def test_the_watcher_is_late_after_twice_its_usual_interval():
    assert watcher_status([], NOW, "UTC").late
    assert "has not run here yet" in watcher_status([], NOW, "UTC").headline
    every_15 = [run(n, NOW - timedelta(minutes=10 + 15 * n)) for n in range(5)]
    fine = watcher_status(every_15, NOW, "UTC")
    assert not fine.late and fine.headline == "The watcher runs: last run Fri 20:50."
    assert fine.lines[0] == (
        "Last run: started Fri 20:50 (10 min ago), finished, all well after 1 min; 3 clients."
    )
    assert fine.lines[1] == "Runs kept: 5 latest, usually every 15 min."
    stopped = [run(n, NOW - timedelta(minutes=31 + 15 * n)) for n in range(5)]
    late = watcher_status(stopped, NOW, "UTC")
    assert late.late
    assert late.headline.startswith("The watcher has not run since Fri 20:29 (31 min ago)")
    one = [run(1, NOW - timedelta(hours=20))]  # too few runs to say: late after a day
    assert not watcher_status(one, NOW, "UTC").late
    assert watcher_status([run(1, NOW - timedelta(hours=25))], NOW, "UTC").late


def test_a_run_with_problems_or_one_that_never_finished_is_said():
    said = watcher_status([run(1, NOW, status="problems", problems=("It failed.",))], NOW, "UTC")
    assert said.headline == "The watcher's last run finished with problems."
    assert said.problems == ("It failed.",)
    dead = Run(2, NOW - timedelta(days=2), None, "running", 0, ())
    assert "never finished" in watcher_status([dead], NOW, "UTC").lines[0]


def queued(id_: int, status: str, attempts: int, error="") -> Queued:
    return Queued(
        id_, f"k{id_}", "Acme", "connection", "hash", "json://127.0.0.1/…", f"Title {id_}",
        "body", status, attempts, error, None,
    )  # fmt: skip


def test_send_problems_are_failed_unknown_and_dropped_messages_shown_masked():
    outbox = [
        queued(1, PENDING, 0),  # not tried yet: no problem
        queued(2, PENDING, 2, "json://127.0.0.1/… did not take it"),
        queued(3, "unknown", 1, "may not have been sent"),
        queued(4, "dropped", 0, "no longer in [notify] urls"),
        queued(5, "sent", 1),
    ]
    problems = send_problems(outbox)
    assert [m.id for m in problems] == [2, 3, 4]
    frame = send_problems_frame(problems)
    assert frame.iloc[0].to_dict() == {
        "Client": "Acme",
        "Kind": "connection",
        "Message": "Title 2",
        "To": "json://127.0.0.1/…",
        "Status": "failed, retried at the next pass",
        "Attempts": 2,
        "Error": "json://127.0.0.1/… did not take it",
    }
    assert list(frame["Status"])[1:] == ["may not have arrived (not sent again)", "given up"]
    assert list(messages_by_kind(outbox)) == ["connection"]


def test_reading_the_history_needs_the_read_role_and_a_refusal_is_recorded():
    database = in_memory()
    log = ActivityLog(database=database)
    history = WatchHistory(database, Guard(Person("x@example.com", None, True), log, "", ""))
    with pytest.raises(AccessDenied):
        history.states()
    with pytest.raises(AccessDenied):
        history.outbox()
    entries = log.entries(Person("admin@example.com", Role.ADMIN, True))
    assert [e.action for e in entries] == ["read the watcher's history"] * 2
    viewer = WatchHistory(database, Guard(Person("v@example.com", Role.VIEWER, True), log, "", ""))
    assert viewer.states() == {} and viewer.runs() == [] and viewer.recent_checks(NOW) == []


def test_the_demo_pass_composes_every_change_for_nobody_and_keeps_its_history_in_memory(
    isolated_data_dir, monkeypatch
):
    from erbium_zoom import notify

    def never(*args):
        raise AssertionError("a preview must not send")

    monkeypatch.setattr(notify, "_deliver", never)
    sims: dict[str, SimulatedZoom] = {}

    def account(scenario: str) -> SimulatedZoom:
        return sims.setdefault(scenario, SimulatedZoom(scenario))

    watcher = demo_watcher(
        account, Person("local user", Role.ADMIN), ActivityLog(database=in_memory())
    )
    before = watcher.history.states()
    report = watcher.run_pass()
    assert len(report.outcomes) == 6 and report.sent == 0
    states = watcher.history.states()
    assert {n: s.counted.state for n, s in states.items()} == {
        "Northwind Traders": CONNECTED,
        "Contoso": SCOPES_MISSING,
        "Fabrikam": SCOPES_MISSING,
        "Tailspin Toys": CANNOT_AUTHENTICATE,
        "Litware": "no_plan",
        "Adventure Works": "not_activated",
    }
    outbox = watcher.history.outbox()
    connection = [m for m in outbox if m.kind == "connection"]
    assert [m.client for m in connection] == [
        "Contoso", "Fabrikam", "Tailspin Toys", "Litware", "Adventure Works"
    ]  # fmt: skip
    # The pass's other checks too: the demo's upcoming webinar behind pace (the simulated
    # accounts' events are placed around today).
    assert [(m.kind, m.client) for m in outbox if m.kind != "connection"] == [
        ("pace", "Northwind Traders")
    ]
    assert {m.status for m in outbox} == {PENDING} and {m.attempts for m in outbox} == {0}
    assert {m.shown for m in outbox} == {"(a preview: not sent)"}
    assert connection[0].title.startswith("Action needed: Contoso: 4 scopes missing")
    notes = pass_notes(before, states)
    assert notes["Northwind Traders"] == "first state: connected"
    assert notes["Contoso"] == "first state: scopes missing (a message)"

    watcher.run_pass()  # the same states: nothing more
    assert len(watcher.history.outbox()) == len(outbox)
    assert pass_notes(states, watcher.history.states())["Contoso"] == "no change"
    assert not (isolated_data_dir / "cache.sqlite3").exists()  # nothing on disk


def test_preview_settings_take_every_kind_and_client_and_show_no_url():
    [destination] = preview_settings("https://dash").destinations
    assert isinstance(destination, PreviewDestination)
    assert all(destination.takes(kind, "Any") for kind in KINDS)  # report too
    assert destination.url == "" and repr(destination) == "PreviewDestination()"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'watch.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


def test_the_strip_from_hourly_spans_is_the_strip_from_every_check(engine_url):
    """All clients reads an hour of checks as one row per state: the same strip, far fewer rows
    (a watcher every minute keeps 43,200 checks a client in 30 days)."""
    from erbium_zoom import storage

    history = WatchHistory(storage.open_url(engine_url))
    start = NOW - timedelta(days=3, hours=5)
    for minute in range(0, 3 * 24 * 60, 20):  # every 20 minutes for three days
        at = start + timedelta(minutes=minute)
        seen = SCOPES if timedelta(days=1) < at - start < timedelta(days=1, hours=2) else UP
        history.record("Acme", "a", seen, at)
        history.record("Beta", "b", UP, at)
    checks = history.recent_checks(NOW - timedelta(days=30))
    spans = history.counted_spans(NOW - timedelta(days=30))
    assert len(spans) < len(checks) / 2
    for tz in ("UTC", "America/New_York", "Asia/Tokyo"):
        rows_from_checks = client_rows(["Acme", "Beta"], {}, checks, NOW, tz)
        rows_from_spans = client_rows(["Acme", "Beta"], {}, spans, NOW, tz)
        assert [r.strip for r in rows_from_spans] == [r.strip for r in rows_from_checks]
    assert SCOPES_MISSING in [
        d.state for d in client_rows(["Acme"], {}, spans, NOW, "UTC")[0].strip
    ]
