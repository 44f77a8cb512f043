"""`python -m erbium_zoom check` and `simulate`: exit codes, JSON, text, and the loopback server."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from erbium_zoom.__main__ import main
from erbium_zoom.profiles import ProfileStore
from erbium_zoom.scopes import REQUIRED_SCOPES
from erbium_zoom.simulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SimulatedZoom,
    serve,
)
from tests.conftest import FIXED_NOW
from tests.multi_account import AccountRouter

ROOT = Path(__file__).resolve().parents[1]
SIM_ENV = {
    "ZOOM_ACCOUNT_ID": DEFAULT_ACCOUNT_ID,
    "ZOOM_CLIENT_ID": DEFAULT_CLIENT_ID,
    "ZOOM_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
}


def run_check(capsys, scenario: str, *flags: str, env: dict | None = None):
    sim = SimulatedZoom(scenario, now=FIXED_NOW)
    code = main(
        ["check", *flags], environ=SIM_ENV if env is None else env, transport=sim.transport()
    )
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("scenario", "exit_code", "missing"),
    [
        ("full", 0, 0),
        ("no_webinar_plan", 0, 0),
        ("classic", 1, 1),
        ("missing_scopes", 1, 4),
        ("missing:report:read:list_webinar_participants:admin", 1, 1),
        ("wrong_secret", 2, 0),
        ("wrong_account", 2, 0),
        ("disabled_app", 2, 0),
        ("wrong_app_type", 2, 0),
    ],
)
def test_check_json_exit_codes_per_scenario(capsys, scenario, exit_code, missing):
    code, out, _ = run_check(capsys, scenario, "--json")
    assert code == exit_code
    payload = json.loads(out)
    assert list(payload) == ["results"] and len(payload["results"]) == 1
    result = payload["results"][0]
    assert set(result) == {"profile", "ok", "account_id", "api_url", "scopes", "missing", "error"}
    assert result["profile"] is None
    assert result["ok"] is (exit_code == 0)
    assert result["account_id"] == DEFAULT_ACCOUNT_ID
    assert len(result["missing"]) == missing
    if exit_code == 2:
        assert result["scopes"] == [] and result["error"]["kind"] == "auth"
        assert result["error"]["field"] and result["error"]["message"]
    else:
        assert result["error"] is None
        assert [s["scope"] for s in result["scopes"]] == [s.name for s in REQUIRED_SCOPES]
        assert {s["group"] for s in result["scopes"]} == {"webinar", "meeting", "report"}
        missing_in_list = [s["scope"] for s in result["scopes"] if s["status"] == "missing"]
        assert missing_in_list == result["missing"]
    assert DEFAULT_CLIENT_SECRET not in out


def test_check_json_classic_statuses(capsys):
    _, out, _ = run_check(capsys, "classic", "--json")
    statuses = {s["scope"]: s["status"] for s in json.loads(out)["results"][0]["scopes"]}
    assert statuses["meeting:write:participant:admin"] == "missing"
    assert list(statuses.values()).count("classic") == 16


def test_check_text_is_a_readable_checklist(capsys):
    code, out, _ = run_check(capsys, "missing_scopes")
    assert code == 1
    assert "Webinar 7/7 · Meeting 6/8 · Report 0/2" in out
    assert "MISSING" in out and "report:read:list_meeting_participants:admin" in out
    assert "Traceback" not in out


def test_check_text_names_the_field_on_wrong_secret(capsys):
    code, out, _ = run_check(capsys, "wrong_secret")
    assert code == 2
    assert "Client Secret" in out and DEFAULT_CLIENT_SECRET not in out


def test_check_without_credentials_exits_2_with_advice(capsys):
    code, out, _ = run_check(capsys, "full", "--json", env={})
    assert code == 2
    error = json.loads(out)["results"][0]["error"]
    assert error["kind"] == "config" and "ZOOM_ACCOUNT_ID" in error["message"]


def test_check_warns_about_whitespace_on_stderr(capsys):
    env = {**SIM_ENV, "ZOOM_CLIENT_ID": f"  {DEFAULT_CLIENT_ID}\n"}
    code, _, err = run_check(capsys, "full", env=env)
    assert code == 0
    assert "ZOOM_CLIENT_ID" in err and "removed" in err


def test_simulate_rejects_unknown_scenario_in_words(capsys):
    code = main(["simulate", "--scenario", "nonsense", "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert "full" in err and "Traceback" not in err


def test_simulate_passes_the_qps_window_to_the_simulator(monkeypatch, capsys):
    from erbium_zoom import simulator

    served = []

    class Server:  # stands in for the loopback server: records the account, stops at once
        url = oauth_url = api_url = "http://127.0.0.1:1"

        def __init__(self, sim, port):
            served.append(sim)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def wait(self):
            return None

    monkeypatch.setattr(simulator, "serve", lambda sim, port: Server(sim, port))
    flags = ["simulate", "--port", "0", "--qps-limit", "Heavy=10"]
    assert main([*flags, "--qps-window", "sliding"]) == 0
    assert main(flags) == 0
    assert [sim.faults.qps_window for sim in served] == ["sliding", "clock"]
    assert served[0].faults.qps_limits == {"Heavy": 10}
    assert main([*flags, "--qps-window", "rolling"]) == 2  # argparse names the choices
    assert "choose from 'clock', 'sliding'" in capsys.readouterr().err


def _subprocess_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOOM_", "ERBIUM_ZOOM_"))}
    env.update(extra)
    return env


def run_check_command(env: dict, *flags: str) -> subprocess.CompletedProcess:
    """`python -m erbium_zoom check` as a user runs it, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "erbium_zoom", "check", *flags],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_command_against_loopback_server():
    sim = SimulatedZoom("missing_scopes", now=FIXED_NOW)
    with serve(sim) as server:
        env = _subprocess_env(
            **SIM_ENV, ERBIUM_ZOOM_OAUTH_URL=server.oauth_url, ERBIUM_ZOOM_API_URL=server.api_url
        )
        done = run_check_command(env, "--json")
    assert done.returncode == 1, done.stderr
    assert len(json.loads(done.stdout)["results"][0]["missing"]) == 4
    assert [c.path for c in sim.calls] == ["/oauth/token"]


