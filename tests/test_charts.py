"""Each attendance figure checked through its data, its title and its axis titles."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from erbium_zoom import charts
from erbium_zoom.models import RegistrantCounts
from erbium_zoom.reports import AttendanceSettings, EventHeading, EventSummary, summary_frame

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def titles(figure) -> tuple[str, str, str]:
    layout = figure.layout
    return layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text


def summary(attendees: int, approved: int | None, rate: float | None) -> EventSummary:
    return EventSummary(
        registrants=None if approved is None else RegistrantCounts(approved, 0, 0),
        participants=attendees,
        attendees=attendees,
        registered_attendees=attendees,
        guests=0,
        below_threshold=0,
        attendance_rate=rate,
        absentees=None,
        total_minutes=0.0,
        median_minutes=None,
        late_joiners=None,
        early_leavers=None,
        rejoiners=0,
        peak_concurrent=attendees,
        peak_minute=None,
        settings=AttendanceSettings(),
    )


@pytest.fixture
def across() -> pd.DataFrame:
    """Three loaded events out of start order, one without registration, one not loaded."""
    rows = [
        (
            EventHeading("March", "Webinar", "3", datetime(2026, 3, 5, 17, tzinfo=UTC), "Loaded"),
            summary(30, 40, 0.75),
        ),
        (
            EventHeading("January", "Meeting", "1", datetime(2026, 1, 8, 9, tzinfo=UTC), "Loaded"),
            summary(9, 10, 0.9),
        ),
        (
            EventHeading("Walk-in", "Meeting", "2", datetime(2026, 2, 1, 9, tzinfo=UTC), "Loaded"),
            summary(7, None, None),
        ),
        (EventHeading("Later", "Meeting", "4", None, "Report not ready yet"), None),
    ]
    return summary_frame(rows, "Europe/Paris")


def test_timeline_figure_plots_attendees_per_minute_in_the_viewers_zone():
    timeline = pd.DataFrame(
        {
            "minute": pd.date_range(START, periods=3, freq="min"),
            "attendees": [1, 4, 2],
        }
    )
    figure = charts.timeline_figure(timeline, tz="Europe/Paris", start=START)
    assert titles(figure) == ("Attendees per minute", "Time (Europe/Paris)", "Attendees present")
    trace = figure.data[0]
    assert list(trace.y) == [1, 4, 2]
    assert pd.Timestamp(trace.x[0]) == pd.Timestamp("2026-03-02 11:00")  # UTC+1, wall clock
    assert len(figure.layout.shapes) == 1  # the scheduled start; no end given


def test_minutes_histogram_bars_are_the_bands():
    distribution = pd.DataFrame(
        {
            "from_minutes": [0, 10],
            "to_minutes": [10, 20],
            "label": ["0–10", "10–20"],
            "people": [3, 5],
        }
    )
    figure = charts.minutes_histogram(distribution)
    assert titles(figure) == ("Minutes attended per attendee", "Minutes attended", "Attendees")
    assert list(figure.data[0].x) == ["0–10", "10–20"]
    assert list(figure.data[0].y) == [3, 5]


def test_registrants_vs_attendees_groups_two_bars_per_loaded_event(across):
    figure = charts.registrants_vs_attendees_figure(across)
    assert titles(figure) == ("Registrants and attendees per event", "Event", "People")
    registrants, attendees = figure.data
    assert registrants.name == "Approved registrants" and attendees.name == "Unique attendees"
    assert list(registrants.customdata) == ["March", "January", "Walk-in"]  # not "Later"
    assert list(registrants.x) == ["March", "January", "Walk-in"]  # short: not wrapped
    assert list(registrants.y) == [40, 10, None]
    assert list(attendees.y) == [30, 9, 7]
    assert figure.layout.barmode == "group"


def test_attendance_rate_over_time_is_in_start_order_and_skips_events_without_rate(across):
    figure = charts.attendance_rate_figure(across)
    assert titles(figure) == ("Attendance rate over time", "Event start", "Attendance rate (%)")
    trace = figure.data[0]
    assert list(trace.text) == ["January", "March"]
    assert list(trace.y) == [90.0, 75.0]
    assert pd.Timestamp(trace.x[0]) == pd.Timestamp("2026-01-08 10:00")  # Paris wall clock


def test_figures_read_on_light_and_dark_backgrounds():
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    for colour in charts.PALETTE:
        assert contrast(colour, "#FFFFFF") >= 3, colour
        assert contrast(colour, "#0E1117") >= 3, colour  # Streamlit's dark background
    figure = charts.minutes_histogram(
        pd.DataFrame({"label": ["0–5"], "people": [1], "from_minutes": [0], "to_minutes": [5]})
    )
    template = figure.layout.template.layout
    assert template.paper_bgcolor == "rgba(0, 0, 0, 0)"
    assert template.plot_bgcolor == "rgba(0, 0, 0, 0)"
    assert figure.data[0].marker.color in charts.PALETTE


def test_long_event_names_wrap_under_their_bars():
    label = "Meeting: Customer Advisory Board (27 Oct 2026 16:00)"
    wrapped = charts.wrap_label(label)
    assert wrapped == "Meeting: Customer<br>Advisory Board (27 Oct<br>2026 16:00)"
    assert wrapped.replace("<br>", " ") == label
