"""The README's "Deploying for the team" works as written (issue 15, point 2).

Its shell commands are read from the README's own code blocks and run (tests/deploy_guide.py), so
the guide cannot drift from the code: the files it installs under /etc, the environment file the
service and the commands share, three clients added with their secrets in the encrypted file.
The lines marked root-only are checked against the files they install: the same account, unit
and paths everywhere. The browser half (the unit's command behind nginx, signed in) is
tests/e2e/test_deploy.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from configparser import ConfigParser

import pytest

from tests.deploy_guide import (
    README,
    ROOT,
    SEVERAL,
    Filling,
    Server,
    fenced,
    is_root_only,
    logical_lines,
    run_guide,
    section,
)

CLIENTS = {"Acme Corp": "acme-CANARY-1", "Globex": "globex-CANARY-2", "Initech": "initech-CANARY-3"}


def unit(name: str = "erbium-zoom.service") -> ConfigParser:
    parser = ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(ROOT / "deploy" / name)
    return parser


def root_only_commands() -> list[list[str]]:
    """The root-only lines of the deploy (one dashboard, then several) as words, without
    their comment."""
    blocks = fenced(section(), "sh") + fenced(section(SEVERAL), "sh")
    lines = [line for b in blocks for line in logical_lines(b)]
    return [shlex.split(line, comments=True) for line in lines if is_root_only(line)]


@pytest.fixture(scope="module")
def guided(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("server")).build()
    run = run_guide(server, list(CLIENTS.values()), Filling())
    assert run.returncode == 0, f"the guide stopped:\n{run.output}\n--- script ---\n{run.script}"
    return server, run


def command(server: Server, *args: str) -> subprocess.CompletedProcess:
    """A profiles command as step 4 runs it: in the checkout, with the environment file read."""
    return subprocess.run(
        [".venv/bin/python", "-m", "erbium_zoom", *args],
        cwd=server.checkout,
        env={**server.environ(), **server.env_file()},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_guide_adds_three_clients_whose_secrets_are_stored_encrypted(guided):
    server, run = guided
    assert "Traceback" not in run.output
    secrets_toml = server.etc / "secrets.toml"
    # Every profiles command said which secrets file it read: the one the service reads.
    said = f"Secrets file read: {secrets_toml} (named by STREAMLIT_SECRETS_FILES)."
    assert run.output.count(said) == 5  # list, three adds, list
    assert "no system keyring" not in run.output and "cannot be stored" not in run.output
    for name in CLIENTS:
        assert f"Saved profile {name!r}" in run.output

    listing = command(server, "profiles", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    payload = json.loads(listing.stdout)
    assert payload["secrets_file"]["read"] == [str(secrets_toml)]
    storage = payload["storage"]
    data = server.var_lib / "data"
    assert storage["kind"] == "encrypted file" and storage["problem"] is None
    assert str(data / "client-secrets.enc") in storage["where"]
    assert str(secrets_toml) in storage["where"]
    assert {p["name"]: p["secret"] for p in payload["profiles"]} == dict.fromkeys(CLIENTS, "stored")
    assert (server.var_lib / "config" / "profiles.json").exists()
    assert os.stat(data / "client-secrets.enc").st_mode & 0o077 == 0
    for secret in CLIENTS.values():  # nowhere in plain text, the log included
        assert secret not in run.output
        assert not [
            f for f in server.root.rglob("*") if f.is_file() and secret.encode() in f.read_bytes()
        ]


def test_without_the_environment_file_the_commands_say_where_they_looked(guided):
    """The trap of the old step 4: a shell that has not read the environment file. The command
    now says it found no secrets file and where it looked, and that a key-less encrypted file
    exists, instead of "set ERBIUM_ZOOM_SECRET_KEY"."""
    server, _ = guided
    done = subprocess.run(
        [".venv/bin/python", "-m", "erbium_zoom", "profiles", "list"],
        cwd=server.checkout,
        env={**server.environ(), "ERBIUM_ZOOM_DATA_DIR": str(server.var_lib / "data")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    home_file = server.root / "home" / ".streamlit" / "secrets.toml"
    assert done.returncode == 1
    assert f"No secrets file was found: looked at {home_file}" in done.stderr
    assert "holds Client Secrets, but no key is set to open it" in done.stderr
    assert "STREAMLIT_SECRETS_FILES" in done.stderr


def test_the_root_only_lines_install_the_deploy_files_and_agree_on_names():
    commands = root_only_commands()
    programs = {words[0] for words in commands}
    assert programs <= {
        "apt-get", "make", "useradd", "install", "chgrp", "runuser", "systemctl", "ln", "nginx",
    }  # fmt: skip
    service = unit()["Service"]
    account = service["User"]
    [useradd] = [w for w in commands if w[0] == "useradd"]
    [runuser] = [w for w in commands if w[0] == "runuser"]
    [chgrp] = [w for w in commands if w[0] == "chgrp"]
    assert useradd[-1] == account == service["Group"] == runuser[2] == chgrp[1]
    assert (
        "--home-dir" in useradd
        and useradd[useradd.index("--home-dir") + 1] in (service["ReadWritePaths"])
    )
    installs = {w[-2]: w[-1] for w in commands if w[0] == "install" and not w[1].startswith("-d")}
    assert installs == {
        "deploy/erbium-zoom.service": "/etc/systemd/system/erbium-zoom.service",
        "deploy/nginx-erbium-zoom.conf": "/etc/nginx/sites-available/erbium-zoom",
        # Several dashboards: the template unit, and the site in place of the single one.
        "deploy/erbium-zoom@.service": "/etc/systemd/system/erbium-zoom@.service",
        "deploy/nginx-erbium-zoom-replicas.conf": "/etc/nginx/sites-available/erbium-zoom",
    }
    units = {u for w in commands if w[0] == "systemctl" and len(w) > 2 for u in w[2:]}
    units -= {"--now"}
    assert units == {"erbium-zoom"} | {f"erbium-zoom@{port}" for port in replica_ports()}
    [ln] = [w for w in commands if w[0] == "ln"]
    assert ln[-2] == installs["deploy/nginx-erbium-zoom.conf"]
    assert ln[-1] == "/etc/nginx/sites-enabled/erbium-zoom"


def test_every_deploy_file_is_installed_by_the_guide_and_the_unit_reads_the_env_file():
    text = section()
    readme = README.read_text(encoding="utf-8")  # the replicas' and the watcher's are elsewhere
    for path in (ROOT / "deploy").iterdir():
        assert f"deploy/{path.name}" in readme, f"the README never installs deploy/{path.name}"
    sh = "\n".join(fenced(text, "sh"))
    assert (
        "install -m 644 deploy/erbium-zoom.env /etc/erbium-zoom/erbium-zoom.env" in sh
        and unit()["Service"]["EnvironmentFile"] == "/etc/erbium-zoom/erbium-zoom.env"
    )
    assert sh.count("set -a; . /etc/erbium-zoom/erbium-zoom.env; set +a") == 2
    assert "ERBIUM_ZOOM_CONFIG_DIR" in text and "ERBIUM_ZOOM_DATA_DIR" in text


def test_the_environment_file_reads_alike_in_systemd_and_the_shell(tmp_path):
    env_file = ROOT / "deploy" / "erbium-zoom.env"
    lines = [
        line
        for line in env_file.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # No quotes, spaces, $ or backslashes: systemd and sh give the same value for each line.
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s'\"$`\\]+", line) for line in lines), lines
    as_systemd = dict(line.split("=", 1) for line in lines)
    shell = subprocess.run(
        ["bash", "-c", f"set -a; . {shlex.quote(str(env_file))}; set +a; env -0"],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        timeout=30,
    )
    as_shell = dict(
        entry.split("=", 1) for entry in shell.stdout.decode().split("\0") if "=" in entry
    )
    assert {name: as_shell.get(name) for name in as_systemd} == as_systemd
    assert {
        "STREAMLIT_SECRETS_FILES", "ERBIUM_ZOOM_CONFIG_DIR", "ERBIUM_ZOOM_DATA_DIR",
        "STREAMLIT_SERVER_ADDRESS", "STREAMLIT_SERVER_PORT",
    } <= set(as_systemd)  # fmt: skip
    assert as_systemd["STREAMLIT_SERVER_ADDRESS"] == "127.0.0.1"  # nginx is the way in
    nginx = (ROOT / "deploy" / "nginx-erbium-zoom.conf").read_text()
    assert f"server 127.0.0.1:{as_systemd['STREAMLIT_SERVER_PORT']};" in nginx


def test_the_readme_shows_the_secrets_template_as_installed():
    shown = fenced(section(), "toml")  # step 2's file
    assert shown[0] == (ROOT / "deploy" / "secrets.toml.example").read_text()
    added = tomllib.loads(fenced(section(SEVERAL), "toml")[0].replace("…", "key"))
    assert set(added) == {"storage", "limits"}
    assert set(added["storage"]) == {"secret_keys", "url"} and set(added["limits"]) == {"redis_url"}


def replica_ports() -> list[int]:
    """The ports of the several dashboards' site file, one server line each."""
    site = (ROOT / "deploy" / "nginx-erbium-zoom-replicas.conf").read_text()
    return [int(port) for port in re.findall(r"(?m)^\s*server 127\.0\.0\.1:(\d+) ", site)]


