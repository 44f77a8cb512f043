"""Attendance metrics from Zoom's participant reports and registrant lists: pure pandas.

Rows in (``models.Participant``, ``models.Registrant``), frames and metrics out. No I/O, no
streamlit: every function here is tested on small hand-built inputs.

Who is who. Zoom's report has one row per join session; a rejoin is a new row with a new
``user_id``. Rows are joined into one person when they share a ``registrant_id``, a
``participant_user_id`` or an e-mail address (compared lower-cased); a row with none of these is
matched by its display name alone. The person's key is their strongest identifier, in the order
registrant_id → participant_user_id → e-mail → name. Two different people with the same name and
no other identifier (guests who did not sign in, call-in users) cannot be told apart and count
as one person; people who have any identifier are never matched by name.

Who counts. Everyone in Zoom's report counts: the host, panelists and guests who never
registered included, so the attendance rate can exceed 100 %. A person counts as an attendee
when their minutes (the union of their sessions, so two devices at once count once) reach the
``attended_threshold_minutes``. Guests count as attendees but never as absentees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from erbium_zoom.models import REGISTRANT_STATUSES, Participant, Registrant, RegistrantCounts
from erbium_zoom.zones import zone

ATTENDANCE_RATE_FORMULA = "Attendance rate = unique attendees ÷ approved registrants"

PARTICIPANT_COLUMNS = [
    "person",
    "name",
    "email",
    "registrant_id",
    "participant_user_id",
    "user_id",
    "join_time",
    "leave_time",
    "duration_s",
]
PEOPLE_COLUMNS = [
    "person",
    "name",
    "email",
    "registrant_id",
    "participant_user_id",
    "first_join",
    "last_leave",
    "minutes",
    "sessions",
    "rejoins",
]
TIMELINE_COLUMNS = ["minute", "attendees"]
DISTRIBUTION_COLUMNS = ["from_minutes", "to_minutes", "label", "people"]
ABSENTEE_COLUMNS = ["Name", "Email", "Registrant ID", "Registered (UTC)", "Joined", "Minutes"]
PEOPLE_TABLE_COLUMNS = [
    "Name",
    "Email",
    "Registrant ID",
    "First join",
    "Last leave",
    "Minutes",
    "Sessions",
    "Attended",
    "Late",
    "Early",
]
SUMMARY_COLUMNS = [
    "Event",
    "Kind",
    "ID",
    "Start",
    "State",
    "Approved",
    "Pending",
    "Denied",
    "Attendees",
    "Guests",
    "Attendance rate (%)",
    "Absentees",
    "Total minutes",
    "Median minutes",
    "Late joiners",
    "Early leavers",
    "Peak concurrent",
]

# Identifier kinds in the order they name a person (strongest first).
_KEY_ORDER = ("registrant", "user", "email", "name", "join")
_MINUTE = pd.Timedelta(minutes=1)


@dataclass(frozen=True)
class AttendanceSettings:
    """What counts: the attended threshold and the late / early margins, all in minutes."""

    attended_threshold_minutes: float = 1.0  # below it a join (a mis-click, a test) is ignored
    late_minutes: float = 10.0  # joined more than this after the scheduled start
    early_minutes: float = 10.0  # left more than this before the scheduled end

    def __post_init__(self) -> None:
        for name in ("attended_threshold_minutes", "late_minutes", "early_minutes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")


@dataclass(frozen=True)
class EventSummary:
    """The metrics of one event. ``None`` means "cannot be known" (not zero)."""

    registrants: RegistrantCounts | None  # None: registration off or the list did not load
    participants: int  # distinct people in the report, whatever their minutes
    attendees: int  # distinct people with at least the threshold minutes
    registered_attendees: int  # attendees matched to a registrant (by ID or e-mail)
    guests: int  # attendees who did not register (host, panelists, walk-ins)
    below_threshold: int  # joined, but for less than the threshold
    attendance_rate: float | None  # attendees ÷ approved registrants; None without approved
    absentees: int | None  # approved registrants who did not attend
    total_minutes: float  # over attendees
    median_minutes: float | None  # per attendee
    late_joiners: int | None  # None without a scheduled start
    early_leavers: int | None  # None without a scheduled end
    rejoiners: int  # attendees with more than one session
    peak_concurrent: int
    peak_minute: datetime | None  # the first minute (UTC) the peak was reached
    settings: AttendanceSettings

    @property
    def approved(self) -> int | None:
        return None if self.registrants is None else self.registrants.approved


@dataclass(frozen=True)
class EventAnalysis:
    """Everything the page shows for one event: the tables behind the metrics, and them."""

    people: pd.DataFrame  # one row per person, with attended / late / early flags
    timeline: pd.DataFrame  # attendees per minute
    distribution: pd.DataFrame  # attendees per band of minutes attended
    absentees: pd.DataFrame
    summary: EventSummary


@dataclass(frozen=True)
class EventHeading:
    """What names an event in the across-events table."""

    label: str
    kind: str
    event_id: str
    start: datetime | None
    state: str


# ---- sessions and people --------------------------------------------------------------------


def participants_frame(rows: Iterable[Participant]) -> pd.DataFrame:
    """One row per join session, with the ``person`` key that joins rejoins together."""
    records = [
        {
            "name": row.name.strip(),
            "email": row.user_email.strip(),
            "registrant_id": row.registrant_id.strip(),
            "participant_user_id": row.participant_user_id.strip(),
            "user_id": row.user_id,
            "join_time": row.join_time,
            "leave_time": row.leave_time,
            "duration_s": int(row.duration or 0),
        }
        for row in rows
    ]
    frame = pd.DataFrame(records, columns=PARTICIPANT_COLUMNS[1:])
    for column in ("join_time", "leave_time"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["duration_s"] = frame["duration_s"].astype("int64")
    frame.insert(0, "person", person_keys(frame))
    return frame


def person_keys(frame: pd.DataFrame) -> pd.Series:
    """A key per session row; rows of one person get the same key (see the module docstring)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    row_nodes: list[tuple[str, str]] = []
    for position, row in enumerate(frame.itertuples(index=False)):
        ids = [
            (kind, value)
            for kind, value in (
                ("registrant", _text(row.registrant_id)),
                ("user", _text(row.participant_user_id)),
                ("email", _text(row.email).lower()),
            )
            if value
        ]
        if not ids:
            name = _text(row.name)
            # Without a name either, each join stands alone (its per-join user_id).
            ids = [("name", name)] if name else [("join", _text(row.user_id) or str(position))]
        for node in ids[1:]:
            parent[find(node)] = find(ids[0])
        find(ids[0])
        row_nodes.append(ids[0])

    best: dict[tuple[str, str], tuple[str, str]] = {}
    for node in parent:
        root = find(node)
        if root not in best or _KEY_ORDER.index(node[0]) < _KEY_ORDER.index(best[root][0]):
            best[root] = node
    keys = [":".join(best[find(node)]) for node in row_nodes]
    return pd.Series(keys, index=frame.index, dtype="str")


