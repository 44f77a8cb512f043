"""The README's "Deploying for the team", run as written in a temporary folder.

Shared by tests/test_deploy_guide.py (the commands, the files they leave) and
tests/e2e/test_deploy.py (the dashboard started as the systemd unit starts it, behind nginx).

The server is a temporary folder: ``etc/`` and ``var/lib/`` stand for /etc and /var/lib, and
``opt/erbium-zoom`` is a checkout made of links to this repository's files, except ``deploy/``,
whose files are copied with those paths (and, for the browser test, the ports and certificate
paths) rewritten. The section's ``sh`` blocks run in one bash, in order, as a person pastes
them into one terminal; lines marked ``# root-only`` (packages, the service account, owners,
systemd, nginx) are left out and checked by the tests against the files they name. The one step
the README leaves to a text editor, filling in the secrets file, is done between the blocks by
:func:`fill_secrets` with the values the guide's own commands printed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SECTION = "## Deploying for the team"
SEVERAL = "## More than one server"  # the deploy's continuation: replicas behind nginx
ROOT_ONLY = re.compile(r"#\s*root-only\b")
ETC, VAR_LIB, OPT = "/etc/erbium-zoom", "/var/lib/erbium-zoom", "/opt/erbium-zoom"
CERTS = "/etc/letsencrypt"
FERNET_KEY = re.compile(r"^[A-Za-z0-9_-]{43}=$", re.M)
COOKIE_SECRET = re.compile(r"^[0-9a-f]{64}$", re.M)
PLACEHOLDER = "CHANGE-ME"


def section(heading: str = SECTION, readme: Path = README) -> str:
    """The text of a section (the deploy's by default), up to the next second-level heading."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n") + 1
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def fenced(text: str, language: str) -> list[str]:
    """The contents of the ```language blocks, in order."""
    pattern = rf"^```{language}\n(.*?)^```$"
    return re.findall(pattern, text, flags=re.M | re.S)


def logical_lines(block: str) -> list[str]:
    """The block's commands: physical lines joined where one ends with a backslash."""
    lines, current = [], ""
    for line in block.splitlines():
        current += line + "\n"
        if not line.rstrip().endswith("\\"):
            if current.strip():
                lines.append(current.rstrip("\n"))
            current = ""
    return lines


def is_root_only(line: str) -> bool:
    return bool(ROOT_ONLY.search(line))


@dataclass
class Server:
    """The temporary server: its folders and the rewrites that map the README's paths there."""

    root: Path
    ports: dict[int, int] = field(default_factory=dict)  # a port in deploy/ → the test's port

    @property
    def etc(self) -> Path:
        return self.root / "etc" / "erbium-zoom"

    @property
    def var_lib(self) -> Path:
        return self.root / "var" / "lib" / "erbium-zoom"

    @property
    def checkout(self) -> Path:
        return self.root / "opt" / "erbium-zoom"

    @property
    def certs(self) -> Path:
        return self.root / "etc" / "letsencrypt"

    def paths(self, text: str) -> str:
        """The README's server paths moved into the temporary folder."""
        for real, here in (
            (OPT, self.checkout),
            (ETC, self.etc),
            (VAR_LIB, self.var_lib),
            (CERTS, self.certs),
        ):
            text = text.replace(real, str(here))
        return text

    def rewrite(self, text: str) -> str:
        """Paths, then ports: "listen 443" on loopback at the test's port, and 8501."""
        text = self.paths(text)
        for real, here in self.ports.items():
            text = re.sub(rf"\blisten {real}\b", f"listen 127.0.0.1:{here}", text)
            text = text.replace(f"127.0.0.1:{real}", f"127.0.0.1:{here}")
            text = re.sub(rf"(?m)^(STREAMLIT_SERVER_PORT=){real}$", rf"\g<1>{here}", text)
        return text

    def build(self) -> Server:
        """The checkout: links to the repository, and deploy/ rewritten for this folder."""
        self.checkout.mkdir(parents=True)
        for entry in ROOT.iterdir():
            if entry.name not in ("deploy", ".git", ".streamlit"):
                (self.checkout / entry.name).symlink_to(entry)
        # A fresh checkout's .streamlit: the config, never a developer's own secrets.toml.
        (self.checkout / ".streamlit").mkdir()
        (self.checkout / ".streamlit" / "config.toml").symlink_to(ROOT / ".streamlit/config.toml")
        (self.checkout / "deploy").mkdir()
        for source in (ROOT / "deploy").iterdir():
            (self.checkout / "deploy" / source.name).write_text(self.rewrite(source.read_text()))
        (self.root / "home").mkdir()
        return self

    def environ(self) -> dict[str, str]:
        """A root shell's environment on a fresh server: no setting of ours, no keyring."""
        keep = ("PATH", "LANG", "LC_ALL", "TERM")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env["HOME"] = str(self.root / "home")
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        return env

    def env_file(self) -> dict[str, str]:
        """The installed environment file, read as systemd's EnvironmentFile= reads it (its
        lines are plain NAME=value, which the shell reads alike; a test checks that)."""
        values = {}
        for line in (self.etc / "erbium-zoom.env").read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                name, _, value = line.partition("=")
                values[name.strip()] = value.strip()
        return values


@dataclass
class Filling:
    """What a person types into the secrets file in step 2, besides the printed values."""

    redirect_uri: str = "https://dashboard.erbium.example/oauth2callback"
    client_id: str = "erbium-zoom-dashboard"
    client_secret: str = "provider-secret-for-tests"
    server_metadata_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    admins: tuple[str, ...] = ("ana@erbium.example",)


def fill_secrets(path: Path, printed: str, filling: Filling) -> None:
    """Step 2's edit: every CHANGE-ME replaced, the cookie secret and the key from the lines
    the guide's commands printed; a placeholder left over is an error."""
    [cookie] = COOKIE_SECRET.findall(printed)
    [key] = FERNET_KEY.findall(printed)
    values = {
        "redirect_uri": filling.redirect_uri,
        "cookie_secret": cookie,
        "client_id": filling.client_id,
        "client_secret": filling.client_secret,
        "server_metadata_url": filling.server_metadata_url,
    }
    text = path.read_text()
    for name, value in values.items():
        text = re.sub(rf'(?m)^{name} = "[^"]*"', f"{name} = {json.dumps(value)}", text)
    text = re.sub(r"(?m)^admins = \[.*\]", f"admins = {json.dumps(list(filling.admins))}", text)
    text = text.replace(f'secret_keys = ["{PLACEHOLDER}"]', f'secret_keys = ["{key}"]')
    left = [
        f"[{name}] {key}"
        for name, table in tomllib.loads(text).items()
        for key, value in table.items()
        if PLACEHOLDER in json.dumps(value)
    ]
    assert not left, f"{PLACEHOLDER} left in the secrets file: {left}"
    path.write_text(text)


FILL_HOOK = """\
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.deploy_guide import Filling, fill_secrets
fill_secrets(Path({secrets!r}), Path({log!r}).read_text(), Filling(**{filling!r}))
"""


@dataclass
class GuideRun:
    """What running the guide left: its output, the script that ran, the lines left out."""

    output: str
    script: str
    root_only: list[str]
    returncode: int


def run_guide(
    server: Server, secrets: list[str], filling: Filling, timeout: float = 300
) -> GuideRun:
    """The section's sh blocks in one bash, as written (paths moved), root-only lines left out.

    ``secrets``: the Client Secrets typed at step 4's prompts, one per ``profiles add``, given
    as standard input. The secrets file is filled in after the block that runs ``new-key``.
    """
    log = server.root / "guide.log"
    hook = server.root / "fill_secrets.py"
    hook.write_text(
        FILL_HOOK.format(
            root=str(ROOT),
            secrets=str(server.etc / "secrets.toml"),
            log=str(log),
            filling=filling.__dict__,
        )
    )
    script = ["set -euo pipefail"]
    root_only = []
    for block in fenced(section(), "sh"):
        for line in logical_lines(block):
            if is_root_only(line):
                root_only.append(line)
                script.append(": root-only, left out")
            else:
                script.append(server.paths(line))
        if "profiles new-key" in block:
            script.append(
                f"{shlex.quote(sys.executable)} {shlex.quote(str(hook))}  # step 2's edit"
            )
    text = "\n".join(script) + "\n"
    (server.root / "guide.sh").write_text(text)
    with log.open("w") as out:
        done = subprocess.run(
            ["bash", str(server.root / "guide.sh")],
            cwd=server.root,
            env=server.environ(),
            input="".join(f"{secret}\n" for secret in secrets).encode(),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    return GuideRun(log.read_text(), text, root_only, done.returncode)
