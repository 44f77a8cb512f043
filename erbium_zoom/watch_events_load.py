"""The watcher's event and quota checks of one client, through the connection check's ZoomClient
(the same limiter, Heavy meter and guard): load the facts from Zoom, apply the rules of
:mod:`erbium_zoom.watch_events`, and turn the alerts into outbox messages.

Calls per client and pass (README, "Watching every client"), none of them Heavy:

- per host, 2 Medium: the upcoming webinars and meetings (one page of 300 each);
- per event starting within ``days`` (or over but still listed), 1 Light: its details
  (registration settings are not in list answers); then, when it takes registrations, 3 Medium:
  its registrants by status (one more per 300 registrants of a status);
- only when an event can be judged on pace: per host, 2 Medium, the past webinars and meetings;
  then per past event compared (up to 5 of each kind), 3 Medium (one more per 300), or 1 when
  Zoom answers that it took no registrations;
- the Heavy quota: no call (the Heavy meter is counted here, and Zoom's own figure comes with
  the connection check's Heavy probe).

The token is the connection check's (cached): no token request more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from erbium_zoom import pace
from erbium_zoom.attendance import load_past_events, registration_off
from erbium_zoom.client import ZoomClient
from erbium_zoom.errors import ApiError, UserNotFound, ZoomError, user_message
from erbium_zoom.listing import FATAL
from erbium_zoom.models import REGISTRANT_STATUSES, EventKind, Registrant
from erbium_zoom.ratelimit import Plan
from erbium_zoom.watch_events import (
    COMPARISONS,
    Alert,
    Compared,
    Upcoming,
    WatchSettings,
    approvals_alert,
    host_unknown_alert,
    pace_alert,
    quota_alert,
    registration_alerts,
)


@dataclass
class EventFacts:
    """What Zoom said about a client's upcoming events, and what could not be loaded."""

    upcoming: list[Upcoming] = field(default_factory=list)
    compared: dict[EventKind, list[Compared]] = field(default_factory=dict)
    unknown_hosts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _registrants(client: ZoomClient, kind: EventKind, event_id: int) -> tuple[Registrant, ...]:
    """Every status's list, as the Registration pace page reads them (ui.registrant_lists)."""
    return tuple(r for s in REGISTRANT_STATUSES for r in client.list_registrants(kind, event_id, s))


def _said(what: str, error: ZoomError) -> str:
    return f"{what}: {user_message(error)}"


def judged_on_pace(item: Upcoming, now: datetime) -> bool:
    """A single event with its registrants and a start still to come."""
    start = item.event.start_time
    return item.registrants is not None and not item.recurring and start is not None and start > now


def load_facts(
    client: ZoomClient, hosts: Sequence[str], now: datetime, settings: WatchSettings
) -> EventFacts:
    """The hosts' events of the next ``settings.days`` days with their registrants, and the
    past events to compare their pace with. Raises only what stops every call (FATAL)."""
    facts = EventFacts()
    horizon = now + timedelta(days=settings.days)
    listed, seen = [], set()
    for host in hosts:
        for kind in EventKind:
            try:
                events = client.list_events(kind, host, "upcoming")
            except FATAL:
                raise
            except UserNotFound:
                if host not in facts.unknown_hosts:
                    facts.unknown_hosts.append(host)
                continue
            except ZoomError as error:
                facts.problems.append(_said(f"Upcoming {kind.plural} of {host}", error))
                continue
            for event in events:
                if (kind, event.id) in seen or event.start_time is None:
                    continue
                seen.add((kind, event.id))
                if event.start_time <= horizon:
                    listed.append(event)
    for event in listed:
        try:
            details = client.get_event(event.kind, event.id)
        except FATAL:
            raise
        except ZoomError as error:
            facts.problems.append(_said(f"Details of {event.topic} ({event.id})", error))
            continue
        if not details.registration_enabled:
            continue
        try:
            facts.upcoming.append(Upcoming(details, _registrants(client, event.kind, event.id)))
        except FATAL:
            raise
        except ZoomError as error:
            code = error.code if isinstance(error, ApiError) else None
            if code != 3161 and not registration_off(error):
                facts.problems.append(_said(f"Registrants of {event.topic} ({event.id})", error))
            facts.upcoming.append(Upcoming(details, None, code))
    kinds = {item.event.kind for item in facts.upcoming if judged_on_pace(item, now)}
    if kinds:
        _load_comparisons(client, hosts, settings.timezone, kinds, facts)
    return facts


