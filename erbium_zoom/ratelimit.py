"""Zoom's per-account rate limits, kept on our side: one limiter per account, paced per category.

Zoom limits each account's requests per second by category (Light, Medium, Heavy; numbers per
plan below) and caps Heavy calls per UTC day for the whole account, every app on it included
(../shared/docs/zoom-api.md §4). Zoom does not tell an app its plan, so the plan is a setting.

The limiter lets each category send at most Zoom's per-second number (its *allowance*) in any
window of one second plus a margin against jitter. Zoom counts a request when it arrives, the
limiter when it leaves, and the time between the two varies from request to request, so requests
can arrive closer together than they went; the margin keeps even the strictest reading of Zoom's
limit (any sliding second) from seeing more than its number. The margin adapts, per category
(:class:`AdaptiveMargin`): small while requests leave on time and answers come steadily, wider at
once when their delays spread or Zoom answers a per-second 429, narrowing slowly afterwards.
The requests are spaced evenly across the window (each takes the next free slot, ``window /
allowance`` seconds after the previous one), and a log of when requests actually went on the
wire (the client says when, :meth:`RateLimiter.went`) holds the window even when a thread wakes
late for its slot, or a request is held up between its slot and the connection, and would
otherwise arrive right behind the next ones. It slows down further when Zoom says so: after a
per-second 429 the category pauses and its allowance drops by one for a while; when
``X-RateLimit-Remaining`` says a second is used up by someone else (more than this limiter's own
requests explain), the category waits for the next one; after a daily-limit 429 the category
refuses to send until Zoom's reset time. It
counts Heavy calls per UTC day (what the Attendance page shows against the daily cap).

Alone, a limiter paces its own process. Given a shared backend (:mod:`erbium_zoom.shared_limits`,
Redis), it takes every slot there instead, so all processes on one account keep one pace and one
Heavy count; when the backend cannot be reached it says so (``shared_problem``) and paces alone
at ``FALLBACK_SHARE`` of Zoom's numbers until the backend answers again.

Thread-safe. Clocks and sleeping are injected (module defaults looked up per call), so tests
never wait. No I/O but sleeping and the shared backend's calls; never imports streamlit.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

import httpx

from erbium_zoom.errors import RateLimited, SharedLimitsUnavailable

LIGHT, MEDIUM, HEAVY = "Light", "Medium", "Heavy"
CATEGORIES: tuple[str, ...] = (LIGHT, MEDIUM, HEAVY)

# Seconds added to Zoom's one-second window. If one request takes J longer to reach Zoom than a
# later one (thread scheduling here, the network and Zoom's gateway there), Zoom sees them J
# closer together than they went. Zoom refuses a request when its number already arrived in the
# second before (sliding: the strictest reading); with never more than that number leaving
# within 1 s + margin, that takes J above the margin. A margin in time rather than a lower count
# keeps more throughput for the same protection.
#
# FIXED_MARGIN is the former constant margin (0.2 s: Pro Heavy 10 per 1.2 s = 8.3/s), kept for
# the benchmark's comparison and for tests. The default is AdaptiveMargin, one per category. It
# starts at START_MARGIN (cautious while nothing has been seen) and follows two measures of the
# jitter, each the largest minus the smallest of the last SPREAD_SAMPLES requests:
# - how much later than its slot each request was actually written to the connection (thread
#   scheduling, the GIL, the connection pool), taken SEND_SPREAD_FACTOR times, because the other
#   half of the way (the network and Zoom's gateway) is not seen from here and is taken to vary
#   as much;
# - how long its answer took after its slot, taken ROUND_TRIP_SPREAD_FACTOR times: the round
#   trip holds Zoom's side of the way, but also the time Zoom takes to build each answer, which
#   varies with its size, so it overstates the jitter.
# It widens by STEP_AFTER_429 on a per-second 429, never beyond MAX_MARGIN, and narrows by
# NARROW_PER_SECOND a second, not below MIN_MARGIN, when none of these calls for it. Measured
# against the simulator on loopback at 200 ms latency with the dashboard's 8 threads (a busy
# 2-core machine): requests of one category reached the simulator up to 0.07 s closer together
# than they went, while their send delays spread by 0.04 s and their round trips by 0.1 to
# 0.18 s; with a CPU-bound process beside them, 0.25 to 0.36 s, against send delays spread by
# 0.23 s and round trips by 0.39 s. The benchmark's --margins compares it with FIXED_MARGIN.
FIXED_MARGIN = 0.2
JITTER_MARGIN = FIXED_MARGIN  # the former name
WINDOW = 1.0 + FIXED_MARGIN  # seconds in which a category sends its allowance, fixed margin
MIN_MARGIN = 0.05
START_MARGIN = 0.1
MAX_MARGIN = 0.5
SPREAD_SAMPLES = 40
SEND_SPREAD_FACTOR = 2.0
ROUND_TRIP_SPREAD_FACTOR = 0.5
STEP_AFTER_429 = 0.1
NARROW_PER_SECOND = 0.01
# Without the shared backend (Redis unreachable), each process paces alone at this share of
# Zoom's numbers, so that two processes falling back together still stay under them.
FALLBACK_SHARE = 0.5
# A request of the shared backend held up longer than this between its grant and the wire is
# moved in the backend's log (one more call to Redis); a shorter delay is in the margin.
HELD_UP_TOLD = 0.01
PROBE_SECONDS = 1.0  # how often a limiter without its shared backend tries it again
GRANT_TOLERANCE = 1e-9  # seconds: a slot this close is due (fake clocks add waits inexactly)
PAUSE_AFTER_429 = 1.0  # seconds a category waits after a per-second 429
PAUSE_WHEN_USED_UP = 1.0  # seconds a category waits when Zoom says Remaining 0 for the second
CUT_SECONDS = 10.0  # how long a 429 keeps the category's allowance one lower
DAILY_READING = 1000  # an X-RateLimit-Limit this high counts a day, not a second
MAX_PAUSE = 60.0  # seconds: a longer server-asked wait is not honoured here (the client reports)


@dataclass(frozen=True)
class Plan:
    """A Zoom plan's per-second limits and its daily Heavy cap."""

    key: str
    name: str
    per_second: Mapping[str, int]
    heavy_daily: int

    @property
    def label(self) -> str:
        rates = ", ".join(f"{c} {self.per_second[c]}/s" for c in CATEGORIES)
        return f"{self.name} ({rates}; {self.heavy_daily:,} Heavy a day)"


