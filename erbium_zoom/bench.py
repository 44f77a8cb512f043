"""Benchmark: loading the Attendance page's data for many large webinars, under Zoom's limits.

    python -m erbium_zoom.bench                  # 40 webinars × 1,200 rows, 50 ms, Pro limits
    python -m erbium_zoom.bench --webinars 10    # smaller; --rows, --latency, --plan business
    python -m erbium_zoom.bench --qps-window sliding   # limits over any 1 s, not clock seconds
    python -m erbium_zoom.bench --margins --qps-window sliding --latency 0.2 --webinars 48
        # instead: cold loads with the fixed and the adaptive margin against jitter, quiet and
        # with --burners CPU-bound processes beside them (--repeat N runs of each)
    python -m erbium_zoom.bench --processes 3 --redis-url redis://127.0.0.1:6379/0 ...
        # instead: 3 loader processes on one account at once, pacing alone, then sharing Redis

The simulated Zoom account is served over HTTP on 127.0.0.1, answering every request after
``--latency`` seconds and with a 429 beyond the plan's per-second limits (and its daily Heavy
cap). It holds ``--webinars`` past webinars of the owner, each with exactly ``--rows``
participant-report rows (rejoins included) and 1,100 / 60 / 40 approved / pending / denied
registrants. "The page's data" is what the Attendance page loads for all of them: the list of
past events, then each event's details, participant report and three registrant lists.

Each run is a fresh Python process, so its peak memory (peak RSS) is its own; API calls and 429s
are counted by the server, per Zoom rate category:

- this client, cold: the dashboard's code (rate limiter, side-by-side loading, 300-row pages,
  report cache in a temporary folder);
- warm, same process: the page loaded again (a later visit), the list from memory as the page
  keeps it, the reports from the report cache (its in-memory tier: this process wrote them);
- after a restart: a new process; the list from Zoom again (lists are cached in memory only),
  the reports from the SQLite file;
- baseline: a plain sequential loop over httpx with Zoom's default 30-row pages, as common
  Python Zoom clients fetch; on a 429 it waits a second and asks again (as MOODLE's client
  does; without that it stops at the first 429).

Not a test: it takes minutes (the baseline is slow by design) and depends on the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx

from erbium_zoom.ratelimit import FIXED_MARGIN
from erbium_zoom.simulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Faults,
    SimulatedZoom,
    Workload,
    category_of,
    serve,
)

DEFAULT_WEBINARS = 40
DEFAULT_ROWS = 1200
DEFAULT_LATENCY = 0.05  # seconds per request
HOSTS = ("me",)
LIST_SECONDS = 120.0  # how long the page keeps a list in memory (ui.DATA_TTL)
BASELINE_PAGE_SIZE = None  # Zoom's default (30) by not asking for more
BASELINE_429_WAIT = 1.0  # seconds
BASELINE_MAX_TRIES = 10
CATEGORIES = ("Light", "Medium", "Heavy")
WINDOW_TEXT = {"clock": "per clock second", "sliding": "in any sliding 1 s"}
TARGETS = {"bound_ratio": 1.3, "speedup": 8.0, "warm_seconds": 0.5, "peak_mb": 400.0}


# ---- measuring in a child process ------------------------------------------------------------


def _peak_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def _ours(spec: dict):
    """The dashboard's code path: yields the phases it can run, each a measured page load."""
    from erbium_zoom.attendance import EventState, load_many, load_past_events
    from erbium_zoom.auth import TokenCache
    from erbium_zoom.client import ZoomClient
    from erbium_zoom.config import Credentials, Settings
    from erbium_zoom.parallel import MAX_WORKERS
    from erbium_zoom.ratelimit import PLANS, FixedMargin, RateLimiter
    from erbium_zoom.shared_limits import slots_for
    from erbium_zoom.store import FILE_NAME, ReportStore, account_key, quota_key

    credentials = Credentials(DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    settings = Settings(oauth_url=spec["oauth_url"], api_url=spec["api_url"], hosts=HOSTS)
    path = Path(spec["data_dir"]) / FILE_NAME
    shared = None
    if spec.get("redis_url"):  # every loader of the account takes its slots from Redis
        shared = slots_for(spec["redis_url"], quota_key(credentials, settings))
    limiter = RateLimiter(
        PLANS[spec["plan"]],
        margin=FixedMargin() if spec.get("margin") == "fixed" else None,
        shared=shared,
    )
    client = ZoomClient(credentials, settings, token_cache=TokenCache(), limiter=limiter)
    lists: dict[tuple, tuple[float, object]] = {}  # the page's in-memory list cache
    opened: list[ReportStore] = []  # one per process, as the dashboard's open_store()

    def page_data() -> dict:
        started = time.perf_counter()
        if not opened:
            opened.append(ReportStore(path))
        reports = opened[0].for_account(account_key(credentials, settings))
        kept = lists.get(HOSTS)
        if kept is None or time.perf_counter() - kept[0] > LIST_SECONDS:
            past = load_past_events(client, HOSTS, workers=MAX_WORKERS)
            lists[HOSTS] = (time.perf_counter(), past)
        else:
            past = kept[1]
        now = datetime.now(UTC)
        results = load_many(client, past.refs, now, workers=MAX_WORKERS, store=reports)
        wall = time.perf_counter() - started
        ready = [r for r in results if r.state is EventState.READY]
        rows = sum(len(r.participants) for r in ready)
        rows += sum(len(v) for r in ready for v in (r.registrants or {}).values())
        return {
            "wall": wall,
            "peak_mb": _peak_mb(),
            "events": len(results),
            "ready": len(ready),
            "rows": rows,
            "cached": sum(r.from_cache for r in results),
            "margin": limiter.window() - 1.0,
            "refusals": limiter.refusals,
            "heavy_today": limiter.heavy_today(),
            "shared_problem": str(limiter.shared_problem) if limiter.shared_problem else None,
        }

    yield page_data
    gc.collect()  # the first load's results are gone, as in a new page visit
    yield page_data


def _baseline(spec: dict):
    """A plain sequential loop over httpx with Zoom's default page size."""

    def load() -> dict:
        started = time.perf_counter()
        http = httpx.Client(timeout=60)
        token = http.post(
            spec["oauth_url"],
            auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            data={"grant_type": "account_credentials", "account_id": DEFAULT_ACCOUNT_ID},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        api = spec["api_url"]

        def get(path: str, params: dict | None = None) -> dict:
            for _ in range(BASELINE_MAX_TRIES):
                response = http.get(api + path, params=params, headers=headers)
                if response.status_code != 429:
                    response.raise_for_status()
                    return response.json()
                time.sleep(BASELINE_429_WAIT)
            raise RuntimeError(f"still refused after {BASELINE_MAX_TRIES} tries: {path}")

        def get_all(path: str, key: str, params: dict) -> list[dict]:
            items, params = [], dict(params)
            while True:
                body = get(path, params)
                items.extend(body.get(key) or [])
                if not body.get("next_page_token"):
                    return items
                params["next_page_token"] = body["next_page_token"]

        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        webinars = get_all("/users/me/webinars", "webinars", {"type": "scheduled"})
        get_all("/users/me/meetings", "meetings", {"type": "previous_meetings"})
        rows = ready = 0
        for webinar in (w for w in webinars if w["start_time"] < now):
            get(f"/webinars/{webinar['id']}")
            participants = get_all(
                f"/report/webinars/{webinar['id']}/participants",
                "participants",
                {"include_fields": "registrant_id"},
            )
            registrants = [
                get_all(f"/webinars/{webinar['id']}/registrants", "registrants", {"status": s})
                for s in ("approved", "pending", "denied")
            ]
            rows += len(participants) + sum(len(r) for r in registrants)
            ready += 1
        http.close()
        return {
            "wall": time.perf_counter() - started,
            "peak_mb": _peak_mb(),
            "events": ready,
            "ready": ready,
            "rows": rows,
            "cached": 0,
        }

    yield load


def _restart(spec: dict):
    phases = _ours(spec)
    yield next(phases)


CHILDREN = {"ours": _ours, "restart": _restart, "baseline": _baseline}


def _child(variant: str, spec: dict) -> int:
    """Run a variant's phases, one per line read from stdin; print one JSON line after each."""
    phases = CHILDREN[variant](spec)
    print("ready", flush=True)
    for phase in phases:
        if not sys.stdin.readline():
            return 0
        print(json.dumps(phase()), flush=True)
    return 0


# ---- the parent: server, children, counting ----------------------------------------------------


class Child:
    """A variant in its own process, run phase by phase so the server's counts split cleanly."""

    def __init__(self, variant: str, spec: dict):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "erbium_zoom.bench", "--child", variant, json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._line() != "ready":
            raise RuntimeError(f"the {variant} process did not start")

    def _line(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"a benchmark process stopped (exit {self.process.wait()})")
        return line.strip()

    def phase(self) -> dict:
        self.start()
        return self.result()

    def start(self) -> None:
        """Start the next phase (several children start theirs, then each gives its result)."""
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def result(self) -> dict:
        return json.loads(self._line())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _measure(sim: SimulatedZoom, child: Child, name: str) -> dict:
    before = len(sim.calls)
    result = child.phase()
    calls = [c for c in sim.calls[before:] if c.path.startswith("/v2/")]
    counts = Counter(category_of(c.method, c.path) for c in calls)
    result.update(
        name=name,
        calls={category: counts.get(category, 0) for category in CATEGORIES},
        total=len(calls),
        refused=sum(c.status == 429 for c in calls),
    )
    return result


def minimum_calls(sim: SimulatedZoom, page_size: int = 300) -> dict[str, int]:
    """The fewest calls the page's data needs, from the simulated account's own numbers.

    The two lists (one page each here); per past webinar one details call (list answers carry no
    registration setting), its report's pages and each status's registrant pages (one at
    least: an empty list is still asked).
    """
    owner = sim.hosts[0]["id"]
    past = [e for e in sim.events if e["host_id"] == owner and e["state"] == "ended"]
    webinars = [e for e in sim.events if e["host_id"] == owner and e["kind"] == "webinar"]
    meetings = [e for e in past if e["kind"] == "meeting"]

    def pages(count: int) -> int:
        return max(1, math.ceil(count / page_size))

    medium = pages(len(webinars)) + pages(len(meetings))
    light = heavy = 0
    for event in past:
        light += 1
        heavy += pages(event["instances"][-1]["participant_rows"])
        medium += sum(pages(n) for n in event["registrant_counts"].values())
    return {"Light": light, "Medium": medium, "Heavy": heavy}


def longest_chain(sim: SimulatedZoom, page_size: int = 300) -> int:
    """Round trips that must wait for each other: token, list, details, then the longest
    page chain (a next page needs the previous page's token)."""
    chain = 1
    for event in sim.events:
        chain = max(chain, math.ceil(event["instances"][-1]["participant_rows"] / page_size))
        for count in event["registrant_counts"].values():
            chain = max(chain, math.ceil(count / page_size))
    return 3 + chain


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def render(rows: list[dict], minimum: dict[str, int], bound: float, bound_text: str) -> str:
    """The table, the numbers it is judged by, and the targets."""
    cold, warm, restart, baseline = (rows + [None] * 4)[:4]
    header = (
        f"{'run':<36}{'Light':>7}{'Medium':>8}{'Heavy':>7}{'calls':>7}{'429s':>6}"
        f"{'wall s':>9}{'peak MB':>9}{'rows':>9}{'calls ÷ min':>12}{'wall ÷ cold':>12}"
    )
    lines = [header, "-" * len(header)]
    least = sum(minimum.values())
    for row in rows:
        calls = row["calls"]
        lines.append(
            f"{row['name']:<36}{calls['Light']:>7,}{calls['Medium']:>8,}{calls['Heavy']:>7,}"
            f"{row['total']:>7,}{row['refused']:>6,}{row['wall']:>9.2f}{_fmt(row['peak_mb']):>9}"
            f"{row['rows']:>9,}{row['total'] / least:>12.2f}{row['wall'] / cold['wall']:>12.2f}"
        )
    lines.append(
        f"{'minimum the data needs':<36}{minimum['Light']:>7,}{minimum['Medium']:>8,}"
        f"{minimum['Heavy']:>7,}{least:>7,}"
    )
    lines += ["", f"rate-limit bound: {bound_text} = {bound:.2f} s", ""]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    checks = [
        ("cold calls = minimum", f"{cold['total']:,} vs {least:,}", cold["total"] == least),
        (
            f"cold wall ≤ {TARGETS['bound_ratio']}× bound",
            f"{cold['wall']:.2f} s = {cold['wall'] / bound:.2f}× bound",
            cold["wall"] <= TARGETS["bound_ratio"] * bound,
        ),
        ("no 429 at these limits", f"{cold['refused']} (cold)", cold["refused"] == 0),
        (
            f"warm: 0 calls, < {TARGETS['warm_seconds']} s",
            f"{warm['total']} calls, {warm['wall']:.2f} s" if warm else "not run",
            bool(warm) and warm["total"] == 0 and warm["wall"] < TARGETS["warm_seconds"],
        ),
    ]
    if baseline is not None:
        speedup = baseline["wall"] / cold["wall"]
        checks.append(
            (
                f"≥ {TARGETS['speedup']:.0f}× faster than the baseline",
                f"{speedup:.1f}× ({baseline['wall']:.1f} s vs {cold['wall']:.1f} s)",
                speedup >= TARGETS["speedup"],
            )
        )
    peaks = [row["peak_mb"] for row in (cold, restart) if row and row["peak_mb"] is not None]
    if peaks:
        checks.append(
            (
                f"peak memory < {TARGETS['peak_mb']:.0f} MB",
                f"{max(peaks):.0f} MB (this client's processes)",
                max(peaks) < TARGETS["peak_mb"],
            )
        )
    if restart is not None:
        checks.append(
            (
                "restart: no Heavy call",
                f"{restart['total']} calls ({restart['calls']['Heavy']} Heavy)",
                restart["calls"]["Heavy"] == 0,
            )
        )
    width = max(len(name) for name, _, _ in checks) + 2
    lines += [f"{'target':<{width}}result"]
    lines += [f"{name:<{width}}{result}  → {verdict(ok)}" for name, result, ok in checks]
    return "\n".join(lines)


def _account(webinars: int, rows: int, latency: float, plan_key: str, qps_window: str) -> dict:
    """The simulated account, the fewest calls its data needs, and the rate-limit bound."""
    from erbium_zoom.ratelimit import PLANS

    plan = PLANS[plan_key]
    workload = Workload(webinars=webinars, rows=rows)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    built = time.perf_counter()
    sim = SimulatedZoom(
        "full",
        workload=workload,
        now=now,
        faults=Faults(
            qps_limits=dict(plan.per_second),
            qps_window=qps_window,
            daily_limits={"Heavy": plan.heavy_daily},
            latency=latency,
        ),
    )
    built = time.perf_counter() - built
    minimum = minimum_calls(sim)
    chain = longest_chain(sim)
    rate = plan.per_second
    bound = max(minimum["Heavy"] / rate["Heavy"], minimum["Medium"] / rate["Medium"])
    bound += chain * latency
    bound_text = (
        f"max({minimum['Heavy']} Heavy ÷ {rate['Heavy']}/s, {minimum['Medium']} Medium ÷ "
        f"{rate['Medium']}/s) + {chain} dependent round trips × {latency * 1000:.0f} ms"
    )
    title = (
        f"the Attendance page's data for {webinars} past webinars of "
        f"{rows:,} participant rows (rejoins included) and {workload.approved:,}/"
        f"{workload.pending}/{workload.denied} approved/pending/denied registrants each\n"
        f"simulated Zoom on 127.0.0.1: {latency * 1000:.0f} ms per request, {plan.name} limits "
        f"(Light {rate['Light']}/s, Medium {rate['Medium']}/s, Heavy {rate['Heavy']}/s "
        f"{WINDOW_TEXT[qps_window]}, then 429; {plan.heavy_daily:,} Heavy a day); account built "
        f"in {built:.1f} s\n"
    )
    return {
        "sim": sim,
        "minimum": minimum,
        "bound": bound,
        "bound_text": bound_text,
        "title": title,
    }


def run(
    webinars: int,
    rows: int,
    latency: float,
    plan_key: str,
    baseline: bool,
    qps_window: str = "clock",
) -> str:
    account = _account(webinars, rows, latency, plan_key, qps_window)
    sim = account["sim"]
    results = []
    with serve(sim) as server, tempfile.TemporaryDirectory() as data_dir:
        spec = {
            "oauth_url": server.oauth_url,
            "api_url": server.api_url,
            "data_dir": data_dir,
            "plan": plan_key,
        }
        ours = Child("ours", spec)
        results.append(_measure(sim, ours, "this client, cold"))
        results.append(_measure(sim, ours, "this client, warm (same process)"))
        ours.close()
        restart = Child("restart", spec)
        results.append(_measure(sim, restart, "this client, after a restart"))
        restart.close()
        if baseline:
            plain = Child("baseline", spec)
            results.append(_measure(sim, plain, "baseline: sequential, 30 a page"))
            plain.close()
    title = (
        f"erbium-zoom benchmark: {account['title']}"
        "calls and 429s counted by the server; peak MB is each process's peak RSS (warm runs in "
        "the cold run's process)\n"
    )
    return (
        title + "\n" + render(results, account["minimum"], account["bound"], account["bound_text"])
    )


# ---- fixed against adaptive margin, on a quiet and on a loaded machine -------------------------


def _burn() -> None:
    """A CPU-bound process beside the benchmark: the loaded machine."""
    while True:
        pass


def compare_margins(
    webinars: int,
    rows: int,
    latency: float,
    plan_key: str,
    qps_window: str = "sliding",
    burners: int = 1,
    repeat: int = 1,
) -> str:
    """Cold loads with the fixed and the adaptive margin, quiet and then with ``burners``
    CPU-bound processes beside them; wall time against the bound and 429s for each."""
    account = _account(webinars, rows, latency, plan_key, qps_window)
    sim, bound = account["sim"], account["bound"]
    machines = [("quiet", 0)] + ([("loaded", burners)] if burners else [])
    rows_out = []
    with serve(sim) as server:
        for machine, count in machines:
            burning = [
                subprocess.Popen(
                    [sys.executable, "-c", "from erbium_zoom.bench import _burn; _burn()"]
                )
                for _ in range(count)
            ]
            try:
                for _ in range(repeat):
                    for margin in ("fixed", "adaptive"):
                        with tempfile.TemporaryDirectory() as data_dir:
                            spec = {
                                "oauth_url": server.oauth_url,
                                "api_url": server.api_url,
                                "data_dir": data_dir,
                                "plan": plan_key,
                                "margin": margin,
                            }
                            child = Child("restart", spec)  # one cold load, empty caches
                            result = _measure(sim, child, margin)
                            child.close()
                        result["machine"] = machine
                        rows_out.append(result)
            finally:
                for process in burning:
                    process.kill()
                    process.wait()
    header = (
        f"{'machine':<9}{'margin':<10}{'calls':>7}{'429s':>6}{'wall s':>9}"
        f"{'÷ bound':>9}{'margin at end':>15}"
    )
    lines = [header, "-" * len(header)]
    for row in rows_out:
        lines.append(
            f"{row['machine']:<9}{row['name']:<10}{row['total']:>7,}{row['refused']:>6,}"
            f"{row['wall']:>9.2f}{row['wall'] / bound:>9.2f}{row['margin']:>13.3f} s"
        )
    lines += ["", f"rate-limit bound: {account['bound_text']} = {bound:.2f} s"]
    title = (
        f"erbium-zoom margin benchmark: {account['title']}"
        f"fixed: Zoom's number per {1 + FIXED_MARGIN:.1f} s; adaptive: see ratelimit.py; "
        f"loaded: {burners} CPU-bound process(es) beside the benchmark; 429s counted by the "
        "server\n"
    )
    return title + "\n" + "\n".join(lines)


# ---- several loader processes on one account, with and without Redis --------------------------


def compare_processes(
    webinars: int,
    rows: int,
    latency: float,
    plan_key: str,
    qps_window: str,
    processes: int,
    redis_url: str | None,
) -> str:
    """``processes`` loaders (each its own process, cold) load the account's data at the same
    moment: once each pacing alone, once sharing ``redis_url`` (when given)."""
    account = _account(webinars, rows, latency, plan_key, qps_window)
    sim, minimum = account["sim"], account["minimum"]
    from erbium_zoom.ratelimit import PLANS

    rate = PLANS[plan_key].per_second
    chain = longest_chain(sim)
    bound = processes * max(minimum["Heavy"] / rate["Heavy"], minimum["Medium"] / rate["Medium"])
    bound += chain * latency
    modes = [("alone", None)] + ([("Redis", redis_url)] if redis_url else [])
    rows_out = []
    with serve(sim) as server:
        for mode, url in modes:
            with ExitStack() as folders:
                children = []
                for _ in range(processes):
                    spec = {
                        "oauth_url": server.oauth_url,
                        "api_url": server.api_url,
                        "data_dir": folders.enter_context(tempfile.TemporaryDirectory()),
                        "plan": plan_key,
                        "redis_url": url,
                    }
                    children.append(Child("restart", spec))
                before = len(sim.calls)
                started = time.perf_counter()
                for child in children:
                    child.start()
                results = [child.result() for child in children]
                wall = time.perf_counter() - started
                for child in children:
                    child.close()
            calls = [c for c in sim.calls[before:] if c.path.startswith("/v2/")]
            rows_out.append(
                {
                    "mode": mode,
                    "calls": len(calls),
                    "refused": sum(c.status == 429 for c in calls),
                    "refused_by": Counter(
                        category_of(c.method, c.path) for c in calls if c.status == 429
                    ),
                    "first_429": next((n for n, c in enumerate(calls) if c.status == 429), None),
                    "wall": wall,
                    "ready": sum(r["ready"] for r in results),
                    "events": sum(r["events"] for r in results),
                    "heavy": max(r["heavy_today"] for r in results),
                    "problem": next(
                        (r["shared_problem"] for r in results if r["shared_problem"]), None
                    ),
                }
            )
    header = (
        f"{'pacing':<8}{'processes':>10}{'calls':>7}{'429s':>6}{'wall s':>9}{'÷ bound':>9}"
        f"{'events ready':>14}{'Heavy count seen':>18}"
    )
    lines = [header, "-" * len(header)]
    for row in rows_out:
        lines.append(
            f"{row['mode']:<8}{processes:>10}{row['calls']:>7,}{row['refused']:>6,}"
            f"{row['wall']:>9.2f}{row['wall'] / bound:>9.2f}"
            f"{row['ready']:>7,} of {row['events']:<4,}{row['heavy']:>18,}"
        )
        if row["refused"]:
            by = ", ".join(f"{n} {c}" for c, n in sorted(row["refused_by"].items()))
            lines.append(f"  429s: {by}; the first at call {row['first_429'] + 1:,}")
        if row["problem"]:
            lines.append(f"  {row['problem']}")
    lines += [
        "",
        f"rate-limit bound: {processes} × max({minimum['Heavy']} Heavy ÷ {rate['Heavy']}/s, "
        f"{minimum['Medium']} Medium ÷ {rate['Medium']}/s) + {chain} dependent round trips × "
        f"{latency * 1000:.0f} ms = {bound:.2f} s",
        "Heavy count seen: the largest count a loader read at its end (its own calls when alone; "
        "the account's, from Redis, when shared)",
    ]
    title = (
        f"erbium-zoom processes benchmark: {account['title']}"
        f"{processes} loader processes at the same moment, cold, on one account; 429s counted "
        "by the server\n"
    )
    return title + "\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m erbium_zoom.bench",
        description="Time loading the Attendance page's data against a rate-limited simulator.",
    )
    parser.add_argument("--webinars", type=int, default=DEFAULT_WEBINARS)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="participant rows each")
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY, help="seconds")
    parser.add_argument("--plan", choices=("pro", "business"), default="pro")
    parser.add_argument(
        "--qps-window",
        choices=tuple(WINDOW_TEXT),
        default="clock",
        help="count the per-second limits per clock second (default) or over the 1 s before "
        "each request (the strictest reading of Zoom's window)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the slow baseline")
    parser.add_argument(
        "--margins",
        action="store_true",
        help="instead: cold loads with the fixed and the adaptive margin against jitter, on a "
        "quiet machine and with --burners CPU-bound processes beside them",
    )
    parser.add_argument("--burners", type=int, default=1, help="for --margins (0: quiet only)")
    parser.add_argument("--repeat", type=int, default=1, help="for --margins: runs of each")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="instead: N loader processes on one account at the same moment, pacing alone and "
        "then sharing --redis-url",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("ERBIUM_ZOOM_REDIS_URL"),
        help="for --processes: the Redis to share (default: ERBIUM_ZOOM_REDIS_URL)",
    )
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child[0], json.loads(args.child[1]))
    if args.processes:
        print(
            compare_processes(
                args.webinars,
                args.rows,
                args.latency,
                args.plan,
                args.qps_window,
                args.processes,
                args.redis_url,
            )
        )
        return 0
    if args.margins:
        print(
            compare_margins(
                args.webinars,
                args.rows,
                args.latency,
                args.plan,
                args.qps_window,
                args.burners,
                args.repeat,
            )
        )
        return 0
    print(
        run(
            args.webinars,
            args.rows,
            args.latency,
            args.plan,
            not args.no_baseline,
            args.qps_window,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
