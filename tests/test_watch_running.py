"""Running the watcher as the README says (issue 17, point 4): the systemd timer and service,
and the cron line, read from deploy/ and the README and run as written.

The units are checked with `systemd-analyze verify` (skipped with the reason when it is not
installed, except in CI, where `.ci/run` installs it). Their command, and the cron line, run in
a subprocess in a temporary server folder (tests/deploy_guide.py's: the checkout linked to this
repository, /etc/erbium-zoom and /var/lib/erbium-zoom moved into the folder), against a
simulated client on loopback, twice, with a scope removed between: the exit codes and output a
person would see, and the one message a webhook receives.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from configparser import ConfigParser
from pathlib import Path

import pytest

from erbium_zoom.simulator import SimulatedZoom, scenario_from_name, serve
from tests.conftest import FIXED_NOW
from tests.deploy_guide import README, ROOT, Server, fenced
from tests.test_watch import HOOK_TOKEN, Receiver

SERVICE, TIMER = "erbium-zoom-watch.service", "erbium-zoom-watch.timer"
SECTION = "## Watching every client"
SCOPE = "meeting:read:list_registrants:admin"
ACCOUNT, CLIENT_ID, SECRET = "acc-R", "cid-R", "sec-R-canary"


def unit(name: str, folder: Path = ROOT / "deploy") -> ConfigParser:
    parser = ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(folder / name)
    return parser


def watching_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end != -1 else len(text)]


def cron_line() -> str:
    """The README's cron line: one /etc/cron.d line, its five times, its user, its command."""
    [block] = fenced(watching_section(), "cron")
    [line] = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    return line


# ---- the files agree ---------------------------------------------------------------------------


