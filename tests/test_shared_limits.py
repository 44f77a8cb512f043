"""Zoom's limits shared by processes through a real Redis (tests/redis_server.py): the script on
its own, two processes loading one account, the shared Heavy count, and Redis stopped and
restarted in the middle of a load.

These run on real time (Redis's clock decides the slots), with small windows or small loads;
they assert what was sent and refused, never how long it took.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime

import httpx
import pytest

from erbium_zoom import bench, shared_limits, store
from erbium_zoom.auth import TokenCache
from erbium_zoom.client import ZoomClient
from erbium_zoom.config import Settings
from erbium_zoom.errors import ConfigError, SharedLimitsUnavailable, user_message
from erbium_zoom.models import EventKind
from erbium_zoom.ratelimit import FALLBACK_SHARE, HEAVY, MEDIUM, PRO, RateLimiter
from erbium_zoom.shared_limits import redis_url as configured_url
from erbium_zoom.shared_limits import slots_for
from erbium_zoom.simulator import Faults, SimulatedZoom, Workload, category_of, serve
from tests.conftest import FIXED_NOW, SIM_CREDENTIALS
from tests.test_ratelimit import most_in_a_window, run_threads

QUOTA = '["acc-A", "https://zoom.us/oauth/token", ""]'


# ---- configuration ------------------------------------------------------------------------------


def test_redis_url_comes_from_the_environment_then_the_secrets_file():
    secrets = {"limits": {"redis_url": "redis://cache.internal:6380/2"}}
    assert configured_url(secrets, {}) == "redis://cache.internal:6380/2"
    env = {shared_limits.ENV_VAR: "redis://127.0.0.1:6379/0"}
    assert configured_url(secrets, env) == "redis://127.0.0.1:6379/0"
    assert configured_url({}, {}) is None
    with pytest.raises(ConfigError) as raised:
        configured_url({"limits": {"redis_url": "http://:hunter2@cache:6379"}}, {})
    assert "hunter2" not in str(raised.value) and "redis_url" in str(raised.value)


def test_keys_name_the_account_by_a_hash_and_never_hold_a_secret(redis_url):
    quota = '["acc-secretive-id", "https://zoom.us/oauth/token", ""]'
    slots = slots_for(redis_url, quota)
    slots.take(HEAVY, 10, 1.0, None, 0.0)
    slots.count_heavy(date(2026, 11, 29))
    keys = [key.decode() for key in shared_limits.connect(redis_url).keys("*")]
    assert keys and all(key.startswith(shared_limits.PREFIX) for key in keys)
    assert not any(
        "acc-secretive-id" in key or SIM_CREDENTIALS.client_secret in key for key in keys
    )


# ---- the script on its own ----------------------------------------------------------------------


def test_concurrent_takers_never_exceed_the_allowance_in_any_window(redis_url):
    allowance, window = 20, 0.25  # a short window: 60 grants take about 0.75 s
    granted = []

    def take(_: int) -> None:
        slots = slots_for(redis_url, QUOTA)  # each taker its own caller, as processes are
        for _ in range(5):
            slot = None
            while True:
                wait, slot, _count, _fresh, _ = slots.take(HEAVY, allowance, window, slot, 0.0)
                if not wait:
                    granted.append(slot)
                    break
                time.sleep(wait)  # the limiter's own wait for the slot Redis gave

    run_threads(take, 12)
    log = shared_limits.connect(redis_url).zrange(
        f"{shared_limits.PREFIX}:{shared_limits.account_hash(QUOTA)}:{HEAVY}:log",
        0,
        -1,
        withscores=True,
    )
    sent = [score / 1e6 for _, score in log]
    assert len(sent) == len(granted) == 60
    assert most_in_a_window(sent, window) == allowance  # busy, and never more


def test_slots_are_spaced_evenly_and_a_pause_is_shared(redis_url):
    one, other = slots_for(redis_url, QUOTA), slots_for(redis_url, QUOTA)
    wait, _, count, fresh, _ = one.take(MEDIUM, 2, 1.0, None, 0.0)
    assert (wait, count, fresh) == (0.0, 0, True)  # nothing was known of the account
    wait, _, count, fresh, _ = other.take(MEDIUM, 2, 1.0, None, 0.0)
    assert 0.0 < wait <= 0.5 and count == 1 and not fresh  # the next even slot, 0.5 s on
    other.pause(MEDIUM, 3.0, widen=0.1)  # Zoom refused one process: every process waits,
    wait, _, _, _, window, _ = one.take_window(MEDIUM, 2, 1.0, None, 0.0)
    assert 2.5 < wait <= 3.0
    assert 1.09 < window <= 1.1  # and every process's margin widens (narrowing 0.01 s a second)
    assert one.take_window(MEDIUM, 2, 1.3, None, 0.0)[4] == 1.3  # a wider own margin stays
    assert one.take_window(HEAVY, 10, 1.05, None, 0.0)[4] == 1.05  # other categories unchanged


def test_a_request_held_up_before_the_wire_is_counted_from_then_by_every_process(redis_url):
    one, other = slots_for(redis_url, QUOTA), slots_for(redis_url, QUOTA)
    wait, _, _, _, entry = one.take(HEAVY, 1, 1.0, None, 0.0)
    assert wait == 0.0 and entry
    one.went(HEAVY, entry, 0.3)  # it reached the wire 0.3 s after its grant
    wait, _, count, _, refused = other.take(HEAVY, 1, 1.0, None, 0.0)
    # The other process waits a window after the moment it went (1.3 s), not after its grant.
    assert count == 1 and refused is None and 1.25 < wait <= 1.3


def test_a_restarted_redis_learns_what_went_in_the_last_window(redis_url):
    slots = slots_for(redis_url, QUOTA)
    slots.seed({HEAVY: [0.1 * k for k in range(10)]})  # 10 Heavy calls in the last second
    wait, _, count, _, _ = slots.take(HEAVY, 10, 1.0, None, 0.0)
    assert count == 10 and wait > 0.0  # the window is full: wait for the oldest to leave


def test_heavy_calls_are_counted_per_account_and_day_for_every_process(redis_url):
    day = date(2026, 11, 29)
    one, other = slots_for(redis_url, QUOTA), slots_for(redis_url, QUOTA)
    assert [one.count_heavy(day), other.count_heavy(day), one.count_heavy(day)] == [1, 2, 3]
    assert other.heavy(day) == 3 and other.heavy(date(2026, 11, 30)) == 0
    assert slots_for(redis_url, '["acc-B", "https://zoom.us/oauth/token", ""]').heavy(day) == 0


# ---- two processes on one account ---------------------------------------------------------------


def load_in_processes(redis: str | None, processes: int = 2) -> tuple[SimulatedZoom, list, str]:
    """``processes`` loaders (the benchmark's, each its own Python process and limiter) load
    one account's attendance at the same moment, against Pro limits over any sliding second.
    Returns the simulator, each loader's result and the account's quota key."""
    workload = Workload(webinars=5, rows=1200, approved=300, pending=10, denied=0)
    faults = Faults(
        qps_limits=dict(PRO.per_second),
        qps_window="sliding",
        daily_limits={HEAVY: PRO.heavy_daily},
        latency=0.05,
    )
    sim = SimulatedZoom("full", workload=workload, now=datetime.now(UTC), faults=faults)
    with serve(sim) as server, ExitStack() as folders:
        children = []
        for _ in range(processes):
            spec = {
                "oauth_url": server.oauth_url,
                "api_url": server.api_url,
                "data_dir": folders.enter_context(tempfile.TemporaryDirectory()),
                "plan": "pro",
                "redis_url": redis,
                # What is tested here is the sharing, on real time: the fixed margin keeps the
                # machine's own jitter (two children and the simulator on two cores) out of
                # the count. The adaptive margin is tested on fake clocks (test_ratelimit) and
                # measured by `bench --margins`.
                "margin": "fixed",
            }
            children.append(bench.Child("restart", spec))  # one cold load each
        for child in children:
            child.start()
        results = [child.result() for child in children]
        for child in children:
            child.close()
        settings = Settings(oauth_url=server.oauth_url, api_url=server.api_url)
    return sim, results, store.quota_key(SIM_CREDENTIALS, settings)


def refused(sim: SimulatedZoom) -> int:
    return sum(call.status == 429 for call in sim.api_calls())


def test_two_processes_without_redis_get_429s_from_a_sliding_window():
    sim, results, _ = load_in_processes(None)
    assert all(r["ready"] == r["events"] == 5 for r in results)  # retried, nothing lost
    assert refused(sim) > 0  # each paced alone at Zoom's number: together, twice it


def test_two_processes_sharing_redis_get_no_429_and_one_heavy_count(redis_url):
    sim, results, quota = load_in_processes(redis_url)
    assert all(r["ready"] == r["events"] == 5 for r in results)
    assert all(r["shared_problem"] is None for r in results)
    assert refused(sim) == 0
    heavy = sum(category_of(c.method, c.path) == HEAVY for c in sim.api_calls())
    assert heavy == 2 * 5 * 4  # 5 reports of 4 pages, loaded by each process
    # The count is the account's, both processes' calls: the meter on the page reads it.
    assert max(r["heavy_today"] for r in results) == heavy
    assert slots_for(redis_url, quota).heavy(datetime.now(UTC).date()) == heavy


# ---- Redis stopped and restarted in the middle of a load ----------------------------------------


class AtRequest(httpx.BaseTransport):
    """The simulator's transport, doing ``actions[n]`` just before the n-th API request."""

    def __init__(self, inner: httpx.BaseTransport, actions: dict[int, Callable[[], None]]):
        self.inner = inner
        self.actions = actions
        self.count = 0
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/v2/" in request.url.path:
            with self.lock:
                self.count += 1
                action = self.actions.get(self.count)
            if action is not None:
                action()
        return self.inner.handle_request(request)


def shared_limiter(redis_url: str) -> RateLimiter:
    """A limiter on real time that shares Redis with the rest of the account."""
    return RateLimiter(
        PRO, clock=time.monotonic, sleep=time.sleep, shared=slots_for(redis_url, QUOTA)
    )


def heavy_load(
    limiter: RateLimiter, actions: dict[int, Callable[[], None]], loads: int
) -> tuple[SimulatedZoom, list[int]]:
    """``loads`` participant reports of the large webinar (Heavy pages), on real time, against
    Pro limits over any sliding second; the rows each load got."""
    faults = Faults(qps_limits=dict(PRO.per_second), qps_window="sliding")
    sim = SimulatedZoom("full", now=FIXED_NOW, faults=faults)
    client = ZoomClient(
        SIM_CREDENTIALS,
        Settings(),
        transport=AtRequest(sim.transport(), actions),
        token_cache=TokenCache(),
        limiter=limiter,
        sleep=time.sleep,
        now=lambda: FIXED_NOW,
    )
    large = sim.event_tagged("large")
    with client:
        rows = [
            len(client.list_participants(EventKind.WEBINAR, large["uuid"])) for _ in range(loads)
        ]
    return sim, rows


def expected_rows(sim: SimulatedZoom) -> int:
    return len(sim.participants("webinar", sim.event_tagged("large")["uuid"]))


def test_redis_stopped_mid_load_is_said_in_words_and_paced_alone_at_a_safe_share(
    redis_server, redis_url
):
    limiter = shared_limiter(redis_url)
    sim, rows = heavy_load(limiter, {6: redis_server.stop}, loads=4)
    assert rows == [expected_rows(sim)] * 4  # no request lost
    assert refused(sim) == 0  # no 429 storm
    problem = limiter.shared_problem
    assert isinstance(problem, SharedLimitsUnavailable) and not limiter.sharing
    words = user_message(problem)
    assert f"127.0.0.1:{redis_server.port}" in words and "Traceback" not in words
    assert "keep working" in words and "half of Zoom's limits" in words
    # From the stop on, this process sent at most FALLBACK_SHARE of Zoom's number a second.
    moments = [call.time for call in sim.api_calls("/report/")][6:]
    assert len(moments) > 10
    assert most_in_a_window(moments, 1.0) <= int(PRO.per_second[HEAVY] * FALLBACK_SHARE)


def test_redis_restarted_mid_load_is_used_again_by_itself(redis_server, redis_url):
    limiter = shared_limiter(redis_url)
    seen: list[object] = []
    actions = {
        5: redis_server.stop,
        12: lambda: seen.append(limiter.shared_problem),
        13: redis_server.start,
    }
    sim, rows = heavy_load(limiter, actions, loads=8)
    assert isinstance(seen[0], SharedLimitsUnavailable)  # said while Redis was down
    assert limiter.shared_problem is None and limiter.sharing  # back on Redis by itself
    assert refused(sim) == 0
    assert rows == [expected_rows(sim)] * 8
    log = shared_limits.connect(redis_url).zcard(
        f"{shared_limits.PREFIX}:{shared_limits.account_hash(QUOTA)}:{HEAVY}:log"
    )
    assert log > 0  # the restarted Redis holds this process's sends again
