"""Start the dashboard and a headless chromium: shared by tests/e2e and scripts/screenshots.py.

The browser is Debian's chromium driven by Playwright (`playwright install` cannot download its
own build here). Playwright is imported inside the functions that need it, so this module imports
without it and the test fixtures can report a missing install clearly.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = "app.py"
SERVER_START_TIMEOUT = 60.0
TEXT_TIMEOUT_MS = 30_000
# A laptop's width: the pages must read well at 1280 px (tables, charts, the sidebar).
VIEWPORT = {"width": 1280, "height": 1000}
CHROMIUM_INSTALL_HINT = "apt-get install -y chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
# Settings that would take the app out of demo mode (credentials, hosts, endpoints).
SCRUBBED_ENV_PREFIXES = ("ZOOM_", "ERBIUM_ZOOM_")
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
EXCEPTION = '[data-testid="stException"]'
# The app's root carries the script's state: "initial" before the first run, "running" during
# one, "notRunning" once it has finished (and stays running across an st.rerun()).
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Elements drawn by the previous run and not (yet) by this one; cleared when the run ends.
STALE = '[data-stale="true"]'


class ServerError(RuntimeError):
    """The dashboard did not start; the message carries the server's output."""


def chromium_path() -> str | None:
    """The system chromium, or None when it is not installed."""
    found = shutil.which("chromium")
    if found:
        return found
    fallback = Path("/usr/bin/chromium")
    return str(fallback) if os.access(fallback, os.X_OK) else None


