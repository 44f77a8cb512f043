"""The watcher's report summaries: events that ended, once their participant report is final.

For each client whose connection works this pass, and only when a ``[notify] urls`` entry takes
``report`` messages for it, the watcher lists the hosts' past events (as the Attendance page
does) and looks at those that ended in the last ``REPORT_DAYS`` days. An event whose report can
be final (:func:`erbium_zoom.attendance.is_final`: a single event, ended ``FINAL_AFTER`` ago;
recurring series' occurrences never are) and that has not been summarised to every such
destination yet is loaded as the page loads it: through the report cache (a kept report costs
no call) and the same client, rate limiter, Heavy meter and guard as the connection check.
When the loaded report is final, one ``report`` message per destination goes in the outbox,
keyed by the client, the event occurrence and the destination, so it is queued once only.

The message (:func:`compose`) gives the numbers the Attendance page shows for the event with
its default "What counts" (attended: at least 1 minute; stayed: at least 50 % of the scheduled
length): registered, approved, attended, stayed and the attendance rate, the page's own funnel
sentence and rate formula, and a link to the Attendance page with the client and the event
chosen. No attendee's name or e-mail is in it. Times are in UTC (the watcher has no viewer).

**The workbook.** A destination with ``attach = "workbook"`` (which must name its clients)
receives the Attendance page's download for that event attached: its Summary, People and
Absentees sheets (:func:`event_workbook`). The outbox keeps no file: the workbook is made again
at send time (:class:`ReportSource`) from the report loaded in this pass or the report cache.
That needs no column in the outbox, keeps attendees' names and e-mails out of a table that
the dashboard shows and keeps, and sends the same file the page would make. A report that is
not at hand when sending (the cache cleared or off, and the watcher restarted) keeps the
message pending, and the next pass loads that event again from Zoom, then sends it.

Pure message shaping, plus a small loading part (:func:`watch_reports`). No streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from erbium_zoom import attendance, funnel, reports, store, urlstate, workbook
from erbium_zoom.attendance import AttendanceResult, EventRef, EventState
from erbium_zoom.config import Credentials, settings_from_env
from erbium_zoom.errors import EventNotFound, ZoomError, user_message
from erbium_zoom.models import EventKind
from erbium_zoom.notify import (
    KIND_REPORT,
    Attachment,
    Destination,
    Message,
    NotifySettings,
)
from erbium_zoom.watch_history import PENDING, Outgoing, Queued, WatchHistory
from erbium_zoom.zones import zone

if TYPE_CHECKING:
    from collections.abc import Mapping

    from erbium_zoom.client import ZoomClient
    from erbium_zoom.connection import Connection
    from erbium_zoom.profiles import ProfileStore

REPORT_DAYS = 7  # events that ended this many days ago or less are summarised
REPORT_TZ = "UTC"  # times in messages and in the attached workbook
ATTENDANCE_PATH = "attendance"  # the Attendance page's url_path (app.py)
SETTINGS = reports.AttendanceSettings()  # the Attendance page's default "What counts"
STAY_PERCENT = funnel.DEFAULT_STAY_PERCENT


# ---- which events ------------------------------------------------------------------------------


def recent(ref: EventRef, now: datetime, days: int = REPORT_DAYS) -> bool:
    """Whether the event ended in the last ``days`` days."""
    end = ref.end
    return end is not None and now - timedelta(days=days) <= end <= now


def may_be_final(ref: EventRef, now: datetime) -> bool:
    """Whether the event's report can be final now, before asking Zoom for it: the part of
    :func:`attendance.is_final` that the event itself decides."""
    return attendance.is_final(AttendanceResult(ref, EventState.READY), now)


def final(result: AttendanceResult, now: datetime) -> bool:
    """The Attendance page's rule (:func:`attendance.is_final`); a report read back from the
    report cache was final when it was kept."""
    if result.from_cache:
        return result.state is EventState.READY
    return attendance.is_final(result, now)


# ---- what a summary says -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventReport:
    """One event's report as the Attendance page shows it."""

    client: str
    result: AttendanceResult
    label: str
    analysis: reports.EventAnalysis
    steps: funnel.Funnel | None  # None: no registrant list


