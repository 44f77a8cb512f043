"""ZoomClient: typed calls to Zoom's REST API for one client's Server-to-Server OAuth app.

What it takes care of so callers do not: the token (cached, renewed once on 401/124), the
regional API base, pagination (``page_size=300``, following ``next_page_token`` with the other
parameters kept), UUID encoding, turning error answers into the typed errors of
:mod:`erbium_zoom.errors`, and retrying what is safe to retry.

Retry policy: reads (GET) are retried on a per-second 429, 5xx, malformed JSON and network
errors, with exponential back-off, jitter, ``Retry-After`` honoured up to a cap, and a bounded
number of attempts. Writes are repeated only when Zoom provably did not act on them (connection
never made, per-second 429, expired token); otherwise :class:`WriteOutcomeUnknown` is raised,
because an add sent twice spends Zoom's limit of 3 adds per registrant per day. A daily-limit 429
is never retried.

Rate limits: given a :class:`~erbium_zoom.ratelimit.RateLimiter` (one per account), every REST
call waits for its category's turn before it is sent and reports Zoom's answer after, so the
account stays under Zoom's per-second limits and its Heavy calls are counted. The client is
thread-safe: several threads may share it (and its connection pool).

Never imports streamlit.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from erbium_zoom.access import Action
from erbium_zoom.auth import (
    SHARED_TOKEN_CACHE,
    TokenCache,
    api_base_for,
    request_token,
    secret_fingerprint,
)
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.errors import (
    ConfigError,
    InvalidResponse,
    RateLimited,
    ServerError,
    TokenRejected,
    WriteOutcomeUnknown,
    ZoomError,
    ZoomUnreachable,
    api_error_from,
)
from erbium_zoom.models import (
    REGISTRANT_STATUSES,
    STATUS_ACTIONS,
    AddedRegistrant,
    ChangeOutcome,
    Event,
    EventKind,
    NewRegistrant,
    Occurrence,
    Participant,
    Registrant,
    RegistrantCounts,
    StatusUpdateResult,
    TokenInfo,
)
from erbium_zoom.ratelimit import RateLimiter, category_for
from erbium_zoom.registrant_actions import split_for_action
from erbium_zoom.scopes import ScopeReport, classify_scopes

if TYPE_CHECKING:
    from erbium_zoom.guard import Guard

PAGE_SIZE = 300  # Zoom's maximum for every list used here
STATUS_BATCH_SIZE = 30  # Zoom's maximum registrants per status update
MAX_ATTEMPTS = 4  # first try + 3 retries
INITIAL_RETRY_DELAY = 0.5  # seconds
MAX_RETRY_DELAY = 8.0  # seconds, for our own back-off
MAX_RETRY_AFTER = 60.0  # seconds: a server-asked wait longer than this is reported, not slept

WEBINAR_LIST_TYPES = ("upcoming", "scheduled")
MEETING_LIST_TYPES = ("upcoming", "scheduled", "live", "upcoming_meetings", "previous_meetings")


def _default_sleep(seconds: float) -> None:
    """Back-off sleeping; looked up per client so tests can replace it without real waits."""
    time.sleep(seconds)


def encode_uuid(uuid: str) -> str:
    """URL-encode a UUID once, or twice when it starts with '/' or contains '//' (Zoom's rule)."""
    encoded = quote(uuid, safe="")
    if uuid.startswith("/") or "//" in uuid:
        return quote(encoded, safe="")
    return encoded


def encode_event_id(event_id: int | str) -> str:
    """A numeric ID as is; anything else is a UUID and gets Zoom's encoding."""
    text = str(event_id).strip()
    if not text:
        raise ConfigError(
            "No event ID or UUID was given.",
            field="event_id",
            advice="Enter the event's numeric ID (the number in its Zoom link) or an "
            "occurrence's UUID.",
        )
    return text if text.isdigit() else encode_uuid(text)


def _numeric_id(event_id: int | str) -> str:
    """Registrant endpoints take the numeric ID only (int64)."""
    text = str(event_id).strip()
    if not text.isdigit():
        raise ConfigError(
            f"Registrants are listed by the event's numeric ID, not by a UUID ({text!r}).",
            field="event_id",
        )
    return text


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: integer seconds, ISO-8601 or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class _Attempt:
    """What one try produced: a response to hand back, or a reason to try again."""

    response: httpx.Response | None = None
    retry_error: ZoomError | None = None
    wait: float | None = None  # server-asked delay, seconds


class ZoomClient:
    """Zoom's REST API for one set of credentials. Thread-safe; close it (or use ``with``)."""

    def __init__(
        self,
        credentials: Credentials,
        settings: Settings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] | None = None,
        jitter: Callable[[], float] = random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_attempts: int = MAX_ATTEMPTS,
        limiter: RateLimiter | None = None,
        guard: Guard | None = None,
    ):
        self.credentials = credentials
        self.settings = settings or Settings()
        self._http = httpx.Client(
            transport=transport, timeout=self.settings.timeout, follow_redirects=False
        )
        self._tokens = token_cache if token_cache is not None else SHARED_TOKEN_CACHE
        self._sleep = sleep or _default_sleep
        self._jitter = jitter
        self._now = now
        self._max_attempts = max(1, max_attempts)
        self._fingerprint = secret_fingerprint(credentials.client_secret)
        self.limiter = limiter
        self.guard = guard  # None: no access control or record (the CLI, tests, the bench)
        self._count_lock = threading.Lock()
        self.request_count = 0  # REST requests sent, retries included (for progress/benchmarks)

    def __repr__(self) -> str:
        return f"ZoomClient(account_id={self.credentials.account_id!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ZoomClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- token -------------------------------------------------------------------------

    @property
    def _token_key(self) -> tuple[str, str, str]:
        return (self.settings.oauth_url, *self.credentials.cache_key)

    def fetch_token(self, *, fresh: bool = False) -> TokenInfo:
        """The cached token, or a new one (always new with ``fresh``: scope changes need it)."""
        key = self._token_key
        with self._tokens.lock_for(key):
            if not fresh:
                cached = self._tokens.get(key, self._fingerprint, self._now())
                if cached is not None:
                    return cached
            token = self._with_retries(
                lambda: request_token(self._http, self.credentials, self.settings, self._now),
                retry_on=(ServerError, ZoomUnreachable, InvalidResponse),
            )
            self._tokens.put(key, self._fingerprint, token)
            return token

    def check_scopes(self, *, fresh: bool = True) -> tuple[TokenInfo, ScopeReport]:
        """The token and the verdict on all 17 scopes (fresh by default: Zoom lags on changes)."""
        if self.guard is not None:  # the account's scopes are its data too
            self.guard.read()
        token = self.fetch_token(fresh=fresh)
        return token, classify_scopes(token.scope)

    def _with_retries(self, call: Callable, retry_on: tuple[type[ZoomError], ...]):
        for attempt in range(1, self._max_attempts + 1):
            try:
                return call()
            except retry_on:
                if attempt == self._max_attempts:
                    raise
                self._back_off(attempt, None)

    # ---- requests ----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: dict | None = None,
    ) -> httpx.Response:
        """Send one REST call with the retry policy; return the 2xx response or raise.

        With a guard, the person's right to read, or to change, is checked first, every time.
        """
        is_read = method.upper() == "GET"
        if self.guard is not None:
            if is_read:
                self.guard.read()
            else:
                self.guard.require(Action.CHANGE_REGISTRANTS, f"{method.upper()} {path}")
        token_renewed = False
        attempt = 1
        while True:
            token = self.fetch_token()
            outcome = self._attempt(method, path, params, json, token, is_read)
            if outcome.response is not None:
                return outcome.response
            error = outcome.retry_error
            if isinstance(error, TokenRejected):
                if token_renewed:
                    raise error
                # Expired or revoked token: drop it and repeat once with a new one; Zoom
                # refused the call, so repeating a write is safe.
                self._tokens.discard(self._token_key, token)
                token_renewed = True
                continue
            if attempt >= self._max_attempts:
                raise error
            self._back_off(attempt, outcome.wait)
            attempt += 1

    def _attempt(self, method, path, params, json, token, is_read) -> _Attempt:
        url = f"{api_base_for(token, self.settings)}{path}"
        category = category_for(method, path)
        ticket = None
        if self.limiter is not None:
            ticket = self.limiter.acquire(category)  # raises after a daily 429: nothing sent
        with self._count_lock:
            self.request_count += 1
        on_wire: list[float] = []
        extensions = {}
        if ticket is not None:
            limiter = self.limiter

            def trace(event: str, info: dict) -> None:
                # httpcore's trace: when the request's headers were written to the connection,
                # on the limiter's clock. The limiter's window counts the request from then
                # (Zoom sees it then, not at its slot), and the delay feeds its jitter margin.
                if event.endswith("send_request_headers.complete") and not on_wire:
                    on_wire.append(limiter.now())
                    limiter.went(ticket, on_wire[0])

            extensions["trace"] = trace
        try:
            response = self._http.request(
                method,
                url,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {token.access_token}"},
                extensions=extensions,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # The connection was never made, so Zoom saw nothing: safe to retry any method.
            return _Attempt(retry_error=self._unreachable(exc))
        except httpx.HTTPError as exc:
            if is_read:
                return _Attempt(retry_error=self._unreachable(exc))
            raise WriteOutcomeUnknown(
                "The connection to Zoom broke after the change was sent."
            ) from exc
        finally:
            if ticket is not None:  # never written, or not traced (a test's transport): its slot
                self.limiter.went(ticket, None)
        status = response.status_code
        if self.limiter is not None:
            refused = self._error_from(response) if status == 429 else None
            self.limiter.observe(
                category,
                response,
                refused if isinstance(refused, RateLimited) else None,
                ticket,
                on_wire[0] if on_wire else None,
            )
        if 200 <= status < 300:
            if status == 204 or not response.content:
                return _Attempt(response=response)
            try:
                response.json()
            except ValueError:
                error = InvalidResponse(
                    "Zoom sent a response that is not valid JSON.", status=status
                )
                if is_read:
                    return _Attempt(retry_error=error)
                raise WriteOutcomeUnknown(
                    "Zoom accepted the change but its answer could not be read."
                ) from error
            return _Attempt(response=response)
        error = self._error_from(response)
        if isinstance(error, TokenRejected):
            return _Attempt(retry_error=error)
        if isinstance(error, RateLimited):
            if error.limit_type == "daily":
                raise error
            wait = parse_retry_after(_header(response, "Retry-After"), self._now())
            if wait is not None and wait > MAX_RETRY_AFTER:
                raise error
            return _Attempt(retry_error=error, wait=wait)  # refused, so safe for writes too
        if isinstance(error, ServerError | InvalidResponse):
            if is_read:
                return _Attempt(retry_error=error)
            raise WriteOutcomeUnknown(
                f"Zoom answered HTTP {status} after the change was sent."
            ) from error
        raise error

    def _unreachable(self, exc: httpx.HTTPError) -> ZoomUnreachable:
        what = (
            "did not answer in time"
            if isinstance(exc, httpx.TimeoutException)
            else "could not be reached"
        )
        return ZoomUnreachable(f"Zoom's API {what}.")

    def _error_from(self, response: httpx.Response) -> ZoomError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        code = body.get("code") if isinstance(body.get("code"), int) else None
        message = str(body.get("message") or f"HTTP {status}")
        if status == 429:
            limit_type = (_header(response, "X-RateLimit-Type") or "").lower()
            wait = parse_retry_after(_header(response, "Retry-After"), self._now())
            retry_after = (_header(response, "Retry-After") or "").strip()
            # Without X-RateLimit-Type (seen in the wild), a date in Retry-After or the word
            # "daily" marks the daily cap; Zoom sends a date only for that.
            is_daily = "daily" in limit_type or (
                not limit_type
                and ("daily" in message.lower() or (retry_after and not retry_after.isdigit()))
            )
            retry_at = None
            if wait is not None:
                retry_at = datetime.fromtimestamp(self._now().timestamp() + wait, UTC)
            return RateLimited(
                message,
                code=code,
                limit_type="daily" if is_daily else "qps",
                category=_header(response, "X-RateLimit-Category"),
                retry_at=retry_at,
            )
        if body == {} and status >= 500:
            return ServerError(f"Zoom answered HTTP {status}.", status=status)
        if body == {} and status < 500:
            return InvalidResponse(
                f"Zoom answered HTTP {status} without a readable body.", status=status
            )
        return api_error_from(status, code, message)

    def _back_off(self, attempt: int, server_wait: float | None) -> None:
        if server_wait is not None:
            delay = min(server_wait, MAX_RETRY_AFTER)
        else:
            delay = min(MAX_RETRY_DELAY, INITIAL_RETRY_DELAY * 2 ** (attempt - 1))
        # Jitter spreads retries of concurrent callers so they do not return in lockstep.
        self._sleep(delay * (1 + 0.25 * self._jitter()))

    def get_json(self, path: str, params: dict | None = None) -> dict:
        body = self.request("GET", path, params=params).json()
        if not isinstance(body, dict):
            raise InvalidResponse("Zoom answered with JSON of an unexpected shape.")
        return body

    def paginate(self, path: str, items_key: str, params: dict | None = None) -> Iterator[dict]:
        """Every item of a list endpoint, page after page, other parameters kept."""
        base = {**(params or {}), "page_size": PAGE_SIZE}
        page_params = dict(base)
        seen_tokens: set[str] = set()
        while True:
            body = self.get_json(path, page_params)
            items = body.get(items_key) or []
            if not isinstance(items, list):
                raise InvalidResponse(f"Zoom's answer has no list of {items_key}.")
            yield from items
            next_token = body.get("next_page_token") or ""
            if not next_token:
                return
            if next_token in seen_tokens:
                raise InvalidResponse(
                    "Zoom sent the same page token twice; stopping to avoid a loop."
                )
            seen_tokens.add(next_token)
            page_params = {**base, "next_page_token": next_token}

    # ---- events --------------------------------------------------------------------------

    def list_events(self, kind: EventKind, host: str, list_type: str = "upcoming") -> list[Event]:
        """A host's webinars or meetings of one list type (``upcoming`` by default)."""
        allowed = WEBINAR_LIST_TYPES if kind is EventKind.WEBINAR else MEETING_LIST_TYPES
        if list_type not in allowed:
            raise ConfigError(f"{kind.title} lists can be {', '.join(allowed)}; not {list_type!r}.")
        path = f"/users/{_user_segment(host)}/{kind.plural}"
        rows = self.paginate(path, kind.plural, {"type": list_type})
        return [Event.from_api(kind, row) for row in rows]

    def list_webinars(self, host: str = "me", list_type: str = "upcoming") -> list[Event]:
        return self.list_events(EventKind.WEBINAR, host, list_type)

    def list_meetings(self, host: str = "me", list_type: str = "upcoming") -> list[Event]:
        return self.list_events(EventKind.MEETING, host, list_type)

    def list_past_events(self, kind: EventKind, host: str) -> list[Event]:
        """Ended events Zoom still lists (webinars: scheduled; meetings: previous_meetings)."""
        if kind is EventKind.WEBINAR:
            now = self._now()
            return [
                event
                for event in self.list_events(kind, host, "scheduled")
                if event.start_time is not None and event.start_time < now
            ]
        return self.list_events(kind, host, "previous_meetings")

    def get_event(self, kind: EventKind, event_id: int | str) -> Event:
        body = self.get_json(f"/{kind.plural}/{encode_event_id(event_id)}")
        return Event.from_api(kind, body)

    def list_occurrences(self, kind: EventKind, event_id: int | str) -> list[Occurrence]:
        """A recurring series' occurrences, past ones included (empty for a single event)."""
        body = self.get_json(
            f"/{kind.plural}/{encode_event_id(event_id)}", {"show_previous_occurrences": "true"}
        )
        items = body.get("occurrences") or []
        found = (Occurrence.from_api(item) for item in items if isinstance(item, dict))
        return sorted((o for o in found if o is not None), key=lambda o: o.start_time)

    # ---- registrants ---------------------------------------------------------------------

    def _registrants_path(self, kind: EventKind, event_id: int | str) -> str:
        return f"/{kind.plural}/{_numeric_id(event_id)}/registrants"

    def list_registrants(
        self, kind: EventKind, event_id: int | str, status: str = "approved"
    ) -> list[Registrant]:
        _check_choice("status", status, REGISTRANT_STATUSES)
        rows = self.paginate(
            self._registrants_path(kind, event_id), "registrants", {"status": status}
        )
        return [Registrant.from_api(row, status) for row in rows]

    def count_registrants(self, kind: EventKind, event_id: int | str) -> RegistrantCounts:
        """Registrants per status from ``total_records``: three one-row calls."""
        path = self._registrants_path(kind, event_id)
        counts = {}
        for status in REGISTRANT_STATUSES:
            body = self.get_json(path, {"status": status, "page_size": 1})
            counts[status] = int(body.get("total_records") or 0)
        return RegistrantCounts(**counts)

    def get_registrant(
        self, kind: EventKind, event_id: int | str, registrant_id: str
    ) -> Registrant:
        path = f"{self._registrants_path(kind, event_id)}/{quote(str(registrant_id), safe='')}"
        return Registrant.from_api(self.get_json(path))

    def add_registrant(
        self, kind: EventKind, event_id: int | str, registrant: NewRegistrant
    ) -> AddedRegistrant:
        """Register one person. Sent once: see the module docstring on retries."""
        body = registrant.to_api()
        if not body["first_name"]:
            raise ConfigError("A first name is needed to add a registrant.", field="first_name")
        if "@" not in body["email"] or "." not in body["email"].rsplit("@", 1)[-1]:
            raise ConfigError(
                f"{body['email']!r} is not an e-mail address; Zoom needs one to add a registrant.",
                field="email",
            )
        with self._change("add", event_id) as outcome:
            response = self.request("POST", self._registrants_path(kind, event_id), json=body)
            added = AddedRegistrant.from_api(response.json())
            outcome.answered(response.status_code, response.reason_phrase)
            outcome.registrant_ids = [added.registrant_id]
        return added

    def delete_registrant(self, kind: EventKind, event_id: int | str, registrant_id: str) -> None:
        path = f"{self._registrants_path(kind, event_id)}/{quote(str(registrant_id), safe='')}"
        with self._change("delete", event_id, [str(registrant_id)]) as outcome:
            response = self.request("DELETE", path)
            outcome.answered(response.status_code, response.reason_phrase)

    def update_registrant_status(
        self,
        kind: EventKind,
        event_id: int | str,
        action: str,
        registrants: Iterable[Registrant | str],
    ) -> StatusUpdateResult:
        """Approve, deny or cancel registrants, in calls of at most 30 (Zoom's limit).

        Sent only for the registrants the action changes (approve pending or denied ones, deny
        pending or approved ones, cancel approved ones; :mod:`erbium_zoom.registrant_actions`);
        the others come back as ``skipped`` with the reason, and when none is left nothing is
        sent. A registrant given by ID alone, or without a status, is looked up in Zoom first.
        """
        _check_choice("action", action, STATUS_ACTIONS)
        chosen = list(registrants)
        if not chosen:
            raise ConfigError("Select at least one registrant first.", field="registrants")
        split = split_for_action(action, self._with_status(kind, event_id, chosen))
        entries = [_registrant_ref(r) for r in split.send]
        path = f"{self._registrants_path(kind, event_id)}/status"
        done = 0
        calls = 0
        for batch in _batches(entries, STATUS_BATCH_SIZE):
            try:
                with self._change(action, event_id, [e["id"] for e in batch]) as outcome:
                    response = self.request(
                        "PUT", path, json={"action": action, "registrants": batch}
                    )
                    outcome.answered(response.status_code, response.reason_phrase)
            except ZoomError as error:
                if done:
                    error.message = (
                        f"{done} of {len(entries)} registrants were updated before this error. "
                        f"{error.message}"
                    )
                raise
            done += len(batch)
            calls += 1
        return StatusUpdateResult(action=action, updated=done, calls=calls, skipped=split.skipped)

    def _with_status(
        self, kind: EventKind, event_id: int | str, chosen: list[Registrant | str]
    ) -> list[Registrant]:
        """The chosen registrants with their status. Those given by ID alone or without a
        status get the one Zoom lists them under now (three list calls), or none when Zoom
        lists them under no status."""
        known = {r.id: r for r in chosen if isinstance(r, Registrant) and r.status}
        if len(known) < len(chosen):
            for status in REGISTRANT_STATUSES:
                for listed in self.list_registrants(kind, event_id, status):
                    known.setdefault(listed.id, listed)
        return [known.get(_registrant_id(r)) or _unlisted(r) for r in chosen]

    def _change(self, action: str, event_id: int | str, registrant_ids: Sequence[str] = ()):
        """The guard's record around one change; nothing to record without a guard."""
        if self.guard is None:
            return nullcontext(ChangeOutcome())
        return self.guard.change(action, event_id, registrant_ids)

    # ---- reports -------------------------------------------------------------------------

    def list_participants(self, kind: EventKind, event_id: int | str) -> list[Participant]:
        """The participant report (one row per join) with registrant IDs.

        A numeric ID gives the latest occurrence only; pass an occurrence's UUID for others.
        """
        path = f"/report/{kind.plural}/{encode_event_id(event_id)}/participants"
        rows = self.paginate(path, "participants", {"include_fields": "registrant_id"})
        return [Participant.from_api(row) for row in rows]


def _user_segment(host: str) -> str:
    host = (host or "").strip()
    if not host:
        raise ConfigError(
            "No host was given: enter a host's Zoom e-mail or user ID.", field="hosts"
        )
    return quote(host, safe="@")


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"The {name} must be one of {', '.join(allowed)}; not {value!r}.", field=name
        )


def _registrant_ref(registrant: Registrant | str) -> dict:
    if isinstance(registrant, Registrant):
        ref = {"id": registrant.id}
        if registrant.email:
            ref["email"] = registrant.email
        return ref
    return {"id": str(registrant)}


def _registrant_id(registrant: Registrant | str) -> str:
    return registrant.id if isinstance(registrant, Registrant) else str(registrant)


def _unlisted(registrant: Registrant | str) -> Registrant:
    """A chosen registrant Zoom lists under no status (its status left empty)."""
    if isinstance(registrant, Registrant):
        return registrant
    return Registrant(str(registrant), "", "", "", "", None, None)


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _header(response: httpx.Response, name: str) -> str | None:
    return response.headers.get(name)  # httpx headers are case-insensitive