PRO = Plan("pro", "Pro", {LIGHT: 30, MEDIUM: 20, HEAVY: 10}, 30_000)
BUSINESS = Plan("business", "Business", {LIGHT: 80, MEDIUM: 60, HEAVY: 40}, 60_000)
PLANS: dict[str, Plan] = {plan.key: plan for plan in (PRO, BUSINESS)}
DEFAULT_PLAN = PRO


# Zoom's rate label for each endpoint the dashboard calls (zoom-api.md §2), on paths without
# the /v2 base. First match wins; anything else counts as Medium.
_ENDPOINT_CATEGORIES: tuple[tuple[str | None, re.Pattern, str], ...] = (
    ("GET", re.compile(r"/report/(webinars|meetings)/.+/participants"), HEAVY),
    ("GET", re.compile(r"/users/[^/]+/(webinars|meetings)"), MEDIUM),
    ("GET", re.compile(r"/(webinars|meetings)/[^/]+/registrants"), MEDIUM),
    ("PUT", re.compile(r"/(webinars|meetings)/[^/]+/registrants/status"), MEDIUM),
    (None, re.compile(r"/(webinars|meetings)/[^/]+(/registrants(/[^/]+)?)?"), LIGHT),
)


def category_for(method: str, path: str) -> str:
    """Zoom's rate category of a REST call (``path`` with or without the /v2 base)."""
    path = path.split("?", 1)[0]
    if path.startswith("/v2/"):
        path = path[3:]
    method = method.upper()
    for wanted, pattern, category in _ENDPOINT_CATEGORIES:
        if (wanted is None or wanted == method) and pattern.fullmatch(path):
            return category
    return MEDIUM