def merge_people(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per person: first join, last leave, minutes present, sessions and rejoins."""
    rows = frame.assign(_leave=_leave_times(frame), _order=range(len(frame)))
    rows = rows.sort_values(["join_time", "_order"], na_position="last", kind="stable")
    by_person = rows.groupby("person", sort=False)
    text = rows[["name", "email", "registrant_id", "participant_user_id"]].replace("", None)
    people = text.groupby(rows["person"], sort=False).first().fillna("")
    people["first_join"] = by_person["join_time"].min()
    people["last_leave"] = by_person["_leave"].max()
    people["minutes"] = _present_seconds(rows).add(_untimed_seconds(rows), fill_value=0) / 60
    people["sessions"] = by_person.size()
    people["rejoins"] = people["sessions"] - 1
    people = people.rename_axis("person").reset_index()
    for column in ("first_join", "last_leave"):
        people[column] = pd.to_datetime(people[column], utc=True)
    people["minutes"] = people["minutes"].fillna(0.0).astype("float64")
    people[["sessions", "rejoins"]] = people[["sessions", "rejoins"]].astype("int64")
    for column in ("person", "name", "email", "registrant_id", "participant_user_id"):
        people[column] = people[column].astype("str")
    people = people[PEOPLE_COLUMNS]
    return people.sort_values(["first_join", "person"], kind="stable").reset_index(drop=True)


def classify_people(
    people: pd.DataFrame,
    settings: AttendanceSettings,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.DataFrame:
    """``people`` with ``attended``, ``late`` and ``early`` columns (late/early need times)."""
    marked = people.copy()
    marked["attended"] = marked["minutes"] >= settings.attended_threshold_minutes
    late = pd.Series(False, index=marked.index)
    early = pd.Series(False, index=marked.index)
    if start is not None:
        cutoff = pd.Timestamp(start) + pd.Timedelta(minutes=settings.late_minutes)
        late = (marked["first_join"] > cutoff).fillna(False)
    if end is not None:
        cutoff = pd.Timestamp(end) - pd.Timedelta(minutes=settings.early_minutes)
        early = (marked["last_leave"] < cutoff).fillna(False)
    marked["late"] = (late & marked["attended"]).astype(bool)
    marked["early"] = (early & marked["attended"]).astype(bool)
    return marked


# ---- per-minute presence and minutes attended -----------------------------------------------


def timeline(
    frame: pd.DataFrame, start: datetime | None = None, end: datetime | None = None
) -> pd.DataFrame:
    """People present in each minute (UTC), from the scheduled start (or first join) to the end.

    A person counts once in a minute when any of their sessions covers any part of it, so a
    rejoin within the same minute or two devices at once never count twice.
    """
    timed = frame[frame["join_time"].notna()]
    bounds = [pd.Timestamp(t) for t in (start, end) if t is not None]
    if not timed.empty:
        leaves = _leave_times(timed)
        bounds += [timed["join_time"].min(), leaves.max()]
    if not bounds:
        return pd.DataFrame(
            {"minute": pd.Series(dtype="datetime64[ns, UTC]"), "attendees": []},
            columns=TIMELINE_COLUMNS,
        ).astype({"attendees": "int64"})
    first = min(bounds).floor("min")
    last = max(bounds).ceil("min")
    count = max(int((last - first) / _MINUTE), 1)
    deltas = [0] * (count + 1)
    if not timed.empty:
        spans = pd.DataFrame(
            {
                "person": timed["person"],
                "a": ((timed["join_time"] - first) // _MINUTE).astype("int64"),
                "b": _last_minute_index(timed["join_time"], leaves, first),
            }
        )
        for _, group in spans.groupby("person", sort=False):
            for lo, hi in _merge_ranges(zip(group["a"], group["b"], strict=True)):
                deltas[lo] += 1
                deltas[min(hi, count - 1) + 1] -= 1
    counts, running = [], 0
    for index in range(count):
        running += deltas[index]
        counts.append(running)
    minutes = pd.date_range(first, periods=count, freq="min")
    return pd.DataFrame({"minute": minutes, "attendees": counts}, columns=TIMELINE_COLUMNS)


def peak(timeline_frame: pd.DataFrame) -> tuple[int, datetime | None]:
    """The most people present in one minute, and the first minute that happened."""
    if timeline_frame.empty or int(timeline_frame["attendees"].max()) == 0:
        return 0, None
    index = int(timeline_frame["attendees"].to_numpy().argmax())
    return (
        int(timeline_frame["attendees"].iloc[index]),
        timeline_frame["minute"].iloc[index].to_pydatetime(),
    )


def minutes_distribution(people: pd.DataFrame, bin_minutes: int | None = None) -> pd.DataFrame:
    """Attendees per band of minutes attended ([from, to) bands, width picked when not given)."""
    attended = people[people["attended"]] if "attended" in people else people
    minutes = attended["minutes"]
    if minutes.empty:
        return pd.DataFrame(columns=DISTRIBUTION_COLUMNS).astype(
            {"from_minutes": "int64", "to_minutes": "int64", "people": "int64"}
        )
    most = float(minutes.max())
    width = bin_minutes or (5 if most <= 60 else 10 if most <= 180 else 30)
    bands = math.floor(most / width) + 1
    counts = [0] * bands
    for value in minutes:
        counts[min(int(value // width), bands - 1)] += 1
    lows = [band * width for band in range(bands)]
    return pd.DataFrame(
        {
            "from_minutes": lows,
            "to_minutes": [low + width for low in lows],
            "label": [f"{low}–{low + width}" for low in lows],
            "people": counts,
        },
        columns=DISTRIBUTION_COLUMNS,
    )


# ---- one event --------------------------------------------------------------------------------


def registrant_counts(registrants: Mapping[str, Sequence[Registrant]]) -> RegistrantCounts:
    """Registrants per status from the lists."""
    return RegistrantCounts(*(len(registrants.get(status, ())) for status in REGISTRANT_STATUSES))


def absentees_frame(
    registrants: Mapping[str, Sequence[Registrant]], people: pd.DataFrame
) -> pd.DataFrame:
    """Approved registrants who did not attend: never joined, or stayed under the threshold."""
    attended = people[people["attended"]] if "attended" in people else people
    came_ids = set(attended["registrant_id"]) - {""}
    came_emails = {e.lower() for e in attended["email"]} - {""}
    brief = people[~people["attended"]] if "attended" in people else people.iloc[0:0]
    brief_minutes: dict[str, float] = {}
    for row in brief.itertuples(index=False):
        for key in (row.registrant_id, row.email.lower()):
            if key:
                brief_minutes[key] = brief_minutes.get(key, 0.0) + float(row.minutes)
    rows = []
    for registrant in registrants.get("approved", ()):
        if registrant.id in came_ids or (registrant.email.lower() in came_emails - {""}):
            continue
        minutes = brief_minutes.get(registrant.id, brief_minutes.get(registrant.email.lower()))
        rows.append(
            {
                "Name": registrant.name,
                "Email": registrant.email,
                "Registrant ID": registrant.id,
                "Registered (UTC)": registrant.create_time.strftime("%Y-%m-%d %H:%M")
                if registrant.create_time
                else "",
                "Joined": "never" if minutes is None else "under the threshold",
                "Minutes": round(minutes or 0.0, 1),
            }
        )
    frame = pd.DataFrame(rows, columns=ABSENTEE_COLUMNS)
    frame["Minutes"] = frame["Minutes"].astype("float64")
    return frame


def analyse_event(
    frame: pd.DataFrame,
    registrants: Mapping[str, Sequence[Registrant]] | None,
    settings: AttendanceSettings | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> EventAnalysis:
    """People, timeline, distribution, absentees and the summary of one event.

    ``frame`` is :func:`participants_frame`; ``registrants`` maps status → list (None when
    registration is off or the lists could not be loaded); ``start``/``end`` are the scheduled
    times of this occurrence (None when unknown: no late/early then).
    """
    settings = settings or AttendanceSettings()
    people = classify_people(merge_people(frame), settings, start, end)
    attended = people[people["attended"]]
    present = timeline(frame[frame["person"].isin(set(attended["person"]))], start, end)
    peak_count, peak_minute = peak(present)

    counts = registrant_counts(registrants) if registrants is not None else None
    if registrants is not None:
        everyone = [r for status in REGISTRANT_STATUSES for r in registrants.get(status, ())]
        ids = {r.id for r in everyone} - {""}
        emails = {r.email.lower() for r in everyone} - {""}
        matched = attended["registrant_id"].isin(ids) | attended["email"].str.lower().isin(emails)
        absentees = absentees_frame(registrants, people)
    else:
        matched = attended["registrant_id"] != ""
        absentees = absentees_frame({}, people)
    registered = int(matched.sum())
    minutes = attended["minutes"]
    summary = EventSummary(
        registrants=counts,
        participants=len(people),
        attendees=len(attended),
        registered_attendees=registered,
        guests=len(attended) - registered,
        below_threshold=len(people) - len(attended),
        attendance_rate=attendance_rate(len(attended), counts.approved if counts else None),
        absentees=len(absentees) if registrants is not None else None,
        total_minutes=float(minutes.sum()),
        median_minutes=float(minutes.median()) if len(minutes) else None,
        late_joiners=int(attended["late"].sum()) if start is not None else None,
        early_leavers=int(attended["early"].sum()) if end is not None else None,
        rejoiners=int((attended["sessions"] > 1).sum()),
        peak_concurrent=peak_count,
        peak_minute=peak_minute,
        settings=settings,
    )
    return EventAnalysis(
        people=people,
        timeline=present,
        distribution=minutes_distribution(people),
        absentees=absentees,
        summary=summary,
    )


def event_summary(
    frame: pd.DataFrame,
    registrants: Mapping[str, Sequence[Registrant]] | None,
    settings: AttendanceSettings | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> EventSummary:
    """The metrics of one event (see :func:`analyse_event`)."""
    return analyse_event(frame, registrants, settings, start, end).summary


def attendance_rate(attendees: int, approved: int | None) -> float | None:
    """Unique attendees ÷ approved registrants; None when there are no approved registrants."""
    if not approved:
        return None
    return attendees / approved


def rate_formula_text(summary: EventSummary) -> str:
    """The formula with this event's numbers, for showing next to the rate."""
    threshold = f"{summary.settings.attended_threshold_minutes:g}"
    attendees = f"{summary.attendees} unique attendees (at least {threshold} min)"
    if summary.registrants is None:
        return f"{ATTENDANCE_RATE_FORMULA}: no registrant list, so no rate ({attendees})."
    if not summary.registrants.approved:
        return f"{ATTENDANCE_RATE_FORMULA}: no approved registrants, so no rate ({attendees})."
    return (
        f"{ATTENDANCE_RATE_FORMULA} = {attendees} ÷ {summary.registrants.approved} approved "
        f"registrants = {summary.attendance_rate:.1%}. Guests who did not register (the host "
        "included) count as attendees, so the rate can pass 100 %."
    )


def people_table(people: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """The merged people as a table for reading and download (times in ``tz``)."""
    table = pd.DataFrame(
        {
            "Name": people["name"],
            "Email": people["email"],
            "Registrant ID": people["registrant_id"],
            "First join": _clock(people["first_join"], tz),
            "Last leave": _clock(people["last_leave"], tz),
            "Minutes": people["minutes"].round(1),
            "Sessions": people["sessions"],
            "Attended": people.get("attended", pd.Series(True, index=people.index)),
            "Late": people.get("late", pd.Series(False, index=people.index)),
            "Early": people.get("early", pd.Series(False, index=people.index)),
        },
        columns=PEOPLE_TABLE_COLUMNS,
    )
    return table.reset_index(drop=True)


def clock_text(moment: datetime | None, tz: str = "UTC") -> str:
    """A moment as "29 Nov 14:05" in ``tz``; "—" when None."""
    if moment is None:
        return "—"
    return f"{pd.Timestamp(moment).tz_convert(_tz_name(tz)):%d %b %H:%M}"


# ---- across events ----------------------------------------------------------------------------


def summary_frame(
    entries: Iterable[tuple[EventHeading, EventSummary | None]], tz: str = "UTC"
) -> pd.DataFrame:
    """One row per event, in the order given; metrics blank for events that did not load."""
    rows = []
    for heading, summary in entries:
        row: dict[str, object] = {
            "Event": heading.label,
            "Kind": heading.kind,
            "ID": heading.event_id,
            "Start": heading.start,
            "State": heading.state,
        }
        if summary is not None:
            counts = summary.registrants
            row.update(
                {
                    "Approved": counts.approved if counts else None,
                    "Pending": counts.pending if counts else None,
                    "Denied": counts.denied if counts else None,
                    "Attendees": summary.attendees,
                    "Guests": summary.guests,
                    "Attendance rate (%)": None
                    if summary.attendance_rate is None
                    else round(100 * summary.attendance_rate, 1),
                    "Absentees": summary.absentees,
                    "Total minutes": round(summary.total_minutes, 1),
                    "Median minutes": None
                    if summary.median_minutes is None
                    else round(summary.median_minutes, 1),
                    "Late joiners": summary.late_joiners,
                    "Early leavers": summary.early_leavers,
                    "Peak concurrent": summary.peak_concurrent,
                }
            )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    frame["Start"] = pd.to_datetime(frame["Start"], utc=True).dt.tz_convert(_tz_name(tz))
    for column in SUMMARY_COLUMNS[5:]:
        float_column = column in ("Attendance rate (%)", "Total minutes", "Median minutes")
        frame[column] = pd.array(
            [None if pd.isna(v) else v for v in frame[column]],
            dtype="Float64" if float_column else "Int64",
        )
    return frame


# ---- helpers ----------------------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _leave_times(frame: pd.DataFrame) -> pd.Series:
    """Leave time, or join + duration when Zoom left it out."""
    fallback = frame["join_time"] + pd.to_timedelta(frame["duration_s"], unit="s")
    leaves = frame["leave_time"].fillna(fallback)
    return leaves.where(leaves >= frame["join_time"], frame["join_time"])


def _present_seconds(rows: pd.DataFrame) -> pd.Series:
    """Per person, seconds covered by the union of their timed sessions (overlaps once).

    ``rows`` are sorted by join time and carry ``_leave``.
    """
    timed = rows[rows["join_time"].notna()]
    if timed.empty:
        return pd.Series(dtype="float64")
    reach = timed.groupby("person", sort=False)["_leave"].cummax()
    previous = reach.groupby(timed["person"], sort=False).shift()
    # A session starts a new block unless it begins before the person's sessions so far end.
    block = (previous.isna() | (timed["join_time"] > previous)).cumsum()
    blocks = timed.groupby(block).agg(
        person=("person", "first"), start=("join_time", "min"), end=("_leave", "max")
    )
    blocks["seconds"] = (blocks["end"] - blocks["start"]).dt.total_seconds()
    return blocks.groupby("person", sort=False)["seconds"].sum()


def _untimed_seconds(rows: pd.DataFrame) -> pd.Series:
    """Per person, the reported duration of sessions that have no join time."""
    untimed = rows[rows["join_time"].isna()]
    return untimed.groupby("person", sort=False)["duration_s"].sum().astype("float64")


def _last_minute_index(joins: pd.Series, leaves: pd.Series, first: pd.Timestamp) -> pd.Series:
    """The index of the last minute a session touches (its join minute when it has no length)."""
    seconds = (leaves - first).dt.total_seconds()
    last = (seconds / 60).apply(math.ceil).astype("int64") - 1
    join_index = ((joins - first) // _MINUTE).astype("int64")
    return last.where(last >= join_index, join_index)


def _merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive integer ranges merged where they overlap or touch."""
    merged: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def _tz_name(tz: str | None) -> str:
    return str(zone(tz).key)  # zones.zone decides what an unknown zone becomes


def _clock(times: pd.Series, tz: str) -> pd.Series:
    converted = pd.to_datetime(times, utc=True).dt.tz_convert(_tz_name(tz))
    return converted.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")


__all__ = [
    "ATTENDANCE_RATE_FORMULA",
    "AttendanceSettings",
    "EventAnalysis",
    "EventHeading",
    "EventSummary",
    "absentees_frame",
    "analyse_event",
    "attendance_rate",
    "classify_people",
    "event_summary",
    "merge_people",
    "minutes_distribution",
    "participants_frame",
    "peak",
    "people_table",
    "person_keys",
    "rate_formula_text",
    "registrant_counts",
    "summary_frame",
    "timeline",
]