def test_check_command_reports_unreachable_zoom_without_traceback():
    env = _subprocess_env(**SIM_ENV, ERBIUM_ZOOM_OAUTH_URL="http://127.0.0.1:9/oauth/token")
    done = run_check_command(env)
    assert done.returncode == 2
    assert "Could not connect to Zoom" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_simulate_command_serves_and_check_passes():
    proc = subprocess.Popen(
        [sys.executable, "-m", "erbium_zoom", "simulate", "--port", "0", "--scenario", "full"],
        cwd=ROOT,
        env=_subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = []
        for line in proc.stdout:
            banner.append(line)
            if "Ctrl+C" in line:
                break
        text = "".join(banner)
        oauth_url = re.search(r"ERBIUM_ZOOM_OAUTH_URL=(\S+)", text).group(1)
        api_url = re.search(r"ERBIUM_ZOOM_API_URL=(\S+)", text).group(1)
        assert oauth_url.startswith("http://127.0.0.1:")
        assert DEFAULT_CLIENT_SECRET in text  # the published test secret is shown to be usable
        env = _subprocess_env(
            **SIM_ENV, ERBIUM_ZOOM_OAUTH_URL=oauth_url, ERBIUM_ZOOM_API_URL=api_url
        )
        done = run_check_command(env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "All 17 scopes are in place." in done.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


# ---- profiles ------------------------------------------------------------------------------


@pytest.fixture
def three_profiles(memory_keyring):
    """Alpha (all scopes), Beta (scopes missing), Gamma (an app Zoom does not know)."""
    alpha = SimulatedZoom(
        "full", now=FIXED_NOW, account_id="acc-A", client_id="cid-A", client_secret="sec-A-canary"
    )
    beta = SimulatedZoom(
        "missing_scopes",
        now=FIXED_NOW,
        account_id="acc-B",
        client_id="cid-B",
        client_secret="sec-B-canary",
    )
    store = ProfileStore()
    store.save("Alpha", "acc-A", "cid-A", "sec-A-canary")
    store.save("Beta", "acc-B", "cid-B", "sec-B-canary", hosts="kenji.sato@example.com")
    store.save("Gamma", "acc-C", "cid-C", "sec-C-canary")
    return AccountRouter(alpha, beta)


def check_json(capsys, router, *args):
    code = main(["check", "--json", *args], environ={}, transport=router.transport())
    out = capsys.readouterr().out
    assert "canary" not in out
    return code, json.loads(out)["results"]


def test_check_all_profiles_one_entry_each_and_worst_exit_code(capsys, three_profiles):
    code, results = check_json(capsys, three_profiles, "--all")
    assert code == 2
    assert [r["profile"] for r in results] == ["Alpha", "Beta", "Gamma"]
    alpha, beta, gamma = results
    assert alpha["ok"] is True and alpha["account_id"] == "acc-A" and alpha["missing"] == []
    assert beta["ok"] is False and len(beta["missing"]) == 4 and beta["error"] is None
    assert gamma["error"]["kind"] == "auth" and gamma["scopes"] == []


@pytest.mark.parametrize(("name", "exit_code"), [("Alpha", 0), ("Beta", 1), ("Gamma", 2)])
def test_check_one_profile_exit_codes(capsys, three_profiles, name, exit_code):
    code, results = check_json(capsys, three_profiles, "--profile", name)
    assert code == exit_code and [r["profile"] for r in results] == [name]


def test_check_unknown_profile_is_an_entry_not_a_crash(capsys, three_profiles):
    code, results = check_json(capsys, three_profiles, "--profile", "Nope", "--profile", "Alpha")
    assert code == 2
    assert results[0]["profile"] == "Nope" and results[0]["error"]["kind"] == "config"
    assert "Alpha" in results[0]["error"]["message"]
    assert results[1]["ok"] is True


def test_check_all_without_a_keyring_reports_each_profile(capsys, three_profiles):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    code, results = check_json(capsys, three_profiles, "--all")
    assert code == 2 and len(results) == 3
    assert {r["error"]["kind"] for r in results} == {"keyring"}
    assert "secrets.toml" in results[0]["error"]["message"]


def test_check_all_with_no_profiles_says_so(capsys):
    code, results = check_json(capsys, AccountRouter(), "--all")
    assert code == 2 and "No client profiles yet" in results[0]["error"]["message"]


# ---- messages that fit their case (issue 15, point 4) ---------------------------------------

FILL_IN = "Fill in the missing value"


def check_text(capsys, *argv: str, env: dict | None = None) -> tuple[int, str]:
    code = main(["check", *argv], environ={} if env is None else env)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out


def test_unknown_profile_names_the_profiles_and_the_list_command(capsys, three_profiles):
    code, out = check_text(capsys, "--profile", "Nope")
    assert code == 2
    assert out.splitlines()[0] == "Zoom connection check for profile Nope"  # no "(none)"
    assert "Not checked: No profile named 'Nope'." in out
    assert "`python -m erbium_zoom profiles list` shows the names (Alpha, Beta, Gamma)." in out
    assert FILL_IN not in out and "Cannot authenticate" not in out
    code, out = check_text(capsys, "--profile", "alpha")
    assert "No profile named 'alpha'. Did you mean 'Alpha'?" in out


def test_check_all_with_no_profiles_says_how_to_add_one(capsys):
    code, out = check_text(capsys, "--all")
    assert code == 2
    assert "No client profiles yet" in out and "profiles.json" in out
    assert "Add one with `python -m erbium_zoom profiles add` or on the All clients page" in out
    assert FILL_IN not in out


def test_bad_hosts_say_what_is_wrong_with_each_entry_and_the_form(capsys):
    env = {**SIM_ENV, "ERBIUM_ZOOM_HOSTS": "ana@acme.example, ana bob@acme.example, x@"}
    code, out = check_text(capsys, env=env)
    assert code == 2
    assert "Zoom connection check for account " + DEFAULT_ACCOUNT_ID in out
    assert (
        "ERBIUM_ZOOM_HOSTS: 'ana bob@acme.example' has a space in it (a missing comma?); "
        "'x@' is not a complete e-mail address."
    ) in out
    assert "Each host is a Zoom user's e-mail address (name@company.example)" in out
    assert "ana@acme.example'" not in out  # the good entry is not blamed
    assert FILL_IN not in out


def test_profiles_add_says_a_bad_hosts_entry_before_anything_else(capsys):
    # No keyring and no key here: the hosts are still what is said first, and no secret is read.
    stdin = io.StringIO("sec-canary\n")
    argv = ["profiles", "add", "Acme", "--account-id", "a", "--client-id", "c", "--hosts", "a b"]
    code = main(argv, stdin=stdin)
    err = capsys.readouterr().err
    assert code == 2
    # Only a note on which secrets file was read may come before the error.
    assert err.split("error: ", 1)[1].startswith("--hosts: 'a b' has a space in it (a missing")
    assert "keyring" not in err and FILL_IN not in err
    assert stdin.read() == "sec-canary\n"


def test_only_the_client_id_missing_shows_the_account_that_is_set(capsys):
    env = {"ZOOM_ACCOUNT_ID": "acc-123", "ZOOM_CLIENT_SECRET": "sec-canary"}
    code, out = check_text(capsys, env=env)
    assert code == 2 and "sec-canary" not in out
    assert out.splitlines()[0] == "Zoom connection check for account acc-123"
    assert (
        "ZOOM_CLIENT_ID is missing (ZOOM_ACCOUNT_ID acc-123 and ZOOM_CLIENT_SECRET are given)"
        in out
    )
    assert "Set ZOOM_CLIENT_ID too" in out and FILL_IN not in out
    code, out = check_text(capsys, "--json", env=env)
    [result] = json.loads(out)["results"]
    assert result["account_id"] == "acc-123" and result["error"]["field"] == "client_id"


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--port", "99999", "a port is 1 to 65535, or 0 for any free port"),
        ("--port", "-1", "a port is 1 to 65535, or 0 for any free port"),
        ("--port", "eighty", "'eighty' is not a number"),
        ("--latency", "nan", "give seconds per request, from 0 to 60"),
        ("--latency", "-0.5", "give seconds per request, from 0 to 60"),
        ("--token-ttl", "0", "give a whole number, 1 or more"),
        ("--expire-tokens-after", "0", "give a whole number, 1 or more"),
        ("--server-errors", "-3", "give a whole number, 0 or more"),
        ("--malformed-json", "-1", "give a whole number, 0 or more"),
        ("--qps-limit", "Heavy=-1", "CATEGORY Light, Medium or Heavy"),
        ("--daily-limit", "Huge=5", "CATEGORY Light, Medium or Heavy"),
    ],
)
def test_simulate_numeric_options_are_checked_as_usage_errors(
    monkeypatch, capsys, option, value, words
):
    from erbium_zoom import simulator

    served = []  # a value let through would be served (and waited on) here: stand in for it
    monkeypatch.setattr(simulator, "serve", lambda sim, port: served.append(port))
    code = main(["simulate", option, value])
    err = capsys.readouterr().err
    assert served == [] and code == 2
    assert err.startswith("usage: python -m erbium_zoom simulate")
    assert f"error: argument {option}: " in err and words in err
    assert "Something unexpected" not in err and "Error" not in err


