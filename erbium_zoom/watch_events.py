"""The watcher's checks of a client's upcoming events and of its Heavy quota: the rules and the
messages. Pure: facts in (events, registrants, pace curves, a count), alerts out. No I/O, no
streamlit; :mod:`erbium_zoom.watch_events_load` loads the facts from Zoom.

Each pass looks at the events a client's hosts have in the next ``days`` days (14 by default,
``[watch] days`` or ``watch --days``; 0 turns these checks off), and at the ones Zoom still lists
as upcoming although their time is over:

- **Behind pace** (kind ``pace``): a single (not recurring) event taking registrations, against
  the client's comparable past events: the ``COMPARISONS`` most recent past events of the same
  kind (webinars with webinars, meetings with meetings) that the Registration pace page offers
  (:func:`erbium_zoom.pace.comparable_past`) and that took registrations. The numbers are the
  page's own (:func:`erbium_zoom.pace.projection`, :func:`erbium_zoom.pace.share_at`): at this
  many days before their start those events had a median share S of their final registrations;
  at that pace this event would end with F = registered now ÷ S. It is **behind** when F is
  below ``BEHIND_BELOW`` % (50 %) of the median final of those events, i.e. when it has less
  than half the registrations they had at the same point, in proportion. It needs at least
  ``MIN_COMPARISONS`` (2) past events with registrations by that point; with fewer, no verdict.
- **Approvals waiting** (kind ``approvals``): registrants pending for longer than
  ``approval_hours`` (24 by default, ``[watch] approval_hours``), by their registration time.
- **Registration that cannot work** (kind ``approvals``, the people who handle registrations),
  from what Zoom's answers show (``../shared/docs/zoom-api.md``; no scope of the 17 reads a user,
  so a deactivated host as such cannot be seen):

  - ``over``: a single event whose scheduled end has passed is still listed as upcoming with
    registration on: its registration link is still out, and Zoom refuses registrations for a
    webinar that is over (error 3038);
  - ``full``: a webinar's registrant cap (``settings.registrants_restrict_number``) is reached,
    or a meeting has Zoom's 4,999 registrants (error 3043): newcomers are turned away;
  - ``no_link``: registration is on, but Zoom gives no registration link for the event;
  - ``host_cannot_host``: Zoom answers that the host may not host or schedule (error 3161);
  - ``host_unknown``: a host of the client profile is unknown to Zoom (error 1001: deleted, or
    moved to another account), so its events, and their registrations, are not seen at all.

  Not rules: ``settings.close_registration`` (it closes registration *after* the event date),
  and manual approval with no one approving (that is "approvals waiting").

- **Heavy quota** (kind ``quota``): the day's Heavy calls on the client's account, as the
  dashboard's Heavy meter counts them (:func:`erbium_zoom.store.heavy_today`), or as Zoom last
  said if it said more, reach ``QUOTA_SHARE`` % (80 %) of the plan's daily cap.

Only on a change: each alert has a key, and the outbox never queues a key twice
(``notifications.key`` is unique). So an event behind pace is told **once, and never again**
(the pace page shows it from then on); a registration problem once per event and rule; waiting
approvals once per event and oldest waiting registrant (approving that one while others still
wait tells again, about the next); the quota once per account and UTC day. Every message says
what to do and links to the page, with the client and the event in the address; none holds an
attendee's name or e-mail (pace sentences name events, not people).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from erbium_zoom import pace
from erbium_zoom.attendance import RECURRING_TYPES
from erbium_zoom.errors import ConfigError
from erbium_zoom.models import Event, EventKind, Registrant
from erbium_zoom.zones import zone

WATCH_TABLE = "watch"
DEFAULT_DAYS = 14
DEFAULT_APPROVAL_HOURS = 24
MAX_DAYS = 180  # Zoom lists upcoming meetings for at most 6 months
COMPARISONS = pace.MAX_COMPARISONS  # past events compared: the most the pace page draws
MIN_COMPARISONS = 2
BEHIND_BELOW = 50  # % of the comparable events' median final
QUOTA_SHARE = 80  # % of the daily Heavy cap
MEETING_REGISTRANT_CAP = 4999  # Zoom: "Meeting has reached maximum attendee capacity" (3043)
KIND_PACE, KIND_APPROVALS, KIND_QUOTA = "pace", "approvals", "quota"
SETTING = "[watch] in the secrets file"

OVER, FULL, NO_LINK, HOST_CANNOT_HOST, HOST_UNKNOWN = (
    "over",
    "full",
    "no_link",
    "host_cannot_host",
    "host_unknown",
)


# ---- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchSettings:
    days: int = DEFAULT_DAYS  # 0: no upcoming-event checks
    approval_hours: float = DEFAULT_APPROVAL_HOURS
    timezone: str = "UTC"  # the calendar days of the pace numbers, as the team's browsers


def _number(table: Mapping, name: str, default, low: float, high: float):
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(
            f"[watch] {name} in the secrets file must be a number from {low:g} to {high:g} "
            f"(it is {value!r}).",
            field=SETTING,
        )
    return value


def settings_from_secrets(secrets: Mapping | None, days: int | None = None) -> WatchSettings:
    """``[watch]`` of the secrets file (``days`` from ``--days`` wins). Raises ConfigError."""
    table = (secrets or {}).get(WATCH_TABLE) or {}
    if not isinstance(table, Mapping):
        raise ConfigError("[watch] in the secrets file must be a table.", field=SETTING)
    tz = table.get("timezone", "UTC")
    try:
        ZoneInfo(tz)  # strict here: zones.zone would take a misspelt name for UTC
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"[watch] timezone in the secrets file is not a time zone ({tz!r}): write it like "
            '"Europe/Paris" or "UTC".',
            field=SETTING,
        ) from None
    chosen = days if days is not None else _number(table, "days", DEFAULT_DAYS, 0, MAX_DAYS)
    if not 0 <= chosen <= MAX_DAYS:
        raise ConfigError(f"--days must be from 0 to {MAX_DAYS}.", field="days")
    hours = _number(table, "approval_hours", DEFAULT_APPROVAL_HOURS, 1, 24 * 30)
    return WatchSettings(int(chosen), hours, tz)


# ---- what a pass found ---------------------------------------------------------------------


@dataclass(frozen=True)
class Upcoming:
    """One upcoming event as the watcher loaded it (details, then registrants when it takes
    registrations)."""

    event: Event
    registrants: tuple[Registrant, ...] | None = None  # None: registration off, or not loaded
    error_code: int | None = None  # Zoom's code when its registrants could not be read

    @property
    def key(self) -> str:
        return f"{self.event.kind.value}:{self.event.id}"

    @property
    def recurring(self) -> bool:
        return self.event.type in RECURRING_TYPES[self.event.kind]

    def over(self, now: datetime) -> bool:
        event = self.event
        if self.recurring or event.start_time is None:
            return False
        return event.start_time + timedelta(minutes=event.duration or 0) < now


@dataclass(frozen=True)
class Compared:
    """A past event a pace is compared with: its key on the pace page and its curve."""

    key: str  # "webinar:UUID", the page's compare= value
    curve: pace.PaceCurve


@dataclass(frozen=True)
class Alert:
    """Something a client's team should hear about, once (``key`` identifies it)."""

    kind: str
    key: str
    client: str
    title: str
    body: str
    line: str  # a few words for the pass's printed report