def analyse(client: str, result: AttendanceResult) -> EventReport:
    """The page's numbers for a loaded event: :func:`reports.analyse_event` and
    :func:`funnel.event_funnel`, with the page's default settings."""
    ref = result.ref
    [heading] = attendance.headings([result], REPORT_TZ)
    analysis = reports.analyse_event(
        reports.participants_frame(result.participants),
        result.registrants,
        SETTINGS,
        ref.start,
        ref.end,
    )
    steps = None
    if result.registrants is not None:
        steps = funnel.event_funnel(
            heading.label,
            analysis.people,
            result.registrants,
            threshold_minutes=SETTINGS.attended_threshold_minutes,
            scheduled_minutes=ref.duration if ref.start is not None else None,
            stay_percent=STAY_PERCENT,
        )
    return EventReport(client, result, heading.label, analysis, steps)


def attendance_link(dashboard_url: str, client: str, ref: EventRef) -> str:
    """The Attendance page with the client and the event chosen (:mod:`erbium_zoom.urlstate`),
    or what to open without a dashboard_url."""
    if not dashboard_url:
        return (
            f"the Attendance page of the dashboard with the client profile {client!r} and the "
            f"event {ref.key} (set [notify] dashboard_url to get a link here)"
        )
    params = {
        **urlstate.client_params(client, None),
        **urlstate.event_keys(urlstate.EVENT).write([ref.key]),
    }
    query = urlencode({k: v for k, v in params.items() if v}, doseq=True, quote_via=quote)
    return f"{dashboard_url}/{ATTENDANCE_PATH}?{query}"


def workbook_name(ref: EventRef) -> str:
    return f"attendance-{attendance.file_stem(ref)}.xlsx"


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def compose(report: EventReport, dashboard_url: str = "", attached: bool = False) -> Message:
    """The summary of one event whose report is final (no attendee's name or e-mail)."""
    result, summary = report.result, report.analysis.summary
    ref = result.ref
    topic = ref.topic or f"{ref.kind.title} {ref.report_id}"
    start, end = (
        None if t is None else t.astimezone(zone(REPORT_TZ)) for t in (ref.start, ref.end)
    )
    when = ""
    if start is not None:
        when = f"{start:%a %d %b %Y %H:%M}"
        when += f"–{end:%H:%M} {REPORT_TZ}" if end is not None else f" {REPORT_TZ}"
    ident = f"ID {ref.event_id}" if ref.event_id else f"UUID {ref.report_id}"
    steps = report.steps
    rate = summary.attendance_rate
    numbers = [
        f"Registered: {_number(steps.registered if steps else None)}",
        f"Approved: {_number(steps.approved if steps else None)}",
        f"Attended: {steps.attended:,}" if steps else f"Attended: {summary.attendees:,} people",
        f"Stayed: {_number(steps.stayed if steps else None)}",
        f"Attendance rate: {'—' if rate is None else f'{rate:.1%}'}",
    ]
    words = [funnel.funnel_sentence(steps)] if steps else [attendance.registrants_message(result)]
    words += [
        f"{summary.attendees:,} unique attendees in all (at least "
        f"{SETTINGS.attended_threshold_minutes:g} min; {summary.guests:,} of them did not "
        f"register, the host included).",
        reports.rate_formula_text(summary),
    ]
    body = (
        f"The participant report of {report.client}'s {ref.kind.value} “{topic}” ({ident}"
        f"{', ' + when if when else ''}) is final.\n\n"
        + " · ".join(numbers)
        + "\n\n"
        + "\n".join(words)
        + "\n\nCounted as the Attendance page counts by default: attended for at least "
        f"{SETTINGS.attended_threshold_minutes:g} min; stayed for at least {STAY_PERCENT} % of "
        "the scheduled length."
    )
    if attached:
        body += (
            f"\n\nAttached: the Attendance page's workbook, {workbook_name(ref)} (Summary, "
            f"People and Absentees sheets; times in {REPORT_TZ}). It holds attendees' names "
            "and e-mails: keep it to the team and the client."
        )
    body += f"\n\nAttendance page: {attendance_link(dashboard_url, report.client, ref)}"
    title = f"Attendance report: {report.client}: {topic}"
    if start is not None:
        title += f" ({start:%d %b %Y} {REPORT_TZ})"
    return Message(title, body, KIND_REPORT)


