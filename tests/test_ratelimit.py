"""The rate limiter's accounting, on a fake clock: pacing, slowing down, daily caps, counting."""

from __future__ import annotations

import heapq
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from erbium_zoom import ratelimit
from erbium_zoom.auth import TokenCache
from erbium_zoom.client import ZoomClient
from erbium_zoom.errors import RateLimited, SharedLimitsUnavailable
from erbium_zoom.models import EventKind
from erbium_zoom.ratelimit import (
    BUSINESS,
    CUT_SECONDS,
    HEAVY,
    LIGHT,
    MEDIUM,
    PRO,
    WINDOW,
    AdaptiveMargin,
    FixedMargin,
    LimiterRegistry,
    RateLimiter,
    category_for,
)
from erbium_zoom.simulator import Faults, SimulatedZoom
from tests.conftest import FIXED_NOW, SIM_CREDENTIALS


class Clock:
    """Monotonic seconds and UTC time that move only when the limiter sleeps."""

    def __init__(self, start: datetime = FIXED_NOW):
        self.seconds = 0.0
        self.start = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.seconds

    def utcnow(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def time(self) -> float:  # for the simulator: the same clock
        return self.utcnow().timestamp()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.seconds += seconds


def limiter_on(clock: Clock, plan=PRO, **kwargs) -> RateLimiter:
    """A limiter on the fake clock; with the fixed margin (WINDOW) unless one is given."""
    kwargs.setdefault("margin", FixedMargin())
    return RateLimiter(
        plan, clock=clock.monotonic, sleep=clock.sleep, utcnow=clock.utcnow, **kwargs
    )


def answer(status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers={k.replace("_", "-"): v for k, v in headers.items()})


# ---- categories and plans -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "category"),
    [
        ("GET", "/report/webinars/98142010528/participants", HEAVY),
        ("GET", "/report/meetings/%252Fz0QJ3oB%252BhWZx%253D%253D/participants", HEAVY),
        ("GET", "/v2/report/meetings/8123/participants", HEAVY),
        ("GET", "/users/me/webinars", MEDIUM),
        ("GET", "/users/ann%40example.com/meetings", MEDIUM),
        ("GET", "/webinars/8123/registrants", MEDIUM),
        ("PUT", "/meetings/8123/registrants/status", MEDIUM),
        ("GET", "/webinars/8123", LIGHT),
        ("GET", "/meetings/8123/registrants/abc", LIGHT),
        ("POST", "/meetings/8123/registrants", LIGHT),
        ("DELETE", "/webinars/8123/registrants/abc", LIGHT),
    ],
)
def test_category_for_follows_zooms_labels(method, path, category):
    assert category_for(method, path) == category


def test_category_for_matches_the_simulators_routes():
    sim = SimulatedZoom("full", now=FIXED_NOW)
    from erbium_zoom.simulator import category_of

    event = sim.event_tagged("double_slash_uuid")
    for method, path in [
        ("GET", f"/v2/report/meetings/{event['id']}/participants"),
        ("GET", "/v2/users/me/meetings"),
        ("GET", f"/v2/meetings/{event['id']}/registrants"),
        ("PUT", f"/v2/meetings/{event['id']}/registrants/status"),
        ("GET", f"/v2/meetings/{event['id']}"),
        ("DELETE", f"/v2/meetings/{event['id']}/registrants/xyz"),
    ]:
        assert category_for(method, path) == category_of(method, path), path


def test_allowance_is_zooms_number_per_window_of_a_second_and_a_margin():
    clock = Clock()
    limiter = limiter_on(clock)
    assert {c: limiter.allowance(c) for c in (LIGHT, MEDIUM, HEAVY)} == dict(PRO.per_second)
    limiter.set_plan(BUSINESS)
    assert limiter.allowance(HEAVY) == 40
    assert WINDOW == 1.0 + ratelimit.JITTER_MARGIN > 1.0


# ---- pacing -------------------------------------------------------------------------------------


def slots(limiter: RateLimiter, clock: Clock, category: str, count: int) -> list[float]:
    """When each of ``count`` requests went (single thread: the clock is the send time)."""
    sent = []
    for _ in range(count):
        limiter.acquire(category)
        sent.append(round(clock.seconds, 9))
    return sent


