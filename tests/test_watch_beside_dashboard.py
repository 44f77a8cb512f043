"""The watcher and a dashboard load the same client at once: 0 429s (issue 17, point 5).

One simulated account with Zoom's Pro limits counted over any sliding second (the strictest
reading, as `bench --qps-window sliding`). At the same moment, a dashboard loads the Attendance
page's data (the page's own loading functions: the past events, then each one's report and
registrants, Heavy-bound) and a watcher makes passes (its real ``Watcher.run_pass``) for as long
as the load lasts, each through its own rate limiter, as two processes would have.

- Without Redis, the two pace alone: the watcher at ``WATCH_SHARE`` of each per-second number,
  the dashboard at the rest (``watch_command.dashboard_plan``), with the page's 8 workers and
  0.2 s for each request to reach Zoom. This runs in virtual time (tests/virtual_time.py): when
  each request goes and reaches the simulator is decided by the code alone, never by the
  machine's load, and nothing is timed. With the dashboard at the whole plan instead, the same
  run meets a 429 (a Heavy page, when the watcher's probe took the second's last place before
  the dashboard heard of it): the reason for the dashboard's share.
- With Redis, both take their slots there (Redis's clock decides them, so this one runs on real
  time, with the limiters' fixed margin against the machine's own jitter, as
  tests/test_shared_limits.py does).

Either way the simulator counts every call, and refuses none.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from datetime import UTC, datetime

import httpx

from erbium_zoom import attendance, parallel, ratelimit, watch_command
from erbium_zoom import client as client_module
from erbium_zoom.auth import TokenCache
from erbium_zoom.client import ZoomClient
from erbium_zoom.config import Credentials, Settings
from erbium_zoom.connection import Connection, account_limiter
from erbium_zoom.ratelimit import HEAVY, MEDIUM, PRO, FixedMargin
from erbium_zoom.simulator import Faults, SimulatedZoom, Workload, category_of
from tests.virtual_time import VirtualTime

ACCOUNT, CLIENT_ID, SECRET = "acc-D", "cid-D", "sec-D"
# Past webinars of 3,000 report rows: runs of 10 Heavy pages that fill the Heavy allowance even
# from one thread, then a page of registrants.
WEBINARS = 4
LOAD_NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
WATCHER_REPORT = "/v2/report/meetings/0/participants"  # the watcher's Heavy probe


def account(clock) -> SimulatedZoom:
    faults = Faults(qps_limits=dict(PRO.per_second), qps_window="sliding")
    return SimulatedZoom(
        "full",
        workload=Workload(webinars=WEBINARS, rows=3000, approved=120, pending=10, denied=5),
        now=LOAD_NOW,
        faults=faults,
        clock=clock,
        account_id=ACCOUNT,
        client_id=CLIENT_ID,
        client_secret=SECRET,
    )


def connection() -> Connection:
    credentials = Credentials(ACCOUNT, CLIENT_ID, SECRET)
    return Connection(credentials, Settings(), source="profile", profile="Acme Corp")


def dashboard_limiter(redis_url: str | None) -> ratelimit.RateLimiter:
    """The dashboard's limiter for this account, made as ui.rate_limiter makes it, in the
    dashboard's own process (so not the watcher's: the registry is emptied after)."""
    plan = watch_command.dashboard_plan(PRO, shared=redis_url is not None)
    limiter = account_limiter(connection(), plan, redis_url)
    ratelimit.SHARED_LIMITERS.clear()  # another process: the watcher makes its own
    return limiter


def dashboard_load(transport: httpx.BaseTransport, limiter, sleep, workers: int) -> list:
    """What the Attendance page loads for every past webinar: the page's functions."""
    with ZoomClient(
        Credentials(ACCOUNT, CLIENT_ID, SECRET),
        Settings(),
        transport=transport,
        limiter=limiter,
        token_cache=TokenCache(),
        sleep=sleep,
        jitter=lambda: 0.0,
    ) as client:
        past = attendance.load_past_events(client, Settings().hosts, workers=workers)
        assert len(past.refs) == WEBINARS
        return attendance.load_many(client, past.refs, LOAD_NOW, workers=workers)


def the_watcher(transport: httpx.BaseTransport, tmp_path, redis_url: str | None):
    from erbium_zoom.profiles import ProfileStore

    ProfileStore().save("Acme Corp", ACCOUNT, CLIENT_ID, SECRET)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[limits]\nredis_url = "{redis_url}"\n' if redis_url else "")
    args = argparse.Namespace(secrets_file=str(secrets), plan="pro")
    return watch_command.build_watcher(args, dict(os.environ), transport)


def watching_while(watcher, loading: list) -> int:
    """Passes, one after the other, until the dashboard's load is done; how many."""
    passes = 0
    while not loading:
        report = watcher.run_pass()
        assert [o.attention for o in report.outcomes] == [False], report.outcomes
        passes += 1
    return passes


