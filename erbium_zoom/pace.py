"""Registration pace: how many had registered for an event, day by day, before its start.

Pure: registrants (each with Zoom's ``create_time``) in, a daily curve and words out. No I/O, no
streamlit. Days are calendar days in the viewer's time zone; a day without registrations counts
zero, so the curve has one row per day, from the first registration to the last day shown
(today for an upcoming event; the start, or the last registration if later, for a past one).
Curves of different events line up by *days before the start*: 0 is the day of the start, 7 the
same weekday a week before.

The statuses are the registrants' statuses now (Zoom keeps no history of them), and people who
cancelled are no longer in Zoom's lists, so a past curve is the registrations that remained.

Two scales. In *people*, every curve counts registrations. When the events compared differ a lot
in size (a past event ten times larger flattens this one into a line at the bottom), the *share
of final* scale draws each past event as a percentage of its own final total, and the upcoming
event, whose final is not known yet, as a percentage of the final it would reach if it kept the
past events' median pace from today (:func:`projection`): its shape before today compares with
theirs whatever the sizes, and the projection is said in words.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from erbium_zoom.models import REGISTRANT_STATUSES, Registrant
from erbium_zoom.zones import zone

if TYPE_CHECKING:
    from erbium_zoom.attendance import EventRef

RECENT_DAYS = 7  # "41 in the last 7 days"
MAX_COMPARISONS = 5  # past events drawn beside an upcoming one
PACE_COLUMNS = ["day", "days_before", "new", *REGISTRANT_STATUSES, "total"]
PEOPLE, SHARE = "people", "share"  # the pace chart's scales
SCALES = {PEOPLE: "People", SHARE: "Share of final (%)"}
SIZE_RATIO = 3.0  # events this many times apart in size: the share scale by default


@dataclass(frozen=True)
class PaceCurve:
    """One event's cumulative registrations per day, with what is needed to compare it."""

    label: str
    start_day: date  # the day of the start, in the viewer's zone
    frame: pd.DataFrame  # PACE_COLUMNS: one row per day; statuses and total are cumulative
    days_to_go: int | None  # upcoming: days from today to the start day; None for a past event
    undated: int = 0  # registrants without a create_time: counted in no day

    @property
    def total(self) -> int:
        """Registrations on the curve by its last day."""
        return int(self.frame["new"].sum())

    def total_at(self, days_before: int) -> int:
        """Registrations by the end of the day ``days_before`` days before the start."""
        return int(self.frame.loc[self.frame["days_before"] >= days_before, "new"].sum())

    def recent(self, days: int = RECENT_DAYS) -> int:
        """Registrations in the curve's last ``days`` days (today included, for an upcoming one)."""
        return int(self.frame["new"].tail(days).sum())

    def by_status(self) -> dict[str, int]:
        """Registrations per status (now) on the curve."""
        if self.frame.empty:
            return dict.fromkeys(REGISTRANT_STATUSES, 0)
        last = self.frame.iloc[-1]
        return {status: int(last[status]) for status in REGISTRANT_STATUSES}


def comparable_past(refs: Iterable[EventRef]) -> list[EventRef]:
    """The past events a pace can be compared with (the Registration pace page's choices and the
    watcher's): a single event with its numeric ID and start, in the order given (most recent
    first). A recurring series' one registrant list spans all its occurrences: left out."""
    return [
        ref
        for ref in refs
        if ref.event_id is not None and ref.start is not None and not ref.recurring
    ]


def local_day(moment: datetime, tz: str | None) -> date:
    """The calendar day of a moment in a time zone (UTC when unknown)."""
    return moment.astimezone(zone(tz)).date()


def pace_curve(
    registrants: Iterable[Registrant],
    start: datetime,
    tz: str | None,
    *,
    label: str,
    today: date | None = None,
) -> PaceCurve:
    """The daily curve of one event's registrants.

    ``today`` (in the viewer's zone) marks an upcoming event: its curve runs to today, however
    long ago the last registration was. Without it the curve is a past event's: it runs to the
    day of the start (or to a later registration).
    """
    start_day = local_day(start, tz)
    per_day: dict[date, dict[str, int]] = {}
    undated = 0
    for registrant in registrants:
        if registrant.create_time is None:
            undated += 1
            continue
        day = local_day(registrant.create_time, tz)
        counts = per_day.setdefault(day, dict.fromkeys(REGISTRANT_STATUSES, 0))
        counts[registrant.status] = counts.get(registrant.status, 0) + 1
    last = max([today or start_day, *per_day])
    first = min([last, *per_day])
    rows = []
    running, total = dict.fromkeys(REGISTRANT_STATUSES, 0), 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        new = per_day.get(day, {})
        for status in REGISTRANT_STATUSES:
            running[status] += new.get(status, 0)
        total += sum(new.values())  # a status Zoom may add later still counts here
        rows.append(
            {
                "day": day,
                "days_before": (start_day - day).days,
                "new": sum(new.values()),
                **running,
                "total": total,
            }
        )
    frame = pd.DataFrame(rows, columns=PACE_COLUMNS)
    frame = frame.astype({column: "int64" for column in PACE_COLUMNS[1:]})
    days_to_go = (start_day - today).days if today is not None else None
    return PaceCurve(label, start_day, frame, days_to_go, undated)


def _days_to_go(days: int) -> str:
    if days == 0:
        return "on the day of the start"
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} after the start"
    return f"with {days} day{'s' if days != 1 else ''} to go"