def most_in_a_window(times: list[float], window: float = WINDOW) -> int:
    """The most of ``times`` within any half-open window of ``window`` seconds, (t - window, t]."""
    times = sorted(times)
    most = first = 0
    for last, moment in enumerate(times):
        while moment - times[first] >= window - 1e-9:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_requests_held_up_before_the_wire_hold_their_place_in_the_window_from_when_they_went():
    # A busy machine: the first two Heavy requests are written to the connection 0.3 s after
    # the first slot (more than the 0.2 s margin), the rest on time. Zoom sees them then: had
    # the 11th gone at its slot (1.2 s), Zoom would have seen 11 within one second, and refused
    # it. It waits a window after the late ones instead.
    clock = Clock()
    limiter = limiter_on(clock)
    on_wire = []
    for number in range(11):
        ticket = limiter.acquire(HEAVY)
        went = 0.3 if number < 2 else clock.seconds
        limiter.went(ticket, went)
        on_wire.append(went)
    assert on_wire[10] > 0.3 + 1.0
    assert most_in_a_window(on_wire, window=1.0) == 10
    # Told twice (the trace, then the client after the answer): the first word counts.
    limiter.went(ticket, None)
    assert ticket.logged.at == pytest.approx(on_wire[10])


def test_a_request_never_written_keeps_its_slot():
    clock = Clock()
    limiter = limiter_on(clock)
    ticket = limiter.acquire(HEAVY)
    limiter.went(ticket, None)  # the connection failed: it holds its slot, nothing later
    assert ticket.logged.at == pytest.approx(ticket.sent_at)


def test_limiter_spaces_requests_evenly_across_the_window():
    clock = Clock()
    limiter = limiter_on(clock)
    sent = slots(limiter, clock, HEAVY, 31)
    # 10 every 1.2 s, evenly. Zoom refuses the 11th of any 11 within one second (sliding): any
    # 11 in a row go 1.2 s apart, so none is refused unless one arrives 0.2 s later than another.
    assert sent == pytest.approx([k * WINDOW / 10 for k in range(31)])
    assert most_in_a_window(sent) == 10
    eleven_apart = [later - first for first, later in zip(sent, sent[10:], strict=False)]
    assert min(eleven_apart) == pytest.approx(WINDOW)


def test_limiter_keeps_categories_apart():
    clock = Clock()
    limiter = limiter_on(clock)
    slots(limiter, clock, HEAVY, 5)
    before = clock.seconds
    limiter.acquire(LIGHT)
    assert clock.seconds == before  # Light has its own pace: no wait behind Heavy


def test_limiter_does_not_save_up_idle_time_for_a_burst():
    clock = Clock()
    limiter = limiter_on(clock)
    limiter.acquire(HEAVY)
    clock.seconds += 60  # a quiet minute
    sent = slots(limiter, clock, HEAVY, 3)
    assert sent == [pytest.approx(60 + k * WINDOW / 10) for k in range(3)]


def test_limiter_follows_a_plan_change():
    clock = Clock()
    limiter = limiter_on(clock)
    limiter.set_plan(BUSINESS)
    sent = slots(limiter, clock, HEAVY, 41)
    assert sent[-1] == pytest.approx(WINDOW)  # 40 per window on Business
    assert limiter.plan is BUSINESS


class SharedClock:
    """Time for many threads: it stands still while any of them runs and jumps to the next
    wake-up once all of them sleep, so what a thread reads is exactly when it acted. ``late()``
    makes a wake-up come that much after the time asked for (a thread scheduled late)."""

    def __init__(self, threads: int, late: Callable[[], float] = lambda: 0.0):
        self.now = 0.0
        self._running = threads
        self._wake_ups: list[float] = []
        self._late = late
        self._changed = threading.Condition()

    def monotonic(self) -> float:
        return self.now

    def utcnow(self) -> datetime:
        return FIXED_NOW + timedelta(seconds=self.now)

    def sleep(self, seconds: float) -> None:
        with self._changed:
            wake_up = self.now + seconds + self._late()
            heapq.heappush(self._wake_ups, wake_up)
            self._running -= 1
            self._move_on()
            self._changed.wait_for(lambda: self.now >= wake_up)

    def finished(self) -> None:
        with self._changed:
            self._running -= 1
            self._move_on()

    def _move_on(self) -> None:
        if self._running or not self._wake_ups:
            return
        self.now = max(self.now, self._wake_ups[0])
        while self._wake_ups and self._wake_ups[0] <= self.now:
            heapq.heappop(self._wake_ups)
            self._running += 1  # counted here, so time cannot move on before it runs
        self._changed.notify_all()