def test_the_template_unit_is_the_unit_with_the_port_as_its_instance():
    """erbium-zoom@.service differs from erbium-zoom.service only in the port on the command
    line (which wins over the environment file's) and its description; the site file and the
    README's instances name the same ports."""
    single, template = unit()["Service"], unit("erbium-zoom@.service")["Service"]
    assert shlex.split(template["ExecStart"]) == [
        *shlex.split(single["ExecStart"]), "--server.port", "%i",
    ]  # fmt: skip
    assert {k: v for k, v in template.items() if k != "ExecStart"} == {
        k: v for k, v in single.items() if k != "ExecStart"
    }
    assert dict(unit("erbium-zoom@.service")["Install"]) == dict(unit()["Install"])
    ports = replica_ports()
    assert len(ports) >= 2 and len(set(ports)) == len(ports)
    sh = "\n".join(fenced(section(SEVERAL), "sh"))
    assert f"systemctl enable --now {' '.join(f'erbium-zoom@{p}' for p in ports)}" in sh
    site = (ROOT / "deploy" / "nginx-erbium-zoom-replicas.conf").read_text()
    assert "hash $erbium_zoom_route consistent;" in site
    assert "proxy_set_header Upgrade $http_upgrade;" in site


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)
@pytest.mark.parametrize(
    ("source", "installed"),
    [
        ("erbium-zoom.service", "erbium-zoom.service"),
        ("erbium-zoom@.service", "erbium-zoom@8501.service"),  # a template: one instance
    ],
)
def test_systemd_analyze_verifies_the_unit(tmp_path, source, installed):
    server = Server(tmp_path).build()  # the unit's paths exist there (the checkout, its venv)
    server.etc.mkdir(parents=True)
    (server.etc / "erbium-zoom.env").write_text(
        (server.checkout / "deploy/erbium-zoom.env").read_text()
    )
    unit_file = tmp_path / installed
    unit_file.write_text((server.checkout / "deploy" / source).read_text())
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit_file)], capture_output=True, text=True, timeout=60
    )
    said = [line for line in (done.stdout + done.stderr).splitlines() if unit_file.name in line]
    assert done.returncode == 0 and said == [], done.stdout + done.stderr


def test_the_units_command_is_the_dashboard():
    service = unit()["Service"]
    words = shlex.split(service["ExecStart"])
    assert words == ["/opt/erbium-zoom/.venv/bin/python", "-m", "streamlit", "run", "app.py"]
    assert service["WorkingDirectory"] == "/opt/erbium-zoom" and (ROOT / "app.py").exists()


def test_the_readme_lists_each_environment_variable_once():
    text = README.read_text(encoding="utf-8")
    rows = re.findall(r"(?m)^\| `([A-Z][A-Z0-9_]+)` \|", text)
    assert "ERBIUM_ZOOM_SECRET_KEY" in rows and "ERBIUM_ZOOM_CONFIG_DIR" in rows
    assert len(rows) == len(set(rows)), sorted(r for r in rows if rows.count(r) > 1)
