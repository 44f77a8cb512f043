"""Registration pace, the funnel and the demo agency, under AppTest against the simulated account.

Expected numbers are counted here from the simulator's raw rows (registrants' create_time,
participants' join and leave seconds), sharing no code with erbium_zoom.pace or .funnel.
AppTest has no browser, so the viewer's time zone is UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from erbium_zoom.models import parse_time
from erbium_zoom.simulator import SimulatedZoom
from tests.test_attendance_page import choose, load, open_page
from tests.test_pages import start, texts, upcoming_meeting_with_registration

PACE = "pages/pace.py"
CLIENTS = "pages/clients.py"


def simulated(scenario: str = "full") -> SimulatedZoom:
    return SimulatedZoom(scenario, now=datetime.now(UTC))


def plotly_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


# ---- registration pace --------------------------------------------------------------------------


def registered_by(sim: SimulatedZoom, event: dict, day) -> int:
    """Registrants of an event who registered on or before ``day`` (UTC)."""
    return sum(
        1
        for r in sim.registrants(event["kind"], event["id"])
        if parse_time(r["create_time"]).date() <= day
    )


def test_pace_shows_an_upcoming_webinar_against_two_past_ones():
    sim = simulated()
    at = start(sim=sim)
    at.switch_page(PACE).run()
    assert not at.exception
    owner = sim.hosts[0]["id"]
    spring = next(  # the owner's soonest upcoming webinar: the page's default
        e
        for e in sim.events
        if e["kind"] == "webinar" and e["state"] == "upcoming" and e["host_id"] == owner
    )
    past = sorted(  # the owner's two most recent past webinars: the page's default comparison
        (
            e
            for e in sim.events
            if e["kind"] == "webinar" and e["host_id"] == owner and e["tags"] in ((), ("large",))
        ),
        key=lambda e: parse_time(e["start_time"]),
        reverse=True,
    )[:2]
    assert at.multiselect(key="pace_upcoming").value == [f"webinar:{spring['id']}"]
    assert len(at.multiselect(key="pace_past").value) == 2

    start_day = parse_time(spring["start_time"]).date()
    today = datetime.now(UTC).date()
    days_to_go = (start_day - today).days
    total = len(sim.registrants("webinar", spring["id"]))
    recent = total - registered_by(sim, spring, today - timedelta(days=7))
    expected = f"**{total} registered with {days_to_go} days to go, {recent} in the last 7 days "
    expected += f"({recent / 7:.1f} a day)"
    for event in past:
        then = parse_time(event["start_time"]).date() - timedelta(days=days_to_go)
        total_then = registered_by(sim, event, then)
        expected += f"; {event['topic']} had {total_then:,} at this point"
        expected += f" ({len(sim.registrants('webinar', event['id'])):,} in all)"
    assert expected + ".**" in texts(at, "markdown")

    # One past webinar is some thirty times the other: the share-of-final scale by default, each
    # past event up to 100 % of its final, this one up to their median share at this point.
    assert at.radio(key="pace_scale").value == "share"
    (figure,) = plotly_specs(at)
    traces = {trace["name"]: trace for trace in figure["data"]}
    shares = []
    for event in past:
        assert traces[event["topic"]]["y"][-1] == 100
        then = parse_time(event["start_time"]).date() - timedelta(days=days_to_go)
        shares.append(
            100 * registered_by(sim, event, then) / len(sim.registrants("webinar", event["id"]))
        )
    this = [traces[f"{s} (this event)"]["y"][-1] for s in ("Approved", "Pending", "Denied")]
    assert sum(this) == pytest.approx(sum(shares) / 2, abs=0.2)  # the median of two
    assert any("drawn as a share of about" in text for text in texts(at, "caption"))

    at.radio(key="pace_scale").set_value("people").run()
    (figure,) = plotly_specs(at)
    traces = {trace["name"]: trace for trace in figure["data"]}
    approved = traces["Approved (this event)"]
    assert approved["x"][-1] == days_to_go  # the curve runs to today
    assert approved["y"][-1] == len(sim.registrants("webinar", spring["id"], "approved"))
    assert traces["Denied (this event)"]["y"][-1] == len(
        sim.registrants("webinar", spring["id"], "denied")
    )
    for event in past:
        line = traces[event["topic"]]
        assert line["x"][-1] == 0 and line["y"][-1] == len(sim.registrants("webinar", event["id"]))
    assert figure["layout"]["xaxis"]["title"]["text"].endswith("(calendar days in UTC)")
    assert any("per calendar day in UTC" in text for text in texts(at, "caption"))


def test_pace_reads_registrant_lists_once_through_the_session_cache():
    sim = simulated()
    at = start(sim=sim)
    at.switch_page(PACE).run()
    calls = len(sim.api_calls("/registrants"))
    assert calls >= 9  # three statuses for each of three events
    at.run()
    assert len(sim.api_calls("/registrants")) == calls


def test_pace_says_when_registrant_lists_cannot_be_read():
    sim = simulated("missing_scopes")
    at = start("missing_scopes", sim=sim)
    at.switch_page(PACE).run()
    meeting = upcoming_meeting_with_registration(sim)
    at.multiselect(key="pace_upcoming").set_value([f"meeting:{meeting['id']}"]).run()
    assert not at.exception
    errors = texts(at, "error")
    assert errors and "meeting:read:list_registrants:admin" in errors[0]


# ---- the funnel on the Attendance page -----------------------------------------------------------


def brute_force_funnel(sim: SimulatedZoom, event: dict, percent: int = 50) -> tuple:
    """(registered, approved, attended, stayed) from the raw rows: each approved registrant's
    seconds present are the union of their sessions (overlaps and rejoins counted once)."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for row in sim.participants(event["kind"], event["uuid"]):
        if row["registrant_id"]:
            joined = parse_time(row["join_time"]).timestamp()
            left = parse_time(row["leave_time"]).timestamp()
            spans.setdefault(row["registrant_id"], []).append((joined, left))

    def union_seconds(intervals: list[tuple[float, float]]) -> float:
        total, reach = 0.0, float("-inf")
        for begin, end in sorted(intervals):
            if end > reach:
                total += end - max(begin, reach)
                reach = end
        return total

    approved = [r["id"] for r in sim.registrants(event["kind"], event["id"], "approved")]
    present = [union_seconds(spans.get(rid, [])) for rid in approved]
    attended = sum(1 for s in present if s >= 60)
    stayed = sum(1 for s in present if s >= 60 and s >= percent / 100 * event["duration"] * 60)
    return len(sim.registrants(event["kind"], event["id"])), len(approved), attended, stayed