def bursts(clock: SharedClock, limiter: RateLimiter, threads: int, seed: int) -> dict[str, list]:
    """``threads`` workers each send bursts of requests of random categories, waiting 0.2 s
    for each answer and sometimes pausing between bursts; when each request went, by category."""
    sent: dict[str, list[float]] = {LIGHT: [], MEDIUM: [], HEAVY: []}
    guard = threading.Lock()

    def work(number: int) -> None:
        rng = random.Random(f"{seed}:{number}")
        try:
            for _ in range(rng.randint(2, 4)):
                category = rng.choice((HEAVY, HEAVY, MEDIUM, LIGHT))
                for _ in range(rng.randint(5, 15)):
                    limiter.acquire(category)
                    with guard:
                        sent[category].append(clock.now)
                    clock.sleep(0.2)  # the answer's round trip
                clock.sleep(rng.choice((0.0, 0.5, 3.0)))
        finally:
            clock.finished()

    run_threads(work, threads)
    return sent


def run_threads(target: Callable[[int], None], count: int, timeout: float = 60) -> None:
    """``target(n)`` for each n below ``count``, each in its own thread; all done on return."""
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.parametrize("seed", range(3))
def test_no_window_holds_more_than_the_allowance_under_bursts_from_many_threads(seed):
    rng = random.Random(seed)
    # A quarter of the wake-ups come late, by up to 0.3 s: without the log of what went, a late
    # request would go right behind the next one and crowd a window.
    clock = SharedClock(40, late=lambda: rng.choice((0.0, 0.0, 0.0, rng.uniform(0.0, 0.3))))
    limiter = limiter_on(clock)
    sent = bursts(clock, limiter, 40, seed)
    for category, times in sent.items():
        assert len(times) > 50
        assert most_in_a_window(times) == PRO.per_second[category], category


def test_threads_keep_the_allowance_busy():
    clock = SharedClock(16)  # on time: the limiter, not the scheduling, sets the pace
    limiter = limiter_on(clock)
    sent = bursts(clock, limiter, 16, seed=7)[HEAVY]
    gaps = [later - earlier for earlier, later in zip(sent, sent[1:], strict=False)]
    # 16 threads always have Heavy requests waiting in the first seconds: they go evenly.
    assert gaps[:20] == pytest.approx([WINDOW / 10] * 20)


def test_limiter_without_throttle_never_waits():
    clock = Clock()
    limiter = limiter_on(clock, throttle=False)
    slots(limiter, clock, HEAVY, 50)
    assert clock.sleeps == []


# ---- slowing down -------------------------------------------------------------------------------


def test_per_second_429_pauses_the_category_and_cuts_its_pace_for_a_while():
    clock = Clock()
    limiter = limiter_on(clock)
    limiter.acquire(HEAVY)
    refused = RateLimited("busy", limit_type="qps", category=HEAVY)
    limiter.observe(HEAVY, answer(429, X_RateLimit_Type="QPS"), refused)
    assert limiter.refusals == 1 and limiter.allowance(HEAVY) == 9
    limiter.acquire(HEAVY)
    assert clock.seconds == pytest.approx(ratelimit.PAUSE_AFTER_429)
    clock.seconds += CUT_SECONDS
    assert limiter.allowance(HEAVY) == 10  # recovered


def test_retry_after_longer_than_a_second_is_honoured():
    clock = Clock()
    limiter = limiter_on(clock)
    refused = RateLimited("busy", limit_type="qps", retry_at=clock.utcnow() + timedelta(seconds=5))
    limiter.observe(MEDIUM, answer(429), refused)
    limiter.acquire(MEDIUM)
    assert clock.seconds == pytest.approx(5.0)


