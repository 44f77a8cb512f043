"""The watcher's history for reading: each client's state and since when, a 30-day strip of
its connection states, its changes over time, the watcher's own runs and the messages it could
not send. Pure functions of the history (:mod:`erbium_zoom.watch_history`), the time now and
the viewer's time zone; pages render them through :mod:`erbium_zoom.ui`. No streamlit.

The strip has one cell per day (in the viewer's time zone): the worst state counted that day
(:data:`WORST_FIRST`: Zoom's definite refusals first, then "unreachable", then "not checked",
then connected), or "not watched" for a day without a check. What a pass saw but did not count
(one unreachable pass, by the blip rule) does not colour a day.

The watcher is "late" when its last run started more than twice its usual interval ago (the
median gap between its latest runs), or a day ago when too few runs say what usual is.
Notification destinations appear only as the outbox keeps them: masked.
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from erbium_zoom.views import FIELD_TO_FIX, Columns
from erbium_zoom.watch import (
    CANNOT_AUTHENTICATE,
    CONNECTED,
    NO_PLAN,
    NOT_ACTIVATED,
    NOT_CHECKED,
    SCOPES_MISSING,
    STATE_LABELS,
    UNREACHABLE,
    UNREACHABLE_PASSES,
    ClientState,
    Observation,
)
from erbium_zoom.watch_history import (
    DROPPED,
    PENDING,
    UNKNOWN,
    Check,
    CountedSpan,
    Queued,
    Run,
)
from erbium_zoom.zones import zone

STRIP_DAYS = 30
NOT_WATCHED = "not_watched"
WORST_FIRST = (
    CANNOT_AUTHENTICATE,
    NOT_ACTIVATED,
    SCOPES_MISSING,
    NO_PLAN,
    UNREACHABLE,
    NOT_CHECKED,
    CONNECTED,
)
STRIP_LABELS = {**STATE_LABELS, NOT_WATCHED: "not watched"}
# Red for what the client must fix, amber for Zoom not answering, grey for what could not be
# checked, green for connected, a pale outline for no check at all: told apart by lightness
# too, and every cell says its day and state in words (its title).
COLOURS = {
    CONNECTED: "#2e7d32",
    CANNOT_AUTHENTICATE: "#c62828",
    NOT_ACTIVATED: "#c62828",
    SCOPES_MISSING: "#c62828",
    NO_PLAN: "#c62828",
    UNREACHABLE: "#f9a825",
    NOT_CHECKED: "#757575",
    NOT_WATCHED: "#eceff1",
}
LEGEND = (
    (CONNECTED, "connected"),
    (SCOPES_MISSING, "broken: scopes, credentials, activation or plan"),
    (UNREACHABLE, "Zoom unreachable"),
    (NOT_CHECKED, "not checked"),
    (NOT_WATCHED, "not watched"),
)
NOT_YET = "not watched yet"
DEFAULT_INTERVAL = timedelta(hours=12)  # "usual" when too few runs say: late after a day
USUAL_FROM_RUNS = 10


# ---- words -----------------------------------------------------------------------------------


def moment_text(moment: datetime, tz_name: str | None, now: datetime) -> str:
    """A moment in the viewer's zone, short: "Tue 14:05" this week, "12 Nov 14:05" this year,
    "12 Nov 2025 14:05" before."""
    tz = zone(tz_name)
    local, today = moment.astimezone(tz), now.astimezone(tz)
    if timedelta(0) <= today.date() - local.date() < timedelta(days=6):
        return f"{local:%a %H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y %H:%M}"


def duration_text(length: timedelta) -> str:
    """'40 s', '12 min', '3 h 5 min', '4 days 2 h'."""
    seconds = max(0, int(length.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"


def state_text(seen: Observation) -> str:
    """A state with what it names: "scopes missing: a, b", "cannot authenticate (Client ID or
    Client Secret)", "plan lacks a feature: Webinars"."""
    label = STATE_LABELS.get(seen.state, seen.state)
    if seen.missing or seen.areas:
        return f"{label}: {', '.join(seen.missing or seen.areas)}"
    if seen.state == CANNOT_AUTHENTICATE and seen.field:
        return f"{label} ({FIELD_TO_FIX.get(seen.field, seen.field)})"
    return label