def test_funnel_for_three_past_events_matches_a_brute_force_count():
    sim = simulated()
    events = [
        sim.event_tagged("double_slash_uuid"),
        next(e for e in sim.events if e["topic"] == "Q4 Kickoff"),
        sim.event_tagged("large"),
    ]
    at = open_page(sim)
    at.date_input(key="attendance_window").set_value(
        (datetime.now(UTC).date() - timedelta(days=200), datetime.now(UTC).date())
    )
    at.run()
    choose(at, *(f"{e['kind']}:{e['uuid']}" for e in events))
    load(at)
    table = next(d.value for d in at.dataframe if "Stayed (% of attended)" in d.value.columns)
    assert len(table) == 4 and table["Event"].iloc[-1] == "All events"
    for label, event in zip(table["Event"], events, strict=False):
        assert event["topic"] in label
    expected = [brute_force_funnel(sim, e) for e in events]
    for (_, row), numbers in zip(table.iterrows(), expected, strict=False):
        assert (row["Registered"], row["Approved"], row["Attended"], row["Stayed"]) == numbers
        assert row["Attended (% of approved)"] == round(100 * numbers[2] / numbers[1], 1)
    totals = tuple(sum(column) for column in zip(*expected, strict=True))
    last = table.iloc[-1]
    assert (last["Registered"], last["Approved"], last["Attended"], last["Stayed"]) == totals
    sentences = [t for t in texts(at, "caption") if " registered → " in t]
    assert len(sentences) == 3  # one per event, written out under its chart
    assert f"{totals[0]:,} registered → {totals[1]:,} approved" in " ".join(texts(at, "markdown"))

    at.number_input(key="attendance_stay_percent").set_value(90).run()
    table = next(d.value for d in at.dataframe if "Stayed (% of attended)" in d.value.columns)
    assert list(table["Stayed"])[:3] == [brute_force_funnel(sim, e, 90)[3] for e in events]


def test_attendance_offers_the_workbook_and_words_beside_every_chart():
    sim = simulated()
    at = open_page(sim)
    choose(at, f"meeting:{sim.event_tagged('double_slash_uuid')['uuid']}")
    load(at)
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Download workbook (.xlsx)" in labels
    specs = plotly_specs(at)
    described = [t for t in texts(at, "caption")]
    assert len(specs) == 6  # timeline, minutes, funnel; counts, rate, funnel across
    for spec in specs:
        layout = spec["layout"]
        assert layout["title"]["text"] and layout["xaxis"]["title"]["text"]
        assert layout["yaxis"]["title"]["text"]
    for opening in (
        "Attendees present each minute",
        "Minutes attended by",
        "Approved registrants and unique attendees",
        "Attendance rate by event start (UTC)",
        "Share of each event's registrants",
    ):
        assert any(text.startswith(opening) for text in described), opening


# ---- the demo agency on the All clients page -----------------------------------------------------


