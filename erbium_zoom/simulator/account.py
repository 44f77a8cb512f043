"""SimulatedZoom: one simulated account, what tests read of it, and its request pipeline.

``handle`` answers one request: ``/oauth/token`` goes to oauth.py; a ``/v2/...`` request goes
through ``_api``: the route (routes.py), injected faults, the bearer token, the rate limits
(faults.py), the scope and plan, then the route's handler (events.py, registrants.py,
reports.py). The data comes from builder.py; the helpers below are what handlers share.
"""

from __future__ import annotations

import math
import random
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl, unquote

import httpx

from erbium_zoom.simulator.builder import _generated_account
from erbium_zoom.simulator.companies import COMPANIES, company_for
from erbium_zoom.simulator.data import (
    REGISTRANT_STATUSES,
    TAGS,
    Workload,
    _Event,
    _Instance,
    _iso,
)
from erbium_zoom.simulator.faults import FaultInjection, Faults
from erbium_zoom.simulator.oauth import _Token, _token_endpoint
from erbium_zoom.simulator.registrants import _registrant_view
from erbium_zoom.simulator.reports import REPORT_DELAY, REPORT_RETENTION
from erbium_zoom.simulator.responses import _error, _json_response, _page_size
from erbium_zoom.simulator.routes import _kind_of, _match_route, _Route
from erbium_zoom.simulator.scenarios import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Scenario,
    scenario_from_name,
)

DEFAULT_API_URL = "https://api.zoom.us"
PAGE_TOKEN_TTL = 15 * 60  # Zoom: "This token's expiration period is 15 minutes."

_WEBINAR_PLAN_MISSING = (
    "Webinar plan is missing. You must subscribe to the webinar plan and enable webinars for "
    "this user in order to perform this action."
)


