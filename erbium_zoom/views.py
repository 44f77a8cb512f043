"""Pure data shaping for the pages: typed rows in; tables, filters and texts out.

No I/O and no streamlit: every function here is tested on small hand-built inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd

from erbium_zoom.check import PLAN_ERROR, PLAN_GAPS, PLAN_MISSING, PLAN_SCOPE, CheckResult
from erbium_zoom.config import FIELD_LABELS
from erbium_zoom.connection import DEMO_CLIENT_NAMES, DEMO_CREDENTIALS, DEMO_SCENARIOS
from erbium_zoom.errors import user_message
from erbium_zoom.models import (
    Event,
    Registrant,
    RegistrantCounts,
    SkippedRegistrant,
    StatusUpdateResult,
)
from erbium_zoom.registrant_actions import ACTION_PAST
from erbium_zoom.scopes import CLASSIC, GRANTED, GROUP_TITLES, ScopeReport
from erbium_zoom.zones import zone

# Words, not emoji, in tables: a table cell cannot show Material icons, and an emoji is an
# empty box on a machine without an emoji font.
STATUS_TEXT = {
    GRANTED: "Granted",
    CLASSIC: "Granted (classic scope)",
    "missing": "Missing",
}

MARKETPLACE_STEPS = (
    "Sign in to https://marketplace.zoom.us with the Zoom account that owns the {app} app.",
    "Choose Develop → Build App, then open the Server-to-Server OAuth app named {app}.",
    "Open Scopes and click Add Scopes.",
    "Search for and tick each scope listed below, then click Done.",
    "Click Continue, then open Activation and click Activate your app.",
)


CHECKLIST_COLUMNS = ["Group", "Scope", "Status", "Unlocks in this dashboard", "Zoom endpoint"]


def checklist_rows(report: ScopeReport, group: str | None = None) -> list[dict]:
    """One row per required scope (optionally one group), for a table."""
    rows = []
    for status in report.statuses:
        if group is not None and status.scope.group != group:
            continue
        text = STATUS_TEXT[status.status]
        if status.status == CLASSIC:
            text = f"{text}: {status.scope.classic}"
        rows.append(
            {
                "Group": GROUP_TITLES[status.scope.group],
                "Scope": status.scope.name,
                "Status": text,
                "Unlocks in this dashboard": status.scope.unlocks,
                "Zoom endpoint": status.scope.endpoint or "none confirmed",
            }
        )
    return rows


def checklist_frame(report: ScopeReport, group: str | None = None) -> pd.DataFrame:
    """:func:`checklist_rows` as a table."""
    return pd.DataFrame(checklist_rows(report, group), columns=CHECKLIST_COLUMNS)


# What an authentication error's ``field`` asks to fix, in words (the Connection page's banner,
# the watcher's messages).
FIELD_TO_FIX = {
    "client_id/client_secret": "Client ID or Client Secret",
    "account_id": "Account ID",
    "app_type": "the app type (it must be Server-to-Server OAuth)",
    "app_activation": "the app's activation in the Zoom Marketplace",
    **FIELD_LABELS,
}


def missing_scopes_text(missing: Sequence[str]) -> str:
    """The missing scopes, one per line, for pasting into Zoom's scope search."""
    return "\n".join(missing)


def client_message(missing: Sequence[str], *, app_name: str = "ERBIUM") -> str:
    """A ready-to-send message walking the client through adding exactly these scopes."""
    if not missing:
        return (
            f"Hello,\n\nThank you: the {app_name} app in your Zoom account has every scope "
            "Erbium needs. There is nothing more to do.\n"
        )
    steps = "\n".join(
        f"{number}. {step.format(app=app_name)}"
        for number, step in enumerate(MARKETPLACE_STEPS, start=1)
    )
    scopes = "\n".join(f"   - {scope}" for scope in missing)
    plural = "s" if len(missing) != 1 else ""
    return (
        f"Hello,\n\nThe {app_name} app in your Zoom account is missing {len(missing)} "
        f"scope{plural} that Erbium needs. Could you add {'them' if plural else 'it'}?\n\n"
        f"{steps}\n\nThe scope{plural} to add:\n{scopes}\n\n"
        "Nothing else changes: the Account ID, Client ID and Client Secret stay the same. "
        "Let us know when it is done and we will re-check the connection.\n\nThank you!\n"
    )