def test_simulate_on_a_port_in_use_names_the_port(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["simulate", "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"error: Port {port} on 127.0.0.1 is already in use; stop what uses it or pick another "
        "with --port. `--port 0` picks any free port.\n"
    )


def test_an_option_a_command_does_not_take_is_named_but_its_value_is_not(capsys):
    code = main(["check", "--hosts", "sec-canary", "--client-secret=sec-canary2", "sec-canary3"])
    err = capsys.readouterr().err
    assert code == 2
    assert "`check` does not take --hosts, --client-secret." in err
    assert "`python -m erbium_zoom check --help` lists what it takes." in err
    assert "canary" not in err


def test_an_unreadable_profile_list_says_what_to_do_not_to_fill_in_a_value(
    capsys, monkeypatch, tmp_path
):
    not_a_folder = tmp_path / "config-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("ERBIUM_ZOOM_CONFIG_DIR", str(not_a_folder))
    code = main(["check", "--all"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: Cannot read the profile list at {not_a_folder / 'profiles.json'}" in err
    assert "set ERBIUM_ZOOM_CONFIG_DIR to the folder that holds the right one" in err
    assert FILL_IN not in err


def test_a_file_the_command_cannot_use_is_named_without_errno(capsys, monkeypatch):
    from erbium_zoom import __main__ as cli

    def refused(*_args):
        raise PermissionError(13, "Permission denied", "/srv/erbium-zoom/profiles.json")

    monkeypatch.setattr(cli, "run_profiles", refused)
    assert main(["profiles", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "error: Cannot use /srv/erbium-zoom/profiles.json: Permission denied. Check that the "
        "folder exists and that you may write there"
    )
    assert "Errno" not in err