def test_remaining_zero_for_the_second_waits_for_the_next_one():
    clock = Clock()
    limiter = limiter_on(clock)
    limiter.observe(MEDIUM, answer(200, X_RateLimit_Limit="20", X_RateLimit_Remaining="0"))
    limiter.acquire(MEDIUM)
    assert clock.seconds == pytest.approx(ratelimit.PAUSE_WHEN_USED_UP)


def test_daily_reading_is_remembered_not_paused_on():
    clock = Clock()
    limiter = limiter_on(clock)
    limiter.observe(HEAVY, answer(200, X_RateLimit_Limit="30000", X_RateLimit_Remaining="1200"))
    limiter.acquire(HEAVY)
    assert clock.seconds == 0 and limiter.zoom_heavy_left() == 1200


def test_daily_429_stops_the_category_until_the_reset_without_sending():
    clock = Clock(datetime(2026, 11, 29, 23, 59, 58, tzinfo=UTC))
    limiter = limiter_on(clock)
    reset = datetime(2026, 11, 30, tzinfo=UTC)
    refused = RateLimited("daily", limit_type="daily", category=HEAVY, retry_at=reset)
    limiter.observe(HEAVY, answer(429, X_RateLimit_Type="Daily-limit"), refused)
    with pytest.raises(RateLimited) as raised:
        limiter.acquire(HEAVY)
    assert raised.value.limit_type == "daily" and raised.value.retry_at == reset
    assert "It resets at 2026-11-30 00:00 UTC" in str(raised.value)
    limiter.acquire(MEDIUM)  # other categories go on
    clock.seconds += 3  # past midnight
    limiter.acquire(HEAVY)
    assert limiter.zoom_heavy_left() is None  # a new day: yesterday's reading is stale


def test_daily_429_without_the_clients_reading_uses_the_header_and_midnight():
    clock = Clock()
    limiter = limiter_on(clock)
    limiter.observe(HEAVY, answer(429, X_RateLimit_Type="Daily-limit"))
    with pytest.raises(RateLimited) as raised:
        limiter.acquire(HEAVY)
    assert raised.value.retry_at == datetime(2026, 11, 30, tzinfo=UTC)


def test_remaining_zero_from_our_own_full_pace_does_not_pause():
    # At Zoom's number per window, Zoom's second is full after each request: Remaining 0 then
    # says nothing new, and pausing a second on it would cost a second every second.
    clock = Clock()
    limiter = limiter_on(clock)
    tickets = [limiter.acquire(MEDIUM) for _ in range(20)]
    assert tickets[-1].in_window == 19
    limiter.observe(
        MEDIUM, answer(200, X_RateLimit_Limit="20", X_RateLimit_Remaining="0"), None, tickets[-1]
    )
    before = clock.seconds
    limiter.acquire(MEDIUM)
    assert clock.seconds - before == pytest.approx(WINDOW / 20)  # the next even slot, no pause
    # Remaining 0 when we sent less than our number: someone else uses the second.
    other = limiter_on(clock)
    ticket = other.acquire(MEDIUM)
    other.observe(
        MEDIUM, answer(200, X_RateLimit_Limit="20", X_RateLimit_Remaining="0"), None, ticket
    )
    before = clock.seconds
    other.acquire(MEDIUM)
    assert clock.seconds - before == pytest.approx(ratelimit.PAUSE_WHEN_USED_UP)


# ---- the margin against jitter ------------------------------------------------------------------