@pytest.fixture(scope="module")
def roster():
    at = start()
    at.switch_page(CLIENTS).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Setup" in d.value.columns)
    return {row["Setup"]: row for row in table.to_dict("records")}


@pytest.mark.parametrize(
    ("setup", "status", "scopes", "also"),
    [
        ("Fully configured", "connected", "17/17", ""),
        ("Some scopes missing", "action needed: connected, but 4 scopes missing", "13/17",
         "meeting:read:list_registrants"),
        ("Classic-scope app", "action needed: connected, but 1 scope missing", "16/17",
         "meeting:write:participant:admin"),
        ("Wrong Client Secret", "not connected: ", "", "Client Secret"),
        ("No Webinar add-on", "action needed: connected, but no Webinar add-on", "17/17",
         "Webinar"),
        ("App not activated", "not connected: ", "", "not activated"),
    ],
)  # fmt: skip
def test_each_demo_client_is_checked(roster, setup, status, scopes, also):
    row = roster[setup]
    assert row["Status"].startswith(status)
    assert row["Scopes"] == scopes
    assert also in row["Status"] + row["Missing scopes"] + row["Plan problems"]
    assert row["Last checked (UTC)"]
    # A client with a problem under Plan problems is never shown as plainly connected.
    if row["Plan problems"] and not row["Missing scopes"]:
        assert not row["Status"].startswith("connected")


def test_litware_status_on_all_clients_says_what_is_wrong(roster):
    litware = next(row for row in roster.values() if row["Client"] == "Litware")
    assert litware["Status"] == (
        "action needed: connected, but no Webinar add-on: ask the client to add it to their Zoom "
        "plan and assign it to the host"
    )
    assert litware["Plan problems"].startswith("Webinars: ")


def test_picking_a_demo_client_switches_every_page():
    at = start()
    at.switch_page(CLIENTS).run()
    at.button(key="clients_demo_missing_scopes").click().run()
    assert not at.exception
    assert at.session_state["demo_scenario"] == "missing_scopes"
    assert any("Contoso" in text for text in texts(at, "success"))
    assert any("(Some scopes missing)" in text for text in texts(at, "info"))  # demo banner
    at.switch_page("pages/connection.py").run()
    assert {m.label: m.value for m in at.metric}["Meeting"] == "6/8"
    assert any("Activate your app" in code for code in texts(at, "code"))  # the message to send

    at.switch_page(CLIENTS).run()
    at.button(key="clients_demo_no_webinar_plan").click().run()
    at.switch_page("pages/events.py").run()
    assert not at.exception
    assert set(at.dataframe[0].value["Kind"]) == {"Meeting"}

    at.switch_page(CLIENTS).run()
    at.button(key="clients_demo_full").click().run()
    at.switch_page("pages/events.py").run()
    assert set(at.dataframe[0].value["Kind"]) == {"Webinar", "Meeting"}


def test_recheck_checks_every_demo_client_again():
    at = start()
    at.switch_page(CLIENTS).run()
    accounts = at.session_state["demo_accounts"]
    assert set(accounts) == {"full", "missing_scopes", "classic", "wrong_secret",
                             "no_webinar_plan", "disabled_app"}  # fmt: skip

    def token_requests() -> dict[str, int]:
        return {s: sum(c.path == "/oauth/token" for c in sim.calls) for s, sim in accounts.items()}

    before = token_requests()
    at.run()
    assert token_requests() == before  # the checks are kept for the session meanwhile
    at.button(key="clients_demo_recheck").click().run()
    assert token_requests() == {s: n + 1 for s, n in before.items()}


def test_event_pickers_have_no_select_all_entry():
    """On Attendance one stray click on Streamlit's own 'Select all' would load every past
    event's report (Heavy calls); on Registration pace every event's registrants."""
    at = start(sim=simulated())
    at.switch_page(PACE).run()
    assert [m.proto.select_all for m in at.multiselect] == [0, 0]
    at = open_page(simulated())
    assert at.multiselect(key="attendance_selected").proto.select_all == 0


def test_all_clients_says_each_problem_whole_under_the_table():
    """A table cell of a few lines cuts a long status at a laptop's width: under the table,
    each client that needs something is listed with its whole status, the fine ones not."""
    at = start()
    at.switch_page(CLIENTS).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Setup" in d.value.columns)
    [listing] = [e for e in at.expander if e.label.startswith("What needs doing")]
    said = " ".join(m.value for m in listing.markdown)
    problems = table[table["Status"] != "connected"]
    assert listing.label == f"What needs doing ({len(problems)})" and len(problems) == 5
    for _, row in problems.iterrows():
        assert f"**{row['Client']}**: {row['Status']}" in said  # whole, not cut
    assert "Northwind Traders" not in said  # fully configured: nothing to do