def _local(moment: datetime | None, tz_name: str | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(zone(tz_name)).strftime("%a %d %b %Y %H:%M")


def _registration_text(event: Event) -> str:
    enabled = event.registration_enabled
    if enabled is None:
        return "unknown"
    if not enabled:
        return "off"
    return "on (manual approval)" if event.approval_type == 1 else "on"


EVENT_COLUMNS = [
    "Kind",
    "Topic",
    "Start (event time)",
    "Event time zone",
    "Start (your time)",
    "Duration (min)",
    "Host",
    "Join link",
    "Registration",
    "Approved",
    "Pending",
    "Denied",
    "ID",
    "start_utc",
]


def events_frame(
    events: Iterable[Event],
    counts: Mapping[tuple[str, int], RegistrantCounts],
    *,
    viewer_tz: str | None,
    host_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The events table: one row per event, soonest first; counts blank where not loaded."""
    rows = []
    for event in events:
        count = counts.get((event.kind.value, event.id))
        rows.append(
            {
                "Kind": event.kind.title,
                "Topic": event.topic,
                "Start (event time)": _local(event.start_time, event.timezone),
                "Event time zone": event.timezone or "UTC",
                "Start (your time)": _local(event.start_time, viewer_tz),
                "Duration (min)": event.duration,
                "Host": (host_labels or {}).get(event.host_id or "", event.host_id or ""),
                "Join link": event.join_url or "",
                "Registration": _registration_text(event),
                "Approved": count.approved if count else None,
                "Pending": count.pending if count else None,
                "Denied": count.denied if count else None,
                "ID": event.id,
                "start_utc": event.start_time,
            }
        )
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    for column in ("Duration (min)", "Approved", "Pending", "Denied"):
        frame[column] = frame[column].astype("Int64")
    frame["start_utc"] = pd.to_datetime(frame["start_utc"], utc=True)
    return frame.sort_values("start_utc", kind="stable").reset_index(drop=True)


def window_problem(window: object) -> str | None:
    """Why a date window cannot be used, in words; None when it can."""
    if not isinstance(window, tuple | list) or len(window) != 2:
        return "Pick both a first and a last day."
    if window[1] < window[0]:
        return f"The window ends ({window[1]}) before it starts ({window[0]}): swap the days."
    return None


def filter_events(
    frame: pd.DataFrame,
    *,
    hosts: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    window: tuple[date, date] | None = None,
    viewer_tz: str | None = None,
    text: str = "",
) -> pd.DataFrame:
    """Rows matching every filter given; the window is inclusive, in the viewer's time zone."""
    keep = pd.Series(True, index=frame.index)
    if hosts:
        keep &= frame["Host"].isin(hosts)
    if kinds:
        keep &= frame["Kind"].isin(kinds)
    if window:
        tz = zone(viewer_tz)
        start = pd.Timestamp(datetime.combine(window[0], time.min, tz))
        end = pd.Timestamp(datetime.combine(window[1], time.max, tz))
        keep &= frame["start_utc"].between(start, end)
    needle = text.strip().lower()
    if needle:
        haystack = frame["Topic"].str.lower() + " " + frame["ID"].astype(str)
        keep &= haystack.str.contains(needle, regex=False)
    return frame[keep].reset_index(drop=True)


REGISTRANT_COLUMNS = ["Name", "Email", "Status", "Registered (UTC)", "ID"]


def registrants_frame(registrants: Iterable[Registrant]) -> pd.DataFrame:
    """Registrants as a table, in Zoom's order."""
    rows = [
        {
            "Name": r.name,
            "Email": r.email,
            "Status": r.status,
            "Registered (UTC)": r.create_time.strftime("%Y-%m-%d %H:%M") if r.create_time else "",
            "ID": r.id,
        }
        for r in registrants
    ]
    return pd.DataFrame(rows, columns=REGISTRANT_COLUMNS)


def registrant_label(registrant: Registrant) -> str:
    """How a registrant appears in pickers: name and e-mail, ID when both are empty."""
    name = registrant.name or "(no name)"
    return f"{name} <{registrant.email}>" if registrant.email else f"{name} [{registrant.id}]"


def event_label(event: Event, viewer_tz: str | None = None) -> str:
    """How an event appears in pickers."""
    when = _local(event.start_time, viewer_tz or event.timezone)
    return f"{event.kind.title}: {event.topic} ({when}) · {event.id}"


SKIPPED_NAMES_SHOWN = 5  # names listed per reason; the rest are counted


def describe_status_update(result: StatusUpdateResult) -> str:
    """Zoom's answer to a status update in words, and whom it was not sent for, and why."""
    if result.updated:
        people = "registrant" if result.updated == 1 else "registrants"
        calls = "call" if result.calls == 1 else "calls"
        text = (
            f"Zoom {ACTION_PAST[result.action]} {result.updated} {people} "
            f"({result.calls} {calls} to Zoom, each answered 204 No Content)."
        )
    else:
        text = "Nothing was sent to Zoom."
    return " ".join([text, *describe_skipped(result.skipped)])


def describe_skipped(skipped: Sequence[SkippedRegistrant]) -> list[str]:
    """One sentence per reason, naming the registrants a status change was not sent for."""
    by_reason: dict[str, list[str]] = {}
    for item in skipped:
        by_reason.setdefault(item.reason, []).append(registrant_label(item.registrant))
    sentences = []
    for reason, names in by_reason.items():
        shown = ", ".join(names[:SKIPPED_NAMES_SHOWN])
        more = len(names) - SKIPPED_NAMES_SHOWN
        if more > 0:
            shown += f" and {more} more"
        people = "registrant" if len(names) == 1 else "registrants"
        sentences.append(f"Not sent for {len(names)} {people} ({reason}): {shown}.")
    return sentences


CLIENT_COLUMNS = [
    "Profile",
    "Account ID",
    "Source",
    "Secret",
    "Status",
    "Scopes",
    "Missing scopes",
    "Plan problems",
    "Last checked (UTC)",
]


SOURCE_LABELS = {"saved": "saved", "configuration": "from configuration"}
STATUS_UNCHECKED = "not checked yet"
STATUS_CONNECTED = "connected"
# Words, not marks: a status must read the same without an emoji font, and stand out by its
# first words from a plain "connected".
STATUS_ATTENTION = "action needed: connected, but "
STATUS_BROKEN = "not connected: "


def client_status(result: CheckResult | None) -> str:
    """The Status of a checked client: plainly "connected" only when the token, every scope
    and the plan are fine; otherwise what is wrong and what to do about it."""
    if result is None:
        return STATUS_UNCHECKED
    if result.error is not None:
        return STATUS_BROKEN + user_message(result.error)
    problems = []
    missing = result.report.missing if result.report else []
    if missing:
        many = len(missing) != 1
        problems.append(
            f"{len(missing)} scope{'s' if many else ''} missing: ask the client to add "
            f"{'them' if many else 'it'} (the Connection page has the message to send)"
        )
    unchecked = []
    for probe in result.plan:
        if probe.status == PLAN_MISSING:
            problems.append(PLAN_GAPS.get(probe.area, f"{probe.area}: not on the client's plan"))
        # A probe refused for a missing scope is explained by the scopes above.
        elif probe.status == PLAN_ERROR or (probe.status == PLAN_SCOPE and not missing):
            unchecked.append(probe.area)
    if unchecked:
        problems.append(f"{', '.join(unchecked)} not checked: see Plan problems, then check again")
    if not problems:
        return STATUS_CONNECTED
    return STATUS_ATTENTION + "; ".join(problems)


def clients_frame(
    profiles: Sequence,
    results: Mapping[str, CheckResult],
    secret_statuses: Mapping | None = None,
) -> pd.DataFrame:
    """One row per profile: where it comes from, where its secret is (``secret_statuses`` by
    profile, from ProfileStore.secret_status) and its last check (blank until checked)."""
    rows = []
    for profile in profiles:
        result = results.get(profile.name)
        row = dict.fromkeys(CLIENT_COLUMNS, "")
        secret = (secret_statuses or {}).get(profile)
        row.update(
            {
                "Profile": profile.name,
                "Account ID": profile.account_id,
                "Source": SOURCE_LABELS.get(profile.source, profile.source),
                "Secret": secret.text if secret else "",
            }
        )
        row["Status"] = client_status(result)
        if result is not None and result.error is None:
            report = result.report
            satisfied = sum(s.satisfied for s in report.statuses)
            row.update(
                {
                    "Scopes": f"{satisfied}/{len(report.statuses)}",
                    "Missing scopes": ", ".join(report.missing),
                    "Plan problems": "; ".join(
                        f"{p.area}: {p.message}" for p in result.plan if not p.ok
                    ),
                }
            )
        if result is not None:
            row["Last checked (UTC)"] = result.checked_at.strftime("%Y-%m-%d %H:%M")
        rows.append(row)
    return pd.DataFrame(rows, columns=CLIENT_COLUMNS)


@dataclass(frozen=True)
class DemoClient:
    """One client of the demo agency: a simulated account with one scenario's setup."""

    scenario: str
    name: str
    account_id: str = DEMO_CREDENTIALS.account_id

    source = "demo"  # shown in no column of the roster (clients_frame asks every profile)

    @property
    def setup(self) -> str:
        return DEMO_SCENARIOS[self.scenario]


DEMO_CLIENTS = tuple(
    DemoClient(scenario, DEMO_CLIENT_NAMES[scenario]) for scenario in DEMO_SCENARIOS
)
ROSTER_COLUMNS = [
    "Client",
    "Setup",
    *(c for c in CLIENT_COLUMNS if c not in ("Profile", "Account ID", "Source", "Secret")),
]


def roster_frame(results: Mapping[str, CheckResult]) -> pd.DataFrame:
    """The demo agency's clients with their checks (``results`` by scenario), as
    :func:`clients_frame` shows saved profiles."""
    by_name = {
        client.name: results[client.scenario]
        for client in DEMO_CLIENTS
        if client.scenario in results
    }
    frame = clients_frame(DEMO_CLIENTS, by_name).rename(columns={"Profile": "Client"})
    frame["Setup"] = [client.setup for client in DEMO_CLIENTS]
    return frame[ROSTER_COLUMNS]


def needs_attention(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(client, status) of each checked client whose status is not plainly "connected", in the
    table's order: the whole text, which a table cell of a few lines cuts."""
    name = "Client" if "Client" in frame.columns else "Profile"
    fine = {STATUS_CONNECTED, STATUS_UNCHECKED, ""}
    return [(row[name], row["Status"]) for _, row in frame.iterrows() if row["Status"] not in fine]


def _when_column(viewer_tz: str | None) -> str:
    return f"When ({zone(viewer_tz).key})"


def activity_frame(entries: Sequence, viewer_tz: str | None = None) -> pd.DataFrame:
    """The activity record as a table, times in the viewer's zone (named in the header)."""
    tz = zone(viewer_tz)
    when = _when_column(viewer_tz)
    rows = [
        {
            when: entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            "Who": entry.who,
            "Client": entry.client,
            "Account ID": entry.account_id,
            "Action": entry.action,
            "Event ID": entry.event_id,
            "Registrants": entry.count,
            "Registrant IDs": ", ".join(entry.registrant_ids),
            "Zoom's answer": entry.status,
            "Message": entry.message,
        }
        for entry in entries
    ]
    columns = [when, "Who", "Client", "Account ID", "Action", "Event ID", "Registrants"]
    columns += ["Registrant IDs", "Zoom's answer", "Message"]
    return pd.DataFrame(rows, columns=columns)


# ---- tables at a laptop's width ----------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """Which of a table's columns a page shows, and in what order.

    ``main`` first, in this order: the columns that answer the page's question, few enough to fit
    a laptop's width (1280 px) without scrolling sideways. The others follow on demand ("More
    columns"), in the frame's order; ``hidden`` ones never (internal, or said by a heading).
    """

    main: tuple[str, ...]
    hidden: tuple[str, ...] = ()

    def more(self, columns: Iterable[str]) -> list[str]:
        """The columns shown only on demand."""
        return [c for c in columns if c not in self.main and c not in self.hidden]

    def order(self, columns: Iterable[str], *, more: bool = False) -> list[str]:
        """The columns to show: the main ones present, then, with ``more``, the others."""
        present = list(columns)
        main = [c for c in self.main if c in present]
        return main + (self.more(present) if more else [])


# Who hosts it, the counts and how to join before the kind, the times in the event's own zone
# and the IDs.
EVENT_TABLE = Columns(
    main=("Topic", "Start (your time)", "Host", "Approved", "Pending", "Denied", "Join link"),
    hidden=("start_utc",),
)
# One table per group under the group's heading: the group is not repeated in each row.
CHECKLIST_TABLE = Columns(
    main=("Scope", "Status", "Zoom endpoint", "Unlocks in this dashboard"), hidden=("Group",)
)
# What is wrong with each client first; where its settings come from on demand.
CLIENT_TABLE = Columns(
    main=("Profile", "Status", "Plan problems", "Missing scopes", "Scopes", "Secret")
)
ROSTER_TABLE = Columns(
    main=("Client", "Setup", "Status", "Plan problems", "Missing scopes", "Scopes")
)

# An event's people: who came, how long, late or early, before the IDs and session counts.
PEOPLE_TABLE = Columns(
    main=("Name", "Email", "Minutes", "Attended", "Late", "Early", "First join", "Last leave")
)
ABSENTEE_TABLE = Columns(main=("Name", "Email", "Joined", "Minutes", "Registered (UTC)"))


def activity_table(viewer_tz: str | None = None) -> Columns:
    """The activity record's columns: who did what, and Zoom's answer, before the IDs."""
    return Columns(
        main=(_when_column(viewer_tz), "Who", "Client", "Action", "Zoom's answer", "Message")
    )


# ---- the attendance summary, for reading ------------------------------------------------------

NOT_KNOWN = "—"  # a number that cannot be known (not loaded, no registration): never "None"
SUMMARY_RATE = "Attendance rate"
SUMMARY_TABLE = Columns(
    main=(
        "Event",
        "State",
        "Approved",
        "Attendees",
        SUMMARY_RATE,
        "Median minutes",
        "Peak concurrent",
    )
)


def _count_text(value: object) -> str:
    return NOT_KNOWN if pd.isna(value) else f"{int(value):,}"


def _decimal_text(value: object, suffix: str = "") -> str:
    return NOT_KNOWN if pd.isna(value) else f"{float(value):,.1f}{suffix}"


def summary_table(summary: pd.DataFrame, viewer_tz: str | None = None) -> pd.DataFrame:
    """The across-events summary (``reports.summary_frame``) as words for reading: counts with
    thousands separators, the rate in %, the start like the Events page in the viewer's zone
    (named in the header), and "—" for what cannot be known; the ``State`` says why.

    Text in every cell (a missing number would show as "None" otherwise); the downloads keep
    the numbers.
    """
    table = pd.DataFrame(index=summary.index)
    for column in summary.columns:
        values = summary[column]
        if column == "Start":
            table[f"Start ({zone(viewer_tz).key})"] = [
                NOT_KNOWN if pd.isna(v) else _local(v.to_pydatetime(), viewer_tz) for v in values
            ]
        elif column == "Attendance rate (%)":
            table[SUMMARY_RATE] = [_decimal_text(v, " %") for v in values]
        elif column in ("Total minutes", "Median minutes"):
            table[column] = [_decimal_text(v) for v in values]
        elif pd.api.types.is_numeric_dtype(values):
            table[column] = [_count_text(v) for v in values]
        else:
            table[column] = [NOT_KNOWN if pd.isna(v) else str(v) for v in values]
    return table.reset_index(drop=True)
