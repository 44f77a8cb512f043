"""Sign-in through a real OpenID provider in chromium, each role's view, sign-out, and the
refusal of a dashboard served beyond loopback without sign-in.

The provider is oidc-provider-mock on 127.0.0.1 (its sign-in form takes a subject and an
"Authorize" click); the dashboard reads a secrets file written here (Streamlit's
``secrets.files``), never the checkout's own. Both servers are stopped by the fixtures.
Screenshots go to artifacts/screenshots/sign-in-*.png.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import sqlite3
from pathlib import Path

import pytest

from . import harness

ARTIFACTS = harness.REPO_ROOT / "artifacts" / "screenshots"
PEOPLE = {  # subject in the provider → e-mail it asserts
    "ana": "ana@erbium.example",  # admin
    "ed": "ed@erbium.example",  # editor
    "zoe": "zoe@viewers.example",  # viewer, by domain
    "eve": "eve@else.example",  # on no list
}
SIDEBAR = '[data-testid="stSidebar"]'


@pytest.fixture(scope="module")
def provider():
    """The OpenID provider on a free loopback port, with each person's e-mail claim."""
    from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(sub=sub, claims={"email": email, "email_verified": True, "name": sub.title()})
        for sub, email in PEOPLE.items()
    ]
    with run_server_in_thread(port=0, user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def team_server(browser, provider, tmp_path_factory):
    """The dashboard with [auth] and [access], in demo mode, reached as http://localhost."""
    folder = tmp_path_factory.mktemp("team")
    port = harness.free_port()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        f"""
[auth]
redirect_uri = "http://localhost:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "erbium-zoom-dashboard"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[access]
admins = ["ana@erbium.example"]
editors = ["ED@erbium.example"]
viewers = ["@viewers.example"]

[demo]
enabled = true
"""
    )
    data = folder / "data"
    server = harness.start_server(
        extra_env={"ERBIUM_ZOOM_DATA_DIR": str(data)},
        secrets_file=secrets_file,
        url_host="localhost",
        port=port,
    )
    server.data_dir = data
    yield server
    server.stop()


def shoot(page, name: str) -> None:
    with contextlib.suppress(Exception):
        harness.screenshot(page, ARTIFACTS / f"sign-in-{name}.png")


