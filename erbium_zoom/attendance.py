"""Loading attendance: past events, their participant reports and registrant lists.

I/O through a :class:`~erbium_zoom.client.ZoomClient`, no streamlit, no metrics (those are in
:mod:`erbium_zoom.reports`). Each event is loaded by :func:`load_event_attendance` on its own and
ends in one :class:`EventState`: a report that cannot be had yet (or any more, or at all) is a
state with words, not a failure, so a page shows it next to the events that did load. The
function touches nothing shared, so :func:`load_many` runs it for several events side by side;
within one event the report's pages and the three registrant lists can run side by side too.
The account's rate limiter (in the client) keeps all of it under Zoom's limits.

A finished event's result (:func:`is_final`) no longer changes, so :func:`load_many` can take it
from a store (the SQLite file of :mod:`erbium_zoom.store`) without asking Zoom, and saves new
ones there.

Recurring series: an occurrence's UUID gives that occurrence's report; the numeric ID gives
only the latest occurrence that has ended (Zoom's rule for report endpoints).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import partial
from typing import Protocol
from urllib.parse import unquote

from erbium_zoom.client import ZoomClient
from erbium_zoom.errors import (
    ApiError,
    EventNotFound,
    MissingScope,
    PlanRequired,
    RateLimited,
    TooOld,
    ZoomError,
    user_message,
)
from erbium_zoom.listing import FATAL, ListingProblem, host_label
from erbium_zoom.models import (
    REGISTRANT_STATUSES,
    Event,
    EventKind,
    Participant,
    Registrant,
)
from erbium_zoom.parallel import Outcome, capture, run_ordered
from erbium_zoom.reports import EventHeading
from erbium_zoom.zones import zone

REPORT_DELAY = timedelta(minutes=30)  # Zoom makes the report about this long after the end
NOT_READY_WINDOW = timedelta(minutes=60)  # a missing report this soon after the end is "not yet"
CACHE_SECONDS = 30 * 60  # a loaded result is reused this long; "Load" asks again unless READY
FINAL_AFTER = timedelta(hours=2)  # a report loaded this long after the end no longer changes
RECURRING_TYPES = {EventKind.MEETING: (3, 8), EventKind.WEBINAR: (6, 9)}
NUMERIC_ID_NOTE = (
    "For a recurring series, a numeric ID gives only the latest occurrence that has ended; add "
    "each occurrence by its UUID to count it separately."
)

_UUID = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}")


class EventState(StrEnum):
    """Where one event's attendance stands."""

    READY = "ready"
    NOT_ENDED = "not_ended"
    NOT_READY = "not_ready"
    TOO_OLD = "too_old"
    NO_PLAN = "no_plan"
    RATE_LIMITED = "rate_limited"
    MISSING_SCOPE = "missing_scope"
    ERROR = "error"

    @property
    def title(self) -> str:
        return STATE_TITLES[self]


STATE_TITLES: dict[EventState, str] = {
    EventState.READY: "Loaded",
    EventState.NOT_ENDED: "Not ended yet",
    EventState.NOT_READY: "Report not ready yet",
    EventState.TOO_OLD: "Older than Zoom keeps",
    EventState.NO_PLAN: "Plan without reports",
    EventState.RATE_LIMITED: "Rate-limited",
    EventState.MISSING_SCOPE: "Scope missing",
    EventState.ERROR: "Could not load",
}

# Error class → state, most specific first.
_STATE_BY_ERROR: tuple[tuple[type[ZoomError], EventState], ...] = (
    (TooOld, EventState.TOO_OLD),
    (PlanRequired, EventState.NO_PLAN),
    (RateLimited, EventState.RATE_LIMITED),
    (MissingScope, EventState.MISSING_SCOPE),
)


class InvalidEventRef(ValueError):
    """What was typed is neither a numeric event ID nor a UUID."""


