"""Attendance charts: pure plotly, frames from :mod:`erbium_zoom.reports` in, figures out.

No I/O, no streamlit. Every figure has a title and labelled axes, and reads on a light and a dark
background: the backgrounds are transparent, grid lines are half-transparent grey, and the
trace colours are mid-luminance (at least 3:1 contrast against both white and Streamlit's dark
background). Streamlit's own chart theme, when applied, replaces the template's fonts and
backgrounds; the explicit trace colours stay.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from erbium_zoom.views import zone

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
    figure = _figure("Attendees per minute", f"Time ({zone(tz).key})", "Attendees present")
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
    figure = _figure("Minutes attended per attendee", "Minutes attended", "Attendees")
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
    figure = _figure("Registrants and attendees per event", "Event", "People")
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


def attendance_rate_figure(summary: pd.DataFrame) -> go.Figure:
    """Attendance rate (%) of each event with a rate, by start time."""
    rated = summary[summary["Attendance rate (%)"].notna() & summary["Start"].notna()]
    rated = rated.sort_values("Start", kind="stable")
    figure = _figure("Attendance rate over time", "Event start", "Attendance rate (%)")
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