@dataclass(frozen=True)
class SimCall:
    """One request the simulator answered; ``path`` is raw (still percent-encoded)."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    # The simulator's clock when it answered (after admission); not part of what a call is.
    time: float = field(default=0.0, compare=False)


@dataclass
class _PageToken:
    path: str
    params: dict[str, str]
    offset: int
    issued_at: float


class SimulatedZoom(FaultInjection):
    """A deterministic simulated Zoom account answering the token endpoint and REST API.

    What tests read: ``calls`` (every request in order, as :class:`SimCall`),
    ``api_calls()``, ``tokens_issued``, ``hosts``, ``events``, ``event_tagged()`` /
    ``events_tagged()`` (tags in :data:`TAGS`), ``registrants()`` and ``participants()``.

    Two times: ``now`` anchors the data (what is upcoming, ended, not ready, too old) and
    stays fixed; ``clock`` drives what moves while it runs (token expiry, rate-limit windows,
    the UTC day, page-token expiry, new registrants' create_time).

    ``company`` (a key of :data:`companies.COMPANIES`) says whose account it is; by default
    the scenario's demo client (:func:`companies.company_for`), read back as ``company``.
    ``workload`` (a :class:`Workload`) replaces the demo data with the benchmark's account.

    Simplifications: the meeting list's ``from``/``to`` and every ``occurrence_id`` are
    ignored; a recurring meeting has one registrant list for the whole series.
    """

    def __init__(
        self,
        scenario: str | Scenario = "full",
        *,
        seed: int = 7,
        faults: Faults | None = None,
        now: datetime | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        account_id: str = DEFAULT_ACCOUNT_ID,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        workload: Workload | None = None,
        company: str | None = None,
    ):
        self.scenario = scenario if isinstance(scenario, Scenario) else scenario_from_name(scenario)
        if company is not None and company not in COMPANIES:
            raise ValueError(f"Unknown company {company!r}. Companies: {', '.join(COMPANIES)}.")
        self.company = COMPANIES[company] if company else company_for(self.scenario.name)
        self.seed = seed
        self.faults = faults or Faults()
        if now is None:
            now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        elif now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        self.now = now.astimezone(UTC)
        self.clock = clock
        self.sleep = sleep
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        # What the token's api_url says; serve() points it at the loopback server so a client
        # that follows api_url never leaves the machine.
        self.api_url = DEFAULT_API_URL
        self.calls: list[SimCall] = []
        self.tokens_issued = 0

        self._lock = threading.RLock()
        # Runtime randomness (tokens, new registrant ids) has its own stream, so the data is
        # the same whatever requests are made.
        self._runtime_rng = random.Random(f"erbium-zoom-simulator:{seed}:runtime")
        self.workload = workload
        hosts, events = _generated_account(seed, self.now, workload, self.company.key)
        self._hosts = list(hosts)
        # Only registrants ever change, so each simulator gets its own copy of those and
        # shares the rest (report rows are copied whenever they are handed out).
        self._events = [
            replace(
                event,
                registrants={
                    rid: {**r, "custom_questions": list(r["custom_questions"])}
                    for rid, r in event.registrants.items()
                },
            )
            for event in events
        ]
        self._by_id = {(e.kind, e.id): e for e in self._events}
        self._by_uuid = {
            (e.kind, instance.uuid): (e, instance) for e in self._events for instance in e.instances
        }
        self._tokens: dict[str, _Token] = {}
        self._page_tokens: dict[str, _PageToken] = {}
        self._qps_counts: dict[tuple[str, int], int] = {}
        self._qps_admitted: dict[str, list[float]] = {}  # category → arrival times, in order
        self._daily_counts: dict[tuple[str, date], int] = {}
        self._adds: dict[tuple[str, int, str, date], int] = {}
        self._server_errors_sent = 0
        self._api_successes = 0
        self._expired_through = 0  # tokens with serial <= this are expired (expire_tokens_after)
        self._requests = 0

    # -- public accessors for tests -------------------------------------------------------

    @property
    def hosts(self) -> list[dict]:
        """The account's users; the first one is the owner that ``me`` resolves to."""
        return [dict(host) for host in self._hosts]

    @property
    def events(self) -> list[dict]:
        """Every event (listed or not) as a dict, with ``tags`` and ``instances``.

        In dashboard order: live and upcoming events soonest first, then past events most
        recent first (so the ~13-month-old ones come last).
        """
        with self._lock:

            def order(event: _Event) -> tuple[int, float]:
                start = event.current.start.timestamp()
                return (0, start) if event.current.end > self.now else (1, -start)

            return [self._event_row(event) for event in sorted(self._events, key=order)]

    def events_tagged(self, tag: str, kind: str | None = None) -> list[dict]:
        """The events carrying a tag from TAGS, optionally of one kind."""
        if tag not in TAGS:
            raise ValueError(f"Unknown tag {tag!r}. Tags: {', '.join(TAGS)}.")
        return [
            row
            for row in self.events
            if tag in row["tags"] and (kind is None or row["kind"] == kind)
        ]

    def event_tagged(self, tag: str, kind: str | None = None) -> dict:
        """The first event carrying ``tag`` (see TAGS)."""
        found = self.events_tagged(tag, kind)
        if not found:
            raise LookupError(f"No {kind or 'event'} tagged {tag!r}.")
        return found[0]

    def registrants(self, kind: str, event_id: int, status: str | None = None) -> list[dict]:
        """The event's registrants as Zoom lists them, optionally of one status."""
        with self._lock:
            event = self._by_id[(kind, int(event_id))]
            return [
                _registrant_view(event, r, single=False)
                for r in event.registrants.values()
                if status in (None, r["status"])
            ]

    def participants(self, kind: str, event_id_or_uuid: int | str) -> list[dict]:
        """Every row the participant report gives (all pages, with ``registrant_id``).

        A numeric ID means the latest occurrence that has ended, a UUID that occurrence.
        Empty when Zoom would refuse the report: not ended, ended less than 30 minutes ago,
        or more than a year old.
        """
        with self._lock:
            ref = str(event_id_or_uuid)
            if ref.isdigit():
                instance = self._latest_ended(self._by_id[(kind, int(ref))])
            else:
                instance = self._by_uuid[(kind, ref)][1]
            if instance is None or not self._reportable(instance):
                return []
            return [dict(row) for row in instance.rows]

    def issued_tokens(self) -> list[str]:
        """Every access token handed out so far (tests scan outputs for them)."""
        with self._lock:
            return list(self._tokens)

    def api_calls(self, path_contains: str = "") -> list[SimCall]:
        """The calls to ``/v2/...`` whose raw path contains ``path_contains``."""
        with self._lock:
            return [
                call
                for call in self.calls
                if call.path.startswith("/v2") and path_contains in call.path
            ]

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering every host from this account (routes on the path)."""
        return httpx.MockTransport(self.handle)

    # -- the entry point ------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as Zoom would. Thread-safe."""
        request.read()
        arrived = self.clock()  # what Zoom's limits count (see _admit)
        if self.faults.latency:
            # Outside the lock, so that concurrent requests overlap as they would for real.
            self.sleep(self.faults.latency)
        raw = request.url.raw_path.decode("ascii", "replace")
        path, _, raw_query = raw.partition("?")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        with self._lock:
            if path == "/oauth/token":
                response = _token_endpoint(self, request, query)
            elif path.startswith("/v2/"):
                response = self._api(request, path, query, arrived)
            else:
                response = _error(404, 404, "Not Found")
            self.calls.append(
                SimCall(request.method, path, query, response.status_code, self.clock())
            )
        return response

    # -- REST pipeline --------------------------------------------------------------------
    # (_injected_fault, _admit and _count_success come from faults.FaultInjection)

    def _api(
        self, request: httpx.Request, path: str, query: dict[str, str], arrived: float | None = None
    ) -> httpx.Response:
        self._requests += 1
        tracking = {"x-zm-trackingid": f"v=2.0;clid=us06;rid=SIM_{self._requests:08d}"}
        route, match = _match_route(request.method, path)
        if route is None:
            if match is not None:
                return _error(405, 405, "Method Not Allowed")
            return _error(404, 404, "Not Found")
        headers = {"X-RateLimit-Category": route.category, **tracking}
        kind = _kind_of(match)

        # In Zoom's order: a failing gateway answers before the token is looked at; limits
        # count only authenticated calls; scope and plan are checked before the work is done.
        token = None
        response = self._injected_fault(path)
        if response is None:
            token, response = self._authenticate(request, query)
        if response is None:
            response, limit_headers = self._admit(route.category, arrived)
            headers.update(limit_headers)
        if response is None:
            response = self._authorise(token, route, kind)
        if response is None:
            response = route.handler(self, request, match, path, query, kind)
            if 200 <= response.status_code < 300:
                self._count_success()
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    def _authenticate(
        self, request: httpx.Request, query: dict[str, str]
    ) -> tuple[_Token | None, httpx.Response | None]:
        """The bearer token, or the 401/124 Zoom gives for a missing, unknown or expired one."""
        if "access_token" in query:
            return None, _error(
                401,
                124,
                "Invalid access token, this access token is not supported "
                "as query parameter string.",
            )
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if not header:
            return None, _error(401, 124, "Requires an access token.")
        token = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return None, _error(401, 124, "Invalid access token.")
        if token.serial <= self._expired_through or self.clock() >= token.issued_at + token.ttl:
            return None, _error(401, 124, "Access token is expired.")
        return token, None

    def _authorise(self, token: _Token, route: _Route, kind: str) -> httpx.Response | None:
        """4711 when neither the granular scope nor its classic one was granted; then the plan."""
        scope = route.scope(kind)
        if scope.name not in token.scopes and scope.classic not in token.scopes:
            return _error(
                400,
                4711,
                "Invalid access token, does not contain scopes:"
                f"[{scope.name}, {scope.name.removesuffix(':admin')}].",
            )
        if kind == "webinar" and not self.scenario.webinar_plan:
            return _error(400, 200, _WEBINAR_PLAN_MISSING)
        return None

    # -- helpers, shared by the handlers ---------------------------------------------------

    def _state(self, event: _Event) -> str:
        current = event.current
        if current.start > self.now:
            return "upcoming"
        if current.end > self.now:
            return "live"
        return "ended"

    def _reportable(self, instance: _Instance) -> bool:
        return (
            instance.end <= self.now - REPORT_DELAY
            and instance.start >= self.now - REPORT_RETENTION
        )

    def _latest_ended(self, event: _Event) -> _Instance | None:
        ended = [instance for instance in event.instances if instance.end <= self.now]
        return ended[-1] if ended else None

    def _find_host(self, user: str) -> dict | None:
        if user == "me":
            return self._hosts[0]
        for host in self._hosts:
            if user == host["id"] or user.lower() == host["email"]:
                return host
        return None

    def _numeric_event(self, raw: str, kind: str) -> tuple[_Event | None, httpx.Response | None]:
        ref = unquote(raw)
        if not ref.isdigit():
            return None, _error(400, 300, f"Invalid {kind} ID.")
        event = self._by_id.get((kind, int(ref)))
        if event is None:
            return None, _error(404, 3001, f"{kind.capitalize()} does not exist: {ref}.")
        return event, None

    def _utc_day(self) -> date:
        return datetime.fromtimestamp(self.clock(), UTC).date()

    def _opaque(self, length: int) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        return "".join(self._runtime_rng.choices(alphabet, k=length))

    def _paginate(
        self,
        path: str,
        query: dict[str, str],
        items: list[dict],
        key: str,
        *,
        page_number: bool,
        view: Callable[[dict], dict] | None = None,
    ) -> httpx.Response:
        """One page of ``items`` with Zoom's pagination fields and a bound next_page_token.

        ``view`` turns each item of the page (only those) into what is sent.
        """
        size = _page_size(query)
        token = query.get("next_page_token", "")
        params = {name: value for name, value in query.items() if name != "next_page_token"}
        if token:
            issued = self._page_tokens.get(token)
            # The token is bound to the path and every other parameter it was issued for.
            if (
                issued is None
                or issued.path != path
                or issued.params != params
                or self.clock() - issued.issued_at > PAGE_TOKEN_TTL
            ):
                return _error(400, 300, "The next page token is invalid or expired.")
            offset = issued.offset
        else:
            try:
                offset = max(int(query.get("page_number", 1)) - 1, 0) * size
            except ValueError:
                offset = 0
        page = items[offset : offset + size]
        if view is not None:
            page = [view(item) for item in page]
        next_token = ""
        if offset + size < len(items):
            next_token = "".join(
                self._runtime_rng.choices(string.ascii_letters + string.digits, k=32)
            )
            self._page_tokens[next_token] = _PageToken(path, params, offset + size, self.clock())
        body: dict = {
            "next_page_token": next_token,
            "page_count": math.ceil(len(items) / size),
            "page_size": size,
            "total_records": len(items),
        }
        if page_number:
            body["page_number"] = offset // size + 1
        body[key] = page
        return _json_response(200, body)

    # -- views ----------------------------------------------------------------------------

    def _event_row(self, event: _Event) -> dict:
        current = event.current
        return {
            "kind": event.kind,
            "id": event.id,
            "uuid": current.uuid,
            "topic": event.topic,
            "host_id": event.host["id"],
            "host_email": event.host["email"],
            "start_time": _iso(current.start),
            "duration": event.duration,
            "timezone": event.timezone,
            "type": event.type,
            "agenda": event.agenda,
            "created_at": _iso(event.created_at),
            "join_url": event.join_url,
            "approval_type": event.approval_type,
            "registration_url": event.registration_url,
            "state": self._state(event),
            "listed": event.listed,
            "tags": event.tags,
            "instances": [
                {
                    "uuid": i.uuid,
                    "start_time": _iso(i.start),
                    "duration": i.duration,
                    "ended": i.end <= self.now,
                    "reportable": self._reportable(i),
                    "participant_rows": len(i.rows),
                }
                for i in event.instances
            ],
            "registrant_counts": {
                status: sum(r["status"] == status for r in event.registrants.values())
                for status in REGISTRANT_STATUSES
            },
        }