def parse_event_text(text: str) -> str:
    """A typed event reference as Zoom wants it: the digits of an ID, or the UUID.

    Spaces and dashes inside an ID are dropped ("812 3456 7890" as Zoom shows it); a UUID
    copied URL-encoded is decoded once.
    """
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidEventRef("Enter a meeting or webinar ID, or an occurrence's UUID.")
    digits = re.sub(r"[\s-]", "", cleaned)
    if digits.isdigit():
        if not 9 <= len(digits) <= 12:
            raise InvalidEventRef(
                f"{cleaned!r} has {len(digits)} digits; Zoom's meeting and webinar IDs have "
                "9 to 12."
            )
        return digits
    candidate = unquote(cleaned) if "%" in cleaned else cleaned
    if _UUID.fullmatch(candidate) and not candidate.isdigit():
        return candidate
    raise InvalidEventRef(
        f"{cleaned!r} is neither a numeric ID (such as 812 3456 7890) nor a UUID (such as "
        "4444AAAiAAAAAiAiAiiAii==)."
    )


@dataclass(frozen=True)
class EventRef:
    """One event (or one occurrence) to load, with what is known about it so far."""

    kind: EventKind
    event_id: int | None = None
    uuid: str | None = None
    topic: str = ""
    start: datetime | None = None  # of this occurrence, scheduled
    duration: int | None = None  # minutes, scheduled
    type: int | None = None
    approval_type: int | None = None  # 0 auto, 1 manual, 2 no registration
    added: bool = False  # typed in rather than picked from Zoom's list
    note: str = ""  # e.g. which occurrence a numeric ID gave

    @classmethod
    def from_event(cls, event: Event) -> EventRef:
        """A listed event; its UUID names exactly this occurrence."""
        return cls(
            kind=event.kind,
            event_id=event.id or None,
            uuid=event.uuid or None,
            topic=event.topic,
            start=event.start_time,
            duration=event.duration,
            type=event.type,
            approval_type=event.approval_type,
        )

    @classmethod
    def from_text(cls, kind: EventKind, text: str) -> EventRef:
        """An event typed in by ID or UUID (raises :class:`InvalidEventRef`)."""
        value = parse_event_text(text)
        if value.isdigit():
            return cls(kind=kind, event_id=int(value), added=True)
        return cls(kind=kind, uuid=value, added=True)

    @property
    def report_id(self) -> str:
        """What the report endpoint is asked for: the UUID when known, else the numeric ID."""
        return self.uuid or str(self.event_id or "")

    @property
    def key(self) -> str:
        """Stable and unique per event or occurrence: a picker value and a cache key."""
        return f"{self.kind.value}:{self.report_id}"

    @property
    def end(self) -> datetime | None:
        if self.start is None or self.duration is None:
            return None
        return self.start + timedelta(minutes=self.duration)

    @property
    def recurring(self) -> bool:
        return self.type in RECURRING_TYPES[self.kind]

    def label(self, tz: str | None = "UTC") -> str:
        """How the event appears in pickers and tables."""
        if not self.topic:  # typed in, not loaded yet
            return f"{self.kind.title} {self.report_id}"
        if self.start is None:
            return f"{self.kind.title}: {self.topic}"
        when = self.start.astimezone(zone(tz)).strftime("%d %b %Y %H:%M")
        return f"{self.kind.title}: {self.topic} ({when})"


@dataclass(frozen=True)
class AttendanceResult:
    """One event's outcome: its state and, when READY, its report and registrants."""

    ref: EventRef
    state: EventState
    participants: tuple[Participant, ...] = ()
    # status → registrants; None when registration is off or the lists did not load
    registrants: Mapping[str, tuple[Registrant, ...]] | None = None
    registration: bool | None = None  # False: the event takes no registrations
    error: ZoomError | None = None  # why the state is not READY (when an error said so)
    registrants_error: ZoomError | None = None  # the report loaded, the registrants did not
    loaded_at: datetime | None = None  # when Zoom was asked
    from_cache: bool = False  # read back from the report cache on this computer


class ResultStore(Protocol):
    """Where finished events' results are kept between visits (see erbium_zoom.store)."""

    def get(self, ref: EventRef) -> AttendanceResult | None: ...

    def put(self, result: AttendanceResult) -> None: ...


@dataclass
class PastEvents:
    """Past events of the hosts, and what could not be listed."""

    refs: list[EventRef] = field(default_factory=list)
    problems: list[ListingProblem] = field(default_factory=list)


