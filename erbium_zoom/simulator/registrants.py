"""Handlers for registrants: list by status, get, add, delete, approve/deny/cancel.

``/webinars|meetings/{id}/registrants`` and below. Changes stay in this SimulatedZoom: each
simulator gets its own copy of the registrants (see account.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

import httpx

from erbium_zoom.simulator.data import REGISTRANT_STATUSES, _Event, _iso, _registrant
from erbium_zoom.simulator.responses import (
    _daily_headers,
    _error,
    _invalid_value,
    _json_body,
    _json_response,
)

if TYPE_CHECKING:
    from erbium_zoom.simulator.account import SimulatedZoom

ADDS_PER_REGISTRANT_PER_DAY = 3  # Zoom: "Add a registrant: 3 per day per registrant"
MAX_STATUS_BATCH = 30
STATUS_ACTIONS = {"approve": "approved", "deny": "denied", "cancel": None}


def _list_registrants(sim: SimulatedZoom, request, match, path, query, kind) -> httpx.Response:
    event, error = sim._numeric_event(match["eid"], kind)
    if error:
        return error
    status = query.get("status", "approved")
    if status not in REGISTRANT_STATUSES:
        return _invalid_value("status", status)
    # An event without registration simply has no registrants here (UNCONFIRMED: Zoom may
    # answer an error instead).
    items = [r for r in event.registrants.values() if r["status"] == status]
    return sim._paginate(
        path,
        query,
        items,
        "registrants",
        page_number=True,
        view=lambda r: _registrant_view(event, r, single=False),
    )


def _get_registrant(sim: SimulatedZoom, request, match, path, query, kind) -> httpx.Response:
    event, error = sim._numeric_event(match["eid"], kind)
    if error:
        return error
    registrant_id = unquote(match["rid"])
    registrant = event.registrants.get(registrant_id)
    if registrant is None:
        return _registrant_not_found(kind, registrant_id)
    return _json_response(200, _registrant_view(event, registrant, single=True))


def _add_registrant(sim: SimulatedZoom, request, match, path, query, kind) -> httpx.Response:
    event, error = _event_with_registration(sim, match["eid"], kind)
    if error:
        return error
    if kind == "webinar" and sim._state(event) == "ended" and not event.recurring:
        # The spec lists 3038 for webinars only; for meetings it documents no such error.
        return _error(
            400,
            3038,
            "Webinar is over, you cannot register now. If you have "
            "any questions, contact the webinar host.",
        )
    body = _json_body(request)
    if not isinstance(body, dict):
        return _error(400, 300, "Request Body should be a valid JSON object.")
    problems = []
    email = body.get("email")
    if not isinstance(email, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        problems.append({"field": "email", "message": "Invalid field."})
    first_name = body.get("first_name")
    if not isinstance(first_name, str) or not first_name.strip():
        problems.append({"field": "first_name", "message": "Invalid field."})
    if problems:
        return _error(400, 300, "Validation Failed.", errors=problems)
    if email.lower() == event.host["email"]:
        return _error(400, 3027, "Host cannot register.")
    key = (kind, event.id, email.lower(), sim._utc_day())
    if sim._adds.get(key, 0) >= ADDS_PER_REGISTRANT_PER_DAY:
        refused = _error(
            429,
            429,
            f"You have exceeded the daily rate limit ({ADDS_PER_REGISTRANT_PER_DAY}) of Add "
            f"{kind} registrant API requests permitted for this particular registrant. "
            "You may resume these requests at GMT 00:00:00.",
        )
        # These override the category's Limit/Remaining: the limit hit is this one.
        refused.headers.update(_daily_headers(ADDS_PER_REGISTRANT_PER_DAY, key[3]))
        return refused
    sim._adds[key] = sim._adds.get(key, 0) + 1
    registrant = next(
        (r for r in event.registrants.values() if r["email"].lower() == email.lower()), None
    )
    if registrant is None:
        # Registering the same e-mail again returns the existing registration, as Zoom does.
        person = {
            "first_name": first_name.strip(),
            "last_name": str(body.get("last_name") or "").strip(),
            "email": email.strip(),
            "country": str(body.get("country") or ""),
            "org": str(body.get("org") or ""),
            "job_title": str(body.get("job_title") or ""),
        }
        registrant = _registrant(
            sim._opaque(22),
            person,
            "approved" if event.approval_type == 0 else "pending",
            datetime.fromtimestamp(sim.clock(), UTC),
            event,
            sim._opaque(43),
            sim._runtime_rng.randint(100_000, 999_999),
        )
        event.registrants[registrant["id"]] = registrant
    answer = {
        "id": event.id,
        "registrant_id": registrant["id"],
        "join_url": registrant["join_url"],
        "topic": event.topic,
        "start_time": _iso(event.current.start),
    }
    if event.recurring:
        answer["occurrences"] = [
            {
                "occurrence_id": str(int(s.timestamp() * 1000)),
                "start_time": _iso(s),
                "duration": event.duration,
                "status": "available",
            }
            for s in event.upcoming_starts
            if s > sim.now
        ]
    if kind == "meeting":
        answer["participant_pin_code"] = registrant["participant_pin_code"]
    return _json_response(201, answer)


def _delete_registrant(sim: SimulatedZoom, request, match, path, query, kind) -> httpx.Response:
    event, error = sim._numeric_event(match["eid"], kind)
    if error:
        return error
    registrant_id = unquote(match["rid"])
    if registrant_id not in event.registrants:
        return _registrant_not_found(kind, registrant_id)
    del event.registrants[registrant_id]
    return httpx.Response(204)


def _update_status(sim: SimulatedZoom, request, match, path, query, kind) -> httpx.Response:
    event, error = _event_with_registration(sim, match["eid"], kind)
    if error:
        return error
    body = _json_body(request)
    if not isinstance(body, dict):
        return _error(400, 300, "Request Body should be a valid JSON object.")
    action = body.get("action")
    if action not in STATUS_ACTIONS:
        return _error(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "action", "message": "Invalid field."}],
        )
    wanted = body.get("registrants")
    if (
        not isinstance(wanted, list)
        or not wanted
        or not all(isinstance(entry, dict) for entry in wanted)
    ):
        return _error(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "registrants", "message": "Invalid field."}],
        )
    if len(wanted) > MAX_STATUS_BATCH:
        return _error(400, 300, "The number of registrants can not exceed 30.")
    by_email = {r["email"].lower(): r for r in event.registrants.values()}
    for entry in wanted:
        registrant = event.registrants.get(str(entry.get("id") or "")) or by_email.get(
            str(entry.get("email") or "").lower()
        )
        if registrant is None:
            continue  # Zoom answers 204 and skips unknown registrants
        new_status = STATUS_ACTIONS[action]
        if new_status is None:
            # Zoom: cancel is for "a previously approved registrant's registration"; it
            # documents nothing for others, so they stay as they are (still 204).
            if registrant["status"] == "approved":
                del event.registrants[registrant["id"]]
        else:  # approve: pending or denied → approved; deny: pending or approved → denied
            registrant["status"] = new_status
    return httpx.Response(204)


def _registrant_view(event: _Event, registrant: dict, *, single: bool) -> dict:
    view = {name: value for name, value in registrant.items() if not name.startswith("_")}
    view["custom_questions"] = [dict(q) for q in registrant["custom_questions"]]
    if single and event.kind == "webinar":
        view["language"] = "en-US"
    return view


def _event_with_registration(
    sim: SimulatedZoom, raw: str, kind: str
) -> tuple[_Event | None, httpx.Response | None]:
    """The event a change to registrants is for, or Zoom's error: no such event, or one
    without registration."""
    event, error = sim._numeric_event(raw, kind)
    if error is None and not event.registration:
        error = _registration_off(event)
    return event, error


def _registration_off(event: _Event) -> httpx.Response:
    """Code 3000 on an event without registration, in the spec's words for each kind."""
    if event.kind == "webinar":
        return _error(
            400, 3000, f"This webinar does not have registration as required: {event.id}."
        )
    return _error(400, 3000, "Cannot access meeting info.")


def _registrant_not_found(kind: str, registrant_id: str) -> httpx.Response:
    if kind == "webinar":
        return _error(404, 3079, f"This registrant does not exist: {registrant_id}.")
    return _error(404, 3000, f"Registrant {registrant_id} was not found.")