def _load_comparisons(
    client: ZoomClient, hosts: Sequence[str], tz: str, kinds: set[EventKind], facts: EventFacts
) -> None:
    """Per kind, the ``COMPARISONS`` most recent past events the pace page offers that took
    registrations, as the page draws them (:func:`erbium_zoom.pace.pace_curve`)."""
    past = load_past_events(client, hosts)
    facts.problems.extend(_said(p.what, p.error) for p in past.problems)
    for kind in sorted(kinds):
        compared: list[Compared] = []
        for ref in pace.comparable_past(past.refs):
            if ref.kind is not kind:
                continue
            if len(compared) == COMPARISONS:
                break
            try:
                registrants = _registrants(client, kind, ref.event_id)
            except FATAL:
                raise
            except ZoomError as error:
                if not registration_off(error):  # took no registrations: not compared
                    facts.problems.append(_said(f"Registrants of {ref.topic}", error))
                continue
            if not registrants:  # none at all: took none (or all cancelled), says nothing
                continue
            curve = pace.pace_curve(registrants, ref.start, tz, label=ref.topic)
            compared.append(Compared(ref.key, curve))
        facts.compared[kind] = compared


def event_alerts(
    client: ZoomClient,
    name: str,
    hosts: Sequence[str],
    now: datetime,
    settings: WatchSettings,
    dashboard_url: str = "",
) -> tuple[list[Alert], list[str]]:
    """One client's upcoming-event alerts, and the problems met loading them (in words)."""
    if settings.days <= 0:
        return [], []
    try:
        facts = load_facts(client, hosts, now, settings)
    except ZoomError as error:
        return [], [_said(f"{name}: upcoming events not checked", error)]
    tz = settings.timezone
    today = pace.local_day(now, tz)
    alerts = [host_unknown_alert(name, host, dashboard_url) for host in facts.unknown_hosts]
    for item in facts.upcoming:
        alerts += registration_alerts(name, item, now, tz, dashboard_url)
        waiting = approvals_alert(name, item, now, settings.approval_hours, tz, dashboard_url)
        if waiting is not None:
            alerts.append(waiting)
        if judged_on_pace(item, now):
            event = item.event
            curve = pace.pace_curve(
                item.registrants, event.start_time, tz, label=event.topic, today=today
            )
            compared = facts.compared.get(event.kind, [])
            behind = pace_alert(name, item, curve, compared, tz, dashboard_url)
            if behind is not None:
                alerts.append(behind)
    return alerts, [f"{name}: {problem}" for problem in facts.problems]


def quota_check(
    limiter, plan: Plan, quota: str, account_id: str, name: str, now: datetime, dashboard_url=""
) -> Alert | None:
    """The account's Heavy quota today, as the dashboard's Heavy meter counts it."""
    from erbium_zoom.store import heavy_today

    spent, _ = heavy_today(limiter, quota)
    left = limiter.zoom_heavy_left()
    return quota_alert(
        name, account_id, spent, left, plan.heavy_daily, plan.name, now, dashboard_url
    )


def outgoing(alert: Alert, notify) -> list:
    """The alert's message once per destination that takes its kind and client."""
    from erbium_zoom.notify import Message, addressed

    return addressed(alert.key, alert.client, Message(alert.title, alert.body, alert.kind), notify)