def sign_in(page, server, subject: str) -> None:
    """Open the dashboard, press Sign in, and authorize as ``subject`` at the provider."""
    page.goto(server.url, wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{server.url}/**", timeout=harness.TEXT_TIMEOUT_MS)


def sign_out(page, button) -> None:
    """Press Sign out; the provider asks to confirm the end of its session, then sends the
    browser back to the dashboard, which shows the sign-in button again."""
    button.click()
    page.get_by_role("button", name="End session").click(timeout=harness.TEXT_TIMEOUT_MS)
    wait_text(page, "Sign in with your company account")
    assert page.locator(SIDEBAR).count() == 0


def wait_text(page, text: str, where: str = "body") -> None:
    """Wait until ``text`` is visible (in ``where``) and the run that drew it is done."""
    harness.wait_for_result(page, page.locator(where).get_by_text(text))


def open_path(page, server, path: str, text: str) -> None:
    page.goto(f"{server.url}/{path}", wait_until="domcontentloaded")
    wait_text(page, text, harness.MAIN)


def test_before_sign_in_nothing_but_the_sign_in_button(page, team_server):
    page.goto(team_server.url, wait_until="domcontentloaded")
    wait_text(page, "Sign in with your company account")
    shoot(page, "before")
    assert page.locator(SIDEBAR).count() == 0
    body = page.locator("body").inner_text()
    assert "Demo data" not in body and "Webinar" not in body
    for path in ("events", "attendance", "activity"):  # deep links show the same
        page.goto(f"{team_server.url}/{path}", wait_until="domcontentloaded")
        wait_text(page, "Sign in with your company account")
        assert "Demo data" not in page.locator("body").inner_text()


def test_a_stranger_is_not_allowed_and_can_sign_out(page, team_server):
    sign_in(page, team_server, "eve")
    wait_text(page, "not allowed here")
    shoot(page, "not-allowed")
    body = page.locator("body").inner_text()
    assert "Signed in as eve@else.example, not allowed here" in body
    assert "Demo data" not in body and page.locator(SIDEBAR).count() == 0
    sign_out(page, page.get_by_role("button", name="Sign out"))


def test_a_viewer_reads_everything_but_changes_nothing(page, team_server):
    sign_in(page, team_server, "zoe")
    wait_text(page, "Webinar 7/7", harness.MAIN)
    sidebar = page.locator(SIDEBAR).inner_text()
    assert "Signed in as zoe@viewers.example (viewer)" in sidebar
    main = page.locator(harness.MAIN).inner_text()
    assert "needs the editor role" in main and "Check connection" not in main
    open_path(page, team_server, "registrants", "Changing registrants needs the editor role")
    assert page.get_by_role("tab", name="Add").count() == 0
    open_path(page, team_server, "clients", "All clients")
    assert "Manage client profiles" not in page.locator(harness.MAIN).inner_text()
    open_path(page, team_server, "attendance", "Attendance")
    open_path(page, team_server, "activity", "Your own entries")
    shoot(page, "viewer-activity")


def test_an_editors_approval_in_the_browser_is_on_record_with_their_email(page, team_server):
    sign_in(page, team_server, "ed")
    wait_text(page, "Signed in as ed@erbium.example (editor)", SIDEBAR)
    open_path(page, team_server, "registrants", "Change registrants")
    main = page.locator(harness.MAIN)
    # The first demo event's denied registrants: approve one of them.
    main.get_by_test_id("stRadioGroup").get_by_text("Denied", exact=True).click()
    harness.wait_for_result(page, main.get_by_text("Select denied registrants"))
    main.locator('[data-testid="stMultiSelect"]').first.locator("input").click()
    page.locator('[role="option"]').first.click(timeout=harness.TEXT_TIMEOUT_MS)
    page.keyboard.press("Escape")
    # The picker can keep its list open and take the next option too: approve what was chosen,
    # once the button counts it (a label the server draws after the choice).
    approve = main.get_by_role("button", name=re.compile(r"^Approve [1-9]\d* selected"))
    harness.expect(harness.wait_for_result(page, approve)).to_be_enabled()
    shoot(page, "editor-registrants")
    approve.click()
    wait_text(page, "Please confirm", harness.MAIN)
    main.get_by_role("button", name="Confirm").click()
    wait_text(page, "Zoom approved", harness.MAIN)
    open_path(page, team_server, "clients", "All clients")
    assert "needs the admin role" in page.locator(harness.MAIN).inner_text()
    assert "Manage client profiles" not in page.locator(harness.MAIN).inner_text()
    open_path(page, team_server, "activity", "Your own entries (1)")
    shoot(page, "editor-activity")
    table = page.locator(harness.MAIN).locator('[data-testid="stDataFrame"]')
    assert table.count() == 1
    with sqlite3.connect(Path(team_server.data_dir) / "cache.sqlite3") as db:
        rows = db.execute("SELECT who, action, count, status FROM activity").fetchall()
    assert [(who, action, status) for who, action, count, status in rows if count] == [
        ("ed@erbium.example", "approve", "204 No Content")
    ]


def test_an_admin_manages_profiles_and_sees_everyones_activity(page, team_server):
    sign_in(page, team_server, "ana")
    wait_text(page, "Signed in as ana@erbium.example (admin)", SIDEBAR)
    open_path(page, team_server, "clients", "Manage client profiles")
    open_path(page, team_server, "activity", "Everyone's entries")
    main = page.locator(harness.MAIN).inner_text()
    assert "Everyone's entries" in main
    shoot(page, "admin-activity")
    sign_out(page, page.locator(SIDEBAR).get_by_role("button", name="Sign out"))


def test_served_beyond_loopback_without_sign_in_it_refuses(browser):
    server = harness.start_server(address="0.0.0.0")  # reached through 127.0.0.1 only
    page = harness.new_page(browser)
    try:
        for path in ("", "events", "attendance"):
            page.goto(f"{server.url}/{path}", wait_until="domcontentloaded")
            wait_text(page, "without sign-in")
            body = page.locator("body").inner_text()
            assert "Deploying for the team" in body and "ERBIUM_ZOOM_ALLOW_ANONYMOUS" in body
            assert "Demo data" not in body and "Webinar" not in body
        shoot(page, "refused-without-sign-in")
    finally:
        page.context.close()
        server.stop()