def _monotonic() -> float:
    return time.monotonic()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(str(response.headers.get(name, "")).strip())
    except ValueError:
        return None


class FixedMargin:
    """A constant margin (the former pacing: ``FIXED_MARGIN``), for comparison and tests."""

    def __init__(self, seconds: float = FIXED_MARGIN):
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"FixedMargin({self.seconds})"

    def current(self, category: str, now: float) -> float:
        return self.seconds

    def sent(
        self, category: str, delay: float | None, round_trip: float | None, now: float
    ) -> None:
        pass

    def refused(self, category: str, now: float) -> None:
        pass


class AdaptiveMargin:
    """A margin per category that follows the jitter actually seen (see the constants above).

    Not thread-safe on its own: the limiter calls it under its lock.
    """

    def __init__(
        self,
        low: float = MIN_MARGIN,
        high: float = MAX_MARGIN,
        samples: int = SPREAD_SAMPLES,
        start: float = START_MARGIN,
    ):
        self.low, self.high, self.start = low, high, start
        self._level: dict[str, float] = {}
        self._at: dict[str, float] = {}
        self._delays: dict[tuple[str, str], deque[float]] = {}
        self._samples = samples

    def __repr__(self) -> str:
        levels = ", ".join(f"{c}={v:.3f}" for c, v in self._level.items())
        return f"AdaptiveMargin({levels})"

    def current(self, category: str, now: float) -> float:
        """The category's margin now: its last level, narrowed for the time since."""
        level = self._level.get(category, max(self.low, self.start))
        at = self._at.get(category)
        if at is not None and now > at:
            level = max(self.low, level - NARROW_PER_SECOND * (now - at))
        self._level[category], self._at[category] = level, now
        return level

    def sent(
        self, category: str, delay: float | None, round_trip: float | None, now: float
    ) -> None:
        """A request of ``category`` went on the wire ``delay`` seconds after its slot, and its
        answer came ``round_trip`` seconds after the slot (either may be unknown: None)."""
        spread = 0.0
        for kind, seconds, factor in (
            ("sent", delay, SEND_SPREAD_FACTOR),
            ("answered", round_trip, ROUND_TRIP_SPREAD_FACTOR),
        ):
            if seconds is None:
                continue
            samples = self._delays.setdefault((category, kind), deque(maxlen=self._samples))
            samples.append(seconds)
            spread = max(spread, factor * (max(samples) - min(samples)))
        self._level[category] = min(self.high, max(self.current(category, now), spread))

    def refused(self, category: str, now: float) -> None:
        """Zoom refused a request for the second: the jitter was larger than the margin."""
        self._level[category] = min(self.high, self.current(category, now) + STEP_AFTER_429)


Margin = FixedMargin | AdaptiveMargin


class _Sent:
    """One request in a category's log: when it was granted and, once known, when it was
    written to the connection. A request held up between its slot and the wire (a busy
    machine) then holds its place in the window at the time Zoom sees it, not at its slot; the
    next ones of the window wait for it."""

    __slots__ = ("granted", "on_wire")

    def __init__(self, granted: float):
        self.granted = granted
        self.on_wire: float | None = None

    @property
    def at(self) -> float:
        return self.granted if self.on_wire is None else max(self.granted, self.on_wire)

    def went(self, on_wire: float | None) -> None:
        """It was written to the connection at ``on_wire`` (None: it never was, or when is
        not known: its grant time). The first word counts."""
        if self.on_wire is None:
            self.on_wire = self.granted if on_wire is None else on_wire