def test_the_timer_starts_the_service_every_15_minutes_as_the_dashboards_account():
    service, dashboard = unit(SERVICE)["Service"], unit("erbium-zoom.service")["Service"]
    timer = unit(TIMER)
    assert service["Type"] == "oneshot"
    assert "1" in service["SuccessExitStatus"].split()  # "attention" is no failed unit
    assert "2" not in service["SuccessExitStatus"].split()  # "cannot watch" is
    for same in ("User", "Group", "EnvironmentFile", "WorkingDirectory", "ReadWritePaths"):
        assert service[same] == dashboard[same], same
    assert shlex.split(service["ExecStart"]) == [
        "/opt/erbium-zoom/.venv/bin/python", "-m", "erbium_zoom", "watch", "--once",
    ]  # fmt: skip
    assert timer["Timer"]["OnCalendar"] == "*:0/15" and timer["Timer"]["Unit"] == SERVICE
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert "Install" not in unit(SERVICE)  # the timer starts it, nothing else
    sh = "\n".join(fenced(watching_section(), "sh"))
    for name in (SERVICE, TIMER):
        assert f"install -m 644 deploy/{name} /etc/systemd/system/{name}" in sh
    assert f"systemctl enable --now {TIMER}" in sh
    times, user = cron_line().split()[:5], cron_line().split()[5]
    assert times == ["*/15", "*", "*", "*", "*"] and user == service["User"]
    assert "watch --once" in cron_line() and dashboard["EnvironmentFile"] in cron_line()


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None and not os.environ.get("CI"),
    reason="systemd-analyze is not installed here (Debian: apt-get install systemd)",
)
def test_systemd_analyze_verifies_the_timer_and_the_service(tmp_path):
    assert shutil.which("systemd-analyze"), ".ci/run installs systemd for systemd-analyze"
    server = Server(tmp_path / "server").build()  # the units' paths exist there
    server.etc.mkdir(parents=True)
    (server.etc / "erbium-zoom.env").write_text(
        (server.checkout / "deploy/erbium-zoom.env").read_text()
    )
    units = tmp_path / "units"
    units.mkdir()
    for name in (SERVICE, TIMER):
        (units / name).write_text((server.checkout / "deploy" / name).read_text())
    done = subprocess.run(
        ["systemd-analyze", "verify", str(units / TIMER), str(units / SERVICE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if SERVICE in line or TIMER in line
    ]
    assert done.returncode == 0 and said == [], done.stdout + done.stderr


# ---- the exact command lines, run -------------------------------------------------------------


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def installed(tmp_path, receiver):
    """A server with the environment file installed, a secrets file naming one simulated client
    and the webhook, and that client's Zoom on loopback."""
    sim = SimulatedZoom(
        "full", now=FIXED_NOW, account_id=ACCOUNT, client_id=CLIENT_ID, client_secret=SECRET
    )
    server = Server(tmp_path / "server").build()
    server.etc.mkdir(parents=True)
    server.var_lib.mkdir(parents=True)
    with serve(sim) as zoom:
        # The environment file as installed, plus the two lines that send Zoom's calls to the
        # simulator instead of zoom.us.
        (server.etc / "erbium-zoom.env").write_text(
            (server.checkout / "deploy/erbium-zoom.env").read_text()
            + f"ERBIUM_ZOOM_OAUTH_URL={zoom.oauth_url}\nERBIUM_ZOOM_API_URL={zoom.api_url}\n"
        )
        (server.etc / "secrets.toml").write_text(
            f'[notify]\nurls = ["{receiver.url}"]\n\n'
            "[watch]\ndays = 0\n\n"  # the connection only: see tests/test_watch_events.py
            f'[profiles."Acme Corp"]\naccount_id = "{ACCOUNT}"\nclient_id = "{CLIENT_ID}"\n'
            f'client_secret = "{SECRET}"\n'
        )
        yield server, sim


def assert_said_no_secret(text: str) -> None:
    assert SECRET not in text and HOOK_TOKEN not in text and "Traceback" not in text


def test_the_services_command_runs_as_systemd_runs_it(installed, receiver):
    """ExecStart, in WorkingDirectory, with EnvironmentFile's variables and nothing else of
    ours: a connected client (0), then a scope removed (1, which the unit counts as success)."""
    server, sim = installed
    service = unit(SERVICE, server.checkout / "deploy")["Service"]

    def start() -> subprocess.CompletedProcess:
        return subprocess.run(
            shlex.split(service["ExecStart"]),
            cwd=service["WorkingDirectory"],
            env={**server.environ(), **server.env_file()},
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = start()
    assert first.returncode == 0, first.stderr
    assert "Watch pass at" in first.stdout and "Acme Corp: connected" in first.stdout
    sim.scenario = scenario_from_name(f"missing:{SCOPE}")
    second = start()
    assert second.returncode == 1, second.stderr
    assert str(second.returncode) in service["SuccessExitStatus"].split()
    assert f"Acme Corp: scopes missing: {SCOPE}" in second.stdout
    assert "Notifications: 1 sent" in second.stdout
    for done in (first, second):
        assert_said_no_secret(done.stdout + done.stderr)
    [message] = receiver.received
    assert message["title"] == f"Action needed: Acme Corp: 1 scope missing: {SCOPE}"
    # It kept its history where the dashboard reads it: the data folder of the environment file.
    assert (server.var_lib / "data").is_dir() and any((server.var_lib / "data").iterdir())


def test_the_readmes_cron_line_runs_as_cron_runs_it(installed, receiver):
    """The command of the README's cron line, paths moved, in cron's own sh with cron's bare
    environment: its exit code, and its report appended to the log it names."""
    server, sim = installed
    command = server.paths(cron_line().split(None, 6)[6])
    log = re.search(r">>\s*(\S+)", command)[1]
    cron_env = {"PATH": "/usr/bin:/bin", "SHELL": "/bin/sh", "HOME": str(server.root / "home")}
    cron_env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # no desktop keyring

    def tick() -> subprocess.CompletedProcess:
        return subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=server.root,
            env=cron_env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = tick()
    assert first.returncode == 0 and first.stdout == first.stderr == ""
    sim.scenario = scenario_from_name(f"missing:{SCOPE}")
    second = tick()
    assert second.returncode == 1 and second.stdout == second.stderr == ""
    written = Path(log).read_text()
    assert written.count("Watch pass at") == 2
    assert "Acme Corp: connected" in written and f"scopes missing: {SCOPE}" in written
    assert_said_no_secret(written)
    assert [m["title"] for m in receiver.received] == [
        f"Action needed: Acme Corp: 1 scope missing: {SCOPE}"
    ]