def since_text(state: ClientState, tz_name: str | None, now: datetime) -> str:
    """ "broken since Tue 14:05", "connected since 12 Nov 09:00", or what is not counted yet."""
    if state.counted is None or state.since is None:
        if state.observed is not None and state.observed.state == UNREACHABLE:
            return (
                f"nothing counted yet (Zoom unreachable, {state.observed_count} of "
                f"{UNREACHABLE_PASSES} passes)"
            )
        return "nothing counted yet"
    word = "broken" if state.counted.broken else "connected"
    return f"{word} since {moment_text(state.since, tz_name, now)}"


# ---- the 30-day strip ------------------------------------------------------------------------


@dataclass(frozen=True)
class StripDay:
    day: date
    state: str  # one of WORST_FIRST, or NOT_WATCHED

    @property
    def label(self) -> str:
        return f"{self.day:%a} {self.day.day} {self.day:%b}: {STRIP_LABELS[self.state]}"

    @property
    def colour(self) -> str:
        return COLOURS.get(self.state, COLOURS[NOT_CHECKED])


def worst(states: Sequence[str]) -> str:
    """The worst of these counted states (an unknown one counts as "not checked")."""
    ranks = [
        WORST_FIRST.index(s) if s in WORST_FIRST else WORST_FIRST.index(NOT_CHECKED) for s in states
    ]
    return WORST_FIRST[min(ranks)] if ranks else NOT_WATCHED


def day_strip(
    seen: Sequence[Check | CountedSpan], now: datetime, tz_name: str | None, days: int = STRIP_DAYS
) -> list[StripDay]:
    """One cell per day, oldest first, ending today (viewer's zone): the worst state counted.

    ``seen``: checks, or the history's hourly spans of them (a span's state counts on the
    days of its first and its last check; in a zone with a half-hour offset an hour that
    crosses midnight may colour both days)."""
    tz = zone(tz_name)
    today = now.astimezone(tz).date()
    counted: dict[date, list[str]] = {}
    for item in seen:
        if item.counted:
            for moment in item.moments:
                counted.setdefault(moment.astimezone(tz).date(), []).append(item.counted)
    first = today - timedelta(days=days - 1)
    return [
        StripDay(day, worst(counted.get(day, ())))
        for day in (first + timedelta(days=n) for n in range(days))
    ]


def strip_start(now: datetime, tz_name: str | None, days: int = STRIP_DAYS) -> datetime:
    """The first moment the strip covers (midnight in the viewer's zone): the checks to read."""
    tz = zone(tz_name)
    first = now.astimezone(tz).date() - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=tz)


# ---- All clients: one row per client ---------------------------------------------------------


@dataclass(frozen=True)
class ClientRow:
    client: str
    state: str  # the counted state with its details, or NOT_YET
    broken: bool | None  # None: nothing counted
    since: str
    last_check: str
    strip: tuple[StripDay, ...]
    note: str = ""  # the last pass saw something not counted yet (a blip); a removed profile


