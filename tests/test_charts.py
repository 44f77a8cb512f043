"""Each figure checked through its data, its title, its axis titles and its words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from erbium_zoom import charts, pace
from erbium_zoom.funnel import Funnel
from erbium_zoom.models import Registrant, RegistrantCounts
from erbium_zoom.pace import pace_curve
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
    assert titles(figure) == (
        "Attendees per minute",
        "Time (Europe/Paris)",
        "Attendees present (people)",
    )
    trace = figure.data[0]
    assert list(trace.y) == [1, 4, 2]
    assert pd.Timestamp(trace.x[0]) == pd.Timestamp("2026-03-02 11:00")  # UTC+1, wall clock
    assert len(figure.layout.shapes) == 1  # the scheduled start; no end given
    assert charts.describe_timeline(timeline, "Europe/Paris") == (
        "Attendees present each minute from 11:00 to 11:02 (Europe/Paris), dotted lines at the "
        "scheduled start and end: at most 4, first at 11:01; 2 in the last minute."
    )


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
    assert titles(figure) == (
        "Minutes attended per attendee",
        "Minutes attended (min)",
        "Attendees (people)",
    )
    assert list(figure.data[0].x) == ["0–10", "10–20"]
    assert list(figure.data[0].y) == [3, 5]
    assert charts.describe_minutes(distribution) == (
        "Minutes attended by 8 attendees in bands of 10 min (0–10 min: 3, 10–20 min: 5); "
        "the most, 5, stayed 10–20 min."
    )


def test_registrants_vs_attendees_groups_two_bars_per_loaded_event(across):
    figure = charts.registrants_vs_attendees_figure(across)
    assert titles(figure) == ("Registrants and attendees per event", "Event", "People (count)")
    registrants, attendees = figure.data
    assert registrants.name == "Approved registrants" and attendees.name == "Unique attendees"
    assert list(registrants.customdata) == ["March", "January", "Walk-in"]  # not "Later"
    assert list(registrants.x) == ["March", "January", "Walk-in"]  # short: not wrapped
    assert list(registrants.y) == [40, 10, None]
    assert list(attendees.y) == [30, 9, 7]
    assert figure.layout.barmode == "group"
    assert charts.describe_registrants_vs_attendees(across) == (
        "Approved registrants and unique attendees per event. March: 40 approved, 30 attended; "
        "January: 10 approved, 9 attended; Walk-in: no registrant list, 7 attended."
    )


def test_attendance_rate_over_time_is_in_start_order_and_skips_events_without_rate(across):
    figure = charts.attendance_rate_figure(across, "Europe/Paris")
    assert titles(figure) == (
        "Attendance rate over time",
        "Event start (Europe/Paris)",
        "Attendance rate (%)",
    )
    trace = figure.data[0]
    assert list(trace.text) == ["January", "March"]
    assert list(trace.y) == [90.0, 75.0]
    assert pd.Timestamp(trace.x[0]) == pd.Timestamp("2026-01-08 10:00")  # Paris wall clock
    assert charts.describe_attendance_rate(across, "Europe/Paris") == (
        "Attendance rate by event start (Europe/Paris): January: 90.0 %; March: 75.0 %."
    )


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


# ---- registration pace and the funnel ---------------------------------------------------------


def pace_of(label: str, days_before_counts: dict[int, int], *, today: int | None = None):
    """A curve whose registrants came ``n`` at a time ``d`` days before a start at noon UTC."""
    start = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
    people = [
        Registrant(f"{label}{d}-{k}", "", "", "", "approved" if k else "pending",
                   start - timedelta(days=d), None)
        for d, n in days_before_counts.items()
        for k in range(n)
    ]  # fmt: skip
    now = None if today is None else (start - timedelta(days=today)).date()
    return pace_curve(people, start, "UTC", label=label, today=now)


def test_pace_figure_stacks_this_events_statuses_and_draws_past_events_dashed():
    upcoming = pace_of("Launch", {5: 2, 3: 1}, today=2)
    past = pace_of("Spring", {6: 1, 1: 3})
    figure = charts.pace_figure(upcoming, [past], "Europe/Paris")
    assert titles(figure) == (
        "Registration pace: Launch",
        "Days before the start (calendar days in Europe/Paris)",
        "Registrations so far (people)",
    )
    approved, pending, denied, spring = figure.data
    assert list(approved.x) == [5, 4, 3, 2] and list(approved.y) == [1, 1, 1, 1]
    assert list(pending.y) == [1, 1, 2, 2] and list(denied.y) == [0, 0, 0, 0]
    assert {approved.stackgroup, pending.stackgroup, denied.stackgroup} == {"this"}
    assert spring.name == "Spring" and spring.line.dash == "dash"
    assert list(spring.x) == [6, 5, 4, 3, 2, 1, 0] and list(spring.y) == [1, 1, 1, 1, 1, 4, 4]
    assert figure.layout.xaxis.autorange == "reversed"  # time runs left to right
    assert figure.layout.shapes[0].x0 == 2  # today


def test_pace_figure_in_shares_keeps_a_ten_times_smaller_event_readable():
    # Launch: 2 five days out, 1 more three days out; 3 with 2 days to go. Big: 10 six days out,
    # 30 one day out: 40 in all, so 25 % by 2 days before, and Launch would end near 3 / 25 %.
    upcoming = pace_of("Launch", {5: 2, 3: 1}, today=2)
    big = pace_of("Big", {6: 10, 1: 30})
    people = charts.pace_figure(upcoming, [big], "UTC")
    assert max(people.data[-1].y) == 40 and sum(t.y[-1] for t in people.data[:3]) == 3
    figure = charts.pace_figure(upcoming, [big], "UTC", scale=pace.SHARE)
    assert titles(figure) == (
        "Registration pace: Launch (share of final)",
        "Days before the start (calendar days in UTC)",
        "Share of final registrations (%)",
    )
    approved, pending, denied, line = figure.data
    assert list(line.y) == [25.0] * 5 + [100.0, 100.0]  # its own final is 100
    assert list(approved.y) == [8.3, 8.3, 8.3, 8.3] and list(pending.y) == [8.3, 8.3, 16.7, 16.7]
    this_now = approved.y[-1] + pending.y[-1] + denied.y[-1]
    assert this_now == pytest.approx(25, abs=0.1)  # on the past event's share at this point
    assert figure.layout.yaxis.ticksuffix == " %"
    # Nothing to project from (Big had nobody 8 days out): the past event's line alone.
    unprojected = charts.pace_figure(pace_of("Early", {9: 1}, today=8), [big], "UTC", pace.SHARE)
    assert [t.name for t in unprojected.data] == ["Big"]


def test_pace_legend_sits_below_the_plot_clear_of_the_title():
    upcoming = pace_of("Launch", {5: 2, 3: 1}, today=2)
    long_names = [pace_of(f"Webinar: a rather long past event name number {n}", {4: n + 1})
                  for n in range(pace.MAX_COMPARISONS)]  # fmt: skip
    for comparisons in ([], long_names[:1], long_names):
        layout = charts.pace_figure(upcoming, comparisons, "UTC").layout
        legend = layout.legend
        # Anchored by its bottom edge to the bottom of the figure: however many rows the names
        # take, it grows up towards the plot area (plotly makes room), never into the title.
        assert (legend.yref, legend.y, legend.yanchor) == ("container", 0, "bottom")
        assert legend.orientation == "h"
        assert layout.title.y is None  # plotly's place for it: the top margin, ...
        assert layout.margin.t >= 40  # ... kept for the title alone
        assert layout.showlegend
        rows = -(-len(charts.pace_figure(upcoming, comparisons, "UTC").data) // 2)
        assert layout.height == charts.PACE_HEIGHT + rows * charts.PACE_LEGEND_ROW_PIXELS
    assert charts.pace_figure(upcoming, long_names, "UTC").layout.height > 500


def test_funnel_figure_draws_the_known_steps_with_their_labels():
    figure = charts.funnel_figure(Funnel("Launch", 7, 5, 3, 2, 2, 5, 50, 60))
    assert titles(figure) == ("Funnel: Launch", "People (count)", "Step")
    trace = figure.data[0]
    assert list(trace.x) == [7, 5, 3, 2]
    assert list(trace.y) == [
        "Registered",
        "Approved",
        "Attended (≥ 5 min)",
        "Stayed (≥ 50 % of length)",
    ]
    assert list(trace.text) == [
        "7 people",
        "5 people<br>71.4 % of the step before",
        "3 people<br>60.0 % of the step before",
        "2 people<br>66.7 % of the step before",
    ]
    assert figure.layout.xaxis.visible and not figure.layout.xaxis.showticklabels
    unknown = charts.funnel_figure(Funnel("Open", 7, 5, 3, None, 0, 5, 50, None))
    assert list(unknown.data[0].x) == [7, 5, 3]


def test_funnel_comparison_shows_shares_of_registered_per_event():
    funnels = [Funnel("A", 8, 6, 4, 2, 0, 1, 50, 60), Funnel("B", 10, 10, 5, None, 0, 1, 50, None)]
    figure = charts.funnel_comparison_figure(funnels)
    assert titles(figure) == (
        "Funnel per event, as a share of registered",
        "Step",
        "Share of registered (%)",
    )
    a, b = figure.data
    assert list(a.y) == [100.0, 75.0, 50.0, 25.0]
    assert list(b.y)[:3] == [100.0, 100.0, 50.0] and b.y[3] is None
    assert figure.layout.margin.t == charts.MARGIN["t"]  # two short names: one legend row
    long_names = [Funnel(f"Webinar: a rather long event name number {n}", 8, 6, 4, 2, 0, 1, 50,
                         60) for n in range(5)]  # fmt: skip
    assert charts.funnel_comparison_figure(long_names).layout.margin.t > charts.MARGIN["t"]
    assert charts.describe_funnel_comparison(funnels) == (
        "Share of each event's registrants who were registered, approved, attended, and stayed "
        "at least 50 % of the scheduled length: A: 100.0 %, 75.0 %, 50.0 %, 25.0 %; "
        "B: 100.0 %, 100.0 %, 50.0 %, unknown."
    )