# ---- links ---------------------------------------------------------------------------------


def link(dashboard_url: str, page: str, title: str, params: Sequence[tuple[str, str]]) -> str:
    """A dashboard page with its query parameters (:mod:`erbium_zoom.urlstate`'s names), or
    what to open without a ``[notify] dashboard_url``."""
    if not dashboard_url:
        return f"the {title} page of the dashboard (set [notify] dashboard_url to get a link here)"
    return f"{dashboard_url}/{page}?{urlencode(list(params))}"


def _when(moment: datetime | None, tz: str) -> str:
    if moment is None:
        return "(no start time)"
    return moment.astimezone(zone(tz)).strftime("%a %d %b %Y %H:%M %Z")


def _event_words(item: Upcoming, tz: str) -> str:
    event = item.event
    return (
        f"the {event.kind.value} {event.topic!r} ({event.id}, starts {_when(event.start_time, tz)})"
    )


def _hours(delta: timedelta) -> str:
    """'3 days', '30 hours', '45 minutes'."""
    hours = delta.total_seconds() / 3600
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    if hours >= 2:
        return f"{hours:.0f} hours"
    return f"{delta.total_seconds() / 60:.0f} minutes"


# ---- behind pace ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PaceVerdict:
    """An upcoming event's registrations against its comparable past events, in the pace
    page's numbers."""

    days_before: int
    registered: int  # by today
    share: float  # the past events' median share of their final at this point (%)
    final: float  # the projection: registered ÷ share (0 with no registrations yet)
    median_final: float  # the past events' median final
    compared: int  # past events with registrations by this point

    @property
    def percent(self) -> float:
        """The projected final as a share of the past events' median final."""
        return 100 * self.final / self.median_final

    @property
    def behind(self) -> bool:
        return self.percent < BEHIND_BELOW