def client_rows(
    names: Sequence[str],
    states: Mapping[str, ClientState],
    seen: Sequence[Check | CountedSpan],
    now: datetime,
    tz_name: str | None,
) -> list[ClientRow]:
    """Each client profile (``names``), then each client the watcher kept that is no longer a
    profile: its state, since when, the last check and its strip (from ``seen``: checks, or
    the history's hourly spans)."""
    by_client: dict[str, list[Check | CountedSpan]] = {}
    for item in seen:
        by_client.setdefault(item.client, []).append(item)
    rows = []
    gone = sorted(set(states) - set(names))
    for name in [*names, *gone]:
        strip = tuple(day_strip(by_client.get(name, ()), now, tz_name))
        state = states.get(name)
        note = "no longer a client profile" if name in gone else ""
        if state is None:
            rows.append(ClientRow(name, NOT_YET, None, "", "never", strip, note))
            continue
        observed = state.observed
        counted = state.counted
        if observed is not None and counted is not None and observed.identity != counted.identity:
            blip = f"the last check saw {state_text(observed)}"
            if observed.state == UNREACHABLE:
                blip += f" ({state.observed_count} of {UNREACHABLE_PASSES} passes before it counts)"
            note = f"{note}; {blip}" if note else blip
        last = moment_text(state.last_check, tz_name, now) if state.last_check else "never"
        if state.last_check:
            last += f" ({duration_text(now - state.last_check)} ago)"
        shown = counted or observed
        rows.append(
            ClientRow(
                name,
                state_text(shown) if shown else NOT_YET,
                None if counted is None else counted.broken,
                since_text(state, tz_name, now),
                last,
                strip,
                note,
            )
        )
    return rows


def _cells(strip: Sequence[StripDay]) -> str:
    return "".join(
        f'<span class="ez-day" style="background:{day.colour}" title="{html.escape(day.label)}" '
        f'aria-label="{html.escape(day.label)}" data-state="{day.state}"></span>'
        for day in strip
    )


STRIP_STYLE = """<style>
.ez-watch {border-collapse:collapse; width:100%; font-size:0.875rem; table-layout:auto}
.ez-watch th {text-align:left; font-weight:600; padding:4px 8px; border-bottom:1px solid #ddd;
  white-space:nowrap}
.ez-watch td {padding:5px 8px; border-bottom:1px solid #eee; vertical-align:middle}
.ez-watch td.ez-client {font-weight:600; max-width:11rem; overflow-wrap:anywhere}
.ez-watch td.ez-state {max-width:17rem; overflow-wrap:anywhere}
.ez-watch td.ez-strip {white-space:nowrap}
.ez-watch td.ez-last {white-space:nowrap}
.ez-day {display:inline-block; width:9px; height:18px; margin-right:2px; border-radius:2px;
  vertical-align:middle; box-shadow: inset 0 0 0 1px rgba(0,0,0,0.08)}
.ez-broken {color:#b71c1c} .ez-ok {color:#1b5e20} .ez-note {color:#666; font-size:0.8rem}
.ez-legend {font-size:0.8rem; color:#444; margin-top:6px}
.ez-legend .ez-day {margin:0 4px 0 10px}
</style>"""


def legend_html() -> str:
    parts = [
        f'<span class="ez-day" style="background:{COLOURS[state]}"></span>{html.escape(words)}'
        for state, words in LEGEND
    ]
    return f'<div class="ez-legend">Each cell is a day (yours), oldest first:{"".join(parts)}</div>'


def history_html(rows: Sequence[ClientRow], days: int = STRIP_DAYS) -> str:
    """All clients' watcher table: every text escaped (a profile name is anyone's words)."""
    body = []
    for row in rows:
        note = f'<div class="ez-note">{html.escape(row.note)}</div>' if row.note else ""
        if row.broken is False:  # "connected since …" says it all
            state = f'<span class="ez-ok">{html.escape(row.since)}</span>'
        else:
            tone = "ez-broken" if row.broken else ""
            state = f'<span class="{tone}">{html.escape(row.state)}</span>'
            state += f"<div>{html.escape(row.since)}</div>" if row.since else ""
        body.append(
            "<tr>"
            f'<td class="ez-client">{html.escape(row.client)}</td>'
            f'<td class="ez-state">{state}{note}</td>'
            f'<td class="ez-last">{html.escape(row.last_check)}</td>'
            f'<td class="ez-strip">{_cells(row.strip)}</td>'
            "</tr>"
        )
    head = (
        f"<tr><th>Client</th><th>State, since</th><th>Last check</th><th>Last {days} days</th></tr>"
    )
    table = f'<table class="ez-watch"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'
    return f"{STRIP_STYLE}{table}{legend_html()}"


