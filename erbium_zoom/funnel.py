"""The funnel of a past event: registered → approved → attended → stayed. Pure pandas.

Each step is a subset of the one before, so the funnel follows approved registrants only:

- **registered**: everyone in Zoom's three registrant lists (approved, pending, denied);
- **approved**: the approved list;
- **attended**: approved registrants found among the attendees (the people with at least the
  page's threshold of minutes; matched by registrant ID or e-mail, as for absentees);
- **stayed**: of those, the ones present for at least X % of the scheduled length.

Attendees who were not approved registrants (the host, panelists, walk-ins) are counted apart as
guests: they are in the attendance rate but not in a funnel of registrants. Without a scheduled
length the last step cannot be known and is left blank (None), never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from erbium_zoom.models import REGISTRANT_STATUSES, Registrant

DEFAULT_STAY_PERCENT = 50
ALL_EVENTS = "All events"
STEP_NAMES = ("Registered", "Approved", "Attended", "Stayed")


@dataclass(frozen=True)
class Funnel:
    """One event's funnel (or the sum over events)."""

    label: str
    registered: int
    approved: int
    attended: int
    stayed: int | None  # None: the scheduled length is unknown
    guests: int  # attendees outside the funnel
    threshold_minutes: float
    stay_percent: float
    scheduled_minutes: int | None
    unknown_length: int = 0  # in a sum: events whose "stayed" could not be counted

    @property
    def steps(self) -> list[tuple[str, int | None]]:
        counts = (self.registered, self.approved, self.attended, self.stayed)
        return list(zip(STEP_NAMES, counts, strict=True))


def share(part: int | None, whole: int | None) -> float | None:
    """``part`` as a percentage of ``whole``; None when either is unknown or ``whole`` is 0."""
    if part is None or not whole:
        return None
    return 100 * part / whole


def percent_text(part: int | None, whole: int | None) -> str:
    value = share(part, whole)
    return "—" if value is None else f"{value:.1f} %"


def event_funnel(
    label: str,
    people: pd.DataFrame,
    registrants: Mapping[str, Sequence[Registrant]],
    *,
    threshold_minutes: float,
    scheduled_minutes: int | None,
    stay_percent: float = DEFAULT_STAY_PERCENT,
) -> Funnel:
    """The funnel from :func:`reports.classify_people`'s ``people`` (with ``attended``) and the
    registrant lists per status."""
    came = people[people["attended"]]
    by_id: dict[str, list[int]] = {}
    by_email: dict[str, list[int]] = {}
    for position, row in enumerate(came.itertuples(index=False)):
        if row.registrant_id:
            by_id.setdefault(row.registrant_id, []).append(position)
        if row.email:
            by_email.setdefault(row.email.lower(), []).append(position)
    minutes = came["minutes"].to_list()
    matched_people: set[int] = set()
    attended = stayed = 0
    needed = None if scheduled_minutes is None else stay_percent / 100 * scheduled_minutes
    for registrant in registrants.get("approved", ()):
        found = set(by_id.get(registrant.id, [])) if registrant.id else set()
        if registrant.email:
            found |= set(by_email.get(registrant.email.lower(), []))
        if not found:
            continue
        matched_people |= found
        attended += 1
        if needed is not None and max(minutes[p] for p in found) >= needed:
            stayed += 1
    return Funnel(
        label=label,
        registered=sum(len(registrants.get(status, ())) for status in REGISTRANT_STATUSES),
        approved=len(registrants.get("approved", ())),
        attended=attended,
        stayed=None if needed is None else stayed,
        guests=len(came) - len(matched_people),
        threshold_minutes=threshold_minutes,
        stay_percent=stay_percent,
        scheduled_minutes=scheduled_minutes,
    )


def total_funnel(funnels: Sequence[Funnel]) -> Funnel:
    """The sum over events; "stayed" over the events whose scheduled length is known."""
    known = [f for f in funnels if f.stayed is not None]
    first = funnels[0] if funnels else None
    return Funnel(
        label=ALL_EVENTS,
        registered=sum(f.registered for f in funnels),
        approved=sum(f.approved for f in funnels),
        attended=sum(f.attended for f in funnels),
        stayed=sum(f.stayed or 0 for f in known) if known else None,
        guests=sum(f.guests for f in funnels),
        threshold_minutes=first.threshold_minutes if first else 0,
        stay_percent=first.stay_percent if first else DEFAULT_STAY_PERCENT,
        scheduled_minutes=None,
        unknown_length=len(funnels) - len(known),
    )


def stayed_step(funnel: Funnel) -> str:
    """'stayed at least 50 % of its 60 minutes' (of the scheduled length, across events)."""
    length = (
        f"its {funnel.scheduled_minutes} scheduled minutes"
        if funnel.scheduled_minutes is not None
        else "the scheduled length"
    )
    return f"stayed at least {funnel.stay_percent:g} % of {length}"


def funnel_sentence(funnel: Funnel) -> str:
    """The funnel written out: every number, and its percentage of the step before."""
    text = (
        f"{funnel.registered:,} registered → {funnel.approved:,} approved "
        f"({percent_text(funnel.approved, funnel.registered)} of registered) → "
        f"{funnel.attended:,} attended for at least {funnel.threshold_minutes:g} min "
        f"({percent_text(funnel.attended, funnel.approved)} of approved)"
    )
    if funnel.stayed is None:
        text += f" → how many {stayed_step(funnel)} is unknown: the scheduled length is not."
    else:
        text += (
            f" → {funnel.stayed:,} {stayed_step(funnel)} "
            f"({percent_text(funnel.stayed, funnel.attended)} of attended). "
            f"In all, {percent_text(funnel.stayed, funnel.registered)} of those who registered "
            "stayed."
        )
    if funnel.unknown_length:
        plural = "s" if funnel.unknown_length != 1 else ""
        text += f" ({funnel.unknown_length} event{plural} without a scheduled length left out.)"
    if funnel.guests:
        plural = "s" if funnel.guests != 1 else ""
        text += (
            f" {funnel.guests:,} other attendee{plural} (host, panelists, guests) were not "
            "approved registrants and are not in the funnel."
        )
    return text


FUNNEL_COLUMNS = [
    "Event",
    "Registered",
    "Approved",
    "Approved (% of registered)",
    "Attended",
    "Attended (% of approved)",
    "Stayed",
    "Stayed (% of attended)",
    "Stayed (% of registered)",
    "Other attendees",
]


def funnel_frame(funnels: Sequence[Funnel]) -> pd.DataFrame:
    """One row per event, then the sum when there are several; percentages rounded to 0.1."""
    rows = list(funnels)
    if len(rows) > 1:
        rows.append(total_funnel(rows))

    def rounded(part: int | None, whole: int | None) -> float | None:
        value = share(part, whole)
        return None if value is None else round(value, 1)

    frame = pd.DataFrame(
        [
            {
                "Event": f.label,
                "Registered": f.registered,
                "Approved": f.approved,
                "Approved (% of registered)": rounded(f.approved, f.registered),
                "Attended": f.attended,
                "Attended (% of approved)": rounded(f.attended, f.approved),
                "Stayed": f.stayed,
                "Stayed (% of attended)": rounded(f.stayed, f.attended),
                "Stayed (% of registered)": rounded(f.stayed, f.registered),
                "Other attendees": f.guests,
            }
            for f in rows
        ],
        columns=FUNNEL_COLUMNS,
    )
    frame["Stayed"] = frame["Stayed"].astype("Int64")
    for column in FUNNEL_COLUMNS:
        if "%" in column:
            frame[column] = frame[column].astype("Float64")
    return frame
