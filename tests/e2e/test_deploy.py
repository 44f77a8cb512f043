"""The README's deployment example for real: nginx in front, the dashboard as the unit starts it,
signed in through both in chromium (issue 15, point 2).

The README's commands run first (tests/deploy_guide.py: the files under a temporary /etc and
/var/lib, three clients added). Then the dashboard starts with the unit's ExecStart,
WorkingDirectory and EnvironmentFile (the installed environment file, read as systemd reads it);
Debian's nginx runs the project's site configuration on 127.0.0.1 (only its ports and paths
changed, with a self-signed certificate for localhost), inside a main configuration of this test
that keeps its logs and temporary files in the folder. A person signs in at the OpenID provider
through nginx and finds the three clients on All clients, whose secrets the dashboard reads from
the same encrypted file the commands wrote. Every process started here is stopped here.
"""

from __future__ import annotations

import contextlib
import datetime
import getpass
import os
import shlex
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from configparser import ConfigParser
from pathlib import Path

import pytest

from tests.deploy_guide import Filling, Server, run_guide

from . import harness
from .conftest import _unavailable

ARTIFACTS = harness.REPO_ROOT / "artifacts" / "screenshots"
CLIENTS = {"Acme Corp": "acme-secret-1", "Globex": "globex-secret-2", "Initech": "initech-secret-3"}
ADMIN = ("ana", "ana@erbium.example")
SIDEBAR = '[data-testid="stSidebar"]'
SITE = "dashboard.erbium.example"


def nginx_path() -> str | None:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if os.access(found, os.X_OK) else None


def self_signed(folder: Path) -> None:
    """A certificate for localhost where the site configuration expects certbot's files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def wait_for(url: str, what: str, process: subprocess.Popen, log: Path) -> None:
    """Until ``url`` answers 200 (any certificate), or fail with the process's log."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + harness.SERVER_START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"{what} did not answer {url}:\n{log.read_text()[-4000:]}", pytrace=False)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def provider():
    """The OpenID provider, which knows Ana (the admin)."""
    with admin_provider() as url:
        yield url


@contextlib.contextmanager
def admin_provider():
    """oidc-provider-mock on a free port, knowing Ana; its address."""
    from oidc_provider_mock import User, run_server_in_thread

    sub, email = ADMIN
    users = [User(sub=sub, claims={"email": email, "email_verified": True, "name": "Ana"})]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


def new_server() -> Server:
    """A temporary server folder on three free ports (nginx's HTTPS and HTTP, the dashboard)."""
    if nginx_path() is None:
        _unavailable("nginx is not installed: apt-get install -y nginx-light (as root)")
    folder = Path(tempfile.mkdtemp(prefix="erbium-zoom-deploy-"))
    ports = {443: harness.free_port(), 80: harness.free_port(), 8501: harness.free_port()}
    server = Server(folder, ports=ports).build()
    server.url = f"https://localhost:{ports[443]}"
    return server


@contextlib.contextmanager
def serving(server: Server):
    """The dashboard as the unit starts it, then nginx in front; both stopped on exit, and the
    folder removed."""
    self_signed(server.certs / "live" / SITE)
    started: list[subprocess.Popen] = []
    try:
        started.append(start_as_the_unit(server))
        wait_for(
            f"http://127.0.0.1:{server.ports[8501]}/_stcore/health",
            "the dashboard",
            started[-1],
            server.root / "dashboard.log",
        )
        started.append(start_nginx(server))
        wait_for(
            f"https://127.0.0.1:{server.ports[443]}/_stcore/health",
            "nginx",
            started[-1],
            server.root / "nginx" / "error.log",
        )
        yield server
    finally:
        for process in reversed(started):
            stop(process)
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="module")
def deployed(browser, provider):
    """The server of the README, set up by its commands, with the dashboard and nginx running."""
    server = new_server()
    run = run_guide(
        server,
        list(CLIENTS.values()),
        Filling(
            redirect_uri=f"{server.url}/oauth2callback",
            server_metadata_url=f"{provider}/.well-known/openid-configuration",
            admins=(ADMIN[1],),
        ),
    )
    if run.returncode != 0:
        shutil.rmtree(server.root, ignore_errors=True)
        pytest.fail(f"the guide stopped:\n{run.output}", pytrace=False)
    with serving(server):
        yield server