def assert_no_429_and_both_at_work(sim: SimulatedZoom, results: list, passes: int) -> None:
    calls = sim.api_calls()
    assert [c for c in calls if c.status == 429] == []
    assert all(r.error is None for r in results) and len(results) == WEBINARS
    # They did run at once: watcher passes started and ended inside the dashboard's Heavy run.
    dashboard_heavy = [
        c.time for c in calls if category_of(c.method, c.path) == HEAVY and WATCHER_REPORT != c.path
    ]
    watcher_heavy = [c.time for c in calls if c.path == WATCHER_REPORT]
    assert passes >= 2 and len(watcher_heavy) == passes
    inside = [t for t in watcher_heavy if dashboard_heavy[0] < t < dashboard_heavy[-1]]
    assert len(inside) >= 2, (watcher_heavy, dashboard_heavy[0], dashboard_heavy[-1])
    assert len(dashboard_heavy) == WEBINARS * 10
    assert any(category_of(c.method, c.path) == MEDIUM for c in calls)


class Latency(httpx.BaseTransport):
    """Zoom's round trip: each API request reaches the simulator ``seconds`` after it went
    (token requests at once), so a limiter learns of the account's second that much late."""

    def __init__(self, inner: httpx.BaseTransport, sleep, seconds: float):
        self.inner, self.sleep, self.seconds = inner, sleep, seconds

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/v2/" in request.url.path:
            self.sleep(self.seconds)
        return self.inner.handle_request(request)


def test_without_redis_the_watchers_share_and_the_dashboards_rest_get_no_429(
    tmp_path, memory_keyring, monkeypatch
):
    clock = VirtualTime()
    # Every limiter made without its own clock (both here) and the clients' back-off waits
    # sleep in virtual time, the page's thread pools run in it, and the simulator counts its
    # sliding second on the same clock.
    monkeypatch.setattr(ratelimit, "_monotonic", clock.monotonic)
    monkeypatch.setattr(ratelimit, "_sleep", clock.sleep)
    monkeypatch.setattr(client_module, "_default_sleep", clock.sleep)
    for module in (attendance, parallel):
        monkeypatch.setattr(module, "ThreadPoolExecutor", clock.executor)
        monkeypatch.setattr(module, "as_completed", clock.as_completed)
    sim = account(clock.monotonic)
    transport = Latency(sim.transport(), clock.sleep, 0.2)
    limiter = dashboard_limiter(None)
    watcher = the_watcher(transport, tmp_path, None)
    loading: list = []

    def dashboard() -> list:
        try:  # as on a real account: the page's 8 workers, calls side by side
            return dashboard_load(transport, limiter, clock.sleep, parallel.MAX_WORKERS)
        finally:
            loading.append("done")

    results, passes = clock.run(dashboard, lambda: watching_while(watcher, loading))
    assert_no_429_and_both_at_work(sim, results, passes)
    # Each paced alone, and the two shares fill the account's allowance exactly.
    mine = watch_command.watcher_plan(PRO, shared=False)
    assert limiter.plan.per_second == {c: n - mine.per_second[c] for c, n in PRO.per_second.items()}
    assert not limiter.sharing


def test_with_redis_both_take_their_slots_there_and_get_no_429(
    tmp_path, memory_keyring, monkeypatch, redis_url
):
    monkeypatch.setattr(ratelimit, "_monotonic", time.monotonic)  # Redis's clock is real time
    monkeypatch.setattr(ratelimit, "_sleep", time.sleep)
    sim = account(time.monotonic)
    limiter = dashboard_limiter(redis_url)
    assert limiter.plan is PRO  # shared: the whole allowance, taken in turn with the watcher
    # The watcher's own limiter, as its process makes it on its first pass.
    watchers = account_limiter(connection(), watch_command.watcher_plan(PRO, True), redis_url)
    for made in (limiter, watchers):
        # What is tested here is the sharing, on real time: the fixed margin keeps the
        # machine's own jitter out of the count (as in tests/test_shared_limits.py).
        made.margin = FixedMargin()
    watcher = the_watcher(sim.transport(), tmp_path, redis_url)
    loading: list = []
    passes: list[int] = []

    def watch() -> None:
        passes.append(watching_while(watcher, loading))

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        results = dashboard_load(sim.transport(), limiter, time.sleep, parallel.MAX_WORKERS)
    finally:
        loading.append("done")
        thread.join(timeout=120)
    assert list(ratelimit.SHARED_LIMITERS._limiters.values()) == [watchers]
    assert watchers.sharing and limiter.sharing and watchers is not limiter
    assert_no_429_and_both_at_work(sim, results, passes[0])