def report_key(client: str, ref: EventRef, destination: Destination) -> str:
    """The outbox key of one event's summary to one destination: queued once only."""
    return f"{KIND_REPORT}|{ref.key}|{client}|{destination.id}"


def ref_key_of(message_key: str) -> str:
    """The event occurrence's key ("webinar:UUID") of a report message's outbox key."""
    return message_key.split("|", 2)[1]


def outgoing(report: EventReport, settings: NotifySettings) -> list[Outgoing]:
    """The summary, once per destination that takes the client's report messages."""
    made = []
    for destination in settings.for_message(KIND_REPORT, report.client):
        message = compose(report, settings.dashboard_url, attached=bool(destination.attach))
        made.append(
            Outgoing(
                key=report_key(report.client, report.result.ref, destination),
                client=report.client,
                kind=KIND_REPORT,
                destination=destination.id,
                shown=destination.shown,
                title=message.title,
                body=message.body,
            )
        )
    return made


def event_workbook(report: EventReport) -> bytes:
    """The Attendance page's download for this one event: a Summary sheet, then its People
    and Absentees sheets (:func:`workbook.attendance_workbook`), times in ``REPORT_TZ``."""
    result = report.result
    [heading] = attendance.headings([result], REPORT_TZ)
    across = reports.summary_frame([(heading, report.analysis.summary)], REPORT_TZ)
    sheets = workbook.event_sheets(
        result.ref.topic or report.label, report.analysis, result.registrants, REPORT_TZ
    )
    return workbook.attendance_workbook(across, [sheets], REPORT_TZ)


# ---- loading ------------------------------------------------------------------------------------


def report_cache(credentials: Credentials, connection_settings) -> store.AccountReports | None:
    """The account's part of the report cache the dashboard uses; None when it is off or
    cannot be used (the reports then come from Zoom)."""
    if not store.cache_enabled():
        return None
    try:
        return store.open_store().for_account(store.account_key(credentials, connection_settings))
    except store.StoreUnavailable:
        return None


@dataclass
class ReportSource:
    """The reports at hand in this pass, to make the workbooks when sending."""

    profiles: ProfileStore | None = None
    environ: Mapping[str, str] | None = None
    results: dict[tuple[str, str], AttendanceResult] = field(default_factory=dict)

    def keep(self, client: str, result: AttendanceResult) -> None:
        self.results[(client, result.ref.key)] = result

    def has(self, client: str, ref_key: str) -> bool:
        return (client, ref_key) in self.results

    def cached(self, client: str, ref_key: str) -> AttendanceResult | None:
        """From the report cache, filed under the client's profile (no secret needed)."""
        if self.profiles is None:
            return None
        profile = next((p for p in self.profiles.list(in_use=True) if p.name == client), None)
        if profile is None:
            return None
        kept = report_cache(
            Credentials(profile.account_id, profile.client_id, ""), settings_from_env(self.environ)
        )
        kind, _, report_id = ref_key.partition(":")
        try:
            ref = EventRef.from_text(EventKind(kind), report_id)
        except ValueError:
            return None
        return kept.get(ref) if kept is not None else None

    def attachments(self, message: Queued, destination: Destination) -> list[Attachment] | str:
        """The workbook of a report message, or why it cannot be made now."""
        if message.kind != KIND_REPORT:
            return []
        ref_key = ref_key_of(message.key)
        result = self.results.get((message.client, ref_key)) or self.cached(message.client, ref_key)
        if result is None:
            return (
                "its workbook cannot be made now: the event's report is not in the report "
                "cache (cleared, or the cache is off). The next pass loads it again from Zoom "
                "and sends it then."
            )
        self.keep(message.client, result)
        report = analyse(message.client, result)
        return [Attachment(workbook_name(result.ref), event_workbook(report), workbook.XLSX_MIME)]


