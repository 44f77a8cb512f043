"""Loading attendance from the simulated account: listing, each state, recurring series."""

from __future__ import annotations

from datetime import timedelta

import pytest

from erbium_zoom import attendance
from erbium_zoom.attendance import (
    AttendanceResult,
    EventRef,
    EventState,
    InvalidEventRef,
    load_event_attendance,
    load_many,
    parse_event_text,
)
from erbium_zoom.errors import EventNotFound, MissingScope
from erbium_zoom.models import Event, EventKind, Participant, parse_time
from erbium_zoom.simulator import Faults, SimulatedZoom
from tests.conftest import FIXED_NOW

MEETING, WEBINAR = EventKind.MEETING, EventKind.WEBINAR


def typed(kind: EventKind, text: object) -> EventRef:
    return EventRef.from_text(kind, str(text))


def report_calls(sim: SimulatedZoom) -> list:
    return sim.api_calls("/report/")


# ---- typing an ID or UUID -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("98142010528", "98142010528"),
        (" 981 4201 0528 ", "98142010528"),  # as Zoom shows it
        ("981-4201-0528", "98142010528"),
        ("5jimI3u37//GriLe3GQ5vQ==", "5jimI3u37//GriLe3GQ5vQ=="),
        ("/z0QJ3oB+hWZx9O9oy0WaA==", "/z0QJ3oB+hWZx9O9oy0WaA=="),
        ("%2Fz0QJ3oB%2BhWZx9O9oy0WaA%3D%3D", "/z0QJ3oB+hWZx9O9oy0WaA=="),  # copied URL-encoded
    ],
)
def test_parse_event_text_accepts_ids_and_uuids(text, expected):
    assert parse_event_text(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "1234", "12ab", "https://zoom.us/j/123", "ab==cd"])
def test_parse_event_text_refuses_anything_else_with_words(text):
    with pytest.raises(InvalidEventRef) as raised:
        parse_event_text(text)
    assert str(raised.value)


def test_event_ref_from_text_keeps_numeric_and_uuid_apart():
    by_id = typed(MEETING, "981 4201 0528")
    by_uuid = typed(MEETING, "5jimI3u37//GriLe3GQ5vQ==")
    assert (by_id.event_id, by_id.uuid, by_id.key) == (98142010528, None, "meeting:98142010528")
    assert by_uuid.event_id is None and by_uuid.report_id == "5jimI3u37//GriLe3GQ5vQ=="
    assert by_id.added and by_uuid.added


# ---- listing ------------------------------------------------------------------------------------


def test_load_past_events_lists_ended_events_most_recent_first(sim, client):
    past = attendance.load_past_events(client, ("me",))
    owner = sim.hosts[0]["id"]
    expected = [
        e["uuid"]
        for e in sim.events
        if e["host_id"] == owner and e["state"] == "ended" and e["listed"]
    ]
    assert [ref.uuid for ref in past.refs] == expected
    assert past.problems == []
    assert all(ref.start < FIXED_NOW for ref in past.refs)


def test_load_past_events_keeps_a_plan_problem_and_lists_the_meetings(make_client):
    sim = SimulatedZoom("no_webinar_plan", now=FIXED_NOW)
    past = attendance.load_past_events(make_client(sim), ("me",))
    assert {ref.kind for ref in past.refs} == {MEETING}
    assert [problem.what for problem in past.problems] == ["Past webinars of me (account owner)"]


def test_in_window_is_inclusive_in_the_viewers_zone(sim, client):
    refs = attendance.load_past_events(client, ("me",)).refs
    board = next(ref for ref in refs if ref.topic == "Customer Advisory Board")  # 27 Oct 16:00
    day = board.start.date()
    assert board in attendance.in_window(refs, day, day, "UTC")
    assert board not in attendance.in_window(refs, day + timedelta(days=1), day, "UTC")
    # In Tokyo (UTC+9) the meeting starts on 28 Oct.
    assert board not in attendance.in_window(refs, day, day, "Asia/Tokyo")


