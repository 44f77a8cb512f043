"""Two dashboards behind one address, in chromium (issue 16, points 4 and 5).

The README's "Several dashboards behind one address" for real: PostgreSQL and Redis of this test
session (tests/postgres.py, tests/redis_server.py), one secrets file with [auth], [access],
[storage] url and [limits] redis_url, the installed environment file, two dashboards started as
the template unit erbium-zoom@.service starts them (instances = their ports), and Debian's nginx
with deploy/nginx-erbium-zoom-replicas.conf (only its ports and paths changed, as in
test_deploy.py) on 127.0.0.1. The one client profile is added with the README's `profiles add`
into PostgreSQL; its Zoom is the simulator on loopback.

Through one dashboard (a browser whose route cookie leads there), Ana approves a registrant; the
other dashboard, with the same sign-in, shows the entry on its Activity page, from the shared
record. Then Ana signs in through nginx once: every request of her browser goes to one dashboard
(nginx's access log says which answered), and her cookies in a browser led to the other dashboard
are signed in there too. The first dashboard is SIGKILLed in the middle of an attendance load; a
reload is answered by the other, still signed in, with the client and the events of the
address, loaded there. That test comes last: it leaves one dashboard dead. Everything started
here is stopped here.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import delete

from erbium_zoom import storage
from erbium_zoom.access import Person, Role
from erbium_zoom.activity import ActivityLog, Entry
from erbium_zoom.ratelimit import category_for
from erbium_zoom.secret_store import new_key
from erbium_zoom.simulator import SimulatedZoom, serve
from erbium_zoom.storage.schema import reports
from tests.deploy_guide import Filling, Server, fill_secrets

from . import harness
from .conftest import _unavailable
from .test_deploy import (
    ADMIN,
    SITE,
    admin_provider,
    nginx_path,
    self_signed,
    sign_in,
    start_as_the_unit,
    start_nginx,
    stop,
    wait_for,
)

ARTIFACTS = harness.REPO_ROOT / "artifacts" / "screenshots"
CLIENT = "Acme Corp"
SIGNED_IN = f"Signed in as {ADMIN[1]} (admin)"
REPLICAS = (8501, 8502)  # the ports of deploy/nginx-erbium-zoom-replicas.conf's server lines
# Chromium's user agent, give or take its version; each browser here adds a word to it, so that
# its requests are told apart in nginx's log.
CHROME_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome Safari/537.36"
ROUTE_COOKIE = "erbium_zoom_route"  # set by nginx, see the site file
# Loaded by both dashboards at once: the keynote's report alone is 5 pages of Heavy calls.
TOGETHER = ("Summit Keynote", "Q4 Kickoff", "Support Escalation Review")
UPSTREAM = re.compile(r'"(?P<agent>[^"]*)" upstream=(?P<upstream>.*)$')


def shared_secrets(server: Server, provider: str, database_url: str, redis_url: str) -> None:
    """The secrets file every dashboard reads: the template filled in as step 2 says, plus the
    two lines of "Several dashboards behind one address" (the database and Redis)."""
    path = server.etc / "secrets.toml"
    shutil.copy(server.checkout / "deploy" / "secrets.toml.example", path)
    printed = f"{secrets.token_hex(32)}\n{new_key()}\n"  # what step 2's two commands print
    fill_secrets(
        path,
        printed,
        Filling(
            redirect_uri=f"{server.url}/oauth2callback",
            server_metadata_url=f"{provider}/.well-known/openid-configuration",
            admins=(ADMIN[1],),
        ),
    )
    text = path.read_text().replace("[storage]", f'[storage]\nurl = "{database_url}"', 1)
    path.write_text(f'{text}\n[limits]\nredis_url = "{redis_url}"\n')


def add_profile(server: Server, sim: SimulatedZoom) -> None:
    """Step 4's `profiles add`, with the environment file read: into PostgreSQL."""
    done = subprocess.run(
        [".venv/bin/python", "-m", "erbium_zoom", "profiles", "add", CLIENT,
         "--account-id", sim.account_id, "--client-id", sim.client_id],
        cwd=server.checkout,
        env={**server.environ(), **server.env_file()},
        input=f"{sim.client_secret}\n",
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Saved profile {CLIENT!r}" in done.stdout + done.stderr


@pytest.fixture(scope="module")
def provider():
    with admin_provider() as url:
        yield url


@pytest.fixture(scope="module")
def replicas(browser, provider, postgres_server, redis_server):
    """nginx in front of two dashboards sharing PostgreSQL, Redis and the secrets file, with a
    simulated Zoom; yields (server, {port in the site file: process}, simulator)."""
    if nginx_path() is None:
        _unavailable("nginx is not installed: apt-get install -y nginx-light (as root)")
    redis_server.flush()
    folder = Path(tempfile.mkdtemp(prefix="erbium-zoom-replicas-"))
    ports = {443: harness.free_port(), 80: harness.free_port()}
    ports |= {port: harness.free_port() for port in REPLICAS}
    server = Server(folder, ports=ports).build()
    server.url = f"https://localhost:{ports[443]}"
    server.etc.mkdir(parents=True)
    (server.etc / "erbium-zoom.env").write_text(
        (server.checkout / "deploy" / "erbium-zoom.env").read_text()
    )
    server.var_lib.mkdir(parents=True, mode=0o700)
    shared_secrets(server, provider, postgres_server.new_database(), redis_server.url)
    self_signed(server.certs / "live" / SITE)
    sim = SimulatedZoom("full")
    started: list[subprocess.Popen] = []
    try:
        with serve(sim) as zoom:
            add_profile(server, sim)
            zoom_env = {
                "ERBIUM_ZOOM_OAUTH_URL": zoom.oauth_url,
                "ERBIUM_ZOOM_API_URL": zoom.api_url,
            }
            dashboards = {}
            for port in REPLICAS:
                here = str(ports[port])
                dashboards[port] = start_as_the_unit(
                    server, "erbium-zoom@.service", here, zoom_env, f"dashboard-{port}.log"
                )
                started.append(dashboards[port])
            for port, process in dashboards.items():
                wait_for(
                    f"http://127.0.0.1:{ports[port]}/_stcore/health",
                    f"the dashboard erbium-zoom@{port}",
                    process,
                    server.root / f"dashboard-{port}.log",
                )
            started.append(start_nginx(server, "nginx-erbium-zoom-replicas.conf"))
            wait_for(
                f"https://127.0.0.1:{ports[443]}/_stcore/health",
                "nginx",
                started[-1],
                server.root / "nginx" / "error.log",
            )
            yield server, dashboards, sim
    finally:
        for process in reversed(started):
            stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def browser_requests(server: Server, after: int = 0, *, agent: str) -> list[tuple[str, str]]:
    """(request line, upstream) of the requests through nginx whose user agent has ``agent``,
    from the access log's line ``after`` on."""
    lines = (server.root / "nginx" / "access.log").read_text().splitlines()[after:]
    found = []
    for line in lines:
        match = UPSTREAM.search(line)
        if match and agent in match["agent"]:
            found.append((line.split('"')[1], match["upstream"]))
    return found


def nginx_connection(server: Server) -> http.client.HTTPSConnection:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", server.ports[443], context=context, timeout=10)


def health(connection: http.client.HTTPSConnection, route: str, agent: str) -> str:
    """/_stcore/health through nginx with the route cookie ``route``: what it answered."""
    headers = {"Cookie": f"{ROUTE_COOKIE}={route}", "User-Agent": agent}
    connection.request("GET", "/_stcore/health", headers=headers)
    answer = connection.getresponse()
    body = answer.read().decode()
    assert answer.status == 200, (answer.status, body)
    return body


def route_to(server: Server, port: int) -> str:
    """A route cookie's value that nginx sends to the dashboard of ``port`` (of the site
    file): asked of nginx itself, with the health endpoint, until one lands there."""
    wanted = f"127.0.0.1:{server.ports[port]}"
    connection = nginx_connection(server)
    try:
        for attempt in range(64):  # each lands on one of two: 64 misses would be a broken hash
            value = f"probe-{attempt}"
            agent = f"route-probe/{value};"
            # Twice on one connection: nginx (one worker) logs a request before it reads the
            # next one there, so once the second is answered the first is in the log.
            health(connection, value, agent)
            health(connection, value, agent)
            if browser_requests(server, agent=agent)[0][1] == wanted:
                return value
    finally:
        connection.close()
    raise AssertionError(f"no route cookie reached {wanted}")


def access_lines(server: Server) -> int:
    return len((server.root / "nginx" / "access.log").read_text().splitlines())


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def routed_context(browser, server: Server, port: int, storage_state=None):
    """A browser context whose route cookie leads nginx to the dashboard of ``port``, with
    the cookies of ``storage_state`` (a sign-in) besides; its user agent ends in
    ``routed-PORT``, to find its requests in nginx's log."""
    state = storage_state or {"cookies": [], "origins": []}
    cookies = [c for c in state["cookies"] if c["name"] != ROUTE_COOKIE]
    cookies.append(
        {
            "name": ROUTE_COOKIE,
            "value": route_to(server, port),
            "domain": "localhost",
            "path": "/",
            "expires": -1,
            "httpOnly": True,
            "secure": True,
            "sameSite": "Lax",
        }
    )
    return browser.new_context(
        viewport=harness.VIEWPORT,
        ignore_https_errors=True,
        storage_state={**state, "cookies": cookies},
        user_agent=f"{CHROME_AGENT} routed-{port}",
    )


# Runs before the SIGKILL test below, which leaves one dashboard dead.
def test_a_change_made_through_one_dashboard_is_on_the_others_activity_page(
    browser, replicas, postgres_server
):
    server, dashboards, _ = replicas
    assert all(process.poll() is None for process in dashboards.values()), "a dashboard is down"
    first, second = REPLICAS
    on_first = routed_context(browser, server, first)
    on_second = None
    try:
        page = on_first.new_page()
        sign_in(page, server.url)
        harness.open_page(
            page,
            server.url,
            f"registrants?client={CLIENT.replace(' ', '%20')}",
            ["Change registrants"],
        )
        main = page.locator(harness.MAIN)
        main.get_by_test_id("stRadioGroup").get_by_text("Denied", exact=True).click()
        harness.wait_for_result(page, main.get_by_text("Select denied registrants"))
        main.locator('[data-testid="stMultiSelect"]').first.locator("input").click()
        page.locator('[role="option"]').first.click(timeout=harness.TEXT_TIMEOUT_MS)
        page.keyboard.press("Escape")
        approve = main.get_by_role("button", name=re.compile(r"^Approve [1-9]\d* selected"))
        harness.expect(harness.wait_for_result(page, approve)).to_be_enabled()
        approve.click()
        harness.wait_for_result(page, main.get_by_text("Please confirm"))
        main.get_by_role("button", name="Confirm").click()
        harness.wait_for_result(page, main.get_by_text("Zoom approved"))

        # The other dashboard, same sign-in: its Activity page reads the shared record.
        on_second = routed_context(browser, server, second, on_first.storage_state())
        other_page = on_second.new_page()
        entries = record(server)
        approved = [(e.who, e.status) for e in entries if e.action == "approve"]
        assert approved == [(ADMIN[1], "204 No Content")]
        harness.open_page(
            other_page, server.url, "activity", [f"Everyone's entries ({len(entries)})"]
        )
        assert harness.page_problems(other_page) == []
        for port in REPLICAS:  # each browser was answered by its own dashboard only
            answered = {up for _, up in browser_requests(server, agent=f"routed-{port}")}
            assert answered == {f"127.0.0.1:{server.ports[port]}"}, (port, answered)
    finally:
        for context in (on_first, on_second):
            if context is not None:
                context.close()


def forget_reports(server: Server) -> None:
    """Empty the shared report cache (as if every event were new to the dashboards)."""
    url = tomllib.loads((server.etc / "secrets.toml").read_text())["storage"]["url"]
    with storage.open_url(url).connect("cannot empty the report cache") as db:
        db.execute(delete(reports))


def record(server: Server) -> list[Entry]:
    """Every entry of the activity record, read from the shared database as an admin."""
    url = tomllib.loads((server.etc / "secrets.toml").read_text())["storage"]["url"]
    admin = Person(ADMIN[1], Role.ADMIN, signed_in=True)
    return ActivityLog(database=storage.open_url(url)).entries(admin)


def test_both_dashboards_load_one_clients_attendance_at_once_with_no_429_and_one_meter(
    browser, replicas
):
    """Both replicas load the same client's attendance at the same moment, under Zoom's
    strictest reading of its per-second limits (the simulator's sliding window, Pro numbers):
    they take their slots in Redis, so Zoom answers no 429, and the Heavy meter on either page
    counts the account's Heavy calls from both."""
    server, dashboards, sim = replicas
    assert all(process.poll() is None for process in dashboards.values()), "a dashboard is down"
    # A window back to 2025, for an older webinar beside the meeting of today.
    today = datetime.now(UTC).date().isoformat()
    address = f"attendance?client={CLIENT.replace(' ', '%20')}&from=2025-10-01&to={today}"
    first, second = REPLICAS
    on_first = routed_context(browser, server, first)
    on_second = None
    sim.faults.qps_limits = {"Light": 30, "Medium": 20, "Heavy": 10}
    sim.faults.qps_window = "sliding"
    sim.faults.latency = 0.2  # each request takes a while: the two loads overlap
    try:
        pages = [on_first.new_page()]
        sign_in(pages[0], server.url)
        on_second = routed_context(browser, server, second, on_first.storage_state())
        pages.append(on_second.new_page())
        for page in pages:
            # Chosen on each page and not loaded yet: an address with events would load them
            # as the page opens.
            harness.open_page(page, server.url, address, [harness.button("Load attendance")])
            harness.choose_options(page, TOGETHER)
            page.wait_for_url(
                lambda url: len(parse_qs(urlsplit(url).query)["event"]) == len(TOGETHER)
            )
            harness.wait_until_idle(page)
        before = len(sim.calls)
        for page in pages:  # one after the other, within a fraction of a second
            page.locator(harness.MAIN).get_by_role("button", name="Load attendance").click()
        for page in pages:
            harness.wait_for_result(
                page, page.locator(harness.MAIN).get_by_text("Funnel across events", exact=True)
            )
        during = sim.calls[before:]
        heavy = [c for c in during if category_for(c.method, c.path) == "Heavy"]
        assert heavy, "the loads asked Zoom for no participant report"
        assert [c for c in during if c.status == 429] == []
        print(f"both loads: {len(during)} calls to Zoom, {len(heavy)} Heavy, 0 429s")
        # The meter, read again on the first page once both loads are done: every Heavy call
        # Zoom counted today on this account (statuses but 401 and 429), from both dashboards.
        counted = sum(
            1
            for c in sim.calls
            if category_for(c.method, c.path) == "Heavy" and c.status not in (401, 429)
        )
        pages[0].reload(wait_until="domcontentloaded")
        meter = (
            "Heavy calls today by every dashboard and process sharing the account's limits in "
            f"Redis: {counted:,} of 30,000 (Pro)"
        )
        harness.wait_for_result(
            pages[0], pages[0].locator(harness.MAIN).get_by_text(meter, exact=False)
        )
        for port in REPLICAS:  # each browser was answered by its own dashboard only
            answered = {up for _, up in browser_requests(server, agent=f"routed-{port}")}
            assert answered == {f"127.0.0.1:{server.ports[port]}"}, (port, answered)
    finally:
        sim.faults.qps_limits, sim.faults.qps_window, sim.faults.latency = {}, "clock", 0.0
        forget_reports(server)  # the last test's load must find the keynote cold
        for context in (on_first, on_second):
            if context is not None:
                context.close()


def test_one_sign_in_sticks_to_one_dashboard_and_survives_its_sigkill(browser, replicas):
    server, dashboards, sim = replicas
    upstream_of = {f"127.0.0.1:{server.ports[port]}": port for port in REPLICAS}
    context = browser.new_context(
        viewport=harness.VIEWPORT, ignore_https_errors=True, user_agent=f"{CHROME_AGENT} ana"
    )
    page = context.new_page()
    second = None
    try:
        sign_in(page, server.url)
        harness.open_page(
            page,
            server.url,
            f"attendance?client={CLIENT.replace(' ', '%20')}",
            [harness.heading("Attendance"), harness.button("Load attendance")],
        )
        harness.choose_options(page, harness.FUNNEL_PICKED)
        page.wait_for_url(lambda url: len(parse_qs(urlsplit(url).query).get("event", [])) == 2)
        harness.wait_until_idle(page)

        # Sticky: every request of this browser, the sign-in and the WebSocket included, went
        # to one dashboard.
        seen = browser_requests(server, agent=f"{CHROME_AGENT} ana")
        assert any(line.startswith("GET /_stcore/stream ") for line, _ in seen)
        assert any(line.startswith("GET /oauth2callback") for line, _ in seen)
        assert len({upstream for _, upstream in seen}) == 1, seen
        serving = upstream_of[seen[0][1]]
        [other] = [port for port in REPLICAS if port != serving]

        # One sign-in for both: the same cookies in another browser, whose route cookie sends
        # it to the other dashboard, which takes the sign-in cookie (signed with the shared
        # cookie_secret, for the one address of redirect_uri).
        second = routed_context(browser, server, other, context.storage_state())
        second_page = second.new_page()
        harness.open_page(second_page, server.url, "clients", [harness.heading("All clients")])
        second_page.locator(harness.SIDEBAR).get_by_text(SIGNED_IN).wait_for(
            timeout=harness.TEXT_TIMEOUT_MS
        )
        assert "Sign in with your company account" not in second_page.inner_text("body")
        answered = {up for _, up in browser_requests(server, agent=f"routed-{other}")}
        assert answered == {f"127.0.0.1:{server.ports[other]}"}
        second.close()
        second = None

        # The load starts slow (each Zoom request takes a second); the dashboard serving it is
        # killed while its progress bar is up.
        sim.faults.latency = 1.0
        page.locator(harness.MAIN).get_by_role("button", name="Load attendance").click()
        progress = page.locator(harness.MAIN).get_by_text(re.compile(r"^\d of 2 events"))
        progress.wait_for(timeout=harness.TEXT_TIMEOUT_MS)
        running = page.locator('[data-testid="stApp"][data-test-script-state="running"]')
        harness.expect(running).to_have_count(1)  # the load is under way: now
        address = query(page)
        assert address["client"] == [CLIENT] and len(address["event"]) == 2
        killed_at = access_lines(server)
        dashboards[serving].send_signal(signal.SIGKILL)
        assert dashboards[serving].wait(timeout=30) == -signal.SIGKILL
        sim.faults.latency = 0.0

        # A reload: the other dashboard answers, sign-in valid, the client and the events of
        # the address chosen again and loaded there.
        page.reload(wait_until="domcontentloaded")
        main = page.locator(harness.MAIN)
        harness.wait_for_result(page, main.get_by_text("Funnel across events", exact=True))
        page.locator(harness.SIDEBAR).get_by_text(SIGNED_IN).wait_for(
            timeout=harness.TEXT_TIMEOUT_MS
        )
        assert query(page) == address
        assert harness.page_problems(page) == []
        with contextlib.suppress(Exception):
            harness.screenshot(page, ARTIFACTS / "replicas-after-sigkill.png")
        # Every request since the kill was answered by the other dashboard (the first after a
        # refused connection to the killed one, which nginx then leaves out); the killed one's
        # only line is the WebSocket that was open when it died, logged when that closed.
        killed, alive = (f"127.0.0.1:{server.ports[port]}" for port in (serving, other))
        after = browser_requests(server, killed_at, agent=f"{CHROME_AGENT} ana")
        streams = [up for line, up in after if line.startswith("GET /_stcore/stream ")]
        others = [up for line, up in after if not line.startswith("GET /_stcore/stream ")]
        assert others and all(up.split(", ")[-1] == alive for up in others), after
        assert f"{killed}, {alive}" in others, after  # proxy_next_upstream at work
        assert streams.count(killed) <= 1 and set(streams) <= {killed, alive}, after
        assert dashboards[other].poll() is None
        # The health endpoint through nginx answers for the browsers of the killed dashboard.
        [route] = [c["value"] for c in context.cookies() if c["name"] == ROUTE_COOKIE]
        connection = nginx_connection(server)
        try:
            assert health(connection, route, "health-check") == "ok"
        finally:
            connection.close()
    finally:
        if second is not None:
            second.close()
        context.close()