@dataclass(frozen=True)
class Ticket:
    """A granted request: when it went (the limiter's clock) and how many of its category had
    gone in the window before it (this process's, or every process's with a shared backend)."""

    category: str
    sent_at: float
    in_window: int
    logged: _Sent | None = field(default=None, compare=False, repr=False)
    shared_entry: str | None = field(default=None, compare=False, repr=False)


class _LocalSlots:
    """The even slots and the log of sends of one process, per category (under the limiter's
    lock). Every grant is logged here, shared or not, so a fallback starts from what went."""

    def __init__(self) -> None:
        self._next_slot: dict[str, float] = {}  # category → when its next request may go
        self._sent: dict[str, deque[_Sent]] = {}  # category → requests granted, last window

    def take(
        self,
        category: str,
        allowance: int,
        window: float,
        now: float,
        slot: float | None,
        paused: float,
    ) -> tuple[float, float, int]:
        """(seconds to wait, 0 when granted; the request's slot; sends in the window)."""
        if slot is None or paused > slot:
            # The next even slot; a pause Zoom asked for moves this request past it.
            slot = max(now, paused, self._next_slot.get(category, 0.0))
            self._next_slot[category] = slot + window / allowance
        sent = self._recent(category, now, window)
        # The window counts requests when they went on the wire, which can be out of the
        # order they were granted in.
        due = max(slot, sorted(sent)[-allowance] + window if len(sent) >= allowance else now)
        if due <= now + GRANT_TOLERANCE:
            return 0.0, slot, len(sent)
        return due - now, slot, len(sent)

    def _pruned(self, category: str, now: float) -> deque[_Sent]:
        """The category's log, without what no window can hold any more."""
        sent = self._sent.setdefault(category, deque())
        while sent and sent[0].at <= now - MAX_WINDOW:
            sent.popleft()
        return sent

    def _recent(self, category: str, now: float, window: float) -> list[float]:
        moments = (entry.at for entry in self._pruned(category, now))
        return [moment for moment in moments if moment > now - window]

    def record(self, category: str, now: float) -> _Sent:
        entry = _Sent(now)
        self._pruned(category, now).append(entry)
        return entry

    def ages(self, now: float) -> dict[str, list[float]]:
        """How long ago each logged request went, per category (seconds)."""
        return {
            category: [now - entry.at for entry in self._pruned(category, now)]
            for category in list(self._sent)
        }


MAX_WINDOW = 1.0 + MAX_MARGIN


class SharedSlots(Protocol):
    """Slots and counts kept outside the process (``shared_limits.RedisSlots``).

    Every method raises :class:`SharedLimitsUnavailable` when the backend cannot be reached.
    """

    where: str

    def take(
        self, category: str, allowance: int, window: float, slot: int | None, pause_for: float
    ) -> tuple[float, int, int, bool, str | None]:
        """(seconds to wait, 0 when granted; the slot; sends in the window; whether the
        backend had no state for the account, e.g. after a restart; the granted request's
        entry in the backend's log, for :meth:`went`)."""

    def went(self, category: str, entry: str, held_up: float) -> None:
        """The request of ``entry`` went on the wire ``held_up`` seconds after its grant."""

    def pause(self, category: str, seconds: float, widen: float = 0.0) -> None: ...

    def seed(self, ages: Mapping[str, Sequence[float]]) -> None:
        """Log requests that went ``ages`` seconds ago (this process's, after a restart)."""

    def count_heavy(self, day: date) -> int: ...

    def heavy(self, day: date) -> int: ...