def strip_html(strip: Sequence[StripDay]) -> str:
    """One client's strip with its legend (the Connection page)."""
    return f'{STRIP_STYLE}<div class="ez-strip">{_cells(strip)}</div>{legend_html()}'


# ---- Connection: one client's changes --------------------------------------------------------


@dataclass(frozen=True)
class StateChange:
    at: datetime
    became: Observation  # what counted from then on (details as the check that counted saw)


def state_changes(checks: Sequence[Check]) -> list[StateChange]:
    """Each change of the counted state (a new missing scope included), oldest first.

    An unreachable state counts since the first of the passes in a row that saw it (as the
    watcher counts it). Checks before the first that counted say nothing."""
    changes: list[StateChange] = []
    current = None  # the identity counted
    run_start: datetime | None = None  # first check of the passes in a row seeing the same
    previous_seen = None
    for check in checks:
        if previous_seen is None or previous_seen != check.seen.identity:
            run_start = check.at
        previous_seen = check.seen.identity
        if not check.counted:
            continue
        if check.seen.state == check.counted:
            became, identity = check.seen, check.seen.identity
        elif current is not None and current[0] == check.counted:
            continue  # a blip over the state counted before
        else:
            became = Observation(check.counted)  # counted before the checks in view
            identity = became.identity
        if identity == current:
            continue
        at = run_start if became.state == UNREACHABLE and run_start else check.at
        changes.append(StateChange(at, became))
        current = identity
    return changes


CHANGES_TABLE = Columns(main=("When", "Became", "For"))


def changes_frame(
    changes: Sequence[StateChange], now: datetime, tz_name: str | None
) -> pd.DataFrame:
    """The changes newest first: when, what the state became, and how long it lasted."""
    rows = []
    for number, change in enumerate(changes):
        end = changes[number + 1].at if number + 1 < len(changes) else None
        lasted = duration_text((end or now) - change.at) + ("" if end else " so far")
        what = state_text(change.became)
        rows.append(
            {
                "When": moment_text(change.at, tz_name, now),
                "Became": ("broken: " if change.became.broken else "") + what,
                "For": lasted,
            }
        )
    return pd.DataFrame(list(reversed(rows)), columns=list(CHANGES_TABLE.main))


# ---- the watcher itself: its last run, and what it could not send ----------------------------


@dataclass(frozen=True)
class WatcherStatus:
    late: bool  # no run, or none for more than twice the usual interval
    headline: str
    lines: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # the last run's, in its words


def usual_interval(runs: Sequence[Run]) -> timedelta | None:
    """The median gap between the latest runs' starts (None with fewer than two)."""
    starts = sorted(run.started_at for run in runs[:USUAL_FROM_RUNS])
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    return statistics.median(gaps) if gaps else None


RUN_WORDS = {
    "ok": "finished, all well",
    "problems": "finished with problems",
    "failed": "could not do its work",
    "interrupted": "was stopped mid-way",
    "running": "is running",
}


