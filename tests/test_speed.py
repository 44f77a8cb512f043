"""Loading side by side: the benchmark's workload in small, the fewest calls, the same results.

Nothing here is timed: calls are counted by the simulator and clocks are fake.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from erbium_zoom import bench
from erbium_zoom.attendance import EventState, load_many, load_past_events
from erbium_zoom.listing import load_upcoming
from erbium_zoom.parallel import MAX_WORKERS, run_ordered
from erbium_zoom.ratelimit import HEAVY, PRO
from erbium_zoom.simulator import Faults, SimulatedZoom, Workload, category_of
from tests.conftest import FIXED_NOW
from tests.test_ratelimit import Clock, limiter_on

SMALL = Workload(webinars=3, rows=650, approved=320, pending=5, denied=0)


def small_account(**kwargs) -> SimulatedZoom:
    return SimulatedZoom("full", now=FIXED_NOW, workload=SMALL, **kwargs)


def calls_by_category(sim: SimulatedZoom) -> dict[str, int]:
    counts = Counter(category_of(c.method, c.path) for c in sim.api_calls())
    return {category: counts.get(category, 0) for category in ("Light", "Medium", "Heavy")}


def page_data(client, workers: int):
    """What the Attendance page loads for every past event (as the benchmark does)."""
    past = load_past_events(client, ("me",), workers=workers)
    return load_many(client, past.refs, FIXED_NOW, workers=workers)


# ---- the workload -------------------------------------------------------------------------------


def test_workload_has_exact_rows_with_rejoins_and_registrants():
    sim = small_account()
    events = sim.events
    assert len(events) == SMALL.webinars
    assert all(e["kind"] == "webinar" and e["state"] == "ended" and e["listed"] for e in events)
    for event in events:
        rows = sim.participants("webinar", event["uuid"])
        assert len(rows) == SMALL.rows
        people = Counter(r["participant_user_id"] or r["user_email"] or r["name"] for r in rows)
        assert any(count > 1 for count in people.values()), "rejoins are separate rows"
        assert event["registrant_counts"] == {"approved": 320, "pending": 5, "denied": 0}


def test_minimum_calls_counts_pages_and_empty_lists():
    sim = small_account()
    # Lists: webinars and meetings (1 page each). Per webinar: details, 3 report pages,
    # approved 2 pages + pending 1 + denied 1 (empty, still asked).
    assert bench.minimum_calls(sim) == {"Light": 3, "Medium": 2 + 3 * 4, "Heavy": 3 * 3}
    assert bench.longest_chain(sim) == 3 + 3


# ---- the fewest calls ---------------------------------------------------------------------------


def test_side_by_side_load_makes_exactly_the_minimum_calls(make_client):
    sim = small_account()
    clock = Clock()
    client = make_client(sim, limiter=limiter_on(clock), sleep=clock.sleep)
    results = page_data(client, MAX_WORKERS)
    assert [r.state for r in results] == [EventState.READY] * SMALL.webinars
    assert calls_by_category(sim) == bench.minimum_calls(sim)
    assert all(c.status == 200 for c in sim.api_calls())
    lists = [c for c in sim.api_calls() if category_of(c.method, c.path) != "Light"]
    assert {c.query["page_size"] for c in lists} == {"300"}


def test_paced_load_at_pro_limits_gets_no_429_and_makes_the_minimum_calls(make_client):
    clock = Clock()
    faults = Faults(qps_limits=dict(PRO.per_second), daily_limits={HEAVY: PRO.heavy_daily})
    sim = small_account(faults=faults, clock=clock.time, sleep=clock.sleep)
    limiter = limiter_on(clock)
    client = make_client(sim, limiter=limiter, sleep=clock.sleep)
    page_data(client, 1)  # one thread: the simulator sees requests exactly when they are sent
    assert [c.status for c in sim.api_calls() if c.status == 429] == []
    assert calls_by_category(sim) == bench.minimum_calls(sim)
    assert limiter.heavy_today() == bench.minimum_calls(sim)["Heavy"]
    assert limiter.waited > 0  # unpaced, these calls come faster than Pro allows


# ---- side by side gives the same as one after another -----------------------------------------


def test_side_by_side_results_equal_sequential_ones(sim, make_client):
    sequential = page_data(make_client(sim), 1)
    side_by_side = page_data(make_client(SimulatedZoom("full", now=FIXED_NOW)), MAX_WORKERS)
    assert [r.ref.key for r in side_by_side] == [r.ref.key for r in sequential]
    assert [r.state for r in side_by_side] == [r.state for r in sequential]
    assert [r.participants for r in side_by_side] == [r.participants for r in sequential]
    assert [r.registrants for r in side_by_side] == [r.registrants for r in sequential]
    assert [r.registration for r in side_by_side] == [r.registration for r in sequential]


def test_progress_is_reported_from_the_callers_thread(sim, client):
    refs = load_past_events(client, ("me",)).refs
    seen = []
    load_many(
        client,
        refs,
        FIXED_NOW,
        workers=4,
        progress=lambda done, total: seen.append((done, total, threading.current_thread())),
    )
    assert [(d, t) for d, t, _ in seen] == [(n, len(refs)) for n in range(len(refs) + 1)]
    assert {thread for _, _, thread in seen} == {threading.current_thread()}


def test_upcoming_listing_side_by_side_equals_sequential(sim, make_client):
    hosts = ("nobody@example.invalid", "me", sim.hosts[2]["email"])  # a host besides the owner
    sequential = load_upcoming(make_client(sim), hosts)
    other = SimulatedZoom("full", now=FIXED_NOW)
    side_by_side = load_upcoming(make_client(other), hosts, workers=MAX_WORKERS)
    assert side_by_side.events == sequential.events
    assert side_by_side.counts == sequential.counts
    assert side_by_side.rejected_hosts == sequential.rejected_hosts == ["nobody@example.invalid"]
    assert [p.what for p in side_by_side.problems] == [p.what for p in sequential.problems]
    counts = [c for c in other.api_calls("/registrants") if c.query.get("page_size") == "1"]
    assert len(counts) == 3 * len(sequential.counts)  # counts from total_records, one row each


def test_a_sign_in_failure_stops_the_other_calls():
    class Refused(Exception):
        pass

    started = []

    def call(n):
        def run():
            started.append(n)
            if n == 0:
                raise Refused()
            return n

        return run

    with pytest.raises(Refused):
        run_ordered([call(n) for n in range(5)], 1, fatal=(Refused,))
    assert started == [0]
    outcomes = run_ordered([call(n) for n in range(1, 4)], 3, fatal=(Refused,))
    assert [o.get() for o in outcomes] == [1, 2, 3]


# ---- the benchmark's table ----------------------------------------------------------------------


def row(name, light, medium, heavy, refused, wall, peak=150.0):
    calls = {"Light": light, "Medium": medium, "Heavy": heavy}
    return {
        "name": name,
        "calls": calls,
        "total": sum(calls.values()),
        "refused": refused,
        "wall": wall,
        "peak_mb": peak,
        "rows": 96_000,
    }


def test_bench_table_judges_each_target():
    minimum = {"Light": 40, "Medium": 242, "Heavy": 160}
    rows = [
        row("this client, cold", 40, 242, 160, 0, 18.0),
        row("this client, warm (same process)", 0, 0, 0, 0, 0.01),
        row("this client, after a restart", 0, 2, 0, 0, 0.9, 120.0),
        row("baseline: sequential, 30 a page", 40, 1682, 1600, 400, 300.0),
    ]
    table = bench.render(rows, minimum, 16.35, "bound")
    lines = {line.split("  ")[0]: line for line in table.splitlines()}
    assert lines["cold calls = minimum"].endswith("442 vs 442  → met")
    assert lines["≥ 8× faster than the baseline"].endswith("16.7× (300.0 s vs 18.0 s)  → met")
    assert "NOT met" not in table
    rows[0] = row("this client, cold", 40, 243, 161, 1, 40.0)
    table = bench.render(rows, minimum, 16.35, "bound")
    assert table.count("NOT met") == 4  # calls, bound, 429, speed-up
