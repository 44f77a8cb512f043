"""The rate limiter's accounting, on a fake clock: pacing, slowing down, daily caps, counting."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from erbium_zoom import ratelimit
from erbium_zoom.errors import RateLimited
from erbium_zoom.models import EventKind
from erbium_zoom.ratelimit import (
    BUSINESS,
    CUT_SECONDS,
    HEAVY,
    LIGHT,
    MEDIUM,
    PRO,
    LimiterRegistry,
    RateLimiter,
    allowance_for,
    category_for,
)
from erbium_zoom.simulator import Faults, SimulatedZoom
from tests.conftest import FIXED_NOW


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


def test_allowance_leaves_a_margin_under_every_plan():
    assert {c: allowance_for(PRO.per_second[c]) for c in (LIGHT, MEDIUM, HEAVY)} == {
        LIGHT: 27,
        MEDIUM: 18,
        HEAVY: 9,
    }
    assert allowance_for(BUSINESS.per_second[HEAVY]) == 36
    assert allowance_for(1) == 1 and allowance_for(2) == 1


# ---- pacing -------------------------------------------------------------------------------------


def slots(limiter: RateLimiter, clock: Clock, category: str, count: int) -> list[float]:
    """When each of ``count`` requests went (single thread: the clock is the send time)."""
    sent = []
    for _ in range(count):
        limiter.acquire(category)
        sent.append(round(clock.seconds, 9))
    return sent


def test_limiter_spaces_requests_evenly_at_the_allowance():
    clock = Clock()
    limiter = limiter_on(clock)
    sent = slots(limiter, clock, HEAVY, 19)
    # Evenly 1/9 s apart: so any one second, wherever Zoom's clock seconds begin, holds 9.
    assert sent == pytest.approx([k / 9 for k in range(19)])


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
    assert sent == [pytest.approx(60 + k / 9) for k in range(3)]


def test_limiter_follows_a_plan_change():
    clock = Clock()
    limiter = limiter_on(clock)
    limiter.set_plan(BUSINESS)
    sent = slots(limiter, clock, HEAVY, 37)
    assert sent[-1] == pytest.approx(1.0)  # 36 a second on Business
    assert limiter.plan is BUSINESS


def test_limiter_threads_take_distinct_slots():
    clock = Clock()
    clock.sleep = lambda seconds: clock.sleeps.append(seconds)  # threads never move the clock
    limiter = limiter_on(clock)
    threads = [threading.Thread(target=limiter.acquire, args=(MEDIUM,)) for _ in range(36)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(s, 9) for s in clock.sleeps) == [round(k / 18, 9) for k in range(1, 36)]


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
    assert limiter.refusals == 1 and limiter.allowance(HEAVY) == 8
    limiter.acquire(HEAVY)
    assert clock.seconds == pytest.approx(ratelimit.PAUSE_AFTER_429)
    clock.seconds += CUT_SECONDS
    assert limiter.allowance(HEAVY) == 9  # recovered


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
    assert limiter.allowance(HEAVY) < 9  # it slowed down
    assert limiter.heavy_today() == statuses.count(200)
    assert limiter.zoom_heavy_left() == 30_000 - statuses.count(200)