# ---- one event, each state ----------------------------------------------------------------------


def test_ready_event_has_its_report_and_registrants(sim, client):
    board = sim.event_tagged("double_slash_uuid")
    ref = EventRef.from_event(Event.from_api(MEETING, board))
    result = load_event_attendance(client, ref, FIXED_NOW)
    assert result.state is EventState.READY
    assert len(result.participants) == len(sim.participants("meeting", board["uuid"]))
    assert {s: len(r) for s, r in result.registrants.items()} == board["registrant_counts"]
    assert result.registration is True
    # The UUID contains '//': only a double-encoded path reaches the report.
    assert [c.status for c in report_calls(sim)] == [200]
    assert "%252F%252F" in report_calls(sim)[0].path


def test_event_not_ended_spends_no_report_call(sim, client):
    live = sim.event_tagged("live")
    result = load_event_attendance(client, typed(MEETING, live["id"]), FIXED_NOW)
    assert result.state is EventState.NOT_ENDED
    assert result.ref.end == parse_time(live["start_time"]) + timedelta(minutes=60)
    assert report_calls(sim) == []
    assert "scheduled to end at Sun 29 Nov 2026 12:40 (UTC)" in attendance.state_message(result)


def test_report_not_ready_soon_after_the_end(sim, client):
    review = sim.event_tagged("not_ready")  # ended 10 minutes before now
    result = load_event_attendance(client, typed(MEETING, review["id"]), FIXED_NOW)
    assert result.state is EventState.NOT_READY
    assert isinstance(result.error, EventNotFound)
    assert "about 30 minutes" in attendance.state_message(result)


def test_empty_report_soon_after_the_end_is_not_ready():
    class EmptyReport:
        def get_event(self, kind, event_id):
            raise AssertionError("details are known")

        def list_participants(self, kind, event_id):
            return [Participant("", "1", "Ana", "", FIXED_NOW, FIXED_NOW, 0, "", None)]

    ref = EventRef(
        MEETING, 812345678, None, "Stand-up", FIXED_NOW - timedelta(minutes=45), 30, 2, 2
    )
    result = load_event_attendance(EmptyReport(), ref, FIXED_NOW)
    assert result.state is EventState.NOT_READY


def test_report_missing_long_after_the_end_is_an_error_in_words(sim, client):
    ref = EventRef(MEETING, 812345678, None, "Gone", FIXED_NOW - timedelta(days=3), 60, 2, 2)
    result = load_event_attendance(client, ref, FIXED_NOW)
    assert result.state is EventState.ERROR
    assert "3001" in attendance.state_message(result)


def test_event_older_than_zoom_keeps(sim, client):
    old = sim.event_tagged("too_old", "webinar")
    result = load_event_attendance(client, typed(WEBINAR, old["id"]), FIXED_NOW)
    assert result.state is EventState.TOO_OLD
    assert "12702" in attendance.state_message(result)
    assert result.ref.topic == old["topic"]  # details still came from Zoom


def test_plan_without_reports(make_client):
    sim = SimulatedZoom("no_webinar_plan", now=FIXED_NOW)
    large = sim.event_tagged("large")
    result = load_event_attendance(make_client(sim), typed(WEBINAR, large["id"]), FIXED_NOW)
    assert result.state is EventState.NO_PLAN
    assert "Webinar add-on" in attendance.state_message(result)


def test_rate_limited_until_the_daily_reset(make_client):
    sim = SimulatedZoom("full", now=FIXED_NOW, faults=Faults(daily_limits={"Heavy": 0}))
    board = sim.event_tagged("double_slash_uuid")
    result = load_event_attendance(make_client(sim), typed(MEETING, board["id"]), FIXED_NOW)
    assert result.state is EventState.RATE_LIMITED
    assert result.error.retry_at is not None
    assert "It resets at" in attendance.state_message(result)