def pace_verdict(
    curve: pace.PaceCurve, comparisons: Sequence[pace.PaceCurve]
) -> PaceVerdict | None:
    """The verdict on an upcoming event's curve; None without ``MIN_COMPARISONS`` past events
    that had registrations by this point, or once the start is past."""
    point = curve.days_to_go
    if point is None or point < 0:
        return None
    used = [other for other in comparisons if pace.share_at(other, point)]
    if len(used) < MIN_COMPARISONS:
        return None
    projected = pace.projection(curve, comparisons)  # the page's projection, None at 0 so far
    shares = [pace.share_at(other, point) for other in used]
    return PaceVerdict(
        days_before=point,
        registered=curve.total_at(point),
        share=projected.share if projected else statistics.median(shares),
        final=projected.final if projected else 0.0,
        median_final=statistics.median(other.total for other in used),
        compared=len(used),
    )


def pace_alert(
    client: str,
    item: Upcoming,
    curve: pace.PaceCurve,
    compared: Sequence[Compared],
    tz: str,
    dashboard_url: str = "",
) -> Alert | None:
    """The behind-pace alert for one event, or None when it is on pace (or cannot be told)."""
    curves = [c.curve for c in compared]
    verdict = pace_verdict(curve, curves)
    if verdict is None or not verdict.behind:
        return None
    event = item.event
    kinds = event.kind.plural
    page = link(
        dashboard_url,
        "pace",
        "Registration pace",
        [("client", client), ("event", item.key), *(("compare", c.key) for c in compared)],
    )
    body = (
        f"{client}: {_event_words(item, tz)} is behind its registration pace. At this point, "
        f"{verdict.days_before} days before their start, the client's last {verdict.compared} "
        f"{kinds} with registrations by then had a median of {verdict.share:.0f} % of their "
        "final registrations; at that pace this one would end "
        f"with about {verdict.final:,.0f}, {verdict.percent:.0f} % of their median final of "
        f"{verdict.median_final:,.0f} (the watcher tells below {BEHIND_BELOW} %).\n\n"
        f"As the Registration pace page shows it (days in {tz}; the shares under the "
        f"“Share of final” scale):\n{pace.pace_sentence(curve, curves)}\n"
        f"{pace.share_summary(curve, curves)}\n\n"
        "What to do: push the campaign now (a reminder to the client's list, partners, social "
        "posts), and check that the registration link is published where the audience looks.\n\n"
        f"Registration pace page: {page}"
    )
    return Alert(
        KIND_PACE,
        f"{client}|pace|{item.key}",
        client,
        f"Behind pace: {client}: {event.topic} ({verdict.registered:,} registered, "
        f"{verdict.days_before} days to go)",
        body,
        f"behind pace: {event.topic} ({verdict.percent:.0f} % of the usual final)",
    )


# ---- approvals -----------------------------------------------------------------------------


def waiting(registrants: Sequence[Registrant], now: datetime, hours: float) -> list[Registrant]:
    """Pending registrants who registered more than ``hours`` ago, the longest waiting first
    (one without a registration time cannot be said to wait: left out)."""
    limit = now - timedelta(hours=hours)
    found = [
        r
        for r in registrants
        if r.status == "pending" and r.create_time is not None and r.create_time <= limit
    ]
    return sorted(found, key=lambda r: (r.create_time, r.id))


def approvals_alert(
    client: str,
    item: Upcoming,
    now: datetime,
    hours: float,
    tz: str,
    dashboard_url: str = "",
) -> Alert | None:
    """Registrants waiting for approval longer than ``hours``: how many, the oldest wait."""
    if item.registrants is None:
        return None
    waiters = waiting(item.registrants, now, hours)
    if not waiters:
        return None
    oldest = waiters[0]
    wait = _hours(now - oldest.create_time)
    pending = sum(r.status == "pending" for r in item.registrants)
    event = item.event
    page = link(
        dashboard_url,
        "registrants",
        "Registrants",
        [("client", client), ("event", item.key), ("status", "pending")],
    )
    count = len(waiters)
    people = "registrant has" if count == 1 else "registrants have"
    start = ""
    if event.start_time is not None and event.start_time > now:
        start = f" The {event.kind.value} starts in {_hours(event.start_time - now)}."
    body = (
        f"{client}: {count} {people} waited more than {hours:g} hours for approval for "
        f"{_event_words(item, tz)}; the longest has waited {wait} (since "
        f"{_when(oldest.create_time, tz)}). {pending} are pending in all.{start}\n\n"
        "What to do: approve or deny them on the Registrants page. A pending registrant has no "
        "join link: until approved, they cannot join.\n\n"
        f"Registrants page: {page}"
    )
    return Alert(
        KIND_APPROVALS,
        f"{client}|approvals|{item.key}|{oldest.id}",
        client,
        f"Approvals waiting: {client}: {count} for {event.topic} (longest {wait})",
        body,
        f"{count} waiting for approval over {hours:g} h: {event.topic}",
    )


# ---- registration that cannot work ---------------------------------------------------------