def watcher_status(runs: Sequence[Run], now: datetime, tz_name: str | None) -> WatcherStatus:
    """The watcher's last run in words, and whether it is late (``runs``: newest first)."""
    if not runs:
        return WatcherStatus(
            True,
            "The watcher has not run here yet: nothing on this page is checked on its own.",
            (
                "Run `python -m erbium_zoom watch --once` on the dashboard's server, with its "
                "timer or cron line (README, “Watching every client”).",
            ),
        )
    last = runs[0]
    usual = usual_interval(runs)
    allowed = 2 * (usual or DEFAULT_INTERVAL)
    started = moment_text(last.started_at, tz_name, now)
    age = now - last.started_at
    late = age > allowed
    words = RUN_WORDS.get(last.status, last.status)
    line = f"Last run: started {started} ({duration_text(age)} ago)"
    if last.finished_at is not None:
        line += f", {words} after {duration_text(last.finished_at - last.started_at)}"
    elif last.status == "running" and late:
        line += ", never finished (the watcher stopped during it)"
    else:
        line += f", {words}"
    line += f"; {last.clients} client{'s' if last.clients != 1 else ''}."
    every = f"usually every {duration_text(usual)}" if usual else "one run so far"
    lines = (line, f"Runs kept: {len(runs)} latest, {every}.")
    if late:
        headline = (
            f"The watcher has not run since {started} ({duration_text(age)} ago): check its "
            "timer or service on the server (systemctl status, journalctl) or its cron line."
        )
    elif last.status in ("failed", "problems", "interrupted"):
        headline = f"The watcher's last run {words}."
    else:
        headline = f"The watcher runs: last run {started}."
    return WatcherStatus(late, headline, lines, last.problems)


SEND_PROBLEM_TABLE = Columns(
    main=("Client", "Message", "To", "Status", "Attempts", "Error"), hidden=("Kind",)
)
SEND_STATUS_WORDS = {
    PENDING: "failed, retried at the next pass",
    UNKNOWN: "may not have arrived (not sent again)",
    DROPPED: "given up",
}


def send_problems(outbox: Sequence[Queued]) -> list[Queued]:
    """Messages that failed to send (kept to retry), may not have arrived, or were given up."""
    return [
        m
        for m in outbox
        if m.status in (UNKNOWN, DROPPED) or (m.status == PENDING and m.attempts > 0)
    ]


def send_problems_frame(problems: Sequence[Queued]) -> pd.DataFrame:
    """What the page shows of them: the destination only masked, as the outbox keeps it."""
    rows = [
        {
            "Client": m.client,
            "Kind": m.kind,
            "Message": m.title,
            "To": m.shown,
            "Status": SEND_STATUS_WORDS.get(m.status, m.status),
            "Attempts": m.attempts,
            "Error": m.last_error,
        }
        for m in problems
    ]
    return pd.DataFrame(
        rows, columns=["Client", "Kind", "Message", "To", "Status", "Attempts", "Error"]
    )


# ---- the demo's preview ----------------------------------------------------------------------


DEMO_STATE_TABLE = Columns(main=("Client", "State", "Since", "This pass"))


def pass_notes(
    before: Mapping[str, ClientState], after: Mapping[str, ClientState]
) -> dict[str, str]:
    """What one pass did to each client's state, from the history before and after it."""
    notes = {}
    for name, state in after.items():
        old = before.get(name)
        was = old.counted if old is not None else None
        now = state.counted
        if now is not None and (was is None or was.identity != now.identity):
            if was is None:
                notes[name] = f"first state: {STRIP_LABELS.get(now.state, now.state)}"
            else:
                notes[name] = f"changed from {state_text(was)}"
            if was is not None or now.broken:
                notes[name] += " (a message)"
        elif (
            state.observed is not None
            and now is not None
            and (state.observed.identity != now.identity)
        ):
            notes[name] = f"saw {state_text(state.observed)}: not counted yet"
        else:
            notes[name] = "no change"
    return notes


def demo_states_frame(rows: Sequence[ClientRow], notes: Mapping[str, str]) -> pd.DataFrame:
    """The demo pass: each simulated client's counted state, and what the last pass did."""
    return pd.DataFrame(
        [
            {
                "Client": row.client,
                "State": row.state,
                "Since": row.since,
                "This pass": notes.get(row.client, ""),
            }
            for row in rows
        ],
        columns=list(DEMO_STATE_TABLE.main),
    )


def messages_by_kind(outbox: Sequence[Queued]) -> dict[str, list[Queued]]:
    """The outbox by kind of message (connection, pace, …), in the order first seen."""
    kinds: dict[str, list[Queued]] = {}
    for message in outbox:
        kinds.setdefault(message.kind, []).append(message)
    return kinds
