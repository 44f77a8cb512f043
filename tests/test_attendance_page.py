"""The Attendance page under AppTest against the simulated account: every state, the metrics.

The metrics shown for the Customer Advisory Board meeting are checked against a brute-force
count written here from the simulator's raw rows (second by second, minute by minute), which
shares no code with erbium_zoom.reports.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from erbium_zoom.models import parse_time
from erbium_zoom.simulator import SimulatedZoom

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/attendance.py"


def simulated(scenario: str = "full") -> SimulatedZoom:
    # Anchored at the real clock, which the page uses to decide "not ended" and "not ready".
    return SimulatedZoom(scenario, now=datetime.now(UTC))


def open_page(sim: SimulatedZoom, scenario: str = "full") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_scenario"] = scenario
    at.session_state["demo_accounts"] = {scenario: sim}
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def add(at: AppTest, kind: str, text: object) -> AppTest:
    at.selectbox(key="attendance_add_kind").set_value(kind)
    at.text_input(key="attendance_add_id").input(str(text))
    at.button(key="attendance_add").click()
    return at.run()


def choose(at: AppTest, *keys: str) -> AppTest:
    picker = at.multiselect(key="attendance_selected")
    return picker.set_value([*picker.value, *keys]).run()


def load(at: AppTest) -> AppTest:
    at.button(key="attendance_load").click()
    at.run()
    assert not at.exception
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def report_calls(sim: SimulatedZoom) -> list:
    return sim.api_calls("/report/")


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


# ---- an independent count, from the simulator's raw rows ----------------------------------------


def brute_force_metrics(sim: SimulatedZoom, event: dict, threshold_seconds: int = 60) -> dict:
    """Metrics of one event by brute force: the seconds each person was present, as sets."""
    start = parse_time(event["start_time"])
    end = start + timedelta(minutes=event["duration"])
    seconds: dict[str, set[int]] = {}
    for row in sim.participants(event["kind"], event["uuid"]):
        who = (
            row["registrant_id"]
            or row["participant_user_id"]
            or row["user_email"].lower()
            or row["name"]
        )
        joined = int(parse_time(row["join_time"]).timestamp())
        left = int(parse_time(row["leave_time"]).timestamp())
        seconds.setdefault(who, set()).update(range(joined, left))
    attended = {who: s for who, s in seconds.items() if len(s) >= threshold_seconds}
    first_minute = min(min(s) for s in attended.values()) // 60
    last_minute = max(max(s) for s in attended.values()) // 60
    per_minute = [
        sum(1 for s in attended.values() if any(m * 60 + k in s for k in range(60)))
        for m in range(first_minute, last_minute + 1)
    ]
    approved = len(sim.registrants(event["kind"], event["id"], "approved"))
    return {
        "approved": approved,
        "attendees": len(attended),
        "rate": len(attended) / approved,
        "late": sum(1 for s in attended.values() if min(s) > start.timestamp() + 600),
        # The last second present is max(s); the person left one second later.
        "early": sum(1 for s in attended.values() if max(s) + 1 < end.timestamp() - 600),
        "peak": max(per_minute),
    }


# ---- the page -----------------------------------------------------------------------------------


def test_page_lists_past_events_and_waits_for_load():
    sim = simulated()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_accounts"] = {"full": sim}
    at.run()  # the Connection page probes the report endpoint once
    before = len(report_calls(sim))
    at.switch_page(PAGE).run()
    assert not at.exception
    options = at.multiselect(key="attendance_selected").options
    assert any("Customer Advisory Board" in option for option in options)
    assert not any("Daily Support Stand-up" in option for option in options)  # still running
    assert any("numeric ID gives only the latest occurrence" in t for t in texts(at, "caption"))
    assert any("Load attendance" in t for t in texts(at, "info"))
    assert len(report_calls(sim)) == before


def test_invalid_id_is_refused_with_a_message():
    at = open_page(simulated())
    add(at, "meeting", "12ab")
    assert not at.exception
    assert any("neither a numeric ID" in t for t in texts(at, "error"))
    assert at.multiselect(key="attendance_selected").value == []
    assert at.session_state["attendance_added"] == {}


def test_every_state_shows_next_to_a_loaded_event():
    sim = simulated()
    board = sim.event_tagged("double_slash_uuid")
    live = sim.event_tagged("live")
    at = open_page(sim)
    choose(at, f"meeting:{board['uuid']}")
    add(at, "meeting", sim.event_tagged("not_ready")["id"])
    add(at, "meeting", live["id"])
    add(at, "webinar", sim.event_tagged("too_old", "webinar")["id"])
    q4 = next(e for e in sim.events if e["topic"] == "Q4 Kickoff")
    add(at, "webinar", q4["id"])
    # The simulator counts Heavy calls from when a limit is set: board, not-ready and too-old
    # get through (the live meeting spends none), Q4 Kickoff's report hits the daily limit.
    sim.faults.daily_limits["Heavy"] = 3
    load(at)

    shown = " | ".join(texts(at, "info") + texts(at, "warning"))
    assert "**Report not ready yet.**" in shown and "about 30 minutes" in shown
    assert "**Not ended yet.**" in shown
    assert "**Older than Zoom keeps.**" in shown and "12702" in shown
    assert "**Rate-limited.**" in shown and "It resets at" in shown
    assert not texts(at, "error")
    assert metrics(at)["Unique attendees"] != ""  # the board meeting rendered meanwhile
    summary = next(d.value for d in at.dataframe if "State" in d.value.columns)
    assert summary["State"].tolist() == [
        "Loaded",
        "Report not ready yet",
        "Not ended yet",
        "Older than Zoom keeps",
        "Rate-limited",
    ]
    assert not [c for c in report_calls(sim) if str(live["id"]) in c.path]  # no call spent
    assert at.get("progress")[0].proto.text == "5 of 5 events loaded"


def test_plan_without_reports_is_a_state():
    sim = simulated("no_webinar_plan")
    board = sim.event_tagged("double_slash_uuid")
    at = open_page(sim, "no_webinar_plan")
    choose(at, f"meeting:{board['uuid']}")
    add(at, "webinar", sim.event_tagged("large")["id"])
    load(at)
    assert any(t.startswith("**Plan without reports.**") for t in texts(at, "info"))
    assert "Webinar add-on" in " ".join(texts(at, "info"))
    assert "Unique attendees" in metrics(at)


def test_missing_scope_points_to_the_checklist():
    sim = simulated("missing_scopes")
    board = sim.event_tagged("double_slash_uuid")
    at = open_page(sim, "missing_scopes")
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    warnings = texts(at, "warning")
    assert any(t.startswith("**Scope missing.**") for t in warnings)
    assert "report:read:list_meeting_participants:admin" in " ".join(warnings)
    links = at.get("page_link")
    assert links and links[0].proto.label == "Open the scope checklist"
    assert "Unique attendees" not in metrics(at)


def test_metrics_shown_match_a_brute_force_count():
    sim = simulated()
    board = sim.event_tagged("double_slash_uuid")
    at = open_page(sim)
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    expected = brute_force_metrics(sim, board)
    shown = metrics(at)
    counts = board["registrant_counts"]
    assert (shown["Approved"], shown["Pending"], shown["Denied"]) == tuple(
        str(counts[s]) for s in ("approved", "pending", "denied")
    )
    assert shown["Unique attendees"] == str(expected["attendees"])
    assert shown["Attendance rate"] == f"{expected['rate']:.1%}"
    assert shown["Late joiners"] == str(expected["late"])
    assert shown["Early leavers"] == str(expected["early"])
    assert shown["Peak concurrent"] == str(expected["peak"])
    formula = next(t for t in texts(at, "caption") if t.startswith("Attendance rate ="))
    assert f"÷ {expected['approved']} approved registrants" in formula


def test_threshold_change_recounts_without_asking_zoom_again():
    sim = simulated()
    board = sim.event_tagged("double_slash_uuid")
    at = open_page(sim)
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    calls = len(report_calls(sim))
    at.number_input(key="attendance_threshold").set_value(80).run()
    assert not at.exception
    assert metrics(at)["Unique attendees"] == str(
        brute_force_metrics(sim, board, 80 * 60)["attendees"]
    )
    assert len(report_calls(sim)) == calls


def test_charts_and_downloads_for_a_loaded_event():
    sim = simulated()
    board = sim.event_tagged("double_slash_uuid")
    at = open_page(sim)
    choose(at, f"meeting:{board['uuid']}")
    load(at)
    specs = chart_specs(at)
    chart_titles = [spec["layout"]["title"]["text"] for spec in specs]
    heading = next(h.value for h in at.subheader if "Customer Advisory Board" in h.value)
    assert chart_titles == [
        "Attendees per minute",
        "Minutes attended per attendee",
        f"Funnel: {heading}",
        "Registrants and attendees per event",
        "Attendance rate over time",
        "Funnel per event, as a share of registered",
    ]
    bars = specs[3]["data"]
    assert [trace["name"] for trace in bars] == ["Approved registrants", "Unique attendees"]
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == [
        "Download participants (CSV)",
        "Download absentees (CSV)",
        "Download registrants (CSV)",
        "Download workbook (.xlsx)",
        "Download summary (CSV)",
        "Download funnel (CSV)",
    ]


def test_brute_force_helper_counts_a_simple_case():
    """The independent count itself, on the simulator's smallest registered meeting."""
    sim = SimulatedZoom("full", now=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    renewal = next(e for e in sim.events if e["topic"] == "Renewal Planning")
    counted = brute_force_metrics(sim, renewal)
    assert counted["approved"] == renewal["registrant_counts"]["approved"]
    assert 0 < counted["attendees"] <= len(sim.participants("meeting", renewal["uuid"]))
    assert math.isclose(counted["rate"], counted["attendees"] / counted["approved"])


def test_failing_credentials_show_one_error_and_nothing_else():
    at = open_page(simulated("wrong_secret"), "wrong_secret")
    errors = texts(at, "error")
    assert len(errors) == 1 and "Client Secret" in errors[0]
    assert not at.multiselect  # the page stopped before choosing events


def test_switching_account_forgets_the_previous_events():
    sim = simulated()
    board = sim.event_tagged("double_slash_uuid")
    at = open_page(sim)
    choose(at, f"meeting:{board['uuid']}")
    add(at, "meeting", sim.event_tagged("live")["id"])
    load(at)
    assert "Unique attendees" in metrics(at)
    at.session_state["demo_scenario"] = "missing_scopes"
    at.run()
    assert not at.exception
    assert at.multiselect(key="attendance_selected").value == []
    assert at.session_state["attendance_added"] == {}
    assert "Unique attendees" not in metrics(at)