# ---- listing -----------------------------------------------------------------------------------


def load_past_events(client: ZoomClient, hosts: Sequence[str], *, workers: int = 1) -> PastEvents:
    """Ended webinars and meetings Zoom still lists for the hosts, most recent first.

    Raises only when nothing can load (authentication, network); a failure for one host or
    kind is kept in ``problems``. With ``workers`` > 1 the lists are asked side by side.
    """
    past = PastEvents()
    seen: set[str] = set()
    pairs = [(host, kind) for host in hosts for kind in EventKind]
    lists = run_ordered(
        [partial(client.list_past_events, kind, host) for host, kind in pairs],
        workers,
        fatal=FATAL,
    )
    for (host, kind), outcome in zip(pairs, lists, strict=True):
        if outcome.error is not None:
            if not isinstance(outcome.error, ZoomError):
                raise outcome.error
            what = f"Past {kind.plural} of {host_label(host)}"
            past.problems.append(ListingProblem(what, outcome.error))
            continue
        for event in outcome.value:
            ref = EventRef.from_event(event)
            if ref.key not in seen:
                seen.add(ref.key)
                past.refs.append(ref)
    # Most recent first; an event without a start time (never seen from Zoom) last.
    past.refs.sort(key=lambda ref: (ref.start is not None, ref.start and ref.start.timestamp()))
    past.refs.reverse()
    return past


def in_window(refs: Iterable[EventRef], first: date, last: date, tz: str | None) -> list[EventRef]:
    """The events starting between two dates (inclusive) in the viewer's time zone."""
    zone_ = zone(tz)
    low = datetime.combine(first, time.min, zone_)
    high = datetime.combine(last, time.max, zone_)
    return [ref for ref in refs if ref.start is not None and low <= ref.start <= high]


# ---- one event ---------------------------------------------------------------------------------


def load_event_attendance(
    client: ZoomClient, ref: EventRef, now: datetime, *, parallel: bool = False
) -> AttendanceResult:
    """One event's participant report and registrants, or the state that says why not.

    Whether the event has ended is decided from its scheduled start and duration before any
    report is asked for, so an event still running spends none of the account's Heavy calls.
    With ``parallel``, an event that ended long enough ago for its report to exist has its
    three registrant lists asked while the report's pages come in; otherwise they are asked
    after the report, and only when it loaded.
    """
    ref = _with_details(client, ref)
    if ref.recurring and ref.uuid is None:
        ref = _latest_occurrence(client, ref, now)
    end = ref.end
    if end is not None and end > now:
        return AttendanceResult(ref, EventState.NOT_ENDED, loaded_at=now)
    recently_ended = end is not None and now - end <= NOT_READY_WINDOW
    registration = None if ref.approval_type is None else ref.approval_type in (0, 1)
    wants_registrants = registration is not False and ref.event_id is not None
    calls = [
        partial(client.list_registrants, ref.kind, ref.event_id, status)
        for status in (REGISTRANT_STATUSES if wants_registrants else ())
    ]
    early = parallel and wants_registrants and end is not None and not recently_ended
    # Leaving the block waits for the registrant lists, so no call outlives this function.
    pool_or_none = ThreadPoolExecutor(len(calls), "zoom-registrants") if early else nullcontext()
    with pool_or_none as pool:
        started = [pool.submit(capture, call) for call in calls] if early else []
        try:
            participants = tuple(client.list_participants(ref.kind, ref.report_id))
        except EventNotFound as error:
            state = EventState.NOT_READY if recently_ended else EventState.ERROR
            return AttendanceResult(ref, state, error=error, loaded_at=now)
        except ZoomError as error:
            return AttendanceResult(ref, state_for(error), error=error, loaded_at=now)
        if recently_ended and not any(p.duration for p in participants):
            # Zoom: durations of 0 (or no rows) soon after the end mean "not processed yet".
            return AttendanceResult(ref, EventState.NOT_READY, loaded_at=now)
        registrants, registrants_error = None, None
        if wants_registrants:
            if early:
                outcomes = [future.result() for future in started]
            else:
                outcomes = []
                for call in calls:  # one after another; the first error ends it
                    outcomes.append(capture(call))
                    if outcomes[-1].error is not None:
                        break
            registrants, registration, registrants_error = _registrant_lists(outcomes, registration)
    return AttendanceResult(
        ref,
        EventState.READY,
        participants=participants,
        registrants=registrants,
        registration=registration,
        registrants_error=registrants_error,
        loaded_at=now,
    )


