"""Charts: pure plotly, frames from :mod:`erbium_zoom.reports`, :mod:`~erbium_zoom.pace` and
:mod:`~erbium_zoom.funnel` in, figures and words out.

No I/O, no streamlit. Every figure has a title and axis titles with their units, and names the
time zone of any time or day on it. Each figure has words that say what it shows, for people who
would rather read and for screen readers (the ``describe_*`` functions here,
:func:`pace.pace_summary`, :func:`funnel.funnel_sentence`); pages show the two together.
Figures read on a light and a dark background: the backgrounds are transparent, grid lines are
half-transparent grey, and the trace colours are mid-luminance (at least 3:1 contrast against
both white and Streamlit's dark background). Streamlit's own chart theme, when applied, replaces
the template's fonts and backgrounds; the explicit trace colours stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from erbium_zoom import pace
from erbium_zoom.funnel import Funnel, percent_text, share
from erbium_zoom.pace import PaceCurve
from erbium_zoom.zones import zone

# Mid-luminance: each has ≥ 3:1 contrast on #FFFFFF and on #0E1117 (Streamlit's dark background).
PALETTE = ("#1C7ED6", "#D9480F", "#2F9E44", "#9467BD", "#C2255C")
REGISTRANTS_COLOUR, ATTENDEES_COLOUR = PALETTE[0], PALETTE[1]
GRID = "rgba(128, 128, 128, 0.25)"

_AXIS = {"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID, "automargin": True}
TEMPLATE = go.layout.Template(
    layout=go.Layout(
        colorway=list(PALETTE),
        paper_bgcolor="rgba(0, 0, 0, 0)",
        plot_bgcolor="rgba(0, 0, 0, 0)",
        font={"color": "#8A8F98"},  # mid grey: readable on both when no theme is applied
        xaxis=_AXIS,
        yaxis=_AXIS,
        hovermode="x unified",
    )
)
# Set on the figure itself, not the template: Streamlit's chart theme replaces the template's
# layout, and a legend it places itself lands on the title.
LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"}
MARGIN = {"l": 10, "r": 10, "t": 90, "b": 10}
LEGEND_ROW_CHARACTERS = 110  # about what one legend row holds on a full-width chart
LEGEND_ROW_PIXELS = 22
LABEL_WIDTH = 22  # characters per line of an event name under a bar


def _figure(title: str, x_title: str, y_title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        template=TEMPLATE,
        title={"text": title},
        xaxis_title={"text": x_title},
        yaxis_title={"text": y_title},
        legend=LEGEND,
        margin=MARGIN,
        showlegend=False,
    )
    return figure


def _room_for_legend(figure: go.Figure) -> None:
    """A taller top margin when long names wrap the legend onto more rows (it grows upwards,
    towards the title)."""
    characters = sum(len(trace.name or "") + 6 for trace in figure.data)  # + the symbol
    rows = max(1, -(-characters // LEGEND_ROW_CHARACTERS))
    figure.update_layout(margin={**MARGIN, "t": MARGIN["t"] + (rows - 1) * LEGEND_ROW_PIXELS})


def _whole_numbers(figure: go.Figure, largest: float) -> None:
    """Counts of people: no 0.5 ticks on a small axis."""
    if largest <= 10:
        figure.update_yaxes(tick0=0, dtick=1)


def wrap_label(text: str, width: int = LABEL_WIDTH) -> str:
    """A long event name broken into lines (plotly's ``<br>``) so it fits under its bars."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _wall_clock(values: pd.Series, tz: str) -> pd.Series:
    """Aware times as naive wall-clock times in ``tz`` (plotly shows naive times as they are)."""
    converted = pd.to_datetime(values, utc=True).dt.tz_convert(str(zone(tz).key))
    return converted.dt.tz_localize(None)


def timeline_figure(
    timeline: pd.DataFrame,
    *,
    tz: str = "UTC",
    start: datetime | None = None,
    end: datetime | None = None,
) -> go.Figure:
    """Attendees present per minute, with the scheduled start and end as dotted lines."""
    figure = _figure("Attendees per minute", f"Time ({zone(tz).key})", "Attendees present (people)")
    figure.add_trace(
        go.Scatter(
            x=_wall_clock(timeline["minute"], tz),
            y=timeline["attendees"],
            mode="lines",
            line={"shape": "hv", "color": PALETTE[0], "width": 2},
            fill="tozeroy",
            name="Attendees",
            hovertemplate="%{y} present<extra></extra>",
        )
    )
    for moment in (start, end):
        if moment is not None:
            x = _wall_clock(pd.Series([moment]), tz).iloc[0]
            figure.add_shape(
                type="line",
                x0=x,
                x1=x,
                y0=0,
                y1=1,
                yref="paper",
                line={"color": GRID.replace("0.25", "0.8"), "dash": "dot", "width": 1},
            )
    figure.update_yaxes(rangemode="tozero")
    _whole_numbers(figure, max(timeline["attendees"], default=0))
    return figure


def minutes_histogram(distribution: pd.DataFrame) -> go.Figure:
    """How many attendees stayed how long (bands from ``reports.minutes_distribution``)."""
    figure = _figure(
        "Minutes attended per attendee", "Minutes attended (min)", "Attendees (people)"
    )
    figure.add_trace(
        go.Bar(
            x=distribution["label"],
            y=distribution["people"],
            marker_color=PALETTE[2],
            name="Attendees",
            hovertemplate="%{x} min: %{y} attendees<extra></extra>",
        )
    )
    figure.update_layout(bargap=0.05)
    _whole_numbers(figure, max(distribution["people"], default=0))
    return figure


def registrants_vs_attendees_figure(summary: pd.DataFrame) -> go.Figure:
    """Approved registrants next to attendees, one pair of bars per loaded event."""
    loaded = summary[summary["Attendees"].notna()]
    figure = _figure("Registrants and attendees per event", "Event", "People (count)")
    for column, name, colour in (
        ("Approved", "Approved registrants", REGISTRANTS_COLOUR),
        ("Attendees", "Unique attendees", ATTENDEES_COLOUR),
    ):
        figure.add_trace(
            go.Bar(
                x=[wrap_label(label) for label in loaded["Event"]],
                y=[None if pd.isna(v) else int(v) for v in loaded[column]],
                customdata=list(loaded["Event"]),
                name=name,
                marker_color=colour,
                hovertemplate="%{customdata}<br>" + name + ": %{y}<extra></extra>",
            )
        )
    figure.update_layout(barmode="group", showlegend=True, hovermode="closest")
    return figure


def _rated(summary: pd.DataFrame) -> pd.DataFrame:
    """The events with a rate and a start, in start order."""
    rated = summary[summary["Attendance rate (%)"].notna() & summary["Start"].notna()]
    return rated.sort_values("Start", kind="stable")


def attendance_rate_figure(summary: pd.DataFrame, tz: str = "UTC") -> go.Figure:
    """Attendance rate (%) of each event with a rate, by start time (``Start`` already in
    ``tz``, as :func:`reports.summary_frame` gives it)."""
    rated = _rated(summary)
    figure = _figure(
        "Attendance rate over time", f"Event start ({zone(tz).key})", "Attendance rate (%)"
    )
    starts = rated["Start"]
    if len(starts) and getattr(starts.dt, "tz", None) is not None:
        starts = starts.dt.tz_localize(None)  # already in the viewer's zone: keep wall time
    figure.add_trace(
        go.Scatter(
            x=list(starts),
            y=[float(v) for v in rated["Attendance rate (%)"]],
            text=list(rated["Event"]),
            mode="lines+markers",
            line={"color": PALETTE[3], "width": 2},
            marker={"size": 9},
            name="Attendance rate",
            hovertemplate="%{text}<br>%{y:.1f} %<extra></extra>",
        )
    )
    figure.update_yaxes(rangemode="tozero", ticksuffix=" %")
    return figure


# ---- words beside the attendance charts --------------------------------------------------------


def describe_timeline(timeline: pd.DataFrame, tz: str = "UTC") -> str:
    """'Attendees present each minute from 11:00 to 12:05 (Europe/Paris): at most 41, …'."""
    if timeline.empty or int(timeline["attendees"].max()) == 0:
        return "Nobody was present for the threshold, so the per-minute chart is empty."
    clock = _wall_clock(timeline["minute"], tz)
    most = int(timeline["attendees"].max())
    first_peak = clock.iloc[int(timeline["attendees"].to_numpy().argmax())]
    return (
        f"Attendees present each minute from {clock.iloc[0]:%H:%M} to {clock.iloc[-1]:%H:%M} "
        f"({zone(tz).key}), dotted lines at the scheduled start and end: at most {most:,}, "
        f"first at {first_peak:%H:%M}; {int(timeline['attendees'].iloc[-1]):,} in the last "
        "minute."
    )


def describe_minutes(distribution: pd.DataFrame) -> str:
    """Every band of the histogram, and the fullest."""
    if distribution.empty:
        return "No attendees, so no minutes to show."
    width = int(distribution["to_minutes"].iloc[0] - distribution["from_minutes"].iloc[0])
    bands = ", ".join(
        f"{label} min: {int(n):,}"
        for label, n in zip(distribution["label"], distribution["people"], strict=True)
    )
    fullest = distribution.iloc[int(distribution["people"].to_numpy().argmax())]
    return (
        f"Minutes attended by {int(distribution['people'].sum()):,} attendees in bands of "
        f"{width} min ({bands}); the most, {int(fullest['people']):,}, stayed "
        f"{fullest['label']} min."
    )


def describe_registrants_vs_attendees(summary: pd.DataFrame) -> str:
    """Each loaded event's approved registrants and unique attendees."""
    loaded = summary[summary["Attendees"].notna()]
    parts = []
    for row in loaded.itertuples(index=False):
        approved = (
            "no registrant list" if pd.isna(row.Approved) else f"{int(row.Approved):,} approved"
        )
        parts.append(f"{row.Event}: {approved}, {int(row.Attendees):,} attended")
    return "Approved registrants and unique attendees per event. " + "; ".join(parts) + "."


def describe_attendance_rate(summary: pd.DataFrame, tz: str = "UTC") -> str:
    """Each rate in start order (the events' labels carry their start)."""
    rated = _rated(summary)
    if rated.empty:
        return "No event has an attendance rate: it needs approved registrants and a start."
    parts = [
        f"{event}: {float(rate):.1f} %"
        for event, rate in zip(rated["Event"], rated["Attendance rate (%)"], strict=True)
    ]
    return f"Attendance rate by event start ({zone(tz).key}): " + "; ".join(parts) + "."


# ---- registration pace -------------------------------------------------------------------------

STATUS_COLOURS = {"approved": PALETTE[0], "pending": PALETTE[3], "denied": PALETTE[4]}
# Past events: distinct colours and dash patterns (told apart without colour too).
COMPARISON_COLOURS = (PALETTE[1], PALETTE[2], "#868E96")
DASHES = ("dash", "dot", "dashdot", "longdash", "longdashdot")


# Below the plot area, from the bottom edge of the figure: plotly makes room for it there
# (under the axis title), so however many rows long names need, it never reaches the title.
LEGEND_BELOW = {
    "orientation": "h",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "x": 0,
    "xanchor": "left",
}
PACE_HEIGHT = 430  # pixels, without the legend
PACE_LEGEND_ROW_PIXELS = 22
PACE_LEGEND_PER_ROW = 2  # names as long as event topics: about two per row on a laptop


def pace_figure(
    curve: PaceCurve,
    comparisons: Sequence[PaceCurve],
    tz: str = "UTC",
    scale: str = pace.PEOPLE,
) -> go.Figure:
    """This event's cumulative registrations per day, stacked by status, with the past events'
    totals as dashed lines, all by days before their own start (time runs left to right).

    ``scale`` SHARE draws each past event as a share of its final total and this event as a
    share of its projected final (:func:`pace.projection`; not drawn when there is none)."""
    as_share = scale == pace.SHARE
    figure = _figure(
        f"Registration pace: {curve.label}" + (" (share of final)" if as_share else ""),
        f"Days before the start (calendar days in {zone(tz).key})",
        "Share of final registrations (%)" if as_share else "Registrations so far (people)",
    )
    days = list(curve.frame["days_before"])
    projected = pace.projection(curve, comparisons) if as_share else None
    if not as_share or projected is not None:
        factor = 100 / projected.final if projected is not None else 1
        for status, colour in STATUS_COLOURS.items():
            said = f"{status} %{{y}} % of the projected final" if as_share else f"%{{y}} {status}"
            figure.add_trace(
                go.Scatter(
                    x=days,
                    y=[round(n * factor, 1) if as_share else int(n) for n in curve.frame[status]],
                    name=f"{status.capitalize()} (this event)",
                    mode="lines",
                    stackgroup="this",
                    line={"color": colour, "width": 1.5, "shape": "hv"},
                    hovertemplate=f"%{{x}} days before: {said}<extra></extra>",
                )
            )
    for n, other in enumerate(comparisons):
        shares = pace.share_of_final(other) if as_share else None
        if as_share and shares is None:
            continue  # no registrations: no share of anything
        figure.add_trace(
            go.Scatter(
                x=list(other.frame["days_before"]),
                y=[round(v, 1) for v in shares] if shares else list(other.frame["total"]),
                name=other.label,
                mode="lines",
                line={
                    "color": COMPARISON_COLOURS[n % len(COMPARISON_COLOURS)],
                    "dash": DASHES[n % len(DASHES)],
                    "width": 2,
                    "shape": "hv",
                },
                hovertemplate="%{x} days before: %{y}"
                + (" % of its final" if as_share else " registered")
                + "<extra>"
                + other.label
                + "</extra>",
            )
        )
    if curve.days_to_go is not None:
        figure.add_vline(
            x=curve.days_to_go,
            line={"color": GRID.replace("0.25", "0.8"), "dash": "dot", "width": 1},
            annotation_text="today",
            annotation_position="top right",
            annotation_yanchor="top",  # inside the plot
        )
    figure.update_xaxes(autorange="reversed")
    figure.update_yaxes(rangemode="tozero")
    if as_share:
        figure.update_yaxes(ticksuffix=" %")
    rows = -(-len(figure.data) // PACE_LEGEND_PER_ROW)
    figure.update_layout(
        showlegend=True,
        hovermode="closest",
        legend=LEGEND_BELOW,
        margin={**MARGIN, "t": 50},  # the title only: the legend is below
        height=PACE_HEIGHT + rows * PACE_LEGEND_ROW_PIXELS,
    )
    return figure


# ---- the funnel --------------------------------------------------------------------------------


def funnel_steps(funnel: Funnel) -> list[tuple[str, int | None]]:
    """The steps with their labels as drawn: the threshold and X named."""
    labels = (
        "Registered",
        "Approved",
        f"Attended (≥ {funnel.threshold_minutes:g} min)",
        f"Stayed (≥ {funnel.stay_percent:g} % of length)",
    )
    return [(label, n) for label, (_, n) in zip(labels, funnel.steps, strict=True)]


def funnel_figure(funnel: Funnel) -> go.Figure:
    """One event's funnel: each step's people, and its share of the step before."""
    figure = _figure(f"Funnel: {funnel.label}", "People (count)", "Step")
    known = [(label, n) for label, n in funnel_steps(funnel) if n is not None]
    figure.add_trace(
        go.Funnel(
            y=[label for label, _ in known],
            x=[n for _, n in known],
            text=[
                f"{n:,} people"
                + ("" if i == 0 else f"<br>{percent_text(n, known[i - 1][1])} of the step before")
                for i, (_, n) in enumerate(known)
            ],
            textinfo="text",
            marker={"color": [PALETTE[0], PALETTE[3], PALETTE[1], PALETTE[2]][: len(known)]},
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    # The bars are centred, so ticks would read ±; the axis keeps its title (the unit) only.
    figure.update_xaxes(visible=True, showticklabels=False, showgrid=False, zeroline=False)
    return figure


def funnel_comparison_figure(funnels: Sequence[Funnel]) -> go.Figure:
    """Per event, the share of its registrants who reached each step (events of any size)."""
    figure = _figure(
        "Funnel per event, as a share of registered", "Step", "Share of registered (%)"
    )
    for n, funnel in enumerate(funnels):
        steps = funnel_steps(funnel)
        figure.add_trace(
            go.Bar(
                x=[label for label, _ in steps],
                y=[share(count, funnel.registered) for _, count in steps],
                name=funnel.label,
                marker_color=PALETTE[n % len(PALETTE)],
                hovertemplate=funnel.label + "<br>%{x}: %{y:.1f} %<extra></extra>",
            )
        )
    figure.update_yaxes(rangemode="tozero", ticksuffix=" %")
    figure.update_layout(barmode="group", showlegend=True, hovermode="closest")
    _room_for_legend(figure)
    return figure


def describe_funnel_comparison(funnels: Sequence[Funnel]) -> str:
    """Each event's shares of registered, step by step."""
    parts = []
    for funnel in funnels:
        shares = [share(count, funnel.registered) for _, count in funnel.steps]
        parts.append(
            f"{funnel.label}: "
            + ", ".join("unknown" if value is None else f"{value:.1f} %" for value in shares)
        )
    percent = funnels[0].stay_percent if funnels else 0
    return (
        "Share of each event's registrants who were registered, approved, attended, and stayed "
        f"at least {percent:g} % of the scheduled length: " + "; ".join(parts) + "."
    )