def test_missing_scope_names_the_scope(make_client):
    sim = SimulatedZoom("missing_scopes", now=FIXED_NOW)
    board = sim.event_tagged("double_slash_uuid")
    result = load_event_attendance(make_client(sim), typed(MEETING, board["id"]), FIXED_NOW)
    assert result.state is EventState.MISSING_SCOPE
    assert isinstance(result.error, MissingScope)
    assert "report:read:list_meeting_participants:admin" in result.error.scopes


def test_event_without_registration_has_no_registrant_numbers(sim, client):
    retro = sim.event_tagged("no_registration")
    result = load_event_attendance(client, typed(MEETING, retro["id"]), FIXED_NOW)
    assert result.state is EventState.READY
    assert result.registration is False and result.registrants is None
    assert sim.api_calls("/registrants") == []  # not asked: details said registration is off
    assert "no registrations" in attendance.registrants_message(result)


# ---- recurring series ---------------------------------------------------------------------------


def test_numeric_id_of_a_series_gives_the_latest_ended_occurrence(sim, client):
    series = sim.event_tagged("recurring")
    latest = [i for i in series["instances"] if i["ended"]][-1]
    result = load_event_attendance(client, typed(MEETING, series["id"]), FIXED_NOW)
    assert result.state is EventState.READY
    assert result.ref.start == parse_time(latest["start_time"])
    assert len(result.participants) == latest["participant_rows"]
    assert "latest occurrence" in result.ref.note


def test_each_occurrence_counts_separately_by_uuid(sim, client):
    series = sim.event_tagged("recurring")
    first, second = series["instances"][:2]
    results = [
        load_event_attendance(client, typed(MEETING, occurrence["uuid"]), FIXED_NOW)
        for occurrence in (first, second)
    ]
    assert [len(r.participants) for r in results] == [
        first["participant_rows"],
        second["participant_rows"],
    ]
    assert [r.ref.start for r in results] == [
        parse_time(first["start_time"]),
        parse_time(second["start_time"]),
    ]
    assert all(r.ref.event_id == series["id"] for r in results)  # registrants by the series ID


# ---- several events -----------------------------------------------------------------------------


def test_load_many_reports_progress_and_keeps_the_order(sim, client):
    refs = [
        typed(MEETING, sim.event_tagged("live")["id"]),
        typed(MEETING, sim.event_tagged("not_ready")["id"]),
        typed(MEETING, sim.event_tagged("double_slash_uuid")["id"]),
    ]
    seen = []
    results = load_many(
        client, refs, FIXED_NOW, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert [r.state for r in results] == [
        EventState.NOT_ENDED,
        EventState.NOT_READY,
        EventState.READY,
    ]


def test_load_many_goes_through_the_given_loader(sim, client):
    calls = []

    def loader(client_, ref, now):
        calls.append(ref.key)
        return AttendanceResult(ref, EventState.NOT_ENDED)

    refs = [typed(MEETING, "812345678"), typed(WEBINAR, "912345678")]
    load_many(client, refs, FIXED_NOW, load=loader)
    assert calls == ["meeting:812345678", "webinar:912345678"]
    assert sim.api_calls() == []


def test_headings_make_equal_labels_unique():
    ref = EventRef(MEETING, 812345678, None, "Sync", FIXED_NOW, 30)
    results = [AttendanceResult(ref, EventState.READY), AttendanceResult(ref, EventState.ERROR)]
    first, second = attendance.headings(results)
    assert first.label == "Meeting: Sync (29 Nov 2026 12:00)"
    assert second.label == first.label + " #2"
    assert (second.state, second.event_id) == ("Could not load", "812345678")


def test_file_stem_is_safe_for_a_uuid():
    ref = typed(MEETING, "/z0QJ3oB+hWZx9O9oy0WaA==")
    assert attendance.file_stem(ref) == "meeting-_z0QJ3oB_hWZx9O9oy0WaA_"