# The dashboards started here keep profiles and the report cache in a throwaway folder, never
# in the user's own config and data folders.
_SCRATCH = tempfile.mkdtemp(prefix="erbium-zoom-e2e-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)


def demo_env() -> dict[str, str]:
    """This process's environment without the ZOOM_*/ERBIUM_ZOOM_* settings: demo mode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_ENV_PREFIXES)}
    env["PYTHONUNBUFFERED"] = "1"
    env["ERBIUM_ZOOM_CONFIG_DIR"] = os.path.join(_SCRATCH, "config")
    env["ERBIUM_ZOOM_DATA_DIR"] = os.path.join(_SCRATCH, "data")
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` on a free loopback port, its output kept in a temporary file."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, log: IO[bytes], host: str = "127.0.0.1"
    ):
        self.process = process
        self.port = port
        self.url = f"http://{host}:{port}"
        self._log = log

    def output(self, limit: int = 6000) -> str:
        """The server's stdout and stderr so far (the last `limit` characters)."""
        self._log.flush()
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        return text[-limit:] if len(text) > limit else text

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def start_server(
    timeout: float = SERVER_START_TIMEOUT,
    extra_env: dict[str, str] | None = None,
    *,
    address: str = "127.0.0.1",
    url_host: str = "127.0.0.1",
    secrets_file: Path | None = None,
    port: int | None = None,
) -> StreamlitServer:
    """Start the dashboard (demo mode unless ``extra_env`` configures Zoom) and wait until its
    health endpoint answers.

    ``address`` is what it listens on (tests still reach it through loopback only); the
    returned server's ``url`` uses ``url_host`` (sign-in needs the host of its redirect_uri).
    ``secrets_file`` is Streamlit's ``secrets.files``: by default a path that does not exist,
    so a secrets.toml in the checkout never changes what a test sees.

    Raises ServerError (with the server's output) when it exits or stays silent for `timeout`
    seconds; the process is stopped then. Callers stop a returned server with `.stop()`.
    """
    port = port or free_port()
    secrets = secrets_file or Path(_SCRATCH) / "no-secrets.toml"
    command = [
        sys.executable, "-m", "streamlit", "run", APP,
        "--server.headless", "true",
        "--server.address", address,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--secrets.files", str(secrets),
    ]  # fmt: skip
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**demo_env(), **(extra_env or {})},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = StreamlitServer(process, port, log, url_host)
    health = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    problem = f"no answer from {health} within {timeout:g} s"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            problem = f"the server exited with code {process.returncode}"
            break
        try:
            with urllib.request.urlopen(health, timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    output = server.output()
    server.stop()
    raise ServerError(
        f"streamlit did not start: {problem}.\n"
        f"command: {' '.join(command)} (in {REPO_ROOT})\n"
        f"--- server output (stdout+stderr) ---\n{output or '(none)'}"
    )


@contextmanager
def running_server(timeout: float = SERVER_START_TIMEOUT) -> Iterator[StreamlitServer]:
    server = start_server(timeout)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Playwright Browser on the system chromium; closed on exit."""
    from playwright.sync_api import expect as playwright_expect
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError(f"chromium is not installed: {CHROMIUM_INSTALL_HINT} (as root)")
    # Assertions (expect) wait as long as the text waits: the machine may be busy.
    playwright_expect.set_options(timeout=TEXT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any) -> Any:
    """A page in a fresh context (own cookies and session), closed with `page.context.close()`."""
    context = browser.new_context(viewport=VIEWPORT)
    return context.new_page()


def page_name(url_path: str) -> str:
    """The screenshot name of a page: its url_path, or "home" for the default page."""
    return url_path.strip("/").replace("/", "_") or "home"


@dataclass(frozen=True)
class Shown:
    """Something the main area must show: a text, or an element of an ARIA ``role`` (heading,
    button, link, tab…) named exactly ``text``. Only visible elements count: Streamlit's tables
    keep a hidden copy of their cells for screen readers, which must not pass for a button."""

    text: str
    role: str | None = None

    def locator(self, within: Any) -> Any:
        found = (
            within.get_by_role(self.role, name=self.text, exact=True)
            if self.role
            else within.get_by_text(self.text)
        )
        return found.filter(visible=True)

    def __str__(self) -> str:
        return f"{self.role} {self.text!r}" if self.role else repr(self.text)


def expect(target: Any) -> Any:
    """Playwright's retrying assertion (``expect(locator).to_be_visible()`` …), imported when
    used so that this module imports without Playwright."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def heading(text: str) -> Shown:
    return Shown(text, "heading")


def button(text: str) -> Shown:
    return Shown(text, "button")


def _shown(item: str | Shown) -> Shown:
    return item if isinstance(item, Shown) else Shown(item)


def open_page(
    page: Any,
    base_url: str,
    url_path: str,
    expected: Sequence[str | Shown],
    timeout_ms: int = TEXT_TIMEOUT_MS,
) -> None:
    """Load a page and wait until each expected thing is visible in the main area and the
    script is done.

    Streamlit sends the page over a websocket after the HTML loads, so this waits for elements
    rather than for the load event. The sidebar is left out so navigation labels do not count.
    An exception box ends the wait early: `page_problems` reports it (and what is missing).
    """
    page.goto(f"{base_url}/{url_path.lstrip('/')}", wait_until="domcontentloaded")
    main = page.locator(MAIN)
    exception = page.locator(EXCEPTION)
    for item in expected:
        _shown(item).locator(main).or_(exception).first.wait_for(timeout=timeout_ms)
        if exception.count():
            break
    wait_until_idle(page, timeout_ms)


def wait_for_result(page: Any, target: Any, timeout_ms: int = TEXT_TIMEOUT_MS) -> Any:
    """After an action (a click, Enter in a field): wait until ``target`` (a locator for what
    the action brings, which was not on the page before it) is visible, then until the run is
    done. Returns the first visible match."""
    shown = target.filter(visible=True).first
    shown.wait_for(timeout=timeout_ms)
    wait_until_idle(page, timeout_ms)
    return shown


def go_to(page: Any, link: str, title: str) -> None:
    """Open another page through the sidebar's navigation link ``link`` and wait until its
    ``title`` heading is shown and its run is done."""
    page.locator(SIDEBAR).get_by_role("link", name=link, exact=True).click()
    wait_for_result(page, page.locator(MAIN).get_by_role("heading", name=title, exact=True))


def wait_until_idle(page: Any, timeout_ms: int = TEXT_TIMEOUT_MS) -> None:
    """Wait until the script run has finished and everything it drew is in place: no element
    left over from the previous run, no grey skeleton of an element whose code is still
    loading (dataframes and charts load theirs on first use), the fonts (Material icons) loaded.

    Right after a click the previous run's "done" state is still up: wait first for what the
    click brings (`wait_for_result`), then for this.
    """
    expect(page.locator(APP_IDLE)).to_have_count(1, timeout=timeout_ms)
    expect(page.locator(STALE)).to_have_count(0, timeout=timeout_ms)
    expect(page.locator(f'{MAIN} [data-testid="stSkeleton"]')).to_have_count(0, timeout=timeout_ms)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    # Two animation frames: what was just put in the page has been painted (for screenshots).
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def page_problems(page: Any, expected: Sequence[str | Shown] = ()) -> list[str]:
    """What a person would see go wrong: an expected element not visible in the main area,
    a Streamlit exception box, a traceback in the page's text."""
    main = page.locator(MAIN)
    problems = [
        f"missing {shown}" for shown in map(_shown, expected) if not shown.locator(main).count()
    ]
    boxes = page.locator(EXCEPTION)
    for i in range(boxes.count()):
        problems.append(f"exception box: {boxes.nth(i).inner_text()[:500]!r}")
    if "Traceback" in page.locator("body").inner_text():
        problems.append('the text "Traceback" is on the page')
    return problems


def screenshot(page: Any, path: Path) -> Path:
    """A PNG of the whole page (Streamlit scrolls its main area, so grow the viewport to fit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        """(selector) => {
            const main = document.querySelector(selector);
            return main ? main.scrollHeight : document.documentElement.scrollHeight;
        }""",
        MAIN,
    )
    if height > VIEWPORT["height"]:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height), 8000)})
    page.screenshot(path=str(path), full_page=True)
    return path


# ---- producer journeys (shared by tests/e2e/test_journey.py and scripts/screenshots.py) ---------

# Three past events with registration for the funnel: two the demo lists in the default window,
# one older, added by its ID.
FUNNEL_PICKED = ("Summit Keynote", "Customer Advisory Board")
FUNNEL_ADDED = "Q4 Kickoff"


def demo_event_id(topic: str) -> int:
    """A demo event's ID: the demo account is built from a fixed seed, so a copy made here has
    the same IDs as the dashboard's."""
    from erbium_zoom.simulator import SimulatedZoom

    return next(event["id"] for event in SimulatedZoom("full").events if event["topic"] == topic)


def chosen_tag(select: Any, text: str) -> Any:
    """The visible tag of a chosen option (containing ``text``) in a multiselect."""
    return select.locator("[data-tag]").filter(has_text=text).filter(visible=True)


def choose_options(page: Any, texts: Sequence[str], index: int = 0) -> None:
    """Pick options of the main area's ``index``-th multiselect by typing part of each label;
    each pick is waited for until its tag shows in the box."""
    select = page.locator(MAIN).locator('[data-testid="stMultiSelect"]').nth(index)
    box = select.locator("input")
    for text in texts:
        box.click()
        box.fill(text)
        page.locator('[role="option"]').filter(has_text=text).first.click()
        chosen_tag(select, text).first.wait_for(timeout=TEXT_TIMEOUT_MS)
    page.keyboard.press("Escape")


def load_funnel_events(page: Any, base_url: str) -> None:
    """The Attendance page with three past webinars and meetings loaded, down to the funnel."""
    open_page(page, base_url, "attendance", [heading("Attendance"), button("Load attendance")])
    choose_options(page, FUNNEL_PICKED)
    main = page.locator(MAIN)
    added = str(demo_event_id(FUNNEL_ADDED))
    main.get_by_role("textbox", name="ID or UUID").fill(added)
    main.get_by_role("button", name="Add", exact=True).click()
    # An added event joins the chosen ones, by its ID (its topic comes with its report).
    select = main.locator('[data-testid="stMultiSelect"]').first
    wait_for_result(page, chosen_tag(select, added).filter(has_text="· added"))
    main.get_by_role("button", name="Load attendance").click()
    wait_for_result(page, main.get_by_text("Funnel across events", exact=True))


def download_workbook(page: Any, path: Path) -> Path:
    """Click "Download workbook (.xlsx)" on a loaded Attendance page; the file saved at path."""
    button = page.locator(MAIN).get_by_role("button", name="Download workbook (.xlsx)")
    with page.expect_download(timeout=TEXT_TIMEOUT_MS) as download:
        button.click()
    path.parent.mkdir(parents=True, exist_ok=True)
    download.value.save_as(str(path))
    return path


def open_demo_client(page: Any, base_url: str, client: str, expected_text: str) -> None:
    """Pick a demo agency client on All clients, then open the Connection page, which now
    checks that client's simulated account, and wait for ``expected_text`` there."""
    open_page(page, base_url, "clients", [heading("All clients"), "Demo agency", button(client)])
    main = page.locator(MAIN)
    main.get_by_role("button", name=client, exact=True).click()
    wait_for_result(page, main.get_by_text(f"Every page shows {client}"))
    go_to(page, "Connection", "Connection")
    wait_for_result(page, main.get_by_text(expected_text))


def screenshot_at(page: Any, path: Path, text: str, height: int = 2400) -> Path:
    """A PNG of ``height`` pixels of the page from the main area's ``text`` down (a long page's
    later part, which a whole-page shot, capped at 8,000 pixels, may not reach)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    target = page.locator(MAIN).get_by_text(text, exact=True).first
    target.evaluate("(element) => element.scrollIntoView({block: 'start'})")
    wait_until_idle(page)
    page.screenshot(path=str(path))
    return path