@dataclass
class ReportOutcome:
    queued: int = 0  # messages put in the outbox this pass
    events: list[str] = field(default_factory=list)  # the events summarised
    problems: list[str] = field(default_factory=list)


def _pending_workbooks(
    history: WatchHistory, settings: NotifySettings, client: str
) -> dict[str, Queued]:
    """The client's report messages waiting to be sent with a workbook, by event key."""
    attach = {d.id for d in settings.destinations if d.attach}
    return {
        ref_key_of(m.key): m
        for m in history.outbox(PENDING)
        if m.kind == KIND_REPORT and m.client == client and m.destination in attach
    }


def watch_reports(
    client: ZoomClient,
    connection: Connection,
    profile: str,
    history: WatchHistory,
    settings: NotifySettings,
    source: ReportSource,
    now: datetime,
) -> ReportOutcome:
    """Queue the summaries of the client's recently ended events whose reports are final.

    Costs nothing when no destination takes the client's report messages; else the past
    events' lists of the hosts, and each event's report and registrant lists once.
    """
    outcome = ReportOutcome()
    destinations = settings.for_message(KIND_REPORT, profile)
    if not destinations:
        return outcome
    try:
        past = attendance.load_past_events(client, connection.settings.hosts)
    except ZoomError as error:
        outcome.problems.append(
            f"{profile}: past events could not be listed: {user_message(error)}"
        )
        return outcome
    for problem in past.problems:
        outcome.problems.append(f"{profile}: {problem.what}: {user_message(problem.error)}")
    candidates = [ref for ref in past.refs if recent(ref, now) and may_be_final(ref, now)]
    wanted_keys = [report_key(profile, ref, d) for ref in candidates for d in destinations]
    done = history.queued(wanted_keys)
    wanted = [
        ref
        for ref in candidates
        if any(report_key(profile, ref, d) not in done for d in destinations)
    ]
    # A workbook that could not be made at its last try (its report not at hand): load again.
    listed = {ref.key: ref for ref in past.refs}
    for ref_key in _pending_workbooks(history, settings, profile):
        if source.has(profile, ref_key) or any(ref.key == ref_key for ref in wanted):
            continue
        if ref_key in listed:
            wanted.append(listed[ref_key])
        elif source.cached(profile, ref_key) is None:
            kind, _, report_id = ref_key.partition(":")
            wanted.append(EventRef.from_text(EventKind(kind), report_id))
    if not wanted:
        return outcome
    cache = report_cache(connection.credentials, connection.settings)
    results = attendance.load_many(client, wanted, now, store=cache)
    messages: list[Outgoing] = []
    for result in results:
        if not final(result, now):
            if result.state in (EventState.RATE_LIMITED, EventState.MISSING_SCOPE) or (
                result.state is EventState.ERROR and not isinstance(result.error, EventNotFound)
            ):
                outcome.problems.append(
                    f"{profile}: the report of {result.ref.label(REPORT_TZ)} could not be "
                    f"loaded: {attendance.state_message(result, REPORT_TZ)} It is tried again "
                    "at the next pass."
                )
            continue
        source.keep(profile, result)
        new = [m for m in outgoing(analyse(profile, result), settings) if m.key not in done]
        if new:
            messages.extend(new)
            outcome.events.append(result.ref.topic or result.ref.report_id)
    history.queue(messages, now)
    outcome.queued = len(messages)
    return outcome