def start_as_the_unit(
    server: Server,
    unit_file: str = "erbium-zoom.service",
    instance: str = "",
    extra_env: dict[str, str] | None = None,
    log_name: str = "dashboard.log",
) -> subprocess.Popen:
    """ExecStart in WorkingDirectory, with EnvironmentFile= and Environment= as systemd sets
    them (User= cannot be switched in a test: it runs as this user). For a template unit
    (erbium-zoom@.service), ``instance`` stands for %i. ``extra_env``: what the test adds (the
    simulated Zoom's addresses)."""
    unit = ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read(server.checkout / "deploy" / unit_file)
    service = unit["Service"]
    assert Path(service["EnvironmentFile"]) == server.etc / "erbium-zoom.env"
    env = {**server.environ(), **server.env_file()}
    for assignment in shlex.split(service.get("Environment", "")):
        name, _, value = assignment.partition("=")
        env[name] = value
    env.update(extra_env or {})
    log = (server.root / log_name).open("wb")
    return subprocess.Popen(
        shlex.split(service["ExecStart"].replace("%i", instance)),
        cwd=service["WorkingDirectory"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def start_nginx(server: Server, site_file: str = "nginx-erbium-zoom.conf") -> subprocess.Popen:
    """Debian's nginx with the project's site file (as installed under sites-available) in a
    main configuration that keeps everything in the folder. Its access log is nginx's
    "combined" format followed by the dashboard that answered (``upstream=ADDRESS``, two
    addresses when the first failed and the request went to the next)."""
    home = server.root / "nginx"
    home.mkdir()
    site = server.checkout / "deploy" / site_file
    # As root, workers would switch to nobody, who cannot enter this folder: keep them as us.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {home / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (home / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
error_log {home / "error.log"} info;
events {{ worker_connections 64; }}
http {{
    log_format upstreams '$remote_addr - $remote_user [$time_local] "$request" $status '
                         '$body_bytes_sent "$http_referer" "$http_user_agent" '
                         'upstream=$upstream_addr';
    access_log {home / "access.log"} upstreams;
    {temp}
    include {site};
}}
"""
    )
    log = (home / "nginx.out").open("wb")
    return subprocess.Popen(
        [
            nginx_path(),
            "-p",
            str(home),
            "-c",
            str(home / "nginx.conf"),
            "-g",
            f"daemon off; pid {home / 'nginx.pid'};",
        ],  # fmt: skip
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def sign_in(page, url: str) -> None:
    """Open ``url``, sign in at the OpenID provider as Ana (admin), and wait until the sidebar
    says so."""
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("Sign in with your company account").wait_for(timeout=harness.TEXT_TIMEOUT_MS)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(ADMIN[0])
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**", timeout=harness.TEXT_TIMEOUT_MS)
    page.locator(SIDEBAR).get_by_text(f"Signed in as {ADMIN[1]} (admin)").wait_for(
        timeout=harness.TEXT_TIMEOUT_MS
    )


def test_http_is_sent_to_https(deployed):
    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoFollow)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(f"http://127.0.0.1:{deployed.ports[80]}/clients", timeout=10)
    assert answer.value.code == 301
    assert answer.value.headers["Location"] == "https://127.0.0.1/clients"


def test_signed_in_through_nginx_the_three_clients_are_there(browser, deployed):
    context = browser.new_context(viewport=harness.VIEWPORT, ignore_https_errors=True)
    page = context.new_page()
    try:
        sign_in(page, deployed.url)
        sidebar = page.locator(SIDEBAR)

        page.goto(f"{deployed.url}/clients", wait_until="domcontentloaded")
        main = page.locator(harness.MAIN)
        kept = (
            f"Client Secrets are kept in the encrypted file "
            f"{deployed.var_lib / 'data' / 'client-secrets.enc'} (keys from secret_keys in the "
            f"[storage] table of the secrets file {deployed.etc / 'secrets.toml'})."
        )
        main.get_by_text(kept).wait_for(timeout=harness.TEXT_TIMEOUT_MS)
        harness.wait_until_idle(page)
        with contextlib.suppress(Exception):
            harness.screenshot(page, ARTIFACTS / "deploy-all-clients.png")
        assert harness.page_problems(page) == []
        # The profile picker lists the clients the README's commands added, and nothing else.
        picker = sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Client profile")
        picker.click()
        options = page.locator('[role="option"]')
        options.first.wait_for(timeout=harness.TEXT_TIMEOUT_MS)
        assert set(CLIENTS) <= set(options.all_inner_texts())
        page.keyboard.press("Escape")
        # The page and its live updates came through nginx: the WebSocket was upgraded there.
        access = (deployed.root / "nginx" / "access.log").read_text()
        assert '"GET /_stcore/stream HTTP/1.1" 101' in access
        assert "No secrets file" not in page.locator("body").inner_text()
    finally:
        context.close()


def test_behind_nginx_a_missing_secrets_file_lets_nobody_in(browser):
    """The environment file names a secrets file that is not there (step 2 skipped, a typo):
    the dashboard listens on 127.0.0.1, but nginx forwards to it, so it must not take every
    visitor for the local user. It refuses and says where it looked."""
    server = new_server()
    server.etc.mkdir(parents=True)  # step 0's environment file, and no secrets file
    (server.etc / "erbium-zoom.env").write_text(
        (server.checkout / "deploy" / "erbium-zoom.env").read_text()
    )
    with serving(server):
        context = browser.new_context(viewport=harness.VIEWPORT, ignore_https_errors=True)
        page = context.new_page()
        try:
            for path in ("", "clients"):
                page.goto(f"{server.url}/{path}", wait_until="domcontentloaded")
                main = page.locator(harness.MAIN)
                main.get_by_text("without sign-in").wait_for(timeout=harness.TEXT_TIMEOUT_MS)
                harness.wait_until_idle(page)
                body = page.locator("body").inner_text()
                assert (
                    "reached through a reverse proxy (its requests carry X-Forwarded-For)" in body
                )
                assert f"No secrets file was found (looked at {server.etc / 'secrets.toml'}" in body
                assert "Demo data" not in body and page.locator(SIDEBAR).count() == 0
            with contextlib.suppress(Exception):
                harness.screenshot(page, ARTIFACTS / "deploy-no-secrets-file.png")
        finally:
            context.close()