def test_adaptive_margin_starts_small_widens_at_once_and_narrows_slowly():
    margin = AdaptiveMargin()
    low, start = ratelimit.MIN_MARGIN, ratelimit.START_MARGIN
    factor = ratelimit.SEND_SPREAD_FACTOR
    assert margin.current(HEAVY, 0.0) == start  # nothing seen yet
    assert margin.current(HEAVY, 3.0) == pytest.approx(start - 3 * ratelimit.NARROW_PER_SECOND)
    for delay in (0.001, 0.011, 0.002):  # requests leave on time, answers come steadily
        margin.sent(HEAVY, delay, 0.2 + delay, 10.0)
    assert margin.current(HEAVY, 10.0) == low
    margin.sent(HEAVY, 0.101, 0.301, 10.0)  # one request left 0.1 s later after its slot
    assert margin.current(HEAVY, 10.0) == pytest.approx(factor * 0.1)
    assert margin.current(MEDIUM, 10.0) == start  # each category its own, from its first use
    margin.refused(HEAVY, 10.0)  # a 429: the jitter was larger than the margin
    widened = factor * 0.1 + ratelimit.STEP_AFTER_429
    assert margin.current(HEAVY, 10.0) == pytest.approx(widened)
    # It narrows by NARROW_PER_SECOND, but not below what its samples still show.
    assert margin.current(HEAVY, 15.0) == pytest.approx(widened - 5 * ratelimit.NARROW_PER_SECOND)
    assert margin.current(HEAVY, 60.0) == pytest.approx(low)
    margin.sent(HEAVY, 0.001, 0.201, 60.0)
    assert margin.current(HEAVY, 60.0) == pytest.approx(factor * 0.1)  # 0.101 still a sample
    for _ in range(ratelimit.SPREAD_SAMPLES):
        margin.sent(HEAVY, 0.001, 0.201, 60.0)
    assert margin.current(HEAVY, 120.0) == pytest.approx(low)
    # Answers that spread while requests leave on time: Zoom's side of the way (or the time it
    # takes to answer, which the round trip holds too, hence the smaller factor).
    margin.sent(HEAVY, 0.001, 0.601, 120.0)
    assert margin.current(HEAVY, 120.0) == pytest.approx(ratelimit.ROUND_TRIP_SPREAD_FACTOR * 0.4)
    for _ in range(6):
        margin.refused(HEAVY, 120.0)
    assert margin.current(HEAVY, 120.0) == ratelimit.MAX_MARGIN  # never wider


def test_limiter_paces_at_zooms_number_per_second_and_the_adaptive_margin():
    clock = Clock()
    limiter = limiter_on(clock, margin=AdaptiveMargin(start=ratelimit.MIN_MARGIN))
    window = 1.0 + ratelimit.MIN_MARGIN
    sent = slots(limiter, clock, HEAVY, 21)
    assert sent == pytest.approx([k * window / 10 for k in range(21)])
    assert limiter.window(HEAVY) == pytest.approx(window)
    limiter.observe(HEAVY, answer(429, X_RateLimit_Type="QPS"), RateLimited("busy"))
    assert limiter.window(HEAVY) == pytest.approx(window + ratelimit.STEP_AFTER_429)
    assert limiter.window(LIGHT) == pytest.approx(window)


class LateWire(httpx.BaseTransport):
    """Writes each request to the "connection" ``delays`` seconds after it is handed over (as
    a busy machine would), telling httpcore's trace as httpcore does, then lets ``inner``
    answer."""

    def __init__(self, inner: httpx.BaseTransport, clock: Clock, delays):
        self.inner, self.clock, self.delays = inner, clock, iter(delays)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.clock.seconds += next(self.delays)
        trace = request.extensions.get("trace")
        if trace is not None:
            trace("http11.send_request_headers.complete", {})
        return self.inner.handle_request(request)


def test_send_delays_through_the_client_set_the_margin(sim):
    clock = Clock()
    limiter = limiter_on(clock, margin=AdaptiveMargin())
    transport = LateWire(sim.transport(), clock, [0.0, 0.01, 0.0, 0.25, 0.0, 0.0])
    with ZoomClient(
        SIM_CREDENTIALS,
        transport=transport,
        token_cache=TokenCache(),
        limiter=limiter,
        sleep=clock.sleep,
        now=lambda: FIXED_NOW,
    ) as client:
        for _ in range(5):
            client.get_event(EventKind.WEBINAR, sim.event_tagged("large")["id"])
    factor = ratelimit.SEND_SPREAD_FACTOR
    assert limiter.window(LIGHT) == pytest.approx(1.0 + factor * 0.25)


def sliding_account(clock: Clock, latency: float = 0.0) -> SimulatedZoom:
    """Pro limits counted over any sliding second, the strictest reading of Zoom's window."""
    faults = Faults(qps_limits=dict(PRO.per_second), qps_window="sliding", latency=latency)
    return SimulatedZoom("full", now=FIXED_NOW, faults=faults, clock=clock.time, sleep=clock.sleep)