class RateLimiter:
    """Paces one Zoom account's requests per category and counts its Heavy calls per UTC day.

    ``throttle=False`` only counts (the demo's simulated account has no limits to respect).
    ``on_heavy(day)`` is called after each Heavy call Zoom accepted (to persist the count);
    its errors are ignored. ``margin`` is the margin against jitter (adaptive by default).
    ``shared``: a backend that every process on the account takes its slots from.
    """

    def __init__(
        self,
        plan: Plan = DEFAULT_PLAN,
        *,
        throttle: bool = True,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        utcnow: Callable[[], datetime] | None = None,
        on_heavy: Callable[[date], None] | None = None,
        margin: Margin | None = None,
        shared: SharedSlots | None = None,
    ):
        self._plan = plan
        self.throttle = throttle
        self._clock = clock
        self._sleeper = sleep
        self._utcnow = utcnow
        self._on_heavy = on_heavy
        self.margin: Margin = margin if margin is not None else AdaptiveMargin()
        self.shared = shared
        self.shared_problem: SharedLimitsUnavailable | None = None
        self._next_probe = 0.0
        self._lock = threading.Lock()
        self._local = _LocalSlots()
        self._paused_until: dict[str, float] = {}
        self._cuts: dict[str, tuple[int, float]] = {}  # category → (cut, until)
        self._closed_until: dict[str, datetime] = {}  # daily limit reached: category → reset
        self._heavy: dict[date, int] = {}
        self._zoom_heavy_left: tuple[date, int] | None = None
        self.waited = 0.0  # seconds spent waiting for the limits, all threads together
        self.refusals = 0  # 429s seen

    def __repr__(self) -> str:
        shared = f", shared={self.shared.where!r}" if self.shared is not None else ""
        return f"RateLimiter(plan={self._plan.name!r}, throttle={self.throttle}{shared})"

    # ---- time ------------------------------------------------------------------------------

    def _now(self) -> float:
        return (self._clock or _monotonic)()

    def _wall(self) -> datetime:
        return (self._utcnow or _utcnow)()

    def _wait(self, seconds: float) -> None:
        (self._sleeper or _sleep)(seconds)

    # ---- the plan --------------------------------------------------------------------------

    @property
    def plan(self) -> Plan:
        return self._plan

    def set_plan(self, plan: Plan) -> None:
        with self._lock:
            self._plan = plan

    def allowance(self, category: str) -> int:
        """Requests this category may send per window now (the plan's number, less any cut)."""
        limit = self._plan.per_second.get(category, self._plan.per_second[MEDIUM])
        cut, until = self._cuts.get(category, (0, 0.0))
        if cut and self._now() >= until:
            cut = 0
        return max(1, limit - cut)

    def window(self, category: str = HEAVY) -> float:
        """Seconds in which ``category`` sends at most its allowance now: 1 s and its margin."""
        with self._lock:
            return 1.0 + self.margin.current(category, self._now())

    def now(self) -> float:
        """The limiter's clock (for the client to say when a request went on the wire)."""
        return self._now()

    @property
    def sharing(self) -> bool:
        """Whether slots come from the shared backend now (not alone, not fallen back)."""
        return self.shared is not None and self.shared_problem is None

    # ---- before and after each request -----------------------------------------------------

    def acquire(self, category: str) -> Ticket:
        """Wait for ``category``'s next slot; raises RateLimited after a daily 429."""
        local_slot: float | None = None
        shared_slot: int | None = None
        while True:
            with self._lock:
                closed = self._closed_until.get(category)
                if closed is not None:
                    if self._wall() < closed:
                        raise RateLimited(
                            "Zoom's daily limit for this account was reached earlier; "
                            "no request was sent.",
                            code=429,
                            limit_type="daily",
                            category=category,
                            retry_at=closed,
                        )
                    del self._closed_until[category]
                now = self._now()
                if not self.throttle:
                    return Ticket(category, now, 0)
                allowance = self.allowance(category)
                window = 1.0 + self.margin.current(category, now)
                paused = self._paused_until.get(category, 0.0)
                use_shared = self.shared is not None and (
                    self.shared_problem is None or now >= self._next_probe
                )
                if use_shared and self.shared_problem is not None:
                    self._next_probe = now + PROBE_SECONDS  # one thread tries; others go on
                if not use_shared:
                    if self.shared is not None:
                        allowance = max(1, int(allowance * FALLBACK_SHARE))
                    wait, local_slot, in_window = self._local.take(
                        category, allowance, window, now, local_slot, paused
                    )
                    if not wait:
                        logged = self._local.record(category, now)
                        return Ticket(category, now, in_window, logged)
                    self.waited += wait
            if use_shared:
                taken = self._take_shared(
                    category, allowance, window, shared_slot, max(0.0, paused - now)
                )
                if taken is None:  # the backend failed: this request paces alone
                    local_slot = shared_slot = None
                    continue
                wait, shared_slot, in_window, entry = taken
                if not wait:
                    with self._lock:
                        now = self._now()
                        logged = self._local.record(category, now)
                    return Ticket(category, now, in_window, logged, entry)
                with self._lock:
                    self.waited += wait
            self._wait(wait)

    def _take_shared(
        self, category: str, allowance: int, window: float, slot: int | None, pause_for: float
    ) -> tuple[float, int, int, str | None] | None:
        """A slot from the shared backend, outside the lock; None when it failed."""
        assert self.shared is not None
        try:
            wait, slot, in_window, fresh, entry = self.shared.take(
                category, allowance, window, slot, pause_for
            )
            if fresh or self.shared_problem is not None:
                # Back, or the backend lost its state (restarted): it learns what this process
                # sent in the last window, so the first second does not send Zoom's number twice.
                with self._lock:
                    ages = self._local.ages(self._now())
                self.shared.seed(ages)
        except SharedLimitsUnavailable as error:
            self._shared_failed(error)
            return None
        if self.shared_problem is not None:
            with self._lock:
                self.shared_problem = None
        return wait, slot, in_window, entry

    def _shared_failed(self, error: SharedLimitsUnavailable) -> None:
        with self._lock:
            if self.shared_problem is None:
                self._next_probe = self._now() + PROBE_SECONDS
            self.shared_problem = error

    def went(self, ticket: Ticket, on_wire: float | None) -> None:
        """The ticket's request was written to the connection at ``on_wire`` (the limiter's
        clock), or None: it never was (the connection failed), or the client cannot tell."""
        if ticket.logged is not None:
            with self._lock:
                ticket.logged.went(on_wire)
        held_up = 0.0 if on_wire is None else on_wire - ticket.sent_at
        if ticket.shared_entry is not None and held_up > HELD_UP_TOLD and self.sharing:
            try:  # every process's window counts it from when it went, too
                self.shared.went(ticket.category, ticket.shared_entry, held_up)
            except SharedLimitsUnavailable as error:
                self._shared_failed(error)

    def observe(
        self,
        category: str,
        response: httpx.Response,
        error: RateLimited | None = None,
        ticket: Ticket | None = None,
        on_wire: float | None = None,
    ) -> None:
        """Learn from Zoom's answer: count Heavy calls, slow down on 429 or Remaining 0.

        ``error`` is the client's reading of a 429 (per-second or daily, and until when);
        ``ticket`` is the request's, from :meth:`acquire`, and ``on_wire`` when (on the
        limiter's clock) its request was written to the connection: the delay between the two
        feeds the margin.
        """
        status = response.status_code
        limit_type = (response.headers.get("X-RateLimit-Type") or "").lower()
        limit = _int_header(response, "X-RateLimit-Limit")
        remaining = _int_header(response, "X-RateLimit-Remaining")
        daily_reading = "daily" in limit_type or (limit is not None and limit >= DAILY_READING)
        counted_day = None
        pause_shared, widen = None, 0.0
        with self._lock:
            now = self._now()
            today = self._wall().date()
            if ticket is not None and self.throttle:
                delay = None if on_wire is None else max(0.0, on_wire - ticket.sent_at)
                self.margin.sent(category, delay, now - ticket.sent_at, now)
            if category == HEAVY and status not in (401, 429):
                # Zoom counts what it let through, error answers included; a 429 or an
                # unknown token was refused before counting.
                self._heavy[today] = self._heavy.get(today, 0) + 1
                counted_day = today
            if status == 429:
                self.refusals += 1
                daily = error.limit_type == "daily" if error is not None else daily_reading
                if daily:
                    reset = error.retry_at if error is not None else None
                    self._closed_until[category] = reset or _next_utc_midnight(self._wall())
                    if category == HEAVY:
                        self._zoom_heavy_left = (today, 0)
                else:
                    pause = PAUSE_AFTER_429
                    if error is not None and error.retry_at is not None:
                        asked = (error.retry_at - self._wall()).total_seconds()
                        pause = min(max(pause, asked), MAX_PAUSE)
                    self._pause(category, now + pause)
                    pause_shared, widen = pause, STEP_AFTER_429
                    cut, _ = self._cuts.get(category, (0, 0.0))
                    self._cuts[category] = (cut + 1, now + CUT_SECONDS)
                    self.margin.refused(category, now)
            elif daily_reading:
                if category == HEAVY and remaining is not None:
                    self._zoom_heavy_left = (today, remaining)
            elif remaining is not None and remaining <= 0:
                # The account's second is used up. When the allowance went in the window before
                # this request, that was us, and the even slots already wait for the window to
                # move on; otherwise another app (or process) is using the account's second.
                if ticket is None or ticket.in_window + 1 < self.allowance(category):
                    self._pause(category, now + PAUSE_WHEN_USED_UP)
                    pause_shared = PAUSE_WHEN_USED_UP
        if self.sharing and (pause_shared is not None or counted_day is not None):
            try:
                if pause_shared is not None:
                    self.shared.pause(category, pause_shared, widen)
                if counted_day is not None:
                    self.shared.count_heavy(counted_day)
            except SharedLimitsUnavailable as problem:
                self._shared_failed(problem)
        if counted_day is not None and self._on_heavy is not None:
            try:
                self._on_heavy(counted_day)
            except Exception:  # noqa: BLE001 - persisting the count must never stop a load
                pass

    def _pause(self, category: str, until: float) -> None:
        self._paused_until[category] = max(self._paused_until.get(category, 0.0), until)

    # ---- what the page shows ---------------------------------------------------------------

    def heavy_today(self) -> int:
        """Heavy calls counted today (UTC): by every process on the account when shared,
        else by this limiter, i.e. by this process."""
        with self._lock:
            today = self._wall().date()
            mine = self._heavy.get(today, 0)
        if self.sharing:
            try:
                return self.shared.heavy(today)
            except SharedLimitsUnavailable as problem:
                self._shared_failed(problem)
        return mine

    def zoom_heavy_left(self) -> int | None:
        """Heavy calls Zoom last said the whole account has left today, when it said so."""
        with self._lock:
            reading = self._zoom_heavy_left
            if reading is None or reading[0] != self._wall().date():
                return None
            return reading[1]


def _next_utc_midnight(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class LimiterRegistry:
    """One limiter per account, shared by every client of that account in the process."""

    def __init__(self) -> None:
        self._limiters: dict[Hashable, RateLimiter] = {}
        self._guard = threading.Lock()

    def get(
        self,
        key: Hashable,
        plan: Plan = DEFAULT_PLAN,
        *,
        throttle: bool = True,
        on_heavy: Callable[[date], None] | None = None,
        shared: Callable[[], SharedSlots] | None = None,
    ) -> RateLimiter:
        """The account's limiter (made on first use), set to ``plan``; ``shared`` makes its
        shared backend (once: when the limiter has none yet)."""
        with self._guard:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = RateLimiter(plan, throttle=throttle, on_heavy=on_heavy)
                self._limiters[key] = limiter
            if shared is not None and limiter.shared is None:
                limiter.shared = shared()
        limiter.set_plan(plan)
        return limiter

    def clear(self) -> None:
        with self._guard:
            self._limiters.clear()


SHARED_LIMITERS = LimiterRegistry()
