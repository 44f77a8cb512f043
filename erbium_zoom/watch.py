"""The watcher's core: what a connection check found, which state counts, and since when.

``python -m erbium_zoom watch`` (:mod:`erbium_zoom.watch_command`) checks every client profile
with :func:`erbium_zoom.check.check_with_client` (a fresh token, its 17 scopes, the three plan
probes), through the same client, rate limiter, Heavy meter and guard as the dashboard. This
module names what the check found (:func:`observe`: one of ``STATES``, with its details) and
decides, purely, what the client's state is counted as (:func:`count`):

- a definite answer from Zoom (scopes missing, a rejected secret, an app not activated, no
  Webinar add-on), or a problem on this side (a Client Secret that cannot be read), counts at
  once;
- "unreachable" (a timeout, a network error, a 5xx, a 429 or an unreadable answer) counts only
  once ``UNREACHABLE_PASSES`` passes in a row saw it, so one blip pages nobody; it counts since
  the first of those passes.

A change of the counted state (which includes a different list of missing scopes) is a
:class:`Change`, which the watcher keeps and notifies (:mod:`erbium_zoom.notify`). The first
check of a client that is connected is no change worth a message; a first check that finds a
problem is. No I/O here, no streamlit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from erbium_zoom.check import PLAN_ERROR, PLAN_MISSING, PLAN_SCOPE, CheckResult
from erbium_zoom.errors import (
    AuthError,
    ConfigError,
    InvalidResponse,
    RateLimited,
    SecretStoreError,
    ServerError,
    ZoomUnreachable,
    user_message,
)

CONNECTED = "connected"
SCOPES_MISSING = "scopes_missing"
CANNOT_AUTHENTICATE = "cannot_authenticate"
NOT_ACTIVATED = "not_activated"
NO_PLAN = "no_plan"
UNREACHABLE = "unreachable"
NOT_CHECKED = "not_checked"
STATES = (
    CONNECTED,
    SCOPES_MISSING,
    CANNOT_AUTHENTICATE,
    NOT_ACTIVATED,
    NO_PLAN,
    UNREACHABLE,
    NOT_CHECKED,
)
STATE_LABELS = {
    CONNECTED: "connected",
    SCOPES_MISSING: "scopes missing",
    CANNOT_AUTHENTICATE: "cannot authenticate",
    NOT_ACTIVATED: "app not activated",
    NO_PLAN: "plan lacks a feature",
    UNREACHABLE: "Zoom unreachable",
    NOT_CHECKED: "not checked",
}
UNREACHABLE_PASSES = 2  # passes in a row that must see "unreachable" before it counts

# Kinds of error that say nothing about the client's app: no answer, a server error, a busy
# account, an unreadable answer. They may pass by themselves.
_PASSING_KINDS = (
    ZoomUnreachable.kind,
    ServerError.kind,
    InvalidResponse.kind,
    RateLimited.kind,
)


@dataclass(frozen=True)
class Observation:
    """What one check of one client found: a state of ``STATES`` and its details."""

    state: str
    missing: tuple[str, ...] = ()  # SCOPES_MISSING: the scopes
    field: str | None = None  # CANNOT_AUTHENTICATE: the field to fix
    areas: tuple[str, ...] = ()  # NO_PLAN: Webinars, Meetings, Reports
    message: str = ""  # the check's own words (user_message): what happened, what to do

    @property
    def identity(self) -> tuple:
        """What makes two observations the same state: not the words, which can vary."""
        return (self.state, self.missing, self.field, self.areas)

    @property
    def broken(self) -> bool:
        return self.state != CONNECTED

    def to_json(self) -> str:
        return json.dumps(
            {
                "missing": list(self.missing),
                "field": self.field,
                "areas": list(self.areas),
                "message": self.message,
            }
        )

    @classmethod
    def from_json(cls, state: str, text: str) -> Observation:
        data = json.loads(text or "{}")
        return cls(
            state,
            tuple(data.get("missing") or ()),
            data.get("field"),
            tuple(data.get("areas") or ()),
            data.get("message") or "",
        )


def observe(result: CheckResult) -> Observation:
    """Name what :func:`erbium_zoom.check.check_with_client` found (with its plan probes)."""
    error = result.error
    if error is not None:
        words = user_message(error)
        if isinstance(error, AuthError):
            if error.field == "app_activation":
                return Observation(NOT_ACTIVATED, field=error.field, message=words)
            return Observation(CANNOT_AUTHENTICATE, field=error.field, message=words)
        if getattr(error, "kind", "") in _PASSING_KINDS:
            return Observation(UNREACHABLE, message=words)
        if isinstance(error, ConfigError | SecretStoreError):
            return Observation(NOT_CHECKED, field=getattr(error, "field", None), message=words)
        return Observation(CANNOT_AUTHENTICATE, message=words)  # e.g. a token Zoom rejects
    report = result.report
    if report is not None and report.missing:
        return Observation(SCOPES_MISSING, missing=tuple(report.missing))
    lacking = tuple(p.area for p in result.plan if p.status == PLAN_MISSING)
    if lacking:
        words = " ".join(p.message for p in result.plan if p.status == PLAN_MISSING)
        return Observation(NO_PLAN, areas=lacking, message=words)
    failed = [p for p in result.plan if p.status in (PLAN_ERROR, PLAN_SCOPE)]
    if failed:
        words = " ".join(f"{p.area}: {p.message}" for p in failed)
        if all(p.error_kind in _PASSING_KINDS for p in failed):
            return Observation(UNREACHABLE, message=words)
        return Observation(NOT_CHECKED, areas=tuple(p.area for p in failed), message=words)
    return Observation(CONNECTED)


@dataclass(frozen=True)
class ClientState:
    """A client's row in the watcher's history: the counted state and the last passes."""

    client: str
    account_id: str = ""
    counted: Observation | None = None  # None until a state counts
    since: datetime | None = None
    last_check: datetime | None = None
    observed: Observation | None = None  # what the last pass saw
    observed_since: datetime | None = None  # the first of the passes in a row that saw it
    observed_count: int = 0


@dataclass(frozen=True)
class Change:
    """The counted state of a client changed: from ``before`` (None: first state) to ``after``."""

    client: str
    account_id: str
    before: Observation | None
    after: Observation
    at: datetime  # since when the new state counts
    before_since: datetime | None = None
    key: str = field(default="", compare=False)  # unique per change, for the outbox

    @property
    def fixed(self) -> bool:
        return not self.after.broken


def count(
    previous: ClientState | None, seen: Observation, now: datetime, client: str, account_id: str
) -> tuple[ClientState, Change | None]:
    """The client's state after this pass saw ``seen``, and the change it makes, if any."""
    previous = previous or ClientState(client, account_id)
    same_as_last = previous.observed is not None and previous.observed.identity == seen.identity
    in_a_row = previous.observed_count + 1 if same_as_last else 1
    seen_since = previous.observed_since if same_as_last and previous.observed_since else now
    state = replace(
        previous,
        account_id=account_id,
        last_check=now,
        observed=seen,
        observed_since=seen_since,
        observed_count=in_a_row,
    )
    if seen.state == UNREACHABLE and in_a_row < UNREACHABLE_PASSES:
        return state, None  # a blip so far: the counted state stays
    counted = previous.counted
    if counted is not None and counted.identity == seen.identity:
        return replace(state, counted=seen), None  # the same state: fresher words
    since = seen_since if seen.state == UNREACHABLE else now
    state = replace(state, counted=seen, since=since)
    if counted is None and not seen.broken:
        return state, None  # first check, all well: nothing to tell
    change = Change(
        client,
        account_id,
        counted,
        seen,
        since,
        previous.since,
        key=f"{client}|{since.isoformat()}|{seen.state}",
    )
    return state, change