def test_adaptive_pace_gets_no_429_from_a_sliding_window_and_is_faster(make_client):
    def load(margin) -> tuple[float, list[int]]:
        clock = Clock()
        sim = sliding_account(clock)
        limiter = limiter_on(clock, margin=margin)
        client = make_client(sim, limiter=limiter, sleep=clock.sleep)
        large = sim.event_tagged("large")
        for _ in range(6):
            client.list_participants(EventKind.WEBINAR, large["uuid"])
            client.list_registrants(EventKind.WEBINAR, large["id"])
        return clock.seconds, [c.status for c in sim.api_calls() if c.status == 429]

    fixed, fixed_429s = load(FixedMargin())
    adaptive, adaptive_429s = load(AdaptiveMargin())
    assert fixed_429s == adaptive_429s == []
    # Remaining 0 of our own full second no longer pauses: the pace is Zoom's number per 1.04 s.
    assert adaptive < fixed / 1.1


# ---- counting Heavy calls -----------------------------------------------------------------------


def test_heavy_calls_are_counted_per_utc_day():
    clock = Clock(datetime(2026, 11, 29, 23, 0, tzinfo=UTC))
    days = []
    limiter = limiter_on(clock, on_heavy=days.append)
    for status in (200, 200, 404, 400, 429, 401):
        limiter.observe(HEAVY, answer(status))
    limiter.observe(MEDIUM, answer(200))
    assert limiter.heavy_today() == 4  # Zoom counted the error answers, not 429 or 401
    assert days == [clock.utcnow().date()] * 4
    clock.seconds += 3600  # the next UTC day
    assert limiter.heavy_today() == 0


def test_a_failing_count_sink_never_stops_a_call():
    def broken(day):
        raise OSError("disk full")

    limiter = limiter_on(Clock(), on_heavy=broken)
    limiter.observe(HEAVY, answer(200))
    assert limiter.heavy_today() == 1


# ---- one limiter per account --------------------------------------------------------------------


def test_registry_shares_a_limiter_per_account_only():
    registry = LimiterRegistry()
    alpha = registry.get(("zoom", "acc-A"))
    assert registry.get(("zoom", "acc-A")) is alpha
    assert registry.get(("zoom", "acc-B")) is not alpha
    assert registry.get(("zoom", "acc-A"), BUSINESS).plan is BUSINESS  # the plan follows


# ---- with the client and the simulator ----------------------------------------------------------


