"""Handlers for events: a user's webinar or meeting list, and one event's details.

``GET /users/{userId}/webinars|meetings`` and ``GET /webinars|meetings/{id or UUID}``, with
the list item and detail bodies Zoom sends.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

import httpx

from erbium_zoom.simulator.data import _Event, _Instance, _iso
from erbium_zoom.simulator.responses import (
    _decode_event_ref,
    _error,
    _invalid_value,
    _json_response,
)

if TYPE_CHECKING:
    from erbium_zoom.simulator.account import SimulatedZoom


def _list_events(sim: SimulatedZoom, request, match, path, query, kind) -> httpx.Response:
    user = unquote(match["user"])
    host = sim._find_host(user)
    if host is None:
        return _error(404, 1001, f"User does not exist: {user}.")
    choice = query.get("type", "scheduled")
    wanted = {
        "scheduled": ("upcoming", "live", "ended"),
        "upcoming": ("upcoming", "live"),
    }
    if kind == "meeting":
        wanted.update(
            live=("live",), upcoming_meetings=("upcoming", "live"), previous_meetings=("ended",)
        )
    if choice not in wanted:
        return _invalid_value("type", choice)
    items = [
        _list_item(event)
        for event in sim._events
        if event.kind == kind
        and event.host is host
        and event.listed
        and sim._state(event) in wanted[choice]
    ]
    return sim._paginate(path, query, items, f"{kind}s", page_number=True)


def _get_event(sim: SimulatedZoom, request, match, path, query, kind) -> httpx.Response:
    raw = match["eid"]
    ref = _decode_event_ref(raw)
    event, instance = None, None
    if ref is not None and ref.isdigit():
        event = sim._by_id.get((kind, int(ref)))
    elif ref is not None:
        event, instance = sim._by_uuid.get((kind, ref), (None, None))
    if event is None:
        return _error(404, 3001, f"{kind.capitalize()} does not exist: {ref or unquote(raw)}.")
    show_previous = query.get("show_previous_occurrences", "").lower() == "true"
    return _json_response(200, _detail(sim, event, instance, show_previous))


def _list_item(event: _Event, instance: _Instance | None = None) -> dict:
    instance = instance or event.current
    item = {
        "uuid": instance.uuid,
        "id": event.id,
        "host_id": event.host["id"],
        "topic": event.topic,
        "type": event.type,
        "start_time": _iso(instance.start),
        "duration": event.duration,
        "timezone": event.timezone,
        "agenda": event.agenda[:250],  # Zoom truncates the agenda in lists
        "created_at": _iso(event.created_at),
        "join_url": event.join_url,
    }
    if event.kind == "webinar":
        item["is_simulive"] = False
    return item


def _detail(
    sim: SimulatedZoom, event: _Event, instance: _Instance | None, show_previous: bool
) -> dict:
    body = _list_item(event, instance)
    body["agenda"] = event.agenda
    body["host_email"] = event.host["email"]
    body["password"] = event.password
    body["start_url"] = f"https://us06web.zoom.us/s/{event.id}?zak=simulated-host-key"
    if event.registration:
        body["registration_url"] = event.registration_url
    host_name = f"{event.host['first_name']} {event.host['last_name']}"
    settings: dict = {
        "host_video": True,
        "approval_type": event.approval_type,
        "audio": "both",
        "auto_recording": "none",
        "close_registration": False,
        "show_share_button": True,
        "allow_multiple_devices": True,
        "registrants_confirmation_email": True,
        "registrants_email_notification": True,
        "contact_name": host_name,
        "contact_email": event.host["email"],
        "meeting_authentication": False,
        "alternative_hosts": "",
        "enforce_login": False,
    }
    if event.registration:
        settings["registration_type"] = 1
    if event.kind == "webinar":
        settings.update(
            panelists_video=True,
            practice_session=False,
            hd_video=False,
            on_demand=False,
            post_webinar_survey=False,
            email_language="en-US",
        )
    else:
        settings.update(
            participant_video=False,
            join_before_host=False,
            mute_upon_entry=True,
            waiting_room=not event.registration,
            use_pmi=False,
            email_notification=True,
        )
        body["status"] = "started" if sim._state(event) == "live" else "waiting"
        body["pre_schedule"] = False
    body["settings"] = settings
    body["creation_source"] = "web_portal"
    if event.recurring:
        starts = [i.start for i in event.instances[:-1]] if show_previous else []
        starts += [s for s in event.upcoming_starts if s > sim.now]
        body["occurrences"] = [
            {
                "occurrence_id": str(int(s.timestamp() * 1000)),
                "start_time": _iso(s),
                "duration": event.duration,
                "status": "available",
            }
            for s in starts
        ]
        body["recurrence"] = {
            "type": 2,
            "repeat_interval": 1,
            "weekly_days": _zoom_weekday(event.current.start),
            "end_times": len(event.instances) - 1 + len(event.upcoming_starts),
        }
    return body


def _zoom_weekday(moment: datetime) -> str:
    # Zoom numbers weekdays 1 = Sunday … 7 = Saturday; Python's Monday is 0.
    return str((moment.weekday() + 1) % 7 + 1)
