"""Zoom's per-account rate limits, kept on our side: one limiter per account, paced per category.

Zoom limits each account's requests per second by category (Light, Medium, Heavy; numbers per
plan below) and caps Heavy calls per UTC day for the whole account, every app on it included
(../shared/docs/zoom-api.md §4). Zoom does not tell an app its plan, so the plan is a setting.

The limiter lets each category send at most Zoom's per-second number (its *allowance*) in any
window of ``WINDOW`` seconds: one second plus a margin against jitter. Zoom counts a request when
it arrives, the limiter when it leaves, and the time between the two varies from request to
request, so requests can arrive closer together than they went; the margin keeps even the
strictest reading of Zoom's limit (any sliding second) from seeing more than its number. The
requests are spaced evenly across the window (each takes the next free slot, ``WINDOW /
allowance`` seconds after the previous one), and a log of when requests actually went holds the
window even when a thread wakes late for its slot and would otherwise go right behind the next
one. It slows down further when Zoom says so: after a
per-second 429 the category pauses and its allowance drops by one for a while; when
``X-RateLimit-Remaining`` says a second is used up, the category waits for the next one; after a
daily-limit 429 the category refuses to send until Zoom's reset time. It counts Heavy calls per
UTC day (what the Attendance page shows against the daily cap).

Thread-safe. Clocks and sleeping are injected (module defaults looked up per call), so tests
never wait. No I/O but sleeping; never imports streamlit.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx

from erbium_zoom.errors import RateLimited

LIGHT, MEDIUM, HEAVY = "Light", "Medium", "Heavy"
CATEGORIES: tuple[str, ...] = (LIGHT, MEDIUM, HEAVY)

# Seconds added to Zoom's one-second window. If one request takes J longer to reach Zoom than a
# later one (thread scheduling here, the network and Zoom's gateway there), Zoom sees them J
# closer together than they went. Zoom refuses a request when its number already arrived in the
# second before (sliding: the strictest reading); with never more than that number leaving
# within 1 s + JITTER_MARGIN, that takes J above the margin. A margin in time rather than a
# lower count keeps more throughput for the same protection (Pro Heavy: 10 per 1.2 s = 8.3/s;
# 9 per 1.2 s would be 7.5/s). Why 0.2 s: against the simulator on loopback at 200 ms latency
# with the dashboard's 8 threads, J stayed under 0.11 s on a quiet 2-core machine, twice that
# is still 83% of Zoom's number, and a larger one brings the benchmark near 1.3× its bound. On a
# machine so busy that single requests stall for longer (0.22 s and more were seen with
# browser tests and a CPU-bound process beside it), a rare 429 is still possible, and retried.
JITTER_MARGIN = 0.2
WINDOW = 1.0 + JITTER_MARGIN  # seconds in which a category sends at most its allowance
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


class RateLimiter:
    """Paces one Zoom account's requests per category and counts its Heavy calls per UTC day.

    ``throttle=False`` only counts (the demo's simulated account has no limits to respect).
    ``on_heavy(day)`` is called after each Heavy call Zoom accepted (to persist the count);
    its errors are ignored.
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
    ):
        self._plan = plan
        self.throttle = throttle
        self._clock = clock
        self._sleeper = sleep
        self._utcnow = utcnow
        self._on_heavy = on_heavy
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}  # category → when its next request may go
        self._sent: dict[str, deque[float]] = {}  # category → when requests went, last WINDOW
        self._paused_until: dict[str, float] = {}
        self._cuts: dict[str, tuple[int, float]] = {}  # category → (cut, until)
        self._closed_until: dict[str, datetime] = {}  # daily limit reached: category → reset
        self._heavy: dict[date, int] = {}
        self._zoom_heavy_left: tuple[date, int] | None = None
        self.waited = 0.0  # seconds spent waiting for the limits, all threads together
        self.refusals = 0  # 429s seen

    def __repr__(self) -> str:
        return f"RateLimiter(plan={self._plan.name!r}, throttle={self.throttle})"

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
        """Requests this category may send per WINDOW now (the plan's number, less any cut)."""
        limit = self._plan.per_second.get(category, self._plan.per_second[MEDIUM])
        cut, until = self._cuts.get(category, (0, 0.0))
        if cut and self._now() >= until:
            cut = 0
        return max(1, limit - cut)

    # ---- before and after each request -----------------------------------------------------

    def acquire(self, category: str) -> None:
        """Wait for ``category``'s next slot; raises RateLimited after a daily 429."""
        slot = None
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
                if not self.throttle:
                    return
                now = self._now()
                allowance = self.allowance(category)
                paused = self._paused_until.get(category, 0.0)
                if slot is None or paused > slot:
                    # The next even slot; a pause Zoom asked for moves this request past it.
                    slot = max(now, paused, self._next_slot.get(category, 0.0))
                    self._next_slot[category] = slot + WINDOW / allowance
                sent = self._sent.setdefault(category, deque())
                while sent and sent[0] <= now - WINDOW:
                    sent.popleft()
                due = max(slot, sent[-allowance] + WINDOW if len(sent) >= allowance else now)
                if due <= now + GRANT_TOLERANCE:
                    sent.append(now)
                    return
                wait = due - now
                self.waited += wait
            self._wait(wait)

    def observe(
        self, category: str, response: httpx.Response, error: RateLimited | None = None
    ) -> None:
        """Learn from Zoom's answer: count Heavy calls, slow down on 429 or Remaining 0.

        ``error`` is the client's reading of a 429 (per-second or daily, and until when).
        """
        status = response.status_code
        limit_type = (response.headers.get("X-RateLimit-Type") or "").lower()
        limit = _int_header(response, "X-RateLimit-Limit")
        remaining = _int_header(response, "X-RateLimit-Remaining")
        daily_reading = "daily" in limit_type or (limit is not None and limit >= DAILY_READING)
        counted_day = None
        with self._lock:
            now = self._now()
            today = self._wall().date()
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
                    cut, _ = self._cuts.get(category, (0, 0.0))
                    self._cuts[category] = (cut + 1, now + CUT_SECONDS)
            elif daily_reading:
                if category == HEAVY and remaining is not None:
                    self._zoom_heavy_left = (today, remaining)
            elif remaining is not None and remaining <= 0:
                # The account's second is used up (by us or by another app on the account).
                self._pause(category, now + PAUSE_WHEN_USED_UP)
        if counted_day is not None and self._on_heavy is not None:
            try:
                self._on_heavy(counted_day)
            except Exception:  # noqa: BLE001 - persisting the count must never stop a load
                pass

    def _pause(self, category: str, until: float) -> None:
        self._paused_until[category] = max(self._paused_until.get(category, 0.0), until)

    # ---- what the page shows ---------------------------------------------------------------

    def heavy_today(self) -> int:
        """Heavy calls counted today (UTC) by this limiter, i.e. by this process."""
        with self._lock:
            return self._heavy.get(self._wall().date(), 0)

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
    ) -> RateLimiter:
        """The account's limiter (made on first use), set to ``plan``."""
        with self._guard:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = RateLimiter(plan, throttle=throttle, on_heavy=on_heavy)
                self._limiters[key] = limiter
        limiter.set_plan(plan)
        return limiter

    def clear(self) -> None:
        with self._guard:
            self._limiters.clear()


SHARED_LIMITERS = LimiterRegistry()