def pace_sentence(curve: PaceCurve, comparisons: Sequence[PaceCurve] = ()) -> str:
    """One line: '312 registered with 12 days to go, 41 in the last 7 days (5.9 a day);
    Spring Release had 280 at this point (340 in all).'"""
    recent = curve.recent()
    text = f"{curve.total:,} registered"
    if curve.days_to_go is not None:
        text += f" {_days_to_go(curve.days_to_go)}"
    text += f", {recent:,} in the last {RECENT_DAYS} days ({recent / RECENT_DAYS:.1f} a day)"
    point = curve.days_to_go if curve.days_to_go is not None else 0
    for other in comparisons:
        text += f"; {other.label} had {other.total_at(point):,} at this point"
        text += f" ({other.total:,} in all)"
    text += "."
    if curve.undated == 1:
        text += " 1 registrant without a registration time is not counted."
    elif curve.undated:
        text += f" {curve.undated:,} registrants without a registration time are not counted."
    return text


def pace_summary(curve: PaceCurve, comparisons: Sequence[PaceCurve], tz: str | None) -> str:
    """What the pace chart shows, in words, for people who would rather read."""
    frame = curve.frame
    statuses = ", ".join(f"{n:,} {status}" for status, n in curve.by_status().items())
    if frame.empty:
        return f"No registrations for {curve.label}."
    earliest = int(frame["days_before"].iloc[0])
    end = "today" if curve.days_to_go is not None else "the start"
    text = (
        f"Cumulative registrations for {curve.label} per calendar day in {zone(tz).key}, from "
        f"{earliest} days before the start to {end}, stacked by status now ({statuses})."
    )
    if comparisons:
        others = ", ".join(f"{other.label} ({other.total:,})" for other in comparisons)
        text += f" Dashed and dotted lines: {others}, each aligned by days before its own start."
    return text


# ---- the share-of-final scale ------------------------------------------------------------------


def share_at(curve: PaceCurve, days_before: int) -> float | None:
    """The share (%) of the curve's final total registered by the end of the day ``days_before``
    days before the start; None when the curve has no registrations."""
    if curve.total == 0:
        return None
    return 100 * curve.total_at(days_before) / curve.total


def share_of_final(curve: PaceCurve) -> list[float] | None:
    """Each day's cumulative total as a share (%) of the curve's final total (a past event's
    curve ends at 100); None when the curve has no registrations."""
    if curve.total == 0:
        return None
    return [100 * int(n) / curve.total for n in curve.frame["total"]]


@dataclass(frozen=True)
class Projection:
    """Where an upcoming event would end if it kept the past events' median pace from today."""

    days_before: int  # today, in days before the start
    shares: tuple[float, ...]  # each usable past event's share of its final by then (%)
    registered: int  # this event's registrations by today
    share: float  # the median of ``shares`` (%)

    @property
    def final(self) -> float:
        """The final total this event would reach: registrations now ÷ the median share."""
        return 100 * self.registered / self.share


def projection(curve: PaceCurve, comparisons: Sequence[PaceCurve]) -> Projection | None:
    """This (upcoming) event's projected final from the past events' shares at the same point.

    Past events without registrations by that point say nothing about the pace and are left out;
    None when none is left or this event has no registrations yet.
    """
    point = curve.days_to_go if curve.days_to_go is not None else 0
    shares = tuple(s for s in (share_at(other, point) for other in comparisons) if s)
    if not shares or curve.total_at(point) == 0:
        return None
    return Projection(point, shares, curve.total_at(point), statistics.median(shares))


def default_scale(curves: Sequence[PaceCurve], comparisons: Sequence[PaceCurve]) -> str:
    """SHARE when the events drawn together differ at least SIZE_RATIO times in size (a past
    event's final against another's, or against an upcoming event's projected final, else its
    registrations so far); PEOPLE otherwise, and always without past events."""
    finals = [float(other.total) for other in comparisons if other.total > 0]
    if not finals:
        return PEOPLE
    for curve in curves or [None]:
        sizes = list(finals)
        if curve is not None:
            projected = projection(curve, comparisons)
            own = projected.final if projected else float(curve.total)
            if own > 0:
                sizes.append(own)
        if max(sizes) >= SIZE_RATIO * min(sizes):
            return SHARE
    return PEOPLE


def share_summary(curve: PaceCurve, comparisons: Sequence[PaceCurve]) -> str:
    """What the share-of-final chart shows, beyond :func:`pace_summary`: each past event's share
    at this point and the projection this event is drawn against."""
    point = curve.days_to_go if curve.days_to_go is not None else 0
    if point == 0:
        when = "on the day of the start"
    else:
        days = f"{abs(point)} day{'s' if abs(point) != 1 else ''}"
        when = f"{days} {'before' if point > 0 else 'after'} the start"
    parts = []
    for other in comparisons:
        share = share_at(other, point)
        if share is None:
            parts.append(f"{other.label} had no registrations, so it is not drawn")
        else:
            parts.append(
                f"{other.label} had {share:.0f} % of its {other.total:,} registrations {when}"
            )
    text = "Share of final registrations: " + "; ".join(parts) + "."
    projected = projection(curve, comparisons)
    if projected is None:
        reason = (
            "it has no registrations yet"
            if curve.total_at(point) == 0
            else f"the past events had no registrations {when}"
        )
        return text + f" {curve.label} is not drawn: {reason}, so its final cannot be projected."
    return text + (
        f" {curve.label} is drawn as a share of about {projected.final:,.0f}, the total it would "
        f"reach at the past events' median pace: {projected.registered:,} registered now ÷ "
        f"{projected.share:.0f} %."
    )
