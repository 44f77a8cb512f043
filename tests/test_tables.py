"""Tables at a laptop's width: which columns each page shows first, and the attendance summary
as words (no "None", start times in the viewer's zone)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from erbium_zoom.activity import Entry
from erbium_zoom.models import Event, EventKind, RegistrantCounts
from erbium_zoom.profiles import Profile
from erbium_zoom.reports import (
    ABSENTEE_COLUMNS,
    PEOPLE_TABLE_COLUMNS,
    AttendanceSettings,
    EventHeading,
    EventSummary,
    summary_frame,
)
from erbium_zoom.scopes import classify_scopes
from erbium_zoom.views import (
    ABSENTEE_TABLE,
    CHECKLIST_TABLE,
    CLIENT_TABLE,
    EVENT_TABLE,
    NOT_KNOWN,
    PEOPLE_TABLE,
    ROSTER_TABLE,
    SUMMARY_RATE,
    SUMMARY_TABLE,
    Columns,
    activity_frame,
    activity_table,
    checklist_frame,
    clients_frame,
    events_frame,
    roster_frame,
    summary_table,
)

WEBINAR = Event(
    kind=EventKind.WEBINAR,
    id=81,
    uuid="u81",
    topic="Launch",
    type=5,
    start_time=datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
    duration=60,
    timezone="America/New_York",
    join_url="https://zoom.us/j/81",
    host_id="h1",
    approval_type=0,
)
ENTRY = Entry(
    1,
    datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
    "ed@erbium.example",
    "Acme",
    "acct-1",
    "approve",
    "81",
    2,
    ("r1", "r2"),
    "204 No Content",
    "Approved 2 registrants.",
)


def test_main_columns_come_first_and_the_rest_only_on_demand():
    table = Columns(main=("C", "A"), hidden=("secret_sort_key",))
    columns = ["A", "B", "C", "secret_sort_key", "D"]
    assert table.order(columns) == ["C", "A"]
    assert table.order(columns, more=True) == ["C", "A", "B", "D"]
    assert table.more(columns) == ["B", "D"]
    assert table.order(["A", "B"]) == ["A"]  # a main column the frame lacks is left out


# Each page's table: the frame it shows, and what must be visible without "More columns".
TABLES = {
    "events": (
        lambda: events_frame(
            [WEBINAR], {("webinar", 81): RegistrantCounts(3, 1, 0)}, viewer_tz="UTC"
        ),
        EVENT_TABLE,
        ["Topic", "Host", "Join link", "Approved", "Pending", "Denied"],
    ),
    "activity": (
        lambda: activity_frame([ENTRY], "Europe/Paris"),
        activity_table("Europe/Paris"),
        ["When (Europe/Paris)", "Who", "Action", "Zoom's answer", "Message"],
    ),
    "clients": (
        lambda: clients_frame([Profile("Acme", "acct-1", "cid")], {}),
        CLIENT_TABLE,
        ["Profile", "Status", "Plan problems", "Missing scopes"],
    ),
    "roster": (lambda: roster_frame({}), ROSTER_TABLE, ["Client", "Status", "Plan problems"]),
    "checklist": (
        lambda: checklist_frame(classify_scopes(""), "webinar"),
        CHECKLIST_TABLE,
        ["Scope", "Status", "Zoom endpoint"],
    ),
}


@pytest.mark.parametrize("name", TABLES)
def test_each_tables_important_columns_are_among_the_first_shown(name):
    make, table, important = TABLES[name]
    frame = make()
    assert set(table.main) <= set(frame.columns), "a main column the frame does not have"
    shown = table.order(frame.columns)
    assert set(important) <= set(shown)
    assert len(shown) <= 7  # what fits 820 pixels of a 1280-pixel-wide window
    assert set(table.order(frame.columns, more=True)) | set(table.hidden) == set(frame.columns)


def test_an_events_people_show_who_came_and_how_long_before_their_ids():
    assert set(PEOPLE_TABLE.main) <= set(PEOPLE_TABLE_COLUMNS)
    assert {"Minutes", "Attended", "Late", "Early"} <= set(PEOPLE_TABLE.main)
    assert {"Registrant ID", "Sessions"}.isdisjoint(PEOPLE_TABLE.main)
    assert set(ABSENTEE_TABLE.main) <= set(ABSENTEE_COLUMNS)
    assert "Registrant ID" not in ABSENTEE_TABLE.main


def test_tables_leave_ids_and_settings_for_more_columns():
    assert "start_utc" in EVENT_TABLE.hidden
    assert {"Start (event time)", "Event time zone", "ID"}.isdisjoint(EVENT_TABLE.main)
    assert {"Account ID", "Registrant IDs"}.isdisjoint(activity_table().main)
    assert {"Account ID", "Source"}.isdisjoint(CLIENT_TABLE.main)
    assert "Group" in CHECKLIST_TABLE.hidden  # said by the heading above each group's table


# ---- the attendance summary as words ------------------------------------------------------------


def summary(attendees: int, approved: int | None, rate: float | None) -> EventSummary:
    return EventSummary(
        registrants=None if approved is None else RegistrantCounts(approved, 2, 1),
        participants=attendees,
        attendees=attendees,
        registered_attendees=attendees,
        guests=1,
        below_threshold=0,
        attendance_rate=rate,
        absentees=None if approved is None else approved - attendees,
        total_minutes=61234.56,
        median_minutes=None if attendees == 0 else 42.25,
        late_joiners=None,
        early_leavers=3,
        rejoiners=0,
        peak_concurrent=attendees,
        peak_minute=None,
        settings=AttendanceSettings(),
    )


@pytest.fixture
def across() -> pd.DataFrame:
    """A loaded webinar, a report not ready yet, and a loaded meeting without registration
    whose start is unknown."""
    return summary_frame(
        [
            (
                EventHeading(
                    "Summit", "Webinar", "91", datetime(2026, 11, 10, 17, tzinfo=UTC), "Loaded"
                ),
                summary(1001, 1180, 0.848),
            ),
            (
                EventHeading(
                    "Review",
                    "Meeting",
                    "87",
                    datetime(2026, 12, 4, 17, tzinfo=UTC),
                    "Report not ready yet",
                ),
                None,
            ),
            (EventHeading("Walk-in", "Meeting", "12", None, "Loaded"), summary(7, None, None)),
        ],
        "Europe/Paris",
    )


def test_summary_table_has_words_in_every_cell_and_no_none(across):
    table = summary_table(across, "Europe/Paris")
    assert len(table) == 3
    cells = table.to_numpy().ravel().tolist()
    assert all(isinstance(cell, str) and cell for cell in cells)
    assert not {"None", "nan", "NaN", "<NA>", "NaT"} & set(cells)
    review = table.iloc[1]
    assert review["State"] == "Report not ready yet"
    assert set(review.drop(["Event", "Kind", "ID", "Start (Europe/Paris)", "State"])) == {NOT_KNOWN}


def test_summary_table_formats_times_in_the_viewers_zone_like_the_events_page(across):
    table = summary_table(across, "Europe/Paris")
    assert "Start" not in table.columns
    assert list(table["Start (Europe/Paris)"]) == [
        "Tue 10 Nov 2026 18:00",  # 17:00 UTC is 18:00 in Paris (UTC+1)
        "Fri 04 Dec 2026 18:00",
        NOT_KNOWN,
    ]
    assert "+00:00" not in " ".join(table["Start (Europe/Paris)"])
    heading = EventHeading("x", "Webinar", "1", WEBINAR.start_time, "Loaded")
    tokyo = summary_table(summary_frame([(heading, None)], "Asia/Tokyo"), "Asia/Tokyo")
    assert list(tokyo["Start (Asia/Tokyo)"]) == ["Sat 05 Dec 2026 02:00"]  # UTC+9


def test_summary_table_numbers_read_as_numbers(across):
    summit = summary_table(across, "Europe/Paris").iloc[0]
    assert (summit["Approved"], summit["Attendees"], summit["Peak concurrent"]) == (
        "1,180",
        "1,001",
        "1,001",
    )
    assert summit[SUMMARY_RATE] == "84.8 %"
    assert (summit["Total minutes"], summit["Median minutes"]) == ("61,234.6", "42.2")
    assert summit["Late joiners"] == NOT_KNOWN and summit["Early leavers"] == "3"
    walk_in = summary_table(across, "Europe/Paris").iloc[2]
    assert (walk_in["Approved"], walk_in[SUMMARY_RATE], walk_in["Attendees"]) == (
        NOT_KNOWN,
        NOT_KNOWN,
        "7",
    )


def test_summary_tables_main_columns_exist_and_start_with_the_event_and_its_state(across):
    table = summary_table(across, "UTC")
    assert set(SUMMARY_TABLE.main) <= set(table.columns)
    assert SUMMARY_TABLE.main[:2] == ("Event", "State")
    assert {"Approved", "Attendees", SUMMARY_RATE} <= set(SUMMARY_TABLE.main)