def test_client_stays_under_pro_limits_and_counts_its_heavy_calls(make_client):
    clock = Clock()
    sim = SimulatedZoom(
        "full",
        now=FIXED_NOW,
        faults=Faults(qps_limits=dict(PRO.per_second)),
        clock=clock.time,
        sleep=clock.sleep,
    )
    limiter = limiter_on(clock)
    client = make_client(sim, limiter=limiter, sleep=clock.sleep)
    large = sim.event_tagged("large")
    pages = -(-large["instances"][-1]["participant_rows"] // 300)
    for _ in range(4):  # 4 × 4 or more report pages in a row: more than 10 a second unpaced
        client.list_participants(EventKind.WEBINAR, large["uuid"])
    calls = sim.api_calls("/report/")
    assert len(calls) == 4 * pages and {c.status for c in calls} == {200}
    assert limiter.heavy_today() == 4 * pages == client.request_count
    assert limiter.waited > 0


def busy_account(clock: Clock, **faults) -> SimulatedZoom:
    """Another app uses most of the account's Heavy allowance: Zoom lets 3 a second through."""
    return SimulatedZoom(
        "full",
        now=FIXED_NOW,
        faults=Faults(qps_limits={HEAVY: 3}, **faults),
        clock=clock.time,
        sleep=clock.sleep,
    )


def test_client_slows_down_when_zoom_says_the_second_is_used_up(make_client):
    clock = Clock()
    sim = busy_account(clock)
    limiter = limiter_on(clock)
    client = make_client(sim, limiter=limiter, sleep=clock.sleep)
    large = sim.event_tagged("large")
    rows = client.list_participants(EventKind.WEBINAR, large["uuid"])
    assert len(rows) == len(sim.participants("webinar", large["uuid"]))
    assert {c.status for c in sim.api_calls("/report/")} == {200}  # Remaining 0 → waited
    assert limiter.waited >= ratelimit.PAUSE_WHEN_USED_UP


def test_client_slows_down_when_zoom_refuses(make_client):
    clock = Clock()
    # With a daily cap, Zoom's Limit/Remaining headers count the day: only 429s tell.
    sim = busy_account(clock, daily_limits={HEAVY: 30_000})
    limiter = limiter_on(clock)
    client = make_client(sim, limiter=limiter, sleep=clock.sleep)
    large = sim.event_tagged("large")
    rows = client.list_participants(EventKind.WEBINAR, large["uuid"])
    assert len(rows) == len(sim.participants("webinar", large["uuid"]))
    statuses = [c.status for c in sim.api_calls("/report/")]
    assert statuses.count(429) == limiter.refusals >= 1
    assert limiter.allowance(HEAVY) < 10  # it slowed down
    assert limiter.heavy_today() == statuses.count(200)
    assert limiter.zoom_heavy_left() == 30_000 - statuses.count(200)


# ---- a shared backend, and without it -----------------------------------------------------------


class FakeShared:
    """A shared backend on the test's clock that grants at once, or fails while ``down``."""

    where = "redis at 127.0.0.1:1"

    def __init__(self):
        self.down = False
        self.takes = 0
        self.seeded: list[dict] = []
        self.held_up: list[tuple[str, str, float]] = []

    def _check(self):
        if self.down:
            raise SharedLimitsUnavailable("unreachable", where=self.where)

    def take(self, category, allowance, window, slot, pause_for):
        self._check()
        self.takes += 1
        return 0.0, 0, 0, False, f"entry{self.takes}"

    def went(self, category, entry, held_up):
        self._check()
        self.held_up.append((category, entry, round(held_up, 9)))

    def pause(self, category, seconds, widen=0.0):
        self._check()

    def seed(self, ages):
        self._check()
        self.seeded.append(dict(ages))

    def count_heavy(self, day):
        self._check()
        return 0

    def heavy(self, day):
        self._check()
        return 0


def test_without_its_shared_backend_a_limiter_paces_alone_at_half_and_probes_each_second():
    clock = Clock()
    shared = FakeShared()
    limiter = limiter_on(clock, shared=shared)
    for _ in range(30):
        limiter.acquire(HEAVY)
    assert limiter.sharing and clock.seconds == 0  # the backend paced (it grants at once here)
    shared.down = True
    sent = slots(limiter, clock, HEAVY, 16)
    assert isinstance(limiter.shared_problem, SharedLimitsUnavailable) and not limiter.sharing
    # Alone, at FALLBACK_SHARE of Zoom's number: 5 per window on Pro, after the shared sends.
    assert most_in_a_window(sent) == int(PRO.per_second[HEAVY] * ratelimit.FALLBACK_SHARE)
    takes = shared.takes
    shared.down = False
    clock.seconds += ratelimit.PROBE_SECONDS
    limiter.acquire(HEAVY)
    assert limiter.sharing and shared.takes == takes + 1  # back by itself, on the next try
    assert sum(len(ages) for ages in shared.seeded[-1].values()) > 0  # told what went alone


def test_the_local_log_stays_small_while_a_shared_backend_paces():
    clock = Clock()
    limiter = limiter_on(clock, shared=FakeShared())
    for _ in range(5000):
        limiter.acquire(MEDIUM)
        clock.seconds += 0.01
    assert sum(len(ages) for ages in limiter._local.ages(clock.seconds).values()) < 200


def test_a_shared_request_held_up_before_the_wire_is_moved_in_the_shared_log():
    clock = Clock()
    shared = FakeShared()
    limiter = limiter_on(clock, shared=shared)
    on_time, late = limiter.acquire(HEAVY), limiter.acquire(MEDIUM)
    limiter.went(on_time, clock.seconds + 0.005)  # within the margin: no extra call to Redis
    limiter.went(late, clock.seconds + 0.25)
    limiter.went(late, None)  # the client's word after the answer: already told
    assert shared.held_up == [(MEDIUM, "entry2", 0.25)]