_WHAT_TO_DO = {
    OVER: "Its scheduled time is over, yet Zoom still lists it as upcoming and its registration "
    "link is still out (Zoom refuses registrations for a webinar that is over). Give it its new "
    "date in Zoom, or end it and take the link down.",
    FULL: "Newcomers are turned away. Raise the cap in the event's registration settings in "
    "Zoom, or say on the invitation that it is full.",
    NO_LINK: "Registration is required, but Zoom gives no registration link, so no one can "
    "register. Open the event in Zoom and save its registration settings again.",
    HOST_CANNOT_HOST: "Zoom says the host may not host or schedule meetings (error 3161): the "
    "host's licence or role changed. Give the host a licence again, or move the event to a "
    "licensed host.",
    HOST_UNKNOWN: "Zoom does not know this host any more (error 1001: deleted, deactivated and "
    "removed, or moved to another account), so the host's events and their registrations are "
    "not watched. Update the client profile's hosts on the All clients page, and move the "
    "host's events to another host in Zoom.",
}
_HEADLINES = {
    OVER: "over, still taking registrations",
    FULL: "registration full",
    NO_LINK: "no registration link",
    HOST_CANNOT_HOST: "host may not host",
}


def registration_alerts(
    client: str, item: Upcoming, now: datetime, tz: str, dashboard_url: str = ""
) -> list[Alert]:
    """What makes an event taking registrations unreachable, one alert per rule found."""
    event = item.event
    if not event.registration_enabled:
        return []
    found = []
    if item.over(now):
        found.append((OVER, ""))
    if item.registrants is not None:
        taken = sum(r.status in ("approved", "pending") for r in item.registrants)
        cap = event.registrants_restrict_number or 0
        if event.kind is EventKind.MEETING:
            cap = MEETING_REGISTRANT_CAP
        if cap and taken >= cap:
            found.append((FULL, f"{taken:,} registrants for a cap of {cap:,}. "))
    if not event.registration_url:
        found.append((NO_LINK, ""))
    if item.error_code == 3161:
        found.append((HOST_CANNOT_HOST, ""))
    page = link(dashboard_url, "events", "Events", [("client", client), ("event", item.key)])
    return [
        Alert(
            KIND_APPROVALS,
            f"{client}|registration|{item.key}|{rule}",
            client,
            f"Registration cannot work: {client}: {event.topic}: {_HEADLINES[rule]}",
            f"{client}: {_event_words(item, tz)} takes registrations, but: {detail}"
            f"{_WHAT_TO_DO[rule]}\n\nEvents page: {page}",
            f"{_HEADLINES[rule]}: {event.topic}",
        )
        for rule, detail in found
    ]


def host_unknown_alert(client: str, host: str, dashboard_url: str = "") -> Alert:
    page = link(dashboard_url, "clients", "All clients", [("client", client)])
    return Alert(
        KIND_APPROVALS,
        f"{client}|registration|host|{host}",
        client,
        f"Registration cannot work: {client}: the host {host} is unknown to Zoom",
        f"{client}: the host {host} of the client profile is unknown to Zoom. "
        f"{_WHAT_TO_DO[HOST_UNKNOWN]}\n\nAll clients page: {page}",
        f"host unknown to Zoom: {host}",
    )


# ---- the Heavy quota -----------------------------------------------------------------------


def quota_alert(
    client: str,
    account_id: str,
    spent: int,
    zoom_left: int | None,
    cap: int,
    plan: str,
    now: datetime,
    dashboard_url: str = "",
) -> Alert | None:
    """The day's Heavy calls at ``QUOTA_SHARE`` % of the cap or more (once per account a day)."""
    used = spent
    said = ""
    if zoom_left is not None and cap - zoom_left > used:
        used = cap - zoom_left
        said = f" (Zoom itself said {zoom_left:,} are left for the whole account)"
    if used < cap * QUOTA_SHARE / 100:
        return None
    day = now.astimezone(UTC).date()
    reset = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    page = link(dashboard_url, "attendance", "Attendance", [("client", client)])
    body = (
        f"{client} (Zoom account {account_id}): {used:,} of the {cap:,} Heavy calls a day "
        f"({plan}) are spent today{said}, {100 * used / cap:.0f} %. Participant reports are "
        f"Heavy calls; at the cap Zoom refuses them until {reset:%H:%M} UTC "
        f"({_hours(reset - now)} from now), for every app on the account.\n\n"
        "What to do: load only the reports needed today (finished ones come from the cache), "
        "and ask who else uses the client's account.\n\n"
        f"Attendance page (its Heavy meter): {page}"
    )
    return Alert(
        KIND_QUOTA,
        f"quota|{account_id}|{day.isoformat()}",
        client,
        f"Heavy quota: {client}: {100 * used / cap:.0f} % of today's {cap:,}",
        body,
        f"Heavy calls today: {used:,} of {cap:,}",
    )