def _registrant_lists(
    outcomes: Sequence[Outcome], registration: bool | None
) -> tuple[dict | None, bool | None, ZoomError | None]:
    """The lists per status, the registration setting and the error, from the three calls."""
    error = next((o.error for o in outcomes if o.error is not None), None)
    if error is None:
        lists = {
            status: tuple(o.value) for status, o in zip(REGISTRANT_STATUSES, outcomes, strict=True)
        }
        return lists, True if registration is None else registration, None
    if registration_off(error):
        return None, False, None
    if isinstance(error, ZoomError):
        return None, registration, error
    raise error


def registration_off(error: BaseException) -> bool:
    """Whether a registrant-list error means the event takes no registrations (code 3000:
    "Cannot access meeting info" / "does not have registration as required")."""
    return isinstance(error, ApiError) and error.code == 3000


def is_final(result: AttendanceResult, now: datetime) -> bool:
    """Whether a result can no longer change, so it may be kept and reused without asking Zoom.

    A loaded report with its registrants (or none to have), of a single event that ended well
    over an hour ago. Recurring series are left out: their one registrant list keeps changing
    with the series' next occurrences.
    """
    ref = result.ref
    end = ref.end
    return (
        result.state is EventState.READY
        and result.registrants_error is None
        and not result.from_cache
        and not ref.recurring
        and ref.type is not None
        and end is not None
        and now - end >= FINAL_AFTER
    )


def state_for(error: ZoomError) -> EventState:
    """The state an error from the report endpoint puts an event in."""
    for error_class, state in _STATE_BY_ERROR:
        if isinstance(error, error_class):
            return state
    return EventState.ERROR


def load_many(
    client: ZoomClient,
    refs: Sequence[EventRef],
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    load: Callable[[ZoomClient, EventRef, datetime], AttendanceResult] | None = None,
    *,
    workers: int = 1,
    store: ResultStore | None = None,
    refresh: bool = False,
) -> list[AttendanceResult]:
    """Every event's result, in the order given; ``progress(done, total)`` after each one.

    ``workers`` > 1 loads that many events side by side (and, with the default loader, each
    event's report and registrant lists side by side); ``progress`` is still called from the
    caller's thread. With a ``store``, finished events come from it without a call (unless
    ``refresh``), and events that finished loading now are saved to it.
    """
    if load is None:
        load = partial(load_event_attendance, parallel=workers > 1)
    total = len(refs)
    results: list[AttendanceResult | None] = [None] * total
    done = 0

    def report() -> None:
        if progress is not None:
            progress(done, total)

    report()
    waiting = []
    for index, ref in enumerate(refs):
        kept = None if store is None or refresh else store.get(ref)
        if kept is None:
            waiting.append(index)
        else:
            results[index] = kept
            done += 1
    if done:
        report()

    def finish(index: int, result: AttendanceResult) -> None:
        nonlocal done
        results[index] = result
        done += 1
        if store is not None and is_final(result, now):
            store.put(result)
        report()

    if workers <= 1 or len(waiting) <= 1:
        for index in waiting:
            finish(index, load(client, refs[index], now))
    else:
        with ThreadPoolExecutor(min(workers, len(waiting)), "zoom-events") as pool:
            futures = {pool.submit(load, client, refs[index], now): index for index in waiting}
            try:
                for future in as_completed(futures):
                    finish(futures[future], future.result())
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return results  # type: ignore[return-value]


# ---- words -------------------------------------------------------------------------------------


