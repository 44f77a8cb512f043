"""Loading the upcoming events of a client's hosts, with registration settings and counts.

I/O through a ZoomClient, no streamlit. A failure for one host or one kind of event is kept as
a problem next to the rest, so a page can show what loaded and say what did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from erbium_zoom.client import ZoomClient
from erbium_zoom.errors import (
    ApiError,
    AuthError,
    TokenRejected,
    UserNotFound,
    ZoomError,
    ZoomUnreachable,
)
from erbium_zoom.models import Event, EventKind, RegistrantCounts
from erbium_zoom.parallel import run_ordered

# Errors after which nothing else can load either: raised rather than kept as a problem.
FATAL: tuple[type[ZoomError], ...] = (AuthError, ZoomUnreachable, TokenRejected)


@dataclass(frozen=True)
class ListingProblem:
    """What could not be loaded, and why."""

    what: str  # e.g. "Webinars of me", "Registrant counts of 8123…"
    error: ZoomError


@dataclass
class EventListing:
    """Upcoming events over all hosts, with what loaded and what did not."""

    events: list[Event] = field(default_factory=list)
    counts: dict[tuple[str, int], RegistrantCounts] = field(default_factory=dict)
    host_labels: dict[str, str] = field(default_factory=dict)
    problems: list[ListingProblem] = field(default_factory=list)
    rejected_hosts: list[str] = field(default_factory=list)

    def find(self, kind: str, event_id: int) -> Event | None:
        return next((e for e in self.events if e.kind.value == kind and e.id == event_id), None)


def host_label(host: str) -> str:
    return "me (account owner)" if host == "me" else host


def load_upcoming(client: ZoomClient, hosts: tuple[str, ...], *, workers: int = 1) -> EventListing:
    """Upcoming webinars and meetings per host; details and registrant counts per event.

    Raises only when nothing can load (authentication, network); other failures are kept
    in ``problems`` next to what did load.

    List answers carry no registration settings, so each event is fetched once (a Light
    call) and its registrants counted only when registration is on (3 Medium calls of one
    row each, from ``total_records``). With ``workers`` > 1 the lists, the details and the
    counts are each asked side by side; the result is the same as one after another.
    """
    client.fetch_token()  # a sign-in failure stops everything: raise it once, clearly
    listing = EventListing()
    seen: set[tuple[str, int]] = set()
    pairs = [(host, kind) for host in hosts for kind in EventKind]
    lists = run_ordered(
        [partial(client.list_events, kind, host, "upcoming") for host, kind in pairs],
        workers,
        fatal=FATAL,  # nothing else can load either: one message says it all
    )
    failures: dict[str, int] = {}
    for (host, kind), outcome in zip(pairs, lists, strict=True):
        if outcome.error is not None:
            error = _zoom_error(outcome.error)
            if _rejects_host(host, error):
                failures[host] = failures.get(host, 0) + 1
            listing.problems.append(ListingProblem(f"{kind.title}s of {host}", error))
            continue
        for event in outcome.value:
            if (event.kind.value, event.id) in seen:
                continue  # a co-hosted event listed under two hosts
            seen.add((event.kind.value, event.id))
            listing.host_labels.setdefault(event.host_id or "", host_label(host))
            listing.events.append(event)
    listing.rejected_hosts = [host for host in hosts if failures.get(host) == len(EventKind)]
    details = run_ordered(
        [partial(client.get_event, event.kind, event.id) for event in listing.events], workers
    )
    for n, (event, outcome) in enumerate(zip(listing.events, details, strict=True)):
        if outcome.error is not None:
            error = _zoom_error(outcome.error)
            listing.problems.append(ListingProblem(f"Details of {event.topic} ({event.id})", error))
        else:
            listing.events[n] = outcome.value
    counted = [event for event in listing.events if event.registration_enabled]
    counts = run_ordered(
        [partial(client.count_registrants, event.kind, event.id) for event in counted], workers
    )
    for event, outcome in zip(counted, counts, strict=True):
        if outcome.error is not None:
            listing.problems.append(
                ListingProblem(
                    f"Registrant counts of {event.topic} ({event.id})", _zoom_error(outcome.error)
                )
            )
        else:
            listing.counts[(event.kind.value, event.id)] = outcome.value
    return listing


def _zoom_error(error: Exception) -> ZoomError:
    """A call's error as it is kept in ``problems``; anything but a ZoomError is a bug: raised."""
    if isinstance(error, ZoomError):
        return error
    raise error


def _rejects_host(host: str, error: ZoomError) -> bool:
    """Zoom refused the host itself (not the plan, a scope or the rate limit).

    Zoom does not document whether "me" works with a Server-to-Server token; a plain API
    error on "me" is taken as a refusal so the page asks for host e-mails.
    """
    return isinstance(error, UserNotFound) or (host == "me" and type(error) is ApiError)