def state_message(result: AttendanceResult, tz: str | None = "UTC") -> str:
    """What to tell a person about an event that is not READY (or about its registrants)."""
    end = result.ref.end
    when = _when(end, tz) if end is not None else ""
    if result.state is EventState.READY:
        return ""
    if result.state is EventState.NOT_ENDED:
        return (
            f"It is scheduled to end at {when}. Zoom makes the participant report about "
            "30 minutes after the end, so no report was asked for."
        )
    if result.state is EventState.NOT_READY:
        ended = f"It ended at {when}; " if when else ""
        return (
            f"{ended}Zoom needs about 30 minutes after the end (longer after large events) to "
            "make the participant report. Load again later."
        )
    if result.error is not None:
        return user_message(result.error)
    return "Zoom gave no report for this event."


def registrants_message(result: AttendanceResult) -> str:
    """Why there are no registrant numbers for a loaded event ('' when there are)."""
    if result.registrants is not None:
        return ""
    if result.registration is False:
        return "This event takes no registrations: no registrants, absentees or attendance rate."
    if result.registrants_error is not None:
        return f"Registrants could not be loaded: {user_message(result.registrants_error)}"
    return "Registrants are unknown for this event (its numeric ID is not known)."


def headings(results: Sequence[AttendanceResult], tz: str | None = "UTC") -> list[EventHeading]:
    """Names for the across-events table and charts, made unique when two events share one."""
    made: list[EventHeading] = []
    seen: dict[str, int] = {}
    for result in results:
        ref = result.ref
        label = ref.label(tz)
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} #{seen[label]}"
        made.append(
            EventHeading(
                label=label,
                kind=ref.kind.title,
                event_id=str(ref.event_id) if ref.event_id else ref.report_id,
                start=ref.start,
                state=result.state.title,
            )
        )
    return made


def file_stem(ref: EventRef) -> str:
    """A file-name stem for an event's downloads: kind, ID (or UUID made safe) and date."""
    ident = str(ref.event_id) if ref.event_id else re.sub(r"[^A-Za-z0-9]+", "_", ref.report_id)
    day = f"-{ref.start:%Y-%m-%d}" if ref.start is not None else ""
    return f"{ref.kind.value}-{ident}{day}"


# ---- helpers -----------------------------------------------------------------------------------


def _when(moment: datetime, tz: str | None) -> str:
    zone_ = zone(tz)
    return f"{moment.astimezone(zone_):%a %d %b %Y %H:%M} ({zone_.key})"


def _with_details(client: ZoomClient, ref: EventRef) -> EventRef:
    """Fill in what the event's details add (registration setting; times when typed in).

    Best effort: when Zoom will not give the details, the report call still decides the state.
    """
    if ref.approval_type is not None and ref.start is not None and ref.event_id is not None:
        return ref
    target = ref.report_id if ref.added else (ref.event_id or ref.report_id)
    try:
        event = client.get_event(ref.kind, target)
    except ZoomError:
        return ref
    return replace(
        ref,
        event_id=ref.event_id or event.id or None,
        topic=ref.topic or event.topic,
        start=ref.start or event.start_time,
        duration=ref.duration if ref.duration is not None else event.duration,
        type=ref.type if ref.type is not None else event.type,
        approval_type=ref.approval_type if ref.approval_type is not None else event.approval_type,
    )


def _latest_occurrence(client: ZoomClient, ref: EventRef, now: datetime) -> EventRef:
    """For a series asked for by numeric ID: the times of the latest occurrence that ended.

    The series' own start is its next occurrence, so without the occurrences the times are
    dropped (no late/early then) rather than guessed.
    """
    try:
        found = client.list_occurrences(ref.kind, ref.report_id)
    except ZoomError:
        return replace(ref, start=None, duration=None, note=NUMERIC_ID_NOTE)
    occurrences = [(o.start_time, o.duration or ref.duration or 0) for o in found]
    ended = [(s, m) for s, m in occurrences if s + timedelta(minutes=m) <= now]
    if ended:
        start, minutes = max(ended)
        note = f"Latest ended occurrence of a recurring series. {NUMERIC_ID_NOTE}"
        return replace(ref, start=start, duration=minutes, note=note)
    if occurrences:  # Zoom listed occurrences, none has ended
        start, minutes = min(occurrences)
        return replace(ref, start=start, duration=minutes, note=NUMERIC_ID_NOTE)
    return replace(ref, start=None, duration=None, note=NUMERIC_ID_NOTE)
